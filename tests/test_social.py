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
from kit.render.canvas import worst_contrast
from kit.render.social import _blocks, backdrop, card, check, plan, render
from kit.textfit import font
from tests.conftest import context, landscape

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


def test_the_largest_size_that_fits_is_chosen(ctx):
    fmt = rules().formats["instagram-square"]
    short = _blocks(with_text(ctx, title="Tule!"), "et", fmt, ctx.brand)["title"]
    long = _blocks(with_text(ctx, title="Tule koosloome töötuppa ja vali meiega esimesed ühised tegevused"),
                   "et", fmt, ctx.brand)["title"]
    assert short.fitted.size == round(1080 * 0.10)
    assert long.fitted.size < short.fitted.size and len(long.fitted.lines) <= 4


def test_text_that_cannot_fit_is_an_exact_check_error(ctx):
    message = with_text(ctx, title=" ".join(["Koosloometöötuba"] * 12))
    problems = [str(p) for p in check(message, "et", ctx) if "instagram-square" in p.text]
    assert problems == ["messages/koosloome/et.md: title: koosloome (et, instagram-square): title of koosloome "
                        "(et, instagram-square) does not fit even at the smallest size (54 px, 4 lines); shorten the text"]


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


@pytest.mark.parametrize("sky,ground", [("#FFFFFF", "#F4F4F4"), ("#000000", "#111111")], ids=["light", "dark"])
def test_text_meets_wcag_contrast_on_light_and_dark_photos(project, sky, ground):
    """The layout's scrim is made far too weak here: only the measured strengthening can pass this."""
    layout = project.root / "brand" / "layouts" / "social.yaml"
    layout.write_text(layout.read_text().replace("opacity: 0.62", "opacity: 0.05").replace("opacity: 0.45", "opacity: 0.05"))
    project.add("koosloome", image=landscape(sky=sky, ground=ground))
    ctx = context(project)
    message = ctx.messages["koosloome"]
    for name in ("instagram-square", "story"):
        fmt = rules().formats[name]
        image, blocks = backdrop(message, "et", fmt, ctx.brand)  # the pixels the text is drawn on
        assert set(blocks) >= {"title", "meta"}
        for block in blocks.values():
            if block.color in (ctx.brand.colors["birch"], ctx.brand.colors["gold"]):
                needed = 3.0 if block.fitted.size >= 24 else 4.5
                assert worst_contrast(image, block.ink_box, block.color) >= needed, (name, block.ink_box)


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


@pytest.mark.parametrize("name", ["instagram-portrait", "link-preview"])
def test_reference_images(ctx, name, tmp_path):
    """Compare with a stored rendering, downscaled (see compare_with_reference)."""
    actual = card(ctx.messages["koosloome"], "et", rules().formats[name], ctx.brand)
    actual = actual.resize((actual.width // 4, actual.height // 4), Image.Resampling.BOX).convert("RGB")
    compare_with_reference(actual, f"social-{name}", tmp_path)
