"""WeasyPrint's system libraries are looked up once per machine (kit/libraries.py): each lookup it makes by name runs
ldconfig, gcc and ld, a quarter of a second of every build that renders a PDF."""
from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
import textwrap

from kit import libraries
from kit.libraries import lookups_kept

# A build in a process of its own (WeasyPrint is imported once per process), counting the lookups that reach
# ctypes: those kit/libraries.py did not answer from what it kept.
BUILD_COUNTING_LOOKUPS = textwrap.dedent("""\
    import ctypes.util, sys
    real = ctypes.util.find_library
    asked = []
    ctypes.util.find_library = lambda name: asked.append(name) or real(name)
    from kit.cli import main
    try:
        main(sys.argv[1:])
    finally:
        print(f"lookups {len(asked)}", file=sys.stderr)
""")


def _build_in_a_new_process(root, env=None) -> int:
    """The lookups the build's WeasyPrint import asked of the machine."""
    done = subprocess.run([sys.executable, "-c", BUILD_COUNTING_LOOKUPS, "--root", str(root), "build", "--kind",
                           "poster", "--workers", "1", "--now", "2026-11-10T12:00"],
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stderr.rsplit("lookups ", 1)[1])


def test_a_build_asks_the_machine_for_weasyprints_libraries_once_until_the_machine_changes(one_message):
    assert _build_in_a_new_process(one_message.root) >= 4  # Pango, HarfBuzz, fontconfig, GObject: found anew
    poster = one_message.root / "outputs/kit/posters/koosloome/et/rouge-A4.pdf"
    before = poster.read_bytes()
    edited = one_message.root / "messages/koosloome/et.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("töötuppa", "töötuppa nüüd"), encoding="utf-8")
    assert _build_in_a_new_process(one_message.root) == 0  # no library looked up...
    assert poster.read_bytes() != before  # ... though WeasyPrint rendered the edited posters
    # Another library search path is another machine as far as the answers go: they are found again.
    edited.write_text(edited.read_text(encoding="utf-8").replace("nüüd", "täna"), encoding="utf-8")
    assert _build_in_a_new_process(one_message.root, {"LD_LIBRARY_PATH": str(one_message.root)}) >= 4


def test_a_kept_answer_is_the_machines_own_and_the_lookup_is_ctypes_again_afterwards(monkeypatch):
    monkeypatch.setattr(libraries, "FOUND", libraries._Lookups())  # a process of its own
    real = ctypes.util.find_library
    asked: list[str] = []
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: asked.append(name) or real(name))
    counting = ctypes.util.find_library
    with lookups_kept():
        first = [ctypes.util.find_library(name) for name in ("pango-1.0", "no-such-library-at-all")]
        again = [ctypes.util.find_library(name) for name in ("pango-1.0", "no-such-library-at-all")]
    assert first == again == [real("pango-1.0"), None] and first[0]
    assert asked == ["pango-1.0", "no-such-library-at-all"]  # each asked once
    assert ctypes.util.find_library is counting  # outside, nothing is answered from the memo

    kept = libraries.FOUND.kept()
    monkeypatch.setattr(libraries, "FOUND", libraries._Lookups())  # the next process
    libraries.FOUND.take(kept)
    asked.clear()
    with lookups_kept():
        assert ctypes.util.find_library("pango-1.0") == first[0] and asked == []
    assert libraries.FOUND.kept() == kept  # kept whole, though one of two was asked: nothing to write

    monkeypatch.setenv("LD_LIBRARY_PATH", "/elsewhere")  # another machine, as far as the answers go
    assert libraries.FOUND.kept() == {}
    with lookups_kept():
        assert ctypes.util.find_library("pango-1.0") == first[0] and asked == ["pango-1.0"]
