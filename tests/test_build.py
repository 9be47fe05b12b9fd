"""The linear build: incremental by input hash, failures isolated, only outputs/ written, byte-identical
across processes, resumable after a kill."""
import io
import json
import os
import re
import shutil
import sqlite3
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from kit.build import build
from kit.check import check_project
from kit.plan import plan
from kit.render import Registry, builtin_registry
from kit.render.social import RENDERER as SOCIAL
from kit.model import Job
from kit.manifest import read_journal
from kit.store import Store
from tests.conftest import MESSAGE_YAML, NOW, REPO, TALLINN, TEXT_MD, Project, context, landscape


def social_only() -> Registry:
    registry = Registry()
    registry.register(SOCIAL)
    return registry


def run(project, workers=1):
    return build(project.settings, now=NOW, registry=social_only(), workers=workers)


def tree(root: Path, skip: str = "outputs") -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).parts[0] == skip}


def test_second_build_renders_nothing_and_changes_nothing(project):
    project.add("a")
    first = run(project, workers=2)
    assert first.rendered == first.planned > 0 and not first.failed
    before = tree(project.root / "outputs", skip="review")
    second = run(project)
    assert (second.rendered, second.skipped) == (0, first.planned)
    assert tree(project.root / "outputs", skip="review") == before


def test_changing_one_message_rerenders_only_its_jobs(project):
    project.add("a")
    project.add("b")
    first = run(project)
    per_language = first.planned // 2 // len(project.settings.languages)
    et = project.root / "messages" / "b" / "et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Tule töötuppa!"))
    second = run(project)
    assert second.rendered == per_language  # its Estonian jobs: the English ones do not read the Estonian text
    meta = project.root / "messages" / "b" / "message.yaml"
    meta.write_text(meta.read_text().replace("2026-11-02", "2026-11-03"))
    assert run(project).rendered == first.planned // 2  # what every language shares
    assert {r for r in second.failed} == set()


def test_a_failing_job_keeps_the_previous_files_and_the_others_go_on(project):
    project.add("a")
    project.add("b")
    run(project)
    square = project.root / "outputs/kit/social/b/et/instagram-square.jpg"
    good = square.read_bytes()
    long_title = " ".join(["Ülipikkpealkirisõnaderida"] * 30)
    (project.root / "messages/b/et.md").write_text(TEXT_MD.format(title=long_title, summary="S"))
    report = run(project)
    failed = {r.job.key for r in report.failed}
    assert "social/b/et/instagram-square" in failed
    assert not any(key.startswith("social/a/") for key in failed)
    assert square.read_bytes() == good
    again = run(project)  # failed jobs are retried, not marked done
    assert {r.job.key for r in again.failed} == failed


def test_nothing_is_written_outside_outputs(project):
    project.add("a")
    before = tree(project.root)
    run(project)
    assert tree(project.root) == before
    assert (project.root / "outputs" / "manifest.sqlite").is_file()


def test_deleting_a_message_removes_its_files(project):
    import shutil

    project.add("a")
    project.add("b")
    run(project)
    shutil.rmtree(project.root / "messages" / "b")
    report = run(project)
    assert report.removed > 0
    assert not (project.root / "outputs/kit/social/b").exists() or not any((project.root / "outputs/kit/social/b").rglob("*.jpg"))


def kit(project, *args):
    return subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), *args],
                          capture_output=True, text=True, timeout=120)


