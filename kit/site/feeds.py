"""Atom (RFC 4287 + RFC 5005 archives + RFC 6721 tombstones), RSS 2.0 and JSON Feed 1.1, from the catalog.

Feeds: everything, one per language, one per municipality. Ids come from the message id (catalog.Entry.id)
and `updated` from the content, never from the build time, so an unchanged rebuild gives identical bytes.
Archive documents are frozen once written (see ArchiveState): RFC 5005 readers rebuild history from them.
"""
from __future__ import annotations

import json
from html import escape
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from kit.captions import alt_text
from kit.i18n import label
from kit.model import Event, Message
from kit.render import RenderContext
from kit.sanitize import markdown_html
from kit.site.catalog import TAG_AUTHORITY, Catalog, Entry
from kit.site.seo import preview_card, preview_size

ATOM = "http://www.w3.org/2005/Atom"
FH = "http://purl.org/syndication/history/1.0"
AT = "http://purl.org/atompub/tombstones/1.0"
MEDIA = "http://search.yahoo.com/mrss/"  # Media RSS: where RSS-to-e-mail tools and several readers find an image
NAMESPACES = {"": ATOM, "fh": FH, "at": AT, "media": MEDIA}
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class IssueEntry:
    """A newsletter issue in one language, as a feed entry leading to its page on the site. Live feeds only
    (archives hold messages); no enclosures, so `kit pull` fetches what it always did."""

    id: str
    lang: str
    title: str
    url: str
    content: str  # HTML: the issue's messages, each linked to its page
    published: datetime


@dataclass(frozen=True)
class FeedSpec:
    name: str  # file stem under feeds/
    title: str
    lang: str  # xml:lang of the feed ("" for mixed)
    entries: tuple[Entry, ...]  # newest first
    municipality: str = ""
    issues: tuple[IssueEntry, ...] = ()  # newest first; the "all" and the language feeds


def issue_entries(ctx: RenderContext, catalog: Catalog) -> tuple[IssueEntry, ...]:
    """Every public newsletter issue per language; its date is when its last message went out (content, not
    build time, so an unchanged rebuild gives the same feed)."""
    from kit.render.newsletter import issue_page, issue_title, messages_by_issue

    by_issue = messages_by_issue(ctx)
    public = {(e.lang, e.message.id) for e in catalog.entries} | set(catalog.listing)
    entries = []
    for lang, variant in catalog.issues:
        issue = variant.removeprefix("newsletter-")
        members = [m for m in by_issue.get(issue, []) if (lang, m.id) in public]
        if not members:
            continue
        items = "".join(f'<li><a href="{escape(url(ctx, f"{lang}/messages/{m.id}.html"))}">{escape(m.text(lang).title)}</a></li>'
                        for m in members)
        entries.append(IssueEntry(id=f"{TAG_AUTHORITY}newsletter/{issue}/{lang}", lang=lang,
                                  title=issue_title(lang, issue), url=url(ctx, issue_page(lang, issue)),
                                  content=f"<ul>{items}</ul>", published=max(m.published for m in members)))
    return tuple(sorted(entries, key=lambda e: (e.published, e.id), reverse=True))


def feed_specs(ctx: RenderContext, catalog: Catalog) -> list[FeedSpec]:
    kit_title = label("kit_title", "et")
    issues = issue_entries(ctx, catalog)
    specs = [FeedSpec("all", kit_title, "", catalog.entries, issues=issues)]
    for lang in ctx.settings.languages:
        specs.append(FeedSpec(f"lang-{lang}", f"{label('kit_title', lang)} ({lang})", lang,
                              tuple(e for e in catalog.entries if e.lang == lang),
                              issues=tuple(i for i in issues if i.lang == lang)))
    for mid, municipality in ctx.brand.municipalities.items():
        specs.append(FeedSpec(mid, f"{kit_title} – {municipality.name('et')}", "",
                              tuple(e for e in catalog.entries if mid in e.message.municipalities), mid))
    return specs


def url(ctx: RenderContext, path: str) -> str:
    return ctx.settings.site_url + path


