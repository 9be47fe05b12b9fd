"""The download site's HTML: a start page per language, a page per municipality and one per message.

Plain links do all the filtering (language × municipality × message), so the pages work without JavaScript.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_decimal
from markupsafe import Markup

from kit.config import Settings
from kit.i18n import NBSP, credit_line, format_date, format_event_when, format_month, label
from kit.model import Brand, Message
from kit.press import call_to_action, event_facts, partner_sentence
from kit.render import Presentation, Registry, RenderContext
from kit.sanitize import inline_html, markdown_html
from kit.site.catalog import Catalog, SiteFile
from kit.digest import value_digest
from kit.site.seo import ALTERNATES_MARK, message_preview
from kit.templating import kit_env
from kit.utm import SITE, tagged

LABEL_KEYS = ("skip", "language", "intro", "municipality", "all_messages", "feed", "bundle", "message", "read_more",
              "posters", "social", "press", "newsletters", "download", "file_size", "checksum", "caption", "alt_text",
              "office_print", "print_shop", "nothing_yet", "programme_name", "kit_name", "municipalities", "subscribe",
              "feed_help", "feed_formats", "accessibility", "a11y_status_title", "a11y_known_title",
              "a11y_feedback_title", "a11y_feedback", "a11y_contact", "a11y_email", "a11y_phone",
              "a11y_enforcement_title", "a11y_date_title", "event_date", "published",
              "photo", "newsletter_issue", "posts_csv", "earlier_by_month")
# The link text of a municipality's bundle, which holds its current material (kit/site/bundles.py), not all its
# files. Kept here, not in kit/data/labels.yaml: every renderer's code hash covers kit's data files, so a label
# only the site shows would render every job again. The Võro text wants a native speaker's check.
CURRENT_BUNDLE = {"et": "Viimase kuu sõnumid ja eesootavad sündmused ühes ZIP-failis",
                  "en": "The last month's messages and upcoming events in one ZIP file",
                  "vro": "Viimädse kuu sõnomiq ja tulõvaq üritüseq üten ZIP-failin"}
FILE_TYPES = {".pdf": "PDF", ".jpg": "JPEG", ".png": "PNG", ".html": "HTML", ".txt": "TXT", ".zip": "ZIP",
              ".json": "JSON", ".md": "Markdown"}
# The Estonian supervisory authority for web accessibility, by its Estonian name (genitive, as the et and vro
# sentences take it; English names it in the nominative).
AUTHORITY = {"en": "Tarbijakaitse ja Tehnilise Järelevalve Amet", "*": "Tarbijakaitse ja Tehnilise Järelevalve Ameti"}
# The date the kit's pages were last assessed, when brand/organisation.yaml gives no `accessibility_statement`.
STATEMENT_DATE = date(2026, 11, 26)


def filesize(size: int, lang: str) -> str:
    locale = "en_GB" if lang == "en" else "et"
    if size < 1_000_000:
        return f"{_decimal(round(size / 1000), locale)}\u00a0kB"
    return f"{_decimal(round(size / 1_000_000, 1), locale)}\u00a0MB"


@lru_cache(maxsize=4096, typed=True)  # 2 and 2.0: cached apart, as Babel is asked
def _decimal(value: float, locale: str) -> str:
    """Babel's number formatting, once per rounded size (a site of 1 000 messages lists 130 000 files)."""
    return format_decimal(value, locale=locale)


def describe(file: SiteFile, lang: str, day: str) -> str:
    """What a download link says besides the name: „PDF, 1,2 MB, eesti keeles, 2. november 2026“."""
    suffix = os.path.splitext(file.path)[1]
    parts = [FILE_TYPES.get(suffix, suffix.lstrip(".").upper()), filesize(file.size, lang)]
    if file.lang:  # the language its text is in: a Võro reader is told that a poster is in Estonian
        parts.append(label(f"lang_{file.text_lang or file.lang}", lang))
    return ", ".join(parts + ([day] if day else []))


def page_date(day: date, lang: str) -> str:
    """A date on a page never breaks between day and month („25. / november“)."""
    return format_date(day, lang).replace(" ", NBSP)


def unbroken(text: str) -> str:
    """A number on a page stays with its neighbours: never „6. / veebruar“, „veebruar / 2027“ or „kell / 12.00“;
    a line may still break after a comma."""
    return re.sub(r"(?<=\d\.) |(?<=\d) |(?<!,) (?=\d)", NBSP, text)


