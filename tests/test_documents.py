"""Newsletters and press texts: real e-mail parsing, real PDFs, real docx files."""
import email
import re
import subprocess
from dataclasses import replace
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from kit.errors import RenderError
from kit.model import Job
from kit.render.newsletter import newsletter_html, plan_issues
from kit.render.newsletter import render as render_newsletter
from kit.render.press import check as check_press
from kit.render.press import render as render_press
from kit.sanitize import markdown_html
from tests.browser import screenshot
from tests.conftest import MESSAGE_YAML, NOW, TEXT_MD, context, new_project

QUOTE_MD = TEXT_MD.replace("image_alt:", "quote:\n  text: Koos jõuame kaugemale.\n  by: Kristi Vals\nimage_alt:")


def documents_context(project):
    """Two messages (one with a quote, one an event) and a newsletter intro."""
    project.add("koosloome", texts={"et": QUOTE_MD.format(title="Tule koosloome töötuppa!", summary="Valime tegevused."),
                                    "en": QUOTE_MD.format(title="Join the workshop!", summary="We choose.")})
    event = MESSAGE_YAML.format(id="leelo").replace("date: 2026-11-02", "date: 2026-11-20") + (
        "event:\n  start: 2027-03-14 18:00 Europe/Tallinn\n  venues: {rouge: Rõuge rahvamaja}\n")
    project.add("leelo", event)
    project.write("messages/_newsletter/2026-11.yaml", "et: Novembri sissejuhatus.\nen: The November intro.\n")
    return context(project)


@pytest.fixture
def ctx(project):
    return documents_context(project)


def newsletter(ctx, lang="et"):
    spec = next(s for s in plan_issues(lang, ctx) if s.params["issue"] == "2026-11")
    job = Job("newsletter", spec.variant, lang, spec.variant, spec.outputs, spec.params, members=spec.members)
    html, text, eml = render_newsletter(job, ctx)
    return html.data.decode(), text.data.decode(), eml.data


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.styles, self._in_style = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def test_issue_holds_the_approved_messages_of_its_month_with_the_intro(ctx):
    specs = plan_issues("et", ctx)
    assert [(s.params["issue"], s.members) for s in specs] == [("2026-11", ("koosloome", "leelo"))]
    html, text, _ = newsletter(ctx)
    assert "Novembri sissejuhatus." in html and "Novembri sissejuhatus." in text