def test_check_lists_every_error_without_a_traceback(project):
    project.add("a", texts={"et": TEXT_MD.format(title="T", summary="S").replace("title:", "titel:")})
    project.add("b", (project.root / "messages/a/message.yaml").read_text().replace("id: a", "id: b")
                .replace("status: approved", "status: aproved"))
    result = kit(project, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "messages/a/et.md:2: titel: unknown field (did you mean 'title'?)" in result.stdout
    assert "messages/b/message.yaml:3: status: unknown status 'aproved' (did you mean 'approved'?); " \
           "expected one of draft, approved, withdrawn" in result.stdout


def test_build_error_shows_a_traceback_only_with_debug(project):
    project.add("a", (Path(__file__).parent / "conftest.py").read_text()[:0] + "id: [")
    plain = kit(project, "build")
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert "messages/a/message.yaml:1: not valid YAML" in plain.stderr
    debug = kit(project, "--debug", "build")
    assert "Traceback" in debug.stderr


def test_new_scaffolds_a_message_that_checks_without_errors(project):
    result = kit(project, "new", "uus-sonum", "--title", "Uus sõnum")
    assert result.returncode == 0, result.stderr
    check = kit(project, "check")
    assert check.returncode == 0, check.stdout


def test_a_no_change_rebuild_decides_from_hashes_without_importing_weasyprint(project):
    """The expensive renderer libraries load only when a job actually renders."""
    project.add("a")
    first = kit(project, "build")
    assert first.returncode == 0, first.stderr
    probe = ("import sys; from click.testing import CliRunner; from kit.cli import main; "
             f"r = CliRunner().invoke(main, ['--root', {str(project.root)!r}, 'build']); "
             "print(r.output.splitlines()[0]); print('weasyprint' in sys.modules, 'pypdfium2' in sys.modules)")
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert second.stdout.splitlines() == [second.stdout.splitlines()[0], "False False"], second.stdout + second.stderr
    assert second.stdout.startswith("Nothing changed")


def test_a_build_warms_up_a_renderer_once_before_forking_and_only_with_its_jobs_to_render(project):
    """WeasyPrint's import (half a second) in the parent, once, instead of in each worker with its first PDF: after
    an edit the worker free first takes the next PDF either way. Not when nothing of that kind is rendered."""
    import multiprocessing

    warmed: list[str] = []
    registry = Registry()
    registry.register(replace(SOCIAL, warm_up=lambda: warmed.append(multiprocessing.current_process().name)))
    project.add("a")
    project.add("b")
    assert build(project.settings, now=NOW, registry=registry, workers=2).rendered > 0
    assert warmed == ["MainProcess"]
    assert build(project.settings, now=NOW, registry=registry, workers=2).rendered == 0
    assert warmed == ["MainProcess"]


# ---- byte-identical rebuilds -------------------------------------------------------------------

def cold_build(root: Path, hash_seed: str, workers: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    result = subprocess.run([sys.executable, "-m", "kit", "--root", str(root), "build", "--now", "2026-11-26T12:00",
                             "--workers", workers], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def differing(first: Path, second: Path) -> list[str]:
    a, b = tree(first), tree(second)
    return sorted((set(a) ^ set(b)) | {rel for rel in set(a) & set(b) if a[rel] != b[rel]})


def test_two_cold_builds_in_separate_processes_are_byte_identical(project, tmp_path):
    """Same inputs, same bytes: whatever the folder, the process (hash seed), the worker count or the clock.
    The SHA-256 values on the download pages and in the feeds depend on it."""
    project.add("a")
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(project.root, first)
    shutil.copytree(project.root, second)
    cold_build(first, hash_seed="1", workers="1")
    cold_build(second, hash_seed="2", workers="2")
    for folder in ("kit", "site"):
        assert any((first / "outputs" / folder).rglob("*.pdf"))
        changed = differing(first / "outputs" / folder, second / "outputs" / folder)
        assert not changed, f"outputs/{folder}: {len(changed)} files differ between two cold builds: {changed}"


def test_job_warnings_do_not_depend_on_which_jobs_the_process_ran_before(project, tmp_path):
    """Whatever the worker count (so whichever jobs one process ran before), every job records the same
    warnings: the manifest and the review sheet come out the same from every build. A Võro listing that
    falls back to Estonian, and a photo below 300 dpi, give warnings to several jobs."""
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('languages = ["et", "en"]', 'languages = ["et", "vro"]'))
    texts = {"et": TEXT_MD.format(title="Tule töötuppa!", summary="Valime tegevused.")}
    project.add("a", texts=texts, image=landscape(size=(1600, 1000)))
    project.add("b", texts=texts, image=landscape(size=(1600, 1000)))
    warnings = {}
    for workers in (1, 2):
        copy = tmp_path / f"workers-{workers}"
        shutil.copytree(project.root, copy)
        build(Project(copy).settings, now=NOW, workers=workers)
        with sqlite3.connect(copy / "outputs/manifest.sqlite") as db:
            rows = db.execute("SELECT key, entry FROM jobs").fetchall()
        warnings[workers] = {key: json.loads(entry).get("warnings", []) for key, entry in rows}
    assert any(warnings[1].values()), "the project was meant to give some job warnings"
    assert warnings[1] == warnings[2]


# ---- a killed build resumes --------------------------------------------------------------------

def assert_whole(folder: Path, temp_files_allowed: bool = False) -> None:
    """Every file complete and readable as what it claims to be. A file being written at a kill is a hidden
    temp file (renamed into place only when complete): allowed right after the kill, swept by the next build."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(".") and temp_files_allowed:
            continue
        assert not path.name.startswith("."), f"left-over temp file {path}"
        data = path.read_bytes()
        if path.suffix in (".jpg", ".png"):
            with Image.open(io.BytesIO(data)) as image:
                image.load()
        elif path.suffix == ".pdf":
            with pikepdf.open(io.BytesIO(data)) as pdf:
                assert len(pdf.pages) >= 1, path
        elif path.suffix in (".docx", ".zip"):
            assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None, path
        elif path.suffix == ".json":
            json.loads(data)
        else:
            data.decode("utf-8")


def test_a_killed_build_resumes_where_it_stopped(project):
    project.add("a")
    kit_dir = project.root / "outputs" / "kit"
    jobs = plan(context(project), builtin_registry())

    def finished() -> set[str]:
        return {job.key for job in jobs if all((kit_dir / rel).is_file() for rel in job.outputs)}

    command = [sys.executable, "-m", "kit", "--root", str(project.root), "build", "--now", "2026-11-26T12:00",
               "--workers", "1"]
    scratch = project.root.parent / "scratch"  # what the killed process cannot remove stays with the test
    scratch.mkdir()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, "TMPDIR": str(scratch)})
    try:
        deadline = time.monotonic() + 300
        while len(finished()) < 10:  # killed in the middle, whichever jobs come first
            assert process.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "the build made no progress"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert_whole(kit_dir, temp_files_allowed=True)
    done = finished()
    assert 8 < len(done) < len(jobs)

    rendered: list[str] = []
    report = build(project.settings, now=NOW, workers=1, progress=lambda _d, _t, result: rendered.append(result.job.key))
    assert not report.failed and report.planned == len(jobs)
    # At most the one job whose files were in place but not yet recorded at the moment of the kill.
    again = set(rendered) & done
    assert len(again) <= 1, f"{len(again)} jobs finished before the kill were rendered again: {sorted(again)}"
    assert set(rendered) | done == {job.key for job in jobs}
    assert_whole(kit_dir)
    assert not (project.root / "outputs" / "manifest.journal").exists()


def test_a_torn_journal_line_is_skipped(tmp_path):
    whole = json.dumps({"key": "social/a/et/x", "entry": {"hash": "1"}})
    later = json.dumps({"key": "social/a/et/story", "entry": {"hash": "2"}})
    journal = tmp_path / "manifest.journal"
    journal.write_text(whole + "\n" + whole[:25] + later + "\n" + later[:-1] + "\n" + later + "\n")
    assert read_journal(journal) == {"social/a/et/x": {"hash": "1"}, "social/a/et/story": {"hash": "2"}}


def test_an_older_kits_manifest_and_journal_are_taken_over_and_its_temp_files_swept(tmp_path):
    """kit before the database manifest wrote manifest.json and a journal of the jobs finished since (newer): the
    next build reads both into outputs/manifest.sqlite, removes them, and sweeps a killed write's temp files."""
    out = tmp_path / "outputs"
    leftover = out / "kit/social/a/et/.x.jpg.k2j3.tmp"  # written when a kill came
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a jpeg")
    older = {"hash": "0", "outputs": ["social/a/et/x.jpg"]}
    story = {"hash": "2", "outputs": ["social/a/et/story.jpg"], "error": "cannot fit"}
    (out / "manifest.json").write_text(json.dumps({"jobs": {"social/a/et/x": older, "social/a/et/story": story}}))
    entry = {"hash": "1", "outputs": ["social/a/et/x.jpg"]}
    (out / "manifest.journal").write_text(json.dumps({"key": "social/a/et/x", "entry": entry}) + "\n")
    store = Store.open(out)
    job = Job(kind="social", message_id="a", lang="et", variant="x", outputs=("social/a/et/x.jpg",), input_hash="1")
    assert store.result(job) is not None and store.result(job).input_hash == "1"
    assert store.errors() == {"social/a/et/story": "cannot fit"}
    store.commit()
    assert not (out / "manifest.json").exists() and not (out / "manifest.journal").exists() and not leftover.exists()
    again = Store.open(out)
    assert again.result(job).input_hash == "1" and again.errors() == {"social/a/et/story": "cannot fit"}


def test_a_build_that_records_nothing_leaves_the_manifest_and_does_not_search_the_built_files(tmp_path, monkeypatch):
    """outputs/kit is 130 000 files at 1 000 messages: a build with nothing to record does not change the manifest
    (nor its digest, which keys the site stage), nor search outputs/kit for a killed write's temp files (none can
    be there); recording a job changes the digest."""
    out = tmp_path / "outputs"
    store = Store.open(out)
    job = Job(kind="social", message_id="a", lang="et", variant="x", outputs=("social/a/et/x.jpg",), input_hash="1")
    from kit.model import Artifact, JobResult

    store.save(JobResult(job=job, artifacts=(Artifact("social/a/et/x.jpg", b"jpeg"),)))
    assert (out / "manifest.writing").exists()
    store.commit()
    assert not (out / "manifest.writing").exists()
    manifest = out / "manifest.sqlite"
    written = (manifest.read_bytes(), store.digest())

    searched = []
    real_glob = Path.glob
    monkeypatch.setattr(Path, "glob", lambda self, pattern: searched.append((self, pattern)) or real_glob(self, pattern))
    again = Store.open(out)
    assert again.is_current(job)
    again.commit()
    assert (manifest.read_bytes(), again.digest()) == written
    assert not [pattern for folder, pattern in searched if folder == out / "kit"]
    again.save(JobResult(job=job, artifacts=(), error="cannot fit"))
    assert Store.open(out).digest() != written[1] and not Store.open(out).is_current(job)


# ---- two builds in one process -------------------------------------------------------------------

def test_a_second_build_in_the_same_process_renders_a_replaced_photo(project, tmp_path):
    """A preview server or a watcher builds many times in one process: no cache may keep the old photo."""
    project.add("a")
    run(project)
    social = project.root / "outputs/kit/social/a"
    before = tree(social)
    landscape(sky="#D9482B", ground="#F2C94C").save(project.root / "messages/a/hero.jpg", quality=85)
    second = run(project)
    assert second.rendered == second.planned and not second.failed
    changed = [rel for rel, data in tree(social).items() if rel.endswith(".jpg") and data != before[rel]]
    assert "et/instagram-square.jpg" in changed

    fresh = tmp_path / "fresh"
    shutil.copytree(project.root, fresh, ignore=shutil.ignore_patterns("outputs"))
    probe = ("from pathlib import Path; from kit.build import build; from kit.config import load_settings; "
             "from tests.conftest import NOW; from tests.test_build import social_only; "
             f"build(load_settings(Path({str(fresh)!r})), now=NOW, registry=social_only(), workers=1)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr
    stale = differing(social, fresh / "outputs/kit/social/a")
    assert not stale, f"the second in-process build differs from a fresh process in {stale}"


# ---- kit check after a build -------------------------------------------------------------------

PREFLIGHTS: list[tuple[str, str]] = []  # (message, language) of every social pre-flight run in this process


def _counted_check(message, lang, ctx):
    PREFLIGHTS.append((message.id, lang))
    return SOCIAL.check(message, lang, ctx)


def test_check_preflights_only_what_changed_since_the_build(project):
    """README, "How it works": after a build, `kit check` skips the pre-flight of messages whose jobs are current."""
    from kit.check import check_project

    counting = Registry()
    counting.register(replace(SOCIAL, check=_counted_check))  # same plan, same job hashes as social_only()
    # One language, two messages: at most two pre-flights, which check runs in this process, where they are counted.
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('languages = ["et", "en"]', 'languages = ["et"]'))
    project.add("a")
    project.add("b")
    run(project)
    PREFLIGHTS.clear()
    assert [p for p in check_project(project.settings, counting) if p.severity == "error"] == []
    assert PREFLIGHTS == []
    # A deleted output is rendered again by the next build, but a pre-flight would find what it found: the check
    # asks the manifest about the inputs only (no stat of every built file).
    shutil.rmtree(project.root / "outputs/kit/social/a")
    check_project(project.settings, counting)
    assert PREFLIGHTS == []
    et = project.root / "messages/b/et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Tule töötuppa!"))
    check_project(project.settings, counting)
    assert PREFLIGHTS == [("b", "et")]


