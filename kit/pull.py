"""`kit pull`: the partner's side. Read a feed with a conditional GET, fetch new or changed enclosures.

State lives in DEST/.kit-pull.json (the feed's ETag and Last-Modified, and what was fetched). Downloads go to
DEST/.partial/ and resume with a Range request after an interruption; a file is moved into place only when
its length and SHA-256 (from the enclosure's `#sha256=` fragment) match, so no half-written file is ever left.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import feedparser
import requests

from kit.errors import KitError
from kit.store import write_atomic

__all__ = ["pull", "PullReport"]

STATE = ".kit-pull.json"
TIMEOUT = (5, 60)


@dataclass(frozen=True)
class PullReport:
    not_modified: bool
    downloaded: tuple[str, ...]
    unchanged: int


def pull(feed_url: str, dest: Path, municipality: str | None = None, session: requests.Session | None = None) -> PullReport:
    session = session or requests.Session()
    dest.mkdir(parents=True, exist_ok=True)
    state = _load(dest)
    headers = {k: v for k, v in (("If-None-Match", state.get("etag")), ("If-Modified-Since", state.get("modified"))) if v}
    response = _get(session, feed_url, headers)
    if response.status_code == 304:
        return PullReport(True, (), len(state.get("files", {})))
    parsed = feedparser.parse(response.content, response_headers={**{k.lower(): v for k, v in response.headers.items()},
                                                                  "content-location": feed_url})
    if parsed.bozo:
        raise KitError(f"{feed_url}: not a valid feed ({parsed.bozo_exception})")
    downloaded, unchanged = [], 0
    for entry in parsed.entries:
        if municipality and municipality not in {t.get("term") for t in entry.get("tags", [])}:
            continue
        for link in entry.get("links", []):
            if link.get("rel") != "enclosure" or (municipality and _owner(link) not in ("", municipality)):
                continue
            if _fetch(session, link, dest, state):
                downloaded.append(link["href"].split("#")[0])
            else:
                unchanged += 1
    state["etag"], state["modified"] = response.headers.get("ETag"), response.headers.get("Last-Modified")
    _save(dest, state)
    return PullReport(False, tuple(downloaded), unchanged)


def _owner(link: dict) -> str:
    """The municipality a file is for (the feed's `#…&municipality=` on it), "" when it is for all."""
    return _fragment(link["href"]).get("municipality", "")


def _fragment(href: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in urldefrag(href)[1].split("&") if "=" in p)


def _get(session: requests.Session, url: str, headers: dict, allowed: tuple[int, ...] = (), **kwargs) -> requests.Response:
    try:
        response = session.get(url, headers=headers, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise KitError(f"{url}: {type(exc).__name__}") from None
    if response.status_code >= 400 and response.status_code not in allowed:
        raise KitError(f"{url}: HTTP {response.status_code}")
    return response


def _fetch(session: requests.Session, link: dict, dest: Path, state: dict) -> bool:
    """Download one enclosure unless the same bytes are already here; False when nothing was needed."""
    url = urldefrag(link["href"])[0]
    expected = _fragment(link["href"]).get("sha256")
    length = int(link["length"]) if str(link.get("length") or "").isdigit() else None
    target = dest / _local_name(url)
    known = state.setdefault("files", {}).get(url)
    if known and known == expected and target.is_file():
        return False
    partial = dest / ".partial" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
    partial.parent.mkdir(exist_ok=True)
    resumed = _download(session, url, partial)
    data = partial.read_bytes()
    if resumed and not _verified(data, length, expected):
        partial.unlink()  # a stale part file (another version, or longer than the file): fetch it whole once
        _download(session, url, partial)
        data = partial.read_bytes()
    if not _verified(data, length, expected):
        partial.unlink()  # never kept, not even as a part file to resume from
        raise KitError(f"{url}: got {len(data)} bytes that do not match the feed's length {length} or SHA-256 "
                       f"{expected}; nothing was kept, run kit pull again")
    write_atomic(target, data)
    partial.unlink()
    state["files"][url] = expected or hashlib.sha256(data).hexdigest()
    _save(dest, state)  # after every file: an interrupted run keeps what it finished
    return True


def _download(session: requests.Session, url: str, partial: Path) -> bool:
    """Fill the part file, resuming with a Range request where an interrupted run stopped; True if resumed."""
    have = partial.stat().st_size if partial.exists() else 0
    response = _get(session, url, {"Range": f"bytes={have}-"} if have else {}, allowed=(416,), stream=True)
    if response.status_code == 416:
        # Nothing past the end: the part file already holds every byte (the caller checks it), or it is
        # longer than the file now served (the caller discards it and fetches the file whole).
        response.close()
        return True
    mode = "ab" if response.status_code == 206 else "wb"  # a server that ignores Range sends it all again
    with open(partial, mode) as handle:
        for chunk in response.iter_content(65536):
            handle.write(chunk)
    return mode == "ab"


def _verified(data: bytes, length: int | None, expected: str | None) -> bool:
    return (length is None or len(data) == length) and (not expected or hashlib.sha256(data).hexdigest() == expected)


def _local_name(url: str) -> str:
    """v/<hash>/files/posters/<message>/<lang>/<name> keeps the shape after files/ under DEST."""
    path = urlparse(url).path
    return path.split("/files/", 1)[1] if "/files/" in path else os.path.basename(path)


def _load(dest: Path) -> dict:
    try:
        return json.loads((dest / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(dest: Path, state: dict) -> None:
    write_atomic(dest / STATE, json.dumps(state, indent=1, sort_keys=True).encode())
