"""Every output tells the whole story, in its reader's language (issue 11), asserted from the built files:
the text a reader gets out of the press PDF (pdftotext), the .docx, the .txt, the parsed HTML of the press
text, the site's pages, the feeds and the newsletter. Built once per module from the sample's event messages
and its Tartu 2024 programme message, with the press and newsletter renderers (the site is always built)."""
from __future__ import annotations

import email
import json
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jsonschema
import pytest
import yaml
from PIL import Image

from kit.build import build
from kit.render import Registry
from kit.render.newsletter import RENDERER as NEWSLETTER
from kit.render.press import RENDERER as PRESS
from tests.conftest import NOW, REPO, TALLINN
from kit.render.poster import poster_html
from tests.test_site import SCHEMA, make_project

EVENTS = ("suitsusaun", "seto-leelo", "koosloome-tootoad", "noorte-ideelaat", "koolitusprogramm")
PROGRAMME = "tartu-2024-sonumid"
LANGS = ("et", "en", "vro")
PARTNER = {"et": "Projekt „Loov Võru maakond“ on osa Euroopa kultuuripealinn Tartu 2024 põhiprogrammist.",
           "en": "Project “Creative Võru County” is a part of the European Capital of Culture Tartu 2024 main programme."}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("story") / "proj", languages='["et", "en", "vro"]')
    for name in (*EVENTS, PROGRAMME, "_newsletter"):
        shutil.copytree(REPO / "messages" / name, project.root / "messages" / name)
    registry = Registry()
    registry.register(PRESS)
    registry.register(NEWSLETTER)
    report = build(project.settings, now=NOW, registry=registry)
    assert not report.failed, [r.error for r in report.failed]
    return project


def raw_event(message_id: str) -> dict:
    return yaml.safe_load((REPO / "messages" / message_id / "message.yaml").read_text(encoding="utf-8"))["event"]


def text_lang(message_id: str, lang: str) -> str:
    """The language a listing's text is really in: Võro falls back to Estonian where there is no vro.md."""
    return lang if (REPO / "messages" / message_id / f"{lang}.md").is_file() else "et"


