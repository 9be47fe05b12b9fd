"""Zip bundles per municipality and per message, each with a SHA256SUMS list inside; deterministic bytes."""
from __future__ import annotations

import io
import zipfile

from kit.site.catalog import Catalog, SiteFile

STORED = (".jpg", ".png", ".pdf", ".zip", ".docx")  # already compressed: deflating only costs time
FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def zip_bundle(files: list[SiteFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(files, key=lambda f: f.path):
            _add(archive, file.path, file.source.read_bytes())
        sums = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path))
        _add(archive, "SHA256SUMS", sums.encode())
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED if name.endswith(STORED) else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def bundle_sets(catalog: Catalog, municipalities) -> dict[str, list[SiteFile]]:
    """bundles/<municipality>.zip: everything for that municipality; bundles/message-<id>.zip: all of a message."""
    serves = {entry.message.id: entry.message.municipalities for entry in catalog.entries}
    sets: dict[str, list[SiteFile]] = {}
    for (_lang, message_id), files in catalog.listing.items():
        files = [f for f in files if f.offered]
        sets.setdefault(f"bundles/message-{message_id}.zip", []).extend(files)
        for municipality in municipalities:
            if municipality in serves.get(message_id, ()):
                mine = [f for f in files if f.municipality in ("", municipality)]
                sets.setdefault(f"bundles/{municipality}.zip", []).extend(mine)
    return {name: _unique(files) for name, files in sorted(sets.items()) if files}


def _unique(files: list[SiteFile]) -> list[SiteFile]:
    return list({f.path: f for f in files}.values())
