"""The download site's HTML: a start page per language, a page per municipality and one per message.

Plain links do all the filtering (language × municipality × message), so the pages work without JavaScript.
"""
from __future__ import annotations

from babel.numbers import format_decimal

from kit.captions import alt_text
from kit.i18n import credit_line, format_date, format_event_when, label
from kit.model import Brand, Message
from kit.press import call_to_action, event_facts, partner_sentence
from kit.render import RenderContext
from kit.sanitize import inline_html, markdown_html
from kit.site.catalog import Catalog, SiteFile
from kit.templating import kit_env

LABEL_KEYS = ("skip", "language", "intro", "municipality", "all_messages", "feed", "bundle", "message", "read_more",
              "posters", "social", "press", "newsletters", "download", "file_size", "checksum", "caption", "alt_text",
              "office_print", "print_shop", "nothing_yet", "event_date", "published", "photo", "newsletter_issue")
DOCUMENT_KINDS = {"press": "press", "newsletter": "newsletters"}
FEED_FORMATS = {"atom": "Atom", "json": "JSON Feed", "rss": "RSS"}


def filesize(size: int, lang: str) -> str:
    locale = "en_GB" if lang == "en" else "et"
    if size < 1_000_000:
        return f"{format_decimal(round(size / 1000), locale=locale)}\u00a0kB"
    return f"{format_decimal(round(size / 1_000_000, 1), locale=locale)}\u00a0MB"


def site_pages(ctx: RenderContext, catalog: Catalog, feeds: list[dict], bundles: dict[str, int]) -> dict[str, bytes]:
    env = kit_env()
    env.filters["filesize"] = filesize
    pages = {"index.html": env.get_template("site/index.html").render(languages=_languages(ctx, "index.html"))}
    for lang in ctx.settings.languages:
        common = _common(ctx, lang, feeds)
        items = [_item(ctx, catalog, lang, mid) for (listed, mid) in catalog.listing if listed == lang]
        items.sort(key=lambda i: i["sort"], reverse=True)
        issues = _issues(ctx, catalog, lang, {i["id"] for i in items})
        pages[f"{lang}/index.html"] = env.get_template("site/start.html").render(
            **common, root="../", title=label("kit_title", lang), messages=items, languages=_languages(ctx, "index.html"),
            municipalities=[{"id": m.id, "name": m.name(lang)} for m in ctx.brand.municipalities.values()],
            issues=issues)
        for issue in issues:
            members = [next(i for i in items if i["id"] == mid) for mid in issue["members"]]
            pages[f"{lang}/{issue['page']}"] = env.get_template("site/newsletter.html").render(
                **common, root="../../", title=issue["title"], issue=issue, items=members,
                languages=_languages(ctx, issue["page"]))
        for mid, municipality in ctx.brand.municipalities.items():
            mine = [_item(ctx, catalog, lang, i["id"], mid) for i in items if mid in i["municipalities"]]
            pages[f"{lang}/{mid}/index.html"] = env.get_template("site/municipality.html").render(
                **common, root="../../", title=municipality.name(lang), items=mine,
                languages=_languages(ctx, f"{mid}/index.html"), bundle=_bundle(f"bundles/{mid}.zip", bundles))
        for item in items:
            pages[f"{lang}/messages/{item['id']}.html"] = env.get_template("site/message.html").render(
                **common, root="../../", title=item["title"], item=item,
                languages=_languages(ctx, f"messages/{item['id']}.html"),
                bundle=_bundle(f"bundles/message-{item['id']}.zip", bundles))
    return {path: html.encode() for path, html in pages.items()}


def _issues(ctx: RenderContext, catalog: Catalog, lang: str, listed: set[str]) -> list[dict]:
    """Newsletter issues whose every message is public, newest first: each gets its own page (where the
    e-mail's "View online" leads), linked from the start page."""
    from kit.render.newsletter import issue_messages, issue_page, issue_title

    issues = []
    for (issue_lang, variant), files in catalog.issues.items():
        issue = variant.removeprefix("newsletter-")
        if issue_lang != lang:
            continue
        members = [m.id for m in issue_messages(ctx, issue) if m.id in listed]
        issues.append({"id": issue, "title": issue_title(lang, issue), "page": issue_page(lang, issue).split("/", 1)[1],
                       "intro": ctx.intros.get(issue, {}).get(lang, ""), "files": list(files), "members": members,
                       "html": next((f for f in files if f.path.endswith(".html")), None)})
    return sorted(issues, key=lambda i: i["id"], reverse=True)


def _bundle(path: str, bundles: dict[str, int]) -> dict | None:
    """None when there is no bundle (a municipality with no public message yet): no link to a missing file."""
    return {"path": path, "size": bundles[path]} if path in bundles else None


