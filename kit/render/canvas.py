"""Pillow drawing for social images: the photo cropped at its focal point, shades, text, marks, contrast."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from kit.errors import RenderError
from kit.filecache import by_file_version
from kit.yamlread import load_kits_own
from kit.model import Brand
from kit.textfit import Fitted, draw_options, fit, font, missing_characters, place_names, width

if TYPE_CHECKING:  # numpy is imported where pixels are measured: a build with nothing to render never loads it
    import numpy as np

Box = tuple[int, int, int, int]


def layouts(brand_root: Path) -> dict:
    """brand/layouts/social.yaml: the cover layouts per shape, the carousel slides' and the call to action's."""
    return _read_layouts(brand_root / "layouts" / "social.yaml")


@by_file_version(maxsize=2)
def _read_layouts(path: Path) -> dict:
    return load_kits_own(path.read_text(encoding="utf-8"))  # the C parser: a worker's first card waited 44 ms


@dataclass(frozen=True)
class TextBlock:
    """A fitted text placed in its box: everything needed to draw it and to measure contrast behind it."""

    fitted: Fitted
    box: Box
    font_path: Path
    color: str
    align: str = "top"

    @property
    def origin_y(self) -> int:
        return self.box[3] - self.fitted.height if self.align == "bottom" else self.box[1]

    @property
    def ink_box(self) -> Box:
        return (self.box[0], self.origin_y, self.box[2], self.origin_y + self.fitted.height)


def scale_box(fractions, area: Box) -> Box:
    x0, y0, x1, y1 = area
    w, h = x1 - x0, y1 - y0
    fx0, fy0, fx1, fy1 = fractions
    return (round(x0 + fx0 * w), round(y0 + fy0 * h), round(x0 + fx1 * w), round(y0 + fy1 * h))


@by_file_version(maxsize=2)
def decoded(path: Path) -> Image.Image:
    """A photo decoded once per worker (and again if the file changes): every format crops from the same pixels.
    Turned upright as the camera's orientation tag says (as WeasyPrint does on posters and every viewer does, so
    the focus point means the same everywhere); transparent parts are laid on white, not on whatever colour the
    file stores under them."""
    with Image.open(path) as source:
        upright = ImageOps.exif_transpose(source)
        if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return upright.convert("RGB")


def photo_crop(photo_size: tuple[int, int], size: tuple[int, int], focus: tuple[float, float],
               anchor: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int, int, int]:
    """The largest region of the photo with `size`'s aspect that puts the focal point as near the frame's
    `anchor` (fractions of the frame) as the photo's edges allow: (left, top, right, bottom) in photo pixels."""
    w, h = photo_size
    target = size[0] / size[1]
    crop_w, crop_h = (w, round(w / target)) if w / h < target else (round(h * target), h)
    left = min(max(round(focus[0] * w - anchor[0] * crop_w), 0), w - crop_w)
    top = min(max(round(focus[1] * h - anchor[1] * crop_h), 0), h - crop_h)
    return (left, top, left + crop_w, top + crop_h)


@by_file_version(maxsize=16)
def fitted_photo(path: Path, size: tuple[int, int], focus: tuple[float, float],
                 anchor: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """The photo cropped to `size`'s aspect with the focal point at `anchor`, then resized (cached per worker)."""
    photo = decoded(path)
    return photo.resize(size, Image.Resampling.LANCZOS, box=photo_crop(photo.size, size, focus, anchor))


def focus_in_frame(path: Path, size: tuple[int, int], focus: tuple[float, float],
                   anchor: tuple[float, float] = (0.5, 0.5)) -> tuple[int, int]:
    """Where the focal point lands in the fitted photo, in its pixels."""
    photo = decoded(path)
    left, top, right, bottom = photo_crop(photo.size, size, focus, anchor)
    fx, fy = focus[0] * photo.width, focus[1] * photo.height
    return (round((fx - left) / (right - left) * size[0]), round((fy - top) / (bottom - top) * size[1]))


def place_text(text: str, spec: dict, area: Box, unit: int, brand: Brand, lang: str, what: str,
               names: frozenset[str] | None = None) -> TextBlock:
    """Fit a text into its layout box or raise RenderError saying which text and where. `names`: proper
    names never hyphenated (default: the municipalities' names; see textfit.place_names)."""
    box = scale_box(spec["box"], area)
    font_path = getattr(brand.fonts, spec.get("font", "regular"))
    missing = missing_characters(text, font_path)
    if missing:
        raise RenderError(f"{what}: no glyph for {', '.join(f'U+{ord(c):04X}' for c in missing)} "
                          f"in {font_path.name}; replace the character")
    low, high = (round(unit * s) for s in spec["size"])
    fitted = fit(text, font_path, (box[2] - box[0], box[3] - box[1]), (low, high), spec["max_lines"], lang,
                 brand.hyphenation.get(lang, {}), names=place_names(brand) if names is None else names)
    if fitted is None:
        raise RenderError(f"{what} does not fit even at the smallest size ({low} px, {spec['max_lines']} lines); "
                          "shorten the text")
    return TextBlock(fitted, box, font_path, brand.colors[spec["color"]], spec.get("align", "top"))


def draw_text(image: Image.Image, block: TextBlock, lang: str) -> None:
    draw = ImageDraw.Draw(image)
    face = font(block.font_path, block.fitted.size)
    y = block.origin_y
    for line in block.fitted.lines:
        draw.text((block.box[0], y), line, font=face, fill=block.color, **draw_options(lang))
        y += block.fitted.line_height


WORDMARK = "Loov Võrumaa"


def wordmark_extent(box: Box, brand: Brand, text: str = WORDMARK) -> Box:
    """The part of the wordmark's box the mark and its text actually cover: what contrast is measured on."""
    height = box[3] - box[1]
    face = font(brand.fonts.display, wordmark_size(box))
    return (box[0], box[1], box[0] + round(height * 1.2 + width(face, text, "et")), box[3])


def wordmark_size(box: Box) -> int:
    """The wordmark text's font size in px (WCAG's large-text threshold is decided on it)."""
    return round((box[3] - box[1]) * 0.62)


def draw_wordmark(image: Image.Image, box: Box, color: str, brand: Brand, text: str = WORDMARK) -> None:
    """The mark (tinted) and the wordmark text set in the display face, filling the box's height."""
    height = box[3] - box[1]
    mark = tinted(brand.root / "mark.png", height, color)
    image.paste(mark, (box[0], box[1]), mark)
    face = font(brand.fonts.display, wordmark_size(box))
    ImageDraw.Draw(image).text((box[0] + round(height * 1.2), box[1] + height // 2), text, font=face,
                               fill=color, anchor="lm", **draw_options("et"))


def local_shade(image: Image.Image, box: Box, color: str, text_color: str, needed: float) -> None:
    """A soft-edged shade behind `box`, no stronger than the measured contrast of `text_color` needs
    (none where the photo already gives it): the rest of the photo stays as it is."""
    if worst_contrast(image, box, text_color) >= needed:
        return
    pad = round((box[3] - box[1]) * 0.8)
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad),
                                           radius=pad, fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(pad / 2.5))  # a soft edge, nearly full strength over the box
    original = image.copy()
    solid = Image.new("RGB", image.size, color)
    for step in range(1, 11):
        image.paste(original)
        image.paste(solid, (0, 0), mask.point(lambda v, a=step / 10: round(v * a)))
        if worst_contrast(image, box, text_color) >= needed:
            return