def file_url(ctx: RenderContext, file, with_hash: bool = True) -> str:
    """Files are named by URL; `#sha256=` (as pip's index does) lets a puller verify what it fetched, and
    `&municipality=` says a file is one municipality's own (a poster), so a pull for another leaves it."""
    base = url(ctx, file.href)
    if not with_hash:
        return base
    return f"{base}#sha256={file.sha256}" + (f"&municipality={file.municipality}" if file.municipality else "")


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _feed_updated(entries, withdrawn: list[Message]) -> datetime:
    moments = [e.updated for e in entries] + [m.updated for m in withdrawn]
    return max(moments, default=EPOCH)


def _files(entry: Entry, spec: FeedSpec):
    files = entry.for_municipality(spec.municipality) if spec.municipality else entry.files
    return [f for f in files if f.offered]


# ---- Atom ---------------------------------------------------------------------------------------

def atom(ctx: RenderContext, spec: FeedSpec, entries: tuple[Entry, ...], links: dict[str, str],
         withdrawn: Sequence[Message] = (), archive: bool = False) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    if spec.lang:
        feed.set("{http://www.w3.org/XML/1998/namespace}lang", spec.lang)
    _text(feed, "id", f"{TAG_AUTHORITY}feed/{spec.name}" + (f"/archive/{links.get('page', '')}" if archive else ""))
    _text(feed, "title", spec.title)
    issues = () if archive else spec.issues
    _text(feed, "updated", _when(max([_feed_updated(entries, list(withdrawn)), *(i.published for i in issues)])))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", ctx.brand.organisation["name"])
    _text(author, "email", ctx.brand.organisation["email"])
    if archive:
        ET.SubElement(feed, f"{{{FH}}}archive")
    for rel, href in links.items():
        if rel != "page":
            ET.SubElement(feed, f"{{{ATOM}}}link", rel=rel, href=href)
    for hub in ([] if archive else ctx.settings.websub_hubs):
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="hub", href=hub)
    for entry in entries:
        _atom_entry(feed, ctx, spec, entry)
    for issue in issues:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry", {"{http://www.w3.org/XML/1998/namespace}lang": issue.lang})
        _text(node, "id", issue.id)
        _text(node, "title", issue.title)
        _text(node, "published", _when(issue.published))
        _text(node, "updated", _when(issue.published))
        ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=issue.url)
        ET.SubElement(node, f"{{{ATOM}}}content", type="html").text = issue.content
        ET.SubElement(node, f"{{{ATOM}}}category", term="newsletter", scheme=url(ctx, "kinds"))
    for message in withdrawn:
        for lang in message.translations:
            ET.SubElement(feed, f"{{{AT}}}deleted-entry", ref=f"{TAG_AUTHORITY}message/{message.id}/{lang}",
                          when=_when(message.updated))
    return _xml(feed)


def _atom_entry(feed: ET.Element, ctx: RenderContext, spec: FeedSpec, entry: Entry) -> None:
    text = entry.message.text(entry.lang)
    node = ET.SubElement(feed, f"{{{ATOM}}}entry", {"{http://www.w3.org/XML/1998/namespace}lang": entry.lang})
    _text(node, "id", entry.id)
    _text(node, "title", text.title)
    _text(node, "published", _when(entry.published))
    _text(node, "updated", _when(entry.updated))
    ET.SubElement(node, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=url(ctx, f"{entry.lang}/messages/{entry.message.id}.html"))
    _text(node, "summary", text.summary)
    content = ET.SubElement(node, f"{{{ATOM}}}content", type="html")
    content.text = content_html(ctx, entry.message, entry.lang)
    for theme in entry.message.themes:
        ET.SubElement(node, f"{{{ATOM}}}category", term=theme, scheme=url(ctx, "themes"),
                      label=ctx.brand.themes[theme].names.get(entry.lang, theme))
    for municipality in entry.message.municipalities:
        ET.SubElement(node, f"{{{ATOM}}}category", term=municipality, scheme=url(ctx, "municipalities"),
                      label=ctx.brand.municipalities[municipality].name(entry.lang))
    for file in _files(entry, spec):
        ET.SubElement(node, f"{{{ATOM}}}link", rel="enclosure", href=file_url(ctx, file), type=file.media_type,
                      length=str(file.size), title=file.name)
    _media(node, ctx, entry, f"{{{MEDIA}}}")


