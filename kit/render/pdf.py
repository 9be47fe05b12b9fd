"""WeasyPrint, made strict: a fetcher that only serves allowed folders, warnings turned into errors,
and layout checks (one page, no overflowing box, no clipped text, image resolution) read from the laid-out boxes."""
from __future__ import annotations

import io
import logging
import mimetypes
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

from kit.errors import RenderError
from kit.filecache import folder_version

MAX_DATA_URL = 16_384  # small inline SVGs (the pattern) are fine; anything bigger is not ours


@lru_cache(maxsize=1)
def weasyprint():
    """Imported on first use: a build with nothing to render never pays WeasyPrint's start-up."""
    import weasyprint as module

    return module


@lru_cache(maxsize=1)
def font_config():
    """One FontConfiguration per worker: font set-up is paid once, not per document."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


PROJECT_SCHEME = "kit"


def project_url(path: Path, root: Path) -> str:
    """A project file as `kit:messages/<id>/hero.jpg`. WeasyPrint names an image in the PDF after an MD5 of
    its URL, so a file:// URL would make a poster's bytes depend on where the project folder lies."""
    return f"{PROJECT_SCHEME}:" + quote(path.resolve().relative_to(root.resolve()).as_posix())


def guarded_fetcher(allowed: tuple[Path, ...], refused: list[str], project_root: Path | None = None):
    """A URL fetcher serving files inside `allowed` folders (by file: URL, or by `project_url` under `project_root`)
    and small data: URLs; everything else is refused (and recorded): other files, http(s), ftp, big data
    URLs. It cannot follow a redirect because it never makes a network request."""
    wp: Any = weasyprint()  # a module imported on first use: its classes are not known statically
    roots = tuple(p.resolve() for p in allowed)

    class GuardedFetcher(wp.URLFetcher):
        def fetch(self, url, headers=None):
            scheme = urlparse(url).scheme.lower()
            if scheme == "data" and len(url) <= MAX_DATA_URL:
                return super().fetch(url, headers)
            if scheme in ("file", PROJECT_SCHEME):
                local = Path(unquote(urlparse(url).path))
                path = (project_root / local if scheme == PROJECT_SCHEME and project_root else local).resolve()
                if any(path.is_relative_to(root) for root in roots) and path.is_file():
                    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return wp.urls.URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
            refused.append(url if len(url) < 120 else url[:117] + "...")
            raise ValueError(f"refused: {url[:80]}")

    return GuardedFetcher(allowed_protocols=("file", "data", PROJECT_SCHEME), allow_redirects=False, timeout=1)


# Notices about the machine, not the document: WeasyPrint falling back to a slower library or warning of a
# coming change. They are reported once per build (see `environment_notices`), never as a job's error.
ENVIRONMENT_NOTICES = ("Using fontTools instead of HarfBuzz-Subset", "deprecated", "will be unsupported")
_environment_notices: set[str] = set()


def environment_notices() -> tuple[str, ...]:
    """The machine notices seen in this process since the last call (then forgotten)."""
    seen = tuple(sorted(_environment_notices))
    _environment_notices.clear()
    return seen


def is_environment_notice(message: str) -> bool:
    return any(marker in message for marker in ENVIRONMENT_NOTICES)


@dataclass
class Captured:
    warnings: list[str] = field(default_factory=list)


@contextmanager
def strict(what: str):
    """Collect WeasyPrint's warnings while rendering; any warning about the document is a RenderError naming
    `what` (a failed resource, a refused URL, an attachment); notices about the machine are set aside."""
    captured = Captured()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage().splitlines()[0][:200]
            if is_environment_notice(message):
                _environment_notices.add(message)
            else:
                captured.warnings.append(message)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    previous = logger.propagate
    logger.propagate = False
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous
    if captured.warnings:
        raise RenderError(f"{what}: " + "; ".join(sorted(set(captured.warnings))))


