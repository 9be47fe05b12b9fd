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
    """bundles/<municipality>.zip: everything for that municipality; bundles/<message>.zip: all of a message."""
    sets: dict[str, list[SiteFile]] = {}
    for (_lang, message_id), files in catalog.listing.items():
        for file in files:
            if file.is_preview:
                continue
            sets.setdefault(f"bundles/message-{message_id}.zip", []).append(file)
    for municipality in municipalities:
        for (_lang, message_id), files in catalog.listing.items():
            sets.setdefault(f"bundles/{municipality}.zip", [])
            sets[f"bundles/{municipality}.zip"] += [f for f in files if not f.is_preview and f.municipality in ("", municipality)
                                                    and _for(catalog, message_id, municipality)]
    return {name: _unique(files) for name, files in sets.items() if files}


def _for(catalog: Catalog, message_id: str, municipality: str) -> bool:
    entry = next((e for e in catalog.entries if e.message.id == message_id), None)
    return entry is not None and municipality in entry.message.municipalities


def _unique(files: list[SiteFile]) -> list[SiteFile]:
    return list({f.path: f for f in files}.values())
