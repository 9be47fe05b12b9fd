"""A message is published whole or not at all: a failed job keeps the message's previous public version on the
site (files, pages, feeds, bundles), or keeps a new message off it, and the build says so."""
import hashlib
import re
import subprocess
import sys

from kit.build import build
from kit.render import Registry
from kit.render.newsletter import RENDERER as NEWSLETTER
from kit.render.press import RENDERER as PRESS
from kit.render.social import RENDERER as SOCIAL
from tests.conftest import NOW, TEXT_MD
from tests.crawl import crawl
from tests.test_site import make_project, site_files

TOO_LONG = " ".join(["Koosloome"] * 12)  # too long for some social cards (how many depends on the layouts)


def kit_build(project):
    return subprocess.run([sys.executable, "-m", "kit", "--root", str(project.root), "build", "--now", "2026-11-26T12:00"],
                          capture_output=True, text=True, timeout=600)


def retitle(project, message_id: str, title: str, body: str) -> None:
    (project.root / f"messages/{message_id}/et.md").write_text(
        TEXT_MD.format(title=title, summary="Uus kokkuvõte.").replace("Sõnumi tekst.", body), encoding="utf-8")


def of_message(files: dict[str, bytes], message_id: str) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if path.split("/")[:3][2:] == [message_id]}


def test_a_failed_job_keeps_the_previous_version_of_the_whole_message(tmp_path):
    project = make_project(tmp_path / "whole", languages='["et"]')
    project.add("a")
    project.add("b")
    first = kit_build(project)
    assert first.returncode == 0, first.stderr
    before = site_files(project)
    a_before = of_message(before, "a")
    assert any(p.startswith("files/posters/a/") for p in a_before) and any(p.startswith("files/social/a/") for p in a_before)

    retitle(project, "a", TOO_LONG, "Teine tekst, mida ei tohi veel avaldada.")
    retitle(project, "b", "Uus pealkiri B", "B uus tekst.")
    second = kit_build(project)
    assert second.returncode == 1
    assert "failed: social/a/et/link-preview:" in second.stderr
    after = site_files(project)
    # A's files are byte for byte the old ones, though most of its jobs rendered new files into outputs/kit
    assert {p: hashlib.sha256(d).hexdigest() for p, d in of_message(after, "a").items()} == \
           {p: hashlib.sha256(d).hexdigest() for p, d in a_before.items()}
    new_poster = (project.root / "outputs/kit/posters/a/et/rouge-A4.pdf").read_bytes()
    assert new_poster != after["files/posters/a/et/rouge-A4.pdf"]
    # ... and so are its page, its bundle, and its text everywhere
    for path in ("et/messages/a.html", "bundles/message-a.zip"):
        assert after[path] == before[path], path
    for path, data in after.items():
        if path.endswith((".html", ".atom", ".rss", ".json")) and not path.startswith("files/"):
            assert b"Koosloome Koosloome" not in data and "Teine tekst".encode() not in data, path
    assert "Tule koosloome töötuppa!".encode() in after["feeds/all.atom"]
    # B changed whole and is published
    for path in ("et/messages/b.html", "et/index.html", "et/rouge/index.html", "feeds/all.atom", "feeds/all.json"):
        assert "Uus pealkiri B".encode() in after[path], path
    assert of_message(after, "b") != of_message(before, "b")
    assert crawl(project.root / "outputs/site", project.settings.site_url) == []
    assert re.search(r"^a: not published, \d+ jobs? failed; the site keeps its previous version$", second.stderr, re.M)

    retitle(project, "a", "Lühem uus pealkiri", "Teine tekst, mida ei tohi veel avaldada.")
    third = kit_build(project)
    assert third.returncode == 0, third.stderr
    final = site_files(project)
    assert final["files/posters/a/et/rouge-A4.pdf"] == (project.root / "outputs/kit/posters/a/et/rouge-A4.pdf").read_bytes()
    assert "Lühem uus pealkiri".encode() in final["et/messages/a.html"] and "Teine tekst".encode() in final["feeds/all.atom"]
    assert crawl(project.root / "outputs/site", project.settings.site_url) == []


def social_and_newsletter() -> Registry:
    """Social and newsletter, plus press: a newsletter item shows the press photo the press renderer publishes."""
    registry = Registry()
    registry.register(SOCIAL)
    registry.register(NEWSLETTER)
    registry.register(PRESS)
    return registry


def test_a_new_message_with_a_failed_job_stays_off_the_site(tmp_path):
    project = make_project(tmp_path / "new", languages='["et"]')
    project.add("avalik")
    assert not build(project.settings, now=NOW, registry=social_and_newsletter()).failed
    newsletter_before = site_files(project)["files/newsletters/2026-11/et/newsletter-2026-11-et.html"]
    project.add("uus-sonum")
    retitle(project, "uus-sonum", TOO_LONG, "Uus tekst.")
    report = build(project.settings, now=NOW, registry=social_and_newsletter())
    failed = {r.job.key for r in report.failed}
    assert failed and all(key.startswith("social/uus-sonum/et/") for key in failed)
    after = site_files(project)
    assert after["files/newsletters/2026-11/et/newsletter-2026-11-et.html"] == newsletter_before
    for path, data in after.items():
        assert "uus-sonum" not in path and b"uus-sonum" not in data and b"Koosloome Koosloome" not in data, path
    assert crawl(project.root / "outputs/site", project.settings.site_url) == []
    assert report.held_back == (f"uus-sonum: not published, {len(failed)} jobs failed; it stays off the site",
                                "newsletter-2026-11 (et): not published, its message uus-sonum is not published whole; "
                                "the site keeps its previous version")


def test_the_recorded_message_reads_back_as_it_was_written():
    """The record keeps each message whole, down to the zone of every moment (09:00 local stays 09:00 in summer)."""
    import json
    from datetime import datetime

    from kit.build import load_project
    from kit.config import load_settings
    from kit.model import Message
    from kit.site.public import decode, encode
    from tests.conftest import REPO

    _brand, content = load_project(load_settings(REPO))
    assert any(m.event for m in content.messages) and any(m.image for m in content.messages)
    for message in content.messages:
        again = decode(Message, json.loads(json.dumps(encode(message))))
        assert again == message
        for name in ("updated", "embargo", "expires"):
            moment = getattr(message, name)
            if isinstance(moment, datetime):
                assert (getattr(again, name).tzinfo, getattr(again, name).utcoffset()) == (moment.tzinfo, moment.utcoffset())
        assert again.published == message.published and again.published.utcoffset() == message.published.utcoffset()
