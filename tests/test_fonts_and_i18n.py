from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kit.glyphs import GLYPH_SET, missing_glyphs
from kit.i18n import (format_date, format_date_genitive, format_date_range, format_event_when, format_number, format_time, format_weekday,
                      label, label_keys, label_problems)

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


OVERNIGHT = (datetime(2027, 3, 12, 22, 0, tzinfo=TALLINN), datetime(2027, 3, 13, 1, 30, tzinfo=TALLINN))
OVER_DAYS = (datetime(2027, 3, 30, 10, 0, tzinfo=TALLINN), datetime(2027, 4, 2, 16, 0, tzinfo=TALLINN))


@pytest.mark.parametrize("lang, overnight, over_days", [
    ("et", "12. märts, kell\u00a022.00 – 13. märts 2027, kell\u00a001.30",
     "30. märts, kell\u00a010.00 – 2. aprill 2027, kell\u00a016.00"),
    ("en", "12 March, 22:00 – 13 March 2027, 01:30", "30 March, 10:00 – 2 April 2027, 16:00"),
    ("vro", "urbõkuu 12. päiv, kell\u00a022.00 – urbõkuu 13. päiv 2027, kell\u00a001.30",
     "urbõkuu 30. päiv, kell\u00a010.00 – mahlakuu 2. päiv 2027, kell\u00a016.00"),
])
def test_events_over_midnight_and_over_days_keep_their_times(lang, overnight, over_days):
    assert format_event_when(*OVERNIGHT, lang) == overnight
    assert format_event_when(*OVER_DAYS, lang) == over_days


def test_event_times_within_a_day_and_across_a_year_in_every_language():
    start, end = datetime(2026, 12, 10, 16, 0, tzinfo=TALLINN), datetime(2026, 12, 10, 19, 0, tzinfo=TALLINN)
    assert format_event_when(start, end, "vro") == "joulukuu 10. päiv 2026, kell\u00a016.00–19.00"
    assert format_event_when(start, end, "en") == "10 December 2026, 16:00–19:00"
    assert format_event_when(start, None, "vro") == "joulukuu 10. päiv 2026, kell\u00a016.00"
    new_year = (datetime(2026, 12, 31, 22, 0, tzinfo=TALLINN), datetime(2027, 1, 1, 2, 0, tzinfo=TALLINN))
    assert format_event_when(*new_year, "et") == "31. detsember 2026, kell\u00a022.00 – 1. jaanuar 2027, kell\u00a002.00"


def test_time_zone_as_a_reader_says_it():
    assert format_event_when(*OVER_DAYS, "en", zone=True).endswith("16:00 (Estonian time)")
    assert format_event_when(*OVER_DAYS, "et", zone=True).endswith("(Eesti aja järgi)")
    helsinki = datetime(2027, 3, 30, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))  # same offset as Tallinn
    assert format_event_when(helsinki, None, "en", zone=True).endswith("(Estonian time)")
    berlin = datetime(2027, 3, 30, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert format_event_when(berlin, None, "en", zone=True) == "30 March 2027, 10:00 (CEST)"


def test_dates_after_enne_are_genitive():
    assert format_date_genitive(date(2027, 1, 12), "et") == "12. jaanuari 2027"
    assert format_date_genitive(date(2027, 5, 1), "et") == "1. mai 2027"
    assert format_date_genitive(date(2027, 1, 12), "vro") == "vahtsõaastagakuu 12. päivä 2027"
    assert format_date_genitive(date(2027, 1, 12), "en") == "12 January 2027"


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


def test_label_catalogue_is_complete_in_every_language():
    keys = label_keys()
    assert keys["et"] == keys["en"] == keys["vro"]
    assert label_problems(["et", "en", "vro"]) == []
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


def test_a_fonts_glyph_check_is_remembered_until_the_font_changes(tmp_path, monkeypatch):
    """Opening the brand's fonts to check their glyphs was a fifth of a rebuild with nothing to do: what one process
    found is kept for the next (kit/found.py), and used while the font file is the same file."""
    from kit import glyphs
    from kit.filecache import Kept

    monkeypatch.setattr(glyphs, "FOUND", Kept())  # a process of its own: no font checked yet
    font = tmp_path / "font.otf"
    font.write_bytes(FONTS[0].read_bytes())
    assert missing_glyphs(font) == ()
    memo = glyphs.FOUND.kept()
    assert [key[0] for key in memo] == [str(font)]

    opened: list[Path] = []
    real = glyphs._missing
    monkeypatch.setattr(glyphs, "_missing", lambda path: opened.append(path) or real(path))
    monkeypatch.setattr(glyphs, "FOUND", Kept())  # the next process
    glyphs.FOUND.take(memo)
    assert missing_glyphs(font) == () and opened == []

    font.write_bytes(b"not a font any more, " + FONTS[0].read_bytes())  # replaced: checked again
    from fontTools.ttLib import TTLibError

    with pytest.raises(TTLibError):
        missing_glyphs(font)
    assert opened == [font]
