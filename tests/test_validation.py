"""Every kind of bad input gives its exact error, with file, line and field, all at once."""
import os

import pytest
from PIL import Image

from kit.brand import load_brand
from kit.content import load_content
from tests.conftest import MESSAGE_YAML, TEXT_MD


def errors(project) -> list[str]:
    settings = project.settings
    brand, problems = load_brand(settings.brand_dir, settings.root)
    assert brand is not None and not problems
    return [str(p) for p in load_content(settings, brand).errors]


def meta(**changes) -> str:
    text = MESSAGE_YAML.format(id="m")
    for old, new in changes.items():
        text = text.replace(old.replace("_", " "), new) if old.startswith("raw") else text
    return text


def test_sample_content_is_clean(sample_build):
    """Every job of the sample messages renders, and `kit check` finds no error (in a built temp copy)."""
    from kit.check import check_project
    from kit.config import load_settings
    from kit.store import Store

    settings = load_settings(sample_build)
    failed = Store.open(settings.out).errors()
    assert failed == {}
    problems = check_project(settings)
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_missing_required_field(project):
    project.add("m", MESSAGE_YAML.format(id="m").replace("date: 2026-11-02\n", ""))
    assert errors(project) == ["messages/m/message.yaml:1: date: required field is missing"]


def test_missing_themes_is_reported_beside_other_problems(project):
    text = MESSAGE_YAML.format(id="m").replace("status: approved", "status: aproved").replace(
        "themes: [kultuur-ja-eripara]\n", "")
    project.add("m", text)
    assert errors(project) == [
        "messages/m/message.yaml:1: themes: required field is missing",
        "messages/m/message.yaml:3: status: unknown status 'aproved' (did you mean 'approved'?); "
        "expected one of draft, approved, withdrawn",
    ]


def test_unknown_field_gets_a_suggestion(project):
    project.add("m", MESSAGE_YAML.format(id="m") + "municipalitys: all\n")
    assert errors(project) == ["messages/m/message.yaml:11: municipalitys: unknown field (did you mean 'municipalities'?)"]


def test_unknown_field_in_front_matter(project):
    project.add("m", texts={"et": TEXT_MD.format(title="T", summary="S").replace("title:", "titel:")})
    assert errors(project) == [
        "messages/m/et.md:2: titel: unknown field (did you mean 'title'?)",
        "messages/m/et.md:2: title: required field is missing",
    ]


def test_bad_date(project):
    project.add("m", MESSAGE_YAML.format(id="m").replace("2026-11-02", "2026-13-02"))
    assert errors(project) == ["messages/m/message.yaml:2: date: '2026-13-02' is not a date; "
                               "write it as YYYY-MM-DD, e.g. 2026-03-12"]


def test_date_time_without_time_zone(project):
    project.add("m", MESSAGE_YAML.format(id="m") + "embargo: 2026-12-01 10:00\n")
    assert errors(project) == ["messages/m/message.yaml:11: embargo: '2026-12-01 10:00' has no time zone; "
                               "write it as '2026-03-12 18:00 Europe/Tallinn'"]


def test_unknown_time_zone(project):
    project.add("m", MESSAGE_YAML.format(id="m") + "embargo: 2026-12-01 10:00 Europe/Võru\n")
    assert errors(project) == ["messages/m/message.yaml:11: embargo: unknown time zone 'Europe/Võru' in "
                               "'2026-12-01 10:00 Europe/Võru'; use a name like Europe/Tallinn"]


def test_yaml_time_is_never_read_as_sexagesimal(project):
    """YAML 1.1 reads 18:00 as 1080. Here it stays the text '18:00' and is checked as a date-time."""
    project.add("m", MESSAGE_YAML.format(id="m") + "event:\n  start: 18:00\n  venues: {rouge: Rõuge rahvamaja}\n")
    assert errors(project) == ["messages/m/message.yaml:12: event.start: '18:00' is not a date and time; "
                               "write it as '2026-03-12 18:00 Europe/Tallinn'"]


