"""The download site and the feeds, built from real renders: parsed with feedparser, validated, compared."""
import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import feedparser
import jsonschema
import pytest

from kit.build import build
from kit.render import Registry
from kit.render.social import RENDERER as SOCIAL
from tests.conftest import MESSAGE_YAML, NOW, REPO, TEXT_MD, Project

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text())


def make_project(root: Path, languages='["et", "en"]', extra_settings="") -> Project:
    root.mkdir(parents=True)
    shutil.copytree(REPO / "brand", root / "brand")
    (root / "messages").mkdir()
    text = (REPO / "pyproject.toml").read_text().replace('languages = ["et", "en", "vro"]', f"languages = {languages}")
    (root / "pyproject.toml").write_text(text + extra_settings)
    return Project(root)


def add_standard_messages(project: Project) -> None:
    project.add("avalik")
    embargoed = MESSAGE_YAML.format(id="salajane-embargo") + "embargo: 2027-01-12 10:00 Europe/Tallinn\n"
    project.add("salajane-embargo", embargoed, texts={"et": TEXT_MD.format(title="Embargeeritud uudis", summary="S")})
    draft = MESSAGE_YAML.format(id="mustand-sonum").replace("status: approved", "status: draft")
    project.add("mustand-sonum", draft, texts={"et": TEXT_MD.format(title="Mustandi pealkiri", summary="S")})


def social_only() -> Registry:
    registry = Registry()
    registry.register(SOCIAL)
    return registry


def _link_preview_only(message, lang, ctx):
    return [spec for spec in SOCIAL.plan(message, lang, ctx) if spec.variant == "link-preview"]


