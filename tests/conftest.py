"""Shared fixtures: a small throwaway project (real brand/, a few messages) in a temp folder, and one build of
the repository's sample messages in a temp copy. No test reads or writes the repository's own outputs/."""
from __future__ import annotations

import shutil
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from kit.config import load_settings

REPO = Path(__file__).resolve().parent.parent
TALLINN = ZoneInfo("Europe/Tallinn")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TALLINN)

MESSAGE_YAML = """\
id: {id}
date: 2026-11-02
status: approved
themes: [kultuur-ja-eripara]
municipalities: [voru-linn, rouge]
cta_url: https://www.vorumaa.ee/test
image:
  file: hero.jpg
  focus: 0.5 0.5
  credit: Test Pilt
"""

TEXT_MD = """\
---
title: {title}
summary: {summary}
points:
  - Esimene punkt
  - Teine punkt
image_alt: Roheline maastik.
---
Sõnumi tekst.
"""


# ---- the repository's outputs/ is the user's: a run that changes it fails -------------------------------

_OUTPUTS = pytest.StashKey[dict]()


def _outputs_state() -> dict[str, tuple[int, int]]:
    out = REPO / "outputs"
    return {p.relative_to(out).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


def pytest_sessionstart(session):
    session.config.stash[_OUTPUTS] = _outputs_state()


def pytest_sessionfinish(session, exitstatus):
    before, after = session.config.stash.get(_OUTPUTS, None), _outputs_state()
    if before is None or before == after:
        return
    changed = sorted(rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.ensure_newline()
        reporter.write_line(f"FAILED: the tests changed the repository's outputs/ ({len(changed)} files, e.g. "
                            f"{', '.join(changed[:5])}); tests must write to tmp_path only "
                            "(or was `kit build` run in this folder meanwhile?)", red=True, bold=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


class Project:
    """A project folder with helpers to add and edit messages."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def settings(self):
        return load_settings(self.root)

    def add(self, message_id: str, meta: str | None = None, texts: dict[str, str] | None = None,
            image: Image.Image | None = None) -> Path:
        folder = self.root / "messages" / message_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "message.yaml").write_text(meta if meta is not None else MESSAGE_YAML.format(id=message_id),
                                             encoding="utf-8")
        if texts is None:
            texts = {"et": TEXT_MD.format(title="Tule koosloome töötuppa!", summary="Valime esimesed ühised tegevused."),
                     "en": TEXT_MD.format(title="Join the co-creation workshop!", summary="We choose the first actions.")}
            texts = {lang: text for lang, text in texts.items() if lang in self.settings.languages}
        for lang, text in texts.items():
            (folder / f"{lang}.md").write_text(textwrap.dedent(text), encoding="utf-8")
        (image or landscape()).save(folder / "hero.jpg", quality=85)
        return folder

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path


def landscape(size=(2400, 1600), sky="#8FB8D9", ground="#1E4C0E") -> Image.Image:
    image = Image.new("RGB", size, sky)
    image.paste(Image.new("RGB", (size[0], size[1] // 2), ground), (0, size[1] // 2))
    return image


def new_project(root: Path) -> Project:
    """An empty project at `root` (created): the real brand/ and settings, in et and en."""
    root.mkdir(parents=True)
    shutil.copytree(REPO / "brand", root / "brand")
    (root / "messages").mkdir()
    # Two languages keep the suite fast; the vro fallback has tests of its own.
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(pyproject.replace('languages = ["et", "en", "vro"]', 'languages = ["et", "en"]'),
                                         encoding="utf-8")
    return Project(root)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return new_project(tmp_path / "proj")


@pytest.fixture
def one_message(project: Project) -> Project:
    project.add("koosloome")
    return project


def context(project: Project):
    """The RenderContext a build would hand the renderers, for calling a renderer directly."""
    from kit.build import load_project
    from kit.render import RenderContext

    brand, content = load_project(project.settings)
    return RenderContext(project.settings, brand, {m.id: m for m in content.messages}, NOW, content.intros or {})


@pytest.fixture
def ctx(one_message: Project):
    return context(one_message)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The repository's sample project (brand/, messages/, settings) copied to a temp folder and built once per
    session with every renderer; returns the copy's root. For tests that only read what was built."""
    from kit.build import build

    root = tmp_path_factory.mktemp("sample") / "proj"
    root.mkdir()
    for folder in ("brand", "messages"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    build(load_settings(root), now=NOW, workers=2)
    return root
