"""Print posters: message × language × municipality × size, print-shop PDFs (3 mm bleed, crop marks) and an
A4 office variant (no bleed, no marks), each with a PNG preview. Layout is brand data: brand/templates/."""
from __future__ import annotations

import hashlib
import io
import math
import uuid
import warnings as py_warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from kit.brand_assets import mark_svg, pattern_svg
from kit.errors import Problem, RenderError
from kit.i18n import credit_line, event_details, label
from kit.model import Artifact, Job, Message
from kit.render import JobSpec, Presentation, RenderContext, Renderer, Shown
from kit.render.pdf import (CLIP_FIX, MM_PX, boxes, clip_advice, clipped_text, has_class, image_dpi, inset, overflowing,
                            project_url, render_document, weasyprint)
from kit.sanitize import inline_html
from kit.templating import brand_env
from kit.textfit import Rules, keep_together, place_names, set_at, size_cost
from kit.utm import tagged

PAPER_MM = {"A4": (210, 297), "A3": (297, 420), "A2": (420, 594)}
BLEED_MM = 3
MARKS_BLEED_MM = 12  # WeasyPrint draws crop marks over half the CSS bleed: they run 6–12 mm from the trim
OFFICE_MARGIN_MM = 6  # office printers cannot print to the edge
SAFE_MM = 3  # print: text stays this far inside the trim, where the cutter's tolerance cannot reach it
TITLE_SIZES = ("xl", "l", "m", "s")
TITLE_PT = {"xl": 44, "l": 36, "m": 29, "s": 23}  # on A4, scaled by --s; poster.css reads them as --title
TITLE_MAX_LINES = 6
MARGIN_MM = 12  # poster.css: --margin is --s × 12 mm (plus the office margin); the title's measure follows it
MIN_DPI, GOOD_DPI = 150, 300
# The photo's height, as a share of the page's: it gives up room to the text (down to the minimum) before the
# title is set smaller; the office sheet's wider margins leave it less.
PHOTO_SHARE = {"print": (0.24, 0.40), "office": (0.22, 0.34)}


@dataclass(frozen=True)
class Paper:
    size: str
    office: bool

    @property
    def safe_mm(self) -> float:
        """How far inside the page's edge (the trim, for print) every text must stay."""
        return OFFICE_MARGIN_MM if self.office else SAFE_MM

    @property
    def edge_names(self) -> dict[str, str]:
        return {"box": "the margin", "safe": "the printable area" if self.office else "the trim edge"}

    @property
    def variant(self) -> str:
        return f"{self.size}-office" if self.office else self.size

    @property
    def photo_mm(self) -> tuple[float, float]:
        """The photo's least and greatest height."""
        low, high = PHOTO_SHARE["office" if self.office else "print"]
        return round(PAPER_MM[self.size][1] * low, 2), round(PAPER_MM[self.size][1] * high, 2)

    def css(self, photo_mm: float | None = None) -> dict:
        w, h = PAPER_MM[self.size]
        return {"width": f"{w}mm", "height": f"{h}mm", "scale": round((w / 210), 3), "office": self.office,
                "bleed": None if self.office else f"{BLEED_MM}mm", "marks_bleed": f"{MARKS_BLEED_MM}mm",
                "office_margin": f"{OFFICE_MARGIN_MM}mm" if self.office else "0mm",
                "photo_h": f"{self.photo_mm[1] if photo_mm is None else photo_mm}mm"}


def papers(ctx: RenderContext) -> list[Paper]:
    return [Paper(size, False) for size in ctx.settings.poster_sizes] + [Paper("A4", True)]