# A municipality's page shows its newest messages with their material; the older ones are on a page per month,
# linked from it. A page per month changes only when one of its messages does, not whenever a message is added.
MUNICIPALITY_PAGE_ENTRIES = 20


@dataclass(frozen=True)
class Page:
    """A page to make: its template and the plain data it is made from. The data decide whether a page must be
    made again (kit/site/__init__.py): a rebuild renders only the pages whose data changed."""
    path: str
    template: str
    context: dict


def site_pages(ctx: RenderContext, registry: Registry, catalog: Catalog, feeds: list[dict],
               bundles: dict[str, int], stamp: str = "") -> list[Page]:
    """Every page of the site. `stamp`: a digest of what a message's page data depend on besides the message and
    its files (the brand, the settings, the renderers), so a page's key says when its messages' data changed
    without making them (see MessageData)."""
    root_page = {**_common(ctx, "et", feeds), "root": "", "title": label("programme_name", "et"), "home": "index.html"}
    root_page["kit_title"] = root_page["title"]
    root_page["head_feeds"] = [f for f in root_page["feeds"] if not f["lang"] and not f["municipality"]]
    doors = [{**language, "intro": label("intro", language["code"])} for language in _languages(ctx, "index.html")]
    pages = [Page("index.html", "site/index.html", {**root_page, "languages": [], "choices": doors})]
    for lang in ctx.settings.languages:
        common = _common(ctx, lang, feeds)
        pages.append(Page(f"{lang}/accessibility.html", "site/accessibility.html", {
            **common, "root": "../", "title": label("accessibility", lang), "statement": _statement(ctx, lang),
            "languages": _languages(ctx, "accessibility.html")}))
        items = [_item(ctx, registry, catalog, lang, mid, stamp) for (listed, mid) in catalog.listing if listed == lang]
        items.sort(key=lambda i: i["sort"], reverse=True)
        by_id = {item["id"]: item for item in items}
        issues = _issues(ctx, catalog, lang, set(by_id))
        pages.append(Page(f"{lang}/index.html", "site/start.html", {
            **common, "root": "../", "title": label("kit_title", lang), "messages": [_listed(i) for i in items],
            "languages": _languages(ctx, "index.html"),
            "municipalities": [{"id": m.id, "name": m.name(lang)} for m in ctx.brand.municipalities.values()],
            "issues": [_listed_issue(issue) for issue in issues], "posts": _bundle(f"{lang}/posts.csv", bundles)}))
        for issue in issues:
            pages.append(Page(f"{lang}/{issue['page']}", "site/newsletter.html", {
                **common, "root": "../../", "title": issue["title"], "issue": issue,
                "items": [by_id[mid] for mid in issue["members"]], "languages": _languages(ctx, issue["page"])}))
        for mid in ctx.brand.municipalities:
            mine = [_for_municipality(ctx, registry, catalog, lang, item, mid) for item in items
                    if mid in item["municipalities"]]
            pages += _municipality_pages(ctx, catalog, lang, mid, mine, common, bundles)
        for item in items:
            pages.append(Page(f"{lang}/messages/{item['id']}.html", "site/message.html", {
                **common, "root": "../../", "title": item["title"], "item": item,
                "languages": _languages(ctx, f"messages/{item['id']}.html"),
                "bundle": _bundle(f"bundles/message-{item['id']}.zip", bundles),
                "preview": _preview(ctx, catalog, lang, item)}))
    return pages


class MessageData(Mapping):
    """A message's data as a page shows it, in one language (for one municipality, or for all): what a listing
    needs at once (`listed`), the rest (its body as HTML, its material, its captions read from disk) made only
    when a page that shows it is made. In a page's key it stands as the digest of what it is made from, so a
    rebuild finds the pages one edited message changed without making every message's data (3 000 of them at
    1 000 messages, most of the site stage)."""

    __slots__ = ("_digest", "_listed", "_make", "_rest")

    def __init__(self, digest: str, listed: dict, make: Callable[[], dict]):
        self._digest, self._listed, self._make = digest, listed, make
        self._rest: dict | None = None

    def __getitem__(self, name: str):
        return self._listed[name] if name in self._listed else self.rest()[name]

    def __iter__(self):
        return iter({**self._listed, **self.rest()})

    def __len__(self) -> int:
        return len({**self._listed, **self.rest()})

    def rest(self) -> dict:
        """What is not listed, made on first use."""
        if self._rest is None:
            self._rest = self._make()
        return self._rest

    @property
    def digest(self) -> str:
        return self._digest

    def __reduce__(self):
        return (str, (f"message data {self._digest}",))  # pickled only for a page's key: as what it is made from


