"""The public download site as a reader meets it: styled with the brand's own fonts, colours and mark, a feed list a
non-specialist understands, dates that do not break, an accessibility statement per language, download links that
say what they fetch, a layout that fits a 320 px phone, and 0 axe-core violations (WCAG 2.x A/AA) on every page
template in et/en/vro and on the newsletter's HTML (issue 12, findings 5 and 7).

axe-core is pinned by tests/package-lock.json (`npm ci`, run by `make test`), injected into Debian's Chromium
through chromedriver (tests/axe.py).
"""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kit.build import build
from tests.axe import AXE, Browser, report
from tests.conftest import NOW, REPO, Project

NBSP = "\u00a0"
LANGUAGES = ("et", "en", "vro")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A three-language project (the shared fixture keeps two) with one real sample message, an event with venue,
    texts in et/en/vro, and the November newsletter issue that holds it."""
    root = tmp_path_factory.mktemp("look") / "proj"
    root.mkdir()
    shutil.copytree(REPO / "brand", root / "brand")
    shutil.copytree(REPO / "messages" / "suitsusaun", root / "messages" / "suitsusaun")
    shutil.copytree(REPO / "messages" / "_newsletter", root / "messages" / "_newsletter")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    project = Project(root)
    assert project.settings.languages == LANGUAGES
    report_ = build(project.settings, now=NOW)
    assert not report_.failed
    return root / "outputs"


def pages(site: Path) -> list[Path]:
    """Every page of the site (not the built files it links to)."""
    return [p for p in sorted((site / "site").rglob("*.html")) if "files" not in p.relative_to(site / "site").parts]


def template_pages(site: Path) -> dict[str, Path]:
    """One page of every site template in every language, the root page and the newsletter's HTML."""
    chosen = {"root": site / "site/index.html"}
    for lang in LANGUAGES:
        chosen[f"{lang} start"] = site / f"site/{lang}/index.html"
        chosen[f"{lang} municipality"] = site / f"site/{lang}/rouge/index.html"
        chosen[f"{lang} municipality, nothing yet"] = site / f"site/{lang}/antsla/index.html"
        chosen[f"{lang} message"] = site / f"site/{lang}/messages/suitsusaun.html"
        chosen[f"{lang} accessibility"] = site / f"site/{lang}/accessibility.html"
        issues = sorted((site / f"site/{lang}/newsletters").glob("*.html"))
        assert issues, f"no {lang} newsletter issue page"
        chosen[f"{lang} newsletter issue page"] = issues[0]
        newsletters = sorted((site / "kit/newsletters").glob(f"*/{lang}/*.html"))
        assert newsletters, f"no {lang} newsletter built"
        chosen[f"{lang} newsletter"] = newsletters[0]
    return chosen


class Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.stylesheets: list[str] = []
        self._open: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._open.append([attrs.get("href", ""), ""])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])

    def handle_data(self, data):
        for link in self._open:
            link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            href, text = self._open.pop()
            self.links.append((href, " ".join(text.split())))


