"""Zip bundles per municipality and per message, each with a SHA256SUMS list inside; deterministic bytes.

Bundles are a municipality's current material, what its staff print and post this month, so their size follows
what is current, not the history: a municipality's bundle holds the files of its public messages that went public
in the last `BUNDLE_DAYS` days or whose event is not over yet, and at least of its newest
`BUNDLE_AT_LEAST` messages (a quiet municipality still has its latest material in one download). A message has a
bundle of its own while it is current for a municipality it serves. Older messages are downloaded file by file from
their pages, or with `kit pull`. A zip is streamed to disk file by file (through the writer), so memory does not
grow with its size.
"""
from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, timedelta
from typing import BinaryIO

from kit.site.catalog import Catalog, SiteFile

STORED = (".jpg", ".png", ".pdf", ".zip", ".docx")  # already compressed: deflating only costs time
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
BUNDLE_DAYS = 31  # a month: what a municipality prints and posts now
BUNDLE_AT_LEAST = 3  # a quiet municipality still gets its latest material


def zip_bundle(files: list[SiteFile], handle: BinaryIO) -> None:
    """Write the zip of `files` into `handle` (seekable), one member at a time."""
    with zipfile.ZipFile(handle, "w") as archive:
        for file in sorted(files, key=lambda f: f.path):
            with file.source.open("rb") as source:
                _add(archive, file.path, source, file.source.stat().st_size)
        sums = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path)).encode()
        _add(archive, "SHA256SUMS", _Bytes(sums), len(sums))


class _Bytes:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        chunk, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return chunk


def _add(archive: zipfile.ZipFile, name: str, source, size: int) -> None:
    """One member, copied in chunks. The size is set first, as `writestr` does, so the bytes are the same."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED if name.endswith(STORED) else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size
    with archive.open(info, "w") as member:
        shutil.copyfileobj(source, member, 1 << 20)


def current_messages(catalog: Catalog, municipality: str, now: datetime) -> list[str]:
    """The ids of a municipality's current public messages (see the module's text), newest first."""
    serving = [m for m in catalog.messages.values() if m is not None and municipality in m.municipalities]
    serving.sort(key=lambda m: (m.published, m.id), reverse=True)
    since = now - timedelta(days=BUNDLE_DAYS)
    return [m.id for rank, m in enumerate(serving)
            if rank < BUNDLE_AT_LEAST or m.published >= since or (m.event and (m.event.end or m.event.start) >= now)]


def bundle_sets(catalog: Catalog, municipalities, now: datetime) -> dict[str, list[SiteFile]]:
    """bundles/<municipality>.zip: that municipality's current messages' files (its own posters, no other's);
    bundles/message-<id>.zip: all of a current message."""
    current = {municipality: set(current_messages(catalog, municipality, now)) for municipality in municipalities}
    sets: dict[str, list[SiteFile]] = {}
    for (_lang, message_id), files in catalog.listing.items():
        files = [f for f in files if f.offered]
        mine = [municipality for municipality in municipalities if message_id in current[municipality]]
        if mine:
            sets.setdefault(f"bundles/message-{message_id}.zip", []).extend(files)
        for municipality in mine:
            sets.setdefault(f"bundles/{municipality}.zip", []).extend(
                f for f in files if f.municipality in ("", municipality))
    return {name: _unique(files) for name, files in sorted(sets.items()) if files}


def _unique(files: list[SiteFile]) -> list[SiteFile]:
    return list({f.path: f for f in files}.values())