def plan(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    base = f"posters/{message.id}/{lang}"
    # `layout_of`: the poster whose title size and photo height this one shares (see `layout`); in the job's
    # hash, so changing which size comes first re-renders the posters that follow it.
    return [JobSpec(variant=f"{m}-{p.variant}", outputs=(f"{base}/{m}-{p.variant}.pdf", f"{base}/{m}-{p.variant}.png"),
                    params={"municipality": m, "size": p.size, "office": "yes" if p.office else "",
                            "layout_of": f"{message.municipalities[0]}-{_anchor_paper(p, ctx).variant}"})
            for m in message.municipalities for p in papers(ctx)]


def render(job: Job, ctx: RenderContext) -> list[Artifact]:
    message = ctx.messages[job.message_id]
    paper = Paper(job.params["size"], bool(job.params["office"]))
    document, warnings = layout(message, job.lang, job.params["municipality"], paper, ctx)
    # Print: PDF/X-4 metadata, sRGB with an output intent; WeasyPrint does not convert colours to CMYK.
    options = {} if paper.office else {"pdf_variant": "pdf/x-4", "output_intent": "srgb"}
    created = message.updated.isoformat(timespec="seconds")
    pdf = document.write_pdf(finish=lambda pdf: finish_pdf(pdf, paper, job.key, created), **options)
    for warning in warnings:
        py_warnings.warn(warning, stacklevel=1)  # reported by the build beside the job, and listed on the review sheet
    return [Artifact(job.outputs[0], pdf), Artifact(job.outputs[1], preview_png(pdf))]


def check(message: Message, lang: str, ctx: RenderContext) -> list[Problem]:
    """Lay out every poster variant (no PDF written): overflow and resolution problems for `kit check`."""
    problems = []
    for municipality in message.municipalities:
        for paper in papers(ctx):
            try:
                _, warnings = layout(message, lang, municipality, paper, ctx)
            except RenderError as exc:
                problems.append(Problem(message.text(lang).source, 0, "", str(exc)))
                continue
            problems += [Problem(message.text(lang).source, 0, "image", w, "warning") for w in warnings]
    return problems


# What a clipped text is called in an error, by the class (or tag) of the block that holds it.
TEXT_NAMES = {"h1": "the title", "summary": "the summary", "li": "a point", "event": "the event details",
              "label": "the call to action", "url": "the address", "cobrand": "the partner line",
              "municipality": "the municipality name", "wordmark": "the wordmark", "draft": "the draft mark"}


@dataclass(frozen=True)
class Decision:
    """What the search settles for a poster: the title size (an index into TITLE_SIZES) and the photo's height."""
    title: int
    photo_mm: float


def layout(message: Message, lang: str, municipality: str, paper: Paper, ctx: RenderContext):
    """The poster laid out: WeasyPrint's document and the photo's resolution warnings. RenderError if no
    title size fits.

    One decision for every poster of a message and language: the title size and photo height searched for
    its first municipality on the first print size (and, apart, on the office sheet) are used for its other
    municipalities and sizes (the photo's height scaled with the page), so they look alike and each is laid
    out once instead of three times. A poster the shared decision does not fit (a longer venue, another
    municipality's longer name) searches its own."""
    what = f"poster {message.id} ({lang}, {municipality}, {paper.variant})"
    anchor_municipality, anchor_paper = message.municipalities[0], _anchor_paper(paper, ctx)
    if (municipality, paper) != (anchor_municipality, anchor_paper):
        decision = _shared_decision(message, lang, anchor_municipality, anchor_paper, ctx)
        if decision is not None:
            scale = PAPER_MM[paper.size][1] / PAPER_MM[anchor_paper.size][1]
            least, most = paper.photo_mm
            photo_mm = decision.photo_mm if scale == 1 else min(most, max(least, round(decision.photo_mm * scale, 1)))
            document = _lay_out(message, lang, municipality, paper, ctx, decision.title, photo_mm, what)
            if _fits(document, paper):
                return document, _dpi_warnings(document, message, what)
    document, decision = _search(message, lang, municipality, paper, ctx, what)
    if (municipality, paper) == (anchor_municipality, anchor_paper):
        _remember(ctx, (message.id, lang, paper), decision)
    return document, _dpi_warnings(document, message, what)


def _anchor_paper(paper: Paper, ctx: RenderContext) -> Paper:
    """The poster whose search decides for its kind: the first print size, or the office sheet."""
    return paper if paper.office else Paper(ctx.settings.poster_sizes[0], False)


# Decisions of anchor posters, for the build (one RenderContext) this worker is in: a worker renders many
# posters of one message in turn, so the anchor's search is usually done once, and again at most once per worker.
_decisions: dict[tuple[str, str, Paper], Decision | None] = {}
_decisions_context: list[RenderContext] = []


def _remember(ctx: RenderContext, key: tuple[str, str, Paper], decision: Decision | None) -> None:
    if not _decisions_context or _decisions_context[0] is not ctx:  # another build: its messages may differ
        _decisions.clear()
        _decisions_context[:] = [ctx]
    _decisions[key] = decision


def _shared_decision(message: Message, lang: str, municipality: str, paper: Paper,
                     ctx: RenderContext) -> Decision | None:
    """The anchor poster's decision (None if nothing fits it: each poster then searches its own)."""
    key = (message.id, lang, paper)
    if _decisions_context and _decisions_context[0] is ctx and key in _decisions:
        return _decisions[key]
    what = f"poster {message.id} ({lang}, {municipality}, {paper.variant})"
    try:
        decision: Decision | None = _search(message, lang, municipality, paper, ctx, what)[1]
    except RenderError:
        decision = None
    _remember(ctx, key, decision)
    return decision


def _lay_out(message: Message, lang: str, municipality: str, paper: Paper, ctx: RenderContext, title: int,
             photo_mm: float, what: str):
    html = poster_html(message, lang, municipality, paper, ctx, TITLE_SIZES[title], photo_mm)
    return render_document(html, ctx.brand.root / "templates", (ctx.brand.root, message.folder), what,
                           stylesheet=ctx.brand.root / "templates" / "poster.css", root=ctx.settings.root)


def _faults(document, paper: Paper) -> tuple[int, list[str], list]:
    """Pages, overflowing boxes, clipped texts."""
    page = document.pages[0]
    return len(document.pages), overflowing(page), clipped_text(page, inset(page, paper.safe_mm))


def _fits(document, paper: Paper) -> bool:
    pages, overflow, clipped = _faults(document, paper)
    return pages == 1 and not overflow and not clipped


def _search(message: Message, lang: str, municipality: str, paper: Paper, ctx: RenderContext, what: str):
    """The title size and photo height: the title gets the room it needs before the photo does. Every title
    size is first tried with the photo at its least height; among the sizes whose poster is then one page
    with nothing overflowing and no text clipped (a word that cannot break runs past its box or the trim),
    the one with the best breaks is chosen, and the photo grows into whatever room its text leaves, up to its
    greatest height. RenderError if no size fits. Sizes that fit form a run from the smallest up (a smaller
    title only frees room): the size with the best breaks is tried first, and when it fits it is the choice
    (one layout; most posters); else a binary search finds the largest that fits in two or three.
    Returns the document and the decision."""
    least_photo, most_photo = paper.photo_mm
    documents: dict[int, Any] = {}  # WeasyPrint documents (imported on first use)
    faults: dict[int, tuple[int, list[str], list]] = {}  # pages, overflowing boxes, clipped texts

    def fits(index: int) -> bool:
        if index not in documents:
            documents[index] = _lay_out(message, lang, municipality, paper, ctx, index, least_photo, what)
            faults[index] = _faults(documents[index], paper)
        pages, overflow, clipped = faults[index]
        return pages == 1 and not overflow and not clipped

    preferred = _best_title_size(message, lang, paper, ctx, 0)
    if fits(preferred):
        chosen = preferred  # the best of all sizes, so the best of those that fit
    else:
        low, high = preferred + 1, len(TITLE_SIZES) - 1  # TITLE_SIZES runs from the largest to the smallest
        while low < high:
            middle = (low + high) // 2
            if fits(middle):
                high = middle
            else:
                low = middle + 1
        if not fits(low):
            pages, overflow, clipped = faults[low]
            reasons = []
            if clipped:
                advice = sorted({clip_advice(c, TEXT_NAMES, paper.edge_names) for c in clipped})
                reasons.append(f"even with the smallest title, {', '.join(advice)}; {CLIP_FIX}")
            if pages > 1 or overflow:
                reasons.append(f"the text does not fit on one page even with the smallest title "
                               f"({pages} page{'s' if pages > 1 else ''}, overflowing: "
                               f"{', '.join(overflow) or 'page'}); shorten the title, summary or points")
            raise RenderError(f"{what}: " + "; ".join(reasons))
        chosen = _best_title_size(message, lang, paper, ctx, low)
        if chosen != low and not fits(chosen):
            chosen = low
    document, decision = documents[chosen], Decision(chosen, least_photo)
    photo_mm = min(most_photo, least_photo + _room_left_mm(document.pages[0]))
    if photo_mm > least_photo + 0.5:  # the text's box does not change width, so the same lines fit again
        grown_mm = round(photo_mm - 0.5, 1)  # half a millimetre to spare for rounding
        grown = _lay_out(message, lang, municipality, paper, ctx, chosen, grown_mm, what)
        if _fits(grown, paper):
            document, decision = grown, Decision(chosen, grown_mm)
    return document, decision


def _room_left_mm(page) -> float:
    """How much of the text block (`#content`) its text leaves empty at the bottom."""
    for box in boxes(page._page_box):
        if has_class(box, "fit") and (box.element.get("id") == "content"):
            bottom = box.content_box_y() + box.height
            deepest = max((b.position_y + b.margin_height() for b in boxes(box) if b is not box), default=bottom)
            return max(0.0, (bottom - deepest) / MM_PX)
    return 0.0


def _best_title_size(message: Message, lang: str, paper: Paper, ctx: RenderContext, largest: int) -> int:
    """Among the title sizes that fit the page (the largest fitting and all smaller), the one whose line
    breaks are best (no hyphen, no orphan, balanced lines), larger sizes preferred among equals."""
    points = (TITLE_PT[TITLE_SIZES[-1]], TITLE_PT[TITLE_SIZES[0]])

    def cost(index: int) -> float:
        setting = title_setting(message, lang, paper, ctx, TITLE_SIZES[index])
        return (setting.cost if setting else 1e9) + size_cost(TITLE_PT[TITLE_SIZES[index]], points)

    return min(range(largest, len(TITLE_SIZES)), key=lambda i: (cost(i), i))


def title_setting(message: Message, listing_lang: str, paper: Paper, ctx: RenderContext, title_size: str):
    """The title's lines at one poster size, broken by the headline setter (kit/textfit.py) and handed to
    WeasyPrint as explicit lines; None if no breaking fits (WeasyPrint then breaks at spaces alone)."""
    text = message.text(listing_lang)
    scale = paper.css()["scale"]
    margin_mm = scale * MARGIN_MM + (OFFICE_MARGIN_MM if paper.office else 0)
    width_px = (PAPER_MM[paper.size][0] - 2 * margin_mm) * 96 / 25.4 - 1  # CSS px; 1 px to spare for rounding
    size_px = scale * TITLE_PT[title_size] * 96 / 72
    rules = Rules(text.lang, ctx.brand.hyphenation.get(text.lang, {}), place_names(ctx.brand, message))
    return set_at(text.title, ctx.brand.fonts.display, size_px, width_px, TITLE_MAX_LINES, rules)


def _dpi_warnings(document, message: Message, what: str) -> list[str]:
    if message.image is None:
        return []
    dpi = image_dpi(document.pages[0], "photo", (message.image.width, message.image.height))
    if dpi is not None and dpi < MIN_DPI:
        raise RenderError(f"{what}: the photo prints at {dpi:.0f} dpi, below the minimum of {MIN_DPI}; "
                          "use a larger image")
    if dpi is not None and dpi < GOOD_DPI:
        return [f"{what}: the photo prints at {dpi:.0f} dpi (print shops ask for {GOOD_DPI})"]
    return []


def poster_html(message: Message, listing_lang: str, municipality: str, paper: Paper, ctx: RenderContext,
                title_size: str, photo_mm: float | None = None) -> str:
    """A poster is wholly in the language of its text (a Võro listing may fall back to the Estonian text)."""
    brand, text = ctx.brand, message.text(listing_lang)
    lang = content_lang = text.lang
    setting = title_setting(message, listing_lang, paper, ctx, title_size)
    title_lines = list(setting.lines) if setting else [keep_together(text.title)]
    event = event_details(message, lang, municipality)
    if event:  # „kell 12.00“, „12. märts“ never split; the venue starts its own line (see the template)
        event = {key: keep_together(value) for key, value in event.items()}
    url = message.link
    scanned = tagged(url, "poster", message.id, listing_lang, ctx.settings)  # the QR's; the printed address stays plain
    cobrand = brand.cobrand_of(message)
    return brand_env(brand.root / "templates").get_template("poster.html").render(
        lang=content_lang, page=paper.css(photo_mm), colors=brand.colors, title_size=title_size,
        title_pt=TITLE_PT[title_size], title=text.title, title_lines=title_lines, summary=text.summary,
        points=[inline_html(p) for p in text.points], event=event,
        labels={"when": label("when", lang), "where": label("where", lang)},
        municipality=brand.municipalities[municipality], municipality_name=brand.municipalities[municipality].name(lang),
        photo_url=project_url(message.image.path, ctx.settings.root) if message.image else "", image_alt=text.image_alt,
        photo_credit=credit_line(message, listing_lang),
        focus=[round(v * 100) for v in message.image.focus] if message.image else [50, 50],
        pattern_url=_pattern_data_url(brand.colors["gold"]), mark_svg=Markup(mark_svg(brand.colors["forest" if paper.office else "birch"])),
        cta_text=text.cta_text or label("read_more", lang), url=url, url_display=url.removeprefix("https://"),
        qr_svg=_qr_svg(scanned, brand.colors["ink"]) if url else "",
        cobrand_line=cobrand.line(lang) if cobrand else "",
        cobrand_mark=project_url(cobrand.mark, ctx.settings.root) if cobrand and cobrand.mark else "",
        draft=label("draft", lang) if message.is_draft else "",
        created=message.updated.isoformat(timespec="seconds"))  # fixed dates: same inputs, same bytes


@lru_cache(maxsize=8)
def _qr_svg(url: str, color: str) -> Markup:
    """A vector QR code (segno), inline: no file, no fetch."""
    import segno  # here, not at the top: a build with nothing to render never loads it

    svg = segno.make(url, error="m").svg_inline(scale=1, dark=color, light="white", border=2)
    return Markup(svg)


@lru_cache(maxsize=4)
def _pattern_data_url(color: str) -> str:
    return "data:image/svg+xml," + quote(pattern_svg(color))


def finish_pdf(pdf, paper: Paper, key: str, date: str) -> None:
    """Set the BleedBox to exactly 3 mm around the trim (WeasyPrint places it up to 10 pt out), and make
    the XMP packet deterministic: its date from the message, its document id from the poster's identity.
    `pdf` is the pikepdf document that StrictDocument.write_pdf saves compressed, with an /ID from its content
    (qpdf leaves the XMP packet unfiltered, as PDF/X asks)."""
    import pikepdf

    bleed = BLEED_MM * 72 / 25.4
    if not paper.office:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj["/TrimBox"])
            page.obj["/BleedBox"] = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
    if "/Metadata" in pdf.Root:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["xmp:MetadataDate"] = date
            stable = "uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"loov-vorumaa-kit:{key}"))
            meta["xmpMM:DocumentID"] = meta["xmpMM:InstanceID"] = stable


