"""A publish that fails at any step leaves one complete release on the server (issue 9, finding 12).

A tiny site (press texts only: two messages in two languages) is built twice, once per module: release A and
release B (one message edited, one removed, one added). For every request of the A → B publish (each PUT, MOVE
and DELETE in turn) a fault-injecting proxy in front of a real nginx fails it for good, or lets nginx act and
loses the answer. After each, the server is crawled over HTTP: every link of every page resolves, every file a
feed or page names exists and matches its advertised SHA-256. A fault-free rerun then converges to B. The folder
target gets the same treatment, with the fault raised by the Nth filesystem operation.
"""
import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import feedparser
import pytest
import requests

import kit.publish.webdav as webdav
from kit.build import build
from kit.errors import PublishError
from kit.publish import MANIFEST, STAGING, local_manifest, publish
from kit.render import Registry
from kit.render.press import RENDERER as PRESS
from tests.conftest import MESSAGE_YAML, NOW, TEXT_MD
from tests.servers import FaultyProxy, Nginx
from tests.test_site import make_project

pytestmark = pytest.mark.slow
PASSWORD = "fault-test-password"
SITE_URL = "http://kit.invalid/"  # replaced by the server's address when crawling
WRITES = {"PUT", "MOVE", "DELETE"}


def press_only() -> Registry:
    registry = Registry()
    registry.register(PRESS)
    return registry


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """(project, site A, site B): site folders copied aside; the project's outputs/site holds B."""
    root = tmp_path_factory.mktemp("faults")
    project = make_project(root / "proj", languages='["et", "en"]')
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("https://loov.vorumaa.ee/kit/", SITE_URL))
    project.add("avalik", MESSAGE_YAML.format(id="avalik").replace("voru-linn, rouge", "rouge"))
    project.add("vana", MESSAGE_YAML.format(id="vana").replace("voru-linn, rouge", "rouge"),
                texts={"et": TEXT_MD.format(title="Vana sõnum", summary="Läheb ära.")})
    assert not build(project.settings, now=NOW, registry=press_only()).failed
    site_a = shutil.copytree(project.root / "outputs/site", root / "site-a")
    shutil.rmtree(project.root / "messages/vana")
    et = project.root / "messages/avalik/et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Uus pealkiri töötoale"))
    project.add("uus", MESSAGE_YAML.format(id="uus").replace("2026-11-02", "2026-11-20").replace("voru-linn, rouge", "rouge"),
                texts={"et": TEXT_MD.format(title="Uus sõnum", summary="Tuleb juurde.")})
    assert not build(project.settings, now=NOW, registry=press_only()).failed
    site_b = shutil.copytree(project.root / "outputs/site", root / "site-b")
    return project, site_a, site_b


# ---- the crawl: what a reader can observe ---------------------------------------------------------

LINK = re.compile(r'\b(?:href|src)="([^"]+)"')
ADVERTISED = re.compile(r'href="([^"]+)" download>[^<]*</a></td><td>[^<]*</td><td class="sum">([0-9a-f]{64})</td>')


def crawl(fetch) -> list[str]:
    """Problems a reader would meet, starting at index.html: `fetch(rel)` gives a file's bytes or None."""
    problems, seen, queue, cache = [], set(), ["index.html"], {}

    def get(rel):
        if rel not in cache:
            cache[rel] = fetch(rel)
        return cache[rel]

    def check(rel, sha256=None, size=None, named_by=""):
        data = get(rel)
        if data is None:
            problems.append(f"{named_by} names {rel}: missing")
        elif sha256 and hashlib.sha256(data).hexdigest() != sha256:
            problems.append(f"{named_by} names {rel} with a SHA-256 it does not have")
        elif size is not None and len(data) != size:
            problems.append(f"{named_by} names {rel} with a length it does not have")
        return data

    while queue:
        rel = queue.pop()
        if rel in seen:
            continue
        seen.add(rel)
        data = get(rel)
        if rel.endswith(".html"):
            page = data.decode()
            for href, digest in ADVERTISED.findall(page):
                check(_resolve(rel, href), digest, named_by=rel)
            for href in LINK.findall(page):
                target = _resolve(rel, href)
                if target is None:
                    continue
                page_or_feed = target.endswith((".html", ".atom", ".json", ".rss")) and not target.startswith(("v/", "files/"))
                if check(target, named_by=rel) is not None and page_or_feed:
                    queue.append(target)
        elif rel.endswith((".atom", ".rss")):
            for entry in feedparser.parse(data).entries:
                for link in entry.get("links", []):
                    _check_feed_link(check, rel, link["href"], link.get("rel"), link.get("length"))
        elif rel.endswith(".json") and rel.startswith("feeds/"):
            for item in json.loads(data)["items"]:
                for attachment in item.get("attachments", []):
                    _check_feed_link(check, rel, attachment["url"], "enclosure", attachment.get("size_in_bytes"))
    return problems