class StrictDocument:
    """A laid-out WeasyPrint document whose PDF writing is guarded like its layout: attachments and
    other resources fetched only at write time go through the same fetcher and the same rules."""

    def __init__(self, document, refused: list[str], what: str):
        self.document, self.refused, self.what = document, refused, what
        self._check()

    @property
    def pages(self):
        return self.document.pages

    def _check(self) -> None:
        if self.refused:
            raise RenderError(f"{self.what}: refused to load {', '.join(sorted(set(self.refused)))}")

    def write_pdf(self, finish: Callable[[Any], None] | None = None, **options) -> bytes:
        """The PDF, compressed by qpdf (streams, and objects in object streams) with an /ID made from its content:
        the same document gives the same bytes. WeasyPrint writes it plain and without an /ID: asked for one, pydyf
        compresses every stream twice at zlib's level 9 to hash them (a third of a poster's writing time).
        `finish` may change the pikepdf document before it is saved."""
        import pikepdf

        with strict(self.what):
            data = self.document.write_pdf(uncompressed_pdf=True, pdf_identifier=False, **options)
        self._check()
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if finish is not None:
                finish(pdf)
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, compress_streams=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def render_document(html: str, base_url: Path, allowed: tuple[Path, ...], what: str,
                    stylesheet: Path | None = None, root: Path | None = None, **options) -> StrictDocument:
    """Lay out HTML with the guarded fetcher; refusals and warnings become one RenderError.
    `stylesheet` (a brand CSS file) is parsed once per worker and shared by every document;
    `root` is the project folder that `project_url` links are relative to."""
    wp = weasyprint()
    refused: list[str] = []
    with strict(what):
        sheets = [brand_stylesheet(stylesheet, folder_version(stylesheet.parent.parent))] if stylesheet else []
        document = wp.HTML(string=html, base_url=str(base_url) + "/", url_fetcher=guarded_fetcher(allowed, refused, root)
                           ).render(font_config=font_config(), stylesheets=sheets, **options)
    return StrictDocument(document, refused, what)


def forget_inherited_fonts() -> None:
    """Run first in every worker process. A worker forked from a process that has already rendered (a test, a
    preview server) inherits its FontConfiguration, whose font folder it would share with the parent and with
    the other workers; WeasyPrint names the font files there by content, so two workers rewrite the same file
    under each other's memory map (the process dies of a bus error). Each worker makes its own; the inherited
    one is let go without deleting the parent's folder."""
    if font_config.cache_info().currsize:
        font_config()._folder = None  # its __del__ removes _folder: the parent's, not ours
    font_config.cache_clear()
    brand_stylesheet.cache_clear()  # parsed with the inherited configuration


@lru_cache(maxsize=8)
def brand_stylesheet(path: Path, brand_version: tuple):
    """A brand stylesheet, parsed once (30 ms a document saved); it may load files from brand/ only, so the
    versions of brand/'s files key the cache: an edited stylesheet or a replaced font is parsed again."""
    refused: list[str] = []
    with strict(str(path.name)):
        sheet = weasyprint().CSS(filename=str(path), url_fetcher=guarded_fetcher((path.parent.parent,), refused),
                                 font_config=font_config())
    if refused:
        raise RenderError(f"{path.name}: refused to load {', '.join(sorted(set(refused)))}")
    return sheet


def boxes(box):
    yield box
    for child in getattr(box, "children", []) or []:
        yield from boxes(child)


