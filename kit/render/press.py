"""Press texts per message and language: HTML, a tagged PDF (PDF/UA-1), plain text for e-mail, and .docx."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

from markupsafe import Markup

from kit.brand_assets import mark_svg
from kit.errors import Problem, RenderError
from kit.filecache import by_file_version
from kit.i18n import label
from kit.model import Artifact, Job, Message
from kit.press import PressRelease, photo_path, press_release, web_photo_path
from kit.render import JobSpec, Presentation, RenderContext, Renderer, Shown
from kit.render.pdf import CLIP_FIX, clip_advice, clipped_text, content_area, render_document, weasyprint
from kit.sanitize import markdown_html
from kit.templating import brand_env

FORMATS = (".html", ".pdf", ".txt", ".docx")
WEB_WIDTH = 1200


def plan(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    base = f"press/{message.id}/{lang}/press-{message.id}-{lang}"
    photo = (photo_path(message.id, lang), web_photo_path(message.id, lang)) if message.image else ()
    return [JobSpec(variant="press", outputs=tuple(base + suffix for suffix in FORMATS) + photo)]


def press_photo(message: Message, width: int | None = None) -> bytes:
    """Print resolution (the original pixels, never enlarged), sRGB, no EXIF (no camera, place or author data)."""
    assert message.image is not None  # planned only for messages with a photo
    return _photo_jpeg(message.image.path, width)


@by_file_version(maxsize=4)
def _photo_jpeg(path: Path, width: int | None) -> bytes:
    """Cached per worker: every language's press text offers the same photo (a build renders them in turn)."""
    from PIL import Image

    from kit.render.canvas import decoded, srgb_profile

    image = decoded(path)  # upright, transparent parts on white: the pixels the cards crop from
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, optimize=True, icc_profile=srgb_profile(), dpi=(300, 300))
    return buffer.getvalue()


def render(job: Job, ctx: RenderContext) -> list[Artifact]:
    message = ctx.messages[job.message_id]
    release = press_release(message, job.lang, ctx.brand, ctx.settings.site_url)
    created = message.updated.isoformat(timespec="seconds")
    web = html(release, message, ctx, created, css_href=_css_data_url(ctx))
    document = layout(release, message, ctx, created)
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    return [Artifact(job.outputs[0], web.encode()), Artifact(job.outputs[1], pdf),
            Artifact(job.outputs[2], text(release).encode()),
            Artifact(job.outputs[3], docx(release, dict(ctx.brand.colors), _mark_png(ctx))),
            *([Artifact(job.outputs[4], press_photo(message)), Artifact(job.outputs[5], press_photo(message, WEB_WIDTH))]
              if message.image else [])]


def _mark_png(ctx: RenderContext) -> bytes | None:
    path = ctx.brand.root / "mark.png"
    return path.read_bytes() if path.is_file() else None


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
    """For pasting into an e-mail: wrapped paragraphs with blank lines between them; the letterhead, the event
    facts, the points and the contact lines stay together as one block each."""
    groups: list[tuple[str, list[str]]] = []
    for role, block in release.blocks:
        shown = f"– {block}" if role == "bullet" else block
        if groups and role == groups[-1][0] and role in ("letterhead", "fact", "bullet", "contact"):
            groups[-1][1].append(shown)
        else:
            groups.append((role, [shown]))
    wrapped = ["\n".join(line for block in lines for line in (_wrap(block) or [block])) for _, lines in groups]
    return "\n\n".join(wrapped) + "\n"


def _wrap(paragraph: str) -> list[str]:
    # Never split a word or a URL: a reader copies links out of the text edition.
    return textwrap.wrap(paragraph, 72, break_long_words=False, break_on_hyphens=False)


DOCX_STYLES = {"title": "Title", "subhead": "Subtitle", "heading": "Heading 2", "quote": "Quote",
               "bullet": "List Bullet"}
# Word's proofing language: Võro has none of its own; its nearest is Estonian.
DOCX_LANGUAGE = {"et": "et-EE", "en": "en-GB", "vro": "et-EE"}


def docx(release: PressRelease, colors: dict | None = None, mark_png: bytes | None = None) -> bytes:
    """An A4 document in the text's language with Word's named styles (Title, Heading 2, Quote, List Bullet)
    in the brand's font and colours, the letterhead with the mark, and the same paragraphs as the text edition."""
    from docx import Document
    from docx.shared import Mm, Pt

    document = Document()
    _page_a4(document, Mm)
    _brand_styles(document, release.lang, colors or {}, Pt)
    document.core_properties.title = release.headline
    document.core_properties.language = DOCX_LANGUAGE.get(release.lang, release.lang)
    document.core_properties.author = release.letterhead[0]
    if mark_png:
        header = document.sections[0].header.paragraphs[0]
        header.add_run().add_picture(io.BytesIO(mark_png), height=Mm(10))
        header.add_run("  Loov Võrumaa").bold = True
    for role, block in release.blocks:
        style = DOCX_STYLES.get(role)
        paragraph = document.add_paragraph(block, style=style)
        if role in ("release", "lead", "end"):
            for run in paragraph.runs:
                run.bold = True
    _fix_dates(document, release)
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _page_a4(document, Mm) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(22)
        section.top_margin, section.bottom_margin = Mm(20), Mm(22)


def _brand_styles(document, lang: str, colors: dict, Pt) -> None:
    """The text's language and the brand's font on the document defaults, the brand's forest green on headings."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = rpr.makeelement(qn("w:lang"), {})
        rpr.append(language)
    code = DOCX_LANGUAGE.get(lang, lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), code)
    forest = RGBColor.from_string(colors.get("forest", "#1E4C0E").lstrip("#").upper())
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Quote", "List Bullet"):
        style = document.styles[name]
        style.font.name = "Inter"
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(qn(attribute), "Inter")
        if name != "Normal" and name != "List Bullet" and name != "Quote":
            style.font.color.rgb = forest
    document.styles["Normal"].font.size = Pt(10.5)


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


def shown(path: str) -> Shown:
    """The web-sized photo illustrates the message's page; the full-size one is its download."""
    if path.endswith("-web.jpg"):
        return Shown("photo", of=path.removesuffix("-web.jpg") + ".jpg")
    return Shown()


RENDERER = Renderer(name="press", plan=plan, render=render, check=check,
                    presentation=Presentation(section="files", title="press", order=30, rss_rank=20, show=shown), brand_inputs=("templates/press.*", "mark.png"),
                    helpers=("kit.press", "kit.render.pdf", "kit.render.canvas", "kit.sanitize", "kit.i18n", "kit.brand_assets"),
                    cost=2.5, warm_up=weasyprint)