def _preview(ctx: RenderContext, catalog: Catalog, lang: str, item: MessageData) -> MessageData:
    """What a message page's head tells link previews and search engines (kit/site/seo.py), made only when the page
    is: from the same message and files as its data, and the languages it is listed in."""
    listed_in = [code for code in ctx.settings.languages if (code, item["id"]) in catalog.listing]
    return MessageData(f"{item.digest} preview {listed_in}", {},
                       lambda: message_preview(ctx, catalog, lang, item["id"]))


def render_pages(pages: list[Page], heads: Mapping[str, str]) -> Callable[[Page], bytes]:
    """The function that makes one page's HTML, with its canonical and hreflang links (kit/site/seo.py)."""
    env = kit_env()
    env.filters["filesize"] = filesize
    env.filters["describe"] = describe

    def render(page: Page) -> bytes:
        html = env.get_template(page.template).render(**page.context)
        return html.replace(ALTERNATES_MARK, heads[page.path], 1).encode()
    return render


def _municipality_pages(ctx: RenderContext, catalog: Catalog, lang: str, mid: str, items: list[MessageData],
                        common: dict, bundles: dict[str, int]) -> list[Page]:
    """The municipality's page with its newest messages, and one page per month for the messages before them."""
    name = ctx.brand.municipalities[mid].name(lang)
    months: dict[str, list[MessageData]] = {}
    for item in items[MUNICIPALITY_PAGE_ENTRIES:]:
        months.setdefault(item["iso_date"][:7], [])
    for item in items:
        if item["iso_date"][:7] in months:
            months[item["iso_date"][:7]].append(item)
    month_links = [{"href": f"{month}.html", "text": format_month(date.fromisoformat(month + "-01"), lang)}
                   for month in months]
    pages = [Page(f"{lang}/{mid}/index.html", "site/municipality.html", {
        **common, "root": "../../", "title": name, "items": items[:MUNICIPALITY_PAGE_ENTRIES], "months": month_links, "up": None,
        "calendar": municipality_calendar(ctx, catalog, lang, mid), "languages": _languages(ctx, f"{mid}/index.html"),
        "bundle": _bundle(f"bundles/{mid}.zip", bundles), "bundle_text": CURRENT_BUNDLE[lang],
        "posts": _bundle(f"{lang}/{mid}/posts.csv", bundles)})]
    for link, (month, mine) in zip(month_links, months.items()):
        pages.append(Page(f"{lang}/{mid}/{month}.html", "site/municipality.html", {
            **common, "root": "../../", "title": f"{name} · {link['text']}", "items": mine, "months": [],
            "up": {"href": "index.html", "text": name}, "calendar": None,
            "languages": _languages(ctx, f"{mid}/{month}.html"), "bundle": None, "posts": None}))
    return pages


def _listed(item: Mapping) -> dict:
    """What the start page's list shows of a message: its page's data would make the list change with any file."""
    return {key: item[key] for key in ("id", "title", "content_lang", "date", "iso_date", "event_date")}


def _listed_issue(issue: dict) -> dict:
    return {key: issue[key] for key in ("id", "title", "page")}


def _for_municipality(ctx: RenderContext, registry: Registry, catalog: Catalog, lang: str, item: MessageData,
                      municipality: str) -> MessageData:
    """A message as a municipality's page shows it: its own posters, not the other municipalities'."""
    message = ctx.messages[item["id"]]
    return MessageData(f"{item.digest} {municipality}", item._listed,
                       lambda: {**item.rest(), **_material(ctx, registry, catalog, lang, message,
                                                                 item["content_lang"], municipality)})


def _issues(ctx: RenderContext, catalog: Catalog, lang: str, listed: set[str]) -> list[dict]:
    """Newsletter issues whose every message is public, newest first: each gets its own page (where the
    e-mail's "View online" leads), linked from the start page."""
    from kit.render.newsletter import issue_page, issue_title, messages_by_issue

    by_issue = messages_by_issue(ctx)
    issues = []
    for (issue_lang, variant), files in catalog.issues.items():
        issue = variant.removeprefix("newsletter-")
        if issue_lang != lang or not variant.startswith("newsletter-"):
            continue  # a municipality calendar is made of several messages too, but has no page of its own
        members = [m.id for m in by_issue.get(issue, []) if m.id in listed]
        issues.append({"id": issue, "title": issue_title(lang, issue), "page": issue_page(lang, issue).split("/", 1)[1],
                       "intro": ctx.intros.get(issue, {}).get(lang, ""), "files": list(files), "members": members,
                       "html": next((f for f in files if f.path.endswith(".html")), None),
                       "date": page_date(max(ctx.messages[m].date for m in members), lang) if members else ""})
    return sorted(issues, key=lambda i: i["id"], reverse=True)


