"""A clean build gives a whole site: every link and every file a page or a feed names is there, every
advertised checksum matches (tests/crawl.py). Once on a small project, once on the full sample messages."""

import shutil

import pytest

from kit.build import build
from tests.conftest import NOW, Project
from tests.crawl import crawl
from tests.test_site import add_standard_messages, make_project


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two messages serve two of the five municipalities: the other three have nothing yet."""
    project = make_project(tmp_path_factory.mktemp("crawl") / "proj")
    add_standard_messages(project)
    report = build(project.settings, now=NOW)
    assert not report.failed, [r.error for r in report.failed]
    return project


@pytest.fixture(scope="module")
def sample(sample_build):
    """The repository's own sample messages, every language, built once per session (conftest.sample_build)."""
    return Project(sample_build)


def test_every_link_file_and_checksum_of_a_small_site_resolves(small):
    assert crawl(small.root / "outputs/site", small.settings.site_url) == []


def test_a_municipality_with_nothing_yet_says_so_and_links_no_bundle(small):
    site = small.root / "outputs/site"
    assert not (site / "bundles/antsla.zip").exists()
    for lang, text in (("et", "Siin pole veel ühtegi sõnumit."), ("en", "There are no messages here yet.")):
        page = (site / lang / "antsla/index.html").read_text(encoding="utf-8")
        assert "bundles/antsla.zip" not in page and text in page
    assert "bundles/rouge.zip" in (site / "et/rouge/index.html").read_text(encoding="utf-8")


def test_every_link_file_and_checksum_of_the_sample_site_resolves(sample):
    site = sample.root / "outputs/site"
    assert len(list(site.glob("*/messages/*.html"))) >= 3 * 10  # the sample really was published
    assert crawl(site, sample.settings.site_url) == []


def test_the_crawler_sees_a_broken_link_a_missing_enclosure_and_a_wrong_checksum(small, tmp_path):
    """The crawl itself can fail: break a copy of the site three ways and each is named."""
    site = tmp_path / "site"
    shutil.copytree(small.root / "outputs/site", site)
    # pages and feeds name the content-addressed copy (v/<hash>/files/...); files/<path> is the latest copy
    poster = next(site.glob("v/*/files/posters/avalik/et/rouge-A4.pdf"))
    for copy in (poster, site / "files/posters/avalik/et/rouge-A4.pdf"):
        copy.write_bytes(copy.read_bytes() + b"%")  # pages and feeds advertise the old SHA-256 and length
    image = next(site.glob("v/*/files/social/avalik/et/x.jpg"))
    image.unlink()
    poster, image = poster.relative_to(site).as_posix(), image.relative_to(site).as_posix()
    problems = "\n".join(crawl(site, small.settings.site_url))
    assert f"et/rouge/index.html: SHA-256 shown for ../../{poster} does not match" in problems
    assert f"#sha256 of https://loov.vorumaa.ee/kit/{poster}" in problems
    assert f"feeds/all.atom: names a missing file https://loov.vorumaa.ee/kit/{image}" in problems
    assert f"et/messages/avalik.html: broken link ../../{image}" in problems
    assert "bundles/rouge.zip: posters/avalik/et/rouge-A4.pdf is not the file the site serves" in problems
