"""Posts for scheduling tools: `<lang>/posts.csv` and `<lang>/<municipality>/posts.csv` on the download site.

One row per platform post of every public message (the posts of its posts.json), in the shape the common bulk
import tools share: text, platform, the images as public URLs (a carousel's slides in order), their alt texts, a
first comment, and the moment before which nothing may go out. The image URLs are the site's own
content-addressed ones (settings.site_url + v/<hash>/files/...): the bytes a tool fetches are the bytes the page
shows with their checksum, never a newer version of the image than the text beside it. The CSV is made from the
published posts.json, so a message whose previous version the site keeps gives that version's posts.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from functools import lru_cache

from kit.captions import image_alt
from kit.platforms import ImageFormat, rules
from kit.render import RenderContext
from kit.site.catalog import Catalog, SiteFile

POSTS_CSV = "posts.csv"
COLUMNS = ("publish_not_before", "message", "language", "platform", "channel", "text", "first_comment", "link",
           "image_urls", "alt_texts")
# Several images in one cell: URLs separated by commas (what the tools that take carousels read; a comma inside a
# URL is written %2C), alt texts by "||" (an alt text may hold commas).
URL_SEPARATOR = ","
ALT_SEPARATOR = "||"
# UTF-8 with a byte order mark: Excel, where a team looks over a week's posts before importing them, reads a CSV
# without one in the Windows code page (õ, ä, „ turn into mojibake); with it, Excel, LibreOffice and Google Sheets
# all read UTF-8, and the import tools, which ask for "CSV UTF-8" as Excel saves it (with the mark), read it too.
ENCODING = "utf-8-sig"


def posts_csvs(ctx: RenderContext, catalog: Catalog) -> dict[str, bytes]:
    """site path -> CSV bytes: one per language, and one per language and municipality (for its page); none where
    there is no post yet (the page then has no link to one)."""
    documents = {}
    for lang in ctx.settings.languages:
        rows = [(_csv_record(row), mine) for row, mine in _rows(ctx, catalog, lang)]  # each encoded once
        places = [(lang, [record for record, _ in rows])]
        places += [(f"{lang}/{m}", [record for record, mine in rows if m in mine]) for m in ctx.brand.municipalities]
        documents.update({f"{folder}/{POSTS_CSV}": _csv(chosen) for folder, chosen in places if chosen})
    return documents


def _rows(ctx: RenderContext, catalog: Catalog, lang: str) -> list[tuple[dict[str, str], tuple[str, ...]]]:
    """(row, the message's municipalities) for each post of each public message written in `lang`, earliest first.
    A listing that falls back to another language's text (a Võro listing of an Estonian-only message) gives no
    rows: its posts are those of the language it is written in, and importing both files would post them twice."""
    rows = []
    for (listed, mid), files in catalog.listing.items():
        message = catalog.messages[mid]
        if listed != lang or lang not in message.translations:
            continue
        by_name = {f.name: f for f in files if f.kind == "social"}
        posts = next((f for f in files if f.kind == "social" and f.variant == "posts"), None)
        if posts is None:
            continue
        data = json.loads(posts.source.read_bytes())
        for post in data["posts"]:
            images = [by_name[name] for name in _post_images(post["platform"], tuple(post["files"])) if name in by_name]
            rows.append(({"publish_not_before": _local(post["publish_not_before"], ctx),
                          "message": mid, "language": message.text(lang).lang, "platform": post["platform"],
                          "channel": post["channel"], "text": post["caption"], "first_comment": "",
                          "link": post["link"] or "",
                          "image_urls": URL_SEPARATOR.join(_public_url(ctx, f) for f in images),
                          "alt_texts": ALT_SEPARATOR.join(image_alt(message, lang, f.path) for f in images)},
                         message.municipalities))
    rows.sort(key=lambda r: (r[0]["publish_not_before"], r[0]["message"]))  # a message's posts as in its posts.json
    return rows


@lru_cache(maxsize=256)  # a few platforms and file sets, asked for each of 14 000 posts at 1 000 messages
def _post_images(platform: str, files: tuple[str, ...]) -> tuple[str, ...]:
    """The images of one feed post: the carousel's slides in order on the carousel's platform; elsewhere the
    platform's largest feed format (a Story is a post of its own kind, not a feed post's image)."""
    carousel = [name for name in files if name.startswith("carousel-")]
    if platform == rules().carousel.platform and carousel:
        return tuple(sorted(carousel))
    feed = [fmt for fmt in rules().formats.values()
            if platform in fmt.platforms and fmt.layout != "story" and f"{fmt.name}.jpg" in files]
    if not feed:
        return ()
    best: ImageFormat = max(feed, key=lambda fmt: fmt.size[0] * fmt.size[1])  # the first of equals
    return (f"{best.name}.jpg",)


def _public_url(ctx: RenderContext, file: SiteFile) -> str:
    return f"{ctx.settings.site_url}{file.href}".replace(",", "%2C")


def _local(moment: str, ctx: RenderContext) -> str:
    """ISO 8601 with the offset, in the project's time zone (what the team schedules in)."""
    return datetime.fromisoformat(moment).astimezone(ctx.settings.tz).isoformat(timespec="seconds")


def _csv(records: list[str]) -> bytes:
    """The header and the records (`_csv_record`), as one file."""
    return "".join([_csv_record(dict(zip(COLUMNS, COLUMNS))), *records]).encode(ENCODING)


def _csv_record(row: dict[str, str]) -> str:
    """One row as a CSV record, RFC 4180: CRLF after it, every field quoted where it holds a comma, quote or line
    break (a caption's paragraphs stay one cell). A row is encoded once, however many files list it (its
    language's and each of its municipalities')."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow([row[column] for column in COLUMNS])
    return buffer.getvalue()
