"""The partner review packet: one PDF for the foundation's reviewer (every text of the message in every language,
its captions per platform, thumbnails of its social images and posters) and a zip with the PDF and the built files.

Estonian around the texts (the foundation works in Estonian); each text is set in its own language. Made from the
message's built outputs in outputs/kit (kit/partner.py builds them first when needed) and written under
outputs/review/partner/<id>/ by the writer (kit/store.py).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from markupsafe import Markup
from PIL import Image

from kit.brand_assets import mark_svg
from kit.build import load_project
from kit.captions import alt_text, captions
from kit.config import Settings
from kit.errors import RenderError
from kit.i18n import format_date, format_event_when
from kit.model import Job, Message
from kit.partner import (FOUNDATION, PACKET_DIR, PART_NAMES_ET, PARTNER_NAMES, REVIEWED_TEXTS, THUMB_PX, Packet, deterministic_zip,
                         project_name, review_states, reviewed_parts)
from kit.plan import plan
from kit.press import call_to_action, partner_sentence
from kit.render import RenderContext, builtin_registry
from kit.render.pdf import clipped_text, content_area, project_url, render_document
from kit.sanitize import inline_html, markdown_html
from kit.store import Store
from kit.templating import kit_env

LANG_HEADINGS = {"et": "Eesti keeles", "en": "Inglise keeles", "vro": "Võro keeles"}
LANG_NAMES = {"et": "eesti", "en": "inglise", "vro": "võro"}
SOCIAL_NAMES = {"instagram-square": "Instagram, ruut", "instagram-portrait": "Instagram, püstine",
                "story": "Lugu (story)", "link-preview": "Facebooki lingi eelvaade", "x": "X ja Mastodon",
                "linkedin": "LinkedIn"}
PLATFORM_NAMES = {"instagram": "Instagram", "facebook": "Facebook", "x": "X", "mastodon": "Mastodon",
                  "linkedin": "LinkedIn", "bluesky": "Bluesky", "threads": "Threads"}
STATUS_NAMES = {"draft": "mustand", "approved": "kinnitatud", "withdrawn": "tagasi võetud"}
# Into the zip go what the reviewer opens: images, captions, the office poster and the press texts; the
# print-shop PDFs (several megabytes each, the same design) stay out of an e-mail.
ZIP_SUFFIXES = (".jpg", ".png", ".txt", ".pdf")


@dataclass(frozen=True)
class Thumb:
    src: str  # project_url of the thumbnail
    label: str
    width: int
    height: int


@dataclass(frozen=True)
class LangTexts:
    lang: str  # the language listed
    text_lang: str  # the language the text is really in (a missing translation falls back)
    heading: str
    fields: tuple[tuple[str, Markup | str], ...]  # (Estonian label, the text)
    captions: tuple[tuple[str, str], ...]  # (where it goes, the caption)
    social: tuple[Thumb, ...]
    posters: tuple[Thumb, ...]


def packet_files(settings: Settings, message_id: str, partner: str, now: datetime, built: bool) -> Packet:
    brand, content = load_project(settings)
    ctx = RenderContext(settings, brand, {m.id: m for m in content.messages}, now)
    message = ctx.messages[message_id]
    store = Store.open(settings.out)
    jobs = [j for j in plan(ctx, builtin_registry()) if j.message_id == message_id and not j.members]
    folder = f"{PACKET_DIR}/{message_id}"
    sections = tuple(_lang_texts(ctx, message, lang, [j for j in jobs if j.lang == lang], store, folder)
                     for lang in settings.languages)
    state = review_states(content.messages)[message_id]
    html = kit_env().get_template("partner-packet.html").render(
        m=message, sections=sections, partner=PARTNER_NAMES[partner], foundation=FOUNDATION,
        title=message.text("et").title, project=_project(message), rank=state.rank,
        reviewed_texts=REVIEWED_TEXTS, made=_when(now), published=format_date(message.published.date(), "et"),
        status=STATUS_NAMES.get(message.status, message.status), org=brand.organisation.get("name", ""),
        mark_svg=Markup(mark_svg(brand.colors["forest"])), colors=brand.colors,
        event=format_event_when(message.event.start, message.event.end, "et") if message.event else "",
        venues=", ".join(message.event.venues.values()) if message.event else "",
        credit=message.image.credit if message.image else "",
        parts={PART_NAMES_ET.get(part, part): digest for part, digest in reviewed_parts(message).items()},
        lang_names=LANG_NAMES, municipalities=", ".join(brand.municipalities[m].name("et")
                                                         for m in message.municipalities if m in brand.municipalities))
    pdf, pages = _pdf(html, settings, brand.root, folder, message_id)
    name = f"{message_id}-{partner}"
    store.write_file(f"{folder}/{name}.pdf", pdf)
    files = [(f"{name}.pdf", pdf)] + _built_files(jobs, store)
    store.write_file(f"{folder}/{name}.zip", deterministic_zip(files))
    return Packet(pdf=settings.out / folder / f"{name}.pdf", zip=settings.out / folder / f"{name}.zip",
                  files=tuple(n for n, _ in files), built=built, pages=pages)


def _when(moment: datetime) -> str:
    """„26.11.2026 kell 21.27“: after „Koostatud“ the numeric date needs no case ending."""
    return moment.strftime("%d.%m.%Y kell %H.%M")


def _project(message: Message) -> str:
    """The project by its name in the Estonian text, with its id when message.yaml gives one."""
    name = project_name(replace(message, project="")) if "et" in message.translations else ""
    if message.project and name and name != message.project:
        return f"„{name}“ ({message.project})"
    return f"„{name}“" if name and not message.project else message.project


def _lang_texts(ctx: RenderContext, message: Message, lang: str, jobs: list[Job], store: Store,
                folder: str) -> LangTexts:
    text = message.text(lang)
    cta, link = call_to_action(message, lang)
    names = {m: ctx.brand.municipalities[m].name("et") for m in ctx.brand.municipalities}
    fields: list[tuple[str, Markup | str]] = [
        ("Pealkiri", text.title), ("Kokkuvõte", inline_html(text.summary)),
        ("Punktid", Markup("<ul>") + Markup("").join(Markup("<li>") + inline_html(p) + Markup("</li>")
                                                     for p in text.points) + Markup("</ul>") if text.points else ""),
        ("Tsitaat", Markup("„{}“ – {}").format(text.quote.text, text.quote.by) if text.quote else ""),
        ("Tekst", markdown_html(text.body_md)),
        ("Toimumisaeg", format_event_when(message.event.start, message.event.end, text.lang) if message.event else ""),
        ("Toimumiskoht", _where(message)),
        ("Üleskutse", Markup("{}<br><span class=\"url\">{}</span>").format(cta or text.cta_text, link) if link
         else text.cta_text),
        ("Tartu 2024 lause", partner_sentence(message, lang, ctx.brand)),
        ("Pildi alt-tekst", alt_text(message, lang)),
        ("Foto autor", message.credit(lang)),
        ("Teemaviited", " ".join(f"#{t}" for t in text.hashtags)),
    ]
    return LangTexts(lang=lang, text_lang=text.lang, heading=f"{LANG_HEADINGS.get(lang, lang)} ({lang})",
                     fields=tuple((k, v) for k, v in fields if v), captions=_captions(ctx, message, lang),
                     social=_thumbs(jobs, store, folder, "social", names), posters=_thumbs(jobs, store, folder, "poster", names))


def _where(message: Message) -> str:
    """Each venue once (a venue per municipality, or one for all), then the address."""
    if message.event is None:
        return ""
    venues = list(dict.fromkeys(message.event.venues.values()))
    return ", ".join(venues + ([message.event.address] if message.event.address else []))


def _captions(ctx: RenderContext, message: Message, lang: str) -> tuple[tuple[str, str], ...]:
    """Each distinct caption with where it goes, by channel: „Loov Võru maakond: Facebook, LinkedIn“."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for caption in captions(message, lang, ctx.brand)[0]:
        channel = ctx.brand.channels[caption.channel].name
        grouped.setdefault(caption.text, {}).setdefault(channel, []).append(
            PLATFORM_NAMES.get(caption.platform, caption.platform))
    return tuple(("; ".join(f"{channel}: {', '.join(platforms)}" for channel, platforms in where.items()), text)
                 for text, where in grouped.items())


