"""Caches of what is read from a file (a decoded photo, a font, a layout), keyed by the file's version as well
as its path. One process may build many times (a preview server, a watcher, tests): a photo replaced between
two builds must be read again, never served from memory under its old name."""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache, wraps
from pathlib import Path


def file_version(path: Path | str) -> tuple[int, int, int, int]:
    """What changes whenever the file's bytes do: replaced (inode), rewritten (size, mtime), or copied in
    with its old timestamps kept (ctime, which no user tool can set back)."""
    stat = os.stat(path)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def folder_version(folder: Path) -> tuple:
    """The versions of every file under `folder` (a stylesheet may load any file of its brand folder)."""
    return tuple(sorted((p.relative_to(folder).as_posix(), file_version(p)) for p in folder.rglob("*") if p.is_file()))


def folder_digest(folder: Path) -> str:
    """The SHA-256 of every file under `folder`, with its name: for a folder whose files the build itself links
    (the brand's mark and font licences are hard-linked into the site, which changes their ctime)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_version() -> tuple:
    """The versions of kit's own files (code, templates, labels): what a memo of kit's work depends on besides
    its inputs. Once per process: a kit upgraded under a running process is not a case to serve."""
    package = Path(__file__).parent
    return tuple(sorted((p.relative_to(package).as_posix(), file_version(p)) for p in package.rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts))


class Kept:
    """A cache kept across processes: values by a key that holds everything a value follows from. The build saves
    what its process found or used (`kept`) in the store, and the next process takes it (`take`): kit/found.py."""

    def __init__(self) -> None:
        self._values: dict = {}
        self._used: set = set()

    def get(self, key, find):
        """The value kept for `key`, or `find()` now."""
        if key not in self._values:
            self._values[key] = find()
        self._used.add(key)
        return self._values[key]

    def take(self, memo) -> None:
        """What an earlier process kept; anything but a dict is ignored (a memo is only ever a shortcut)."""
        if isinstance(memo, dict):
            self._values.update(memo)

    def kept(self) -> dict:
        """What this process found or used, for the next one."""
        return {key: self._values[key] for key in self._used}

    def clear(self) -> None:
        self._values.clear()
        self._used.clear()


def by_file_version(maxsize: int):
    """lru_cache for a function whose first argument is a file path: the cache key adds the file's version,
    so an edited or replaced file is read again (a stat per call: microseconds beside what is cached)."""
    def decorate(function):
        @lru_cache(maxsize=maxsize)
        def cached(path, version, *args):
            return function(path, *args)

        @wraps(function)
        def wrapper(path, *args):
            return cached(path, file_version(path), *args)

        wrapper.cache_clear = cached.cache_clear
        wrapper.cache_info = cached.cache_info
        return wrapper
    return decorate
