"""The linear build: incremental by input hash, failures isolated, only outputs/ written."""
import subprocess
import sys
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from kit.build import build
from kit.render import Registry
from kit.render.social import RENDERER as SOCIAL
from tests.conftest import MESSAGE_YAML, NOW, TALLINN, TEXT_MD


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


def test_new_scaffolds_a_message_that_checks_clean(project):
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
    et = project.root / "messages/b/et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Tule töötuppa!"))
    check_project(project.settings, counting)
    assert PREFLIGHTS == [("b", "et")]


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