def _thumbs(jobs: list[Job], store: Store, folder: str, kind: str, names: dict[str, str]) -> tuple[Thumb, ...]:
    thumbs = []
    for job in (j for j in jobs if j.kind == kind):
        images = [p for p in job.outputs if p.endswith((".jpg", ".png")) and (store.kit_dir / p).is_file()]
        for number, path in enumerate(images, start=1):
            rel = f"{folder}/thumbs/{Path(path).parent.name}-{Path(path).stem}.jpg"
            width, height = _thumbnail(store, store.kit_dir / path, rel)
            thumbs.append(Thumb(src=project_url(store.out / rel, store.out.parent), width=width, height=height,
                                label=_label(job, number, len(images), names)))
    return tuple(thumbs)


def _thumbnail(store: Store, source: Path, rel: str) -> tuple[int, int]:
    with Image.open(source) as opened:
        image = opened.convert("RGB")
    image.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    store.write_file(rel, buffer.getvalue())
    return image.size


def _label(job: Job, number: int, count: int, names: dict[str, str]) -> str:
    if job.variant == "carousel":
        return f"Karussell, slaid {number}/{count}"
    if job.kind == "poster":
        kind = "kontoriprinterile" if job.params.get("office") else "trükikojale"
        municipality = job.params.get("municipality", "")
        return f"{names.get(municipality, municipality)} · {job.params.get('size', '')} {kind}"
    return SOCIAL_NAMES.get(job.variant, job.variant)


def _pdf(html: str, settings: Settings, brand_root: Path, folder: str, message_id: str) -> tuple[bytes, int]:
    """The packet laid out with the brand's fonts; a text that would run out of the page margin is an error."""
    what = f"review packet {message_id}"
    document = render_document(html, brand_root / "templates", (brand_root, settings.out / folder), what,
                               root=settings.root)
    clipped = [c for page in document.pages for c in clipped_text(page, content_area(page))]
    if clipped:
        raise RenderError(f"{what}: a text runs past the page margin: "
                          + ", ".join(sorted({c.word for c in clipped})))
    return document.write_pdf(), len(document.pages)


def _built_files(jobs: list[Job], store: Store) -> list[tuple[str, bytes]]:
    """The message's built files for the zip, by their place in outputs/kit (print-shop poster PDFs left out)."""
    files = []
    for job in sorted(jobs, key=lambda j: j.key):
        if job.kind == "poster" and not job.params.get("office"):
            paths = [p for p in job.outputs if p.endswith(".png")]
        else:
            paths = [p for p in job.outputs if p.endswith(ZIP_SUFFIXES)]
        files += [(p, (store.kit_dir / p).read_bytes()) for p in paths if (store.kit_dir / p).is_file()]
    return files
