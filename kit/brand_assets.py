"""The geometry of the original Loov Võrumaa mark and regional pattern, drawn as SVG and as PNG masks.

scripts/make_brand_assets.py writes the files in brand/; the poster inlines a coloured pattern from here.
"""
from __future__ import annotations

from PIL import Image, ImageDraw

# The mark, in a 100×100 box: Suur Munamägi's long ridge, a nearer hill, and a low sun between them.
HILLS = [
    [(0, 92), (18, 60), (34, 44), (50, 36), (64, 44), (82, 64), (100, 92)],
    [(30, 92), (52, 66), (64, 60), (78, 66), (100, 92)],
]
SUN = (22, 22, 10)  # centre x, centre y, radius
# The pattern tile, 40×20: a rhombus with a hollow centre, as in woven Seto belt motifs.
RHOMBUS_OUTER = [(20, 1), (39, 10), (20, 19), (1, 10)]
RHOMBUS_INNER = [(20, 6), (29, 10), (20, 14), (11, 10)]


def _points(points) -> str:
    return " ".join(f"{x},{y}" for x, y in points)


def mark_svg(color: str = "currentColor") -> str:
    hills = "".join(f'<polygon points="{_points(h)}"/>' for h in HILLS)
    cx, cy, r = SUN
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" fill="{color}">'
            f'{hills}<circle cx="{cx}" cy="{cy}" r="{r}"/></svg>\n')


def pattern_svg(color: str = "currentColor") -> str:
    outer = " L".join(f"{x} {y}" for x, y in RHOMBUS_OUTER)
    inner = " L".join(f"{x} {y}" for x, y in reversed(RHOMBUS_INNER))
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="40" height="20" '
            f'fill="{color}"><path fill-rule="evenodd" d="M{outer} Z M{inner} Z"/></svg>\n')


def mark_png(size: int = 512) -> Image.Image:
    scale = size / 100
    image = Image.new("LA", (size, size), (255, 0))
    draw = ImageDraw.Draw(image)
    for hill in HILLS:
        draw.polygon([(x * scale, y * scale) for x, y in hill], fill=(255, 255))
    cx, cy, r = SUN
    draw.ellipse([(cx - r) * scale, (cy - r) * scale, (cx + r) * scale, (cy + r) * scale], fill=(255, 255))
    return image


def pattern_png(scale: int = 4) -> Image.Image:
    image = Image.new("LA", (40 * scale, 20 * scale), (255, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(x * scale, y * scale) for x, y in RHOMBUS_OUTER], fill=(255, 255))
    draw.polygon([(x * scale, y * scale) for x, y in RHOMBUS_INNER], fill=(255, 0))
    return image
