"""Social posts: every platform format from one layout per shape, a carousel, captions and a posts.json.

Outputs per message and language, under social/<message>/<lang>/: <format>.jpg with <format>.txt beside it
(caption for the format's first platform), carousel-NN.png, and posts.json for a scheduling tool.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from typing import Callable

from PIL import Image, ImageDraw

from kit.captions import Caption, caption_problems, captions, image_alt
from kit.errors import Problem, RenderError
from kit.i18n import format_event_when, label
from kit.model import Artifact, Brand, Job, Message
from kit.platforms import ImageFormat, rules
from kit.render import JobSpec, Presentation, RenderContext, Renderer, Shown
from kit.render.canvas import (
    Box,
    TextBlock,
    draw_text,
    draw_wordmark,
    fitted_photo,
    layouts,
    local_shade,
    pattern_band,
    place_text,
    scale_box,
    srgb_profile,
    WORDMARK,
    wordmark_extent,
    wordmark_size,
    worst_contrast,
)
from kit.textfit import Fitted, draw_options, font, place_names, width

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
    first = _caption_for(message, job.lang, fmt.platforms[0], ctx)
    return [Artifact(job.outputs[0], _jpeg(image, fmt)), Artifact(job.outputs[1], (first.text + "\n").encode())]


def check(message: Message, lang: str, ctx: RenderContext) -> list[Problem]:
    """Every text fits every format, and every caption its platform: the same code the render runs."""
    problems = caption_problems(message, lang, ctx.brand, ctx.settings)
    source = message.text(lang).source
    for fmt in rules().formats.values():
        try:
            _blocks(message, lang, fmt, ctx.brand)
        except RenderError as exc:
            problems.append(Problem(source, 0, "title", f"{message.id} ({lang}, {fmt.name}): {exc}"))
    return problems


def _meta_text(message: Message, lang: str, show: str) -> str:
    """Under the title: when and where for an event, else the summary where the layout has room for it."""
    if message.event:
        venues = message.event.venues
        where = next(iter(venues.values())) if len(venues) == 1 else ""
        when = format_event_when(message.event.start, message.event.end, lang)
        return f"{when} · {where}" if where else when
    return message.text(lang).summary if show == "event_or_summary" else ""


STACK = ("municipality", "title", "meta", "cobrand")  # the texts' order, top to bottom


def _blocks(message: Message, listing_lang: str, fmt: ImageFormat, brand: Brand) -> dict[str, TextBlock]:
    """Every text fitted and placed: the stack of the layout, its title given the room the others leave (a
    summary gives way to it, see _summary_gives_way)."""
    lang = message.text(listing_lang).lang  # the card is wholly in its text's language
    layout = layouts(brand.root)[fmt.layout]
    area = fmt.safe_box
    area_h = area[3] - area[1]
    unit = min(area[2] - area[0], area_h)
    where = f"{message.id} ({listing_lang}, {fmt.name})"
    names = place_names(brand, message)

    def fitted(name: str, text: str, what: str, height: float, extra: dict | None = None) -> TextBlock:
        spec = layout[name]
        box = [spec["x"][0], 0, spec["x"][1], height]
        return place_text(text, {**spec, "box": box, **(extra or {})}, area, unit, brand, lang, what, names)

    blocks: dict[str, TextBlock] = {}
    if len(message.municipalities) == 1:
        name = brand.municipalities[message.municipalities[0]].name(lang)
        blocks["municipality"] = fitted("municipality", name, f"municipality of {where}",
                                        layout["municipality"]["height"], {"max_lines": 1})
    meta = _meta_text(message, lang, layout["meta"]["show"])
    if meta:
        blocks["meta"] = fitted("meta", meta, f"summary of {where}", layout["meta"]["height"])
    cobrand = brand.cobrand_of(message)
    if cobrand:
        blocks["cobrand"] = fitted("cobrand", cobrand.line(lang), f"co-brand line of {where}",
                                   layout["cobrand"]["height"])
    stack = layout["stack"]
    gap = round(stack["gap"] * area_h)

    def title_beside(others: dict[str, TextBlock]) -> TextBlock:
        """The title in the room the other texts leave of the stack."""
        taken = sum(_stack_height(name, b) + gap for name, b in others.items())
        room = (stack["bottom"] - stack["top"]) * area_h - taken
        return fitted("title", message.text(lang).title, f"title of {where}",
                      min(layout["title"]["height"], room / area_h))

    if "meta" in blocks and message.event is None:  # a summary: it gives way before the title is set small
        blocks, title = _summary_gives_way(blocks, title_beside,
                                           round(unit * layout["meta"].get("yield_below", layout["title"]["size"][0])))
    else:
        title = title_beside(blocks)
    blocks["title"] = title
    return _stacked({name: blocks[name] for name in STACK if name in blocks}, stack, area, gap, lang)


def _summary_gives_way(blocks: dict[str, TextBlock], title_beside: Callable[[dict[str, TextBlock]], TextBlock],
                       yield_below: int) -> tuple[dict[str, TextBlock], TextBlock]:
    """The texts and the title, the summary left out where with it the title would not fit or be set below
    `yield_below` px and is larger without it. The municipality, the co-brand line and an event's date and
    place always stay: a title too long beside them alone is refused."""
    try:
        title: TextBlock | None = title_beside(blocks)
    except RenderError:
        title = None
    if title is not None and title.fitted.size >= yield_below:
        return blocks, title
    without = {name: block for name, block in blocks.items() if name != "meta"}
    bare = title_beside(without)
    if title is None or bare.fitted.size > title.fitted.size:
        return without, bare
    return blocks, title


def _stack_height(name: str, block: TextBlock) -> int:
    return block.fitted.height + (_pill_pad(block) * 2 if name == "municipality" else 0)


def _pill_pad(block: TextBlock) -> int:
    return block.fitted.size // 3


def _stacked(blocks: dict[str, TextBlock], stack: dict, area: Box, gap: int, lang: str) -> dict[str, TextBlock]:
    """The texts one under another, pressed to the stack's bottom or centred in it."""
    area_h = area[3] - area[1]
    top, bottom = area[1] + stack["top"] * area_h, area[1] + stack["bottom"] * area_h
    total = sum(_stack_height(name, b) for name, b in blocks.items()) + gap * (len(blocks) - 1)
    y = bottom - total if stack["align"] == "bottom" else max(top, top + (bottom - top - total) / 2)
    placed = {}
    for name, block in blocks.items():
        y0 = round(y) + (_pill_pad(block) if name == "municipality" else 0)
        x1 = block.box[2]
        if name == "municipality":  # the pill hugs its text
            face = font(block.font_path, block.fitted.size)
            x1 = block.box[0] + round(max(width(face, line, lang) for line in block.fitted.lines))
        placed[name] = replace(block, box=(block.box[0], y0, x1, y0 + block.fitted.height), align="top")
        y += _stack_height(name, block) + gap
    return placed