@by_file_version(maxsize=32)
def tinted(mask_path: Path, height: int, color: str) -> Image.Image:
    with Image.open(mask_path) as mask:
        alpha = mask.getchannel("A").resize((height, height), Image.Resampling.LANCZOS)
    solid = Image.new("RGBA", alpha.size, color)
    solid.putalpha(alpha)
    return solid


def pattern_band(image: Image.Image, box: Box, color: str, brand: Brand) -> None:
    """The regional rhombus pattern, tiled along a band in a brand colour."""
    band_h = max(box[3] - box[1], 1)
    band_w = box[2] - box[0]
    vertical = band_h > band_w
    tile_h = band_w if vertical else band_h
    with Image.open(brand.root / "pattern.png") as tile_mask:
        alpha = tile_mask.getchannel("A").resize((tile_h * 2, tile_h), Image.Resampling.LANCZOS)
    if vertical:
        alpha = alpha.rotate(90, expand=True)
    mask = Image.new("L", (band_w, band_h), 0)
    step_x, step_y = (0, alpha.height) if vertical else (alpha.width, 0)
    x = y = 0
    while x < band_w and y < band_h:
        mask.paste(alpha, (x, y))
        x, y = x + step_x, y + step_y
    image.paste(Image.new("RGB", (band_w, band_h), color), box[:2], mask)


def relative_luminance(rgb) -> "np.ndarray | float":
    """WCAG relative luminance of sRGB values 0..255 (a tuple, or an array whose last axis is RGB)."""
    import numpy as np

    values = np.asarray(rgb)[..., :3]
    linear = _linear_table()[values] if values.dtype == np.uint8 else _linear(values.astype(np.float64) / 255)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def _linear(c):
    import numpy as np

    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


@lru_cache(maxsize=1)
def _linear_table():
    """Every 8-bit sRGB value made linear: a card's contrast checks look up their pixels instead of raising each
    to the power 2.4 (a sixth of a card's time)."""
    import numpy as np

    return _linear(np.arange(256, dtype=np.float64) / 255)


def contrast_ratio(a, b) -> float:
    la, lb = sorted((float(relative_luminance(a)), float(relative_luminance(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def worst_contrast(image: Image.Image, box: Box, color: str) -> float:
    """Contrast of the text colour against the least favourable 2 % of the pixels behind the text."""
    import numpy as np

    lum = relative_luminance(np.asarray(image.crop(box).convert("RGB").reduce(2)))
    text = float(relative_luminance(hex_rgb(color)))
    # Light text: the lightest pixels are the risk; dark text: the darkest.
    worst = float(np.percentile(lum, 98 if text > 0.5 else 2))
    return (max(text, worst) + 0.05) / (min(text, worst) + 0.05)


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """The sRGB profile embedded in every image. A file, not `ImageCms.createProfile("sRGB")`: that one is
    stamped with the moment it is made, so every cold build would give new bytes (and new SHA-256 values on
    the site and in the feeds). It is LittleCMS's built-in sRGB (v4.4) with its date set to 2026-01-01."""
    return resources.files("kit").joinpath("data/srgb.icc").read_bytes()