@pytest.mark.parametrize("word", ["no", "on", "yes", "off"])
def test_yaml_booleans_are_never_guessed(project, word):
    project.add("m", MESSAGE_YAML.format(id="m") + f"tartu2024: {word}\n")
    assert errors(project) == [f"messages/m/message.yaml:11: tartu2024: write true or false, not '{word}' "
                               "(YAML 1.1 would read it as a boolean by guess)"]


def test_id_with_leading_zero_stays_as_written(project):
    """YAML 1.1 reads 0123 as the octal 83; the id must stay '0123'."""
    project.add("m", MESSAGE_YAML.format(id="0123"))
    settings = project.settings
    brand, _ = load_brand(settings.brand_dir, settings.root)
    assert [m.id for m in load_content(settings, brand).messages] == ["0123"]


def test_duplicate_ids_even_in_different_case(project):
    project.add("a", MESSAGE_YAML.format(id="koosloome"))
    project.add("b", MESSAGE_YAML.format(id="Koosloome"))
    assert errors(project) == [
        "messages/b/message.yaml:1: id: 'Koosloome' is already the id of messages/a "
        "(ids must differ in more than letter case)",
        "messages/b/message.yaml:1: id: 'Koosloome' is not a valid id; use lowercase letters, digits and "
        "hyphens, e.g. loov-voru-maakond",
    ]


def test_invalid_language_tag(project):
    texts = {"et": TEXT_MD.format(title="T", summary="S"), "EST": TEXT_MD.format(title="T", summary="S")}
    project.add("m", texts=texts)
    assert errors(project) == ["messages/m/EST.md: 'EST' is not a language tag kit knows; name the file "
                               "after one of et, en (e.g. et.md)"]


def test_unknown_municipality_and_theme(project):
    text = MESSAGE_YAML.format(id="m").replace("[voru-linn, rouge]", "[voru-linn, rõuge]").replace(
        "[kultuur-ja-eripara]", "[kultuur]")
    project.add("m", text)
    assert errors(project) == [
        "messages/m/message.yaml:4: themes.0: unknown theme 'kultuur'; expected one of kestlik-kogukond, "
        "majandus, heaolu, tark-juhtimine, kultuur-ja-eripara",
        "messages/m/message.yaml:5: municipalities.1: unknown municipality 'rõuge' (did you mean 'rouge'?); "
        "expected one of voru-linn, voru-vald, antsla, rouge, setomaa",
    ]


def test_missing_image(project):
    folder = project.add("m")
    (folder / "hero.jpg").unlink()
    assert errors(project) == ["messages/m/message.yaml:8: image.file: image file 'hero.jpg' is missing"]


def test_file_that_is_not_an_image(project):
    folder = project.add("m")
    (folder / "hero.jpg").write_text("this is no JPEG")
    assert errors(project) == ["messages/m/message.yaml:8: image.file: 'hero.jpg' is not an image Pillow can "
                               "read (JPEG, PNG or WebP)"]


def test_image_too_large_to_open_safely(project):
    folder = project.add("m")
    Image.new("1", (9000, 9000)).save(folder / "hero.png")  # 81 megapixels, a few kilobytes on disk
    project.write("messages/m/message.yaml", MESSAGE_YAML.format(id="m").replace("hero.jpg", "hero.png"))
    assert errors(project) == ["messages/m/message.yaml:8: image.file: 'hero.png' is too large to open safely "
                               "(9000×9000 px; at most 40 megapixels)"]


@pytest.mark.parametrize("path", ["../other/hero.jpg", "/etc/passwd"])
def test_paths_that_leave_the_message_folder(project, path):
    project.add("m", MESSAGE_YAML.format(id="m").replace("file: hero.jpg", f"file: {path}"))
    assert errors(project) == [f"messages/m/message.yaml:8: image.file: '{path}' leaves the message folder; "
                               "put the file in messages/m/ and name it relative to it"]


def test_symlink_out_of_the_message_folder(project, tmp_path):
    folder = project.add("m")
    outside = tmp_path / "secret.jpg"
    (folder / "hero.jpg").rename(outside)
    os.symlink(outside, folder / "hero.jpg")
    assert errors(project) == ["messages/m/message.yaml:8: image.file: 'hero.jpg' is a link to a file outside "
                               "the message folder; copy the file in instead"]


