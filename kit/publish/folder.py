"""Publishing to a local folder (the default target): atomic writes and renames."""
from __future__ import annotations

import json
import os
from pathlib import Path

from kit.publish import MANIFEST
from kit.store import write_atomic


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
        write_atomic(self._path(rel), data)

    def move(self, source: str, rel: str) -> None:
        os.replace(self._path(source), self._path(rel))

    def delete(self, rel: str) -> None:
        self._path(rel).unlink(missing_ok=True)
