"""WeasyPrint, made strict: a fetcher that only serves allowed folders, warnings turned into errors,
and layout checks (one page, no overflowing box, image resolution) read from the laid-out boxes."""
from __future__ import annotations

import logging
import mimetypes
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
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
    wp = weasyprint()
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

    def write_pdf(self, **options) -> bytes:
        with strict(self.what):
            data = self.document.write_pdf(**options)
        self._check()
        return data


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


def image_dpi(page, css_class: str, pixel_size: tuple[int, int]) -> float | None:
    """Effective resolution of an image as printed: its pixels over the inches it covers (object-fit: cover)."""
    for box in boxes(page._page_box):
        if has_class(box, css_class):
            width_in, height_in = box.width / 96, box.height / 96
            return min(pixel_size[0] / width_in, pixel_size[1] / height_in) if width_in and height_in else None
    return None
