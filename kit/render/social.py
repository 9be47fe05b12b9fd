"""Social posts: every platform format from one layout per shape, a carousel, captions and a posts.json.

Outputs per message and language, under social/<message>/<lang>/: <format>.jpg with <format>.txt beside it
(caption for the format's first platform), carousel-NN.png, and posts.json for a scheduling tool.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageDraw

from kit.captions import Caption, caption_problems, captions
from kit.errors import Problem, RenderError
from kit.filecache import by_file_version
from kit.i18n import format_event_when, label
from kit.model import Artifact, Brand, Job, Message
from kit.platforms import ImageFormat, rules
from kit.render import JobSpec, RenderContext, Renderer
from kit.render.canvas import (
    TextBlock,
    draw_text,
    draw_wordmark,
    fitted_photo,
    pattern_band,
    place_text,
    scale_box,
    srgb_profile,
    worst_contrast,
)
from kit.textfit import draw_options, font, place_names, width

LARGE_TEXT_PX = 24  # WCAG "large text" (18 pt); smaller text needs 4.5:1, larger 3:1


def plan(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    base = f"social/{message.id}/{lang}"
    specs = [JobSpec(variant=name, outputs=(f"{base}/{name}.jpg", f"{base}/{name}.txt"), params={"format": name})
             for name in rules().formats]
    slides = _slide_count(message, lang)
    specs.append(JobSpec(variant="carousel", outputs=tuple(f"{base}/carousel-{i:02d}.png" for i in range(1, slides + 1))))
    specs.append(JobSpec(variant="posts", outputs=(f"{base}/posts.json",)))
    return specs


def _slide_count(message: Message, lang: str) -> int:
    limit = rules().carousel.max_slides
    return min(2 + len(message.text(lang).points), limit)


def render(job: Job, ctx: RenderContext) -> list[Artifact]:
    message = ctx.messages[job.message_id]
    if job.variant == "posts":
        return [Artifact(job.outputs[0], posts_json(message, job.lang, ctx))]
    if job.variant == "carousel":
        return [Artifact(path, _png(slide)) for path, slide in zip(job.outputs, carousel(message, job.lang, ctx.brand), strict=True)]
    fmt = rules().formats[job.params["format"]]
    image = card(message, job.lang, fmt, ctx.brand)
    first = _caption_for(message, job.lang, fmt.platforms[0], ctx.brand)
    return [Artifact(job.outputs[0], _jpeg(image, fmt)), Artifact(job.outputs[1], (first.text + "\n").encode())]


def check(message: Message, lang: str, ctx: RenderContext) -> list[Problem]:
    """Every text fits every format, and every caption its platform: the same code the render runs."""
    problems = caption_problems(message, lang, ctx.brand)
    source = message.text(lang).source
    for fmt in rules().formats.values():
        try:
            _blocks(message, lang, fmt, ctx.brand)
        except RenderError as exc:
            problems.append(Problem(source, 0, "title", f"{message.id} ({lang}, {fmt.name}): {exc}"))
    return problems


def layouts(brand_root: Path) -> dict:
    return _read_layouts(brand_root / "layouts" / "social.yaml")


@by_file_version(maxsize=2)
def _read_layouts(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _meta_text(message: Message, lang: str, show: str) -> str:
    """Under the title: when and where for an event, else the summary where the layout has room for it."""
    if message.event:
        venues = message.event.venues
        where = next(iter(venues.values())) if len(venues) == 1 else ""
        when = format_event_when(message.event.start, message.event.end, lang)
        return f"{when} · {where}" if where else when
    return message.text(lang).summary if show == "event_or_summary" else ""


def _blocks(message: Message, listing_lang: str, fmt: ImageFormat, brand: Brand) -> dict[str, TextBlock]:
    lang = message.text(listing_lang).lang  # the card is wholly in its text's language
    layout = layouts(brand.root)[fmt.layout]
    area = fmt.safe_box
    unit = min(area[2] - area[0], area[3] - area[1])
    where = f"{message.id} ({listing_lang}, {fmt.name})"
    names = place_names(brand, message)
    blocks = {"title": place_text(message.text(lang).title, layout["title"], area, unit, brand, lang, f"title of {where}",
                                  names)}
    meta = _meta_text(message, lang, layout["meta"]["show"])
    if meta:
        blocks["meta"] = place_text(meta, layout["meta"], area, unit, brand, lang, f"summary of {where}", names)
    if message.tartu2024:
        line = next(iter(brand.cobrands.values())).lines
        blocks["cobrand"] = place_text(line.get(lang) or line["et"], layout["cobrand"], area, unit, brand, lang,
                                       f"co-brand line of {where}")
    if len(message.municipalities) == 1:
        name = brand.municipalities[message.municipalities[0]].name(lang)
        spec = {**layout["municipality"], "size": [0.02, 0.032], "max_lines": 1}
        blocks["municipality"] = place_text(name, spec, area, unit, brand, lang, f"municipality of {where}")
    return blocks


def backdrop(message: Message, lang: str, fmt: ImageFormat, brand: Brand) -> tuple[Image.Image, dict[str, TextBlock]]:
    """The photo, panel and scrims, made legible for the fitted texts, before anything is drawn on them."""
    layout = layouts(brand.root)[fmt.layout]
    blocks = _blocks(message, lang, fmt, brand)
    image = _background(message, fmt, layout, brand)
    _ensure_contrast(image, message, fmt, layout, blocks, brand)
    return image, blocks


def card(message: Message, lang: str, fmt: ImageFormat, brand: Brand) -> Image.Image:
    layout = layouts(brand.root)[fmt.layout]
    image, blocks = backdrop(message, lang, fmt, brand)
    if "pattern" in layout:
        pattern_band(image, scale_box(layout["pattern"]["box"], (0, 0, *fmt.size)), brand.colors[layout["pattern"]["color"]], brand)
    area = fmt.safe_box
    draw_wordmark(image, scale_box(layout["wordmark"]["box"], area), brand.colors[layout["wordmark"]["color"]], brand)
    if "municipality" in blocks:
        _right_align(blocks["municipality"], image, lang, brand.colors[layout["municipality"]["pill"]])
    for name in ("title", "meta", "cobrand"):
        if name in blocks:
            draw_text(image, blocks[name], lang)
    if message.is_draft:
        _draft_mark(image, lang, brand, layouts(brand.root)["draft"])
    return image


def _background(message: Message, fmt: ImageFormat, layout: dict, brand: Brand) -> Image.Image:
    image = Image.new("RGB", fmt.size, brand.colors["forest"])
    if message.image is not None:
        box = scale_box(layout["photo"]["box"], (0, 0, *fmt.size))
        size = (box[2] - box[0], box[3] - box[1])
        image.paste(fitted_photo(message.image.path, size, message.image.focus), box[:2])
    if "panel" in layout:
        panel = scale_box(layout["panel"]["box"], (0, 0, *fmt.size))
        ImageDraw.Draw(image).rectangle(panel, fill=brand.colors[layout["panel"]["color"]])
    return image


def _ensure_contrast(image: Image.Image, message: Message, fmt: ImageFormat, layout: dict,
                     blocks: dict[str, TextBlock], brand: Brand) -> None:
    """Lay the scrims, then strengthen them until every text passes WCAG AA on the actual pixels behind it."""
    if "scrim" not in layout:
        return
    checked = [b for name, b in blocks.items() if name != "municipality"]  # that one sits on its own pill
    wordmark = scale_box(layout["wordmark"]["box"], fmt.safe_box)
    original = image.copy()
    boost = 0.0
    while True:
        image.paste(original)
        _scrim(image, fmt, layout, boost, brand)
        text_ok = all(worst_contrast(image, b.ink_box, b.color) >= _needed(b) for b in checked)
        mark_ok = worst_contrast(image, wordmark, brand.colors[layout["wordmark"]["color"]]) >= 3.0
        if (text_ok and mark_ok) or boost >= 1.0:  # at full opacity the brand pair itself passes
            return
        boost += 0.08


def _needed(block: TextBlock) -> float:
    return 3.0 if block.fitted.size >= LARGE_TEXT_PX else 4.5


def _scrim(image: Image.Image, fmt: ImageFormat, layout: dict, boost: float, brand: Brand) -> None:
    """Brand-colour veils: from `top` down to the bottom, and from the top edge down to `bottom`, each
    fading in over `fade` so the photo stays visible between them. `boost` is added to their opacity."""
    w, h = fmt.size
    bottom, top = layout["scrim"], layout.get("scrim_top")
    y = np.arange(h) / h
    alpha = min(1.0, bottom["opacity"] + boost) * _ramp(y, bottom["top"] - bottom["fade"], bottom["top"])
    if top:
        top_alpha = min(1.0, top["opacity"] + boost) * _ramp(-y, -(top["bottom"] + top["fade"]), -top["bottom"])
        alpha = np.maximum(alpha, top_alpha)
    column = np.round(255 * alpha).astype(np.uint8).reshape(h, 1)
    mask = Image.fromarray(np.ascontiguousarray(np.broadcast_to(column, (h, w))), "L")
    image.paste(Image.new("RGB", (w, h), brand.colors[bottom["color"]]), (0, 0), mask)


def _ramp(x: np.ndarray, start: float, end: float) -> np.ndarray:
    """0 before start, 1 after end, linear between."""
    return np.clip((x - start) / (end - start), 0.0, 1.0)


def _right_align(block: TextBlock, image: Image.Image, lang: str, pill: str) -> None:
    """The municipality's name at the right edge of its box, on a pill so it reads on any photo."""
    face = font(block.font_path, block.fitted.size)
    line_width = round(max(width(face, line, lang) for line in block.fitted.lines))
    pad = block.fitted.size // 2
    x0 = block.box[2] - line_width
    ImageDraw.Draw(image).rounded_rectangle((x0 - pad, block.box[1] - pad // 2, block.box[2] + pad,
                                             block.box[1] + block.fitted.height + pad // 2), radius=pad, fill=pill)
    draw_text(image, TextBlock(block.fitted, (x0, *block.box[1:]), block.font_path, block.color), lang)


def _draft_mark(image: Image.Image, lang: str, brand: Brand, spec: dict) -> None:
    w, h = image.size
    band = round(min(w, h) * 0.06)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, w, band), fill=brand.colors[spec["color"]])
    text = f"{label('draft', lang)} · {label('draft', 'en')}" if lang != "en" else label("draft", "en")
    draw.text((w // 2, band // 2), text, font=font(brand.fonts.bold, round(band * 0.55)),
              fill=brand.colors[spec["text"]], anchor="mm", **draw_options(lang))


def carousel(message: Message, lang: str, brand: Brand) -> list[Image.Image]:
    from kit.render.slides import cta_slide, point_slide

    size = rules().carousel.size
    fmt = ImageFormat(name="carousel", size=size, platforms=(rules().carousel.platform,), layout="tall")
    points = message.text(lang).points[: _slide_count(message, lang) - 2]
    slides = [card(message, lang, fmt, brand)]
    slides += [point_slide(message, lang, point, i, len(points), size, brand) for i, point in enumerate(points, 1)]
    slides.append(cta_slide(message, lang, size, brand))
    return slides


def _caption_for(message: Message, lang: str, platform: str, brand: Brand) -> Caption:
    made = captions(message, lang, brand)[0]
    return next((c for c in made if c.platform == platform), made[0])


def posts_json(message: Message, lang: str, ctx: RenderContext) -> bytes:
    """Everything a scheduling tool needs: file, platform, language, caption, alt text, hashtags, not-before."""
    made, warnings = captions(message, lang, ctx.brand)
    not_before = (message.embargo or message.updated).isoformat()
    posts = [{"channel": c.channel, "platform": c.platform, "language": lang, "caption": c.text,
              "hashtags": list(c.hashtags), "alt_text": c.alt_text, "link": c.link or None,
              "files": [f"{name}.jpg" for name, fmt in rules().formats.items() if c.platform in fmt.platforms]
              + ([f"carousel-{i:02d}.png" for i in range(1, _slide_count(message, lang) + 1)]
                 if c.platform == rules().carousel.platform else []),
              "publish_not_before": not_before} for c in made]
    data = {"message": message.id, "language": lang, "content_language": message.text(lang).lang,
            "status": message.status, "rules_checked": rules().checked, "warnings": warnings, "posts": posts}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


def _jpeg(image: Image.Image, fmt: ImageFormat) -> bytes:
    """JPEG with an sRGB profile and no other metadata, within every target platform's file-size limit."""
    limit = min(rules().platforms[p].max_file_mb for p in fmt.platforms) * 1_000_000
    for quality in (88, 80, 72, 64):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, icc_profile=srgb_profile(), subsampling=0 if quality >= 88 else 2)
        if buffer.tell() <= limit:
            return buffer.getvalue()
    raise RenderError(f"{fmt.name} image stays above {limit / 1e6:.0f} MB even at JPEG quality 64")


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", icc_profile=srgb_profile(), compress_level=6)
    return buffer.getvalue()


RENDERER = Renderer(name="social", plan=plan, render=render, check=check,
                    brand_inputs=("layouts/social.yaml", "mark.png", "pattern.png"),
                    helpers=("kit.render.canvas", "kit.render.slides", "kit.textfit", "kit.captions", "kit.i18n"))