def _counted_newsletter_check(message, lang, ctx):
    from kit.render.newsletter import RENDERER as NEWSLETTER

    PREFLIGHTS.append((message.id, lang))
    return NEWSLETTER.check(message, lang, ctx)


def test_check_after_a_build_skips_the_newsletter_preflight(project):
    """A newsletter issue's job carries the issue's id, not a message's: after a build, `kit check` still knows
    the messages in a current issue and re-renders no issue (issue 13: every check re-rendered every issue)."""
    from kit.check import check_project
    from kit.render.newsletter import RENDERER as NEWSLETTER

    newsletter = Registry()
    newsletter.register(NEWSLETTER)
    counting = Registry()
    counting.register(replace(NEWSLETTER, check=_counted_newsletter_check))  # same plan and job hashes
    # One language: at most two pre-flights, which check runs in this process, where they are counted.
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('languages = ["et", "en"]', 'languages = ["et"]'))
    project.add("a")
    project.add("b")
    report = build(project.settings, now=NOW, registry=newsletter, workers=1)
    assert report.rendered == report.planned > 0 and not report.failed
    PREFLIGHTS.clear()
    assert [p for p in check_project(project.settings, counting) if p.severity == "error"] == []
    assert PREFLIGHTS == []
    et = project.root / "messages/b/et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Tule töötuppa!"))
    check_project(project.settings, counting)
    assert sorted(PREFLIGHTS) == [("a", "et"), ("b", "et")]  # the issue holding b, in the language changed