def one_card() -> Registry:
    """The social renderer cut to one card per message and language: for feed tests, where files are not the point."""
    registry = Registry()
    registry.register(replace(SOCIAL, plan=_link_preview_only))
    return registry


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A project built once with every renderer: one public, one embargoed and one draft message."""
    project = make_project(tmp_path_factory.mktemp("site") / "proj")
    add_standard_messages(project)
    report = build(project.settings, now=NOW)
    assert not report.failed
    return project


def site_files(project: Project) -> dict[str, bytes]:
    site = project.root / "outputs" / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def feed_paths(project: Project, suffix: str) -> list[Path]:
    return sorted((project.root / "outputs" / "site" / "feeds").rglob(f"*{suffix}"))


def test_every_feed_parses_cleanly(site):
    """Atom and RSS through feedparser (its 6.0 releases do not read JSON Feed: the schema test does)."""
    paths = feed_paths(site, ".atom") + feed_paths(site, ".rss")
    assert len(paths) == 2 * (1 + 2 + 5)
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path.name, parsed.get("bozo_exception"))
        assert parsed.version, path.name


def test_json_feeds_validate_against_the_json_feed_schema(site):
    for path in feed_paths(site, ".json"):
        jsonschema.validate(json.loads(path.read_bytes()), SCHEMA, format_checker=jsonschema.FormatChecker())


def test_the_three_formats_hold_the_same_entries(site):
    for name in ("all", "lang-et", "rouge", "antsla"):
        feeds = site.root / "outputs/site/feeds"
        atom_ids = [e.id for e in feedparser.parse((feeds / f"{name}.atom").read_bytes()).entries]
        rss_ids = [e.id for e in feedparser.parse((feeds / f"{name}.rss").read_bytes()).entries]
        json_ids = [i["id"] for i in json.loads((feeds / f"{name}.json").read_bytes())["items"]]
        assert atom_ids == rss_ids == json_ids, name
        messages = [i for i in atom_ids if ":message/" in i]  # the "all" and language feeds also list newsletter issues
        assert len(messages) == (0 if name == "antsla" else 2 if name in ("all", "rouge") else 1), name


def test_entries_carry_what_partners_need(site):
    parsed = feedparser.parse((site.root / "outputs/site/feeds/rouge.atom").read_bytes())
    entry = parsed.entries[0]
    assert entry.id == "tag:loov.vorumaa.ee,2026:message/avalik/et" or entry.id.endswith("/en")
    assert {t.term for t in entry.tags} >= {"kultuur-ja-eripara", "rouge"}
    enclosures = [link for link in entry.links if link.rel == "enclosure"]
    assert any(link.type == "application/pdf" for link in enclosures)
    assert all("#sha256=" in link.href and int(link.length) > 0 for link in enclosures)
    assert not any("voru-linn-A4" in link.href for link in enclosures)  # Rõuge's feed: Rõuge's posters


def test_feed_updated_is_the_content_date_not_the_build_time(site):
    root = ET.parse(site.root / "outputs/site/feeds/all.atom").getroot()
    assert root.find(f"{ATOM}updated").text == "2026-11-02T07:00:00Z"


def test_embargoed_and_draft_messages_are_nowhere_on_the_site(site):
    files = site_files(site)
    assert any(path.startswith("files/social/avalik/") for path in files)
    for path, data in files.items():
        for secret in (b"salajane-embargo", "Embargeeritud uudis".encode(), b"mustand-sonum", b"Mustandi pealkiri"):
            assert secret not in data, (path, secret)
        assert "salajane-embargo" not in path and "mustand-sonum" not in path


def test_pages_list_the_municipality_material_in_the_page_language(site):
    page = (site.root / "outputs/site/et/rouge/index.html").read_text()
    assert '<html lang="et">' in page and 'rel="alternate" type="application/atom+xml"' in page
    assert "files/posters/avalik/et/rouge-A4.pdf" in page and "files/posters/avalik/et/voru-linn-A4.pdf" not in page
    assert "Plakatid" in page and "alt=" in page
    english = (site.root / "outputs/site/en/rouge/index.html").read_text()
    assert "Posters" in english and "files/posters/avalik/en/rouge-A4.pdf" in english


def test_bundles_carry_a_checksum_list(site):
    import hashlib
    import zipfile

    with zipfile.ZipFile(site.root / "outputs/site/bundles/rouge.zip") as bundle:
        sums = dict(reversed(line.split("  ")) for line in bundle.read("SHA256SUMS").decode().splitlines())
        assert "posters/avalik/et/rouge-A4.pdf" in sums
        for name, digest in sums.items():
            assert hashlib.sha256(bundle.read(name)).hexdigest() == digest


def test_a_rebuild_with_nothing_changed_gives_identical_bytes(site):
    before = site_files(site)
    report = build(site.settings, now=NOW)
    assert report.rendered == 0
    assert site_files(site) == before


def test_embargo_passing_publishes_the_message(site, tmp_path):
    from datetime import datetime

    from tests.conftest import TALLINN

    project = Project(tmp_path / "later")
    shutil.copytree(site.root, project.root)  # built for review already: the later build only publishes
    report = build(project.settings, now=datetime(2027, 1, 12, 10, 1, tzinfo=TALLINN))
    assert any("salajane-embargo" in path for path in site_files(project))
    assert report.rendered == 0 and not report.failed


def entry_ids(project: Project, name: str = "all") -> list[str]:
    return [e.id for e in feedparser.parse((project.root / f"outputs/site/feeds/{name}.atom").read_bytes()).entries]


def test_ids_survive_a_new_title_and_a_new_base_address(tmp_path):
    project = make_project(tmp_path / "ids", languages='["et"]')
    project.add("avalik")
    build(project.settings, now=NOW, registry=one_card())
    before = entry_ids(project)
    et = project.root / "messages/avalik/et.md"
    et.write_text(et.read_text().replace("Tule koosloome töötuppa!", "Uus pealkiri"))
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("https://loov.vorumaa.ee/kit/", "https://example.org/materjal/"))
    build(project.settings, now=NOW, registry=one_card())
    assert entry_ids(project) == before == ["tag:loov.vorumaa.ee,2026:message/avalik/et"]
    assert b"Uus pealkiri" in (project.root / "outputs/site/feeds/all.atom").read_bytes()


def add_dated(project: Project, number: int) -> None:
    meta = MESSAGE_YAML.format(id=f"sonum-{number}").replace("2026-11-02", f"2026-0{1 + number // 10}-{10 + number % 10}")
    project.add(f"sonum-{number}", meta, texts={"et": TEXT_MD.format(title=f"Sõnum {number}", summary="S")})


def test_archives_never_change_and_together_hold_every_entry(tmp_path):
    project = make_project(tmp_path / "arch", languages='["et"]')
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("feed_entries = 20", "feed_entries = 2"))
    for number in range(5):
        add_dated(project, number)
    build(project.settings, now=NOW, registry=one_card())
    archive = project.root / "outputs/site/feeds/archive"
    first = {p.name: p.read_bytes() for p in archive.glob("all-*.atom")}
    assert list(first) == ["all-1.atom"]
    for number in range(5, 9):
        add_dated(project, number)
    build(project.settings, now=NOW, registry=one_card())
    after = {p.name: p.read_bytes() for p in archive.glob("all-*.atom")}
    assert after["all-1.atom"] == first["all-1.atom"]
    assert sorted(after) == ["all-1.atom", "all-2.atom", "all-3.atom"]
    # The site's copy is the frozen file itself (a hard link, as downloads are): no build reads the archives.
    frozen = project.root / "outputs/state/feeds/archive"
    assert all((archive / name).samefile(frozen / name) for name in after)
    ids, document = [], project.root / "outputs/site/feeds/all.atom"
    while document is not None:  # walk prev-archive links as an RFC 5005 reader would
        parsed = feedparser.parse(document.read_bytes())
        assert parsed.bozo == 0
        ids += [e.id for e in parsed.entries]
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        document = archive / prev[0].rsplit("/", 1)[1] if prev else None
    assert sorted(ids) == sorted(f"tag:loov.vorumaa.ee,2026:message/sonum-{n}/et" for n in range(9))


def test_a_withdrawn_message_leaves_a_tombstone_and_nothing_else(tmp_path):
    project = make_project(tmp_path / "gone", languages='["et"]')
    project.add("jaab")
    project.add("laheb")
    build(project.settings, now=NOW, registry=one_card())
    meta = project.root / "messages/laheb/message.yaml"
    meta.write_text(meta.read_text().replace("status: approved", "status: withdrawn") + "updated: 2026-11-20 12:00 Europe/Tallinn\n")
    build(project.settings, now=NOW, registry=one_card())
    assert entry_ids(project) == ["tag:loov.vorumaa.ee,2026:message/jaab/et"]
    root = ET.parse(project.root / "outputs/site/feeds/all.atom").getroot()
    tombstone = root.find("{http://purl.org/atompub/tombstones/1.0}deleted-entry")
    assert tombstone.get("ref") == "tag:loov.vorumaa.ee,2026:message/laheb/et"
    assert not any("laheb" in path for path in site_files(project))


# ---- bundles: current material, streamed to disk (issue 13) --------------------------------------

def test_bundles_hold_the_current_messages_only(tmp_path):
    """A municipality's bundle held every file of its whole history (hundreds of megabytes at a hundred
    messages), then its newest 20 (the live feed's), which at a hundred messages was still every message, in
    1.7 times the built files' bytes. It holds what is current: the messages that went public in the last month,
    those whose event is still ahead, and at least the newest three. Only those have a bundle of their own; an
    older message's page has no bundle link but still lists its files."""
    import zipfile

    project = make_project(tmp_path / "cur", languages='["et"]')
    for number in range(3):
        add_dated(project, number)  # January: old
    for number, day in enumerate(("2026-11-24", "2026-11-15", "2026-11-05", "2026-10-28")):  # the last 31 days
        meta = MESSAGE_YAML.format(id=f"uus-{number}").replace("2026-11-02", day)
        project.add(f"uus-{number}", meta, texts={"et": TEXT_MD.format(title=f"Uus {number}", summary="S")})
    event = MESSAGE_YAML.format(id="sundmus").replace("2026-11-02", "2026-01-05") + (
        "event:\n  start: 2027-02-01 10:00 Europe/Tallinn\n  venues:\n    all: Rahvamaja\n")
    project.add("sundmus", event, texts={"et": TEXT_MD.format(title="Sündmus", summary="S")})
    quiet = MESSAGE_YAML.format(id="seto").replace("2026-11-02", "2026-02-01").replace(
        "[voru-linn, rouge]", "[setomaa]")
    project.add("seto", quiet, texts={"et": TEXT_MD.format(title="Seto", summary="S")})
    assert not build(project.settings, now=NOW, registry=one_card()).failed
    bundles = project.root / "outputs/site/bundles"
    current = ["sundmus", "uus-0", "uus-1", "uus-2", "uus-3"]
    assert sorted(p.name for p in bundles.iterdir()) == sorted(
        [f"message-{m}.zip" for m in [*current, "seto"]] + ["rouge.zip", "setomaa.zip", "voru-linn.zip"])
    with zipfile.ZipFile(bundles / "rouge.zip") as bundle:
        held = {name.split("/")[1] for name in bundle.namelist() if "/" in name}
    assert held == set(current)
    with zipfile.ZipFile(bundles / "setomaa.zip") as bundle:
        assert any("/seto/" in name for name in bundle.namelist()), "a quiet municipality keeps its newest"
    old_page = (project.root / "outputs/site/et/messages/sonum-2.html").read_text()
    new_page = (project.root / "outputs/site/et/messages/uus-3.html").read_text()
    assert "bundles/message-sonum-2.zip" not in old_page and "social/sonum-2/" in old_page
    assert "bundles/message-uus-3.zip" in new_page
    municipality_page = (project.root / "outputs/site/et/rouge/index.html").read_text()
    assert "Viimase kuu sõnumid ja eesootavad sündmused ühes ZIP-failis" in municipality_page, "says what it holds"


def test_a_bundle_is_streamed_to_disk_with_the_same_bytes(tmp_path):
    """A bundle was built whole in memory (a 400 MB zip took 400 MB more): it is written a member at a time,
    so memory does not grow with its size, and its bytes are those `ZipFile.writestr` gave."""
    import hashlib
    import io
    import tracemalloc
    import zipfile
    from functools import partial

    from kit.site.bundles import FIXED_TIME, zip_bundle
    from kit.site.catalog import SiteFile
    from kit.store import Store

    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        for block in range(48):
            handle.write(hashlib.sha256(str(block).encode()).digest() * 32768)  # 1 MiB each, 48 MiB
    text = tmp_path / "a.txt"
    text.write_text("tere " * 1000)
    files = [SiteFile(path=p.name, location=str(p), kind="press", variant="", lang="et", municipality="", size=p.stat().st_size,
                      sha256=hashlib.sha256(p.read_bytes()).hexdigest()) for p in (big, text)]
    store = Store.open(tmp_path / "outputs")
    tracemalloc.start()
    store.write_stream("site/bundles/all.zip", partial(zip_bundle, files))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MiB held while zipping 48 MiB"
    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w") as archive:
        for file in sorted(files, key=lambda f: f.path):
            info = zipfile.ZipInfo(file.path, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if file.path.endswith(".pdf") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.source.read_bytes())
        sums = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path))
        info = zipfile.ZipInfo("SHA256SUMS", date_time=FIXED_TIME)
        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
        archive.writestr(info, sums.encode())
    assert (tmp_path / "outputs/site/bundles/all.zip").read_bytes() == expected.getvalue()
    assert not list((tmp_path / "outputs/site/bundles").glob(".*.tmp"))


