"""Social images and captions: formats from the data file, text that fits, real glyphs, contrast, limits."""
import io
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from kit.captions import caption, captions, weighted_length
from kit.errors import RenderError
from kit.glyphs import GLYPH_SET
from kit.platforms import rules
from kit.render.canvas import fitted_photo, focus_in_frame, relative_luminance, worst_contrast
from kit.render.social import _blocks, arrange, backdrop, card, check, layouts, plan, render
from kit.textfit import font
from tests.conftest import MESSAGE_YAML, TEXT_MD, context, landscape

REFERENCE = Path(__file__).parent / "reference"


def with_text(ctx, lang="et", **changes):
    message = ctx.messages["koosloome"]
    texts = dict(message.translations)
    texts[lang] = replace(message.translations.get(lang, message.text(lang)), lang=lang, **changes)
    return replace(message, translations=texts)


def test_formats_come_from_the_dated_data_file():
    data = rules()
    assert data.checked
    assert data.formats["story"].size == (1080, 1920)
    assert data.formats["story"].safe_box == (0, 250, 1080, 1670)
    assert data.platforms["instagram"].hashtag_limit == 5
    assert data.platforms["threads"].hashtag_limit == 1


def test_plan_covers_every_format_the_carousel_and_the_posts_file(ctx):
    specs = plan(ctx.messages["koosloome"], "et", ctx)
    assert {s.variant for s in specs} == set(rules().formats) | {"carousel", "posts"}
    carousel = next(s for s in specs if s.variant == "carousel")
    assert len(carousel.outputs) == 4  # cover, two points, call to action


@pytest.mark.parametrize("name", list(rules().formats))
def test_text_boxes_stay_inside_the_safe_zone(ctx, name):
    fmt = rules().formats[name]
    x0, y0, x1, y1 = fmt.safe_box
    message = with_text(ctx, title="Võrumaa räägib Tartu 2024 pärandist ühel häälel ja kõigis keeltes")
    for block in _blocks(message, "et", fmt, ctx.brand).values():
        bx0, by0, bx1, by1 = block.ink_box
        assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, (name, block.ink_box)
        face = font(block.font_path, block.fitted.size)
        assert all(face.getlength(line) <= bx1 - bx0 for line in block.fitted.lines)


def test_a_short_title_gets_the_largest_size_and_a_long_one_a_smaller(ctx):
    fmt = rules().formats["instagram-square"]
    short = _blocks(with_text(ctx, title="Tule!"), "et", fmt, ctx.brand)["title"]
    long = _blocks(with_text(ctx, title="Tule koosloome töötuppa ja vali meiega esimesed ühised tegevused"),
                   "et", fmt, ctx.brand)["title"]
    assert short.fitted.size == round(1080 * layouts(ctx.brand.root)["square"]["title"]["size"][1])
    assert long.fitted.size < short.fitted.size and len(long.fitted.lines) <= 4


def test_text_that_cannot_fit_is_an_exact_check_error(ctx):
    message = with_text(ctx, title=" ".join(["Koosloometöötuba"] * 12))
    problems = [str(p) for p in check(message, "et", ctx) if "instagram-square" in p.text]
    assert problems == ["messages/koosloome/et.md: title: koosloome (et, instagram-square): title of koosloome "
                        "(et, instagram-square) does not fit even at the smallest size (59 px, 4 lines); shorten the text"]


def test_estonian_is_hyphenated_and_voro_is_not(ctx):
    fmt = rules().formats["link-preview"]
    word = "Koostöövõrgustikuprogrammid ühendavad"
    et = _blocks(with_text(ctx, title=word), "et", fmt, ctx.brand)["title"]
    assert any(line.endswith("-") for line in et.fitted.lines)
    with pytest.raises(RenderError):
        _blocks(with_text(ctx, lang="vro", title="Kuuskümmendseitsekümmendkaheksakõrgõmbmäkiq" * 2), "vro", fmt, ctx.brand)


