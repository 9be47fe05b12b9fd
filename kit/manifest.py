"""The build manifest: job key -> what its last render was made from and left (input hash, outputs, checksums,
warnings, error), in an SQLite database, outputs/manifest.sqlite. The store (kit/store.py) is its only user.

A row is written the moment its job is done (after its files are in place), in a transaction of its own: a build
that is killed loses nothing it finished, and the next build, or the studio reading along, sees every finished job.
Nothing is rewritten whole: at 1 000 messages the manifest was a 30 MB JSON file that every build parsed and every
rendering build wrote again. A build reads the key, hash and error of every job at once (all a build with nothing to
do needs) and an entry's other fields when it asks for them.
"""
from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path

DATABASE = "manifest.sqlite"
OLD_MANIFEST = "manifest.json"  # what an older kit wrote: imported once, then removed
OLD_JOURNAL = "manifest.journal"  # its journal of jobs finished since: imported with it
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (key TEXT PRIMARY KEY, hash TEXT NOT NULL, error TEXT NOT NULL, entry TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Manifest:
    """Job key -> entry (a JSON object: hash, outputs, params, members, warnings, sha256, error)."""

    def __init__(self, out: Path):
        self.out = out
        self._connection: sqlite3.Connection | None = None
        # Made only when there is something to read or write: `kit check` on a fresh clone writes nothing.
        if (out / OLD_MANIFEST).exists() or (out / OLD_JOURNAL).exists():
            self._import_old()
        # key -> (input hash, error) of every job: what `is_current` asks 37 000 times at 1 000 messages.
        self.index: dict[str, tuple[str, str]] = {}
        if (out / DATABASE).is_file():
            self.index = {key: (hash_, error) for key, hash_, error in self._db.execute("SELECT key, hash, error FROM jobs")}
        self._entries: dict[str, dict] = {}

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            self.out.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: a statement commits on its own unless a transaction is begun (`_transaction`).
            self._connection = sqlite3.connect(self.out / DATABASE, timeout=30, isolation_level=None)
            # WAL: a reader (the studio) never waits for the build that writes; NORMAL: a commit is atomic without
            # an fsync each (a power cut may lose the last jobs, which are then simply rendered again).
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.executescript(SCHEMA)
        return self._connection

    def entry(self, key: str) -> dict | None:
        if key not in self.index:
            return None
        if key not in self._entries:
            row = self._db.execute("SELECT entry FROM jobs WHERE key = ?", (key,)).fetchone()
            self._entries[key] = json.loads(row[0]) if row else {}
        return self._entries[key]

    def load_all(self) -> None:
        """Every entry at once (one query), for a stage that asks about every job (the site)."""
        if len(self._entries) < len(self.index):
            self._entries.update((key, json.loads(entry)) for key, entry in self._db.execute("SELECT key, entry FROM jobs"))

    def put(self, key: str, entry: dict) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?)",
                             (key, entry.get("hash", ""), entry.get("error", ""), json.dumps(entry, ensure_ascii=False)))
            self._bump()
        self.index[key] = (entry.get("hash", ""), entry.get("error", ""))
        self._entries[key] = entry

    def remove(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        with self._transaction():
            self._db.executemany("DELETE FROM jobs WHERE key = ?", [(key,) for key in keys])
            self._bump()
        for key in keys:
            self.index.pop(key, None)
            self._entries.pop(key, None)

    def digest(self) -> str:
        """Changes whenever a row does: the database's own id (made with it) and the count of its changes."""
        if not (self.out / DATABASE).is_file():
            return ""
        return f"{self._meta('id')}:{self._meta('generation')}"

    def _meta(self, name: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else ""

    def _bump(self) -> None:
        """Count a change, in the transaction that makes it (the database's id is made with its first change)."""
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('id', ?), ('generation', '0')", (uuid.uuid4().hex,))
        self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = 'generation'")

    def _transaction(self):
        return _Transaction(self._db)

    def _import_old(self) -> None:
        """An older kit's manifest.json and journal, taken over once (the journal's jobs are newer)."""
        old, journal = self.out / OLD_MANIFEST, self.out / OLD_JOURNAL
        try:
            jobs = json.loads(old.read_text(encoding="utf-8")).get("jobs", {})
        except (OSError, ValueError, AttributeError):
            jobs = {}
        jobs.update(read_journal(journal))
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?)",
                                 [(key, entry.get("hash", ""), entry.get("error", ""), json.dumps(entry, ensure_ascii=False))
                                  for key, entry in jobs.items() if isinstance(entry, dict)])
            self._bump()
        for path in (old, journal):
            path.unlink(missing_ok=True)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception): the rows of one change land together or not at all."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


def read_journal(path: Path) -> dict[str, dict]:
    """The entries of an older kit's journal. A line torn by a kill is not valid JSON (nor is the next build's first
    line, appended to it): such a line is skipped, and its job is simply rendered again."""
    entries: dict[str, dict] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return entries
    for line in lines:
        try:
            record = json.loads(line)
            entries[record["key"]] = record["entry"]
        except (ValueError, KeyError, TypeError):
            continue
    return entries


__all__ = ["Manifest", "DATABASE", "OLD_JOURNAL", "read_journal"]
