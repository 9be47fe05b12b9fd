"""What may be published, as typed objects: the public messages and their finished files.

Only approved messages past their embargo and before their expiry are here; drafts, embargoed and
withdrawn messages have no entry, so no page, feed or bundle can name or contain them.
"""
from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

from kit.model import Job, Message
from kit.render import RenderContext
from kit.store import Store

TAG_AUTHORITY = "tag:loov.vorumaa.ee,2026:"  # fixed forever: entry ids must never change
MEDIA_TYPES = {".atom": "application/atom+xml", ".rss": "application/rss+xml", ".json": "application/json",
               ".txt": "text/plain", ".eml": "message/rfc822", ".md": "text/markdown",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class SiteFile:
    path: str  # relative to outputs/kit and to outputs/site/files
    source: Path
    kind: str  # renderer name: social, poster, newsletter, press
    variant: str
    lang: str
    municipality: str  # "" when the file is for every municipality
    size: int
    sha256: str

    @property
    def media_type(self) -> str:
        suffix = Path(self.path).suffix
        return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(self.path)[0] or "application/octet-stream"

    @property
    def href(self) -> str:
        """The address pages and feeds give, relative to the site: named by content, so a published copy never
        changes and a page's SHA-256 always matches what is served (files/<path> holds the latest copy)."""
        return f"v/{self.sha256[:16]}/files/{self.path}"

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def is_preview(self) -> bool:
        return self.kind == "poster" and self.path.endswith(".png")


@dataclass(frozen=True)
class Entry:
    """One public message in one language it was really written in (fallbacks get no feed entry)."""

    message: Message
    lang: str
    files: tuple[SiteFile, ...]

    @property
    def id(self) -> str:
        return f"{TAG_AUTHORITY}message/{self.message.id}/{self.lang}"

    @property
    def published(self) -> datetime:
        return self.message.published

    @property
    def updated(self) -> datetime:
        return max(self.message.updated, self.published)

    def for_municipality(self, municipality: str) -> tuple[SiteFile, ...]:
        return tuple(f for f in self.files if f.municipality in ("", municipality))


@dataclass(frozen=True)
class Catalog:
    entries: tuple[Entry, ...]  # newest first
    listing: dict  # (lang, message id) -> tuple[SiteFile, ...] for the download pages (fallbacks included)
    issues: dict  # (lang, issue) -> tuple[SiteFile, ...]: newsletter issues whose every message is public

    @cached_property
    def files(self) -> tuple[SiteFile, ...]:
        seen = {}
        for files in [*self.listing.values(), *self.issues.values()]:
            for file in files:
                seen[file.path] = file
        return tuple(seen[p] for p in sorted(seen))


def build_catalog(ctx: RenderContext, jobs: list[Job], store: Store) -> Catalog:
    files_by: dict[tuple[str, str], list[SiteFile]] = {}
    issues_by: dict[tuple[str, str], list[SiteFile]] = {}
    for job in jobs:
        entry = store.manifest.get(job.key, {})
        if not all(ctx.messages[m].is_public(ctx.now) for m in job.sources) or entry.get("hash") != job.input_hash:
            continue  # not public (draft, embargoed, withdrawn), failed or stale: never published
        target = issues_by if job.members else files_by
        target.setdefault((job.lang, job.message_id), []).extend(_site_files(job, store))
    listing = {key: tuple(sorted(files, key=lambda f: f.path)) for key, files in sorted(files_by.items())}
    entries = [Entry(ctx.messages[mid], lang, files) for (lang, mid), files in listing.items()
               if lang in ctx.messages[mid].translations]
    entries.sort(key=lambda e: (e.published, e.message.id, e.lang), reverse=True)
    issues = {key: tuple(sorted(files, key=lambda f: f.path)) for key, files in sorted(issues_by.items())}
    return Catalog(entries=tuple(entries), listing=listing, issues=issues)


def _site_files(job: Job, store: Store) -> list[SiteFile]:
    """Sizes from the files, checksums from the manifest (the writer hashed the bytes it wrote)."""
    known = store.manifest.get(job.key, {}).get("sha256", {})
    result = []
    for rel in job.outputs:
        source = store.kit_dir / rel
        digest = known.get(rel) or hashlib.sha256(source.read_bytes()).hexdigest()
        result.append(SiteFile(path=rel, source=source, kind=job.kind, variant=job.variant, lang=job.lang,
                               municipality=job.params.get("municipality", ""), size=source.stat().st_size,
                               sha256=digest))
    return result
