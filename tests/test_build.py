"""The linear build: incremental by input hash, failures isolated, only outputs/ written."""
import subprocess
import sys
from pathlib import Path

from kit.build import build
from kit.render import Registry
from kit.render.social import RENDERER as SOCIAL
from tests.conftest import NOW, TEXT_MD


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
    per_message = first.planned // 2
    et = project.root / "messages" / "b" / "et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Tule töötuppa!"))
    second = run(project)
    assert second.rendered == per_message
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
    assert (project.root / "outputs" / "manifest.json").is_file()


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
