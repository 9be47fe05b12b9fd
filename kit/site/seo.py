"""Link previews and search: what a shared message page shows in a chat or a feed reader, and what a search
engine reads.

- Open Graph and Twitter card tags on message pages, the 1200×630 social card (the `link-preview` format in
  kit/data/platforms.yaml) as their image;
- schema.org `Event` JSON-LD for event messages;
- `hreflang` alternates (and a canonical address) on every page that exists in several languages;
- `sitemap.xml` with each page's language alternates, and `robots.txt` naming it.

Every address is absolute (settings.site_url): previews and sitemaps are read away from the site.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Mapping
from functools import partial

from markupsafe import Markup

from kit.captions import alt_text
from kit.filecache import code_version
from kit.i18n import label
from kit.model import Message
from kit.platforms import rules
from kit.render import RenderContext
from kit.site.catalog import Catalog, SiteFile
from kit.digest import value_digest
from kit.store import Made

PREVIEW_FORMAT = "link-preview"  # the social format sized for link previews (1200×630, Facebook's and X's size)
# Open Graph locales are language_TERRITORY from Facebook's fixed list. Võro has no code there (nor a CLDR
# locale): its pages say et_EE, the locale of the country and of the script readers have set up, which is what
# a Võro reader's platform shows; hreflang and inLanguage still say `vro`.
OG_LOCALES = {"et": "et_EE", "en": "en_GB", "vro": "et_EE"}
COUNTRY = "EE"  # every municipality in brand/municipalities.yaml is in Estonia
ALTERNATES_MARK = "<!--kit:alternates-->"  # where base.html wants the page's hreflang links
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def page_url(ctx: RenderContext, path: str) -> str:
    return ctx.settings.site_url + path


def preview_card(files: Iterable[SiteFile]) -> SiteFile | None:
    """A listing's 1200×630 card among its files, or None when there is none (social not rendered)."""
    return next((f for f in files if f.kind == "social" and f.variant == PREVIEW_FORMAT and f.path.endswith(".jpg")),
                None)


def message_preview(ctx: RenderContext, catalog: Catalog, lang: str, message_id: str) -> dict:
    """What message.html puts in its head: Open Graph/Twitter tags (name, value) and, for an event, JSON-LD."""
    message = ctx.messages[message_id]
    text = message.text(lang)
    url = page_url(ctx, f"{lang}/messages/{message_id}.html")
    card = preview_card(catalog.listing.get((lang, message_id), ()))
    image = page_url(ctx, card.href) if card else ""
    locale = OG_LOCALES.get(lang, lang)
    others = [OG_LOCALES.get(code, code) for code in ctx.settings.languages
              if code != lang and (code, message_id) in catalog.listing]
    tags: list[tuple[str, str]] = [
        ("og:type", "article"), ("og:site_name", label("kit_title", lang)), ("og:title", text.title),
        ("og:description", text.summary), ("og:url", url), ("og:locale", locale),
        *[("og:locale:alternate", other) for other in dict.fromkeys(others) if other != locale],
        ("article:published_time", message.published.isoformat(timespec="seconds")),
        ("article:modified_time", max(message.updated, message.published).isoformat(timespec="seconds")),
    ]
    if card:
        width, height = preview_size()
        alt = alt_text(message, lang)
        tags += [("og:image", image), ("og:image:type", "image/jpeg"), ("og:image:width", str(width)),
                 ("og:image:height", str(height)), ("og:image:alt", alt),
                 ("twitter:card", "summary_large_image"), ("twitter:image", image), ("twitter:image:alt", alt)]
    else:
        tags.append(("twitter:card", "summary"))
    tags += [("twitter:title", text.title), ("twitter:description", text.summary)]
    event = json_ld(event_data(ctx, message, lang, url, image)) if message.event else None
    return {"tags": tags, "json_ld": event}


def preview_size() -> tuple[int, int]:
    width, height = rules().formats[PREVIEW_FORMAT].size
    return width, height


def event_data(ctx: RenderContext, message: Message, lang: str, url: str, image: str) -> dict:
    """schema.org Event, as Google documents it for event results: times with their offset, each venue a Place
    with the municipality's postal address, the organisation as organizer."""
    assert message.event is not None
    event, text = message.event, message.text(lang)
    org = ctx.brand.organisation
    places = []
    for municipality, venue in event.venues.items():
        address: dict = {"@type": "PostalAddress", "addressCountry": COUNTRY}
        if municipality in ctx.brand.municipalities:  # the official (Estonian) name, as addresses are written
            address["addressLocality"] = ctx.brand.municipalities[municipality].name("et")
        if event.address and len(event.venues) == 1:  # one address line: it belongs to the only venue
            address["streetAddress"] = event.address
        places.append({"@type": "Place", "name": venue, "address": address})
    data: dict = {"@context": "https://schema.org", "@type": "Event", "name": text.title,
                  "description": text.summary, "startDate": event.start.isoformat(timespec="minutes"),
                  "url": url, "inLanguage": text.lang,
                  # A withdrawn message leaves the site altogether (catalog.py), so a shown event is scheduled.
                  "eventStatus": "https://schema.org/EventScheduled",
                  "eventAttendanceMode": "https://schema.org/" + ("OfflineEventAttendanceMode" if places
                                                                  else "OnlineEventAttendanceMode"),
                  "organizer": {"@type": "Organization", "name": org.get("name", ""), "url": org.get("web", ""),
                                "email": org.get("email", "")}}
    if event.end:
        data["endDate"] = event.end.isoformat(timespec="minutes")
    if places:
        data["location"] = places[0] if len(places) == 1 else places
    elif event.url:
        data["location"] = {"@type": "VirtualLocation", "url": event.url}
    if image:
        data["image"] = [image]
    return data


