"""Partner review (Tartu 2024, partner rule 3): `kit review` makes the packet and records request and answer in
message.yaml; an edit to a reviewed text voids the approval; `kit check` enforces the first-three rule."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Project, new_project

MESSAGE = """\
id: {id}
date: {date}
status: approved
themes: [kultuur-ja-eripara]
municipalities: [rouge]
# the programme project: kit review must keep this comment
tartu2024:
  project: loov-voru
cta_url: https://www.vorumaa.ee/test
"""
WITH_IMAGE = """\
image:
  file: hero.jpg
  focus: 0.5 0.5
  credit: Test Pilt
"""
TEXT = """\
---
title: {title}
summary: {summary}
project: „Loov Võru“
image_alt: {alt}
---
{body}
"""
ET = dict(title="Tule koosloome töötuppa!", summary="Valime esimesed ühised tegevused.", alt="Roheline maastik.",
          body="Töötoas joonistame kaardile küla lemmikpaigad.")
EN = dict(title="Join the co-creation workshop!", summary="We choose the first actions.", alt="A green landscape.",
          body="In the workshop we draw the village's favourite places on a map.")
APPROVER = "Mari Maasikas, SA Tartu 2024"


def kit(project: Project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), *args],
                          capture_output=True, text=True, timeout=600)


EVENT = """\
event:
  start: 2027-02-06 12:00 Europe/Tallinn
  end: 2027-02-06 18:00 Europe/Tallinn
  venues: {rouge: Haanja rahvamaja}
  address: Haanja, Rõuge vald
