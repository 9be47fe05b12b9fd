"""The public record: what outputs/site holds for each message and newsletter issue, kept in outputs/state/.

A message is published whole or not at all. When any job of a public message fails, the site keeps the
version recorded here: the message as it was read then (for its pages and feed entries) and its files with
their checksums (still in outputs/site, because a failed message's files are never relinked). The record is
rewritten after every build to describe exactly the public set, so it never names what left the site.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from types import UnionType
from typing import Any, Callable, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo

from kit.model import Message
from kit.store import Store, state_json

STATE = "state/public.json"
VERSION = 1
FILE_FIELDS = ("path", "kind", "variant", "lang", "municipality", "size", "sha256", "role", "of", "rss_rank")
SiteFileMaker = Callable[..., Any]  # catalog.SiteFile (passed in: the catalog imports this module)


@dataclass(frozen=True)
class Published:
    """One unit as it is on the site: a message (with its snapshot) or a newsletter issue (with its members)."""

    files: tuple  # tuple[SiteFile, ...], sources inside outputs/site
    message: Message | None = None
    members: tuple[str, ...] = ()


def load_record(store: Store) -> dict:
    """The record of the last build; an unreadable or older record counts as empty (nothing to keep)."""
    record = store.read_json(STATE)
    if not isinstance(record, dict) or record.get("version") != VERSION:
        return {"messages": {}, "issues": {}}
    return record


def previous_message(record: dict, message_id: str, store: Store, site_file: SiteFileMaker) -> Published | None:
    """The message's last public version, if its snapshot reads and every file is still on the site unchanged."""
    try:
        entry = record["messages"][message_id]
        message = decode(Message, entry["message"])
        files = _files(entry["files"], store, site_file)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # no record, or one an older kit wrote for other fields: nothing safe to show
    return None if files is None else Published(files=files, message=message)


def previous_issue(record: dict, key: str, store: Store, site_file: SiteFileMaker) -> Published | None:
    try:
        entry = record["issues"][key]
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


def save_record(store: Store, messages: Mapping[str, Published], issues: Mapping[str, Published]) -> None:
    record = {"version": VERSION,
              "messages": {mid: {"message": encode(unit.message), "files": _rows(unit.files)}
                           for mid, unit in sorted(messages.items())},
              "issues": {key: {"members": list(unit.members), "files": _rows(unit.files)}
                         for key, unit in sorted(issues.items())}}
    store.write_file(STATE, state_json(record))


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
