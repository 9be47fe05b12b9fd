"""The review sheet, parsed as a browser would: organised by status, texts side by side, warnings in Estonian,
thumbnails of real built images, light enough to open on a phone."""
import os
import re
import warnings
from io import BytesIO
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from PIL import Image

from kit.build import build
from kit.errors import RenderError
from kit.model import Artifact, Job, Message
from kit.render import Registry, RenderContext, Renderer, JobSpec
from kit.render.newsletter import RENDERER as NEWSLETTER
from kit.render.social import RENDERER as SOCIAL
from tests.conftest import MESSAGE_YAML, NOW, TEXT_MD
from tests.test_site import make_project

PUBLIC_ET = """\
---
title: Avalik sõnum Haanjas
summary: Kokkuvõte **rõhuga**.
points:
  - Esimene punkt
  - Teine punkt
quote:
  text: Koos on parem.
  by: Mari Maasikas
cta: Vaata kava
image_alt: Roheline maastik.
---
Sõnumi **tekst** avalikule sõnumile.
"""
DRAFT_VRO = TEXT_MD.format(title="Mustandi päälkiri võro kiilen", summary="Lühkü kokkovõtõq.")


def plan_proof(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    """One extra output per message and language, as an extension would add it."""
    return [JobSpec(variant="proof", outputs=(f"proof/{message.id}/{lang}/proof.png",))]


def render_proof(job: Job, ctx: RenderContext) -> list[Artifact]:
    """Fails for the draft (as a card whose title does not fit), warns for the public message."""
    if job.message_id == "mustand-sonum":
        raise RenderError(f"{job.key}: the title does not fit the card at 40 px")
    if job.message_id == "avalik":
        warnings.warn(f"{job.key}: the photo prints at 250 dpi (print shops ask for 300)", stacklevel=1)
    buffer = BytesIO()
    Image.new("RGB", (300, 200), "#1E4C0E").save(buffer, "PNG")
    return [Artifact(job.outputs[0], buffer.getvalue())]


PROOF = Renderer(name="proof", plan=plan_proof, render=render_proof)


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    """Three languages; a public message with no Võro text, an embargoed, an expired and a withdrawn one in
    Estonian only, a draft in all three; one output of the draft fails in every language."""
    project = make_project(tmp_path_factory.mktemp("review") / "proj", languages='["et", "en", "vro"]')
    project.add("avalik", texts={"et": PUBLIC_ET, "en": TEXT_MD.format(title="Public message", summary="Summary.")})
    embargoed = MESSAGE_YAML.format(id="salajane-embargo") + "embargo: 2027-01-12 10:00 Europe/Tallinn\n"
    project.add("salajane-embargo", embargoed, texts={"et": TEXT_MD.format(title="Embargeeritud uudis", summary="S")})
    draft = MESSAGE_YAML.format(id="mustand-sonum").replace("status: approved", "status: draft")
    project.add("mustand-sonum", draft, texts={"et": TEXT_MD.format(title="Mustandi pealkiri", summary="S"),
                                               "en": TEXT_MD.format(title="Draft title", summary="S"), "vro": DRAFT_VRO})
    expired = MESSAGE_YAML.format(id="aegunud-sonum").replace("2026-11-02", "2026-10-05") \
        + "expires: 2026-11-20 00:00 Europe/Tallinn\n"
    project.add("aegunud-sonum", expired, texts={"et": TEXT_MD.format(title="Aegunud uudis", summary="S")})
    withdrawn = MESSAGE_YAML.format(id="tagasi-sonum").replace("status: approved", "status: withdrawn")
    project.add("tagasi-sonum", withdrawn, texts={"et": TEXT_MD.format(title="Tagasi võetud uudis", summary="S")})
    registry = Registry()
    registry.register(SOCIAL)
    registry.register(PROOF)
    registry.register(NEWSLETTER)
    report = build(project.settings, now=NOW, registry=registry)
    assert len(report.failed) == 3 and all(r.job.message_id == "mustand-sonum" for r in report.failed)
    path = project.root / "outputs" / "review" / "index.html"
    return path, lxml.html.fromstring(path.read_bytes())


def text(element) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def article(page, message_id: str):
    return page.get_element_by_id(f"m-{message_id}")


def test_sections_come_in_the_order_the_team_works(sheet):
    _, page = sheet
    groups = page.xpath("//main/section[contains(@class, 'group')]")
    assert [g.get("id") for g in groups] == ["ootel", "embargo", "avalik", "aegunud", "tagasi-voetud"]
    assert [[a.get("id") for a in g.xpath("article")] for g in groups] == \
        [["m-mustand-sonum"], ["m-salajane-embargo"], ["m-avalik"], ["m-aegunud-sonum"], ["m-tagasi-sonum"]]
    assert not article(page, "tagasi-sonum").xpath(".//img")  # a withdrawn message builds nothing
    assert text(article(page, "tagasi-sonum").xpath(".//strong[@class='title']")[0]) == "Tagasi võetud uudis"
    toc = page.xpath("//nav[@aria-labelledby='sisukord']//a/@href")
    assert toc.index("#ootel") < toc.index("#m-mustand-sonum") < toc.index("#embargo") < toc.index("#avalik")


def test_the_summary_counts_and_jumps(sheet):
    _, page = sheet
    summary = [text(li) for li in page.xpath("//section[@aria-labelledby='kokkuvote']//li")]
    assert summary[:5] == ["1 ootab kinnitamist", "1 embargo all", "1 avalik", "1 aegunud", "1 tagasi võetud"]
    assert summary[6] == "3 ebaõnnestunud tööd"
    # No Võro text (public, embargoed, expired, withdrawn), no English text (the last three), the public message's
    # 3 dpi warnings; newsletters may add label fallbacks (warned once per process, so their number depends on
    # which worker rendered what).
    warnings = len(page.xpath("//ul[@class='notices']/li[@class='warning']"))
    assert warnings >= 4 + 3 + 3 and summary[5] == f"{warnings} hoiatust"
    for href in page.xpath("//a[starts-with(@href, '#')]/@href"):
        assert page.get_element_by_id(href[1:]) is not None, href


def test_newsletters_come_newest_first_and_say_whether_they_go_out(sheet):
    _, page = sheet
    issues = page.xpath("//section[@id='uudiskirjad']/article")
    assert [a.get("id") for a in issues] == ["uudiskiri-2027-01", "uudiskiri-2026-11", "uudiskiri-2026-10"]
    assert "ei avaldata veel" in text(issues[2])  # its only message has expired
    assert "ei avaldata veel" in text(issues[0]) and "Embargeeritud uudis" in text(issues[0])
    assert "avaldatakse" in text(issues[1]) and "Avalik sõnum Haanjas" in text(issues[1])
    assert "Mustandi pealkiri" not in text(issues[1])
    assert [text(li).split(":")[0] for li in issues[1].xpath("ul[@class='docs']/li")] == ["Eesti", "Inglise", "Võro"]


@pytest.mark.parametrize("message_id, langs, titles", [
    ("avalik", ["et", "en", "et"], ["Avalik sõnum Haanjas", "Public message", "Avalik sõnum Haanjas"]),
    ("mustand-sonum", ["et", "en", "vro"], ["Mustandi pealkiri", "Draft title", "Mustandi päälkiri võro kiilen"]),
])
def test_each_language_is_a_column_in_its_own_language(sheet, message_id, langs, titles):
    _, page = sheet
    columns = article(page, message_id).xpath(".//div[@class='langs']/div")
    assert [c.get("lang") for c in columns] == langs  # a missing Võro text shows the Estonian, marked as such
    assert [text(c.xpath(".//strong[@class='title']")[0]) for c in columns] == titles
    for column in columns:
        assert column.xpath("h5")[0].get("lang") == "et"  # the labels stay Estonian
        assert all(dt.get("lang") == "et" for dt in column.xpath(".//dt"))


def test_every_text_to_proofread_is_there(sheet):
    _, page = sheet
    estonian = article(page, "avalik").xpath(".//div[@class='langs']/div")[0]
    fields = {text(div.xpath("dt")[0]): div.xpath("dd")[0] for div in estonian.xpath("dl/div")}
    assert list(fields) == ["Pealkiri", "Kokkuvõte", "Punktid", "Tsitaat", "Tekst", "Üleskutse (CTA)",
                            "Pildi alt-tekst", "Postituste tekstid"]
    assert fields["Kokkuvõte"].xpath("strong")[0].text == "rõhuga"  # Markdown rendered, not shown raw
    assert fields["Tekst"].xpath(".//p/strong")[0].text == "tekst"
    assert [text(li) for li in fields["Punktid"].xpath(".//li")] == ["Esimene punkt", "Teine punkt"]
    assert "Koos on parem." in text(fields["Tsitaat"]) and "Mari Maasikas" in text(fields["Tsitaat"])
    assert text(fields["Üleskutse (CTA)"]) == "Vaata kava"
    assert text(fields["Pildi alt-tekst"]) == "Avalik sõnum Haanjas. Roheline maastik."
    assert "#" in text(fields["Postituste tekstid"])  # the captions as written beside the images
    # A field no language has (no quote in the draft) leaves no empty row.
    draft_fields = article(page, "mustand-sonum").xpath(".//div[@class='langs']/div[1]/dl/div/dt")
    assert "Tsitaat" not in [text(dt) for dt in draft_fields]


def test_warnings_and_failed_jobs_are_said_in_estonian(sheet):
    _, page = sheet
    draft = [li for li in article(page, "mustand-sonum").xpath(".//ul[@class='notices']/li")]
    assert len(draft) == 3 and all(li.get("class") == "error" for li in draft)
    assert text(draft[0]).startswith("Viga (proof · eesti): Tekst ei mahu küljendusse")
    assert draft[0].xpath(".//code")[0].get("lang") == "en"
    assert "does not fit the card" in text(draft[0].xpath(".//code")[0])
    public = [text(li) for li in article(page, "avalik").xpath(".//ul[@class='notices']/li")]
    assert any(t.startswith("Hoiatus (messages/avalik/message.yaml): Võrukeelne tekst puudub: võro väljundites on eesti tekst.")
               for t in public)
    assert sum("Foto trükitakse 250 dpi-ga, trükikojad soovivad 300 dpi-d" in t for t in public) == 3
    embargoed = [text(li) for li in article(page, "salajane-embargo").xpath(".//ul[@class='notices']/li")]
    assert len(embargoed) == 2 and any("Ingliskeelne tekst puudub" in t for t in embargoed)


def test_thumbnails_are_small_lazy_and_open_the_built_file(sheet):
    path, page = sheet
    kit = path.parent.parent / "kit"
    built = {p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.suffix in (".jpg", ".png")}
    images = page.xpath("//main//img")
    shown = set()
    for img in images:
        link = img.getparent().xpath("a")[0]  # the label's link, stretched over the whole tile
        assert link.get("href") == img.get("src") and text(link)
        assert img.get("loading") == "lazy"
        assert max(int(img.get("width")), int(img.get("height"))) <= 160
        assert img.get("alt"), img.get("src")
        target = (path.parent / unquote(img.get("src"))).resolve()
        assert target.is_file(), img.get("src")
        shown.add(target.relative_to(kit.resolve()).as_posix())
    assert shown == built  # every built image, and only those (the draft's failed proof image has none)
    english = page.xpath("//article[@id='m-avalik']/details[2]//img")
    assert english and all(img.get("lang") == "en" for img in english)  # the alt text's language
    alts = {img.get("alt") for img in article(page, "avalik").xpath(".//img")}
    assert "Avalik sõnum Haanjas. Roheline maastik." in alts and "Esimene punkt" in alts  # carousel slide 2
    for href in page.xpath("//a/@href"):
        if not href.startswith(("#", "https:")):
            assert (path.parent / unquote(urlsplit(href).path)).is_file(), href


def test_the_sheet_is_accessible_in_structure(sheet):
    _, page = sheet
    assert page.get("lang") == "et"
    assert len(page.xpath("//h1")) == 1 and len(page.xpath("//main")) == 1 and page.xpath("//header") \
        and page.xpath("//nav[@aria-labelledby]")
    levels = [int(h.tag[1]) for h in page.xpath("//h1|//h2|//h3|//h4|//h5|//h6")]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels  # no level skipped
    for labelled in page.xpath("//*[@aria-labelledby]"):
        assert page.get_element_by_id(labelled.get("aria-labelledby")) is not None


def test_the_sheet_stays_light(sheet):
    """Hundreds of thumbnails in the full sample: each tile's markup is small, nothing is inlined, and only the
    first language's outputs are unfolded (a closed <details> loads no images)."""
    path, page = sheet
    html = path.read_text(encoding="utf-8")
    assert "data:" not in html
    tiles = page.xpath("//ul[@class='thumbs']/li")
    assert len(tiles) >= 50
    tile_bytes = sum(len(lxml.html.tostring(li, encoding="unicode")) for li in tiles)
    assert tile_bytes / len(tiles) < 350, f"{tile_bytes / len(tiles):.0f} bytes a thumbnail"
    assert len(html.encode()) < 100_000  # 75 kB: five messages, three languages, 129 thumbnails
    for message in page.xpath("//article[contains(@class, 'message')][.//ul[@class='thumbs']]"):
        outputs = message.xpath("details[@class='outputs']")
        assert [d.get("open") is not None for d in outputs] == [True] + [False] * (len(outputs) - 1)


def render_picky(job: Job, ctx: RenderContext) -> list[Artifact]:
    """Renders a card image unless the title asks it to fail."""
    if "VIGA" in ctx.messages[job.message_id].text(job.lang).title:
        raise RenderError(f"{job.key}: the title does not fit the card at 40 px")
    buffer = BytesIO()
    Image.new("RGB", (300, 200), "#E3A72F").save(buffer, "PNG")
    return [Artifact(job.outputs[0], buffer.getvalue())]


def test_an_image_kept_from_a_failed_rebuild_is_marked_old(tmp_path):
    project = make_project(tmp_path / "proj", languages='["et"]')
    folder = project.add("koosloome")
    registry = Registry()
    registry.register(Renderer(name="picky", plan=plan_proof, render=render_picky))
    assert not build(project.settings, now=NOW, registry=registry).failed
    (folder / "et.md").write_text((folder / "et.md").read_text().replace("title: ", "title: VIGA "))
    assert len(build(project.settings, now=NOW, registry=registry).failed) == 1
    page = lxml.html.fromstring((project.root / "outputs/review/index.html").read_bytes())
    tile = page.xpath("//ul[@class='thumbs']/li")
    assert len(tile) == 1 and "eelmine versioon: uuendamine ebaõnnestus" in text(tile[0])
    assert text(page.xpath("//ul[@class='notices']/li[@class='error']")[0]).startswith("Viga (picky · eesti): Tekst ei mahu")


def test_the_sheet_is_made_in_a_fork_beside_the_site_and_written_even_when_the_site_fails(tmp_path, monkeypatch):
    """The site stage makes the review sheet in a forked process while it makes the site (kit/workers.py
    in_a_fork): the team still gets the sheet when the site fails, and the sheet's own errors reach the build."""
    project = make_project(tmp_path / "proj", languages='["et"]')
    project.add("koosloome")
    registry = Registry()
    registry.register(PROOF)
    made_in: list[int] = []
    monkeypatch.setattr("kit.site.review_sheet", lambda *args: f"<p id='pid'>{os.getpid()}</p>")

    def broken_catalog(*args):
        made_in.append(os.getpid())
        raise RuntimeError("the catalog broke")

    monkeypatch.setattr("kit.site.build_catalog", broken_catalog)
    with pytest.raises(RuntimeError, match="the catalog broke"):
        build(project.settings, now=NOW, registry=registry)
    sheet = lxml.html.fromstring((project.root / "outputs/review/index.html").read_bytes())
    assert made_in == [os.getpid()] and int(text(sheet.get_element_by_id("pid"))) != os.getpid()

    def broken_sheet(*args):
        raise ValueError("the sheet broke")

    monkeypatch.undo()
    monkeypatch.setattr("kit.site.review_sheet", broken_sheet)
    (project.root / "messages/koosloome/et.md").write_text(TEXT_MD.format(title="Uus pealkiri", summary="S"))
    with pytest.raises(ValueError, match="the sheet broke"):
        build(project.settings, now=NOW, registry=registry)