"""


def add(project: Project, message_id: str, date: str = "2026-11-02", image: bool = True, event: bool = False) -> Path:
    return project.add(message_id, MESSAGE.format(id=message_id, date=date) + (WITH_IMAGE if image else "")
                       + (EVENT if event else ""), texts={"et": TEXT.format(**ET), "en": TEXT.format(**EN)})


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Project:
    """One programme message, built and reviewed: `kit review koosloome --for tartu2024` (once for the module)."""
    project = new_project(tmp_path_factory.mktemp("partner") / "proj")
    add(project, "koosloome", event=True)
    result = kit(project, "review", "koosloome", "--for", "tartu2024")
    assert result.returncode == 0, result.stderr
    assert "Built koosloome first" in result.stdout
    return project


def packet(project: Project, suffix: str) -> Path:
    return project.root / f"outputs/review/partner/koosloome/koosloome-tartu2024.{suffix}"


def copy_of(project: Project, tmp_path: Path) -> Project:
    shutil.copytree(project.root, tmp_path / "copy", symlinks=True)
    return Project(tmp_path / "copy")


def test_the_packet_pdf_opens_and_holds_each_languages_title_and_body(reviewed):
    text = subprocess.run(["pdftotext", "-layout", str(packet(reviewed, "pdf")), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for texts in (ET, EN):
        assert texts["title"] in flat
        assert texts["body"] in flat
    assert "Eesti keeles (et)" in flat and "Inglise keeles (en)" in flat  # each language labelled
    assert "Toimumisaeg 6. veebruar 2027, kell 12.00–18.00" in flat  # the event's time as each language writes it
    assert "Toimumisaeg 6 February 2027, 12:00–18:00" in flat
    assert "Toimumiskoht Haanja rahvamaja, Haanja, Rõuge vald" in flat
    assert "Projekt „Loov Võru“ on osa Euroopa kultuuripealinn Tartu 2024 põhiprogrammist." in flat
    assert "Loov Võru“ is a part of the European Capital of Culture Tartu 2024 main programme." in flat
    images = subprocess.run(["pdfimages", "-list", str(packet(reviewed, "pdf"))], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    built = [p for p in (reviewed.root / "outputs/kit").rglob("*") if p.suffix in (".jpg", ".png")
             and p.parts[-4] in ("social", "posters")]
    assert len(images) >= len(built) > 10  # a thumbnail of every social image and poster


def test_the_packet_zip_lists_the_pdf_and_the_built_files(reviewed):
    names = zipfile.ZipFile(packet(reviewed, "zip")).namelist()
    assert "koosloome-tartu2024.pdf" in names
    for lang in ("et", "en"):
        assert f"social/koosloome/{lang}/instagram-square.jpg" in names
        assert f"social/koosloome/{lang}/instagram-square.txt" in names
        assert f"press/koosloome/{lang}/press-koosloome-{lang}.pdf" in names
        assert any(n.startswith(f"posters/koosloome/{lang}/rouge-") and n.endswith(".png") for n in names)


def test_the_request_is_recorded_in_message_yaml_and_the_rest_of_it_kept(reviewed):
    text = (reviewed.root / "messages/koosloome/message.yaml").read_text(encoding="utf-8")
    original = MESSAGE.format(id="koosloome", date="2026-11-02") + WITH_IMAGE + EVENT
    assert text.startswith(original)  # comments, order and layout of what kit review did not touch
    record = text[len(original):]
    assert "partner_review:\n  for: tartu2024\n  requested: " in record
    for part in ("et", "en", "image", "facts"):
        assert f"\n    {part}: " in record
    sheet = (reviewed.root / "outputs/review/index.html").read_text(encoding="utf-8")
    assert "Tartu 2024 partneri ülevaatus: küsitud " in sheet


def test_an_approval_is_recorded_and_an_edit_to_a_reviewed_text_voids_it(reviewed, tmp_path):
    project = copy_of(reviewed, tmp_path)
    before = kit(project, "check")
    assert before.returncode == 1
    assert "Tartu 2024 partner rule 3" in before.stdout and "requested on" in before.stdout

    result = kit(project, "review", "koosloome", "--approved-by", APPROVER)
    assert result.returncode == 0, result.stderr
    assert f"  approved_by: {APPROVER}\n" in (project.root / "messages/koosloome/message.yaml").read_text()
    sheet = (project.root / "outputs/review/index.html").read_text(encoding="utf-8")
    assert f"Tartu 2024 partneri ülevaatus: kinnitanud {APPROVER} (" in sheet  # the sheet says so at once
    approved = kit(project, "check")
    assert approved.returncode == 0, approved.stdout
    # Recording a review changes no output: nothing renders again.
    rebuilt = kit(project, "build")
    assert rebuilt.returncode == 0 and "Nothing changed" in rebuilt.stdout, rebuilt.stdout + rebuilt.stderr

    en = project.root / "messages/koosloome/en.md"
    en.write_text(en.read_text().replace("Join the co-creation workshop!", "Join the workshop!"))
    voided = kit(project, "check")
    assert voided.returncode == 1
    assert f"partner_review: the partner approval by {APPROVER}" in voided.stdout
    assert "is void: the en text changed since it was given" in voided.stdout
    assert "koosloome/message.yaml:7: tartu2024: Tartu 2024 partner rule 3" in voided.stdout


def test_an_approval_of_texts_changed_since_the_packet_is_refused(reviewed, tmp_path):
    project = copy_of(reviewed, tmp_path)
    et = project.root / "messages/koosloome/et.md"
    et.write_text(et.read_text().replace(ET["body"], "Uus tekst."))
    before = (project.root / "messages/koosloome/message.yaml").read_bytes()
    result = kit(project, "review", "koosloome", "--approved-by", APPROVER)
    assert result.returncode == 1
    assert "the et text changed since the review packet was made" in result.stderr
    assert (project.root / "messages/koosloome/message.yaml").read_bytes() == before


def test_check_enforces_the_first_three_rule_by_publication_date(project):
    # By id a, b, c, d; by publication date d, c, b, a: the fourth to go public (a) needs no review.
    for message_id, date in (("a", "2026-10-09"), ("b", "2026-10-07"), ("c", "2026-10-05"), ("d", "2026-10-03")):
        add(project, message_id, date, image=False)
    result = kit(project, "check")
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if "partner rule 3" in line]
    assert [line.split(":")[0] for line in errors] == [f"messages/{m}/message.yaml" for m in "bcd"]
    assert all(": tartu2024: Tartu 2024 partner rule 3: the first 3 public texts of a programme project go to the "
               "Tartu 2024 Foundation for review before distribution." in line for line in errors)
    assert "This is public text 1 of project 'loov-voru'" in errors[2]  # d goes public first
    for message_id in "bcd":
        recorded = kit(project, "review", message_id, "--approved-by", APPROVER)
        assert recorded.returncode == 0, recorded.stderr
    passed = kit(project, "check")
    assert passed.returncode == 0, passed.stdout


def test_a_bad_review_record_is_a_named_error(project):
    folder = add(project, "m", image=False)
    with (folder / "message.yaml").open("a") as handle:
        handle.write("partner_review:\n  for: tartu2025\n  approved_by: Mari Maasikas, SA Tartu 2024\n"
                     "  reviewed: {et: xyz}\n")
    result = kit(project, "check")
    assert result.returncode == 1
    assert ("messages/m/message.yaml:11: partner_review.for: unknown partner 'tartu2025' (did you mean "
            "'tartu2024'?); expected one of tartu2024") in result.stdout
    assert "messages/m/message.yaml:12: partner_review.approved_by: has no approved: beside it" in result.stdout
    assert "messages/m/message.yaml:13: partner_review.reviewed.et: 'xyz' is not a content hash" in result.stdout


@pytest.mark.parametrize("value, expected", [
    ("[true]", "tartu2024: write true or false, or the project as a mapping: tartu2024: {project: my-project}"),
    ("{project: Loov Võru}", "tartu2024.project: 'Loov Võru' is not a valid project id"),
    ("{projekt: loov-voru}", "tartu2024.projekt: unknown field (did you mean 'project'?)"),
], ids=["list", "not-an-id", "misspelt"])
def test_a_bad_programme_project_is_a_named_error(project, value, expected):
    project.add("m", MESSAGE.format(id="m", date="2026-11-02").replace("tartu2024:\n  project: loov-voru",
                                                                       f"tartu2024: {value}"))
    result = kit(project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"messages/m/message.yaml:7: {expected}" in result.stdout


def test_kit_approve_refuses_a_programme_message_that_needs_the_partners_review_first(project):
    folder = add(project, "m", image=False)
    meta = folder / "message.yaml"
    meta.write_text(meta.read_text().replace("status: approved", "status: draft"))
    refused = kit(project, "approve", "m", "--by", "Kristi Vals", "--yes")
    assert refused.returncode == 1
    assert "Tartu 2024 partner rule 3" in refused.stdout + refused.stderr
    assert "status: draft" in meta.read_text()
    assert kit(project, "review", "m", "--approved-by", APPROVER).returncode == 0
    approved = kit(project, "approve", "m", "--by", "Kristi Vals", "--yes")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert "status: approved" in meta.read_text()


@pytest.mark.parametrize("args, expected", [
    (("../m", "--for", "tartu2024"), "error: '../m' is not a message id"),
    (("m", "--for", "tartu2025"), "error: --for: unknown partner 'tartu2025'; kit knows tartu2024"),
    (("m", "--approved-by", "Mari Maasikas"), "error: --approved-by: 'Mari Maasikas': write the reviewer's name and "
                                              "organisation"),
    (("m",), "error: kit review: give either --for tartu2024"),
], ids=["path-as-id", "unknown-partner", "no-organisation", "neither"])
def test_kit_review_refuses_bad_arguments_plainly(project, args, expected):
    add(project, "m", image=False)
    before = (project.root / "messages/m/message.yaml").read_bytes()
    result = kit(project, "review", *args)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(expected), result.stderr
    assert (project.root / "messages/m/message.yaml").read_bytes() == before
    assert not (project.root / "outputs").exists()
