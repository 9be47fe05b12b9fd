"""The site at scale: pages made only when their data changed, and municipality pages that stay small
(the newest messages, then a page per month)."""
from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

import pytest

import kit.site
from kit.build import build
from kit.errors import KitError
from kit.model import Artifact
from kit.render import JobSpec, Presentation, Registry, Renderer
from tests.conftest import MESSAGE_YAML, NOW
from tests.crawl import crawl

COUNT = 24  # more than a municipality page holds (MUNICIPALITY_PAGE_ENTRIES = 20)


def _plan(message, lang, ctx):
    return [JobSpec(variant="note", outputs=(f"note/{message.id}/{lang}/{message.id}.txt",))]


def _render(job, ctx):
    title = ctx.messages[job.message_id].text(job.lang).title
    if "VIGA" in title:
        raise KitError(f"cannot note {title}")
    return [Artifact(job.outputs[0], title.encode())]


def notes() -> Registry:
    """One small text file per message and language: the site's pages without the cost of posters."""
    registry = Registry()
    registry.register(Renderer(name="note", plan=_plan, render=_render,
                               presentation=Presentation(section="files", title={"et": "Märge", "en": "Note"})))
    return registry


def many(project, count=COUNT):
    """`count` messages ten days apart, newest first: m00 on 2 November 2026, m23 eight months earlier."""
    for k in range(count):
        day = date(2026, 11, 2) - timedelta(days=10 * k)
        project.add(f"m{k:02d}", MESSAGE_YAML.format(id=f"m{k:02d}").replace("date: 2026-11-02", f"date: {day}"))


def site_build(project, failing=0, **options):
    report = build(project.settings, now=NOW, registry=notes(), workers=1, **options)
    assert len(report.failed) == failing
    return report


def rendered_pages(monkeypatch) -> list[str]:
    """The pages the next builds make (render), in order."""
    made: list[str] = []
    real = kit.site.render_pages

    def counting(pages, heads):
        render = real(pages, heads)

        def counted(page):
            made.append(page.path)
            return render(page)
        return counted
    monkeypatch.setattr(kit.site, "render_pages", counting)
    return made


def made_feeds(monkeypatch) -> list[str]:
    """The feeds the next builds make (their Atom document), by name."""
    made: list[str] = []
    real = kit.site.feed_formats.atom

    def counting(ctx, spec, *args, **kwargs):
        made.append(spec.name)
        return real(ctx, spec, *args, **kwargs)
    monkeypatch.setattr(kit.site.feed_formats, "atom", counting)
    return made


def sections(html: str) -> list[str]:
    return re.findall(r'<section id="(m\d\d)"', html)


def test_a_municipality_page_holds_its_newest_messages_and_links_a_page_per_month(project):
    many(project)
    site_build(project)
    site = project.root / "outputs/site"
    index = (site / "et/rouge/index.html").read_text(encoding="utf-8")
    assert sections(index) == [f"m{k:02d}" for k in range(20)]
    months = re.findall(r'<a href="(\d{4}-\d\d)\.html">([^<]+)</a>', index)
    # Older than the newest 20: m20 (16 April), m21 (6 April), m22 (27 March), m23 (17 March). A month's page
    # holds the whole month, m19 (26 April) too, though the municipality's page shows it as well.
    assert months == [("2026-04", "aprill 2026"), ("2026-03", "märts 2026")]
    assert "Varasemad sõnumid kuude kaupa" in index
    assert sections((site / "et/rouge/2026-04.html").read_text(encoding="utf-8")) == ["m19", "m20", "m21"]
    assert sections((site / "et/rouge/2026-03.html").read_text(encoding="utf-8")) == ["m22", "m23"]
    assert "March 2026" in (site / "en/rouge/index.html").read_text(encoding="utf-8")
    assert crawl(site, project.settings.site_url) == []


