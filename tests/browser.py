"""Debian's Chromium, headless, for the tests: every run checked, every screenshot freshly written.

Chromium exits 0 even when the page failed to load or the screenshot could not be written, so a run is
judged by its exit status, by its "Page load failed" line and by the file it was asked to write.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image

# Everything that would try to reach the network is switched off.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
# Chromium's stderr always holds D-Bus complaints (no system bus in a container) and a Debian wrapper warning.
_NOISE = ("dbus/", "/usr/bin/chromium:")


def chromium(scratch: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run Chromium with a fresh profile under `scratch` (a tmp_path); fail the test if the run failed."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=scratch)
    result = subprocess.run(["chromium", *FLAGS, f"--user-data-dir={profile}", *args],
                            capture_output=True, text=True, timeout=timeout)
    errors = "\n".join(line for line in result.stderr.splitlines() if not any(n in line for n in _NOISE))
    assert result.returncode == 0, f"chromium exited with {result.returncode}:\n{errors[-3000:]}"
    assert "Page load failed" not in errors, f"chromium could not load the page:\n{errors[-3000:]}"
    return result


def screenshot(url: str, path: Path, size: tuple[int, int], *flags: str) -> Image.Image:
    """A PNG of `url` at `size` (width, height), written to `path` by this run and checked to be one."""
    assert not path.exists(), f"{path} exists before the screenshot: a stale file could pass for a new one"
    path.parent.mkdir(parents=True, exist_ok=True)
    chromium(path.parent, *flags, f"--window-size={size[0]},{size[1]}", f"--screenshot={path}", url)
    assert path.is_file() and path.stat().st_size > 0, f"chromium wrote no screenshot to {path}"
    with Image.open(path) as image:
        image.load()
        assert (image.format, image.size) == ("PNG", size), (path, image.format, image.size)
        return image.copy()


def dump_dom(url: str, scratch: Path, size: tuple[int, int] = (1280, 2000)) -> str:
    """The DOM of `url` after Chromium has loaded it and run its scripts."""
    dom = chromium(scratch, f"--window-size={size[0]},{size[1]}", "--dump-dom", url).stdout
    assert "<html" in dom, f"chromium dumped no document for {url}"
    return dom
