"""RFC 5005 archived feeds that never change once written.

The live feed keeps the newest entries (between N and 2N-1, N = feed_entries). When 2N entries are not yet
archived, the oldest N become a new archive page. Which entries a page holds, and its exact bytes, are
frozen in outputs/state/ on the build that makes it; later builds copy those bytes, never regenerate them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kit.render import RenderContext
from kit.site.catalog import Entry
from kit.site.feeds import FeedSpec, atom, url
from kit.store import Store

STATE = "state/archives.json"


@dataclass
class ArchiveState:
    pages: dict[str, list[list[str]]] = field(default_factory=dict)  # feed name -> pages of entry ids

    @classmethod
    def load(cls, store: Store) -> "ArchiveState":
        try:
            return cls(json.loads((store.out / STATE).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return cls()

    def save(self, store: Store) -> None:
        store.write_file(STATE, (json.dumps(self.pages, indent=1, sort_keys=True) + "\n").encode())


def archive_path(name: str, number: int) -> str:
    return f"feeds/archive/{name}-{number}.atom"


def split(ctx: RenderContext, spec: FeedSpec, state: ArchiveState, store: Store) -> tuple[tuple[Entry, ...], dict[str, Path]]:
    """The live entries (newest first) and every archive document of the feed: its site path -> the frozen file in
    outputs/state, which the site links as it links downloads (never read: at 1 000 messages the archives were
    63 MB held in memory by every build that made the site)."""
    size = ctx.settings.feed_entries
    pages = state.pages.setdefault(spec.name, [])
    archived = {entry_id for page in pages for entry_id in page}
    remaining = [e for e in reversed(spec.entries) if e.id not in archived]  # oldest first
    while len(remaining) >= 2 * size:
        page, remaining = remaining[:size], remaining[size:]
        pages.append([e.id for e in page])
        _freeze(ctx, spec, len(pages), tuple(reversed(page)), store)
    documents = {}
    for number in range(1, len(pages) + 1):
        frozen = store.out / "state" / archive_path(spec.name, number)
        if frozen.is_file():
            documents[archive_path(spec.name, number)] = frozen
    return tuple(reversed(remaining)), documents


def _freeze(ctx: RenderContext, spec: FeedSpec, number: int, entries: tuple[Entry, ...], store: Store) -> None:
    links = {"self": url(ctx, archive_path(spec.name, number)), "current": url(ctx, f"feeds/{spec.name}.atom"),
             "page": str(number)}
    if number > 1:
        links["prev-archive"] = url(ctx, archive_path(spec.name, number - 1))
    store.write_file(f"state/{archive_path(spec.name, number)}", atom(ctx, spec, entries, links, archive=True))