@dataclass(frozen=True)
class Arrangement:
    """Where everything goes on one card: the texts, the wordmark, the photo with its focal point, the panel."""

    blocks: dict[str, TextBlock]
    wordmark: Box
    photo: Box  # canvas pixels the photo fills
    anchor: tuple[float, float]  # where in the photo's box its focal point is put
    panel: Box
    fade: int  # px over the photo's bottom edge where a tall layout's panel fades in (0: a hard edge)


def arrange(message: Message, lang: str, fmt: ImageFormat, brand: Brand) -> Arrangement:
    layout = layouts(brand.root)[fmt.layout]
    blocks = _blocks(message, lang, fmt, brand)
    w, h = fmt.size
    wordmark = scale_box(layout["wordmark"]["box"], fmt.safe_box)
    panel_spec = layout["panel"]
    if "box" in panel_spec:  # a side panel: the photo has a box of its own
        photo = scale_box(layout["photo"]["box"], (0, 0, w, h))
        return Arrangement(blocks, wordmark, photo, (0.5, 0.5), scale_box(panel_spec["box"], (0, 0, w, h)), 0)
    # Tall shapes: the panel starts just above the text stack and the photo fills the card above it,
    # its focal point in the middle of the part no shade covers.
    text_top = min(b.box[1] for b in blocks.values())
    panel_top = max(round(text_top - panel_spec["pad"] * h), wordmark[3])
    fade = round(panel_spec["fade"] * h)
    clear = max(panel_top - fade, wordmark[3])
    return Arrangement(blocks, wordmark, (0, 0, w, panel_top), (0.5, clear / 2 / panel_top), (0, panel_top, w, h), fade)