def _bundle(path: str, bundles: dict[str, int]) -> dict | None:
    """None when there is no bundle (a municipality with no public message yet): no link to a missing file."""
    return {"path": path, "size": bundles[path]} if path in bundles else None


def _common(ctx: RenderContext, lang: str, feeds: list[dict]) -> dict:
    org = ctx.brand.organisation
    contact = dict(org.get("contact") or {})
    if isinstance(contact.get("role"), dict):
        contact["role"] = contact["role"].get(lang) or contact["role"].get("et", "")
    listed = [_feed(ctx, feed, lang) for feed in feeds if feed["lang"] in ("", lang)]
    return {"lang": lang, "kit_title": label("kit_title", lang), "labels": {key: label(key, lang) for key in LABEL_KEYS},
            "feeds": listed, "head_feeds": [f for f in listed if f["lang"] == lang], "home": "",
            "mark": _mark(ctx), "organisation": org, "contact": contact}


def _feed(ctx: RenderContext, feed: dict, lang: str) -> dict:
    """A feed named for a reader in the page's language: everything, one language, or one municipality."""
    if feed["municipality"]:
        name = ctx.brand.municipalities[feed["municipality"]].name(lang)
    elif feed["lang"]:
        name = label("feed_lang", lang, language=label(f"lang_{feed['lang']}", lang))
    else:
        name = label("feed_all", lang)
    return {**feed, "name": name}


def _mark(ctx: RenderContext) -> Markup:
    """brand/mark.svg inline (it draws in currentColor), hidden from screen readers: the name beside it speaks."""
    svg = (ctx.brand.root / "mark.svg").read_text(encoding="utf-8").strip()
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


def _statement(ctx: RenderContext, lang: str) -> dict:
    org = ctx.brand.organisation
    day = org.get("accessibility_statement") or STATEMENT_DATE
    day = day if isinstance(day, date) else date.fromisoformat(str(day))
    return {"intro": label("a11y_intro", lang, organisation=org.get("name", ""), site=label("kit_title", lang),
                           url=ctx.settings.site_url),
            "enforcement": label("a11y_enforcement", lang, authority="\0").split("\0"),
            "authority": AUTHORITY.get(lang, AUTHORITY["*"]),
            "status": label("a11y_status", lang), "date_line": label("a11y_date", lang, date=page_date(day, lang)),
            "known": [label("a11y_known_images", lang)] + ([label("a11y_known_vro", lang)]
                                                         if "vro" in ctx.settings.languages else [])}


def _languages(ctx: RenderContext, path: str) -> list[dict]:
    return [{"code": code, "path": path, "name": label("language_name", code),
             "title": label("kit_title", code)} for code in ctx.settings.languages]


def _item(ctx: RenderContext, registry: Registry, catalog: Catalog, lang: str, message_id: str,
          stamp: str = "") -> MessageData:
    """A message's data in one language: listed at once, made when a page needs it. Its digest covers the message
    as loaded and its files (the catalog's digest of them), and `stamp` (brand, settings, renderers)."""
    message = ctx.messages[message_id]
    text = message.text(lang)
    listed = {"id": message_id, "title": text.title, "content_lang": text.lang, "date": page_date(message.date, lang),
              "iso_date": message.date.isoformat(), "sort": (message.date, message_id),
              "event_date": unbroken(format_event_when(message.event.start, message.event.end, lang))
                            if message.event else "",
              "municipalities": message.municipalities}

    def rest() -> dict:
        return {"summary": text.summary, "body": markdown_html(text.body_md),
                **_story(message, lang, ctx.brand, ctx.settings),
                **_material(ctx, registry, catalog, lang, message, text.lang)}
    return MessageData(value_digest((stamp, lang, catalog.digests[message_id])), listed, rest)