def test_exception_list_beats_the_estonian_patterns(ctx):
    from kit.textfit import break_points

    assert break_points("arengustrateegia", "et", ctx.brand.hyphenation["et"]) == [6]
    assert break_points("arengustrateegia", "vro", ctx.brand.hyphenation["et"]) == []
    assert break_points("aren\u00adgu", "vro", {}) == [4]  # a soft hyphen typed by the writer always counts


@pytest.mark.parametrize("font_role", ["display", "semibold", "regular"])
def test_every_glyph_of_the_set_renders_as_a_real_glyph(ctx, font_role):
    """Draw each character and compare with the font's .notdef box (what a missing glyph shows)."""
    face = font(getattr(ctx.brand.fonts, font_role), 48)

    def bitmap(text):
        image = Image.new("L", (120, 80), 0)
        ImageDraw.Draw(image).text((10, 10), text, font=face, fill=255)
        return image.tobytes()

    notdef = bitmap("\ue000")  # private use: no font here has it
    visible = [c for c in GLYPH_SET if c not in "\u00a0\u202f\u00ad\u0301"]
    boxes = [c for c in visible if bitmap(c) == notdef]
    assert boxes == []
    assert bitmap("n\u0301") != bitmap("n")  # the combining acute is placed, not dropped


@pytest.mark.parametrize("lang,title", [("et", "Õun, šokolaad ja Žürii"), ("vro", "Rõugõ q y ńõ Ḱ Ṕ kuuĺ"),
                                        ("en", "Café – „quotes“ … €")])
def test_cards_render_the_full_glyph_range_in_each_language(ctx, lang, title):
    image = card(with_text(ctx, lang=lang, title=title), lang, rules().formats["x"], ctx.brand)
    assert image.size == (1600, 900)


SAUNA_DAY = """\
id: suitsusaun
date: 2026-11-02
status: approved
themes: [kultuur-ja-eripara]
municipalities: [rouge]
cta_url: https://www.vorumaa.ee/test
event:
  start: 2027-02-06 12:00 Europe/Tallinn
  end: 2027-02-06 18:00 Europe/Tallinn
  venues:
    rouge: Haanja rahvamaja
image:
  file: hero.jpg
  focus: 0.65 0.6
  credit: Test Pilt
"""
SAUNA_TEXT = {"et": TEXT_MD.format(title="Võromaa suitsusauna päev Haanjas", summary="Tule õpi saunameistritelt!")}


def sauna_photo(sky="#D5DEE4", size=(2400, 1600)) -> Image.Image:
    """Like the suitsusaun sample: a light sky, hills, a lake and a small sauna with its smoke at the focus
    point (0.65, 0.6) — the subject a layout must leave in view."""
    w, h = size
    image = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, round(h * 0.45), w, h), fill="#7E9A70")
    draw.rectangle((0, round(h * 0.55), w, h), fill="#3E6B35")
    draw.ellipse((round(w * 0.1), round(h * 0.68), round(w * 0.8), round(h * 0.9)), fill="#6A8FA8")
    x, y = round(w * 0.65), round(h * 0.6)
    draw.rectangle((x - 90, y - 60, x + 90, y + 90), fill="#6B3A1E")  # the sauna
    draw.polygon([(x - 120, y - 60), (x, y - 150), (x + 120, y - 60)], fill="#3B2412")  # its roof
    draw.ellipse((x + 20, y - 420, x + 110, y - 160), fill="#EEEAE0")  # smoke
    return image


def busy_photo(size=(2400, 1600)) -> Image.Image:
    """Black and white stripes everywhere: no single text colour passes on it without a shade."""
    image = Image.new("RGB", size, "#FFFFFF")
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 24):
        draw.rectangle((x, 0, x + 11, size[1]), fill="#000000")
    return image


def luminance_spread(image: Image.Image, centre: tuple[int, int], half: int) -> float:
    x, y = centre
    return float(relative_luminance(np.asarray(image.crop((x - half, y - half, x + half, y + half)))).std())


