"""Publishing to a real nginx with WebDAV, the WebSub ping, the partner's pull, kit serve and a real browser."""
import hashlib
import os
import subprocess
import sys

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


def enclosure(nginx: Nginx, feed: str, ending: str) -> str:
    """The site-relative path of the feed's enclosure whose URL ends so (its name carries its content hash)."""
    import feedparser

    links = [link["href"].split("#")[0] for entry in feedparser.parse(remote(nginx, feed)).entries
             for link in entry.links if link.get("rel") == "enclosure"]
    return next(link for link in links if link.endswith(ending)).removeprefix(nginx.url)


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
    proxy = FaultyProxy(nginx.url)  # counts what the client sent and got (nginx logs a line only after answering)
    try:
        with pytest.raises(PublishError, match="401: check KIT_PUBLISH_USER"):
            publish(project.settings, proxy.url)
    finally:
        proxy.stop()
    assert [status for _, _, status in proxy.log].count(401) == 1
    assert proxy.log[-1][2] == 401  # nothing was sent after it


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
    nginx.wait_for_log('"GET /feeds/rouge.atom HTTP/1.1" 304')


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
    path = enclosure(nginx, "feeds/rouge.atom", "/rouge-A4.pdf")
    url = nginx.url + path
    data = requests.get(url).content
    partial = dest / ".partial" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(data[: len(data) // 2])  # what an interrupted run left
    pull(nginx.url + "feeds/rouge.atom", dest, municipality="rouge")
    assert (dest / "posters/avalik/et/rouge-A4.pdf").read_bytes() == data
    assert not partial.exists()
    nginx.wait_for_log(f'"GET /{path} HTTP/1.1" 206')


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
        # Absolute links (a calendar's subscribe address) name the site's address, not this test server's.
        href = href.replace("webcal://", "http://", 1).replace(project.settings.site_url, url, 1)
        if not href.startswith(("#", "mailto:", "tel:")):
            target = requests.compat.urljoin(page, href)
            assert requests.head(target).status_code == 200, target


# ---- documented behaviour, on a small site built once (press texts only, Estonian) --------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from kit.render import Registry
    from kit.render.press import RENDERER as PRESS

    registry = Registry()
    registry.register(PRESS)
    project = make_project(tmp_path_factory.mktemp("small") / "proj", languages='["et"]')
    project.add("avalik")
    assert not build(project.settings, now=NOW, registry=registry).failed
    return project


def small_for(small, nginx: Nginx):
    """The small site with the server's address as its site URL (pages and feeds name it)."""
    import re

    for path in (small.root / "outputs/site/feeds").rglob("*.*"):
        text = path.read_text()
        path.unlink()  # a fresh file, in case it is a hard link
        path.write_text(re.sub(r"https://loov\.vorumaa\.ee/kit/|http://127\.0\.0\.1:\d+/", nginx.url, text))
    return small


def test_the_default_target_is_a_folder_that_gets_the_whole_site(small, tmp_path):
    from tests.test_publish_faults import holds

    first = publish(small.settings)  # publish_target = "outputs/published"
    site, published = small.root / "outputs/site", small.root / "outputs/published"
    assert first.sent == len(local_manifest(site)) and holds(published, site)
    assert not (published / ".kit-staging").exists()
    again = publish(small.settings)
    assert again.sent == 0 and again.unchanged == first.sent


@pytest.mark.parametrize("retry_after, waited", [("7", 7.0), ("3600", webdav.RETRY_AFTER_CAP)])
def test_429_waits_as_retry_after_asks_at_most_the_cap(small, nginx, credentials, monkeypatch, retry_after, waited):
    sleeps = []
    monkeypatch.setattr(webdav.time, "sleep", sleeps.append)
    proxy = FaultyProxy(nginx.url)
    proxy.reset(fail_after=0, mode="429", times=2, methods={"PUT"})
    proxy.retry_after = retry_after
    try:
        publish(small.settings, proxy.url)
    finally:
        proxy.stop()
    assert sleeps == [waited, waited]
    puts = [(path, status) for method, path, status in proxy.log if method == "PUT"]
    assert [status for _, status in puts[:3]] == [429, 429, 201] and len({path for path, _ in puts[:3]}) == 1


def test_403_stops_at_once_with_a_clear_message(small, nginx, credentials):
    proxy = FaultyProxy(nginx.url)
    try:
        with pytest.raises(PublishError, match="403: the server refuses this account writing there"):
            publish(small.settings, proxy.url + "readonly/")
    finally:
        proxy.stop()
    assert [status for _, _, status in proxy.log].count(403) == 1 and proxy.log[-1][2] == 403


def test_a_timeout_is_retried_then_a_clear_error(small, nginx, credentials, monkeypatch):
    monkeypatch.setattr(webdav, "TIMEOUT", (5, 1.0))
    proxy = FaultyProxy(nginx.url)
    proxy.delay = 3.0
    try:
        proxy.reset(fail_after=0, mode="slow", times=1, methods={"PUT"})  # one slow answer: retried, then fine
        publish(small.settings, proxy.url)
        puts = [path for method, path, _ in proxy.log if method == "PUT"]
        assert puts[0] == puts[1]
        proxy.reset(fail_after=0, mode="slow", methods={"DELETE"})  # never an answer
        with pytest.raises(PublishError, match=r"no answer \(ReadTimeout\) after 5 attempts"):
            publish(small.settings, proxy.url)
        assert proxy.count == webdav.ATTEMPTS
    finally:
        proxy.stop()
    assert hashlib.sha256(remote(nginx, "index.html")).hexdigest() == local_manifest(small.root / "outputs/site")["index.html"]


def test_credentials_from_netrc(small, nginx, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text(f"machine 127.0.0.1 login kit password {CANARY}\n")
    (home / ".netrc").chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIT_PUBLISH")} | {"HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "kit", "--root", str(small.root), "publish", "--target", nginx.url],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert remote(nginx, "index.html") == (small.root / "outputs/site/index.html").read_bytes()
    assert CANARY not in done.stdout + done.stderr


@pytest.mark.parametrize("part", ["complete", "too long"])
def test_pull_finishes_when_the_part_file_already_holds_every_byte(small, nginx, credentials, tmp_path, part):
    """Issue 9, finding 10: the Range request gets HTTP 416; pull no longer stops there for ever."""
    small_for(small, nginx)
    publish(small.settings, nginx.url)
    path = enclosure(nginx, "feeds/all.atom", ".pdf")
    url, data = nginx.url + path, remote(nginx, path)
    dest = tmp_path / "partner"
    partial = dest / ".partial" / (hashlib.sha256(url.encode()).hexdigest()[:16] + ".part")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(data if part == "complete" else data + b"left over from an older version")
    report = pull(nginx.url + "feeds/all.atom", dest)
    assert url in report.downloaded
    assert (dest / path.split("/files/", 1)[1]).read_bytes() == data and not partial.exists()
    nginx.wait_for_log(f'"GET /{path} HTTP/1.1" 416')


def test_pull_refuses_a_file_whose_checksum_does_not_match(small, nginx, credentials, tmp_path):
    small_for(small, nginx)
    publish(small.settings, nginx.url)
    path = enclosure(nginx, "feeds/all.atom", ".pdf")
    served = nginx.root / "www" / path
    data = served.read_bytes()
    served.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same length, one bit changed on the server
    dest = tmp_path / "partner"
    done = subprocess.run([sys.executable, "-m", "kit", "pull", nginx.url + "feeds/all.atom", "--dest", str(dest)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{nginx.url}{path}: got {len(data)} bytes that do not match" in done.stdout + done.stderr
    assert not (dest / path.split("/files/", 1)[1]).exists()
    assert not [p for p in (dest / ".partial").iterdir()]