def _check_feed_link(check, feed: str, href: str, rel: str | None, length) -> None:
    url, fragment = urldefrag(href)
    target = _resolve("", url)
    if target is None:
        return
    digest = dict(p.split("=", 1) for p in fragment.split("&") if "=" in p).get("sha256")
    size = int(length) if rel == "enclosure" and str(length or "").isdigit() else None
    check(target, digest, size, named_by=feed)


def _resolve(page: str, href: str) -> str | None:
    """A site-relative path, or None for what is not on the site (other hosts, fragments, mailto)."""
    absolute = urljoin(SITE_URL + page, href.split("#")[0])
    if not href or href.startswith("#") or not absolute.startswith(SITE_URL):
        return None
    return urlparse(absolute).path.lstrip("/") or "index.html"


def http_fetch(base: str):
    session = requests.Session()

    def fetch(rel):
        response = session.get(base + rel, timeout=10)
        return response.content if response.status_code == 200 else None
    return fetch


def folder_fetch(root: Path):
    def fetch(rel):
        path = root / rel
        return path.read_bytes() if path.is_file() else None
    return fetch


def holds(files_root: Path, site: Path) -> bool:
    """The target holds exactly the built site (plus the manifest) and no staged leftovers."""
    served = {p.relative_to(files_root).as_posix() for p in files_root.rglob("*") if p.is_file()} - {MANIFEST}
    return served == set(local_manifest(site)) and all(
        (files_root / rel).read_bytes() == (site / rel).read_bytes() for rel in served)


@pytest.fixture(scope="module")
def known_broken(releases):
    """Links already broken in a local build (not publishing's doing), left out of the verdict."""
    _, site_a, site_b = releases
    return set(crawl(folder_fetch(site_a))) | set(crawl(folder_fetch(site_b)))


def test_the_crawl_sees_a_mixed_release(releases):
    """The crawl can fail: pages of B beside files of A are caught."""
    _, site_a, site_b = releases
    mixed = {**{p.relative_to(site_a).as_posix(): p for p in site_a.rglob("*") if p.is_file()},
             **{p.relative_to(site_b).as_posix(): p for p in site_b.rglob("*.html")}}
    problems = crawl(lambda rel: mixed[rel].read_bytes() if rel in mixed else None)
    assert any("missing" in p for p in problems)


# ---- WebDAV through the fault-injecting proxy -----------------------------------------------------

@pytest.fixture(scope="module")
def dav(tmp_path_factory):
    server = Nginx(tmp_path_factory.mktemp("nginx"), PASSWORD)
    proxy = FaultyProxy(server.url)
    os.environ["KIT_PUBLISH_USER"], os.environ["KIT_PUBLISH_PASSWORD"] = "kit", PASSWORD
    yield server, proxy
    del os.environ["KIT_PUBLISH_USER"], os.environ["KIT_PUBLISH_PASSWORD"]
    proxy.stop()
    server.stop()


def use_site(project, site: Path) -> None:
    """Make the given built site folder (A or B) the project's outputs/site."""
    live = project.root / "outputs/site"
    if local_manifest(live) != local_manifest(site):
        shutil.rmtree(live)
        shutil.copytree(site, live)


def publish_site(project, site: Path, url: str):
    use_site(project, site)
    return publish(project.settings, url)


@pytest.fixture(scope="module")
def release_a_on_server(releases, dav, tmp_path_factory):
    """The server's www folder holding release A, kept aside to restore before each fault."""
    project, site_a, _ = releases
    server, _ = dav
    publish_site(project, site_a, server.url)
    snapshot = tmp_path_factory.mktemp("www-a") / "www"
    shutil.copytree(server.root / "www", snapshot)
    return snapshot


def restore(server: Nginx, snapshot: Path) -> None:
    """Hard links are safe: nginx replaces a file by renaming a new one over it, never writes into it."""
    shutil.rmtree(server.root / "www")
    shutil.copytree(snapshot, server.root / "www", copy_function=os.link)


def test_publish_requests_are_counted(releases, dav, release_a_on_server):
    """The A → B publish, fault-free through the proxy: the writes the fault test walks through."""
    project, _, site_b = releases
    server, proxy = dav
    restore(server, release_a_on_server)
    proxy.reset(methods=WRITES)
    publish_site(project, site_b, proxy.url)
    writes = [method for method, _, _ in proxy.log if method in WRITES]
    assert {"PUT", "MOVE", "DELETE"} <= set(writes) and proxy.count == len(writes)
    assert holds(server.root / "www", site_b)