def test_a_rebuild_makes_only_the_pages_whose_data_changed(project, monkeypatch):
    many(project, 6)
    site_build(project)
    made = rendered_pages(monkeypatch)

    site_build(project)
    assert made == [], "nothing changed, yet pages were made again"

    feeds_made = made_feeds(monkeypatch)
    et = project.root / "messages/m03/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka töötuppa!"),
                  encoding="utf-8")
    site_build(project)
    assert "et/messages/m03.html" in made and "et/index.html" in made and "et/rouge/index.html" in made
    # Feeds too are made only when what they show changed: those of the municipalities m03 does not serve are not.
    assert {"all", "lang-et", "rouge", "voru-linn"} <= set(feeds_made) and not {"antsla", "setomaa", "voru-vald"} & set(feeds_made)
    assert not [p for p in made if re.match(r"[a-z]+/messages/m0[^3]", p)], made
    # The English pages show the sizes of bundles that hold the Estonian file: only those may be made again.
    assert {p for p in made if p.startswith("en/")} <= {"en/messages/m03.html", "en/rouge/index.html",
                                                       "en/voru-linn/index.html"}, made
    assert "Tule ikka töötuppa!" in (project.root / "outputs/site/et/messages/m03.html").read_text(encoding="utf-8")

    made.clear()
    (project.root / "outputs/site/en/messages/m01.html").unlink()
    site_build(project)
    assert made == ["en/messages/m01.html"]

    # The pages, feeds and sitemap made piecemeal are those of a site made from nothing, byte for byte.
    pieces = project.root / "pieces"
    shutil.copytree(project.root / "outputs/site", pieces)
    shutil.rmtree(project.root / "outputs/site")
    for memo in ("page-keys.json", "post-records.pickle"):
        (project.root / "outputs/state" / memo).unlink()
    site_build(project, site_only=True)
    fresh = project.root / "outputs/site"
    files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(pieces) for p in pieces.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".html", ".atom", ".rss", ".json", ".xml", ".txt"}
    assert [p for p in files if (fresh / p).read_bytes() != (pieces / p).read_bytes()] == []


def test_the_review_sheet_shows_the_newest_settled_messages_whole_and_lists_older_ones(project):
    """Drafts are always shown whole; of the public messages the newest 30 and any with a failed job. A warning is
    not enough: most messages have one for good (no Võro text)."""
    many(project, 34)
    (project.root / "messages/m31/en.md").unlink()  # an old message with a warning: no English text
    et = project.root / "messages/m32/et.md"  # an old message whose job fails (the site keeps it off: new)
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "VIGA"), encoding="utf-8")
    draft = project.root / "messages/m33/message.yaml"  # the oldest, and still a draft
    draft.write_text(draft.read_text(encoding="utf-8").replace("status: approved", "status: draft"), encoding="utf-8")
    site_build(project, failing=1)
    sheet = (project.root / "outputs/review/index.html").read_text(encoding="utf-8")
    whole = set(re.findall(r'<article id="m-(m\d\d)"', sheet))
    listed = re.findall(r'<li id="m-(m\d\d)">', sheet)
    assert whole == {f"m{k:02d}" for k in range(30)} | {"m32", "m33"}
    assert listed == ["m30", "m31"]
    assert re.search(r">Avalik \(33\)<", sheet)


def test_a_pages_key_follows_what_its_data_holds_not_which_objects_it_shares():
    """A message read anew and the same message taken from the message memo share different objects (a title in
    two places is one string, or two equal ones). Pickle's memo wrote them differently, so the build after a
    memo was written made half the sample's pages again, for the same bytes."""
    from kit.site import _page_key
    from kit.site.pages import Page

    title = "".join(["Tule ", "töötuppa!"])  # made at run time: not interned
    shared = Page("et/index.html", "site/index.html", {"title": title, "entries": [{"title": title}]})
    copied = Page("et/index.html", "site/index.html", {"title": "".join(["Tule ", "töötuppa!"]),
                                                       "entries": [{"title": "".join(["Tule ", "töötuppa!"])}]})
    assert _page_key(shared, "<link>") == _page_key(copied, "<link>")
    changed = Page("et/index.html", "site/index.html", {"title": title, "entries": [{"title": "Tule!"}]})
    assert _page_key(changed, "<link>") != _page_key(shared, "<link>")


