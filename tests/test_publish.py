"""Publishing to a real nginx with WebDAV, the WebSub ping, the partner's pull, kit serve and a real browser."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import kit.publish.webdav as webdav
from kit.build import build
from kit.errors import PublishError
from kit.publish import local_manifest, publish
from kit.pull import pull
from tests.browser import dump_dom, screenshot
from tests.conftest import NOW
from tests.servers import FaultyProxy, Nginx, WebSubReceiver, free_port, wait_for
from tests.test_site import add_standard_messages, make_project

CANARY = "canary-Võru-s3cret-7f3a"
pytestmark = pytest.mark.slow


@pytest.fixture
def nginx(tmp_path):
    server = Nginx(tmp_path / "nginx", CANARY)
    yield server
    server.stop()


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("KIT_PUBLISH_USER", "kit")
    monkeypatch.setenv("KIT_PUBLISH_PASSWORD", CANARY)
    monkeypatch.setattr(webdav.time, "sleep", lambda seconds: None)  # retries without the waiting


def built(tmp_path, site_url: str, hubs: str = "[]"):
    project = make_project(tmp_path / "proj", languages='["et"]')
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("https://loov.vorumaa.ee/kit/", site_url)
                         .replace("websub_hubs = []", f"websub_hubs = {hubs}"))
    add_standard_messages(project)
    assert not build(project.settings, now=NOW).failed
    return project


def remote(nginx: Nginx, rel: str) -> bytes:
    return (nginx.root / "www" / rel).read_bytes()


def test_publish_sends_everything_then_only_changes(tmp_path, nginx, credentials):
    project = built(tmp_path, nginx.url)
    first = publish(project.settings, nginx.url)
    wanted = local_manifest(project.root / "outputs/site")
    assert first.sent == len(wanted) and first.deleted == 0
    for rel, digest in wanted.items():
        assert hashlib.sha256(remote(nginx, rel)).hexdigest() == digest
    assert not list((nginx.root / "www").rglob("*.kit-new"))
    again = publish(project.settings, nginx.url)
    assert (again.sent, again.unchanged) == (0, len(wanted))


@pytest.mark.parametrize("mode", ["500", "drop"])
def test_a_failed_publish_keeps_the_previous_release_and_a_rerun_converges(tmp_path, nginx, credentials, mode):
    project = built(tmp_path, nginx.url)
    proxy = FaultyProxy(nginx.url)
    try:
        publish(project.settings, proxy.url)
        old_feed, old_page = remote(nginx, "feeds/all.atom"), remote(nginx, "et/index.html")
        et = project.root / "messages/avalik/et.md"
        et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Uus pealkiri töötoale"))
        build(project.settings, now=NOW)
        proxy.count, proxy.fail_after, proxy.mode = 0, 6, mode  # fails partway through the upload
        with pytest.raises(PublishError):
            publish(project.settings, proxy.url)
        assert remote(nginx, "feeds/all.atom") == old_feed
        assert remote(nginx, "et/index.html") == old_page
        proxy.fail_after = None
        publish(project.settings, proxy.url)
    finally:
        proxy.stop()
    assert b"Uus pealkiri" in remote(nginx, "feeds/all.atom")
    for rel, digest in local_manifest(project.root / "outputs/site").items():
        assert hashlib.sha256(remote(nginx, rel)).hexdigest() == digest


def test_wrong_credentials_stop_at_once_without_retrying(tmp_path, nginx, monkeypatch):
    project = built(tmp_path, nginx.url)
    monkeypatch.setenv("KIT_PUBLISH_USER", "kit")
    monkeypatch.setenv("KIT_PUBLISH_PASSWORD", "wrong")
    with pytest.raises(PublishError, match="401: check KIT_PUBLISH_USER"):
        publish(project.settings, nginx.url)
    assert nginx.access_log().count(" 401 ") == 1


def test_the_credentials_appear_in_no_output_log_or_file(tmp_path, nginx):
    hub = WebSubReceiver()
    try:
        project = built(tmp_path, nginx.url, hubs=f'["{hub.url}"]')
        env = {**os.environ, "KIT_PUBLISH_USER": "kit", "KIT_PUBLISH_PASSWORD": CANARY}
        ok = subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), "publish", "--target", nginx.url],
                            capture_output=True, text=True, env=env, timeout=300)
        assert ok.returncode == 0, ok.stderr
        bad = subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), "--debug", "publish", "--target",
                              nginx.url.replace("http://", f"http://kit:{CANARY}x@")], capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if not k.startswith("KIT_PUBLISH")}, timeout=300)
        assert bad.returncode != 0
    finally:
        hub.stop()
    outputs = ok.stdout + ok.stderr + bad.stdout + bad.stderr + nginx.access_log() + (nginx.root / "error.log").read_text()
    assert CANARY not in outputs
    for folder in (project.root, nginx.root / "www"):
        for path in folder.rglob("*"):
            if path.is_file():
                assert CANARY.encode() not in path.read_bytes(), path
    assert any("hub.mode=publish" in body and "feeds%2Fall.atom" in body for body in hub.received)


def test_pull_fetches_once_then_only_asks(tmp_path, nginx, credentials):
    project = built(tmp_path, nginx.url)
    publish(project.settings, nginx.url)
    feed = nginx.url + "feeds/rouge.atom"
    first = pull(feed, tmp_path / "partner", municipality="rouge")
    assert any(url.endswith("/rouge-A4.pdf") for url in first.downloaded)
    assert not any("voru-linn-" in url for url in first.downloaded)  # another municipality's posters stay out
    for url in first.downloaded:
        local = tmp_path / "partner" / url.split("/files/", 1)[1]
        assert local.read_bytes() == requests.get(url).content
    second = pull(feed, tmp_path / "partner", municipality="rouge")
    assert second.not_modified and second.downloaded == ()
    assert '"GET /feeds/rouge.atom HTTP/1.1" 304' in nginx.access_log()


def test_pull_from_the_all_feed_takes_only_that_municipalitys_posters(tmp_path, nginx, credentials):
    project = built(tmp_path, nginx.url)
    publish(project.settings, nginx.url)
    report = pull(nginx.url + "feeds/all.atom", tmp_path / "partner", municipality="rouge")
    names = [url.rsplit("/", 1)[1] for url in report.downloaded]
    assert "rouge-A4.pdf" in names and not any(name.startswith("voru-linn-") for name in names)


def test_pull_resumes_an_interrupted_download(tmp_path, nginx, credentials):
    project = built(tmp_path, nginx.url)
    publish(project.settings, nginx.url)
    dest = tmp_path / "partner"
    url = nginx.url + "files/posters/avalik/et/rouge-A4.pdf"
    data = requests.get(url).content
    partial = dest / ".partial" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(data[: len(data) // 2])  # what an interrupted run left
    pull(nginx.url + "feeds/rouge.atom", dest, municipality="rouge")
    assert (dest / "posters/avalik/et/rouge-A4.pdf").read_bytes() == data
    assert not partial.exists()
    assert '"GET /files/posters/avalik/et/rouge-A4.pdf HTTP/1.1" 206' in nginx.access_log()


@pytest.fixture
def served(tmp_path):
    project = built(tmp_path, "http://127.0.0.1/")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kit", "--root", str(project.root), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_for(url)
    yield project, url
    process.terminate()
    process.wait(timeout=10)


def test_serve_answers_conditional_gets_with_304(served):
    _, url = served
    first = requests.get(url + "feeds/all.atom")
    assert first.headers["Content-Type"] == "application/atom+xml"
    assert requests.get(url + "feeds/all.json").headers["Content-Type"] == "application/feed+json"
    again = requests.get(url + "feeds/all.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = requests.get(url + "feeds/all.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_browser_shows_the_municipality_page_with_working_poster_links(served, tmp_path):
    from html.parser import HTMLParser

    project, url = served
    page = url + "et/rouge/index.html"
    screenshot(page, tmp_path / "rouge-et.png", (1280, 2000))
    assert (tmp_path / "rouge-et.png").stat().st_size > 10_000  # a rendered page, not a blank one
    dom = dump_dom(page, tmp_path)

    class Links(HTMLParser):
        hrefs: list = []
        images: list = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and attrs.get("href"):
                self.hrefs.append(attrs["href"])
            if tag == "img":
                self.images.append(attrs)

    parser = Links()
    parser.feed(dom)
    posters = [h for h in parser.hrefs if "/posters/" in h]
    assert sorted(p.rsplit("/", 1)[1] for p in posters) == ["rouge-A3.pdf", "rouge-A4-office.pdf", "rouge-A4.pdf"]
    assert all(image.get("alt") for image in parser.images)
    for href in set(parser.hrefs):
        if not href.startswith(("#", "mailto:", "tel:")):
            target = requests.compat.urljoin(page, href)
            assert requests.head(target).status_code == 200, target
