"""Building part of the project: `kit build --message`, `--kind`, `--site-only`, a smaller registry through the
API. Whatever is rendered, every other output stays as it is (same bytes, not even rewritten), the site is made
from every built job, and only what no longer exists is removed. And the other way round: a change to the code
or libraries a renderer uses re-renders that renderer's jobs, and only those."""
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kit.build import build
from kit.plan import plan
from kit.render import builtin_registry
from tests.conftest import MESSAGE_YAML, NOW, TEXT_MD, context, new_project, Project
from tests.test_build import loaded_twice, social_only


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Two messages (one newsletter issue holds both), built once with every renderer."""
    project = new_project(tmp_path_factory.mktemp("partial") / "proj")
    project.add("a")
    project.add("b")
    report = build(project.settings, now=NOW, workers=2)
    assert report.rendered == report.planned > 0 and not report.failed
    return project.root


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    shutil.copytree(built, root)  # copy2: mtimes kept, so "untouched" can be told from "rewritten"
    return Project(root)


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def site_files(project: Project) -> set[str]:
    files = project.root / "outputs/site/files"
    return {p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()}


def edit(project: Project, message_id: str) -> None:
    et = project.root / "messages" / message_id / "et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", f"Tule töötuppa {message_id.upper()}!"))


def outputs_of(project: Project, chosen) -> set[str]:
    return {rel for job in plan(context(project), builtin_registry()) if chosen(job) for rel in job.outputs}


def untouched_except(before: dict, after: dict, allowed: set[str]) -> list[str]:
    """Files outside `allowed` that changed in bytes or mtime, or appeared or vanished."""
    return sorted(rel for rel in before.keys() | after.keys() if rel not in allowed and before.get(rel) != after.get(rel))


def kit(project: Project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), *args],
                          capture_output=True, text=True, timeout=300)


def test_build_message_renders_only_its_jobs_and_its_issues_and_leaves_every_other_file(copy):
    kit_dir = copy.root / "outputs/kit"
    before, on_site = state(kit_dir), site_files(copy)
    edit(copy, "a")
    edit(copy, "b")  # out of date too, but not asked for: it stays as built
    jobs = plan(context(copy), builtin_registry())
    mine = [job for job in jobs if "a" in job.sources]
    stale = [job for job in mine if job.lang == "et"]  # the edit was to the Estonian text
    assert any(job.members for job in stale), "the newsletter issue holding a is among a's jobs"
    result = kit(copy, "build", "--message", "a", "--now", "2026-11-26T12:00", "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Rendered {len(stale)} of {len(mine)} jobs" in result.stdout
    assert "Out of date, not rendered by this build: b (a plain kit build renders them)." in result.stderr
    assert "b: not published, it changed and this build did not render it" in result.stderr
    after = state(kit_dir)
    allowed = {rel for job in mine for rel in job.outputs}
    assert untouched_except(before, after, allowed) == []
    assert any(before[rel] != after[rel] for rel in allowed if rel.startswith("social/a/"))
    assert site_files(copy) == on_site  # b keeps its previous version on the site


def test_build_kind_renders_only_that_kind(copy):
    kit_dir = copy.root / "outputs/kit"
    before, on_site = state(kit_dir), site_files(copy)
    edit(copy, "a")
    report = build(copy.settings, now=NOW, workers=2, kinds=["social"])
    social_of_a = outputs_of(copy, lambda job: job.kind == "social" and job.message_id == "a")
    assert report.rendered == report.planned - report.skipped > 0 and not report.failed
    assert untouched_except(before, state(kit_dir), social_of_a) == []
    assert "a" in report.not_rebuilt  # its posters, press release and issue wait for a build
    assert site_files(copy) == on_site


def test_site_only_renders_nothing_and_keeps_the_site_whole(copy):
    kit_dir = copy.root / "outputs/kit"
    before, on_site = state(kit_dir), site_files(copy)
    (copy.root / "outputs/site/index.html").unlink()
    edit(copy, "a")
    report = build(copy.settings, now=NOW, site_only=True)
    assert (report.rendered, report.failed, report.removed) == (0, (), 0)
    assert state(kit_dir) == before
    assert site_files(copy) == on_site and (copy.root / "outputs/site/index.html").is_file()


def test_a_smaller_registry_leaves_the_other_kinds_alone(copy):
    """A social-only build through the API used to remove every poster, press release and newsletter."""
    kit_dir = copy.root / "outputs/kit"
    before, on_site = state(kit_dir), site_files(copy)
    assert any(rel.startswith("posters/") for rel in on_site)
    report = build(copy.settings, now=NOW, registry=social_only())
    assert report.removed == 0
    assert state(kit_dir) == before
    assert site_files(copy) == on_site


def test_a_deleted_message_is_removed_by_any_build(copy):
    """Pruning follows what exists, not what was selected: b's files go even in a build of a alone, even with a
    registry that knows only social images."""
    kit_dir = copy.root / "outputs/kit"
    before = state(kit_dir)
    shutil.rmtree(copy.root / "messages/b")
    report = build(copy.settings, now=NOW, registry=social_only(), messages=["a"])
    after = state(kit_dir)
    gone = sorted(set(before) - set(after))
    assert gone and report.removed == len(gone)
    assert all("/b/" in rel or "-b-" in rel or "_b." in rel or rel.split("/")[1] == "b" for rel in gone), gone
    assert not any("/b/" in rel for rel in after)
    assert {rel: after[rel] for rel in after} == {rel: before[rel] for rel in after}  # nothing else touched
    assert not any("/b/" in rel for rel in site_files(copy))


def test_unknown_message_or_kind_is_a_clear_error(copy):
    result = kit(copy, "build", "--message", "zzz", "--kind", "hologram")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--message: no message 'zzz' (no messages/zzz/message.yaml)" in result.stderr
    assert "--kind: no output kind 'hologram' (there are: social, poster, newsletter, press, calendar)" in result.stderr
    assert kit(copy, "check", "--message", "zzz").returncode == 1


def test_check_message_reports_only_that_message(project):
    project.add("a")
    project.add("b", texts={"et": TEXT_MD.format(title="T", summary="S").replace("title:", "titel:")})
    whole = kit(project, "check")
    assert whole.returncode == 1 and "messages/b/et.md:2: titel" in whole.stdout
    only_a = kit(project, "check", "--message", "a")
    assert only_a.returncode == 0, only_a.stdout + only_a.stderr
    assert "messages/b" not in only_a.stdout


# ---- job hashes: the code and the libraries a renderer uses ------------------------------------------------

def test_a_changed_helper_rerenders_only_the_renderer_that_imports_it(copy, tmp_path):
    """kit/platforms.py is imported by the social renderer alone, through kit/captions.py too, and declared
    nowhere: a change to it re-renders the social images and nothing else. Run with a copy of kit, changed."""
    src = tmp_path / "src"
    shutil.copytree(Path(__file__).resolve().parent.parent / "kit", src / "kit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    helper = src / "kit" / "platforms.py"
    helper.write_text(helper.read_text() + "\n\ndef unused_helper() -> str:\n    return 'changed'\n")
    kit_dir = copy.root / "outputs/kit"
    before = state(kit_dir)
    social = outputs_of(copy, lambda job: job.kind == "social")
    env = {**os.environ, "PYTHONPATH": str(src)}
    result = subprocess.run([sys.executable, "-m", "kit", "--root", str(copy.root), "build", "--now",
                             "2026-11-26T12:00", "--workers", "1"], capture_output=True, text=True, timeout=300, env=env,
                            cwd=src)  # -m puts the working folder first on the path
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = [job for job in plan(context(copy), builtin_registry()) if job.kind == "social"]
    assert result.stdout.startswith(f"Rendered {len(jobs)} of "), result.stdout
    assert untouched_except(before, state(kit_dir), social) == []


@pytest.fixture
def versions(monkeypatch, tmp_path):
    """Pretend library versions: {distribution: version}, read by kit/codehash.py (cached per process, and
    remembered by the build while no folder on the import path changes: an install changes one, so a new folder
    is put on the path, as an install into it would)."""
    from kit import codehash

    pretend: dict[str, str] = {}
    real = codehash.library_version
    monkeypatch.setattr(codehash, "library_version", lambda dist: pretend.get(dist) or real(dist))
    real_system = codehash.system_library_version
    monkeypatch.setattr(codehash, "system_library_version",
                        lambda name, *args: pretend.get(name) or real_system(name, *args))
    (tmp_path / "site-packages").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "site-packages"))
    codehash.forget()
    yield pretend
    codehash.forget()


def code_hashes() -> dict[str, str]:
    return {renderer.name: renderer.code_hash for renderer in builtin_registry()}


def test_a_library_upgrade_rerenders_the_renderers_that_use_it(copy, versions):
    kit_dir = copy.root / "outputs/kit"
    before = state(kit_dir)
    versions["css-inline"] = "99.0"  # inlines the newsletter's CSS, and nothing else's
    report = build(copy.settings, now=NOW, workers=1)
    newsletters = outputs_of(copy, lambda job: job.kind == "newsletter")
    assert report.rendered == len([j for j in plan(context(copy), builtin_registry()) if j.kind == "newsletter"]) > 0
    assert untouched_except(before, state(kit_dir), newsletters) == []


@pytest.mark.parametrize("library, kinds", [("weasyprint", {"poster", "press"}), ("pango-1.0", {"poster", "press"}),
                                            ("pillow", {"social", "poster", "press"}), ("python-docx", {"press"})])
def test_each_library_version_is_part_of_the_hash_of_the_renderers_using_it(versions, library, kinds):
    real = code_hashes()
    versions[library] = "99.0"
    from kit import codehash

    codehash.forget()
    changed = {name for name, digest in code_hashes().items() if digest != real[name]}
    assert changed == kinds


def test_no_renderer_follows_the_writer_the_site_or_the_build():
    """A renderer's code hash follows every kit module it imports, type-checking imports included: one that reached
    the store (through the template cache, once) rendered every poster, press text and newsletter again after any
    change to how outputs are written or the site is made (an hour at 1 000 messages)."""
    from kit.codehash import kit_closure

    for renderer in builtin_registry():
        modules = {name for name, _ in kit_closure((renderer.plan.__module__, renderer.render.__module__, *renderer.helpers))}
        assert f"kit.render.{renderer.name}" in modules
        assert not [n for n in modules if n in ("kit.store", "kit.manifest", "kit.build", "kit.plan", "kit.workers")
                    or n.startswith(("kit.site", "kit.studio"))], renderer.name


@pytest.mark.parametrize("library, read_again", [("pyyaml", True), ("pillow", True), ("markdown", True),
                                                 ("weasyprint", False), ("css-inline", False)])
def test_the_message_memo_follows_the_code_that_reads_messages_not_all_of_kit(tmp_path, monkeypatch, versions,
                                                                              library, read_again):
    """An upgrade of what reads a message (PyYAML, Pillow's photo check, Markdown) reads every folder again; one of
    what only renders or makes the site does not (at 1 000 messages a reading of every folder took half a minute).
    kit's own modules are followed the same way: the renderers, the site and the build are not among them."""
    from kit.codehash import forget, kit_closure
    from kit.content import load_content

    readers = {name for name, _ in kit_closure(("kit.content",))}
    assert {"kit.content", "kit.yamlread", "kit.schema"} <= readers
    assert not [n for n in readers if n.startswith(("kit.render", "kit.site", "kit.build", "kit.studio", "kit.plan"))]

    settings, brand, first, read = loaded_twice(new_project(tmp_path / "memo"), monkeypatch)
    versions[library] = "99.0"
    forget()
    again = load_content(settings, brand, known=first.loaded)
    assert sorted(read) == (["a", "b"] if read_again else [])
    assert again.messages == first.messages


def test_a_renderer_from_outside_kit_has_its_own_code_hashed(tmp_path, monkeypatch):
    """A plug-in renderer (here a package written by the test) is followed through its own package as kit is."""
    from kit.codehash import code_hash, kit_closure

    package = tmp_path / "calendarplugin"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "render.py").write_text("from . import dates\nfrom kit.model import Job\n\n\ndef render(job):\n    return []\n")
    (package / "dates.py").write_text("def week(day):\n    return day.isocalendar()[1]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = ("calendarplugin.render",)
    assert {"calendarplugin", "calendarplugin.render", "calendarplugin.dates", "kit.model"} <= \
           {name for name, _path in kit_closure(modules)}
    before = code_hash(modules)
    (package / "dates.py").write_text("def week(day):\n    return day.isocalendar()[1] + 0\n")
    assert code_hash(modules) != before


def test_what_a_build_found_of_the_renderers_code_is_used_until_what_it_was_found_from_changes(copy, tmp_path,
                                                                                              monkeypatch):
    """Finding the renderers' import closures and library versions (the AST of every module, the metadata of every
    distribution) was a third of a rebuild with nothing to do. A build keeps what it found in the store; the next
    process uses it, and finds again only when a followed package's file or a folder on the import path changed."""
    from kit import codehash, found
    from kit.store import Store

    build(copy.settings, now=NOW, workers=1)  # the copy's memo was found at another import path
    codehash.forget()
    expected = code_hashes()

    read: list[str] = []
    real_imports = codehash._imports.__wrapped__
    monkeypatch.setattr(codehash, "_imports", functools.lru_cache(maxsize=None)(
        lambda name, ours: read.append(name) or real_imports(name, ours)))  # cached per process, as the real one

    def fresh_process() -> dict[str, str]:
        codehash.forget()
        found.recall(Store.open(copy.settings.out))
        read.clear()
        return code_hashes()

    assert fresh_process() == expected and read == []  # nothing parsed: all remembered

    # A plug-in's package followed like kit's own: a module of it edited, and its closure is found again.
    package = tmp_path / "plugin"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "render.py").write_text("from kit.model import Job\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    codehash.forget()
    modules = ("plugin.render",)
    first = codehash.code_hash(modules)
    memo = codehash.FOUND.kept()
    codehash.forget()
    codehash.FOUND.take(memo)
    read.clear()
    assert codehash.code_hash(modules) == first and read == []
    (package / "helper.py").write_text("WIDTH = 3\n")
    (package / "render.py").write_text("from kit.model import Job\nfrom plugin.helper import WIDTH\n")
    codehash.forget()
    codehash.FOUND.take(memo)
    read.clear()
    assert codehash.code_hash(modules) != first and "plugin.render" in read
    assert "plugin.helper" in {name for name, _path in codehash.kit_closure(modules)}

    # A distribution installed into a folder on the import path (its .dist-info folder appears there).
    codehash.forget()
    codehash.FOUND.take(memo)
    (tmp_path / "newlib-1.0.dist-info").mkdir()
    read.clear()
    codehash.code_hash(modules)
    assert "plugin.render" in read


def input_hashes(project: Project) -> dict[str, str]:
    return {job.key: job.input_hash for job in plan(context(project), builtin_registry())}


def test_an_edit_of_one_language_puts_that_languages_jobs_out_of_date_and_no_other(copy):
    """A language's outputs are made from message.yaml, the photo and its own text: an Estonian edit renders the
    Estonian outputs again (with the newsletter issue holding the message), not the English ones, and the
    other way round. A change to what the languages share renders them all; a language that lost its text falls
    back to the Estonian one and follows it."""
    def changed_by(change) -> set[str]:
        before = input_hashes(copy)
        change()
        return {key for key, digest in input_hashes(copy).items() if before.get(key) != digest}

    def jobs_of(message_id: str, *langs: str) -> set[str]:
        return {job.key for job in plan(context(copy), builtin_registry())
                if message_id in job.sources and job.lang in langs}

    folder = copy.root / "messages/a"
    assert changed_by(lambda: edit(copy, "a")) == jobs_of("a", "et")
    en = folder / "en.md"
    assert changed_by(lambda: en.write_text(en.read_text().replace("Join", "Come to"))) == jobs_of("a", "en")
    meta = folder / "message.yaml"
    assert changed_by(lambda: meta.write_text(meta.read_text().replace("2026-11-02", "2026-11-03"))) == \
        jobs_of("a", "et", "en")
    assert changed_by(en.unlink) == jobs_of("a", "en")  # now the Estonian text, with a warning
    et = folder / "et.md"
    assert changed_by(lambda: et.write_text(et.read_text() + "\nVeel üks lause.\n")) == jobs_of("a", "et", "en")


def test_no_renderer_reads_another_languages_text(project):
    """What makes the previous test safe: every English output of a message is the same, byte for byte, after
    every field of its Estonian text changed. A renderer that took a title or a point from the Estonian text
    (or listed its languages) fails here."""
    project.add("a", meta=MESSAGE_YAML.format(id="a") + "event:\n  start: 2026-12-10 16:00 Europe/Tallinn\n"
                "  venues:\n    voru-linn: Kannel\n    rouge: Haanja rahvamaja\n")
    registry = builtin_registry()

    def english_outputs() -> dict[str, bytes]:
        ctx = context(project)
        return {artifact.path: artifact.data for job in plan(ctx, registry) if job.lang == "en"
                for artifact in registry.get(job.kind).render(job, ctx)}

    before = english_outputs()
    assert {path.split("/")[0] for path in before} >= {"social", "posters", "press", "newsletters", "calendar"}
    (project.root / "messages/a/et.md").write_text(
        "---\ntitle: Hoopis teine pealkiri\nsummary: Teine kokkuvõte.\npoints:\n  - Kolmas punkt\n"
        "quote:\n  text: Tsitaat.\n  by: Keegi\ncta: Loe edasi\nimage_alt: Teine kirjeldus.\n"
        "image_credit: Teine Autor\nhashtags: [teine]\nsocial:\n  facebook: Teine postitus.\n  x: Teine säuts.\n---\nHoopis teine tekst.\n", encoding="utf-8")
    assert context(project).messages["a"].text("et").title == "Hoopis teine pealkiri"
    after = english_outputs()
    assert after.keys() == before.keys()
    assert [path for path in before if before[path] != after[path]] == []
