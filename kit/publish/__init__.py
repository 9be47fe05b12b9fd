"""`kit publish`: outputs/site to a target chosen by its URL scheme, sending only what changed.

Order matters to readers: files first, then pages and feeds staged under temporary names and moved into
place together at the end, then old files deleted, then the manifest. A run that fails midway leaves the
published pages and feeds at the previous complete release; the next run converges.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from kit.config import Settings
from kit.errors import PublishError

MANIFEST = ".kit-publish.json"


class Target(Protocol):
    def read_manifest(self) -> dict[str, str]: ...
    def put(self, rel: str, data: bytes) -> None: ...
    def move(self, source: str, rel: str) -> None: ...
    def delete(self, rel: str) -> None: ...


@dataclass(frozen=True)
class PublishReport:
    sent: int
    deleted: int
    unchanged: int
    feeds: tuple[str, ...]


def local_manifest(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def stage(rel: str) -> bool:
    """Pages and feeds go live together at the end; everything else can land early."""
    return rel.endswith(".html") or rel.startswith("feeds/")


def open_target(url: str, settings: Settings) -> Target:
    scheme = urlparse(url).scheme
    if scheme in ("http", "https"):
        from kit.publish.webdav import WebDavTarget

        return WebDavTarget(url)
    if scheme in ("", "file"):
        from kit.publish.folder import FolderTarget

        path = Path(urlparse(url).path if scheme == "file" else url)
        return FolderTarget(path if path.is_absolute() else settings.root / path)
    raise PublishError(f"no publisher for '{scheme}://' targets; use a folder or an http(s) WebDAV address")


def publish(settings: Settings, target_url: str | None = None) -> PublishReport:
    site = settings.out / "site"
    if not (site / "index.html").is_file():
        raise PublishError(f"{site} has no site yet; run kit build first")
    target = open_target(target_url or settings.publish_target, settings)
    wanted, remote = local_manifest(site), target.read_manifest()
    changed = [rel for rel, digest in wanted.items() if remote.get(rel) != digest]
    for rel in (r for r in changed if not stage(r)):
        target.put(rel, (site / rel).read_bytes())
    staged = [r for r in changed if stage(r)]
    for rel in staged:
        target.put(f"{rel}.kit-new", (site / rel).read_bytes())
    for rel in sorted(staged, key=lambda r: r.startswith("feeds/")):  # pages before feeds
        target.move(f"{rel}.kit-new", rel)
    gone = [rel for rel in remote if rel not in wanted]
    for rel in gone:
        target.delete(rel)
    target.put(MANIFEST, json.dumps(wanted, indent=0, sort_keys=True).encode())
    feeds = tuple(r for r in wanted if r.startswith("feeds/") and "/archive/" not in r and r.endswith(".atom"))
    return PublishReport(sent=len(changed), deleted=len(gone), unchanged=len(wanted) - len(changed), feeds=feeds)