def preview_png(pdf: bytes, width: int = 600) -> bytes:
    """The first page as a PNG, cropped to the trim, for the review sheet and the download page. pdfium draws
    it from a copy of the PDF whose photos are reduced to what the preview can show (`_preview_copy`):
    decoding a print photo whole took most of a preview's time. The PDF itself keeps the photo as it was."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(_preview_copy(pdf, width))
    page = document[0]
    crop = _trim_crop(page)
    trim_width = page.get_width() - crop[0] - crop[2]
    image = page.render(scale=width / trim_width, crop=crop).to_pil().convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # a preview: speed over the last few kilobytes
    document.close()
    return buffer.getvalue()


def _preview_copy(pdf: bytes, width: int) -> bytes:
    """The PDF with every JPEG image larger than the preview reduced, in the decoder, by the largest power of two
    that leaves it at least the preview's size in both directions: an image is never shown larger than the
    page, so it is never drawn with fewer pixels than the preview has. A print photo (3600 × 2400) is decoded
    at a quarter of its size or less, once per worker. Other images are left as they are."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        x0, y0, x1, y1 = (float(v) for v in document.pages[0].trimbox)
        page_px = (width, width * (y1 - y0) / (x1 - x0))
        reduced_any = False
        for obj in document.objects:
            if not (isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
                    and obj.get("/Filter") == "/DCTDecode"):
                continue
            size = (int(obj.Width), int(obj.Height))
            scale = max(page_px[0] / size[0], page_px[1] / size[1])
            if scale > 0.5:  # a reduction by two at least, or none
                continue
            reduced = _reduced_jpeg(obj.read_raw_bytes(), (math.ceil(size[0] * scale), math.ceil(size[1] * scale)))
            if reduced is not None:
                data, (obj.Width, obj.Height) = reduced
                obj.write(data, filter=pikepdf.Name.DCTDecode)
                reduced_any = True
        if not reduced_any:
            return pdf
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