def test_eml_is_multipart_alternative_with_text_and_html(ctx):
    _, text, eml = newsletter(ctx)
    message = email.message_from_bytes(eml, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Loov Võru maakond – uudiskiri, november 2026"
    assert message["From"].addresses[0].addr_spec == "arenduskeskus@vorumaa.ee"
    parts = {part.get_content_type(): part for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert parts["text/plain"].get_content_charset() == "utf-8"
    assert parts["text/plain"].get_content().replace("\r\n", "\n") == text
    assert newsletter(ctx)[2] == eml  # same inputs, same bytes


def test_css_is_inlined_and_only_media_queries_stay_in_a_style_block(ctx):
    html, _, _ = newsletter(ctx)
    parser = Tags()
    parser.feed(html)
    assert not [a for t, a in parser.tags if t == "link" and a.get("rel") == "stylesheet"]
    style = re.sub(r"\s+", " ", "".join(parser.styles))
    outside = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", style).strip()
    assert outside == "" and "prefers-color-scheme: dark" in style
    assert 'name="color-scheme" content="light dark"' in html and '<html lang="et"' in html
    assert 'style="' in html and 'role="presentation"' in html


def test_every_image_has_alt_text_and_every_link_is_absolute_https(ctx):
    html, _, _ = newsletter(ctx)
    parser = Tags()
    parser.feed(html)
    images = [a for t, a in parser.tags if t == "img"]
    assert images and all(a.get("alt") for a in images) and all(a["src"].startswith("https://") for a in images)
    links = [a["href"] for t, a in parser.tags if t == "a"]
    assert "*|UNSUB|*" in links  # the sending tool's placeholder, visible as a link
    assert all(h.startswith("https://") or h.startswith("mailto:") for h in links if h != "*|UNSUB|*")


def test_html_stays_under_the_clipping_limit_and_an_oversized_issue_is_an_exact_error(ctx):
    html, _, _ = newsletter(ctx)
    assert len(html.encode()) < 100_000
    message = ctx.messages["koosloome"]
    huge = replace(message.translations["et"], summary="Pikk kokkuvõte, mis kordub. " * 40)
    many = [replace(message, id=f"m{i}", translations={"et": huge}) for i in range(60)]
    with pytest.raises(RenderError) as err:
        newsletter_html(many, "et", "2026-11", ctx)
    assert re.fullmatch(r"newsletter 2026-11 \(et\) is \d+ KB of HTML; e-mail clients clip it above 100 KB: "
                        r"move messages to another issue", str(err.value))


def test_oversized_issue_is_a_check_error(ctx, monkeypatch):
    from kit.render.newsletter import check, email_rules

    monkeypatch.setitem(email_rules(), "max_html_bytes", 2000)
    problems = [str(p) for p in check(ctx.messages["koosloome"], "et", ctx)]
    assert len(problems) == 1 and problems[0].startswith("messages/koosloome/et.md: newsletter 2026-11 (et) is ")


def test_dark_mode_in_a_real_browser(ctx, tmp_path):
    """Chromium with prefers-color-scheme: dark shows the dark palette (screenshots in tmp_path)."""
    import numpy as np

    html, _, _ = newsletter(ctx)
    page = tmp_path / "newsletter.html"
    page.write_text(html)
    brightness = {}
    for scheme, flags in (("light", []), ("dark", ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"])):
        shot = screenshot(page.as_uri(), tmp_path / f"newsletter-{scheme}.png", (700, 1200), *flags)
        brightness[scheme] = np.asarray(shot.convert("L")).mean()
    assert brightness["light"] > 180 and brightness["dark"] < 90, brightness


def test_plain_text_is_written_for_reading(ctx):
    _, text, _ = newsletter(ctx)
    assert text.startswith("LOOV VÕRU MAAKOND – UUDISKIRI, NOVEMBER 2026\n")
    assert "Selles numbris:\n  1. Tule koosloome töötuppa!" in text
    assert "Millal: 14. märts 2027, kell\u00a018.00" in text and "<" not in text
    # prose is wrapped; an address cannot be (it carries its UTM parameters, kit/utm.py), so it is not counted
    assert all(len(re.sub(r"https?://\S+", "URL", line)) <= 100 for line in text.splitlines())


def press(ctx, message_id="koosloome", lang="et", message=None):
    if message is not None:
        ctx = replace(ctx, messages={**ctx.messages, message.id: message})
    base = f"press/{message_id}/{lang}/press-{message_id}-{lang}"
    photo = (f"press/{message_id}/{lang}/photo-{message_id}-{lang}.jpg", f"press/{message_id}/{lang}/photo-{message_id}-{lang}-web.jpg") if ctx.messages[message_id].image else ()
    job = Job("press", message_id, lang, "press", tuple(base + s for s in (".html", ".pdf", ".txt", ".docx")) + photo)
    return {("web.jpg" if a.path.endswith("-web.jpg") else a.path.rsplit(".", 1)[1]): a.data for a in render_press(job, ctx)}


@pytest.fixture(scope="module")
def press_files(tmp_path_factory):
    """One press release in every format, rendered once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("press")
    files = press(documents_context(new_project(folder / "proj")))
    for suffix, data in files.items():
        (folder / f"press.{suffix}").write_bytes(data)
    return files, folder


def test_press_pdf_is_tagged_with_embedded_fonts(press_files):
    files, folder = press_files
    with pikepdf.open(folder / "press.pdf") as pdf:
        assert "/StructTreeRoot" in pdf.Root and bool(pdf.Root.MarkInfo.Marked)
        assert str(pdf.Root.Lang) == "et"
    fonts = subprocess.run(["pdffonts", str(folder / "press.pdf")], capture_output=True, text=True, check=True).stdout
    assert all(row.split()[-5] == "yes" for row in fonts.splitlines()[2:])


def test_press_pdf_text_holds_headline_dateline_boilerplate_and_end_mark(press_files):
    _, folder = press_files
    document = pdfium.PdfDocument(str(folder / "press.pdf"))
    text = " ".join(page.get_textpage().get_text_range() for page in document).replace("\r\n", " ").replace("\n", " ")
    for expected in ("Tule koosloome töötuppa!", "Võru, 2. november 2026 –", "Avaldamiseks kohe",
                     "Võrumaa Arenduskeskus on maakonna arendusorganisatsioon", "Meediakontakt", "###"):
        assert expected.casefold() in text.casefold(), expected  # the release line is set in capitals


def test_docx_has_the_same_headline_and_paragraphs_as_the_text(press_files):
    from docx import Document

    files, folder = press_files
    document = Document(str(folder / "press.docx"))
    paragraphs = [("– " if p.style.name == "List Bullet" else "") + p.text for p in document.paragraphs if p.text]
    text_paragraphs = [block.replace("\n", " ") for block in files["txt"].decode().strip().split("\n\n")]
    assert document.paragraphs[0].text in paragraphs
    assert next(p for p in document.paragraphs if p.style.name == "Title").text == "Tule koosloome töötuppa!"
    assert " ".join(paragraphs) == " ".join(text_paragraphs)
    assert {"Quote", "Heading 2"} <= {p.style.name for p in document.paragraphs}


def test_docx_is_a4_in_the_text_language_with_brand_styles(ctx, tmp_path):
    """Word opens it on A4 and proofs it in the text's language (Võro has no proofing: Estonian)."""
    import zipfile

    for lang, code in (("et", "et-EE"), ("en", "en-GB")):
        (tmp_path / f"{lang}.docx").write_bytes(press(ctx, lang=lang)["docx"])
        with zipfile.ZipFile(tmp_path / f"{lang}.docx") as docx:
            document, styles = docx.read("word/document.xml").decode(), docx.read("word/styles.xml").decode()
            parts = docx.namelist()
        size = re.search(r"<w:pgSz [^>]*>", document).group(0)
        assert 'w:w="11906"' in size and 'w:h="16838"' in size, size  # 210 × 297 mm in twips
        default_lang = re.search(r"<w:docDefaults>.*?<w:lang [^>]*>", styles, re.S).group(0)
        assert f'w:val="{code}"' in default_lang and "en-US" not in default_lang
        assert 'w:ascii="Inter"' in styles and 'w:styleId="Title"' in styles
        assert any(name.startswith("word/media/") for name in parts)  # the mark in the letterhead


def test_tartu_2024_sentence_exactly_when_in_the_programme(ctx):
    plain = press(ctx)["txt"].decode()
    assert "Tartu 2024" not in plain
    message = ctx.messages["koosloome"]
    programme = replace(message, tartu2024=True, translations={
        lang: replace(t, project="„Loov Võru maakond“") for lang, t in message.translations.items()})
    et = press(ctx, message=programme)["txt"].decode().replace("\n", " ")
    assert "Projekt „Loov Võru maakond“ on osa Euroopa kultuuripealinn Tartu 2024 põhiprogrammist." in et
    en = press(ctx, lang="en", message=programme)["txt"].decode().replace("\n", " ")
    assert "Project „Loov Võru maakond“ is a part of the European Capital of Culture Tartu 2024 main programme." in en


def test_embargo_line_gives_date_time_and_zone_in_the_language(ctx):
    from datetime import datetime

    from tests.conftest import TALLINN

    embargoed = replace(ctx.messages["koosloome"], embargo=datetime(2027, 1, 12, 10, 0, tzinfo=TALLINN))
    et = press(ctx, message=embargoed)["txt"].decode().replace("\n", " ")
    assert "Avaldamiseks mitte enne 12. jaanuari 2027 kell\u00a010.00 Eesti aja järgi" in et  # genitive, no comma
    en = press(ctx, lang="en", message=embargoed)["txt"].decode().replace("\n", " ")
    assert "Embargoed until 12 January 2027, 10:00 Estonian time" in en and "EET" not in en


LONG_URL = ("https://www.vorumaa.ee/sundmused/2027/loov-voru-maakond-koosloome-tootuba?utm_source=pressiteade"
            "&utm_medium=email&utm_campaign=koosloome_2027_talv&registreerimine=avatud&keel=et")


def words_past_the_right_margin(pdf: bytes, folder: Path) -> tuple[str, list[str]]:
    """Measured on the PDF (pdftotext -bbox), not by kit's own check: A4, 22 mm side margins (press.css)."""
    path = folder / "measured.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    mm = 72 / 25.4
    right = (210 - 22) * mm
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', out)
    text = "".join(word for _, _, word in words).replace("&amp;", "&")
    return text, [f"{word} (to {float(x1):.1f} of {right:.1f} pt)" for x0, x1, word in words if float(x1) > right + 0.5]


def test_a_very_long_url_in_the_body_wraps_inside_the_right_margin(ctx, tmp_path):
    """Before: the URL, one unbreakable word, ran 80 mm past the margin and off the page."""
    message = ctx.messages["koosloome"]
    body = f"Registreeri siin: {LONG_URL}\n\nVõi lingilt <{LONG_URL}>."
    message = replace(message, translations={**message.translations,
                                             "et": replace(message.translations["et"], body_md=body)})
    text, outside = words_past_the_right_margin(press(ctx, message=message)["pdf"], tmp_path)
    assert text.count(LONG_URL) == 2 and not outside, outside


@pytest.mark.filterwarnings("ignore::kit.i18n.LanguageFallback")  # Võro press labels fall back to Estonian
def test_a_headline_word_longer_than_the_line_is_a_named_error(ctx):
    """Võro is never hyphenated automatically, so a long compound in a headline cannot break."""
    word = "Vanavanõmbidõkokkosaamisõpäiväkorraldamisõtoimkunnakoosolõk"
    message = ctx.messages["koosloome"]
    vro = replace(message.translations["et"], lang="vro", title=f"Tulõ {word}", source="messages/koosloome/vro.md")
    message = replace(message, translations={**message.translations, "vro": vro})
    expected = ("press text koosloome (vro): the headline runs past the page margin: "
                "'Vanavanõmbidõkokkosaamisõpäiväkorraldamisõtoimk…'; "
                "shorten the word or add a soft hyphen (U+00AD) where it may break")
    with pytest.raises(RenderError) as err:
        press(ctx, lang="vro", message=message)
    assert str(err.value) == expected
    assert [str(p) for p in check_press(message, "vro", ctx)] == ["messages/koosloome/vro.md: " + expected]
    assert check_press(ctx.messages["koosloome"], "et", ctx) == []


def test_estonian_ordinals_are_not_turned_into_lists():
    html = str(markdown_html("2024. aastal oli Tartu kultuuripealinn.\n\n15. juunil kohtume.\n\n1. Esimene\n2. Teine"))
    assert html.startswith("<p>2024. aastal") and "<p>15. juunil kohtume.</p>" in html
    assert "<ol>\n<li>Esimene</li>" in html


def test_embargoed_newsletters_and_press_texts_stay_off_the_site(tmp_path):
    from kit.build import build
    from kit.render import Registry
    from kit.render.newsletter import RENDERER as NEWSLETTER
    from kit.render.press import RENDERER as PRESS
    from tests.test_site import add_standard_messages, make_project, site_files

    project = make_project(tmp_path / "p", languages='["et"]')
    add_standard_messages(project)
    documents = Registry()  # the two renderers under test: social cards and posters would only cost time
    for renderer in (PRESS, NEWSLETTER):
        documents.register(renderer)
    build(project.settings, now=NOW, registry=documents)
    built = {p.relative_to(project.root / "outputs/kit").as_posix() for p in (project.root / "outputs/kit").rglob("*")}
    assert "press/salajane-embargo/et/press-salajane-embargo-et.pdf" in built  # built for review
    assert "newsletters/2027-01/et/newsletter-2027-01-et.html" in built
    files = site_files(project)
    assert "files/press/avalik/et/press-avalik-et.pdf" in files
    assert "files/newsletters/2026-11/et/newsletter-2026-11-et.eml" in files
    assert not any("2027-01" in path or "salajane" in path for path in files)