# ---- expires -----------------------------------------------------------------------------------

def site_contents(project) -> dict[str, bytes]:
    """Every file of outputs/site, and every member of its bundles as `bundle.zip!member`."""
    site = project.root / "outputs/site"
    contents = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        contents[rel] = path.read_bytes()
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as bundle:
                contents.update({f"{rel}!{name}": bundle.read(name) for name in bundle.namelist()})
    return contents


def mentions(contents: dict[str, bytes], *needles: str) -> list[str]:
    return sorted(rel for rel, data in contents.items()
                  if any(n in rel or n.encode() in data for n in needles))


def test_a_message_leaves_the_site_when_it_expires(project):
    """`expires` (README, "Writing a message"): until that moment the message is on the site; from it on, its
    files, pages, feed entries and bundle members are gone. The other messages stay."""
    project.add("jaab")
    expiring = MESSAGE_YAML.format(id="aegub") + "expires: 2026-12-01 00:00 Europe/Tallinn\n"
    project.add("aegub", expiring, texts={"et": TEXT_MD.format(title="Aeguv teade", summary="S"),
                                          "en": TEXT_MD.format(title="Expiring notice", summary="S")})
    build(project.settings, now=NOW, registry=social_only())
    before = site_contents(project)
    needles = ("aegub", "Aeguv teade", "Expiring notice")
    for kind in ("files/", "et/", "en/", "feeds/", "bundles/"):
        assert any(rel.startswith(kind) for rel in mentions(before, *needles)), (kind, mentions(before, *needles))

    build(project.settings, now=datetime(2026, 12, 1, 0, 0, tzinfo=TALLINN), registry=social_only())
    after = site_contents(project)
    assert mentions(after, *needles) == []
    assert any(rel.startswith("files/social/jaab/") for rel in after)
    assert "feeds/all.atom" in mentions(after, "message/jaab/")