@pytest.mark.parametrize("stats_beside", [False, True], ids=["stats-here", "stats-in-a-fork"])
def test_a_build_with_nothing_new_for_the_site_leaves_it_and_any_change_makes_it_again(project, monkeypatch,
                                                                                       stats_beside):
    """The site stage reads the messages (and what each is at this moment), the built jobs, the warnings, the
    settings, the brand and the code. When none of that changed since it last finished, it is not run at all
    (at 1 000 messages it was most of a rebuild with nothing to do); anything changed, or a file of the site
    gone, and it runs. The same when the build stats the built files in a fork (as it does from 5 000 jobs)."""
    from datetime import timedelta

    import kit.build

    monkeypatch.setattr(kit.build, "STATS_BESIDE_FROM", 0 if stats_beside else 10**9)
    many(project, 3)
    project.add("later", MESSAGE_YAML.format(id="later") + "embargo: 2026-11-27 09:00 Europe/Tallinn\n")
    site_build(project)
    runs = []
    real = kit.site._make_site
    monkeypatch.setattr(kit.site, "_make_site", lambda *args: runs.append(1) or real(*args))
    site = project.root / "outputs/site"
    before = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}

    site_build(project)
    assert runs == [], "nothing changed, yet the site stage ran"
    assert {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before

    def ran(**options) -> bool:
        runs.clear()
        build(project.settings, now=options.pop("now", NOW), registry=notes(), workers=1, **options)
        return bool(runs)

    assert ran(now=NOW + timedelta(days=1)), "the embargo lifted: the message goes public"
    assert (site / "et/messages/later.html").is_file()
    assert not ran(now=NOW + timedelta(days=1))
    et = project.root / "messages/m01/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka!"), encoding="utf-8")
    assert ran(now=NOW + timedelta(days=1))
    (site / "en/messages/m02.html").unlink()
    assert ran(now=NOW + timedelta(days=1)) and (site / "en/messages/m02.html").is_file()
    for download in (next((site / "files").rglob("*.txt")), next((site / "v").rglob("*.txt"))):
        download.unlink()  # a hard link to a built file: known gone by that file's link count
        assert ran(now=NOW + timedelta(days=1)) and download.is_file()
        assert not ran(now=NOW + timedelta(days=1))
    (project.root / "outputs/kit/note/m00/et/m00.txt").unlink()  # a built file gone: rendered again, and shown
    assert ran(now=NOW + timedelta(days=1))
    colours = project.root / "brand/tokens.yaml"
    colours.write_text(colours.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert ran(now=NOW + timedelta(days=1))
    assert not ran(now=NOW + timedelta(days=1))
    assert ran(now=NOW + timedelta(days=1), site_only=True), "--site-only makes the site again, whatever"
    (project.root / "outputs/state/site-key.json").write_text("{}")  # as a site stage killed midway leaves it
    assert ran(now=NOW + timedelta(days=1))


def test_a_sync_links_only_the_downloads_that_changed_and_every_download_is_its_built_file(project, monkeypatch):
    """Each download of the site is a hard link to its built file. A sync relinks only those whose built file
    changed (or whose link was lost): checking every one took two stats each, 260 000 at 1 000 messages. A
    download someone replaced with other bytes is restored all the same."""
    import os

    import kit.store

    many(project, 3)
    site_build(project)
    made: list[str] = []
    real = kit.store.link_atomic
    monkeypatch.setattr(kit.store, "link_atomic", lambda source, target: made.append(target.name) or real(source, target))
    assets = {"LICENSE-Inter.txt", "mark.svg"}  # brand files, linked as they are
    et = project.root / "messages/m01/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka!"), encoding="utf-8")
    site_build(project)
    assets |= {name for name in made if name.endswith(".woff2")}  # the brand's web fonts (brand/fonts/web)
    assert made and set(made) - assets == {"m01.txt"}, made  # files/… and v/<checksum>/files/… of the changed note only

    site, kit_dir = project.root / "outputs/site", project.root / "outputs/kit"

    def downloads_are_built_files() -> None:
        for download in [*(site / "files").rglob("*.txt"), *(site / "v").rglob("*.txt")]:
            built = kit_dir / download.relative_to(site).as_posix().split("files/", 1)[1]
            assert os.path.samefile(download, built), download

    downloads_are_built_files()
    replaced = site / "files/note/m02/en/m02.txt"
    replaced.unlink()
    replaced.write_text("something else", encoding="utf-8")
    made.clear()
    site_build(project)
    assert set(made) - assets == {"m02.txt"}, made
    downloads_are_built_files()
    assert replaced.read_text(encoding="utf-8") != "something else"