@pytest.mark.parametrize("name", ["story", "instagram-square", "instagram-portrait"])
def test_the_photos_subject_stays_visible_behind_the_layout(project, name):
    """Around the focus point the layout keeps at least half the photo's own contrast (standard deviation of
    luminance), and no text covers that point: the subject shows, not a scrim."""
    project.add("suitsusaun", meta=SAUNA_DAY, texts=SAUNA_TEXT, image=sauna_photo())
    ctx = context(project)
    message, fmt = ctx.messages["suitsusaun"], rules().formats[name]
    placed = arrange(message, "et", fmt, ctx.brand)
    box = placed.photo
    assert box[3] - box[1] >= 0.4 * fmt.size[1]  # the photo is a large part of the card, not a strip
    size = (box[2] - box[0], box[3] - box[1])
    plain = Image.new("RGB", fmt.size)  # the same photo, fitted the same way, without the layout
    plain.paste(fitted_photo(message.image.path, size, message.image.focus, placed.anchor), box[:2])
    fx, fy = focus_in_frame(message.image.path, size, message.image.focus, placed.anchor)
    focus = (box[0] + fx, box[1] + fy)
    half = round(min(fmt.size) * 0.1)
    behind, _ = backdrop(message, "et", fmt, ctx.brand)  # the layout without its texts, which get their own test
    kept = luminance_spread(behind, focus, half) / luminance_spread(plain, focus, half)
    assert kept >= 0.5, (name, focus, round(kept, 2))
    for block in placed.blocks.values():
        x0, y0, x1, y1 = block.ink_box
        assert not (x0 <= focus[0] <= x1 and y0 <= focus[1] <= y1), (name, "text over the focus point")


@pytest.mark.parametrize("photo", ["sauna", "white", "black", "busy"])
def test_every_text_and_the_wordmark_meet_wcag_aa_on_the_pixels_behind_them(project, photo):
    image = {"sauna": sauna_photo(), "white": landscape(sky="#FFFFFF", ground="#F4F4F4"),
             "black": landscape(sky="#000000", ground="#111111"), "busy": busy_photo()}[photo]
    project.add("suitsusaun", meta=SAUNA_DAY, texts=SAUNA_TEXT, image=image)
    ctx = context(project)
    message = ctx.messages["suitsusaun"]
    for name in ("story", "instagram-square", "instagram-portrait", "link-preview"):
        backing, blocks = backdrop(message, "et", rules().formats[name], ctx.brand)  # the pixels text is drawn on
        assert {"wordmark", "title", "meta", "municipality"} <= set(blocks)
        for part, block in blocks.items():
            needed = 3.0 if block.fitted.size >= 24 else 4.5  # WCAG large text: 18 pt
            contrast = worst_contrast(backing, block.ink_box, block.color)
            assert contrast >= needed, (photo, name, part, round(contrast, 2))


def test_a_layout_colour_without_contrast_is_a_clear_render_error(project):
    layout = project.root / "brand" / "layouts" / "social.yaml"
    text = layout.read_text()
    start = text.index("\ntall:")
    layout.write_text(text[:start] + text[start:].replace("font: display, color: birch", "font: display, color: forest", 1))
    project.add("koosloome")
    ctx = context(project)
    with pytest.raises(RenderError, match=r"title of koosloome \(et, instagram-portrait\) is below WCAG AA"):
        card(ctx.messages["koosloome"], "et", rules().formats["instagram-portrait"], ctx.brand)


