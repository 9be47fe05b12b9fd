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
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from kit.captions import image_alt
from kit.filecache import code_version
from kit.platforms import ImageFormat, rules
from kit.render import RenderContext
from kit.site.catalog import Catalog, SiteFile
from kit.digest import value_digest

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


Record = tuple[tuple[str, str], str, tuple[str, ...]]  # (sort key, CSV record, the message's municipalities)


def posts_csvs(ctx: RenderContext, catalog: Catalog, known: Mapping | None = None) -> tuple[dict[str, bytes], dict]:
    """site path -> CSV bytes: one per language, and one per language and municipality (for its page); none where
    there is no post yet (the page then has no link to one). With the records of the last build (`known`, as
    returned the last time): a message's records are made again only when it or its files changed (each is read
    from its posts.json; at 1 000 messages, half a second of every build). Returns the records for the next."""
    version = value_digest((code_version(), ctx.settings))
    previous = known.get("messages", {}) if isinstance(known, Mapping) and known.get("version") == version else {}
    kept: dict[tuple[str, str], tuple[str, list[Record]]] = {}
    documents = {}
    for lang in ctx.settings.languages:
        rows: list[Record] = []
        for (listed, mid) in catalog.listing:
            if listed != lang:
                continue
            digest = catalog.digests[mid]
            found = previous.get((lang, mid))
            records = found[1] if found is not None and found[0] == digest else _records(ctx, catalog, lang, mid)
            kept[(lang, mid)] = (digest, records)
            rows += records
        rows.sort(key=lambda record: record[0])  # a message's posts as in its posts.json
        places = [(lang, [record for _, record, _ in rows])]
        places += [(f"{lang}/{m}", [record for _, record, mine in rows if m in mine]) for m in ctx.brand.municipalities]
        documents.update({f"{folder}/{POSTS_CSV}": _csv(chosen) for folder, chosen in places if chosen})
    return documents, {"version": version, "messages": kept}


def _records(ctx: RenderContext, catalog: Catalog, lang: str, mid: str) -> list[Record]:
    """Each post of a public message written in `lang`, encoded once, however many files list it (its
    language's and each of its municipalities'). A listing that falls back to another language's text (a Võro
    listing of an Estonian-only message) gives none: its posts are those of the language it is written in, and
    importing both files would post them twice."""
    message = catalog.messages[mid]
    files = catalog.listing[(lang, mid)]
    if lang not in message.translations:
        return []
    by_name = {f.name: f for f in files if f.kind == "social"}
    posts = next((f for f in files if f.kind == "social" and f.variant == "posts"), None)
    if posts is None:
        return []
    records = []
    for post in json.loads(posts.source.read_bytes())["posts"]:
        images = [by_name[name] for name in _post_images(post["platform"], tuple(post["files"])) if name in by_name]
        row = {"publish_not_before": _local(post["publish_not_before"], ctx),
               "message": mid, "language": message.text(lang).lang, "platform": post["platform"],
               "channel": post["channel"], "text": post["caption"], "first_comment": "",
               "link": post["link"] or "",
               "image_urls": URL_SEPARATOR.join(_public_url(ctx, f) for f in images),
               "alt_texts": ALT_SEPARATOR.join(image_alt(message, lang, f.path) for f in images)}
        records.append(((row["publish_not_before"], mid), _csv_record(row), message.municipalities))
    return records


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