# ---- worker processes forked from a process that has rendered ----------------------------------

def _font_folder_after_rendering(job):
    from kit.build import render_job
    from kit.render.pdf import font_config

    assert not render_job(job).error
    return str(font_config()._folder)


def _font_folder_after_checking(task):
    from kit.check import _check
    from kit.render.pdf import font_config

    _check(task)
    return str(font_config()._folder)


def test_forked_workers_make_their_own_fonts_and_leave_the_parents_alone(ctx):
    """A test or a preview server renders in its own process, then builds or checks with workers. WeasyPrint
    names font files by content inside its configuration's folder: workers sharing the parent's folder rewrote
    the same file under each other's memory map and died of a bus error (seen in CI, in a build and later in
    `kit check`'s pre-flights). Each worker, rendering or checking, must have its own folder."""
    from kit.model import Job
    from kit.render.pdf import font_config
    from kit.render.poster import render as render_poster
    from kit.workers import worker_pool

    jobs = [Job("poster", "koosloome", "et", f"{m}-A4", (f"p/{m}.pdf", f"p/{m}.png"),
                {"municipality": m, "size": "A4", "office": ""}) for m in ("rouge", "voru-linn")]
    render_poster(jobs[0], ctx)  # the parent has rendered: its font configuration and folder exist
    parent_folder = font_config()._folder
    assert parent_folder is not None and parent_folder.is_dir()
    with worker_pool(2, ctx, builtin_registry()) as pool:
        folders = list(pool.map(_font_folder_after_rendering, jobs))
        folders += pool.map(_font_folder_after_checking, [("poster", "koosloome", lang) for lang in ("et", "en")])
    assert str(parent_folder) not in folders
    assert parent_folder.is_dir(), "a worker deleted the parent's font folder"
    left = [folder for folder in folders if Path(folder).exists()]
    assert not left, f"workers left their fonts behind when the pool stopped: {left}"


@pytest.mark.parametrize("workers", ["2", "1"])
def test_a_build_ended_by_sigterm_leaves_no_fonts_in_the_temporary_folder(project, tmp_path, workers):
    """The studio ends a superseded build, with its workers, by SIGTERM. Each worker had copied the brand's fonts
    to a temporary folder of its own (1.4 MB) that nothing removed: 2 312 of them, 3 GB, after a day of use. A
    one-process build (one batch of jobs, or --workers 1) renders in its own process, which must remove it too."""
    project.add("a")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    command = [sys.executable, "-m", "kit", "--root", str(project.root), "build", "--now", "2026-11-26T12:00",
               "--workers", workers]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, "TMPDIR": str(scratch)})
    try:
        deadline = time.monotonic() + 300
        while not any(scratch.rglob("weasyprint-*/*")):  # a worker has begun a PDF
            assert process.poll() is None, "the build ended before a worker made its fonts"
            assert time.monotonic() < deadline, "no worker made its fonts"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    time.sleep(0.5)  # the workers end after the build's process
    assert not list(scratch.iterdir()), f"left in the temporary folder: {sorted(p.name for p in scratch.iterdir())}"


def test_every_worker_pool_is_made_by_kit_workers():
    """The rule above lives in `kit.workers.worker_pool`; a pool made anywhere else would skip it (as
    `kit check`'s did)."""
    kit_dir = REPO / "kit"
    makers = sorted(str(path.relative_to(kit_dir)) for path in kit_dir.rglob("*.py")
                    if re.search(r"\b(ProcessPoolExecutor|multiprocessing\.Pool|os\.fork)\(", path.read_text()))
    assert makers == ["workers.py"]


# ---- the message memo: unchanged folders are not read again ----------------------------------------------

def loaded_twice(project, monkeypatch):
    """Messages a and b loaded once; then (settings, brand, that content, the folder names every later load reads)."""
    import kit.content as content_module
    from kit.brand import load_brand
    from kit.content import load_content

    project.add("a")
    project.add("b")
    settings = project.settings
    brand, _ = load_brand(settings.brand_dir, settings.root)
    first = load_content(settings, brand)
    read: list[str] = []
    real = content_module.load_message
    monkeypatch.setattr(content_module, "load_message",
                        lambda folder, *args, **kwargs: read.append(folder.name) or real(folder, *args, **kwargs))
    return settings, brand, first, read