# Reduced photos of this worker, by the JPEG's digest and the least size: the posters of a message share one photo.
_reduced: dict[tuple[bytes, tuple[int, int]], tuple[bytes, tuple[int, int]] | None] = {}
REDUCED_KEPT = 8


def _reduced_jpeg(data: bytes, least: tuple[int, int]) -> tuple[bytes, tuple[int, int]] | None:
    """The JPEG decoded at the smallest of 1/2, 1/4, 1/8 of its size that is still at least `least`, and encoded
    again (quality 92: a preview's photo), with its new size. None for a JPEG in another mode than RGB or
    greyscale (a CMYK JPEG's colours depend on its PDF's decode array)."""
    key = (hashlib.blake2b(data, digest_size=16).digest(), least)
    if key not in _reduced:
        if len(_reduced) >= REDUCED_KEPT:
            del _reduced[next(iter(_reduced))]  # the oldest
        _reduced[key] = _reduce_jpeg(data, least)
    return _reduced[key]


def _reduce_jpeg(data: bytes, least: tuple[int, int]) -> tuple[bytes, tuple[int, int]] | None:
    from PIL import Image

    source = Image.open(io.BytesIO(data))
    if source.mode not in ("RGB", "L"):
        return None
    source.draft(source.mode, least)
    image = source.convert(source.mode)  # loads it, at the draft's size
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue(), image.size


def _trim_crop(page) -> tuple[float, float, float, float]:
    media = page.get_mediabox()
    trim = page.get_trimbox()
    return (trim[0] - media[0], trim[1] - media[1], media[2] - trim[2], media[3] - trim[3])


def card_label(variant: str, municipality: str, lang: str) -> str:
    """„A4 · trükikojale“: the size, and who prints it (the office variant has no bleed or crop marks)."""
    size = variant.removeprefix(f"{municipality}-")
    return f"{size.split('-')[0]} · {label('office_print' if size.endswith('office') else 'print_shop', lang)}"


def shown(path: str) -> Shown:
    """The PNG is the page's look at the PDF beside it; the PDF is what a municipality prints."""
    return Shown("preview", of=path.removesuffix(".png") + ".pdf") if path.endswith(".png") else Shown()


RENDERER = Renderer(name="poster", plan=plan, render=render, check=check,
                    presentation=Presentation(section="cards", title="posters", order=10, rss_rank=10, show=shown,
                                              label=card_label),
                    brand_inputs=("templates/poster.*", "*.svg"),
                    helpers=("kit.render.pdf", "kit.sanitize", "kit.i18n", "kit.brand_assets", "kit.textfit"),
                    cost=1.5, warm_up=weasyprint)