def backdrop(message: Message, lang: str, fmt: ImageFormat, brand: Brand) -> tuple[Image.Image, dict[str, TextBlock]]:
    """Everything the texts are drawn on (photo, panel, pattern, pill, the wordmark's shade if it needs one),
    and the texts, the wordmark included (its colour chosen on these pixels)."""
    layout = layouts(brand.root)[fmt.layout]
    placed = arrange(message, lang, fmt, brand)
    image = Image.new("RGB", fmt.size, brand.colors[layout["panel"]["color"]])
    if message.image is not None:
        box = placed.photo
        size = (box[2] - box[0], box[3] - box[1])
        image.paste(fitted_photo(message.image.path, size, message.image.focus, placed.anchor), box[:2])
    _panel(image, placed, brand.colors[layout["panel"]["color"]])
    if "pattern" in layout:
        pattern_band(image, scale_box(layout["pattern"]["box"], (0, 0, *fmt.size)), brand.colors[layout["pattern"]["color"]], brand)
    if "municipality" in placed.blocks:
        block = placed.blocks["municipality"]
        pad = _pill_pad(block)
        x0, y0, x1, y1 = block.ink_box
        ImageDraw.Draw(image).rounded_rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), radius=pad * 2,
                                                fill=brand.colors[layout["municipality"]["pill"]])
    for name, block in placed.blocks.items():  # the panel and pill carry the texts; a brand change must not break that
        if worst_contrast(image, block.ink_box, block.color) < _needed(block):
            raise RenderError(f"{name} of {message.id} ({lang}, {fmt.name}) is below WCAG AA contrast on its "
                              f"background; check the colours in brand/layouts/social.yaml")
    blocks = {**placed.blocks, "wordmark": _wordmark(image, placed.wordmark, layout["wordmark"], brand)}
    return image, blocks


def _wordmark(image: Image.Image, box: Box, spec: dict, brand: Brand) -> TextBlock:
    """The wordmark's colour chosen on the pixels behind it: the layout's colour where it passes WCAG AA, else
    its `on_light` colour where that passes (a light sky), else the first on a local shade (a busy photo)."""
    extent = wordmark_extent(box, brand)
    size = wordmark_size(box)
    block = TextBlock(Fitted(size, (WORDMARK,), extent[3] - extent[1]), extent, brand.fonts.display,
                      brand.colors[spec["color"]])
    needed = _needed(block)
    for name in (spec["color"], spec.get("on_light", spec["color"])):
        if worst_contrast(image, extent, brand.colors[name]) >= needed:
            return replace(block, color=brand.colors[name])
    local_shade(image, extent, brand.colors[spec["shade"]], block.color, needed * 1.15)  # headroom for JPEG
    return block


def _panel(image: Image.Image, placed: Arrangement, color: str) -> None:
    """The panel behind the texts; on tall shapes it fades in over the photo's last `fade` pixels."""
    import numpy as np  # here, not at the top: a build with nothing to render never loads it

    x0, y0, x1, y1 = placed.panel
    image.paste(color, (x0, y0, x1, y1))
    top = max(y0 - placed.fade, 0)
    if y0 > top:  # only the fade is blended: a mask over the whole card cost a sixth of its time
        ramp = np.arange(top, y0)
        alpha = ((ramp - (y0 - placed.fade)) / placed.fade) ** 1.5
        column = np.round(255 * alpha).astype(np.uint8).reshape(-1, 1)
        mask = np.repeat(column, x1 - x0, axis=1)
        image.paste(Image.new("RGB", (x1 - x0, y0 - top), color), (x0, top), Image.fromarray(mask, "L"))


def card(message: Message, lang: str, fmt: ImageFormat, brand: Brand) -> Image.Image:
    image, blocks = backdrop(message, lang, fmt, brand)
    for name, block in blocks.items():
        if name == "wordmark":
            draw_wordmark(image, block.box, block.color, brand)
        else:
            draw_text(image, block, lang)
    if message.is_draft:
        _draft_mark(image, lang, brand, layouts(brand.root)["draft"])
    return image


def _needed(block: TextBlock) -> float:
    return 3.0 if block.fitted.size >= LARGE_TEXT_PX else 4.5


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


def _caption_for(message: Message, lang: str, platform: str, ctx: RenderContext) -> Caption:
    made = captions(message, lang, ctx.brand, ctx.settings)[0]
    return next((c for c in made if c.platform == platform), made[0])


def posts_json(message: Message, lang: str, ctx: RenderContext) -> bytes:
    """Everything a scheduling tool needs: file, platform, language, caption, alt text, hashtags, not-before."""
    made, warnings = captions(message, lang, ctx.brand, ctx.settings)
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


def shown(path: str) -> Shown:
    """Each card's .txt is the post's caption: shown under the image it goes with."""
    return Shown("caption", of=path.removesuffix(".txt") + ".jpg") if path.endswith(".txt") else Shown()


RENDERER = Renderer(name="social", plan=plan, render=render, check=check,
                    presentation=Presentation(section="gallery", title="social", order=20, rss_rank=30, show=shown,
                                              alt=image_alt),
                    brand_inputs=("layouts/social.yaml", "mark.png", "pattern.png"),
                    helpers=("kit.render.canvas", "kit.render.slides", "kit.textfit", "kit.captions", "kit.i18n"))
