"""The runtime set-up is complete: what `make kit` installs is all a build needs.

The test machine has more than a fresh one (chromium, installed for the tests, pulls in libraries such as
HarfBuzz-Subset), so "it works here" proves nothing. These tests read what WeasyPrint actually loads and
demand that every library comes from scripts/packages-runtime.txt or the packages those depend on.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not Path("/var/lib/dpkg/status").is_file(), reason="needs a Debian system")

# Runs in a fresh interpreter: lists the shared libraries mapped before and after WeasyPrint lays out and
# writes a document in the brand's fonts, so only what WeasyPrint brings in is counted.
PROBE = r"""
import json, sys
from pathlib import Path
import bz2, ctypes, hashlib, lzma, ssl, uuid, zlib  # Python's own libraries: not WeasyPrint's to bring
def mapped():
    return {line.split()[-1] for line in open("/proc/self/maps") if ".so" in line.split()[-1]}
before = mapped()
import weasyprint
fonts = Path(sys.argv[1])
css = "".join(f"@font-face {{ font-family: F{i}; src: url({p.as_uri()}); }}" for i, p in enumerate(sorted(fonts.glob("*.[ot]tf"))))
html = f"<style>{css} body {{ font-family: F0 }}</style><p>Võru maakond õüäö šž ʼ</p>"
weasyprint.HTML(string=html).write_pdf()
print(json.dumps(sorted(mapped() - before)))
"""


def runtime_packages() -> list[str]:
    lines = (REPO / "scripts" / "packages-runtime.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def installed_dependencies() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Installed packages → the names they depend on (every alternative), and virtual name → providers."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Depends}, ${Pre-Depends}\t${Provides}\n"],
                         capture_output=True, text=True, check=True).stdout
    depends: dict[str, set[str]] = {}
    providers: dict[str, set[str]] = {}
    for line in out.splitlines():
        package, deps, provides = line.split("\t")
        depends[package] = {re.split(r"[ (:]", alt.strip())[0] for alt in re.split(r"[,|]", deps) if alt.strip()}
        for name in (re.split(r"[ (:]", p.strip())[0] for p in provides.split(",") if p.strip()):
            providers.setdefault(name, set()).add(package)
    return depends, providers


def closure(roots: list[str]) -> set[str]:
    depends, providers = installed_dependencies()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        for package in ({name} if name in depends else set()) | providers.get(name, set()):
            if package not in seen:
                seen.add(package)
                todo.extend(depends[package])
    return seen


def owning_packages(paths: list[str]) -> dict[str, str]:
    """Shared library path → the Debian package that installed it ("" when none did, e.g. a wheel's own)."""
    owners = {}
    for path in paths:
        # dpkg knows /usr/lib and /lib spellings apart (usrmerge); ask by file name under either.
        result = subprocess.run(["dpkg", "-S", f"*/{Path(path).name}"], capture_output=True, text=True)
        owners[path] = result.stdout.split(":")[0] if result.returncode == 0 else ""
    return owners


def test_every_library_weasyprint_loads_comes_from_the_runtime_package_list():
    probe = subprocess.run([sys.executable, "-c", PROBE, str(REPO / "brand" / "fonts")],
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    system_libraries = [p for p in json.loads(probe.stdout) if p.startswith(("/usr/lib", "/lib"))]
    assert any("pango" in p for p in system_libraries), "the probe did not see WeasyPrint load Pango"
    provided = closure(runtime_packages())
    owners = owning_packages(system_libraries)
    missing = {path: pkg for path, pkg in owners.items() if pkg and pkg not in provided}
    assert not missing, f"libraries loaded by WeasyPrint that packages-runtime.txt does not bring: {missing}"


def test_a_poster_renders_with_no_warning_of_any_kind(ctx, caplog):
    """HarfBuzz-Subset missing, a font fallback, a deprecation: any warning here means the machine set-up
    (or the poster) is not what the README promises."""
    from kit.model import Job
    from kit.render.pdf import environment_notices
    from kit.render.poster import render

    environment_notices()  # forget what earlier tests in this process saw
    job = Job("poster", "koosloome", "et", "rouge-A4", ("p/A4.pdf", "p/A4.png"),
              {"municipality": "rouge", "size": "A4", "office": ""})
    with caplog.at_level(logging.WARNING, logger="weasyprint"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ResourceWarning)  # WeasyPrint leaves its ICC file open; the build ignores it too
        render(job, ctx)
    assert environment_notices() == ()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [str(w.message) for w in caught if "weasyprint" in w.filename] == []


def test_an_environment_notice_is_not_a_document_error():
    """The fontTools fallback is reported once per build, never as a job failure; a refused URL still is."""
    from kit.errors import RenderError
    from kit.render.pdf import environment_notices, strict

    environment_notices()
    with strict("poster x"):
        logging.getLogger("weasyprint").warning('Using fontTools instead of HarfBuzz-Subset for font "Display". '
                                                "This will be unsupported in future versions of WeasyPrint.")
    assert len(environment_notices()) == 1
    with pytest.raises(RenderError, match="poster x: Failed to load image"):
        with strict("poster x"):
            logging.getLogger("weasyprint").warning("Failed to load image at 'file:///etc/passwd'")


def test_a_pull_only_install_pulls_without_the_rendering_libraries(tmp_path, one_message):
    """`pip install kit` (no extra) is the partner's install: it pulls, and asks for kit[render] to build."""
    import os

    from tests.servers import free_port, wait_for

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    pyproject = one_message.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("https://loov.vorumaa.ee/kit/", url))
    kit = [sys.executable, "-m", "kit", "--root", str(one_message.root)]
    assert subprocess.run([*kit, "build", "--workers", "1"], capture_output=True, timeout=600).returncode == 0

    venv = tmp_path / "partner-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    source = tmp_path / "kit-source"  # a copy: building the package writes build/ beside its source
    shutil.copytree(REPO / "kit", source / "kit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    installed = subprocess.run([venv / "bin/pip", "install", "-q", "--disable-pip-version-check", str(source)],
                               capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    for heavy in ("weasyprint", "PIL", "numpy", "pikepdf", "jinja2"):
        probe = subprocess.run([venv / "bin/python", "-c", f"import {heavy}"], capture_output=True, env=env, cwd=tmp_path)
        assert probe.returncode != 0, f"{heavy} came with the pull-only install"

    server = subprocess.Popen([*kit, "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(url)
        dest = tmp_path / "partner"
        pulled = subprocess.run([venv / "bin/kit", "pull", url + "feeds/all.atom", "--dest", str(dest)],
                                capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
        assert pulled.returncode == 0, pulled.stderr
        assert list(dest.glob("posters/koosloome/et/*.pdf"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    building = subprocess.run([venv / "bin/kit", "--root", str(one_message.root), "build"], capture_output=True,
                              text=True, timeout=120, env=env, cwd=tmp_path)
    assert building.returncode == 1 and "pip install 'kit[render]'" in building.stderr
    assert "Traceback" not in building.stderr


def test_the_benchmarks_per_output_figures_run_on_the_current_renderers():
    """`make bench` is not in CI's path: its in-process figures broke once unnoticed when press jobs gained
    photo outputs (it planned them by hand). They render in memory and write nothing."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import bench
    finally:
        sys.path.remove(str(REPO / "scripts"))
    figures = bench.document_figures()
    assert figures["newsletters_per_second_one_core"] > 0 and figures["press_texts_per_second_one_core"] > 0
