"""Hand-off to scheduling tools: posts.csv on the site (fetched from the real `kit serve`), and UTM parameters on
every link a caption, newsletter, page or poster QR code hands out (kit/utm.py)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import requests
import zxingcpp
from PIL import Image

from kit.build import build
from kit.config import load_settings
from kit.errors import ConfigError
from kit.utm import tagged
from tests.conftest import MESSAGE_YAML, NOW, TEXT_MD, context, new_project
from tests.servers import free_port, wait_for

# its own utm_source and a fragment (short: the carousel's last slide prints the address, and it must fit there)
PLAIN = "https://www.vorumaa.ee/t?utm_source=leht#kava"
CAMPAIGN = "utm_campaign=koosloome"


def _settings(tmp_path: Path, extra: str = ""):
    project = new_project(tmp_path / "proj")
    if extra:
        pyproject = project.root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + extra)
    return project.settings


# ---- the one function -----------------------------------------------------------------------------------------

def test_tagging_appends_the_channels_parameters_and_keeps_the_rest_byte_for_byte(tmp_path):
    settings = _settings(tmp_path)
    url = "https://www.vorumaa.ee/a%20b/?z=1&a=%C3%B5&z=2#osa?x=1"
    assert tagged(url, "social:facebook", "suitsusaun", "et", settings) == (
        "https://www.vorumaa.ee/a%20b/?z=1&a=%C3%B5&z=2"
        "&utm_source=facebook&utm_medium=social&utm_campaign=suitsusaun#osa?x=1")
    assert tagged("https://www.vorumaa.ee/", "newsletter", "m", "et", settings) == (
        "https://www.vorumaa.ee/?utm_source=newsletter&utm_medium=email&utm_campaign=m")
    assert tagged("https://www.vorumaa.ee/?", "poster", "m", "et", settings) == (
        "https://www.vorumaa.ee/?utm_source=poster&utm_medium=qr&utm_campaign=m")


def test_a_parameter_the_link_already_has_is_never_replaced(tmp_path):
    settings = _settings(tmp_path)
    assert tagged(PLAIN, "social:x", "koosloome", "et", settings) == (
        "https://www.vorumaa.ee/t?utm_source=leht&utm_medium=social&utm_campaign=koosloome#kava")
    complete = "https://e.ee/?utm_campaign=kevad&utm_medium=paber&utm_source=leht"
    assert tagged(complete, "social:facebook", "koosloome", "et", settings) == complete


def test_switched_off_links_stay_as_written_and_only_web_links_are_tagged(tmp_path):
    off = _settings(tmp_path, "utm = false\n")
    assert tagged(PLAIN, "social:facebook", "koosloome", "et", off) == PLAIN
    on = replace(off, utm=True)
    assert tagged("mailto:info@vorumaa.ee", "newsletter", "m", "et", on) == "mailto:info@vorumaa.ee"
    own_page = f"{on.site_url}et/messages/m.html"
    assert tagged(own_page, "site", "m", "et", on) == own_page  # the site's link to itself starts no new visit
    assert "utm_source=loov.vorumaa.ee&utm_medium=referral" in tagged("https://www.vorumaa.ee/", "site", "m", "et", on)


def test_a_channel_with_no_source_and_medium_is_a_programming_error_not_a_guess(tmp_path):
    with pytest.raises(ValueError, match="calendar"):
        tagged("https://e.ee/", "calendar", "m", "et", _settings(tmp_path))


def test_the_campaign_name_is_a_template_checked_with_the_settings(tmp_path):
    settings = _settings(tmp_path, 'utm_campaign = "loov-{message}-{lang}"\n')
    assert tagged("https://e.ee/", "social:x", "koosloome", "en", settings).endswith("utm_campaign=loov-koosloome-en")
    for bad, said in (('utm_campaign = "{id}"', "unknown placeholder {id}"), ('utm_campaign = " "', "must not be empty"),
                      ('utm = "no"', "must be true or false")):
        with pytest.raises(ConfigError) as error:
            _settings(tmp_path / bad.split()[0] / str(len(said)), bad + "\n")
        assert "tool.kit.utm" in str(error.value) and said in str(error.value)


# ---- a built and served site --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One message with a call to action that has its own utm_source and a fragment, an embargoed and a draft
    message, built for http://127.0.0.1:<port>/ and served there by `kit serve`."""
    project = new_project(tmp_path_factory.mktemp("handoff") / "proj")
    port = free_port()
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("https://loov.vorumaa.ee/kit/", f"http://127.0.0.1:{port}/"))
    project.add("koosloome", MESSAGE_YAML.format(id="koosloome").replace("https://www.vorumaa.ee/test", PLAIN))
    embargoed = MESSAGE_YAML.format(id="salajane") + "embargo: 2027-01-12 10:00 Europe/Tallinn\n"
    project.add("salajane", embargoed, texts={"et": TEXT_MD.format(title="Embargeeritud uudis", summary="S")})
    draft = MESSAGE_YAML.format(id="mustand").replace("status: approved", "status: draft")
    project.add("mustand", draft, texts={"et": TEXT_MD.format(title="Mustandi pealkiri", summary="S")})
    assert not build(project.settings, now=NOW).failed
    process = subprocess.Popen([sys.executable, "-m", "kit", "--root", str(project.root), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url)
        yield project, url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_posts_csv_holds_one_row_per_platform_post_with_reachable_public_images(site):
    project, url = site
    answer = requests.get(url + "et/posts.csv", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    rows = _rows(answer.content)
    posts = json.loads((project.root / "outputs/kit/social/koosloome/et/posts.json").read_text())["posts"]
    assert [(r["channel"], r["platform"]) for r in rows] == [(p["channel"], p["platform"]) for p in posts]
    assert list(rows[0]) == ["publish_not_before", "message", "language", "platform", "channel", "text",
                             "first_comment", "link", "image_urls", "alt_texts"]
    assert {r["message"] for r in rows} == {"koosloome"}  # no draft, nothing embargoed
    for row, post in zip(rows, posts, strict=True):
        assert row["text"] == post["caption"] and "\n\n" in row["text"]  # the caption's paragraphs, one cell
        moment = datetime.fromisoformat(row["publish_not_before"])
        assert moment.utcoffset() is not None and moment == datetime.fromisoformat(post["publish_not_before"])
        images = row["image_urls"].split(",")
        assert images and len(row["alt_texts"].split("||")) == len(images)
        for image in images:
            assert image.startswith(url + "v/")  # public, absolute, content-addressed
            got = requests.get(image, timeout=10)
            assert got.status_code == 200, image
            assert got.headers["Content-Type"] == ("image/png" if image.endswith(".png") else "image/jpeg")
            Image.open(io.BytesIO(got.content)).verify()
    carousel = next(r for r in rows if r["platform"] == "instagram")["image_urls"].split(",")
    assert [Path(u).name for u in carousel] == [f"carousel-{i:02d}.png" for i in range(1, 5)]  # cover, 2 points, call
    assert next(r for r in rows if r["platform"] == "instagram")["alt_texts"].split("||")[1:3] == ["Esimene punkt",
                                                                                                   "Teine punkt"]


def test_each_municipality_and_language_page_links_its_posts_csv(site):
    project, url = site
    for lang in ("et", "en"):
        for page, csv_path in ((f"{lang}/index.html", f"{lang}/posts.csv"),
                               (f"{lang}/rouge/index.html", f"{lang}/rouge/posts.csv")):
            html = requests.get(url + page, timeout=10).text
            assert f'{csv_path}" download>' in html and "(CSV," in html
            rows = _rows(requests.get(url + csv_path, timeout=10).content)
            assert rows and {r["language"] for r in rows} == {lang}
    # a municipality with no message has no file, and its page no link
    assert requests.get(url + "et/setomaa/posts.csv", timeout=10).status_code == 404
    assert "posts.csv" not in requests.get(url + "et/setomaa/index.html", timeout=10).text


def test_links_carry_utm_per_channel_and_keep_their_own_parameters(site):
    project, url = site
    kit = project.root / "outputs" / "kit"
    kept = "https://www.vorumaa.ee/t?utm_source=leht"
    rows = _rows((project.root / "outputs/site/et/posts.csv").read_bytes())
    facebook = next(r for r in rows if r["platform"] == "facebook")
    assert facebook["link"] == f"{kept}&utm_medium=social&{CAMPAIGN}#kava" and facebook["link"] in facebook["text"]
    assert f"{kept}&utm_medium=social&{CAMPAIGN}#kava" in (kit / "social/koosloome/et/x.txt").read_text()
    letter = (kit / "newsletters/2026-11/et/newsletter-2026-11-et.txt").read_text()
    assert f"{kept}&utm_medium=email&{CAMPAIGN}#kava" in letter
    assert f"{url}et/messages/koosloome.html?utm_source=newsletter&utm_medium=email&{CAMPAIGN}" in letter
    html = (kit / "newsletters/2026-11/et/newsletter-2026-11-et.html").read_text()
    assert f'href="{kept}&amp;utm_medium=email&amp;{CAMPAIGN}#kava"' in html
    page = requests.get(url + "et/messages/koosloome.html", timeout=10).text
    assert f'href="{kept}&amp;utm_medium=referral&amp;{CAMPAIGN}#kava"' in page
    preview = Image.open(kit / "posters/koosloome/et/rouge-A4.png")
    assert [r.text for r in zxingcpp.read_barcodes(preview)] == [f"{kept}&utm_medium=qr&{CAMPAIGN}#kava"]


def test_switched_off_every_output_gives_the_link_as_written(tmp_path):
    from kit.captions import captions
    from kit.render.newsletter import newsletter_text
    from kit.site.pages import _story
    from tests.test_poster import poster

    project = new_project(tmp_path / "proj")
    project.add("koosloome", MESSAGE_YAML.format(id="koosloome").replace("https://www.vorumaa.ee/test", PLAIN))
    ctx = context(project)
    ctx = replace(ctx, settings=replace(ctx.settings, utm=False))
    message = ctx.messages["koosloome"]
    assert {c.link for c in captions(message, "et", ctx.brand, ctx.settings)[0]} == {PLAIN, ""}
    assert f": {PLAIN}\n" in newsletter_text([message], "et", "2026-11", ctx)
    assert _story(message, "et", ctx.brand, ctx.settings)["cta"]["url"] == PLAIN
    png = poster(ctx, "A4")[1]
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [PLAIN]


def test_a_rebuild_makes_the_posts_records_only_of_the_message_that_changed(tmp_path, monkeypatch):
    """Each message's CSV records are kept for the next build (state/post-records.pickle): after one message's
    text changed, only its records are made again, and the CSVs are those a build without the kept ones makes."""
    from kit.render import Registry
    from kit.render.social import RENDERER as SOCIAL
    from kit.site import handoff

    project = new_project(tmp_path / "proj")
    for mid in ("koosloome", "teine"):
        project.add(mid, MESSAGE_YAML.format(id=mid))
    registry = Registry()
    registry.register(SOCIAL)
    assert not build(project.settings, now=NOW, registry=registry).failed
    made: list[tuple[str, str]] = []
    real = handoff._records
    monkeypatch.setattr(handoff, "_records", lambda ctx, catalog, lang, mid: made.append((lang, mid)) or real(ctx, catalog, lang, mid))
    et = project.root / "messages/teine/et.md"
    et.write_text(et.read_text(encoding="utf-8").replace("Tule koosloome töötuppa!", "Tule ikka töötuppa!"), encoding="utf-8")
    assert not build(project.settings, now=NOW, registry=registry).failed
    assert made and {mid for _, mid in made} == {"teine"}
    site = project.root / "outputs/site"
    pieces = {path: (site / path).read_bytes() for path in ("et/posts.csv", "en/posts.csv", "et/rouge/posts.csv")}
    assert "Tule ikka töötuppa!" in pieces["et/posts.csv"].decode("utf-8-sig")
    (project.root / "outputs/state/post-records.pickle").unlink()
    assert not build(project.settings, now=NOW, registry=registry, site_only=True).failed
    assert {path: (site / path).read_bytes() for path in pieces} == pieces
    assert {mid for _, mid in made} == {"teine", "koosloome"}