def test_unchanged_message_folders_come_from_the_memo_and_every_change_is_read(project, monkeypatch):
    """Reading a message decodes its photo whole; a rebuild takes unchanged folders from the last build's memo.
    An edited text, a photo damaged in place (its old timestamp put back) and a changed brand are read anew."""
    from kit.content import load_content

    settings, brand, first, read = loaded_twice(project, monkeypatch)

    again = load_content(settings, brand, known=first.loaded)
    assert read == [] and again.messages == first.messages and again.problems == first.problems

    et = project.root / "messages/b/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka!"), encoding="utf-8")
    edited = load_content(settings, brand, known=again.loaded)
    assert read == ["b"]
    assert {m.id: m.text("et").title for m in edited.messages}["b"] == "Tule ikka!"

    hero = project.root / "messages/a/hero.jpg"
    stat = hero.stat()
    data = hero.read_bytes()
    hero.write_bytes(data[: len(data) // 3])
    os.utime(hero, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a copy that kept the old timestamp
    damaged = load_content(settings, brand, known=edited.loaded)
    assert read == ["b", "a"]
    assert [p for p in damaged.errors if p.path.endswith("a/message.yaml") and "hero.jpg" in p.text]

    read.clear()
    colours = settings.brand_dir / "tokens.yaml"
    colours.write_text(colours.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    load_content(settings, brand, known=damaged.loaded)
    assert sorted(read) == ["a", "b"], "a changed brand must have every message read again"


def test_a_garbled_memo_is_ignored(project):
    project.add("a")
    memo = project.root / "outputs/state/messages.pickle"
    memo.parent.mkdir(parents=True)
    memo.write_bytes(b"\x80\x05not a pickle at all")
    report = run(project)
    assert not report.failed and report.rendered == report.planned > 0
    assert memo.read_bytes().startswith(b"\x80")
    assert run(project).rendered == 0


# ---- the plan memo: an unchanged message's jobs are not planned again -------------------------------------

def test_unchanged_messages_take_their_jobs_from_the_plan_memo_and_every_change_is_planned_anew(project):
    """Planning hashes the JSON of every job's inputs (37 000 jobs at 1 000 messages); a build takes each unchanged
    message's jobs from the last build's plan. Whatever came from the memo equals a plan made from scratch."""
    from kit.plan import plan_from

    project.add("a")
    project.add("b")
    registry = builtin_registry()
    ctx = context(project)
    jobs, memo = plan_from(ctx, registry, None)
    assert jobs == plan(ctx, registry) and set(memo.messages) == {"a", "b"}

    again, kept = plan_from(context(project), registry, memo)
    assert kept is memo, "nothing changed: the memo is kept as it is (and not written again)"
    assert again == jobs and again[0] is memo.messages["a"][1][0]

    et = project.root / "messages/b/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka!"), encoding="utf-8")
    edited = context(project)
    after_edit, memo_after_edit = plan_from(edited, registry, kept)
    assert after_edit == plan(edited, registry) != jobs
    assert memo_after_edit.messages["a"] is memo.messages["a"] and memo_after_edit.messages["b"] != memo.messages["b"]

    # What every message's jobs follow from: the settings, a renderer's code (its plan is part of it), the brand.
    fewer_sizes = replace(edited, settings=replace(edited.settings, poster_sizes=("A3",)))
    other_code = Registry()
    for renderer in registry:
        other_code.register(replace(renderer, helpers=(*renderer.helpers, "kit.pull")) if renderer.name == "poster" else renderer)
    for changed_ctx, changed_registry in ((fewer_sizes, registry), (edited, other_code)):
        replanned, replanned_memo = plan_from(changed_ctx, changed_registry, memo_after_edit)
        assert replanned == plan(changed_ctx, changed_registry)
        assert replanned_memo.messages["a"] is not memo_after_edit.messages["a"]
    tokens = project.root / "brand/tokens.yaml"
    tokens.write_text(tokens.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _, after_brand = plan_from(context(project), registry, memo_after_edit)
    assert after_brand.messages["a"] is not memo_after_edit.messages["a"]

    shutil.rmtree(project.root / "messages/b")
    _, without_b = plan_from(context(project), registry, after_brand)
    assert set(without_b.messages) == {"a"}


def test_a_build_keeps_its_plan_and_a_no_change_build_or_a_check_leaves_it(project):
    project.add("a")
    run(project)
    memo = project.root / "outputs/state/plan.pickle"
    written = memo.stat().st_mtime_ns
    assert run(project).rendered == 0
    check_project(project.settings, registry=social_only(), now=NOW)
    assert memo.stat().st_mtime_ns == written
    memo.write_bytes(b"\x80\x05not a pickle at all")
    assert run(project).rendered == 0, "a garbled plan memo is only a missed shortcut"
    assert memo.read_bytes().startswith(b"\x80\x05\x95")


def test_the_stats_made_in_a_fork_see_a_deleted_file_and_a_failed_fork_costs_only_time(project, monkeypatch):
    """From 5 000 jobs in the last plan, a build stats their files in a fork while it loads and plans."""
    import kit.build

    project.add("a")
    project.add("b")
    first = run(project)
    monkeypatch.setattr(kit.build, "STATS_BESIDE_FROM", 0)
    made, forks = [], []
    real, real_beside = Store.stat_built, kit.build.beside
    monkeypatch.setattr(Store, "stat_built", lambda self, paths: made.append(len(paths)) or real(self, paths))
    monkeypatch.setattr(kit.build, "beside", lambda work: forks.append(1) or real_beside(work))
    assert run(project).rendered == 0
    assert (forks, made) == ([1], []), "stated in a fork, not here"
    gone = project.root / "outputs/kit/social/b/en/instagram-square.jpg"
    gone.unlink()
    assert (run(project).rendered, gone.is_file()) == (1, True)

    def broken(self, paths):
        raise OSError("the fork fails")
    monkeypatch.setattr(Store, "stat_built", broken)
    gone.unlink()
    assert (run(project).rendered, gone.is_file()) == (1, True)
    assert run(project).rendered == 0 and first.planned > 1


def test_work_beside_is_stopped_when_its_result_is_not_wanted():
    from kit.workers import beside

    assert beside(lambda: {"answer": 42}).result() == {"answer": 42}
    slow = beside(lambda: time.sleep(60))
    started = time.monotonic()
    slow.cancel()
    assert time.monotonic() - started < 5
    try:
        os.kill(slow._pid, 0)
        still_there = True
    except ProcessLookupError:
        still_there = False
    assert not still_there


# ---- the order jobs are rendered in ----------------------------------------------------------------------

def test_a_worker_gets_a_messages_jobs_of_a_kind_together_and_a_chosen_message_language_first(project):
    """What a worker keeps for the next job (a card's scaled photo, the press photo, a poster's title size) serves
    the rest of the batch: a whole build hands a worker all of a message's jobs of one kind, split by language only
    when that is a large share of the build; largest first. The studio's build of one message shows the first
    language's previews first."""
    from kit.build import render_batches

    project.add("a", image=landscape())
    project.add("b", image=landscape())
    ctx = context(project)
    registry = builtin_registry()
    jobs = plan(ctx, registry)
    languages = ctx.settings.languages
    costs = {renderer.name: renderer.cost for renderer in registry}
    batches = render_batches(jobs, languages, chosen_messages=False, workers=2, costs=costs)
    assert sorted(j.key for b in batches for j in b) == sorted(j.key for j in jobs)
    cost = [sum(costs[j.kind] for j in b) for b in batches]
    assert cost == sorted(cost, reverse=True)  # costliest first
    for batch in batches:
        assert len({(j.message_id, j.kind) for j in batch}) == 1
        assert [j.lang for j in batch] == sorted((j.lang for j in batch), key=languages.index)
    most = sum(costs[j.kind] for j in jobs) / (4 * 2)
    together = split = 0
    for group in {(j.message_id, j.kind) for j in jobs}:
        mine = [b for b in batches if (b[0].message_id, b[0].kind) == group]
        size = sum(costs[j.kind] for b in mine for j in b)
        if size <= most:
            assert len(mine) == 1
            together += 1
        else:  # a large share of the build: a batch per language
            assert sorted(b[0].lang for b in mine) == sorted({j.lang for b in mine for j in b})
            assert all(len({j.lang for j in b}) == 1 for b in mine)
            split += 1
    assert together and split, "the project was meant to give both"

    chosen = render_batches([j for j in jobs if "a" in j.sources], languages, chosen_messages=True, workers=2)
    assert all(len(b) == 1 for b in chosen)
    assert [b[0].lang for b in chosen] == sorted((b[0].lang for b in chosen), key=languages.index)


def test_a_messages_press_photo_is_encoded_once_for_all_its_languages(project):
    """Every language's press text offers the same photo files: a worker encodes them once."""
    from kit.render.press import _photo_jpeg
    from kit.render.press import render as render_press

    project.add("a", image=landscape(size=(2400, 1600)))
    ctx = context(project)
    jobs = [j for j in plan(ctx, builtin_registry()) if j.kind == "press" and j.message_id == "a"]
    assert len(jobs) == len(ctx.settings.languages) > 1
    _photo_jpeg.cache_clear()
    photos = [[a.data for a in render_press(job, ctx) if a.path.endswith(".jpg")] for job in jobs]
    assert len(photos[0]) == 2 and all(p == photos[0] for p in photos)
    info = _photo_jpeg.cache_info()
    assert (info.misses, info.hits) == (2, 2 * (len(jobs) - 1))


def test_the_brands_web_fonts_are_made_from_its_current_fonts():
    """The committed WOFF2 copies (scripts/make_brand_assets.py) are what converting the brand's fonts gives now:
    a font replaced without running the script fails here, not on the site."""
    import hashlib

    from kit.brand import load_brand
    from kit.site.pages import WEB_FONT_ROLES, prepared_web_font, woff2

    brand, problems = load_brand(REPO / "brand", REPO)
    assert brand is not None, problems
    for font in {getattr(brand.fonts, role) for role in WEB_FONT_ROLES}:
        prepared = prepared_web_font(font, hashlib.sha256(font.read_bytes()).hexdigest())
        assert prepared.is_file(), f"no WOFF2 copy of {font.name}: run scripts/make_brand_assets.py"
        assert prepared.read_bytes() == woff2(font), f"{prepared.name} is not {font.name} converted"


def test_the_site_links_the_brands_prepared_web_fonts_and_converts_none(project, monkeypatch):
    import kit.site

    def refused(font):
        raise AssertionError(f"converted {font.name}, which the brand has a copy of")

    monkeypatch.setattr(kit.site, "woff2", refused)
    project.add("a")
    run(project, workers=2)
    fonts = sorted((project.root / "outputs/site/assets/fonts").glob("*.woff2"))
    prepared = {p.name.rsplit("-", 1)[0]: p for p in (project.root / "brand/fonts/web").glob("*.woff2")}
    assert len(fonts) == 5 and all(f.samefile(prepared[f.stem]) for f in fonts)


def test_the_sites_fonts_are_converted_once_each_and_only_when_a_font_changed(project, monkeypatch):
    """Fonts the brand has no WOFF2 copy of are converted in a thread beside the workers; each font once, and
    not again next time."""
    import kit.site

    converted = []

    def counted(font):
        converted.append(font.name)
        return b"wOF2" + font.name.encode()

    monkeypatch.setattr(kit.site, "woff2", counted)
    shutil.rmtree(project.root / "brand/fonts/web")
    project.add("a")
    run(project, workers=2)
    fonts = sorted((project.root / "outputs/site/assets/fonts").glob("*.woff2"))
    assert fonts and sorted(converted) == sorted({f.stem + ".otf" for f in fonts})
    assert all(f.read_bytes() == b"wOF2" + (f.stem + ".otf").encode() for f in fonts)
    converted.clear()
    run(project, workers=2)
    assert converted == []


def test_only_the_build_after_a_killed_write_searches_the_built_files_for_temp_files(tmp_path, monkeypatch):
    """A kill in the middle of a write leaves a hidden temp file in outputs/kit, and the WRITING mark. Only then
    is outputs/kit searched (every built file: 1.5 s at 1 000 messages); a build's own writes leave none."""
    from kit.model import Artifact, JobResult

    out = tmp_path / "outputs"
    searched: list[tuple[Path, str]] = []
    real_glob = Path.glob
    monkeypatch.setattr(Path, "glob", lambda self, pattern: searched.append((self, pattern)) or real_glob(self, pattern))
    job = Job(kind="social", message_id="a", lang="et", variant="x", outputs=("social/a/et/x.jpg",), input_hash="1")
    store = Store.open(out)
    store.save(JobResult(job=job, artifacts=(Artifact("social/a/et/x.jpg", b"jpeg"),)))
    store.commit()
    assert not [s for s in searched if s[0] == out / "kit"], "a build that was not killed searched outputs/kit"

    leftover = out / "kit/social/a/et/.x.jpg.k2j3.tmp"  # as a kill midway through a write leaves it
    leftover.write_bytes(b"half a jpeg")
    (out / "manifest.writing").touch()
    Store.open(out).commit()
    assert not leftover.exists() and not (out / "manifest.writing").exists()


def test_a_jobs_input_hash_is_the_sha256_of_all_its_inputs_as_sorted_json(project):
    """The input hash decides what is rendered again; it must not change when the planning gets faster (every
    job of every project would be rendered again). It is the SHA-256 of this JSON, keys sorted, for the jobs
    of a message and for a newsletter issue's alike."""
    import hashlib

    from kit.brand import CORE_INPUTS, fingerprint

    project.add("a")
    project.add("b")
    ctx = context(project)
    registry = builtin_registry()
    jobs = plan(ctx, registry)
    assert {job.kind for job in jobs if job.members}, "the project was meant to have a newsletter issue"
    for job in jobs:
        renderer = next(r for r in registry if r.name == job.kind)
        of_several = job.sources != (job.message_id,)  # a newsletter issue, a municipality calendar (maybe empty)
        content = "".join(ctx.messages[m].content_digest(job.lang) for m in job.members) if of_several else \
            ctx.messages[job.message_id].content_digest(job.lang)
        inputs = {
            "job": [job.kind, job.message_id, job.lang, job.variant, list(job.outputs), sorted(job.params.items()),
                    list(job.members)],
            "content": content,
            "brand": fingerprint(ctx.brand.root, CORE_INPUTS + renderer.brand_inputs),
            "code": renderer.code_hash,
            "settings": [ctx.settings.site_url, list(ctx.settings.languages), ctx.settings.default_timezone,
                         ctx.settings.utm, ctx.settings.utm_campaign],
        }
        assert job.input_hash == hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest(), job.key
