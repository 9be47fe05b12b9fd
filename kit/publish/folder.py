"""Publishing to a local folder (the default target): atomic writes and renames, with the same promise and
order as WebDAV (see kit.publish). The staging folder is hidden and unguessable; a web server in front of the
folder should deny `/.kit-staging/` (README)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from kit.config import Settings
from kit.publish import MANIFEST, STAGING


class FolderTarget:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def _path(self, rel: str) -> Path:
        path = (self.root / rel).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"path escapes the target: {rel}")
        return path

    def read_manifest(self) -> dict[str, str]:
        try:
            return json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def put(self, rel: str, data: bytes) -> None:
        """Written in the staging folder, then renamed into place: an interrupted write leaves nothing half
        written where readers look (the next run clears the staging folder)."""
        path = self._path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.root / STAGING / "writing"
        scratch.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=scratch)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)

    def move(self, source: str, rel: str, sha256: str) -> None:
        target = self._path(rel)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._path(source), target)
        except FileNotFoundError:
            if not (target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256):
                raise

    def delete(self, rel: str) -> None:
        path = self._path(rel)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        for parent in path.parents:  # empty folders of removed pages and files go too
            if parent == self.root or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def open_folder(url: str, settings: Settings) -> FolderTarget:
    """A folder path, or a file:// URL; a relative path is the project's."""
    path = Path(urlparse(url).path if url.startswith("file:") else url)
    return FolderTarget(path if path.is_absolute() else settings.root / path)
