"""Translations that fall behind the Estonian text (`translates`, `kit translated`) and `kit approve`."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime

import pytest

from conftest import MESSAGE_YAML, TALLINN, TEXT_MD, Project
from kit.approval import ApprovalRefused, NeedsConfirmation, approve
from kit.errors import KitError
from kit.translation import record_translated, stale_fields
from kit.translation import load_one

VRO_MD = """\
---
# Võro text: checked by the Võro Institute
title: Tulõq kokkoloomisõ tüütarrõ!   # short on purpose
summary: Valimiq edimädseq ütidseq teoq.
points:
  - Edimäne punkt
  - Tõõnõ punkt
image_alt: Halja maastik.
---
Sõnomi tekst.
"""
WHEN = datetime(2026, 11, 26, 18, 30, tzinfo=TALLINN)
# No photo (whose print resolution is a warning) and one municipality (fewer posters for the check to lay out).
PLAIN = MESSAGE_YAML.format(id="m").split("image:")[0].replace("[voru-linn, rouge]", "[rouge]")


def kit(project: Project, *args: str) -> subprocess.CompletedProcess:
    # stdin from /dev/null: no terminal, as in CI, so `kit approve` cannot ask
    return subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), *args], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.fixture
def three(project: Project) -> Project:
    """A project in et, en and vro with message `m` translated into both."""
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('languages = ["et", "en"]', 'languages = ["et", "en", "vro"]'))
    project.add("m", texts={"et": TEXT_MD.format(title="Tule koosloome töötuppa!", summary="Valime ühised tegevused."),
                            "en": TEXT_MD.format(title="Join the workshop!", summary="We choose shared actions."),
                            "vro": VRO_MD})
    return project


def message(project: Project):
    return load_one(project.settings, "m")


def retitle_estonian(project: Project, title: str = "Tule koosloome töötuppa juba täna!") -> None:
    path = project.root / "messages/m/et.md"
    path.write_text(path.read_text().replace("title: Tule koosloome töötuppa!", f"title: {title}"))


def test_changed_estonian_title_marks_exactly_the_translated_titles_stale(three):
    record_translated(three.root, "m", "en")
    record_translated(three.root, "m", "vro")
    assert stale_fields(message(three), "en") == stale_fields(message(three), "vro") == ()
    retitle_estonian(three)
    m = message(three)
    assert stale_fields(m, "en") == ("title",)
    assert stale_fields(m, "vro") == ("title",)
    assert stale_fields(m, "et") == ()
    result = kit(three, "check", "--message", "m")
    assert result.returncode == 0, result.stdout + result.stderr
    said = "title: the Estonian text changed after this translation was written; update it, or confirm it with "
    assert f"messages/m/vro.md:3: {said}kit translated m vro" in result.stdout  # line 3: after the comment
    assert f"messages/m/en.md:2: {said}kit translated m en" in result.stdout
    assert result.stdout.count("the Estonian text changed") == 2


def test_rewrapping_the_estonian_body_is_no_change(three):
    record_translated(three.root, "m", "en")
    path = three.root / "messages/m/et.md"
    path.write_text(path.read_text().replace("Sõnumi tekst.", "Sõnumi\n   tekst.\n"))
    assert stale_fields(message(three), "en") == ()
    path.write_text(path.read_text().replace("tekst.", "uus tekst."))
    assert stale_fields(message(three), "en") == ("body",)


def test_a_translation_without_a_record_is_never_stale(three):
    retitle_estonian(three)
    assert stale_fields(message(three), "vro") == ()
    result = kit(three, "check", "--message", "m")
    assert result.returncode == 0 and "the Estonian text changed" not in result.stdout, result.stdout


def test_kit_translated_clears_the_field_and_changes_only_the_record(three):
    record_translated(three.root, "m", "vro")
    retitle_estonian(three)
    before = (three.root / "messages/m/vro.md").read_text()
    result = kit(three, "translated", "m", "vro", "--field", "title")
    assert result.returncode == 0, result.stderr
    after = (three.root / "messages/m/vro.md").read_text()
    assert stale_fields(message(three), "vro") == ()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines()) and len(changed) == 1
    assert changed[0][0].startswith("translates: {title: ") and changed[0][1].startswith("translates: {title: ")
    assert after.replace(changed[0][1], changed[0][0]) == before  # comments and all else as they were
    assert (three.root / "outputs/state/previous/messages/m/vro.md").read_text() == before  # one step of undo
    assert "the Estonian text changed" not in kit(three, "check", "--message", "m").stdout


def test_first_record_only_adds_the_translates_key(three):
    before = (three.root / "messages/m/vro.md").read_text()
    result = kit(three, "translated", "m", "vro")
    assert result.returncode == 0, result.stderr
    after = (three.root / "messages/m/vro.md").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(added) == 1 and added[0].startswith("translates: {title: ") and "body: " in added[0]
    assert after.replace(added[0] + "\n", "") == before


def test_kit_translated_refuses_estonian_and_unknown_fields(three):
    result = kit(three, "translated", "m", "et")
    assert result.returncode == 1 and "original language" in result.stderr and "Traceback" not in result.stderr
    result = kit(three, "translated", "m", "vro", "--field", "titel")
    assert result.returncode == 1 and "'titel' is not a translated field (did you mean 'title'?)" in result.stderr
    with pytest.raises(KitError, match="no message"):
        record_translated(three.root, "../m", "vro")


def test_a_bad_translates_record_is_an_error_naming_its_field(three):
    path = three.root / "messages/m/vro.md"
    path.write_text(path.read_text().replace("---\nSõnomi", "translates: {title: xyz, titel: 12345678}\n---\nSõnomi"))
    result = kit(three, "check", "--message", "m")
    assert result.returncode == 1
    assert "messages/m/vro.md:9: translates.title: 'xyz' is not a recorded hash" in result.stdout, result.stdout
    assert "messages/m/vro.md:9: translates.titel: unknown field" in result.stdout


# ---- approve ------------------------------------------------------------------------------------------------

def test_approve_refuses_with_errors_and_writes_nothing(project):
    # A draft still carrying kit new's placeholder summary: a warning in a draft, an error once approved.
    project.add("m", PLAIN, texts={"et": TEXT_MD.format(title="Tule töötuppa!", summary="Üks-kaks lauset sõnumi sisust."),
                            "en": TEXT_MD.format(title="Title", summary="Summary.")})
    meta = project.root / "messages/m/message.yaml"
    meta.write_text(meta.read_text().replace("status: approved", "status: draft   # until the board says yes"))
    before = meta.read_bytes()
    with pytest.raises(ApprovalRefused) as refused:
        approve(project.root, "m", "Kristi Vals", WHEN, accept_warnings=True)
    assert [(p.field, p.severity) for p in refused.value.problems] == [("summary", "error")]
    result = kit(project, "approve", "m", "--by", "Kristi Vals", "--yes")
    assert result.returncode == 1
    assert "m was not approved: fix 1 error(s) first" in result.stderr
    assert "messages/m/et.md:3: summary: is still the placeholder" in result.stderr
    assert meta.read_bytes() == before
    assert not (project.root / "outputs/state/previous").exists()


def test_approve_with_warnings_needs_yes(project):
    project.add("m", PLAIN, texts={"et": TEXT_MD.format(title="Tule töötuppa!", summary="Valime tegevused.")})  # no en
    meta = project.root / "messages/m/message.yaml"
    before = meta.read_bytes()
    with pytest.raises(NeedsConfirmation) as asked:
        approve(project.root, "m", "Kristi Vals", WHEN)
    assert [p.severity for p in asked.value.problems] == ["warning"]
    result = kit(project, "approve", "m", "--by", "Kristi Vals")
    assert result.returncode == 1
    assert "no en translation" in result.stderr and "--yes" in result.stderr and "Traceback" not in result.stderr
    assert meta.read_bytes() == before
    result = kit(project, "approve", "m", "--by", "Kristi Vals", "--yes")
    assert result.returncode == 0, result.stderr
    assert "approved:\n  by: Kristi Vals\n  at: '20" in meta.read_text()


def test_approve_writes_status_and_a_record_that_validates(project):
    project.add("m", PLAIN)
    meta = project.root / "messages/m/message.yaml"
    text = meta.read_text().replace("status: approved", "status: draft   # draft | approved | withdrawn")
    meta.write_text("# Written by the culture team\n" + text)
    approve(project.root, "m", "  Kristi   Vals ", WHEN)
    written = meta.read_text()
    assert written.startswith("# Written by the culture team\nid: m\n")
    assert re.search(r"\nstatus: approved +# draft \| approved \| withdrawn\n"  # the comment stays in its column
                     r"approved:\n  by: Kristi Vals\n  at: '2026-11-26T18:30:00\+02:00'\nthemes:", written), written
    m = load_one(project.settings, "m")
    assert m.status == "approved" and m.approved is not None
    assert m.approved.by == "Kristi Vals" and m.approved.at == WHEN and m.approved.at.utcoffset() is not None
    result = kit(project, "check", "--message", "m")
    assert result.returncode == 0 and "warning" not in result.stdout, result.stdout
    result = kit(project, "approve", "m", "--by", "Mari Maasikas")  # again: the record is replaced, not added
    assert result.returncode == 0, result.stderr
    assert meta.read_text().count("approved:") == 1 and "by: Mari Maasikas" in meta.read_text()


@pytest.mark.parametrize("record, said", [
    ("approved:\n  by: Kristi Vals\n  at: 2026-11-26 18:30\n", "approved.at: '2026-11-26 18:30' has no time zone"),
    ("approved:\n  by: Kristi Vals\n  at: eile\n", "approved.at: 'eile' is not a date and time"),
    ("approved:\n  at: 2026-11-26T18:30:00+02:00\n", "approved.by: required field is missing"),
    ("approved:\n  by: Kristi Vals\n  at: 2026-11-26T18:30:00+02:00\n  kelle: x\n", "approved.kelle: unknown field"),
])
def test_a_bad_approved_record_is_an_error_naming_file_line_field(project, record, said):
    project.add("m")
    meta = project.root / "messages/m/message.yaml"
    meta.write_text(meta.read_text().replace("themes:", record + "themes:"))
    result = kit(project, "check", "--message", "m")
    assert result.returncode == 1
    line = 4 if "approved.by" in said else 6 if "approved.at" in said else 7  # a missing field: its record
    assert f"messages/m/message.yaml:{line}: {said}" in result.stdout, result.stdout


def test_review_sheet_says_who_approved_and_which_translation_fell_behind(three):
    from conftest import context
    from kit.content import load_content
    from kit.site.review import review_sheet
    from kit.store import Store

    record_translated(three.root, "m", "vro")
    retitle_estonian(three)
    meta = three.root / "messages/m/message.yaml"
    meta.write_text(meta.read_text().replace("themes:", "approved:\n  by: Kristi Vals\n  at: 2026-11-26T18:30+02:00\nthemes:"))
    ctx = context(three)
    warnings = list(load_content(ctx.settings, ctx.brand).warnings)
    assert [str(p) for p in warnings if p.field == "title"] == [
        "messages/m/vro.md:3: title: the Estonian text changed after this translation was written; update it, or "
        "confirm it with kit translated m vro"]
    html = review_sheet(ctx, [], Store.open(ctx.settings.out), warnings)
    assert "kinnitas Kristi Vals, 26.11.2026 18.30" in html
    assert "Eestikeelne tekst muutus pärast tõlkimist: uuenda tõlget või kinnita see käsuga kit translated m vro." in html
