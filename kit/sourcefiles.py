"""Writing the project's source files (messages/<id>/message.yaml and <lang>.md) on a user's behalf: the studio's
save, `kit approve`, recorded translations and partner reviews all come through here.

The files stay the single source of truth and hand-edits keep working, so an edit changes only the keys it means
to: comments, key order, quoting and layout of everything else stay as the user wrote them (ruamel.yaml's round
trip). A write is atomic, keeps the previous bytes (one step of undo, under outputs/state/previous/) and is refused
when the file changed since the caller read it (another tab, a `git pull`, a hand edit): nothing is lost.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from kit.errors import KitError
from kit.store import write_atomic

PREVIOUS = Path("outputs/state/previous")  # one step of undo per source file, mirrored by its project path
LOCK = Path("outputs/state/sources.lock")


class SourceChanged(KitError):
    """The file on disk is not the version the caller read: saving would overwrite someone's edit."""


def version(path: Path) -> str:
    """What a caller remembers when it reads a file, to hand back when it writes: "" for a missing file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return ""


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line the user wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_yaml(text: str) -> CommentedMap:
    data = _yaml().load(text) if text.strip() else CommentedMap()
    if not isinstance(data, CommentedMap):
        raise KitError("the YAML text is not a mapping of fields")
    return data


def dump_yaml(data: CommentedMap) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def edit_yaml(text: str, change: Callable[[CommentedMap], Any]) -> str:
    """The YAML text with `change` applied to its mapping, everything it did not touch left as it was."""
    data = load_yaml(text)
    change(data)
    return dump_yaml(data)


def split(text: str) -> tuple[str, str]:
    """A <lang>.md text as (front matter YAML, Markdown body)."""
    if not text.startswith("---"):
        return "", text
    _, front, body = text.split("---\n", 2) if text.count("---\n") >= 2 else ("", text, "")
    return front, body


def edit_front_matter(text: str, change: Callable[[CommentedMap], Any], body: str | None = None) -> str:
    """A <lang>.md text with `change` applied to its front matter and, when given, a new body."""
    front, old_body = split(text)
    new_body = old_body if body is None else body.rstrip("\n") + "\n"
    return f"---\n{edit_yaml(front, change)}---\n{new_body}"


def write_source(root: Path, rel: str, text: str, expected: str | None) -> str:
    """Replace project file `rel` (under messages/) with `text`; returns the new version. `expected` is the
    version the caller read ("" = the file must not exist yet; None = do not check, for a command line edit
    that read the file a moment ago)."""
    path = _inside_messages(root, rel)
    with _locked(root):
        current = version(path)
        if expected is not None and current != expected:
            raise SourceChanged(f"{rel}: the file changed on disk since it was opened (another window, a git pull "
                                f"or a hand edit); nothing was saved. Reload to see the new version, then edit again.")
        if path.is_file():
            write_atomic(root / PREVIOUS / rel, path.read_bytes())
        write_atomic(path, text.encode("utf-8"))
    return version(path)


def update_source(root: Path, rel: str, edit: Callable[[str], str], expected: str | None = None) -> str:
    """Read, edit and write one file under the lock: for commands that change a few keys (approve, review)."""
    path = _inside_messages(root, rel)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return write_source(root, rel, edit(text), version(path) if expected is None else expected)


def undo(root: Path, rel: str) -> str:
    """Put back the version before the last save (the current one becomes the undo step in turn)."""
    previous = root / PREVIOUS / rel
    if not previous.is_file():
        raise KitError(f"{rel}: there is no earlier version to go back to")
    text = previous.read_text(encoding="utf-8")
    return write_source(root, rel, text, None)


def _inside_messages(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if not path.is_relative_to((root / "messages").resolve()):
        raise KitError(f"{rel}: kit only edits files under messages/")
    return path


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One writer at a time (two studio tabs, the studio and a command): the version check and the write are
    one step."""
    lock = root / LOCK
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