def test_the_site_is_synced_from_its_file_list_not_by_walking_it(tmp_path, monkeypatch):
    """Issue 13: every build walked outputs/site (130 000 files at 1 000 messages) to find what to remove. The
    last sync's file list says it; the site is walked only without a complete list (a killed sync), and then
    whatever is not wanted goes, strays included."""
    import pickle
    from pathlib import Path

    project = make_project(tmp_path / "sync", languages='["et"]')
    for number in range(2):
        add_dated(project, number)
    build(project.settings, now=NOW, registry=one_card())
    site = project.root / "outputs/site"
    walked: list[Path] = []
    original = Path.rglob

    def counting(self, pattern):
        walked.append(self)
        return original(self, pattern)

    monkeypatch.setattr(Path, "rglob", counting)
    meta = project.root / "messages/sonum-1/message.yaml"
    meta.write_text(meta.read_text().replace("status: approved", "status: withdrawn") +
                    "updated: 2026-11-20 12:00 Europe/Tallinn\n")
    build(project.settings, now=NOW, registry=one_card())
    assert site not in walked
    assert not [p for p in site.rglob("*") if "sonum-1" in p.as_posix() and p.is_file()]
    assert not (site / "v").exists() or all(any(d.iterdir()) for d in (site / "v").iterdir())  # no empty folders
    record = project.root / "outputs/state/site-files.pickle"
    assert "et/messages/sonum-0.html" in pickle.loads(record.read_bytes())
    stray = site / "et/messages/stray.html"
    stray.write_text("left by a sync that was killed")
    for state in (record.parent / "site-links.pickle", record):
        state.write_bytes(pickle.dumps(None))  # as a sync leaves them when it begins
    walked.clear()
    build(project.settings, now=NOW, registry=one_card())
    assert site in walked and not stray.exists()
    older = project.root / "outputs/state/site-files.json"  # the record as an older kit wrote it: not read, removed
    older.write_text('{"complete": true, "files": []}')
    build(project.settings, now=NOW, registry=one_card(), site_only=True)
    assert not older.exists() and (site / "et/messages/sonum-0.html").is_file()


def test_a_voro_page_says_which_language_a_files_text_is_in(tmp_path):
    """A message written in Estonian and English only is listed on the Võro pages with its Estonian files: their
    links say „eesti kiilen“ (in Estonian), not „võro kiilen“, so a reader knows what the poster will say."""
    project = make_project(tmp_path / "proj", languages='["et", "en", "vro"]')
    project.add("avalik")
    assert not build(project.settings, now=NOW, registry=one_card()).failed
    page = (project.root / "outputs/site/vro/messages/avalik.html").read_text()
    meta = re.findall(r'link-preview\.jpg</span> <span class="meta">\(([^)]*)\)', page)
    assert meta and all("eesti kiilen" in m and "võro kiilen" not in m for m in meta), meta
    english = (project.root / "outputs/site/en/messages/avalik.html").read_text()
    meta = re.findall(r'link-preview\.jpg</span> <span class="meta">\(([^)]*)\)', english)
    assert meta and all("in English" in m for m in meta), meta
