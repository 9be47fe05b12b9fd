"""An output kind is one plug-in: a renderer defined only here, installed the way any package would add one
(an entry point in the `kit.renderers` group), reaches the message pages, the feeds, the bundles and a partner's
`kit pull` with no edit to kit/site/ or kit/pull.py."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile

import feedparser
import requests

from tests.conftest import REPO
from tests.servers import free_port, wait_for

PLUGIN = '''
"""A test output kind: a one-event calendar file per message and language."""
from kit.model import Artifact
from kit.render import JobSpec, Presentation, Renderer


def plan(message, lang, ctx):
    return [JobSpec(variant="agenda", outputs=(f"agenda/{message.id}/{lang}/{message.id}.ics",))]


def render(job, ctx):
    title = ctx.messages[job.message_id].text(job.lang).title
    text = f"BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nSUMMARY:{title}\\r\\nEND:VCALENDAR\\r\\n"
    return [Artifact(job.outputs[0], text.encode())]


RENDERER = Renderer(name="agenda", plan=plan, render=render,
                    presentation=Presentation(section="files", title={"et": "Päevik", "en": "Agenda"}, order=35))
'''


def install_plugin(folder):
    """A module plus the .dist-info an installer would write for it: importlib.metadata finds the entry point."""
    (folder / "kit_test_agenda.py").write_text(PLUGIN, encoding="utf-8")
    info = folder / "kit_test_agenda-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kit-test-agenda\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[kit.renderers]\nagenda = kit_test_agenda:RENDERER\n", encoding="utf-8")


def test_a_renderer_from_an_installed_package_reaches_pages_feeds_bundles_and_pulls(project, tmp_path):
    plugins = tmp_path / "site-packages"
    plugins.mkdir()
    install_plugin(plugins)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace("https://loov.vorumaa.ee/kit/", url),
                         encoding="utf-8")
    project.add("koosloome")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(REPO)])}
    kit = [sys.executable, "-m", "kit", "--root", str(project.root)]

    built = subprocess.run([*kit, "build"], env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    site = project.root / "outputs/site"
    ics = "agenda/koosloome/en/koosloome.ics"

    page = (site / "en/messages/koosloome.html").read_text(encoding="utf-8")
    assert "<h3>Agenda</h3>" in page and f"files/{ics}" in page
    assert "<h3>Päevik</h3>" in (site / "et/messages/koosloome.html").read_text(encoding="utf-8")

    feed = feedparser.parse((site / "feeds/all.atom").read_bytes())
    enclosures = [link["href"] for entry in feed.entries for link in entry.links if link.get("rel") == "enclosure"]
    assert any(ics in href for href in enclosures)

    with zipfile.ZipFile(site / "bundles/message-koosloome.zip") as bundle:
        assert ics in bundle.namelist()
    with zipfile.ZipFile(site / "bundles/rouge.zip") as bundle:
        assert ics in bundle.namelist()

    server = subprocess.Popen([*kit, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(url)
        assert requests.get(url + "files/" + ics, timeout=10).headers["Content-Type"].startswith("text/calendar")
        dest = tmp_path / "partner"
        pulled = subprocess.run([sys.executable, "-m", "kit", "pull", url + "feeds/rouge.atom", "--municipality", "rouge",
                                 "--dest", str(dest)], env=env, capture_output=True, text=True, timeout=120)
        assert pulled.returncode == 0, pulled.stdout + pulled.stderr
        assert b"SUMMARY:Join the co-creation workshop!" in (dest / ics).read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_without_the_package_the_kind_is_not_built(project, tmp_path):
    """The entry point is the only registration: the same project without the package knows no `agenda`."""
    project.add("koosloome")
    done = subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), "build", "--kind", "agenda"],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "no output kind 'agenda'" in done.stderr + done.stdout


PUBLISHER = '''
"""A test publisher: `drop://<path>` publishes into a folder, the way kit's own folder target does."""
from pathlib import Path
from urllib.parse import urlparse

from kit.publish.folder import FolderTarget


def open_target(url, settings):
    return FolderTarget(Path(urlparse(url).path))
'''


def test_a_publisher_from_an_installed_package_takes_its_url_scheme(project, tmp_path):
    plugins = tmp_path / "site-packages"
    info = plugins / "kit_test_drop-1.0.dist-info"
    info.mkdir(parents=True)
    (plugins / "kit_test_drop.py").write_text(PUBLISHER, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kit-test-drop\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[kit.publishers]\ndrop = kit_test_drop:open_target\n", encoding="utf-8")
    project.add("koosloome")
    kit = [sys.executable, "-m", "kit", "--root", str(project.root)]
    with_plugin = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(REPO)])}
    assert subprocess.run([*kit, "build"], env=with_plugin, capture_output=True).returncode == 0
    dest = tmp_path / "dropped"
    done = subprocess.run([*kit, "publish", "--target", f"drop://{dest}"], env=with_plugin, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (dest / "en/messages/koosloome.html").is_file()
    without = subprocess.run([*kit, "publish", "--target", f"drop://{dest}"], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    assert without.returncode == 1 and "no publisher for 'drop://' targets" in without.stderr
