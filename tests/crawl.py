"""Crawl a built outputs/site as a reader would: every link and every file it names must be there, and every
checksum it advertises must match the bytes. Returns the problems found (an empty list is a whole site)."""
from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = ("href", "src")
# <meta> tags whose content is an address on the site (link previews: kit/site/seo.py)
META_LINKS = ("og:url", "og:image", "twitter:image")
SKIPPED_SCHEMES = ("mailto", "tel", "data")  # not files on the site


class _Page(HTMLParser):
    """Collects link targets, element ids, and each advertised SHA-256 paired with the download link before it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.sums: list[tuple[str, str]] = []  # (href of the last download link, advertised hex)
        self._last_download = ""
        self._in_sum = 0
        self._sum_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in LINK_ATTRIBUTES:
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "meta" and (attrs.get("property") or attrs.get("name")) in META_LINKS and attrs.get("content"):
            self.links.append(attrs["content"])
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.links.append(candidate.split()[0])
        if tag == "a" and "download" in attrs:
            self._last_download = attrs.get("href", "")
        if "sum" in (attrs.get("class") or "").split():
            self._in_sum, self._sum_text = 1, []
        elif self._in_sum:
            self._in_sum += 1

    def handle_endtag(self, tag):
        if self._in_sum:
            self._in_sum -= 1
            if not self._in_sum:
                self.sums.append((self._last_download, "".join(self._sum_text).split()[-1]))

    def handle_data(self, data):
        if self._in_sum:
            self._sum_text.append(data)


def crawl(site: Path, site_url: str) -> list[str]:
    problems: list[str] = []
    files = sorted(p for p in site.rglob("*") if p.is_file())
    assert files, f"nothing built in {site}"
    for path in files:
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            problems += _check_page(site, path, site_url)
        elif rel.startswith("feeds/") and path.suffix in (".atom", ".rss"):
            problems += _check_xml_feed(site, path, site_url)
        elif rel.startswith("feeds/") and path.suffix == ".json":
            problems += _check_json_feed(site, path, site_url)
        elif rel.startswith("bundles/") and path.suffix == ".zip":
            problems += _check_bundle(site, path)
        elif rel == "sitemap.xml":
            problems += _check_sitemap(site, path, site_url)
        elif path.name == "posts.csv":
            problems += _check_posts_csv(site, path, site_url)
    return problems


def _check_posts_csv(site: Path, table: Path, site_url: str) -> list[str]:
    """Every image a scheduling tool is told to fetch is the site's own file, at its content-addressed URL."""
    import csv

    rel, problems = table.relative_to(site).as_posix(), []
    with table.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            for url in filter(None, row["image_urls"].split(",")):
                if not url.startswith(site_url + "v/"):
                    problems.append(f"{rel}: {url} is not a content-addressed address of the site")
                    continue
                problems += _check_named(site, table, url, site_url)
                target, _ = _target(site, site / "index.html", url, site_url)
                digest = url[len(site_url) + 2:].split("/", 1)[0]
                if _exists(site, target) and not hashlib.sha256(target.read_bytes()).hexdigest().startswith(digest):
                    problems.append(f"{rel}: {url} serves a file whose SHA-256 does not start with {digest}")
    return problems


def _target(site: Path, base: Path, link: str, site_url: str) -> tuple[Path | None, str]:
    """The file a link names (None for a link outside the site) and its fragment."""
    if link.startswith("*|") and link.endswith("|*"):
        return None, ""  # a merge tag in the e-mail newsletter (*|UNSUB|*): the mailing tool fills it in
    if link.startswith(site_url):
        link, base = link[len(site_url):], site / "index.html"
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        if parts.scheme in ("http", "https", *SKIPPED_SCHEMES):
            return None, ""
        return site / f"unknown-scheme:{link}", ""
    if not parts.path:
        return base, parts.fragment
    target = (base.parent / unquote(parts.path)).resolve()
    if parts.path.endswith("/"):
        target = target / "index.html"
    return target, parts.fragment


def _exists(site: Path, target: Path) -> bool:
    return target.is_relative_to(site.resolve()) and target.is_file()


