"""`kit publish`: outputs/site to a target chosen by its URL scheme, sending only what changed.

The promise: every state a reader can observe on the target is one complete release: every link resolves
and every advertised SHA-256 matches the file served. How it is held:

- Files that pages and feeds name live at content-addressed paths (`v/<hash>/files/...`, see
  kit.site.catalog.SiteFile.href), so a published copy is never overwritten; new ones are uploaded first,
  where nothing links to them yet.
- Everything else (pages, feeds, bundles, the `files/<path>` latest copies) is uploaded into a hidden
  staging folder under an unguessable name, then moved into place, leaves first (what is linked before
  what links to it: message pages, feeds, municipality pages, start pages, the index).
- Old files are deleted only after the switch, linking pages before the files they linked.
- Every step is safe to repeat (a MOVE whose answer was lost is recognised by the target's content), so
  a run that fails anywhere leaves a complete release, and the next run converges.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import urlparse

from kit.config import Settings
from kit.errors import PublishError

__all__ = ["publish", "PublishReport", "Target", "open_target", "publishers"]

MANIFEST = ".kit-publish.json"
STAGING = ".kit-staging"  # hidden: deny reads of it on the server (README), and each run's folder is unguessable
IMMUTABLE = "v/"  # content-addressed: a path here never changes its bytes
# Publishers by URL scheme, as Lektor's are: kit's own, and any an installed package adds with an entry point in
# this group (`sftp = "kit_sftp:open_target"`: a callable taking the target URL and the Settings, returning a Target).
ENTRY_POINTS = "kit.publishers"
BUILTIN_PUBLISHERS = {"": "kit.publish.folder:open_folder", "file": "kit.publish.folder:open_folder",
                      "http": "kit.publish.webdav:open_webdav", "https": "kit.publish.webdav:open_webdav"}


class Target(Protocol):
    def read_manifest(self) -> dict[str, str]: ...
    def put(self, rel: str, data: bytes) -> None: ...
    def move(self, source: str, rel: str, sha256: str) -> None:
        """Safe to repeat: if `source` is gone and `rel` already holds `sha256`, the move was done."""
    def delete(self, rel: str) -> None:
        """A file or a folder with everything in it; a missing one is fine."""


@dataclass(frozen=True)
class PublishReport:
    sent: int
    deleted: int
    unchanged: int
    feeds: tuple[str, ...]


def local_manifest(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def move_order(rel: str) -> int:
    """What is linked moves before what links to it: files and bundles, feed archives, the pages of one message
    or newsletter issue, live feeds (their entries link those pages), municipality pages, start pages, the
    index (pages link the feeds)."""
    if rel.startswith(("files/", "bundles/")):
        return 0
    if rel in ("sitemap.xml", "robots.txt"):
        return 7  # the sitemap names every page: it moves with the index, robots.txt names the sitemap
    if rel.startswith("feeds/archive/"):
        return 1
    if rel.startswith("feeds/"):
        return 4
    if not rel.endswith(".html"):
        return 0
    if "/messages/" in rel:
        return 2
    if not rel.endswith("index.html"):
        return 3  # et/newsletters/<issue>.html: it links message pages
    return 7 - rel.count("/")  # et/rouge/index.html 5, et/index.html 6, index.html 7


def publishers() -> dict[str, metadata.EntryPoint]:
    """URL scheme -> the entry point that opens such a target; an installed package may add schemes, not
    replace kit's own."""
    found = {scheme: metadata.EntryPoint(name=scheme, value=value, group=ENTRY_POINTS)
             for scheme, value in BUILTIN_PUBLISHERS.items()}
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        found.setdefault(entry.name, entry)
    return found


def open_target(url: str, settings: Settings) -> Target:
    scheme = urlparse(url).scheme
    entry = publishers().get(scheme)
    if entry is None:
        known = ", ".join(f"{s}://" for s in sorted(publishers()) if s)
        raise PublishError(f"no publisher for '{scheme}://' targets; use a folder or one of: {known}")
    opener: Callable[[str, Settings], Target] = entry.load()
    return opener(url, settings)


def publish(settings: Settings, target_url: str | None = None) -> PublishReport:
    site = settings.out / "site"
    if not (site / "index.html").is_file():
        raise PublishError(f"{site} has no site yet; run kit build first")
    target = open_target(target_url or settings.publish_target, settings)
    wanted, remote = local_manifest(site), target.read_manifest()
    changed = [rel for rel, digest in wanted.items() if remote.get(rel) != digest]
    target.delete(f"{STAGING}/")  # what a failed run left
    for rel in (r for r in changed if r.startswith(IMMUTABLE)):
        target.put(rel, (site / rel).read_bytes())  # a new name: nothing links to it yet
    switched = sorted((r for r in changed if not r.startswith(IMMUTABLE)), key=lambda r: (move_order(r), r))
    staging = f"{STAGING}/{secrets.token_hex(16)}/"
    for rel in switched:
        target.put(staging + rel, (site / rel).read_bytes())
    for rel in switched:
        target.move(staging + rel, rel, wanted[rel])
    gone = _removals(remote, wanted)
    for rel in gone:
        target.delete(rel)
    target.put(MANIFEST, json.dumps(wanted, indent=0, sort_keys=True).encode())
    target.delete(f"{STAGING}/")
    feeds = tuple(r for r in wanted if r.startswith("feeds/") and "/archive/" not in r and r.endswith(".atom"))
    return PublishReport(sent=len(changed), deleted=len(gone), unchanged=len(wanted) - len(changed), feeds=feeds)


def _removals(remote: dict[str, str], wanted: dict[str, str]) -> list[str]:
    """What the new release no longer has, pages before the files they linked; an old content-addressed
    folder (`v/<hash>/`) goes whole when nothing wanted is in it."""
    kept = {_version_folder(rel) for rel in wanted}
    removals = set()
    for rel in (r for r in remote if r not in wanted):
        folder = _version_folder(rel)
        removals.add(folder if folder and folder not in kept else rel)
    return sorted(removals, key=lambda r: (-move_order(r), r))


def _version_folder(rel: str) -> str:
    return "/".join(rel.split("/")[:2]) + "/" if rel.startswith(IMMUTABLE) else ""