def json_ld(data: dict) -> Markup:
    """JSON for a <script> element: `<`, `>` and `&` as \\u escapes, so no text in it (a title saying
    `</script>`) can end the element or open a comment; the JSON means the same."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# ---- language alternates, sitemap, robots.txt ---------------------------------------------------------------

def alternates(ctx: RenderContext, paths: list[str]) -> dict[str, dict[str, str]]:
    """page path -> {hreflang: absolute URL} for every page with a version in another language: pages are
    `<lang>/<rest>`, and the versions of one page share `rest`. x-default is the language chooser for the
    start pages and the Estonian version (every message is written in Estonian first) for the rest."""
    languages = ctx.settings.languages
    groups: dict[str, dict[str, str]] = {}
    for path in paths:
        lang, _, rest = path.partition("/")
        if lang in languages and rest:
            groups.setdefault(rest, {})[lang] = path
    result = {}
    for rest, versions in groups.items():
        if len(versions) < 2:
            continue
        links = {lang: page_url(ctx, versions[lang]) for lang in languages if lang in versions}
        default = "index.html" if rest == "index.html" and "index.html" in paths else versions.get("et")
        if default:
            links["x-default"] = page_url(ctx, default)
        for path in versions.values():
            result[path] = links
        if rest == "index.html" and default == "index.html":
            result["index.html"] = links
    return result


def head_links(ctx: RenderContext, paths: list[str]) -> dict[str, str]:
    """Each page's canonical address and hreflang links, for the place base.html marks (ALTERNATES_MARK)."""
    links = alternates(ctx, [p for p in paths if p.endswith(".html")])
    heads = {}
    for path in paths:
        tags = [f'<link rel="canonical" href="{_attr(page_url(ctx, path))}">']
        tags += [f'<link rel="alternate" hreflang="{code}" href="{_attr(href)}">'
                 for code, href in links.get(path, {}).items()]
        heads[path] = "\n".join(tags)
    return heads


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def sitemap(ctx: RenderContext, paths: list[str], modified: Mapping[str, str] | None = None) -> bytes:
    """Every page once, with its language versions as xhtml:link alternates (Google's sitemap form of hreflang).
    `modified`: path -> W3C date for pages whose content date is known (messages), so a rebuild is identical."""
    links = alternates(ctx, paths)
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for path in sorted(paths):
        node = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(node, f"{{{SITEMAP}}}loc").text = page_url(ctx, path)
        if modified and path in modified:
            ET.SubElement(node, f"{{{SITEMAP}}}lastmod").text = modified[path]
        for code, href in links.get(path, {}).items():
            ET.SubElement(node, f"{{{XHTML}}}link", rel="alternate", hreflang=code, href=href)
    ET.indent(root, space=" ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def robots(ctx: RenderContext) -> bytes:
    """Everything on the site is public (drafts never reach it); the sitemap is named by its full address.
    Crawlers read robots.txt only at a host's root: when site_url has a path, the server's own root file must
    name this sitemap (README)."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {page_url(ctx, 'sitemap.xml')}\n".encode()


MESSAGE_PAGE = re.compile(r"^[^/]+/messages/([^/]+)\.html$")


def search_files(ctx: RenderContext, pages: Collection[str]) -> dict[str, Made]:
    """sitemap.xml and robots.txt for the pages built, each made only when the pages, their dates or the
    settings changed (a sitemap lists every page: a fifth of a second at 1 000 messages)."""
    paths = [p for p in pages if p.endswith(".html")]
    modified = {}
    for path in paths:
        match = MESSAGE_PAGE.match(path)
        if match and match.group(1) in ctx.messages:
            message = ctx.messages[match.group(1)]
            modified[path] = max(message.updated, message.published).isoformat(timespec="seconds")
    key = value_digest((code_version(), ctx.settings, sorted(paths), sorted(modified.items())))
    return {"sitemap.xml": Made(key, partial(sitemap, ctx, paths, modified)),
            "robots.txt": Made(key, partial(robots, ctx))}