def has_class(box, name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and name in (element.get("class") or "").split()


def overflowing(page) -> list[str]:
    """Ids of `.fit` boxes whose content runs past their bottom edge (it would be clipped)."""
    result = []
    for box in boxes(page._page_box):
        if has_class(box, "fit") and box.element_tag != "html":
            bottom = box.content_box_y() + box.height
            deepest = max((b.position_y + b.margin_height() for b in boxes(box) if b is not box), default=0)
            if deepest > bottom + 0.5:
                result.append(box.element.get("id") or box.element_tag)
    return result


MM_PX = 96 / 25.4  # WeasyPrint lays out in CSS pixels
TOLERANCE_PX = 0.5  # rounding in the text engine, far below anything a reader sees


@dataclass(frozen=True)
class Clipped:
    """A text that runs out of where it may be: `edge` is "box" (past its containing block or a box that
    clips it or was placed against a margin) or "safe" (past the page's safe area: the trim less a margin for
    the cutter, what a printer can reach, or the page margins)."""
    tag: str  # the element whose block holds the text: "h1", "p", "li"
    classes: tuple[str, ...]
    word: str  # the longest word of the text that runs out: almost always the one that cannot break
    edge: str


Rect = tuple[float, float, float, float]  # left, top, right, bottom in CSS px from the page's top-left trim corner


def inset(page, mm: float) -> Rect:
    """The page (its trim, for print) less `mm` on every side: the cutter's or the printer's safe margin."""
    box = page._page_box
    return (mm * MM_PX, mm * MM_PX, box.margin_width() - mm * MM_PX, box.margin_height() - mm * MM_PX)


def content_area(page) -> Rect:
    """The page inside its @page margins."""
    box = page._page_box
    x, y = box.content_box_x(), box.content_box_y()
    return (x, y, x + box.width, y + box.height)


def clipped_text(page, safe: Rect | None = None) -> list[Clipped]:
    """Every laid-out text box must lie inside `safe` in both directions and, horizontally, inside its
    containing block's content box and the padding box of every enclosing box that clips (`overflow` other
    than visible) or was placed on its own (absolutely positioned: sized to hold its text, set against a
    margin). WeasyPrint never breaks a word that has no break opportunity (Võro is not hyphenated): it lets
    it run out of its box, where an ancestor cuts it or it runs off the sheet. Text in the page's margin
    boxes (page numbers) is held only to its own box."""
    from weasyprint.formatting_structure import boxes as kinds

    found: list[Clipped] = []

    def classes(box) -> tuple[str, ...]:
        element = getattr(box, "element", None)
        return tuple((element.get("class") or "").split()) if element is not None else ()

    def outside(x0: float, x1: float, left: float, right: float) -> bool:
        return x0 < left - TOLERANCE_PX or x1 > right + TOLERANCE_PX

    def visit(box, block, frames: tuple, in_margin: bool) -> None:
        if isinstance(box, kinds.TextBox):
            x0, y0 = box.content_box_x(), box.content_box_y()
            x1, y1 = x0 + box.width, y0 + box.height
            edge, frame = None, None
            if safe is not None and not in_margin and (
                    outside(x0, x1, safe[0], safe[2]) or outside(y0, y1, safe[1], safe[3])):
                edge = "safe"
            elif block is not None and not (box.element_tag or "").endswith("::marker") and outside(
                    x0, x1, block.content_box_x(), block.content_box_x() + block.width):  # markers hang outside
                edge = "box"
            else:
                frame = next((f for f in reversed(frames) if outside(
                    x0, x1, f.padding_box_x(), f.padding_box_x() + f.padding_width())), None)
                edge = "box" if frame is not None else None
            if edge:
                holder = block if block is not None else box
                words = box.text.replace("\u00ad", "").split() or [box.text]
                found.append(Clipped(holder.element_tag, classes(holder) + (classes(frame) if frame else ()),
                                     max(words, key=len), edge))
            return
        if isinstance(box, kinds.BlockContainerBox):
            block = box
        if box.style["position"] in ("absolute", "fixed") or box.style["overflow"] != "visible":
            frames += (box,)
        for child in getattr(box, "children", None) or []:
            visit(child, block, frames, in_margin or isinstance(box, kinds.MarginBox))

    visit(page._page_box, None, (), False)
    return found


def clip_advice(clipped: Clipped, names: dict[str, str], edges: dict[str, str], default: str = "a text") -> str:
    """"the title runs past the trim edge: 'Vanavanõmbidõkokkosaamisõpäiv'": `names` calls a text by the class
    (or else the tag) of its block, `edges` names the two edges a text can run past."""
    name = next((names[c] for c in clipped.classes if c in names), names.get(clipped.tag, default))
    word = clipped.word if len(clipped.word) <= 48 else clipped.word[:47] + "…"
    return f"{name} runs past {edges[clipped.edge]}: '{word}'"


CLIP_FIX = "shorten the word or add a soft hyphen (U+00AD) where it may break"


def image_dpi(page, css_class: str, pixel_size: tuple[int, int]) -> float | None:
    """Effective resolution of an image as printed: its pixels over the inches it covers (object-fit: cover)."""
    for box in boxes(page._page_box):
        if has_class(box, css_class):
            width_in, height_in = box.width / 96, box.height / 96
            return min(pixel_size[0] / width_in, pixel_size[1] / height_in) if width_in and height_in else None
    return None
