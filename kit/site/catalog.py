"""What may be published, as typed objects: the public messages and their finished files.

Only approved messages past their embargo and before their expiry are here; drafts, embargoed and
withdrawn messages have no entry, so no page, feed or bundle can name or contain them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property, partial
from operator import attrgetter
from pathlib import Path

from kit.media import media_type
from kit.model import Job, Message
from kit.digest import value_digest
from kit.render import Registry, RenderContext
from kit.site.public import Published, Record, load_record, previous_issue, previous_message
from kit.store import Store

TAG_AUTHORITY = "tag:loov.vorumaa.ee,2026:"  # fixed forever: entry ids must never change
NOT_REBUILT = "it changed and this build did not render it (kit build --message, --kind or --site-only)"


@dataclass(frozen=True)
class SiteFile:
    path: str  # relative to outputs/kit and to outputs/site/files
    location: str  # where it is on disk: in outputs/kit, or a kept version's in outputs/site
    kind: str  # renderer name: social, poster, newsletter, press
    variant: str
    lang: str
    municipality: str  # "" when the file is for every municipality
    size: int
    sha256: str
    # How it appears, from its renderer's presentation (kit/render/__init__.py): role and the file it goes with.
    role: str = "download"
    of: str = ""
    rss_rank: int = 50
    # The language its text is in: `lang`, or Estonian for a Võro listing of a message written only in Estonian
    # ("" in a record an older kit wrote: `lang`).
    text_lang: str = ""

    @property
    def source(self) -> Path:
        return Path(self.location)

    @property
    def media_type(self) -> str:
        return media_type(self.path)

    @property
    def href(self) -> str:
        """The address pages and feeds give, relative to the site: named by content, so a published copy never
        changes and a page's SHA-256 always matches what is served (files/<path> holds the latest copy)."""
        return f"v/{self.sha256[:16]}/files/{self.path}"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]  # a relative POSIX path; no Path object (asked 100 000 times)

    @property
    def is_preview(self) -> bool:
        return self.role == "preview"

    @property
    def offered(self) -> bool:
        """Carried by feeds, bundles and pulls: everything but previews and files a renderer keeps to itself."""
        return self.role not in ("preview", "hidden")


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
    messages: dict = field(default_factory=dict)  # message id -> the version on the site (maybe a kept one)
    held_back: tuple[str, ...] = ()  # one line per message or issue not published whole this build
    published: dict = field(default_factory=dict)  # what the public record must say: see kit/site/public.py
    # message id -> a digest of the version on the site (the message and its files): the key of its public record
    # entry, and what its page data are made from (kit/site/pages.py). Pickling a message is the costly part of
    # a digest, so each is pickled once per build.
    digests: dict = field(default_factory=dict)

    @cached_property
    def files(self) -> tuple[SiteFile, ...]:
        seen = {}
        for files in [*self.listing.values(), *self.issues.values()]:
            for file in files:
                seen[file.path] = file
        return tuple(seen[p] for p in sorted(seen))


def build_catalog(ctx: RenderContext, registry: Registry, jobs: list[Job], store: Store) -> Catalog:
    """Each public message is published whole: every job current, or else its previous public version."""
    record = cache(partial(load_record, store))  # read only if a message or issue is held back (30 MB at 1 000)
    _site_files = _files_of(registry, store, ctx.messages)
    by_message: dict[str, list[Job]] = {}
    # An output made of several messages (a newsletter issue, a municipality calendar) may hold none yet.
    made_of_several = [j for j in jobs if j.sources != (j.message_id,)]
    for job in (j for j in jobs if j.sources == (j.message_id,)):
        by_message.setdefault(job.message_id, []).append(job)
    units, held, held_ids = _messages(ctx, by_message, store, record, _site_files)

    def on_site(mid: str) -> bool:  # a message with no job of its own (a newsletter-only build) is public as it is
        return mid in units or (mid not in by_message and mid in ctx.messages and ctx.messages[mid].is_public(ctx.now))

    issues = {}
    for job in made_of_several:
        if not all(ctx.messages[m].is_public(ctx.now) for m in job.members):
            continue  # an issue goes public with its last message
        key = f"{job.lang}/{job.message_id}"
        waiting = [m for m in job.members if m in held_ids]
        if store.is_current(job) and not waiting:
            issues[key] = Published(files=tuple(_site_files(job)), members=job.members)
            continue
        previous = previous_issue(record(), key, store, SiteFile)
        kept = previous is not None and all(on_site(m) for m in previous.members)
        if previous is not None and kept:
            issues[key] = previous
        reason = (f"its message {', '.join(waiting)} is not published whole" if waiting
                  else "its job failed" if store.failed(job) else NOT_REBUILT)
        held.append(_held_line(f"{job.message_id} ({job.lang})", reason, kept))
    return _catalog(units, issues, tuple(held))