def test_file_that_is_not_utf8(project):
    folder = project.add("m")
    (folder / "et.md").write_bytes(TEXT_MD.format(title="Tule töötuppa", summary="S").encode("cp1257"))
    assert errors(project) == ["messages/m/et.md:2: not UTF-8 (byte 0xF6); save the file as UTF-8"]


def test_control_characters_from_a_word_processor(project):
    project.add("m", texts={"et": TEXT_MD.format(title="Tule\x0btöötuppa", summary="S\u200bS")})
    assert errors(project) == [
        "messages/m/et.md:2: title: control character U+000B control character at column 12; "
        "delete it (often pasted from a word processor)",
        "messages/m/et.md:3: summary: control character U+200B ZERO WIDTH SPACE at column 11; "
        "delete it (often pasted from a word processor)",
    ]


def test_text_with_colon_needs_quotes(project):
    project.add("m", texts={"et": TEXT_MD.format(title="Kell: 18", summary="S")})
    assert errors(project) == ["messages/m/et.md:2: not valid YAML: mapping values are not allowed here; "
                               "a text containing ': ' must be put in quotes"]


def test_all_problems_are_reported_at_once(project):
    project.add("a", MESSAGE_YAML.format(id="a").replace("status: approved", "status: aproved"))
    project.add("b", MESSAGE_YAML.format(id="b").replace("2026-11-02", "2. nov"))
    assert len(errors(project)) == 2


def test_brand_colour_that_is_not_a_colour(project):
    path = project.root / "brand" / "tokens.yaml"
    path.write_text(path.read_text().replace('forest: "#1E4C0E"', 'forest: "green-ish"'))
    _, problems = load_brand(project.root / "brand", project.root)
    assert [str(p) for p in problems] == ["brand/tokens.yaml:5: colors.forest: 'green-ish' is not a colour; "
                                          "write it as #RRGGBB, e.g. #1E4C0E"]


def test_font_file_missing(project):
    (project.root / "brand" / "fonts" / "Inter-Italic.otf").unlink()
    _, problems = load_brand(project.root / "brand", project.root)
    assert [str(p) for p in problems] == ["brand/tokens.yaml:33: fonts.italic: font file 'fonts/Inter-Italic.otf' is missing"]


@pytest.mark.parametrize("cut", [lambda font: b"garbage\n", lambda font: font[:3000]], ids=["text", "truncated"])
def test_font_file_that_is_not_a_font(project, cut):
    """A broken font was a traceback from fontTools: it is the brand's problem, named with its field."""
    path = project.root / "brand" / "fonts" / "Inter-Italic.otf"
    path.write_bytes(cut(path.read_bytes()))
    _, problems = load_brand(project.root / "brand", project.root)
    assert len(problems) == 1 and str(problems[0]).startswith(
        "brand/tokens.yaml:33: fonts.italic: font file 'fonts/Inter-Italic.otf' cannot be read as a font (")
    assert str(problems[0]).endswith("); replace it with the font's .otf or .ttf file")

def test_font_lacking_glyphs(project):
    """A font cut down to Latin-1 (as many web fonts are) lacks the Võro, Latvian and Cyrillic letters."""
    from fontTools import subset

    fonts = project.root / "brand" / "fonts"
    options = subset.Options()
    font = subset.load_font(str(fonts / "Inter-Italic.otf"), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(0x20, 0x100))
    subsetter.subset(font)
    subset.save_font(font, str(fonts / "Latin1.otf"), options)
    path = project.root / "brand" / "tokens.yaml"
    path.write_text(path.read_text().replace("fonts/Inter-Italic.otf", "fonts/Latin1.otf"))
    _, problems = load_brand(project.root / "brand", project.root)
    assert [str(p) for p in problems] == [
        "brand/tokens.yaml:33: fonts.italic: font 'fonts/Latin1.otf' lacks glyphs of the required set: U+0161, "
        "U+017E, U+0160, U+017D, U+0143, U+0154, U+015A, U+0139, U+013D, U+010E, U+0164, U+01F4 and 112 more"]