def _material(ctx: RenderContext, registry: Registry, catalog: Catalog, lang: str, message: Message,
              content_lang: str, municipality: str = "") -> dict:
    """The message's files as a page shows them; with `municipality`, only those for it (or for every one)."""
    files = [f for f in catalog.listing[(lang, message.id)] if not municipality or f.municipality in ("", municipality)]
    return {"sections": _sections(ctx, registry, files, message, lang), "photo": _photo(files, message, content_lang),
            "add_to_calendar": add_to_calendar(ctx, message, files, content_lang)}


def add_to_calendar(ctx: RenderContext, message: Message, files: list[SiteFile], lang: str) -> list[dict]:
    """An event's .ics files, each named by its municipality when the event has a venue in each; in the language
    of the message's text (a Võro page showing the Estonian text says it in Estonian). Like every link to a file,
    it names the file's type, size, language and date."""
    return [{"file": f, "text": label("add_to_calendar", lang), "meta": describe(f, lang, page_date(message.date, lang)),
             "place": ctx.brand.municipalities[f.municipality].name(lang) if f.municipality else ""}
            for f in sorted((f for f in files if f.media_type == "text/calendar"), key=lambda f: _venue_order(message, f))]


def _venue_order(message: Message, file: SiteFile) -> int:
    """In the order the message names its venues, as its facts list them."""
    venues = list(message.event.venues) if message.event else []
    return venues.index(file.municipality) if file.municipality in venues else -1


def municipality_calendar(ctx: RenderContext, catalog: Catalog, lang: str, municipality: str) -> dict | None:
    """The municipality's calendar (kit/render/calendar.py) at its stable address (files/…, the latest copy):
    webcal:// opens the calendar app's subscribe dialog, https is what Google Calendar and Outlook take.
    Renderer presentations say how a message's files appear; an output of the municipality's own has no
    declaration yet, so the calendar's box is made here, its texts with it."""
    ours = [file for (issue_lang, _issue), files in catalog.issues.items() if issue_lang == lang for file in files
            if file.municipality == municipality and file.media_type == "text/calendar"]
    if not ours:
        return None
    https = f"{ctx.settings.site_url}files/{ours[0].path}"
    texts = {key: label(f"calendar_{key}", lang) for key in ("title", "help", "subscribe", "by_url")}
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1], **texts}


def _story(message: Message, lang: str, brand: Brand, settings: Settings | None = None) -> dict:
    """The message's story for a page: its event facts with dates and times that do not break, its call to action
    with the site's UTM parameters (kit/utm.py; the feeds share message_story and keep the link as written)."""
    story = message_story(message, lang, brand)
    if story["cta"] and settings is not None:
        story["cta"] = {**story["cta"], "url": tagged(story["cta"]["url"], SITE, message.id, lang, settings)}
    return {**story, "facts": [(name, unbroken(value)) for name, value in story["facts"]]}


def message_story(message: Message, lang: str, brand: Brand) -> dict:
    """What a reader needs beyond the body, in the text's language (a Võro listing falling back to Estonian
    reads Estonian throughout): points, quote, the event's facts, the call to action with its link and the
    Tartu 2024 sentence. Shared by the message pages and the feeds."""
    text = message.text(lang)
    quote_open, quote_close = ("“", "”") if text.lang == "en" else ("„", "“")
    cta_text, cta_url = call_to_action(message, text.lang)
    return {"points": [inline_html(p) for p in text.points],
            "quote": {"text": f"{quote_open}{text.quote.text}{quote_close}", "by": text.quote.by} if text.quote else None,
            "facts": event_facts(message, text.lang, brand), "points_title": label("programme", text.lang),
            "cta": {"text": cta_text, "url": cta_url} if cta_url else None,
            "partner": partner_sentence(message, lang, brand)}


def _photo(files: list[SiteFile], message: Message, content_lang: str) -> dict | None:
    """The message's photo (no text burned in) with its description and credit, and its full-size download."""
    web = next((f for f in files if f.role == "photo"), None)
    full = next((f for f in files if web and f.path == web.of), None)
    if web is None or message.image is None:
        return None
    width = min(message.image.width, 1200)
    return {"file": web, "full": full, "alt": message.text(content_lang).image_alt, "width": width,
            "height": round(message.image.height * width / message.image.width),
            "credit": credit_line(message, content_lang)}


