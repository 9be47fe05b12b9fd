from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kit.glyphs import GLYPH_SET, missing_glyphs
from kit.i18n import (format_date, format_date_range, format_event_when, format_number, format_time, format_weekday,
                      label, label_keys)

FONTS = sorted((Path(__file__).resolve().parent.parent / "brand" / "fonts").glob("*.otf"))
TALLINN = ZoneInfo("Europe/Tallinn")


def test_there_are_bundled_fonts_with_their_licence():
    assert len(FONTS) >= 4
    assert (FONTS[0].parent / "LICENSE-Inter.txt").is_file()


@pytest.mark.parametrize("font", FONTS, ids=lambda p: p.name)
def test_every_bundled_font_covers_the_glyph_set(font):
    assert missing_glyphs(font) == ()


def test_glyph_set_holds_what_specs_ask_for():
    for char in "õŠqyŃḾṕ\u0301\u02bc’āķņЖё„“”–—…€\u00a0\u202f\u2011\u00ad\u2212":
        assert char in GLYPH_SET


def test_estonian_dates_and_times():
    assert format_date(date(2024, 3, 12), "et") == "12. märts 2024"
    assert format_time(datetime(2024, 3, 12, 19, 30), "et") == "kell\u00a019.30"
    assert format_date_range(date(2024, 5, 16), date(2024, 5, 26), "et") == "16.–26. mai 2024"
    assert format_event_when(datetime(2026, 3, 12, 18, 0, tzinfo=TALLINN), datetime(2026, 3, 12, 20, 0, tzinfo=TALLINN),
                             "et") == "12. märts 2026, kell\u00a018.00–20.00"


def test_english_dates_and_times():
    assert format_date(date(2024, 3, 12), "en") == "12 March 2024"
    assert format_event_when(datetime(2026, 3, 12, 18, 0), None, "en") == "12 March 2026, 18:00"


def test_voro_dates_use_their_own_months():
    assert format_date(date(2016, 4, 28), "vro") == "mahlakuu 28. päiv 2016"
    assert format_date(date(2026, 12, 24), "vro") == "joulukuu 24. päiv 2026"


def test_numbers_use_no_break_space_and_decimal_comma_in_estonian():
    assert format_number(770000, "et") == "770\u00a0000"
    assert format_number(3.5, "et") == "3,5"
    assert format_number(770000, "en") == "770,000"


def test_voro_falls_back_to_estonian_out_loud():
    with pytest.warns(UserWarning, match="vro has no number format"):
        import kit.i18n

        kit.i18n._warned.discard("numbers")
        assert format_number(770000, "vro") == "770\u00a0000"


def test_label_catalogue_is_complete_for_et_and_en():
    keys = label_keys()
    assert keys["et"] == keys["en"]
    assert keys["vro"] <= keys["et"]
    assert label("draft", "en") == "DRAFT"
    assert label("link_in_bio", "vro") == "Link om profiilin."


def test_weekdays_in_voro_and_estonian():
    assert format_weekday(date(2026, 11, 27), "vro") == "riidi"  # a Friday
    assert format_weekday(date(2026, 11, 29), "vro") == "pühäpäiv"
    assert format_weekday(date(2026, 11, 27), "et") == "reede"


def test_every_brand_colour_pair_passes_wcag_aa():
    """tokens.yaml promises it: text/background pairs are safe at body size (4.5:1)."""
    from kit.brand import load_brand
    from kit.render.canvas import contrast_ratio, hex_rgb

    root = Path(__file__).resolve().parent.parent
    brand, problems = load_brand(root / "brand", root)
    assert not problems and brand.pairs
    for role, (text, background) in brand.pairs.items():
        assert contrast_ratio(hex_rgb(text), hex_rgb(background)) >= 4.5, role