def test_a_rebuild_makes_the_page_data_only_of_the_messages_on_pages_made_again(project, monkeypatch):
    """A message's page data (its body as HTML, its material, its captions read from disk) are made only for a
    page being made: after one edit, not for every message of the site (3 000 at 1 000 messages)."""
    import kit.site.pages

    many(project)
    site_build(project)
    made: list[str] = []
    real = kit.site.pages._material
    monkeypatch.setattr(kit.site.pages, "_material",
                        lambda ctx, registry, catalog, lang, message, *rest: made.append(message.id)
                        or real(ctx, registry, catalog, lang, message, *rest))
    site_build(project, site_only=True)
    assert made == [], "no page changed, yet message data were made"

    et = project.root / "messages/m23/et.md"  # the oldest: on a month page of its own municipality's, with few others
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka!"), encoding="utf-8")
    site_build(project)
    assert "m23" in made
    assert "m00" not in made, "the newest message's data were made, though no page of it changed"
    assert len(set(made)) <= 4, sorted(set(made))  # m23 and the messages on its month pages
    assert "Tule ikka!" in (project.root / "outputs/site/et/messages/m23.html").read_text(encoding="utf-8")


def test_the_public_record_is_read_only_when_a_message_is_held_back(project, monkeypatch):
    """The record of what the site holds (30 MB at 1 000 messages) is needed only to keep the previous version of a
    message not published whole; a build with none held back does not read it."""
    import kit.site.catalog

    many(project, 3)
    site_build(project)
    reads: list[int] = []
    real = kit.site.catalog.load_record
    monkeypatch.setattr(kit.site.catalog, "load_record", lambda store: reads.append(1) or real(store))
    site_build(project, site_only=True)
    assert reads == []
    et = project.root / "messages/m01/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "VIGA"), encoding="utf-8")
    report = site_build(project, failing=1)
    assert reads == [1] and any(line.startswith("m01:") for line in report.held_back), report.held_back
    assert "VIGA" not in (project.root / "outputs/site/et/messages/m01.html").read_text(encoding="utf-8")


def test_the_public_record_rewrites_only_the_entries_that_changed(project, monkeypatch):
    """The record is an entry per message: a build encodes only the entries whose message or files changed, and
    removes the entry of a message that left the site; an older kit's one-file record still keeps a held-back
    message's previous version, and is gone once this kit has written its own."""
    import json

    import kit.site.public
    from kit.model import Message

    many(project, 3)
    site_build(project)
    record = project.root / "outputs/state/public"
    assert sorted(p.name for p in (record / "messages").iterdir()) == ["m00.json", "m01.json", "m02.json"]
    m00 = json.loads((record / "messages/m00.json").read_text(encoding="utf-8"))
    assert m00["message"]["id"] == "m00" and {f["path"] for f in m00["files"]} == {
        f"note/m00/{lang}/m00.txt" for lang in project.settings.languages}

    encoded: list[str] = []
    real = kit.site.public.encode
    monkeypatch.setattr(kit.site.public, "encode",
                        lambda value: encoded.append(value.id) or real(value) if isinstance(value, Message) else real(value))
    site_build(project, site_only=True)
    assert encoded == [], "nothing changed, yet entries were encoded"
    et = project.root / "messages/m01/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka!"), encoding="utf-8")
    site_build(project)
    assert encoded == ["m01"]
    assert json.loads((record / "messages/m01.json").read_text(encoding="utf-8"))["message"]["translations"]["et"]["title"] == "Tule ikka!"

    shutil.rmtree(project.root / "messages/m02")
    site_build(project)
    assert sorted(p.name for p in (record / "messages").iterdir()) == ["m00.json", "m01.json"]

    # An older kit's record: one file. m01 then fails; its previous version, found there, stays on the site.
    old = {"version": 1, "issues": {}, "messages": {p.stem: {k: v for k, v in json.loads(p.read_text()).items() if k != "version"}
                                                     for p in (record / "messages").iterdir()}}
    shutil.rmtree(record)
    (project.root / "outputs/state/public.json").write_text(json.dumps(old), encoding="utf-8")
    et.write_text(et.read_text(encoding="utf-8").replace("Tule ikka!", "VIGA"), encoding="utf-8")
    report = site_build(project, failing=1)
    assert any(line.startswith("m01:") and "keeps its previous version" in line for line in report.held_back), report.held_back
    assert "Tule ikka!" in (project.root / "outputs/site/et/messages/m01.html").read_text(encoding="utf-8")
    assert not (project.root / "outputs/state/public.json").exists()
    assert json.loads((record / "messages/m01.json").read_text(encoding="utf-8"))["message"]["translations"]["et"]["title"] == "Tule ikka!"
