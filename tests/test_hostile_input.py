"""Hostile input never hangs kit and never reaches a user as an internal error or a traceback.

Each case runs the real CLI (`python -m kit check`) in a subprocess with a deadline: a hang fails the test
instead of stalling the suite, and the output is what a user would see.
"""
import io
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import MESSAGE_YAML, TEXT_MD

DEADLINE = 20  # seconds; each case finishes in about one


def kit_check(project) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), "check"],
                            capture_output=True, text=True, timeout=DEADLINE, env=env)
    return result.returncode, result.stdout + result.stderr


def assert_named_error(project, expected: str) -> None:
    code, out = kit_check(project)
    assert code == 1, out
    assert expected in out.splitlines(), out
    assert "internal error" not in out and "Traceback" not in out, out


# A nine-level "billion laughs": 342 bytes that expand into 9^9 strings if aliases are followed.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def test_alias_bomb_in_message_yaml(project):
    project.add("m", MESSAGE_YAML.format(id="m") + "event:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines()))
    assert_named_error(project, "messages/m/message.yaml:13: event.b.0: YAML aliases (*name) are not supported; "
                                "write the value out in full")


def test_alias_bomb_in_front_matter(project):
    project.add("m", texts={"et": "---\n" + BOMB + "title: T\nsummary: S\n---\nSõnumi tekst.\n"})
    assert_named_error(project, "messages/m/et.md:3: b.0: YAML aliases (*name) are not supported; "
                                "write the value out in full")


def test_oversized_text_file(project):
    body = "Lorem ipsum dolor sit amet. " * 10_000  # 280 KB
    project.add("m", texts={"et": TEXT_MD.format(title="T", summary="S") + body})
    assert_named_error(project, "messages/m/et.md: is larger than 256 KB, the most kit reads from one text file; "
                                "shorten it")


def test_oversized_front_matter(project):
    project.add("m", texts={"et": f"---\ntitle: T\nsummary: {'S' * 40_000}\n---\nSõnumi tekst.\n"})
    assert_named_error(project, "messages/m/et.md:2: 39 KB of YAML is more than the 32 KB kit reads "
                                "(in a <lang>.md, long text belongs in the body)")


def photo(size=(2400, 1600), mode="RGB") -> Image.Image:
    """Noise, so that the encoded file is long and a cut lands in the middle of the picture data."""
    pixels = (np.random.default_rng(1).random((size[1], size[0], 3)) * 255).astype("uint8")
    return Image.fromarray(pixels).convert(mode)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def with_image(project, name: str, data: bytes) -> None:
    folder = project.add("m", MESSAGE_YAML.format(id="m").replace("hero.jpg", name))
    (folder / "hero.jpg").unlink()
    (folder / name).write_bytes(data)


def cut(data: bytes) -> bytes:
    return data[: len(data) * 6 // 10]


def sixteen_bit_grey() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((np.random.default_rng(2).random((1600, 2400)) * 65535).astype("uint16")).save(buffer, "PNG")
    return buffer.getvalue()


IMAGE = "messages/m/message.yaml:8: image.file: "


@pytest.mark.parametrize("name, data, expected", [
    ("hero.jpg", lambda: cut(encoded(photo(), "JPEG", quality=85)),
     "'hero.jpg' is damaged or incomplete (image file is truncated (8 bytes not processed)); "
     "copy or export the image again"),
    ("hero.png", lambda: cut(encoded(photo((800, 600)), "PNG")),
     "'hero.png' is damaged or incomplete (image file is truncated); copy or export the image again"),
    ("hero.png", sixteen_bit_grey,
     "'hero.png' has I;16 pixels (16-bit greyscale or similar), which the renderers cannot use; "
     "save it as an 8-bit RGB JPEG or PNG"),
    ("hero.webp", lambda: cut(encoded(photo((800, 600)), "WEBP")),
     "'hero.webp' is not an image Pillow can read (JPEG, PNG or WebP)"),
    ("hero.jpg", lambda: b"", "'hero.jpg' is not an image Pillow can read (JPEG, PNG or WebP)"),
], ids=["truncated-jpeg", "truncated-png", "16-bit-png", "truncated-webp", "empty-file"])
def test_broken_image(project, name, data, expected):
    with_image(project, name, data())
    assert_named_error(project, IMAGE + expected)


def test_truncated_jpeg_is_caught_after_weasyprint_is_loaded(project):
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported; a build's load
    stage may run after that, and must still refuse the file."""
    import weasyprint  # noqa: F401 - imported for its side effect on Pillow

    from tests.test_validation import errors

    with_image(project, "hero.jpg", cut(encoded(photo(), "JPEG", quality=85)))
    assert errors(project) == [IMAGE + "'hero.jpg' is damaged or incomplete (image file is truncated "
                                       "(8 bytes not processed)); copy or export the image again"]


@pytest.mark.parametrize("mode, fmt", [("CMYK", "JPEG"), ("RGBA", "PNG"), ("L", "PNG"), ("P", "PNG")])
def test_image_modes_the_renderers_handle_pass(project, mode, fmt):
    from tests.test_validation import errors

    with_image(project, f"hero.{fmt.lower()}", encoded(photo(mode=mode), fmt))
    assert errors(project) == []


def test_text_file_that_is_a_pipe(project):
    """Reading a named pipe would wait forever for a writer."""
    folder = project.add("m")
    (folder / "en.md").unlink()
    os.mkfifo(folder / "en.md")
    assert_named_error(project, "messages/m/en.md: is not a regular file; replace it with a text file")


def test_text_file_linked_from_outside(project, tmp_path):
    folder = project.add("m")
    (folder / "en.md").unlink()
    os.symlink("/dev/zero", folder / "en.md")  # would never end
    assert_named_error(project, "messages/m/en.md: is a link to a file outside the message folder; "
                                "copy the file in instead")


def test_messages_folder_missing(project):
    (project.root / "messages").rmdir()
    assert_named_error(project, "messages: missing: kit reads the messages from this folder "
                                "(create it, or run kit new my-message)")


FIELD = "messages/m/message.yaml:"


@pytest.mark.parametrize("meta, expected", [
    (MESSAGE_YAML.format(id="m") + "embargo: 2026-12-01 10:00 +99:00\n",
     FIELD + "11: embargo: '+99:00' in '2026-12-01 10:00 +99:00' is not a UTC offset; write one like +02:00"),
    (MESSAGE_YAML.format(id="m").replace("https://www.vorumaa.ee/test", "https://[::1"),
     FIELD + "6: cta_url: 'https://[::1' is not an absolute https:// address"),
    (MESSAGE_YAML.format(id="m").replace("https://www.vorumaa.ee/test", "https://www.vorumaa.ee:99999/"),
     FIELD + "6: cta_url: 'https://www.vorumaa.ee:99999/' is not an absolute https:// address"),
    (MESSAGE_YAML.format(id="m") + "tartu2024: " + "[" * 30 + "]" * 30 + "\n",
     FIELD + "11: nested more than 20 levels deep"),
    (MESSAGE_YAML.format(id="m") + "? [a, b]\n: c\n",
     FIELD + "11: a field name must be plain text, not a list, a mapping or an alias"),
    (MESSAGE_YAML.format(id="m").replace("2026-11-02", "2026-02-30"),
     FIELD + "2: date: '2026-02-30' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-12"),
    (MESSAGE_YAML.format(id="m") + "event:\n  start: 2026-12-05 18:00 Europe/Tallinn\n"
     "  end: 2026-12-05 16:00 Europe/Tallinn\n  venues: {all: Rõuge rahvamaja}\n",
     FIELD + "13: event.end: is before the start"),
], ids=["utc-offset-out-of-range", "unclosed-ipv6-bracket", "port-out-of-range", "deep-nesting", "list-as-key",
        "30-february", "event-ends-before-start"])
def test_bad_message_yaml(project, meta, expected):
    project.add("m", meta)
    assert_named_error(project, expected)


def test_message_yaml_that_is_not_utf8(project):
    folder = project.add("m")
    (folder / "message.yaml").write_bytes(MESSAGE_YAML.format(id="m").replace("Test Pilt", "Tõnu Pilt").encode("latin-1"))
    assert_named_error(project, FIELD + "10: not UTF-8 (byte 0xF5); save the file as UTF-8")


TEXT = TEXT_MD.format(title="T", summary="S")


@pytest.mark.parametrize("text, expected", [
    (TEXT + "\n" + "[" * 20_000 + "\n",
     "messages/m/et.md:11: body: has too many '[' or '<' for Markdown to read in good time; "
     "remove the stray ones or split the paragraph"),
    (TEXT + "\n" + "1. " * 1000 + "\n",
     "messages/m/et.md:9: body: nests lists or quotes too deeply for Markdown (as in '1. 1. 1. …'); "
     "remove the extra markers"),
    (TEXT.replace("  - Teine punkt", "  - '" + "<a " * 3000 + "'"),
     "messages/m/et.md:6: points.1: has too many '[' or '<' for Markdown to read in good time; "
     "remove the stray ones or split the paragraph"),
], ids=["unclosed-brackets-in-body", "nested-lists-in-body", "unclosed-tags-in-point"])
def test_markdown_that_would_hang_or_crash_a_renderer(project, text, expected):
    project.add("m", texts={"et": text})
    assert_named_error(project, expected)