def _media(item: ET.Element, ctx: RenderContext, entry: Entry, prefix: str) -> None:
    """The item's image as Media RSS: the 1200×630 card (the page's link preview) with its alt text, and the same
    card as the thumbnail. `prefix` is `{namespace}` in Atom, `media:` in RSS (whose root declares it)."""
    card = preview_card(entry.files)
    if card is None:
        return
    width, height = (str(n) for n in preview_size())
    image = file_url(ctx, card, with_hash=False)
    content = ET.SubElement(item, f"{prefix}content", url=image, type=card.media_type, medium="image",
                            fileSize=str(card.size), width=width, height=height)
    ET.SubElement(content, f"{prefix}description", type="plain").text = alt_text(entry.message, entry.lang)
    ET.SubElement(item, f"{prefix}thumbnail", url=image, width=width, height=height)


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    node.text = value
    return node


def _xml(root: ET.Element) -> bytes:
    # ElementTree's prefixes are global to the process and WeasyPrint rewrites them when it loads (in this
    # process when a build renders with one worker): set ours at each use, or the feed comes out as ns0:feed.
    for prefix, uri in NAMESPACES.items():
        ET.register_namespace(prefix, uri)
    ET.indent(root, space=" ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# ---- RSS 2.0 ------------------------------------------------------------------------------------

def rss(ctx: RenderContext, spec: FeedSpec, entries: tuple[Entry, ...]) -> bytes:
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM, "xmlns:media": MEDIA})
    channel = ET.SubElement(root, "channel")
    _plain(channel, "title", spec.title)
    _plain(channel, "link", url(ctx, f"{spec.lang or 'et'}/index.html"))
    _plain(channel, "description", label("intro", spec.lang or "et"))
    if spec.lang:
        _plain(channel, "language", {"vro": "et"}.get(spec.lang, spec.lang))  # RSS wants an ISO 639-1 code
    updated = max([_feed_updated(entries, []), *(i.published for i in spec.issues)])
    _plain(channel, "lastBuildDate", format_datetime(updated.astimezone(timezone.utc), usegmt=True))
    ET.SubElement(channel, "atom:link", rel="self", type="application/rss+xml", href=url(ctx, f"feeds/{spec.name}.rss"))
    for hub in ctx.settings.websub_hubs:
        ET.SubElement(channel, "atom:link", rel="hub", href=hub)
    for entry in entries:
        text = entry.message.text(entry.lang)
        item = ET.SubElement(channel, "item")
        _plain(item, "title", text.title)
        _plain(item, "link", url(ctx, f"{entry.lang}/messages/{entry.message.id}.html"))
        _plain(item, "description", content_html(ctx, entry.message, entry.lang))
        ET.SubElement(item, "guid", isPermaLink="false").text = entry.id
        _plain(item, "pubDate", format_datetime(entry.published.astimezone(timezone.utc), usegmt=True))
        for theme in entry.message.themes:
            _plain(item, "category", theme)
        files = _files(entry, spec)
        first = min(files, key=lambda f: (f.rss_rank, f.role != "download", f.path), default=None)
        if first is not None:  # RSS allows one enclosure per item: the renderers' presentations rank them
            ET.SubElement(item, "enclosure", url=file_url(ctx, first, with_hash=False), length=str(first.size),
                          type=first.media_type)
        _media(item, ctx, entry, "media:")
    for issue in spec.issues:
        item = ET.SubElement(channel, "item")
        _plain(item, "title", issue.title)
        _plain(item, "link", issue.url)
        _plain(item, "description", issue.content)
        ET.SubElement(item, "guid", isPermaLink="false").text = issue.id
        _plain(item, "pubDate", format_datetime(issue.published.astimezone(timezone.utc), usegmt=True))
        _plain(item, "category", "newsletter")
    return _xml(root)