@pytest.mark.parametrize("name", ["link-preview", "x", "linkedin"])
def test_wide_cards_without_an_event_use_their_height_and_show_the_municipality_large(project, name):
    project.add("koosloome", meta=MESSAGE_YAML.format(id="koosloome").replace("voru-linn, rouge", "rouge"))
    ctx = context(project)
    fmt = rules().formats[name]
    placed = arrange(ctx.messages["koosloome"], "et", fmt, ctx.brand)
    h = fmt.size[1]
    texts = placed.blocks.values()
    assert min(b.ink_box[1] for b in texts) - placed.wordmark[3] >= 0.06 * h  # air under the wordmark
    assert max(b.ink_box[3] for b in texts) >= 0.75 * h  # the bottom third is used
    assert placed.blocks["municipality"].fitted.size >= 0.04 * h  # legible at feed size (~500 px wide)


TARTU_ONE = MESSAGE_YAML.format(id="tartu").replace("voru-linn, rouge", "voru-vald") + "tartu2024: true\n"
TARTU_SUMMARY = {"et": "Ühised sõnumid aitavad omavalitsustel ja kogukondadel tutvustada Võrumaa panust Euroopa "
                       "kultuuripealinna Tartu 2024 programmi ja selle pärandisse.",
                 "en": "Shared messages help municipalities and communities present Võrumaa's part in the European "
                       "Capital of Culture Tartu 2024 programme and its legacy."}


def tartu_text(title: str, lang: str = "et") -> str:
    """A Tartu 2024 programme text: it names its project (for the partner sentence in captions and press)."""
    return TEXT_MD.format(title=title, summary=TARTU_SUMMARY[lang]).replace("\nsummary:", "\nproject: Loov Võru maakond\nsummary:")


TARTU_TEXT = {"et": tartu_text("Võrumaa räägib Tartu 2024 pärandist ühel häälel"),
              "en": tartu_text("Võrumaa speaks about the Tartu 2024 legacy with one voice", "en")}


@pytest.mark.parametrize("name", ["link-preview", "x", "linkedin"])
def test_a_tartu_2024_message_for_one_municipality_gets_a_large_title_on_wide_cards(project, name):
    """The municipality pill and the two-line Tartu 2024 line leave a 47-letter title little room beside a long
    summary: the summary gives way, and the title is set large, never refused (it was, at the smallest size)."""
    project.add("tartu", meta=TARTU_ONE, texts=TARTU_TEXT)
    ctx = context(project)
    message, fmt = ctx.messages["tartu"], rules().formats[name]
    assert [p.text for p in check(message, "et", ctx) + check(message, "en", ctx) if name in p.text] == []
    for lang in ("et", "en"):
        placed = arrange(message, lang, fmt, ctx.brand)
        blocks = placed.blocks
        assert {"municipality", "title", "cobrand"} <= set(blocks), (lang, set(blocks))
        title = blocks["title"]
        assert title.fitted.size >= 0.08 * fmt.size[1], (lang, title.fitted.size)  # wide: yield_below 0.08
        assert all(title.fitted.size > b.fitted.size * 1.5 for n, b in blocks.items() if n != "title")
        boxes = sorted(b.ink_box for b in blocks.values())  # one under another, under the wordmark, in the panel
        assert boxes[0][1] >= placed.wordmark[3]
        assert all(upper[3] <= lower[1] for upper, lower in zip(boxes, boxes[1:])), boxes
        assert all(b.ink_box[2] <= placed.panel[2] and b.ink_box[3] <= fmt.safe_box[3] for b in blocks.values())
        assert card(message, lang, fmt, ctx.brand).size == fmt.size


def test_the_summary_stays_on_a_wide_card_where_the_title_has_room(project):
    """The summary gives way only where it costs the title its size: a short title keeps it, pill and line too."""
    project.add("tartu", meta=TARTU_ONE, texts={"et": tartu_text("Tartu 2024 pärand")})
    ctx = context(project)
    blocks = _blocks(ctx.messages["tartu"], "et", rules().formats["link-preview"], ctx.brand)
    assert set(blocks) == {"municipality", "title", "meta", "cobrand"}
    assert blocks["title"].fitted.size >= round(630 * layouts(ctx.brand.root)["wide"]["meta"]["yield_below"])