def links(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_axe_core_finds_no_violation_on_any_template_in_three_languages_nor_on_the_newsletter(site, tmp_path):
    assert AXE.is_file(), "axe-core is missing: run `npm ci --prefix tests` (make test does)"
    with Browser(tmp_path) as browser:
        found = {name: browser.audit(page) for name, page in template_pages(site).items()}
    found = {name: violations for name, violations in found.items() if violations}
    assert not found, "axe-core violations:\n" + report(found)


def test_every_page_is_styled_with_the_brand_fonts_served_from_the_site_and_their_licence(site):
    css_path = site / "site/assets/site.css"
    css = css_path.read_text(encoding="utf-8")
    for page in pages(site):
        hrefs = links(page).stylesheets
        assert hrefs and all((page.parent / h).resolve() == css_path.resolve() for h in hrefs), page
    fonts = re.findall(r'url\("([^"]+)"\)', css)
    assert len(fonts) == 5
    for font in fonts:
        assert (css_path.parent / font).read_bytes()[:4] == b"wOF2", font
    assert "Inter" in (css_path.parent / "fonts/LICENSE-Inter.txt").read_text(encoding="utf-8")
    assert "http" not in css  # no font service, no tracker: the site asks nobody else for anything
    for name, colour in {"forest": "#1E4C0E", "birch": "#F7F4EC", "gold": "#E3A72F"}.items():
        assert f"--{name}: {colour}" in css
    assert "cv08" in css  # Inter's I with serifs: „Iisaku“ never reads „lisaku“


def test_every_page_shows_the_mark_and_links_the_accessibility_statement_in_its_footer(site):
    for page in pages(site):
        html = page.read_text(encoding="utf-8")
        assert '<svg aria-hidden="true"' in html, page
        footer = html[html.index("<footer"):]
        lang = re.search(r'<html lang="([a-z]+)"', html).group(1)
        assert f"{lang}/accessibility.html" in footer, page


def test_the_feed_list_names_each_format_and_says_what_a_feed_is(site):
    expected = {"et": ("Telli uudisvoog", "Sõnumid eesti keeles"), "en": ("Subscribe in a feed reader", "Messages in English"),
                "vro": (None, None)}
    for lang in LANGUAGES:
        start = site / f"site/{lang}/index.html"
        feed_links = [(href, text) for href, text in links(start).links if "/feeds/" in href]
        by_feed: dict[str, list[str]] = {}
        for href, text in feed_links:
            by_feed.setdefault(href.rsplit("/", 1)[1].rsplit(".", 1)[0], []).append(text.split(":")[0])
        assert set(by_feed) == {"all", f"lang-{lang}", "voru-linn", "voru-vald", "antsla", "rouge", "setomaa"}
        assert all(formats == ["Atom", "RSS", "JSON Feed"] for formats in by_feed.values()), by_feed
        texts = [text for href, text in feed_links]
        assert len(set(texts)) == len(texts), "two feed links with the same text"
        heading, own = expected[lang]
        html = start.read_text(encoding="utf-8")
        if heading:
            assert f'<h2 id="feeds">{heading}</h2>' in html and own in html


def test_dates_on_pages_never_break_between_day_and_month(site):
    et = (site / "site/et/index.html").read_text(encoding="utf-8")
    assert f">16.{NBSP}november{NBSP}2026</time>" in et
    for page in pages(site):
        # A social caption is shown as the file holds it, to be copied into a post: not page typography.
        text = re.sub(r"<details>.*?</details>", "", page.read_text(encoding="utf-8"), flags=re.S)
        assert not re.search(r"\d{1,2}\. (jaanuar|veebruar|märts|aprill|mai|juuni|juuli|august|september|oktoober|"
                             r"november|detsember)", text), page


def test_a_heading_over_the_list_of_municipalities_is_plural(site):
    assert '<h2 id="municipalities">Omavalitsused</h2>' in (site / "site/et/index.html").read_text(encoding="utf-8")
    assert '<h2 id="municipalities">Municipalities</h2>' in (site / "site/en/index.html").read_text(encoding="utf-8")


def test_download_links_name_type_size_language_and_date(site):
    page = site / "site/et/messages/suitsusaun.html"
    downloads = [(href, text) for href, text in links(page).links if "/files/" in href]
    assert downloads
    pattern = re.compile(r"\((PDF|JPEG|PNG|HTML|TXT|DOCX|EML|JSON|MARKDOWN|ICS), [\d,]+\s(kB|MB), "
                         r"(eesti|inglise|võru) keeles, 16\.\s?november\s2026\)$")
    for href, text in downloads:
        assert pattern.search(text), (href, text)
    english = [text for href, text in links(site / "site/en/messages/suitsusaun.html").links if "/files/" in href]
    assert english and all(re.search(r"in (Estonian|English|Võro), 16\sNovember\s2026\)$", text) for text in english)


def test_each_language_has_an_accessibility_statement_with_status_feedback_contact_and_date(site):
    for lang, date in (("et", f"26.{NBSP}november{NBSP}2026"), ("en", f"26{NBSP}November{NBSP}2026"),
                       ("vro", f"märtekuu{NBSP}26.{NBSP}päiv{NBSP}2026")):
        html = (site / f"site/{lang}/accessibility.html").read_text(encoding="utf-8")
        assert "EN 301 549" in html and "WCAG 2.1" in html
        assert 'href="mailto:arenduskeskus@vorumaa.ee"' in html and "Kristi Vals" in html
        assert date in html
        assert "https://www.ttja.ee/" in html  # where to turn when the answer does not satisfy


def test_the_layout_fits_a_320_px_phone_and_a_desktop_and_screenshots_are_kept(site, tmp_path):
    """No page scrolls sideways at 320, 390 or 1280 px; the brand's fonts load from the site; the start and a message
    page are photographed at 390 and 1280 px into outputs/test-screenshots of the test project, for a person to
    look at."""
    shots = site / "test-screenshots"
    shots.mkdir(exist_ok=True)
    chosen = {name: page for name, page in template_pages(site).items() if "newsletter" not in name}
    with Browser(tmp_path) as browser:
        for width in (320, 390, 1280):
            for name, page in chosen.items():
                overflow = browser.overflow(page, width)
                assert overflow <= 0, f"{name} scrolls sideways by {overflow} px at {width} px"
        assert {"Inter 400", "Inter 600", "Inter Display 800"} <= browser.loaded_fonts(chosen["et start"])
        for width in (390, 1280):
            for name in ("et start", "et message"):
                target = browser.screenshot(chosen[name], shots / f"{name.replace(' ', '-')}-{width}.png", width)
                assert target.stat().st_size > 20_000