def _messages(ctx: RenderContext, by_message: dict[str, list[Job]], store: Store, record: Callable[[], Record],
              site_files):
    """message id -> Published for every public message (new, or kept), the held-back lines and ids."""
    units, held, held_ids = {}, [], set()
    for mid, mine in by_message.items():
        if not ctx.messages[mid].is_public(ctx.now):
            continue  # draft, embargoed or expired: never published
        failed = [job for job in mine if not store.is_current(job)]
        if not failed:
            units[mid] = Published(files=tuple(f for job in mine for f in site_files(job)),
                                   message=ctx.messages[mid])
            continue
        previous = previous_message(record(), mid, store, SiteFile)
        kept = previous is not None and previous.message is not None and previous.message.is_public(ctx.now)
        if previous is not None and kept:
            units[mid] = previous
        held_ids.add(mid)
        errors = sum(store.failed(job) for job in failed)
        reason = f"{errors} job{'s' if errors > 1 else ''} failed" if errors else NOT_REBUILT
        held.append(_held_line(mid, reason, kept))
    return units, held, held_ids


def _held_line(name: str, reason: str, kept: bool) -> str:
    outcome = "the site keeps its previous version" if kept else "it stays off the site"
    return f"{name}: not published, {reason}; {outcome}"


def _catalog(units: dict, issues: dict, held: tuple[str, ...]) -> Catalog:
    files_by: dict[tuple[str, str], list[SiteFile]] = {}
    for mid, unit in units.items():
        mine: dict[str, list[SiteFile]] = {}
        for file in unit.files:
            mine.setdefault(file.lang, []).append(file)
        files_by.update(((lang, mid), files) for lang, files in mine.items())
    listing = {key: tuple(sorted(files, key=_by_path)) for key, files in sorted(files_by.items())}
    messages = {mid: unit.message for mid, unit in units.items()}
    entries = [Entry(messages[mid], lang, files) for (lang, mid), files in listing.items()
               if lang in messages[mid].translations]
    entries.sort(key=lambda e: (e.published, e.message.id, e.lang), reverse=True)
    issue_files = {tuple(key.split("/", 1)): tuple(sorted(unit.files, key=lambda f: f.path))
                   for key, unit in sorted(issues.items())}
    return Catalog(entries=tuple(entries), listing=listing, issues=issue_files, messages=messages, held_back=held,
                   published={"messages": units, "issues": issues},
                   digests={mid: _digest(unit) for mid, unit in units.items()})


def _digest(unit: Published) -> str:
    """What the pages and feeds that show a message follow: the message as loaded and its files. The files go in
    as tuples of their fields: pickled as dataclasses, each with its field names, they took 0.1 s of every site
    stage at 300 messages, five times as long."""
    return value_digest((unit.message, [tuple(vars(file).values()) for file in unit.files]))


_by_path = attrgetter("path")


def _files_of(registry: Registry, store: Store, messages: Mapping[str, Message]):
    """A current job's files as the site shows them: what the store built, as its renderer presents it."""
    def site_files(job: Job) -> list[SiteFile]:
        presentation = registry.presentation(job.kind)
        message = messages.get(job.message_id) if job.sources == (job.message_id,) else None
        text_lang = message.text(job.lang).lang if message else job.lang  # an issue is in its own language
        municipality = job.params.get("municipality", "")
        result = []
        for path, location, sha256, size in store.built_files(job):
            shown = presentation.show(path)
            result.append(SiteFile(path, location, job.kind, job.variant, job.lang, municipality, size, sha256,
                                   shown.role, shown.of, presentation.rss_rank, text_lang))
        return result
    return site_files
