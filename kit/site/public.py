"""The public record: what outputs/site holds for each message and newsletter issue, kept in outputs/state/public/.

A message is published whole or not at all. When any job of a public message fails, the site keeps the
version recorded here: the message as it was read then (for its pages and feed entries) and its files with
their checksums (still in outputs/site, because a failed message's files are never relinked). After every build
the record describes exactly the public set, so it never names what left the site.

One JSON file per message (`messages/<id>.json`) and per issue (`issues/<lang>/<issue>.json`): a build rewrites
only the entries whose published version changed (each entry's key, a digest of what it says, is in `keys.json`),
and a reader reads only the entries it needs: a held-back message its own, `kit check` an event's (the calendar's
pre-flight, kit/render/calendar.py). As one file it was 30 MB at 1 000 messages, written whole by every build.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from types import UnionType
from typing import Any, Callable, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo

from kit.model import Message
from kit.digest import value_digest
from kit.store import Store, state_json

FOLDER = "state/public"
KEYS = f"{FOLDER}/keys.json"  # kind ("messages", "issues") -> name -> the key of the entry on disk
OLD_RECORD = "state/public.json"  # the whole record in one file, as kit wrote it before: read when an entry is missing
VERSION = 1
FILE_FIELDS = ("path", "kind", "variant", "lang", "municipality", "size", "sha256", "role", "of", "rss_rank")
SiteFileMaker = Callable[..., Any]  # catalog.SiteFile (passed in: the catalog imports this module)


@dataclass(frozen=True)
class Published:
    """One unit as it is on the site: a message (with its snapshot) or a newsletter issue (with its members)."""

    files: tuple  # tuple[SiteFile, ...], sources inside outputs/site
    message: Message | None = None
    members: tuple[str, ...] = ()


def entry_path(kind: str, name: str) -> str:
    """Where the entry of a message (its id) or an issue (`<lang>/<issue>`) is, under outputs/."""
    return f"{FOLDER}/{kind}/{name}.json"


class Record:
    """The record of the last build, read an entry at a time. An unreadable entry, or one an older kit wrote,
    counts as missing (nothing to keep)."""

    def __init__(self, store: Store):
        self.store = store

    def entry(self, kind: str, name: str) -> dict | None:
        entry = self.store.read_json(entry_path(kind, name))
        if entry is None:
            entry = self._old.get(kind, {}).get(name)
        return entry if isinstance(entry, dict) and entry.get("version", VERSION) == VERSION else None

    @cached_property
    def _old(self) -> dict:
        """The one-file record of an older kit, until this kit's first build replaces it."""
        record = self.store.read_json(OLD_RECORD)
        return record if isinstance(record, dict) and record.get("version") == VERSION else {}


def load_record(store: Store) -> Record:
    return Record(store)


def previous_message(record: Record, message_id: str, store: Store, site_file: SiteFileMaker) -> Published | None:
    """The message's last public version, if its snapshot reads and every file is still on the site unchanged."""
    try:
        entry = record.entry("messages", message_id)
        if entry is None:
            return None
        message = decode(Message, entry["message"])
        files = _files(entry["files"], store, site_file)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # an entry an older kit wrote for other fields: nothing safe to show
    return None if files is None else Published(files=files, message=message)


def previous_issue(record: Record, key: str, store: Store, site_file: SiteFileMaker) -> Published | None:
    try:
        entry = record.entry("issues", key)
        if entry is None:
            return None
        files = _files(entry["files"], store, site_file)
        members = tuple(entry["members"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None if files is None else Published(files=files, members=members)


def _files(rows: list[dict], store: Store, site_file: SiteFileMaker) -> tuple | None:
    files = []
    for row in rows:
        source = store.published_file(f"files/{row['path']}", row["size"], row["sha256"])
        if source is None:
            return None  # a file of that version is gone or changed: it cannot be served whole
        files.append(site_file(location=str(source), **{k: row[k] for k in FILE_FIELDS if k in row}))  # older: defaults
    return tuple(files)


def save_record(store: Store, messages: Mapping[str, Published], issues: Mapping[str, Published],
                digests: Mapping[str, str] | None = None) -> None:
    """Make the record say exactly these units: an entry is written when what it says changed (or its file is
    gone), and the entries of units no longer public are removed. The keys are cleared first, so a save killed
    midway leaves none: the next one writes every entry. `digests`: message id -> a digest of its message and
    files already made (the catalog's); the others are made here."""
    previous = store.read_json(KEYS) or {}
    store.write_file(KEYS, b"{}")
    keys = {"messages": _save(store, "messages", {mid: (unit.message, unit.files) for mid, unit in messages.items()},
                              lambda unit: {"message": encode(unit[0])}, previous.get("messages") or {},
                              digests or {}),
            "issues": _save(store, "issues", {key: (unit.members, unit.files) for key, unit in issues.items()},
                            lambda unit: {"members": list(unit[0])}, previous.get("issues") or {}, {})}
    store.remove_file(OLD_RECORD)
    store.write_file(KEYS, state_json(keys))


def _save(store: Store, kind: str, units: Mapping[str, tuple], describe: Callable[[tuple], dict],
          previous: Mapping[str, str], digests: Mapping[str, str]) -> dict[str, str]:
    """Write the entries of one kind that changed, remove those not in `units`; name -> key."""
    keys = {}
    for name, unit in sorted(units.items()):
        keys[name] = f"{VERSION} {digests[name] if name in digests else value_digest(unit)}"
        path = entry_path(kind, name)
        if previous.get(name) != keys[name] or not (store.out / path).is_file():
            store.write_file(path, state_json({"version": VERSION, **describe(unit), "files": _rows(unit[1])}))
    folder = store.out / FOLDER / kind
    for found in sorted(folder.rglob("*.json")) if folder.is_dir() else ():
        name = found.relative_to(folder).as_posix().removesuffix(".json")
        if name not in keys:
            store.remove_file(os.path.relpath(found, store.out))
    return keys


def _rows(files) -> list[dict]:
    return [{k: getattr(f, k) for k in FILE_FIELDS} for f in sorted(files, key=lambda f: f.path)]


# ---- a typed object <-> JSON, driven by the dataclass's own type hints ----------------------------

def encode(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):  # the zone's name, not only its offset: 09:00 local must stay 09:00 in summer
        return {"at": value.isoformat(), "zone": getattr(value.tzinfo, "key", None)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    return value


def decode(hint: Any, value: Any) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        if value is None:
            return None
        return decode(next(a for a in args if a is not type(None)), value)
    if isinstance(hint, type) and is_dataclass(hint):
        hints = get_type_hints(hint)
        return hint(**{f.name: decode(hints[f.name], value[f.name]) for f in fields(hint) if f.name in value})
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], item) for item in value)
        return tuple(decode(a, item) for a, item in zip(args, value, strict=True))
    if origin in (Mapping, dict):
        return {key: decode(args[1], item) for key, item in value.items()}
    if hint is datetime:
        moment = datetime.fromisoformat(value["at"])
        return moment.astimezone(ZoneInfo(value["zone"])) if value["zone"] else moment
    if hint is date:
        return date.fromisoformat(value)
    if hint is Path:
        return Path(value)
    return value
