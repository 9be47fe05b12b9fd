"""Press texts per message and language: HTML, a tagged PDF (PDF/UA-1), plain text for e-mail, and .docx."""
from __future__ import annotations

import io
import textwrap

from markupsafe import Markup

from kit.brand_assets import mark_svg
from kit.errors import Problem, RenderError
from kit.i18n import label
from kit.model import Artifact, Job, Message
from kit.press import PressRelease, press_release
from kit.render import JobSpec, RenderContext, Renderer
from kit.render.pdf import CLIP_FIX, clip_advice, clipped_text, content_area, render_document
from kit.sanitize import markdown_html
from kit.templating import brand_env

FORMATS = (".html", ".pdf", ".txt", ".docx")


def plan(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    base = f"press/{message.id}/{lang}/press-{message.id}-{lang}"
    return [JobSpec(variant="press", outputs=tuple(base + suffix for suffix in FORMATS))]


def render(job: Job, ctx: RenderContext) -> list[Artifact]:
    message = ctx.messages[job.message_id]
    release = press_release(message, job.lang, ctx.brand, ctx.settings.site_url)
    created = message.updated.isoformat(timespec="seconds")
    web = html(release, message, ctx, created, css_href=_css_data_url(ctx))
    document = layout(release, message, ctx, created)
    pdf = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=job.key.encode().hex()[:32].encode())
    return [Artifact(job.outputs[0], web.encode()), Artifact(job.outputs[1], pdf),
            Artifact(job.outputs[2], text(release).encode()), Artifact(job.outputs[3], docx(release))]


def check(message: Message, lang: str, ctx: RenderContext) -> list[Problem]:
    """Lay out the PDF edition (no file written): a word that runs past the page margin, for `kit check`."""
    release = press_release(message, lang, ctx.brand, ctx.settings.site_url)
    try:
        layout(release, message, ctx, message.updated.isoformat(timespec="seconds"))
    except RenderError as exc:
        return [Problem(message.text(lang).source, 0, "", str(exc))]
    return []


# What a clipped text is called in an error, by the class (or tag) of the block that holds it.
TEXT_NAMES = {"h1": "the headline", "subhead": "the subheading", "release": "the release line", "org": "the letterhead"}
EDGE_NAMES = {"box": "the page margin", "safe": "the page margin"}


def layout(release: PressRelease, message: Message, ctx: RenderContext, created: str):
    """The PDF edition laid out; RenderError if a text runs past the page margin. Body text wraps a word
    longer than the line anywhere (a URL), so what can run out is a headline word (press.css)."""
    what = f"press text {message.id} ({release.lang})"
    document = render_document(html(release, message, ctx, created, css_href=""), ctx.brand.root / "templates",
                               (ctx.brand.root,), what, stylesheet=ctx.brand.root / "templates" / "press.css")
    clipped = [c for page in document.pages for c in clipped_text(page, content_area(page))]
    if clipped:
        advice = sorted({clip_advice(c, TEXT_NAMES, EDGE_NAMES, default="the text") for c in clipped})
        raise RenderError(f"{what}: {', '.join(advice)}; {CLIP_FIX}")
    return document


def html(release: PressRelease, message: Message, ctx: RenderContext, created: str, css_href: str) -> str:
    quote_open, quote_close = ("“", "”") if release.lang == "en" else ("„", "“")
    return brand_env(ctx.brand.root / "templates").get_template("press.html").render(
        r=release, body=markdown_html(release.body_md), colors=ctx.brand.colors, created=created, css_href=css_href,
        mark_svg=Markup(mark_svg(ctx.brand.colors["forest"])), quote_open=quote_open, quote_close=quote_close,
        images_label=label("images", release.lang), photo_label=label("photo", release.lang))


def _css_data_url(ctx: RenderContext) -> Markup:
    """The web edition stands alone: its stylesheet travels inside it (fonts fall back to the reader's)."""
    from urllib.parse import quote

    css = (ctx.brand.root / "templates" / "press.css").read_text(encoding="utf-8")
    css = "\n".join(line for line in css.splitlines() if "@font-face" not in line)
    return Markup("data:text/css," + quote(css))


def text(release: PressRelease) -> str:
    """For pasting into an e-mail: wrapped paragraphs with blank lines between them."""
    blocks = release.paragraphs
    letterhead, rest = blocks[: len(release.letterhead)], blocks[len(release.letterhead):]
    wrapped = ["\n".join(letterhead)] + ["\n".join(_wrap(p)) or p for p in rest]
    return "\n\n".join(wrapped) + "\n"


def _wrap(paragraph: str) -> list[str]:
    # Never split a word or a URL: a reader copies links out of the text edition.
    return textwrap.wrap(paragraph, 72, break_long_words=False, break_on_hyphens=False)


def docx(release: PressRelease) -> bytes:
    """The same paragraphs as the text edition, the headline as the title heading."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = release.headline
    document.core_properties.language = release.lang
    document.core_properties.author = release.letterhead[0]
    for paragraph in release.paragraphs:
        if paragraph == release.headline:
            document.add_heading(paragraph, level=1)
        elif paragraph in (release.about_title, release.contact[0]):
            document.add_heading(paragraph, level=2)
        else:
            run = document.add_paragraph().add_run(paragraph)
            run.font.size = Pt(11)
    _fix_dates(document, release)
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _fix_dates(document, release: PressRelease) -> None:
    from datetime import datetime

    fixed = datetime(2026, 1, 1)
    document.core_properties.created = document.core_properties.modified = fixed
    document.core_properties.last_printed = fixed


def _deterministic_zip(data: bytes) -> bytes:
    """python-docx stamps the zip entries with the current time; rewrite them with a fixed one."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


RENDERER = Renderer(name="press", plan=plan, render=render, check=check, brand_inputs=("templates/press.*",),
                    helpers=("kit.press", "kit.render.pdf", "kit.sanitize", "kit.i18n", "kit.brand_assets"))