def test_a_title_too_long_even_without_the_summary_is_still_refused_on_wide_cards(project):
    project.add("tartu", meta=TARTU_ONE, texts={"et": tartu_text(" ".join(["Koosloometöötuba"] * 9))})
    ctx = context(project)
    problems = [p.text for p in check(ctx.messages["tartu"], "et", ctx) if "link-preview" in p.text]
    assert problems == ["tartu (et, link-preview): title of tartu (et, link-preview) does not fit even at the "
                        "smallest size (44 px, 5 lines); shorten the text"]


def test_same_inputs_give_the_same_bytes(ctx):
    from kit.model import Job

    job = Job(kind="social", message_id="koosloome", lang="et", variant="x",
              outputs=("social/koosloome/et/x.jpg", "social/koosloome/et/x.txt"), params={"format": "x"})
    first, second = render(job, ctx), render(job, ctx)
    assert [a.data for a in first] == [a.data for a in second]
    image = Image.open(io.BytesIO(first[0].data))
    assert image.info.get("icc_profile") and "exif" not in image.info
    assert len(first[0].data) <= rules().platforms["x"].max_file_mb * 1_000_000


def test_drafts_carry_a_visible_mark(ctx):
    message = replace(ctx.messages["koosloome"], status="draft")
    fmt = rules().formats["instagram-square"]
    draft, approved = card(message, "et", fmt, ctx.brand), card(ctx.messages["koosloome"], "et", fmt, ctx.brand)
    top = (0, 0, 1080, 60)
    berry = np.array([int(ctx.brand.colors["berry"][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(np.asarray(draft.crop(top)).astype(int) - berry).sum(axis=2) < 30).mean() > 0.5
    assert (np.abs(np.asarray(approved.crop(top)).astype(int) - berry).sum(axis=2) < 30).mean() < 0.01


# ---- captions ------------------------------------------------------------------------------------

def test_x_counts_a_url_as_23_and_an_emoji_as_2():
    x = rules().platforms["x"]
    assert weighted_length("https://www.vorumaa.ee/a/very/long/path/that/is/much/longer/than/23", x) == 23
    assert weighted_length("🎉", x) == 2
    assert weighted_length("Rõugõ ńõ q y", x) == len("Rõugõ ńõ q y")
    assert weighted_length("n\u0301", x) == 2  # Võro palatalisation mark: one code point, weight 1
    assert weighted_length("https://a.ee " + "x" * 257, x) == 23 + 1 + 257


def test_mastodon_counts_a_link_as_23_however_long_its_campaign_tags():
    mastodon, facebook = rules().platforms["mastodon"], rules().platforms["facebook"]
    tagged = "https://www.vorumaa.ee/suitsusaun?utm_source=mastodon&utm_medium=social&utm_campaign=suitsusaun"
    assert weighted_length(f"Tule! {tagged} 🎉", mastodon) == len("Tule! ") + 23 + len(" 🎉")
    assert weighted_length(tagged, facebook) == len(tagged)  # counted as written where no rule says otherwise


def test_long_caption_for_x_falls_back_to_title_and_link(ctx):
    message = with_text(ctx, summary="Pikk kokkuvõte. " * 30)
    made, _ = caption(message, "et", rules().platforms["x"], ctx.brand.channels["county"], ctx.brand)
    assert weighted_length(made.text, rules().platforms["x"]) <= 280
    assert made.text.startswith(message.text("et").title) and "https://www.vorumaa.ee/test" in made.text


def test_own_x_text_that_is_too_long_is_a_check_error(ctx):
    message = with_text(ctx, social={"x": "Sõna " * 80})
    problems = [str(p) for p in check(message, "et", ctx) if "caption" in p.text]
    assert problems == ["messages/koosloome/et.md: social.x: et caption for x is 423 characters (as x counts them), "
                        "the limit is 280; write a shorter social.x text"]


def test_instagram_gets_link_in_bio_and_at_most_five_hashtags(ctx):
    message = with_text(ctx, hashtags=("Üks", "Kaks", "Kolm", "Neli", "Viis", "Kuus"))
    made, warnings = caption(message, "et", rules().platforms["instagram"], ctx.brand.channels["county"], ctx.brand)
    assert "https://" not in made.text and "Link on profiilis." in made.text
    assert made.hashtags == ("Üks", "Kaks", "Kolm", "Neli", "Viis") and made.link == ""
    assert warnings == ["instagram: 8 hashtags, kept the first 5 (#Kuus, #LoovVõrumaa, #Võrumaa left out)"]


def test_threads_gets_one_topic_tag(ctx):
    made, _ = caption(ctx.messages["koosloome"], "et", rules().platforms["threads"], ctx.brand.channels["county"], ctx.brand)
    assert len(made.hashtags) == 1


def test_programme_channel_only_for_tartu_2024_messages(ctx):
    plain, _ = captions(ctx.messages["koosloome"], "et", ctx.brand)
    programme, _ = captions(replace(ctx.messages["koosloome"], tartu2024=True), "et", ctx.brand)
    assert {c.channel for c in plain} == {"county"}
    assert {c.channel for c in programme} == {"county", "tartu2024"}
    assert "Tartu2024" in next(c for c in programme if c.platform == "facebook").hashtags


def test_posts_json_holds_what_a_scheduler_needs(ctx):
    from kit.render.social import posts_json

    data = json.loads(posts_json(ctx.messages["koosloome"], "et", ctx))
    post = next(p for p in data["posts"] if p["platform"] == "instagram")
    assert set(post) == {"channel", "platform", "language", "caption", "hashtags", "alt_text", "link", "files",
                         "publish_not_before"}
    assert "instagram-square.jpg" in post["files"] and "carousel-01.png" in post["files"]
    assert post["alt_text"].startswith("Tule koosloome töötuppa!")


# ---- reference images --------------------------------------------------------------------------

def compare_with_reference(actual: Image.Image, name: str, scratch: Path) -> None:
    """Fail unless `actual` matches tests/reference/<name>.png; a missing reference fails too.

    After an intended change of the look, KIT_REGENERATE_REFERENCES=1 writes the references anew (the tests
    that did so are reported as skipped); look at them before committing them."""
    expected_path = REFERENCE / f"{name}.png"
    if os.environ.get("KIT_REGENERATE_REFERENCES") == "1":
        actual.save(expected_path)
        pytest.skip(f"reference regenerated: {expected_path}")
    actual_path = scratch / f"{name}-actual.png"
    actual.save(actual_path)
    if not expected_path.exists():
        pytest.fail(f"reference {expected_path} is missing (this rendering: {actual_path}); "
                    f"to write it on purpose: KIT_REGENERATE_REFERENCES=1 make test")
    expected = Image.open(expected_path).convert("RGB")
    assert expected.size == actual.size, f"{name}: {actual.size} rendered, {expected.size} in {expected_path}"
    difference = np.abs(np.asarray(actual, dtype=int) - np.asarray(expected, dtype=int)).mean()
    if difference > 2.0:
        diff_path = scratch / f"{name}-diff.png"
        Image.fromarray(np.clip(np.abs(np.asarray(actual, dtype=int) - np.asarray(expected, dtype=int)) * 4, 0, 255)
                        .astype(np.uint8)).save(diff_path)
        pytest.fail(f"{name} differs from {expected_path} by {difference:.2f} on average; "
                    f"actual: {actual_path}, difference (x4): {diff_path}")


@pytest.mark.parametrize("name", ["instagram-portrait", "story", "link-preview"])
def test_reference_images(ctx, name, tmp_path):
    """Compare with a stored rendering, downscaled (see compare_with_reference)."""
    actual = card(ctx.messages["koosloome"], "et", rules().formats[name], ctx.brand)
    actual = actual.resize((actual.width // 4, actual.height // 4), Image.Resampling.BOX).convert("RGB")
    compare_with_reference(actual, f"social-{name}", tmp_path)
