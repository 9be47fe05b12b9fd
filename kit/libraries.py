"""The system libraries a renderer's library looks up by name, found once per machine and kept (kit/found.py).

WeasyPrint finds Pango, HarfBuzz, fontconfig and GObject by trying each platform's name for them in turn
(`weasyprint/text/ffi.py`). On Linux every name that is not a file dlopen can load goes to
`ctypes.util.find_library`, which runs `ldconfig -p`, gcc and ld to answer: 22 names, about 50 processes, a
quarter of a second of every build that renders a PDF (0.73 → 0.42 s for WeasyPrint's import, measured). The
answers depend only on the machine's libraries, so they are kept by the dynamic linker's cache and search paths,
which installing or removing a library changes. A stale answer costs no output: a path that no longer loads, or
a name no longer missing, only sends WeasyPrint on to its next name.
"""
from __future__ import annotations

import ctypes.util
import os
from contextlib import contextmanager
from typing import Iterator

from kit.filecache import Kept, file_version

LINKER_CACHE = "/etc/ld.so.cache"  # rewritten by ldconfig whenever the package manager adds or removes a library


def machine_libraries() -> tuple:
    """What find_library's answers follow from: the linker's cache and the paths ld and gcc search."""
    try:
        cache = file_version(LINKER_CACHE)
    except OSError:
        cache = None
    return cache, os.environ.get("LD_LIBRARY_PATH", ""), os.environ.get("LIBRARY_PATH", "")


class _Lookups(Kept):
    def kept(self) -> dict:
        """Every answer found on this machine as it is, asked this time or not: a build that renders no PDF
        imports no WeasyPrint and asks nothing, and the next build that does needs them all."""
        machine = machine_libraries()
        return {key: value for key, value in self._values.items() if key[1] == machine}


FOUND = _Lookups()


@contextmanager
def lookups_kept() -> Iterator[None]:
    """While inside, `ctypes.util.find_library` answers from what was found before (on this machine as it is),
    and finds anew only what it has not seen. For the import of a library that looks its dependencies up."""
    real = ctypes.util.find_library
    machine = machine_libraries()

    def find_library(name: str) -> str | None:
        return FOUND.get((name, machine), lambda: real(name))

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = real
