"""A project with N messages made from the samples, for measuring how the build grows with history.

    python scripts/make_scale_project.py DEST N [--one-municipality]

DEST gets brand/, pyproject.toml and messages/ holding N approved messages: copy k of a sample is
`<sample>-<k>`, dated k × 3 days before 25 November 2026, the day before the bench's `--now` (so 1 000 messages span about eight years of
history, one newsletter issue a month), every other date in it (event start and end) moved by as much, no
embargo and no expiry. The photos are hard links to the samples' (the same bytes, no disk). The texts are the
samples' own, with the copy's number at the head of the body (a longer title might no longer fit), except in
copies of a message with a partner's recorded approval (its hashes cover the texts: an edit would void it).
`--one-municipality` makes each copy serve one municipality (in turn): a fifth of the posters, for a
quicker run on a busy machine. Drafts, withdrawn and embargoed samples are used like the others.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
STEP_DAYS = 3
NEWEST = date(2026, 11, 25)


def samples(messages: Path) -> list[Path]:
    return sorted(p for p in messages.iterdir() if (p / "message.yaml").is_file())


def make(dest: Path, count: int, one_municipality: bool = False, source: Path = ROOT) -> list[str]:
    """Write the project; returns the ids of the messages, newest first."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "brand", dest / "brand", dirs_exist_ok=True)
    shutil.copy(source / "pyproject.toml", dest / "pyproject.toml")
    (dest / "messages").mkdir(exist_ok=True)
    folders = samples(source / "messages")
    municipalities = re.findall(r"^([a-z-]+):\s*$", (source / "brand/municipalities.yaml").read_text(encoding="utf-8"),
                                re.MULTILINE)
    ids = []
    for k in range(count):
        sample = folders[k % len(folders)]
        message_id = f"{sample.name}-{k:04d}"
        shift = (NEWEST - timedelta(days=k * STEP_DAYS)) - date.fromisoformat(_field(sample / "message.yaml", "date"))
        folder = dest / "messages" / message_id
        folder.mkdir()
        for path in sorted(sample.iterdir()):
            if path.name == "message.yaml":
                text = _message_yaml(path.read_text(encoding="utf-8"), message_id, shift,
                                     municipalities[k % len(municipalities)] if one_municipality else "")
                (folder / path.name).write_text(text, encoding="utf-8")
            elif path.suffix == ".md":
                text = path.read_text(encoding="utf-8")  # the copy's number in the body: titles must still fit
                if "partner_review:" not in (sample / "message.yaml").read_text(encoding="utf-8"):
                    # A partner's recorded approval covers the texts it saw: an edit would void it (kit check: error)
                    text = re.sub(r"\n---\n", f"\n---\n({k})\n\n", text, count=1)
                (folder / path.name).write_text(text, encoding="utf-8")
            elif path.is_file():
                os.link(path, folder / path.name)
        ids.append(message_id)
    return ids


def _field(path: Path, name: str) -> str:
    found = re.search(rf"^{name}:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"{path}: no {name}"
    return found.group(1)


def _message_yaml(text: str, message_id: str, shift: timedelta, municipality: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith(("embargo:", "expires:")):
            continue
        line = re.sub(r"^id: .*", f"id: {message_id}", line)
        line = re.sub(r"^status: .*", "status: approved", line)
        if municipality and line.startswith("municipalities:"):
            line = f"municipalities: [{municipality}]"
        lines.append(DATE.sub(lambda m: (date(*map(int, m.groups())) + shift).isoformat(), line))
    text = "\n".join(lines) + "\n"
    if municipality:  # venues of other municipalities would be an error: one venue for all
        text = re.sub(r"^  venues:\n((?:    .*\n)+)", lambda m: "  venues:\n    all: " +
                      m.group(1).splitlines()[0].split(":", 1)[1].strip() + "\n", text, flags=re.MULTILINE)
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--one-municipality", action="store_true")
    args = parser.parse_args()
    made = make(args.dest, args.count, args.one_municipality)
    print(f"{len(made)} messages in {args.dest / 'messages'}")
