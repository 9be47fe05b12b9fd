"""Carousel slides after the cover: one per supporting point, then the call to action."""
from __future__ import annotations

from PIL import Image

from kit.i18n import label
from kit.model import Brand, Message
from kit.platforms import rules
from kit.render.canvas import draw_text, draw_wordmark, layouts, pattern_band, place_text, scale_box


def point_slide(message: Message, lang: str, point: str, number: int, total: int, size: tuple[int, int],
                brand: Brand) -> Image.Image:
    lang = message.text(lang).lang  # a slide is wholly in its text's language (Võro falling back to Estonian)
    spec = layouts(brand.root)["slide"]
    area, unit = (0, 0, *size), min(size)
    image = Image.new("RGB", size, brand.colors[spec["background"]])
    pattern_band(image, scale_box(spec["pattern"]["box"], area), brand.colors[spec["pattern"]["color"]], brand)
    where = f"{message.id} ({lang}, carousel slide {number + 1})"
    draw_text(image, place_text(f"{number}/{total}", spec["counter"], area, unit, brand, lang, where), lang)
    draw_text(image, place_text(point, spec["text"], area, unit, brand, lang, f"point {number} of {where}"), lang)
    draw_wordmark(image, scale_box(spec["wordmark"]["box"], area), brand.colors[spec["wordmark"]["color"]], brand)
    return image


def cta_slide(message: Message, lang: str, size: tuple[int, int], brand: Brand) -> Image.Image:
    lang = message.text(lang).lang  # a slide is wholly in its text's language (Võro falling back to Estonian)
    spec = layouts(brand.root)["cta"]
    area, unit = (0, 0, *size), min(size)
    image = Image.new("RGB", size, brand.colors[spec["background"]])
    text = message.text(lang)
    where = f"{message.id} ({lang}, carousel call to action)"
    draw_text(image, place_text(text.cta_text or label("read_more", lang), spec["text"], area, unit, brand, lang, where), lang)
    link = message.link
    if link:
        # Instagram captions carry no links: the slide says where the link is and prints the address.
        line = f"{label('link_in_bio', lang)}\n{link.removeprefix('https://')}"
        if rules().platforms[rules().carousel.platform].links != "bio":
            line = link.removeprefix("https://")
        draw_text(image, place_text(line, spec["link"], area, unit, brand, lang, f"link of {where}"), lang)
    draw_wordmark(image, scale_box(spec["wordmark"]["box"], area), brand.colors[spec["wordmark"]["color"]], brand)
    return image