def _check_page(site: Path, page: Path, site_url: str) -> list[str]:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    rel, problems = page.relative_to(site).as_posix(), []
    for link in parser.links:
        target, fragment = _target(site, page, link, site_url)
        if target is None:
            continue
        if not _exists(site, target):
            problems.append(f"{rel}: broken link {link}")
        elif fragment and target == page and fragment not in parser.ids:
            problems.append(f"{rel}: no element with id {fragment!r} for {link}")
    for link, advertised in parser.sums:
        target, _ = _target(site, page, link, site_url)
        if target is None or not _exists(site, target):
            problems.append(f"{rel}: SHA-256 {advertised} shown without a file beside it ({link!r})")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != advertised:
            problems.append(f"{rel}: SHA-256 shown for {link} does not match the file")
    return problems


def _check_named(site: Path, feed: Path, url: str, site_url: str, size: str | int | None = None) -> list[str]:
    """A URL a feed names: if it is the site's own, the file exists, with the advertised length and checksum."""
    rel = feed.relative_to(site).as_posix()
    if not url.startswith(site_url):
        return []
    target, fragment = _target(site, site / "index.html", url, site_url)
    if not _exists(site, target):
        return [f"{rel}: names a missing file {url}"]
    problems = []
    advertised = dict(p.split("=", 1) for p in fragment.split("&") if "=" in p).get("sha256")
    if advertised and hashlib.sha256(target.read_bytes()).hexdigest() != advertised:
        problems.append(f"{rel}: #sha256 of {url} does not match the file")
    if size is not None and int(size) != target.stat().st_size:
        problems.append(f"{rel}: length {size} of {url} is not the file's size {target.stat().st_size}")
    return problems


def _check_xml_feed(site: Path, feed: Path, site_url: str) -> list[str]:
    problems = []
    for node in ET.parse(feed).getroot().iter():
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "link" and node.get("href"):  # Atom links (every rel) and RSS atom:link
            problems += _check_named(site, feed, node.get("href"), site_url, node.get("length"))
        elif tag == "link" and node.text:  # RSS <link>
            problems += _check_named(site, feed, node.text.strip(), site_url)
        elif tag == "enclosure":
            problems += _check_named(site, feed, node.get("url", ""), site_url, node.get("length"))
        elif tag in ("content", "thumbnail") and node.get("url"):  # Media RSS, in RSS and Atom
            problems += _check_named(site, feed, node.get("url", ""), site_url, node.get("fileSize"))
    return problems


def _check_json_feed(site: Path, feed: Path, site_url: str) -> list[str]:
    document = json.loads(feed.read_bytes())
    problems = []
    for key in ("home_page_url", "feed_url"):
        problems += _check_named(site, feed, document.get(key, ""), site_url)
    for item in document.get("items", []):
        problems += _check_named(site, feed, item.get("url", ""), site_url)
        for key in ("image", "banner_image"):
            problems += _check_named(site, feed, item.get(key, ""), site_url)
        for attachment in item.get("attachments", []):
            problems += _check_named(site, feed, attachment["url"], site_url, attachment.get("size_in_bytes"))
    return problems


def _check_sitemap(site: Path, sitemap: Path, site_url: str) -> list[str]:
    """Every address in the sitemap (pages and their language alternates) is a page on the site."""
    problems = []
    for node in ET.parse(sitemap).getroot().iter():
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "loc":
            problems += _check_named(site, sitemap, (node.text or "").strip(), site_url)
            if not (node.text or "").startswith(site_url):
                problems.append(f"sitemap.xml: {node.text} is not on the site")
        elif tag == "link":
            problems += _check_named(site, sitemap, node.get("href", ""), site_url)
    return problems


def _check_bundle(site: Path, bundle: Path) -> list[str]:
    """SHA256SUMS matches every member, and every member is the very file the site serves under files/."""
    rel, problems = bundle.relative_to(site).as_posix(), []
    with zipfile.ZipFile(bundle) as archive:
        sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
        if set(sums) != set(archive.namelist()) - {"SHA256SUMS"}:
            problems.append(f"{rel}: SHA256SUMS does not list exactly the members")
        for name, digest in sums.items():
            data = archive.read(name)
            if hashlib.sha256(data).hexdigest() != digest:
                problems.append(f"{rel}: {name} does not match SHA256SUMS")
            served = site / "files" / name
            if not served.is_file() or served.read_bytes() != data:
                problems.append(f"{rel}: {name} is not the file the site serves at files/{name}")
    return problems