def points(message_id: str, lang: str) -> list[str]:
    text = (REPO / "messages" / message_id / f"{text_lang(message_id, lang)}.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])["points"]


def expected_facts(message_id: str, lang: str) -> list[str]:
    """Independent of kit's formatting code: the clock times as each language writes them, the day and year,
    each venue, the address, the call-to-action link and the media contact."""
    event, lang = raw_event(message_id), text_lang(message_id, lang)
    facts = []
    for key in ("start", "end"):
        if key in event:
            moment = datetime.strptime(event[key].rsplit(" ", 1)[0], "%Y-%m-%d %H:%M")
            facts.append(moment.strftime("%H:%M" if lang == "en" else "%H.%M"))
            facts.append(str(moment.year))
    return [*facts, *event["venues"].values(), event["address"], event["url"], "arenduskeskus@vorumaa.ee"]


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


class Text(HTMLParser):
    """The words of an HTML document as a reader sees them, with every link target; parts in another language
    (lang="…" on an element) can be left out."""

    def __init__(self, skip_lang: str = ""):
        super().__init__()
        self.words, self.links, self.images, self._skip, self._depth, self._in = [], [], [], skip_lang, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            if tag == "img" and not self._depth:
                self.images.append(attrs)
            return
        self._in.append(tag)
        if self._depth or (self._skip and attrs.get("lang") == self._skip and tag != "html"):
            self._depth += 1
        if tag == "a" and not self._depth:
            self.links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag in ("br", "img", "meta", "link", "input", "hr"):
            return
        if self._in:
            self._in.pop()
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if not self._depth and (not self._in or self._in[-1] not in ("style", "script", "title")):
            self.words.append(data)

    @property
    def text(self) -> str:
        return one_line(" ".join(self.words))


def parsed(html: str, skip_lang: str = "") -> Text:
    parser = Text(skip_lang)
    parser.feed(html)
    return parser


def press_texts(sample, message_id: str, lang: str) -> dict[str, str]:
    """The four press formats as a journalist's tools read them."""
    folder = sample.root / "outputs" / "kit" / "press" / message_id / lang
    base = folder / f"press-{message_id}-{lang}"
    pdf = subprocess.run(["pdftotext", "-layout", f"{base}.pdf", "-"], capture_output=True, text=True, check=True).stdout
    with zipfile.ZipFile(f"{base}.docx") as docx:
        document = docx.read("word/document.xml").decode()
    docx_text = " ".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", document))
    html = Path(f"{base}.html").read_text(encoding="utf-8")
    return {"pdf": one_line(pdf), "docx": one_line(docx_text), "txt": one_line(Path(f"{base}.txt").read_text()),
            "html": parsed(html).text}


@pytest.mark.parametrize("message_id", EVENTS)
@pytest.mark.parametrize("lang", LANGS)
def test_event_press_release_says_when_where_what_how_and_whom_to_ask(sample, message_id, lang):
    for kind, text in press_texts(sample, message_id, lang).items():
        # pdftotext may hyphenate or break a long line: compare without the line structure
        for fact in expected_facts(message_id, lang) + points(message_id, lang):
            assert one_line(fact) in text or one_line(fact).replace(" ", "") in text.replace(" ", ""), (kind, fact)


def test_press_text_names_the_time_zone_for_readers_abroad(sample):
    assert "6 February 2027, 12:00–18:00 (Estonian time)" in press_texts(sample, "suitsusaun", "en")["txt"]
    assert "Toimumisaeg: 6. veebruar 2027, kell 12.00–18.00 Toimumiskoht: Haanja rahvamaja" in \
        press_texts(sample, "suitsusaun", "et")["txt"]


def test_press_photo_is_the_picture_itself_at_full_size_without_exif(sample):
    folder = sample.root / "outputs" / "kit" / "press" / "suitsusaun" / "en"
    with Image.open(folder / "photo-suitsusaun-en.jpg") as photo, Image.open(REPO / "messages/suitsusaun/hero.jpg") as hero:
        assert photo.size == hero.size and not photo.getexif()
    text = (folder / "press-suitsusaun-en.txt").read_text()
    assert "link-preview" not in text and "instagram" not in text
    assert "Photo: Creative Võru County (illustration). https://" in one_line(text)  # in English, no nested brackets
    assert "files/press/suitsusaun/en/photo-suitsusaun-en.jpg" in (sample.root / "outputs/site/en/messages/suitsusaun.html").read_text()


def site_page(sample, path: str) -> str:
    return (sample.root / "outputs" / "site" / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("message_id", EVENTS)
@pytest.mark.parametrize("lang", LANGS)
def test_message_page_shows_the_whole_event_message(sample, message_id, lang):
    page = parsed(site_page(sample, f"{lang}/messages/{message_id}.html"))
    url = raw_event(message_id)["url"]
    for fact in expected_facts(message_id, lang)[:-1] + points(message_id, lang):
        assert one_line(fact) in page.text or fact == url, fact
    # the call to action leads to the registration or programme page itself, with the site's UTM parameters
    assert f"{url}?utm_source=loov.vorumaa.ee&utm_medium=referral&utm_campaign={message_id}" in page.links
    photos = [i for i in page.images if "/press/" in i["src"]]
    assert photos and photos[0]["alt"]
    front = yaml.safe_load((REPO / "messages" / message_id / f"{text_lang(message_id, lang)}.md").read_text().split("---")[1])
    credit = front.get("image_credit") or yaml.safe_load(
        (REPO / "messages" / message_id / "message.yaml").read_text())["image"]["credit"]
    assert f": {credit}" in page.text  # in the text's language where it has one


def test_lists_label_the_event_date_and_the_publication_date(sample):
    start = parsed(site_page(sample, "et/index.html")).text
    assert "Võromaa suitsusauna päev Haanjas Toimumisaeg: 6. veebruar 2027, kell 12.00–18.00 Avaldatud: 16. november 2026" in start
    rouge = parsed(site_page(sample, "en/rouge/index.html")).text
    assert "Event date: 6 February 2027, 12:00–18:00 Published: 16 November 2026" in rouge
    # a message that is not an event shows its publication date, labelled as such, and nothing else
    assert re.search(r"Avaldatud: 15\. juuni 2026", start) and "Toimumisaeg: 15. juuni" not in start


def test_feed_entries_carry_the_event_facts(sample):
    feeds = sample.root / "outputs" / "site" / "feeds"
    for lang in ("et", "en"):
        atom = feedparser.parse((feeds / f"lang-{lang}.atom").read_bytes())
        rss = feedparser.parse((feeds / f"lang-{lang}.rss").read_bytes())
        document = json.loads((feeds / f"lang-{lang}.json").read_text())
        jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())  # _event is an extension
        items = {i["id"]: i for i in document["items"]}
        for message_id in EVENTS:
            entry_id = f"tag:loov.vorumaa.ee,2026:message/{message_id}/{lang}"
            if not (REPO / "messages" / message_id / f"{lang}.md").is_file():
                continue
            atom_content = one_line(parsed(next(e for e in atom.entries if e.id == entry_id).content[0].value).text)
            rss_content = one_line(parsed(next(e for e in rss.entries if e.id == entry_id).description).text)
            json_content = one_line(parsed(items[entry_id]["content_html"]).text)
            for fact in expected_facts(message_id, lang)[:-1]:  # the media contact is for the press
                for name, content in (("atom", atom_content), ("rss", rss_content), ("json", json_content)):
                    assert one_line(fact) in content, (name, message_id, fact)
            event = items[entry_id]["_event"]  # and as data, where the format allows it
            assert event["start"].startswith(raw_event(message_id)["start"][:10]) and event["url"] == raw_event(message_id)["url"]


def newsletter_files(sample, lang: str, issue: str = "2026-11") -> tuple[str, str, bytes]:
    base = sample.root / "outputs" / "kit" / "newsletters" / issue / lang / f"newsletter-{issue}-{lang}"
    return (Path(f"{base}.html").read_text(), Path(f"{base}.txt").read_text(), Path(f"{base}.eml").read_bytes())


@pytest.mark.parametrize("lang", LANGS)
def test_newsletter_items_say_when_where_and_lead_to_the_real_call_to_action(sample, lang):
    html, text, _ = newsletter_files(sample, lang)
    page = parsed(re.sub(r'<div class="preheader"[^>]*>.*?</div>', "", html, flags=re.S))  # the inbox preview line
    for message_id in ("suitsusaun", "seto-leelo", "koosloome-tootoad", "noorte-ideelaat"):  # the November issue
        event = raw_event(message_id)
        for fact in expected_facts(message_id, lang)[:-1]:
            assert one_line(fact) in one_line(text), (message_id, fact)
            assert one_line(fact) in page.text or fact == event["url"], (message_id, fact)
        assert f"{event['url']}?utm_source=newsletter&utm_medium=email&utm_campaign={message_id}" in page.links
    title = "Võromaa suitsusauna päev Haanjas" if lang == "et" else None
    if title:  # said once: the picture carries no headline, the event box no title
        assert page.text.count(title) == 2  # the contents list and the item's heading
        assert not [i for i in page.images if "link-preview" in i["src"]]


def test_newsletter_view_online_is_the_issue_page_linked_from_the_start_page_and_feeds(sample):
    for lang in LANGS:
        html, text, eml = newsletter_files(sample, lang)
        issue_url = f"https://loov.vorumaa.ee/kit/{lang}/newsletters/2026-11.html"
        assert issue_url in parsed(html).links and issue_url in text
        assert (sample.root / "outputs" / "site" / lang / "newsletters" / "2026-11.html").is_file()
        assert "newsletters/2026-11.html" in parsed(site_page(sample, f"{lang}/index.html")).links
        issue_page = parsed(site_page(sample, f"{lang}/newsletters/2026-11.html"))
        assert any(link.endswith(f"newsletter-2026-11-{lang}.eml") for link in issue_page.links)
        atom = feedparser.parse((sample.root / "outputs" / "site" / "feeds" / f"lang-{lang}.atom").read_bytes())
        assert any(issue_url == link.href for entry in atom.entries for link in entry.links)


def test_eml_carries_list_unsubscribe_headers(sample):
    message = email.message_from_bytes(newsletter_files(sample, "et")[2], policy=policy.default)
    assert message["List-Unsubscribe"].startswith("<*|UNSUB|*>, <mailto:arenduskeskus@vorumaa.ee")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_unsubscribe_link_is_a_setting(tmp_path):
    from dataclasses import replace

    from kit.model import Job
    from kit.render.newsletter import plan_issues
    from kit.render.newsletter import render as render_newsletter
    from tests.conftest import context

    project = make_project(tmp_path / "p", languages='["et"]',
                           extra_settings='newsletter_unsubscribe = "https://list.example.ee/u/{lang}/{issue}"\n')
    project.add("avalik")
    ctx = context(project)
    spec = plan_issues("et", ctx)[0]
    job = Job("newsletter", spec.variant, "et", spec.variant, spec.outputs, spec.params, members=spec.members)
    html, text, eml = (a.data for a in render_newsletter(job, replace(ctx)))
    parsed_eml = email.message_from_bytes(eml, policy=policy.default)
    assert parsed_eml["List-Unsubscribe"].startswith("<https://list.example.ee/u/et/2026-11>")
    assert "https://list.example.ee/u/et/2026-11" in parsed(html.decode()).links and "*|UNSUB|*" not in text.decode()


def _estonian_labels() -> dict[str, str]:
    catalogue = yaml.safe_load((REPO / "kit" / "data" / "labels.yaml").read_text(encoding="utf-8"))
    return {key: text.split("{")[0].strip(" :–") for key, text in catalogue["et"].items()
            if text != catalogue["vro"].get(key) and len(text.split("{")[0].strip(" :–")) >= 3}


def _has_label(text: str, label: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text) is not None


CREDIT = "Loov Võru maakond (illustratsioon)"  # message data (the Estonian credit inside fallbacks), not a label


def test_voro_outputs_hold_no_estonian_labels_and_fallbacks_no_voro_ones(sample):
    """Every Võro page, newsletter and press text: no label from the Estonian catalogue. A press text of a
    message with no Võro text is Estonian throughout: no Võro label in it."""
    catalogue = yaml.safe_load((REPO / "kit" / "data" / "labels.yaml").read_text(encoding="utf-8"))
    estonian = _estonian_labels()
    voro = {key: catalogue["vro"][key].split("{")[0].strip(" :–") for key in estonian}
    site = sample.root / "outputs" / "site" / "vro"
    checked = []
    for path in sorted(site.rglob("*.html")):
        words = parsed(path.read_text(encoding="utf-8"), skip_lang="et").text.replace(CREDIT, "")
        found = [label for label in estonian.values() if _has_label(words, label)]
        assert not found, (path.relative_to(site), found)
        checked.append(path)
    html, text, eml = newsletter_files(sample, "vro")
    subject = email.message_from_bytes(eml, policy=policy.default)["Subject"]
    for name, words in (("html", parsed(html, skip_lang="et").text), ("subject", subject),
                        ("txt-header", text.split("-" * 72)[0] + text.rsplit("-" * 72, 1)[1])):
        found = [label for label in estonian.values() if _has_label(words.replace(CREDIT, ""), label)]
        assert not found, (name, found)
    for message_id in (*EVENTS, PROGRAMME):
        press = press_texts(sample, message_id, "vro")
        for kind, words in press.items():
            words = words.replace(CREDIT, "")
            if text_lang(message_id, "vro") == "vro":
                found = [label for label in estonian.values() if _has_label(words, label)]
            else:
                found = [label for key, label in voro.items() if _has_label(words, label) and label != estonian[key]]
            assert not found, (message_id, kind, found)
    assert len(checked) > 10


def test_voro_listing_falling_back_to_estonian_gets_estonian_slides(monkeypatch):
    """The carousel's call-to-action slide of a Võro listing with only an Estonian text says „Loe lähemalt“ and
    „Link on profiilis.“, not the Võro labels under Estonian text."""
    import kit.render.slides as slides
    from tests.conftest import Project, context  # noqa: F401

    said = []
    monkeypatch.setattr(slides, "place_text", lambda text, spec, area, unit, brand, lang, where: said.append((text, lang)))
    monkeypatch.setattr(slides, "draw_text", lambda *args: None)
    monkeypatch.setattr(slides, "draw_wordmark", lambda *args: None)
    monkeypatch.setattr(slides, "pattern_band", lambda *args: None)
    from dataclasses import replace

    from kit.brand import load_brand
    from kit.model import Event, Message, Translation

    brand, _ = load_brand(REPO / "brand", REPO)
    et = Translation(lang="et", title="Pealkiri", summary="S", body_md="", points=("Punkt",))
    message = Message(id="m", folder=REPO, date=NOW.date(), status="approved", themes=(), municipalities=("rouge",),
                      channels=(), translations={"et": et}, updated=NOW, cta_url="https://www.vorumaa.ee/x")
    slides.cta_slide(message, "vro", (1080, 1350), brand)
    slides.point_slide(message, "vro", "Punkt", 1, 1, (1080, 1350), brand)
    texts = " ".join(text for text, _ in said)
    assert "Loe lähemalt" in texts and "Link on profiilis." in texts
    assert "Loeq" not in texts and "profiilin" not in texts
    assert {lang for _, lang in said} == {"et"}
    assert replace and Event  # imported for readers of this test: the message has no event


def test_alt_texts_join_sentences_without_double_punctuation(sample):
    from kit.captions import alt_text
    from kit.content import load_content
    from kit.brand import load_brand

    brand, _ = load_brand(sample.root / "brand", sample.root)
    content = load_content(sample.settings, brand)
    for message in content.messages:
        for lang in LANGS:
            alt = alt_text(message, lang)
            assert not re.search(r"[!?.…]\.", alt), alt
    koosloome = next(m for m in content.messages if m.id == "koosloome-tootoad")
    assert alt_text(koosloome, "et").startswith("Tule koosloome töötuppa! Joonistatud")


def test_programme_message_says_the_tartu_2024_sentence_everywhere(sample):
    from kit.brand import load_brand
    from kit.captions import captions
    from kit.content import load_content

    for lang in ("et", "en"):
        page = parsed(site_page(sample, f"{lang}/messages/{PROGRAMME}.html")).text
        assert PARTNER[lang] in page, lang
        atom = feedparser.parse((sample.root / "outputs/site/feeds" / f"lang-{lang}.atom").read_bytes())
        entry = next(e for e in atom.entries if e.id.endswith(f"{PROGRAMME}/{lang}"))
        assert PARTNER[lang] in one_line(parsed(entry.content[0].value).text)
        assert PARTNER[lang] in one_line(press_texts(sample, PROGRAMME, lang)["txt"])
    brand, _ = load_brand(sample.root / "brand", sample.root)
    message = next(m for m in load_content(sample.settings, brand).messages if m.id == PROGRAMME)
    for lang in ("et", "en"):
        made, _ = captions(message, lang, brand)
        assert made and all(PARTNER[lang] in c.text for c in made), [c.platform for c in made if PARTNER[lang] not in c.text]
    # the newsletter that holds it (June 2026)
    html, text, _ = newsletter_files(sample, "en", "2026-06")
    assert PARTNER["en"] in parsed(html).text and PARTNER["en"] in one_line(text)


def test_a_label_without_a_voro_text_is_one_counted_warning(sample, monkeypatch):
    """Said once per build by `kit check` / `kit build` (with the other warnings), not once per job."""
    import kit.i18n
    from kit.brand import load_brand
    from kit.content import load_content

    catalogue = kit.i18n._catalogue()
    trimmed = {**catalogue, "vro": {k: v for k, v in catalogue["vro"].items() if k != "view_online"}}
    monkeypatch.setattr(kit.i18n, "_catalogue", lambda: trimmed)
    brand, _ = load_brand(sample.root / "brand", sample.root)
    warnings = [str(p) for p in load_content(sample.settings, brand).warnings if "labels.yaml" in p.path]
    assert warnings == ["kit/data/labels.yaml: vro.view_online: label 'view_online' has no vro text; "
                        "vro outputs use the et text „Vaata veebis“"]
    assert kit.i18n.label("view_online", "vro") == "Vaata veebis"


def test_event_times_reach_posters_cards_and_captions_over_midnight(tmp_path):
    """An event from 22:00 to 01:30 next day: every event text keeps both times (issue 9, finding 7)."""
    from kit.brand import load_brand
    from kit.captions import captions
    from kit.content import load_content
    from kit.render.poster import poster_html
    from kit.render.social import _meta_text
    from tests.conftest import MESSAGE_YAML, context

    project = make_project(tmp_path / "p", languages='["et", "en", "vro"]')
    project.add("oo", MESSAGE_YAML.format(id="oo") + ("event:\n  start: 2027-03-12 22:00 Europe/Tallinn\n"
                                                      "  end: 2027-03-13 01:30 Europe/Tallinn\n  venues: {rouge: Rõuge rahvamaja}\n"))
    ctx = context(project)
    message = ctx.messages["oo"]
    expected = {"et": "12. märts, kell 22.00 – 13. märts 2027, kell 01.30",
                "en": "12 March, 22:00 – 13 March 2027, 01:30"}
    for lang, when in expected.items():
        html = one_line(poster_html(message, lang, "rouge", _paper(), ctx, "l"))
        assert when in html, lang
        assert when in one_line(_meta_text(message, lang, "event_or_summary"))
        made, _ = captions(message, lang, ctx.brand)
        assert all(when in one_line(c.text) for c in made if c.platform != "x") and made
    assert "urbõkuu 12. päiv, kell 22.00 – urbõkuu 13. päiv 2027, kell 01.30" in one_line(
        poster_html(replace_text(message, "vro"), "vro", "rouge", _paper(), ctx, "l"))
    assert load_brand and load_content and TALLINN  # the context above loads them


def _paper():
    from kit.render.poster import Paper

    return Paper("A4", False)


def replace_text(message, lang: str):
    """The message with a Võro text of its own (a copy of the Estonian one)."""
    from dataclasses import replace

    return replace(message, translations={**message.translations, lang: replace(message.translations["et"], lang=lang)})


def test_photo_credit_goes_with_the_photo_on_posters_and_in_captions(tmp_path):
    from kit.captions import captions
    from tests.conftest import context

    project = make_project(tmp_path / "p", languages='["et", "en"]')
    project.add("avalik")
    ctx = context(project)
    message = ctx.messages["avalik"]
    for lang, credit in (("et", "Foto: Test Pilt"), ("en", "Photo: Test Pilt")):
        assert f'<p class="credit">{credit}</p>' in poster_html(message, lang, "rouge", _paper(), ctx, "l")
        made, _ = captions(message, lang, ctx.brand)
        assert any(credit in c.text for c in made if c.platform in ("instagram", "facebook"))


def test_an_untouched_scaffold_is_a_warning_as_draft_and_an_error_once_approved(project):
    """`kit new` writes et, en and vro texts; what it wrote as placeholders must be replaced before release."""
    from tests.test_build import kit

    made = kit(project, "new", "uus-sonum", "--title", "Uus sõnum")
    assert made.returncode == 0, made.stderr
    folder = project.root / "messages" / "uus-sonum"
    assert {p.name for p in folder.glob("*.md")} >= {"et.md", "en.md"} | ({"vro.md"} if "vro" in project.settings.languages else set())
    draft = kit(project, "check")
    assert draft.returncode == 0, draft.stdout
    assert "messages/uus-sonum/en.md:2: title: is still the placeholder" in draft.stdout
    assert "messages/uus-sonum/et.md:3: summary: is still the placeholder" in draft.stdout
    yaml_path = folder / "message.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("status: draft", "status: approved"))
    approved = kit(project, "check")
    assert approved.returncode == 1 and "summary: is still the placeholder" in approved.stdout


def test_a_venue_outside_the_message_municipalities_is_an_error(project):
    from tests.conftest import MESSAGE_YAML
    from tests.test_build import kit

    project.add("yritus", MESSAGE_YAML.format(id="yritus") + (
        "event:\n  start: 2027-03-14 18:00 Europe/Tallinn\n  venues:\n    rouge: Rõuge rahvamaja\n    setomaa: Värska\n"))
    result = kit(project, "check")
    assert result.returncode == 1
    assert "messages/yritus/message.yaml:15: event.venues.setomaa: 'setomaa' is not one of the message's " \
           "municipalities (voru-linn, rouge)" in result.stdout, result.stdout


def test_newsletter_band_signs_with_the_wordmark_and_does_not_name_the_programme_again(sample):
    html, text, eml = newsletter_files(sample, "et")
    band = re.search(r'<td class="band"[^>]*>(.*?)</td>', html, re.S).group(1)
    assert one_line(parsed(band).text) == "Loov Võrumaa Uudiskiri, november 2026"
    assert email.message_from_bytes(eml, policy=policy.default)["Subject"] == "Loov Võru maakond – uudiskiri, november 2026"


def test_photo_credit_in_the_text_language_everywhere(sample):
    """image_credit in en.md / vro.md gives the credit in that language; message.yaml's is the default."""
    en_page = parsed(site_page(sample, "en/messages/suitsusaun.html")).text
    vro_press = press_texts(sample, "suitsusaun", "vro")["txt"]
    assert "Photo: Creative Võru County (illustration)" in en_page and "illustratsioon" not in en_page
    assert "Pilt: Loov Võro maakund (illustratsioon)" in vro_press
    fallback = press_texts(sample, "koosloome-tootoad", "vro")["txt"]
    assert "Foto: Loov Võru maakond (illustratsioon)" in fallback  # the Estonian text, the Estonian credit
    html, text, _ = newsletter_files(sample, "en")
    assert "Photo: Creative Võru County (illustration)" in parsed(html).text