def _common(ctx: RenderContext, lang: str, feeds: list[dict]) -> dict:
    return {"lang": lang, "kit_title": label("kit_title", lang), "colors": ctx.brand.colors,
            "labels": {key: label(key, lang) for key in LABEL_KEYS},
            "feeds": [{**f, "title": _feed_title(ctx, f, lang)} for f in feeds if f["lang"] in ("", lang)]}


def _feed_title(ctx: RenderContext, feed: dict, lang: str) -> str:
    """A feed's name in the page's language (a feed of every language is named in Estonian inside itself),
    with its format: the Atom and the JSON edition of a feed are otherwise two links with one name."""
    name = label("kit_title", lang)
    if feed["municipality"]:
        name += f" – {ctx.brand.municipalities[feed['municipality']].name(lang)}"
    elif feed["lang"]:
        name += f" – {label('language_name', feed['lang'])}"
    return f"{name} ({FEED_FORMATS[feed['file'].rsplit('.', 1)[1]]})"


def _languages(ctx: RenderContext, path: str) -> list[dict]:
    return [{"code": code, "path": path, "name": label("language_name", code),
             "title": label("kit_title", code)} for code in ctx.settings.languages]


def _item(ctx: RenderContext, catalog: Catalog, lang: str, message_id: str, municipality: str = "") -> dict:
    message = ctx.messages[message_id]
    text = message.text(lang)
    files = [f for f in catalog.listing[(lang, message_id)] if not municipality or f.municipality in ("", municipality)]
    return {"id": message_id, "title": text.title, "summary": text.summary, "body": markdown_html(text.body_md),
            "content_lang": text.lang, "date": format_date(message.date, lang), "sort": (message.date, message_id),
            "event_date": format_event_when(message.event.start, message.event.end, lang) if message.event else "",
            "municipalities": message.municipalities, "posters": _posters(ctx, files, lang),
            "social": _social(files, _slide_alts(message, lang)), "documents": _documents(files, lang),
            **message_story(message, lang, ctx.brand), "photo": _photo(files, message, text.lang)}


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
    """The press photo (no text burned in) with its description and credit."""
    web = next((f for f in files if f.kind == "press" and f.path.endswith("-web.jpg")), None)
    full = next((f for f in files if f.kind == "press" and f.path.endswith(".jpg") and f is not web), None)
    if web is None or message.image is None:
        return None
    width = min(message.image.width, 1200)
    return {"file": web, "full": full, "alt": message.text(content_lang).image_alt, "width": width,
            "height": round(message.image.height * width / message.image.width),
            "credit": credit_line(message, content_lang)}


def _slide_alts(message, lang: str) -> dict[str, str]:
    """Alt text per image name: the cover says title and photo, each slide its own point, the last the call."""
    text, cover = message.text(lang), alt_text(message, lang)
    alts = {"carousel-01": cover}
    for number, point in enumerate(text.points, start=2):
        alts[f"carousel-{number:02d}"] = point
    alts[f"carousel-{len(text.points) + 2:02d}"] = text.cta_text or label("read_more", text.lang)
    return {"*": cover, **alts}


def _posters(ctx: RenderContext, files: list[SiteFile], lang: str) -> list[dict]:
    cards = []
    for preview in (f for f in files if f.is_preview):
        pdf = next(f for f in files if f.path == preview.path.removesuffix(".png") + ".pdf")
        municipality = ctx.brand.municipalities[preview.municipality].name(lang)
        size = preview.variant.removeprefix(preview.municipality + "-")
        use = label("office_print" if size.endswith("office") else "print_shop", lang)
        cards.append({"preview": preview, "files": [pdf], "caption": f"{municipality} · {size.split('-')[0]} · {use}",
                      "alt": f"{municipality}, {size.split('-')[0]}"})
    return cards


def _social(files: list[SiteFile], alts: dict[str, str]) -> list[dict]:
    images = [f for f in files if f.kind == "social" and f.path.endswith((".jpg", ".png"))]
    captions = {f.path: f.source.read_text(encoding="utf-8") for f in files if f.kind == "social" and f.path.endswith(".txt")}
    return [{"file": f, "name": f.name, "alt": alts.get(f.name.rsplit(".", 1)[0], alts["*"]),
             "caption": captions.get(f.path.rsplit(".", 1)[0] + ".txt", "")} for f in images]


def _documents(files: list[SiteFile], lang: str) -> list[dict]:
    groups = []
    for kind, key in DOCUMENT_KINDS.items():
        mine = [f for f in files if f.kind == kind]
        if mine:
            groups.append({"title": label(key, lang), "files": mine})
    return groups