def _sections(ctx: RenderContext, registry: Registry, files: list[SiteFile], message: Message,
              lang: str) -> list[dict]:
    """The message's material, one section per output kind in its renderer's order, shown as it declares."""
    sections = []
    for kind, presentation in registry.presentations() + _unknown_kinds(registry, files):
        mine = [f for f in files if f.kind == kind and f.role != "hidden"]
        if not mine:
            continue
        show = {"cards": _cards, "gallery": _gallery, "files": _files}[presentation.section]
        sections.append({"section": presentation.section, "title": presentation.heading(lang),
                         "cards": [], "images": [], **show(ctx, presentation, mine, message, lang)})
    return sections


def _unknown_kinds(registry: Registry, files: list[SiteFile]) -> list[tuple[str, Presentation]]:
    """Kinds built by a larger registry than this build's (a build through the API): plain downloads."""
    known = set(registry.names())
    return [(kind, registry.presentation(kind)) for kind in sorted({f.kind for f in files} - known)]


def _cards(ctx: RenderContext, presentation: Presentation, files: list[SiteFile], message: Message, lang: str) -> dict:
    """Previews, each with the file it stands for (a poster's PNG and its PDF)."""
    by_path = {f.path: f for f in files}
    cards = []
    for preview in (f for f in files if f.role == "preview" and f.of in by_path):
        place = ctx.brand.municipalities[preview.municipality].name(lang) if preview.municipality in ctx.brand.municipalities else ""
        caption = " · ".join(p for p in (place, presentation.label(preview.variant, preview.municipality, lang)) if p)
        cards.append({"preview": preview, "files": [by_path[preview.of]], "caption": caption,
                      "alt": caption.replace(" · ", ", ", 1)})
    paired = {f.of for f in files if f.role == "preview"}
    return {"cards": cards, "files": [f for f in files if f.role == "download" and f.path not in paired]}


def _gallery(ctx: RenderContext, presentation: Presentation, files: list[SiteFile], message: Message,
             lang: str) -> dict:
    """Images with their captions (the text file that goes with each) and alt text; other files listed after."""
    captions = {f.of: f for f in files if f.role == "caption"}
    images = [f for f in files if f.role == "download" and f.path.endswith((".jpg", ".jpeg", ".png", ".webp"))]
    return {"images": [{"file": f, "name": f.name, "alt": presentation.alt(message, lang, f.path),
                        "caption": _text(captions[f.path]) if f.path in captions else ""} for f in images],
            "files": [f for f in files if f.role == "download" and f not in images]}


def _files(ctx: RenderContext, presentation: Presentation, files: list[SiteFile], message: Message, lang: str) -> dict:
    return {"files": [f for f in files if f.role in ("download", "caption")]}


def _text(file: SiteFile) -> str:
    """A caption as its renderer wrote it (small UTF-8 text files, read when the page is made)."""
    return file.source.read_text(encoding="utf-8")


WEB_FONT_ROLES = ("display", "bold", "semibold", "regular", "italic")


def site_assets(ctx: RenderContext) -> tuple[dict[str, bytes], dict[str, Path]]:
    """The stylesheet (brand colours filled in), and the fonts' licence and the mark, linked as they are. The fonts
    themselves are WOFF2 copies (kit/site/__init__.py): the site serves its own and asks no font service."""
    fonts = {role: web_font_name(getattr(ctx.brand.fonts, role)) for role in WEB_FONT_ROLES}
    css = kit_env().get_template("site/site.css").render(colors=ctx.brand.colors, fonts=fonts)
    sources = {getattr(ctx.brand.fonts, role).parent for role in WEB_FONT_ROLES}
    links = {f"assets/fonts/{path.name}": path for folder in sorted(sources) for path in sorted(folder.glob("LICENSE*"))}
    links["assets/mark.svg"] = ctx.brand.root / "mark.svg"
    return {"assets/site.css": css.encode()}, links


def web_font_name(font: Path) -> str:
    return font.stem + ".woff2"


def prepared_web_font(font: Path, digest: str) -> Path:
    """Where the brand keeps the WOFF2 copy of a font made ahead (scripts/make_brand_assets.py): named by the
    SHA-256 of the font it was made from, so a copy of another version of the font is never taken for it."""
    return font.parent / "web" / f"{font.stem}-{digest[:16]}.woff2"


def woff2(font: Path) -> bytes:
    """The font as WOFF2: the same glyphs and features in less than half the bytes of the OTF (a phone's first
    visit loads three or four faces). The timestamp stays the font's own, so the bytes depend on the font alone."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    face = TTFont(font, recalcTimestamp=False)
    face.flavor = "woff2"
    out = BytesIO()
    face.save(out)
    return out.getvalue()
