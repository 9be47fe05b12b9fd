"""Writing source files on a user's behalf: only the keys meant change, a stale write is refused, undo works."""
from __future__ import annotations

import pytest

from kit.sourcefiles import SourceChanged, edit_front_matter, edit_yaml, undo, version, write_source

YAML_TEXT = """# Message for Rõuge
id: suitsusaun
date: 2026-11-16   # the day it goes out
status: draft
themes: [kultuur-ja-eripara, heaolu]
event:
  start: 2027-02-06 12:00 Europe/Tallinn
  venues:
    rouge: Haanja rahvamaja
"""


def test_edit_keeps_comments_order_and_flow_style():
    out = edit_yaml(YAML_TEXT, lambda d: d.__setitem__("status", "approved"))
    assert out == YAML_TEXT.replace("status: draft", "status: approved")


def test_front_matter_edit_keeps_body_unless_given():
    text = "---\ntitle: Tere  # short\nsummary: x\n---\nBody line.\n\n---\nA rule above.\n"
    out = edit_front_matter(text, lambda d: d.__setitem__("summary", "y"))
    assert out == text.replace("summary: x", "summary: y")
    assert edit_front_matter(text, lambda d: None, body="New body").endswith("---\nNew body\n")


def test_stale_write_is_refused_and_nothing_is_lost(tmp_path):
    rel = "messages/m/message.yaml"
    (tmp_path / "messages/m").mkdir(parents=True)
    (tmp_path / rel).write_text(YAML_TEXT)
    seen = version(tmp_path / rel)
    (tmp_path / rel).write_text(YAML_TEXT + "# hand edit\n")
    with pytest.raises(SourceChanged):
        write_source(tmp_path, rel, "id: lost\n", seen)
    assert (tmp_path / rel).read_text().endswith("# hand edit\n")


def test_undo_restores_the_previous_version(tmp_path):
    rel = "messages/m/et.md"
    (tmp_path / "messages/m").mkdir(parents=True)
    (tmp_path / rel).write_text("one\n")
    write_source(tmp_path, rel, "two\n", version(tmp_path / rel))
    assert (tmp_path / "outputs/state/previous" / rel).read_text() == "one\n"
    undo(tmp_path, rel)
    assert (tmp_path / rel).read_text() == "one\n"


def test_only_files_under_messages_are_written(tmp_path):
    with pytest.raises(Exception, match="only edits files under messages/"):
        write_source(tmp_path, "messages/../pyproject.toml", "x", None)