def _plain(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


# ---- JSON Feed 1.1 ------------------------------------------------------------------------------

def json_feed(ctx: RenderContext, spec: FeedSpec, entries: tuple[Entry, ...]) -> bytes:
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": spec.title,
            "home_page_url": url(ctx, f"{spec.lang or 'et'}/index.html"), "feed_url": url(ctx, f"feeds/{spec.name}.json"),
            "description": label("intro", spec.lang or "et"),
            "authors": [{"name": ctx.brand.organisation["name"], "url": ctx.brand.organisation["web"]}]}
    if spec.lang:
        feed["language"] = spec.lang
    if ctx.settings.websub_hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in ctx.settings.websub_hubs]
    feed["items"] = [_json_item(ctx, spec, entry) for entry in entries] + [
        {"id": i.id, "url": i.url, "title": i.title, "content_html": i.content, "date_published": _when(i.published),
         "date_modified": _when(i.published), "language": i.lang, "tags": ["newsletter"]} for i in spec.issues]
    return (json.dumps(feed, ensure_ascii=False, indent=1) + "\n").encode()


def _json_item(ctx: RenderContext, spec: FeedSpec, entry: Entry) -> dict:
    text = entry.message.text(entry.lang)
    return {"id": entry.id, "url": url(ctx, f"{entry.lang}/messages/{entry.message.id}.html"), "title": text.title,
            "summary": text.summary, "content_html": content_html(ctx, entry.message, entry.lang),
            "date_published": _when(entry.published), "date_modified": _when(entry.updated), "language": entry.lang,
            "tags": list(entry.message.themes) + list(entry.message.municipalities),
            "attachments": [{"url": file_url(ctx, f), "mime_type": f.media_type, "size_in_bytes": f.size,
                             "title": f.name} for f in _files(entry, spec)],
            **_json_images(ctx, entry),
            **({"_event": _event_data(entry.message.event)} if entry.message.event else {})}


def _json_images(ctx: RenderContext, entry: Entry) -> dict:
    """JSON Feed's `image` is the item's main image (the 1200×630 card); `banner_image` one a reader may show
    above the item, so the press photo without text burned in."""
    card = preview_card(entry.files)
    photo = next((f for f in entry.files if f.kind == "press" and f.path.endswith("-web.jpg")), None)
    images = {"image": file_url(ctx, card, with_hash=False)} if card else {}
    return {**images, **({"banner_image": file_url(ctx, photo, with_hash=False)} if photo else {})}


def _event_data(event: Event) -> dict:
    """JSON Feed extension (keys starting with _ are the format's way): the event's facts as data."""
    data = {"start": event.start.isoformat(timespec="minutes"), "venues": dict(event.venues)}
    if event.end:
        data["end"] = event.end.isoformat(timespec="minutes")
    if event.address:
        data["address"] = event.address
    if event.url:
        data["url"] = event.url
    return data


def content_html(ctx: RenderContext, message: Message, lang: str) -> str:
    """An entry's content: the body, then what a reader acts on (the event's facts, the points, the call to
    action with its link, a quote, the Tartu 2024 sentence), as on the message's page."""
    from kit.site.pages import message_story

    story = message_story(message, lang, ctx.brand)
    parts = [str(markdown_html(message.text(lang).body_md))]
    if story["facts"]:
        parts.append("<p>" + "<br>".join(f"<strong>{escape(name)}:</strong> {escape(value)}"
                                         for name, value in story["facts"]) + "</p>")
    if story["points"]:
        parts.append("<ul>" + "".join(f"<li>{point}</li>" for point in story["points"]) + "</ul>")
    if story["quote"]:
        parts.append(f"<blockquote><p>{escape(story['quote']['text'])}</p><p>– {escape(story['quote']['by'])}</p></blockquote>")
    if story["cta"]:
        link = escape(story["cta"]["url"])
        parts.append(f'<p><strong>{escape(story["cta"]["text"])}:</strong> <a href="{link}">{link}</a></p>')
    if story["partner"]:
        parts.append(f"<p><em>{escape(story['partner'])}</em></p>")
    return "\n".join(parts)