def test_a_fault_at_any_request_leaves_one_complete_release(releases, dav, release_a_on_server, known_broken,
                                                            monkeypatch):
    """Scenario i: nginx carries out write i but its answer is lost (the client retries it: write i + 1), then
    every write from the next one on fails for good (500 on each retry). So each write is, in one scenario or
    another, answered-but-lost and failed-for-good; scenario 0 fails the very first write."""
    project, _, site_b = releases
    server, proxy = dav
    monkeypatch.setattr(webdav.time, "sleep", lambda seconds: None)  # retries without the waiting
    restore(server, release_a_on_server)
    proxy.reset(methods=WRITES)
    publish_site(project, site_b, proxy.url)
    total = proxy.count
    print(f"WebDAV publish A -> B: {total} writes")
    fetch = http_fetch(server.url)
    for lost in range(total + 1):
        restore(server, release_a_on_server)
        plan = lambda n, lost=lost: "lost" if n == lost else "500" if n > lost + 1 or lost == 0 else None
        proxy.reset(methods=WRITES, plan=plan)
        try:
            publish_site(project, site_b, proxy.url)
        except PublishError:
            pass
        else:
            assert lost == total, f"write {lost + 2} failed for good, yet the publish went through"
        writes = [entry for entry in proxy.log if entry[0] in WRITES]
        problems = [p for p in crawl(fetch) if p not in known_broken]
        assert not problems, (lost, writes[max(lost - 1, 0):lost + 2], problems[:5])
        for staged in (server.root / "www" / STAGING).rglob("*"):  # out of reach while it waits
            rel = staged.relative_to(server.root / "www").as_posix()
            assert requests.get(server.url + rel, timeout=10).status_code in (403, 404), rel
        publish_site(project, site_b, server.url)
        assert holds(server.root / "www", site_b), lost


# ---- the folder target (the default): a fault in the Nth filesystem operation -------------------------

class FileSystemFault:
    """Counts the target's filesystem changes (os.replace, os.unlink, os.rmdir, shutil.rmtree: each one, not the
    calls inside rmtree) and raises at the Nth and every later one, or ("lost") carries out the Nth and raises
    right after it, as a crash would. An operation that fails by itself (a missing file) is passed through."""

    def __init__(self, monkeypatch, fail_at: int | None = None, lost: bool = False):
        self.count, self.fail_at, self.lost, self.inside = 0, fail_at, lost, False
        for module, name in ((os, "replace"), (os, "unlink"), (os, "rmdir"), (shutil, "rmtree")):
            monkeypatch.setattr(module, name, self._wrap(getattr(module, name)))

    def _wrap(self, operation):
        def faulty(*args, **kwargs):
            if self.inside:
                return operation(*args, **kwargs)
            self.count += 1
            hit = self.fail_at is not None and (self.count == self.fail_at if self.lost else self.count >= self.fail_at)
            if hit and not self.lost:
                raise OSError(f"injected fault in filesystem operation {self.count}")
            self.inside = True
            try:
                result = operation(*args, **kwargs)
            finally:
                self.inside = False
            if hit:
                raise OSError(f"injected crash after filesystem operation {self.count}")
            return result
        return faulty


def test_a_fault_in_any_folder_operation_leaves_one_complete_release(releases, known_broken, tmp_path, monkeypatch):
    """Scenario 0 fails the first operation; scenario i carries out operation i and crashes right after it,
    which leaves the state of operation i + 1 failing for good (a folder run has no retries)."""
    project, site_a, site_b = releases
    target, snapshot = tmp_path / "published", tmp_path / "published-a"
    publish_site(project, site_a, str(target))
    shutil.copytree(target, snapshot)
    use_site(project, site_b)
    with monkeypatch.context() as patch:
        counter = FileSystemFault(patch)
        publish(project.settings, str(target))
    total = counter.count
    assert holds(target, site_b) and total > 10
    print(f"folder publish A -> B: {total} filesystem operations")
    for index in range(total + 1):
        shutil.rmtree(target)
        shutil.copytree(snapshot, target, copy_function=os.link)  # safe: the target only renames files in
        with monkeypatch.context() as patch:
            FileSystemFault(patch, fail_at=max(index, 1), lost=index > 0)
            try:
                publish(project.settings, str(target))
            except OSError as exc:
                assert "injected" in str(exc)
            else:
                assert index > 0, "a fault for good always stops the run"
        problems = [p for p in crawl(folder_fetch(target)) if p not in known_broken]
        assert not problems, (index, problems[:5])
        publish(project.settings, str(target))
        assert holds(target, site_b), index
