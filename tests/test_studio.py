"""kit studio, driven through Debian's Chromium (selenium): the desk, the editor, saving to files, problems next to
their fields, previews of the real outputs, refusal of a save over a file changed on disk, undo, stale translations
and approval. Each test runs the studio on a small temporary project, never the repository's messages/."""
from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from axe import Browser, report
from conftest import REPO, Project, landscape, new_project

pytestmark = pytest.mark.slow

THREE_LANGUAGE_TEXTS = {
    "et": "---\ntitle: Talgupäev Antslas\nsummary: Koristame koos järve kallast.\npoints:\n  - Kindad ja kotid on kohal\n"
          "image_alt: Roheline maastik.\n---\nTule appi!\n",
    "en": "---\ntitle: Clean-up day in Antsla\nsummary: We clean the lake shore together.\npoints:\n  - Gloves and bags provided\n"
          "image_alt: A green landscape.\n---\nCome and help!\n",
    "vro": "---\ntitle: Talgupäiv Antslan\nsummary: Koristami kuun järve veert.\npoints:\n  - Kindaq ja kotiq ommaq kotan\n"
           "image_alt: Halja maastik.\n---\nTulõq api!\n",
}
META = """\
id: talgud
date: 2026-11-02
status: {status}       # a comment the studio must keep
themes: [kestlik-kogukond]
municipalities: [antsla]
cta_url: https://www.vorumaa.ee/talgud
image:
  file: hero.jpg
  focus: 0.5 0.5
  credit: Test Pilt
"""


@pytest.fixture
def studio_project(tmp_path: Path) -> Project:
    """A project in et, en and vro with A4 posters only (fewer jobs to wait for)."""
    project = new_project(tmp_path / "proj")
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8").replace(
        'poster_sizes = ["A4", "A3"]', 'poster_sizes = ["A4"]')
    (project.root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return project


class Studio:
    def __init__(self, project: Project, password: str = ""):
        from werkzeug.serving import make_server

        from kit.studio.app import create_app

        self.project = project
        self.app = create_app(project.settings, password=password)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def previews(self):
        return self.app.extensions["kit_previews"]

    def close(self) -> None:
        self.previews.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def studio(studio_project: Project):
    running = Studio(studio_project)
    yield running
    running.close()


@pytest.fixture
def browser(tmp_path: Path):
    with Browser(tmp_path / "browser", height=1000) as opened:
        opened.driver.implicitly_wait(0)
        yield opened.driver


def wait_for(condition, timeout: float = 60, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what() if callable(what) else what or condition}")


def fill(driver, name: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.NAME, name)
    element.clear()
    element.send_keys(text)


def click(driver, element) -> None:
    """Click as a user would, with the element scrolled to the middle (the sticky save bar covers the bottom)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def save(driver) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "#editor button[type=submit][value=save]").click()


def field_problems(driver, name: str) -> list[str]:
    """The problems shown under a field, read in one go (the page may replace them while they are read)."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((li) => li.textContent.trim())",
        f'[id="f-{name}"] .problems li')


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---- create, fill three languages, save, see the square card --------------------------------------------

def test_a_new_message_filled_in_three_languages_is_saved_to_files_and_its_square_card_appears(studio, browser):
    from selenium.webdriver.common.by import By

    browser.get(studio.url + "/")
    browser.find_element(By.LINK_TEXT, "Uus sõnum").click()
    fill(browser, "id", "talgud")
    fill(browser, "title", "Talgupäev Antslas")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(lambda: browser.current_url.endswith("/m/talgud"), 10, "the editor of the new message")
    folder = studio.project.root / "messages" / "talgud"
    assert "# embargo:" in (folder / "message.yaml").read_text(encoding="utf-8")  # kit new's template

    for box in browser.find_elements(By.CSS_SELECTOR, 'input[name="municipalities"]'):
        if box.is_selected() != (box.get_attribute("value") == "antsla"):
            click(browser, box)
    texts = {"et": ("Talgupäev Antslas", "Koristame koos järve kallast.", "Kindad ja kotid on kohal", "Tule appi!"),
             "en": ("Clean-up day in Antsla", "We clean the lake shore together.", "Gloves and bags provided",
                    "Come and help!"),
             "vro": ("Talgupäiv Antslan", "Koristami kuun järve veert.", "Kindaq ja kotiq ommaq kotan", "Tulõq api!")}
    for lang, (title, summary, point, body) in texts.items():
        fill(browser, f"{lang}.title", title)
        fill(browser, f"{lang}.summary", summary)
        fill(browser, f"{lang}.points", point)
        fill(browser, f"{lang}.body", body)
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the saved editor")

    assert "title: Talgupäiv Antslan" in (folder / "vro.md").read_text(encoding="utf-8")
    assert "Clean-up day in Antsla" in (folder / "en.md").read_text(encoding="utf-8")
    meta = (folder / "message.yaml").read_text(encoding="utf-8")
    assert "municipalities: [antsla]" in meta and "# embargo:" in meta  # comments kit new wrote are kept

    card = 'a[data-path="social/talgud/et/instagram-square.jpg"][data-state="done"] img'
    src, shown_width = wait_for(lambda: browser.execute_script(
        "const i = document.querySelector(arguments[0]);"
        "return i && i.complete && i.naturalWidth ? [i.src, i.naturalWidth] : null", card), 120, "the square card")
    on_disk = studio.project.root / "outputs" / "kit" / "social" / "talgud" / "et" / "instagram-square.jpg"
    served = requests.get(src, timeout=10).content
    assert served == on_disk.read_bytes(), "the preview is not the file kit built"
    with Image.open(io.BytesIO(served)) as card_image:
        assert (card_image.format, card_image.size) == ("JPEG", (1080, 1080))
    assert shown_width == 1080


# ---- a problem next to its field; nothing written ------------------------------------------------------

def test_a_validation_error_appears_next_to_its_field_in_kit_checks_words_and_nothing_is_written(studio, browser):
    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    before = folder_bytes(folder)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "cta_url", "http://www.vorumaa.ee/talgud")
    fill(browser, "en.title", "A new English title")
    save(browser)
    expected = "messages/talgud/message.yaml:6: cta_url: 'http://www.vorumaa.ee/talgud' is not an absolute https:// address"
    assert wait_for(lambda: field_problems(browser, "cta_url"), 10, "the problem under cta_url") == [expected]
    from selenium.webdriver.common.by import By

    assert browser.find_element(By.NAME, "cta_url").get_attribute("aria-invalid") == "true"
    assert browser.find_element(By.NAME, "en.title").get_attribute("value") == "A new English title"  # input kept
    assert folder_bytes(folder) == before
    assert not (studio.project.root / "outputs" / "state" / "previous").exists()


def test_the_same_words_as_kit_check(studio, browser, tmp_path):
    """The editor shows the message's problems exactly as `kit check` prints them."""
    from kit.check import check_project

    studio.project.add("talgud", meta=META.format(status="draft").replace("antsla]", "antsla, atlantis]"),
                       texts=THREE_LANGUAGE_TEXTS)
    said = [str(p) for p in check_project(studio.project.settings, messages=["talgud"]) if p.severity == "error"]
    assert said
    browser.get(f"{studio.url}/m/talgud")
    assert field_problems(browser, "municipalities") == said


# ---- a save over a file changed on disk is refused, nothing lost; undo -----------------------------------

def test_a_save_over_a_file_changed_on_disk_is_refused_and_the_typed_text_stays(studio, browser):
    from selenium.webdriver.common.by import By

    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "et.title", "Minu uus pealkiri")
    hand_edit = THREE_LANGUAGE_TEXTS["et"].replace("Talgupäev Antslas", "Käsitsi muudetud pealkiri")
    (folder / "et.md").write_text(hand_edit, encoding="utf-8")  # another window, a git pull, a hand edit
    save(browser)
    banner = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#banner[role=alert]"), 10, "the refusal")[0]
    assert "messages/talgud/et.md" in banner.text and "Midagi ei salvestatud" in banner.text
    assert browser.find_element(By.NAME, "et.title").get_attribute("value") == "Minu uus pealkiri"
    assert (folder / "et.md").read_text(encoding="utf-8") == hand_edit


def test_undo_puts_back_the_files_before_the_last_save(studio, browser):
    from selenium.webdriver.common.by import By

    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    before = folder_bytes(folder)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "et.title", "Ajutine pealkiri")
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the save")
    assert "Ajutine pealkiri" in (folder / "et.md").read_text(encoding="utf-8")
    restarted = Studio(studio.project)  # undo survives a restart of the studio, and so does the page's token
    try:
        browser.get(f"{studio.url}/m/talgud")
        browser.execute_script("document.querySelector('form[action$=\"/undo\"]').action = arguments[0]",
                               f"{restarted.url}/m/talgud/undo")
        click(browser, browser.find_element(By.CSS_SELECTOR, 'form[action$="/undo"] button'))
        wait_for(lambda: "undone=1" in browser.current_url, 20, "the undo")
        assert folder_bytes(folder) == before
        assert not browser.find_elements(By.CSS_SELECTOR, 'form[action$="/undo"]')  # one step
    finally:
        restarted.close()


# ---- stale translations (kit.translation) and approval (kit.approval) -------------------------------------

def test_changing_the_estonian_title_marks_the_voro_title_stale(studio, browser):
    from selenium.webdriver.common.by import By

    from kit.translation import record_translated

    studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    for lang in ("en", "vro"):
        record_translated(studio.project.root, "talgud", lang)
    browser.get(f"{studio.url}/m/talgud")
    assert not browser.find_elements(By.CSS_SELECTOR, ".field.stale")
    fill(browser, "et.title", "Talgupäev Antsla järve ääres")
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the save")
    stale = {e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".field.stale")}
    assert {"f-vro.title", "f-en.title"} <= stale and "f-vro.summary" not in stale
    browser.get(studio.url + "/")
    assert browser.find_elements(By.CSS_SELECTOR, '[data-id="talgud"] .lang.stale')
    # the translator confirms the Võro title: it is no longer stale
    browser.get(f"{studio.url}/m/talgud")
    click(browser, browser.find_element(By.CSS_SELECTOR, '[id="f-vro.title"] input[name="vro.confirm"]'))
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the save")
    stale = {e.get_attribute("id") for e in browser.find_elements(By.CSS_SELECTOR, ".field.stale")}
    assert "f-vro.title" not in stale and "f-en.title" in stale


def test_approve_writes_who_and_when_and_asks_to_confirm_warnings(studio, browser):
    from selenium.webdriver.common.by import By

    texts = {lang: text for lang, text in THREE_LANGUAGE_TEXTS.items() if lang != "vro"}  # a warning: no vro
    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=texts)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "by", "Mari Maasikas")
    click(browser, browser.find_element(By.CSS_SELECTOR, "#approve button[type=submit]"))
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#approve [role=alert]"), 10, "the confirmation")
    assert "status: draft" in (folder / "message.yaml").read_text(encoding="utf-8")
    fill(browser, "by", "Mari Maasikas")
    click(browser, browser.find_element(By.NAME, "accept_warnings"))
    click(browser, browser.find_element(By.CSS_SELECTOR, "#approve button[type=submit]"))
    wait_for(lambda: "saved=approved" in browser.current_url, 20, "the approval")
    meta = (folder / "message.yaml").read_text(encoding="utf-8")
    assert "status: approved" in meta and "Mari Maasikas" in meta
    assert "# a comment the studio must keep" in meta


def test_approve_is_refused_while_there_are_errors(studio, browser):
    from selenium.webdriver.common.by import By

    folder = studio.project.add("talgud", meta=META.format(status="draft").replace("https://www", "http://www"),
                                texts=THREE_LANGUAGE_TEXTS)
    before = folder_bytes(folder)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "by", "Mari Maasikas")
    click(browser, browser.find_element(By.CSS_SELECTOR, "#approve button[type=submit]"))
    alert = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#approve [role=alert]"), 10, "the refusal")[0]
    assert "cta_url" in alert.text
    assert folder_bytes(folder) == before


# ---- the photo: upload with kit check's checks, focus by a click ------------------------------------------

def test_an_uploaded_photo_is_checked_saved_and_its_focus_set_by_a_click(studio, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    broken = tmp_path / "broken.jpg"
    data = io.BytesIO()
    landscape((1600, 1000)).save(data, "JPEG")
    broken.write_bytes(data.getvalue()[:5000])  # cut short, as by a bad connection
    before = folder_bytes(folder)
    browser.get(f"{studio.url}/m/talgud")
    browser.find_element(By.NAME, "image.upload").send_keys(str(broken))
    save(browser)
    problems = wait_for(lambda: field_problems(browser, "image.file"), 10, "the image problem")
    assert "is damaged or incomplete" in problems[0]
    assert folder_bytes(folder) == before

    good = tmp_path / "Järv Talvel.png"
    landscape((1200, 800), sky="#CCDDEE").save(good)
    browser.find_element(By.NAME, "image.upload").send_keys(str(good))
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the save")
    meta = (folder / "message.yaml").read_text(encoding="utf-8")
    name = re.search(r"file: (\S+)", meta).group(1)
    assert re.fullmatch(r"j-rv-talvel-[0-9a-f]{8}\.png", name) and (folder / name).read_bytes() == good.read_bytes()

    picture = browser.find_element(By.CSS_SELECTOR, "input.focus-image")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", picture)
    width, height = picture.size["width"], picture.size["height"]
    ActionChains(browser).move_to_element_with_offset(picture, int(width * 0.25) - width // 2,
                                                      int(height * 0.75) - height // 2).click().perform()
    def focus() -> tuple[float, ...]:
        found = re.search(r"focus: ([\d.]+) ([\d.]+)", (folder / "message.yaml").read_text(encoding="utf-8"))
        return tuple(float(v) for v in found.groups())

    wait_for(lambda: focus() != (0.5, 0.5), 20, "the focus point")
    assert focus() == pytest.approx((0.25, 0.75), abs=0.02)


# ---- the pages: accessible, no sideways scrolling on a phone, English switch ------------------------------

def test_studio_pages_have_no_axe_violations_and_fit_a_phone(studio, tmp_path):
    from kit.translation import record_translated

    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    record_translated(studio.project.root, "talgud", "vro")
    (folder / "et.md").write_text(THREE_LANGUAGE_TEXTS["et"].replace("Antslas", "Antsla järve ääres"), encoding="utf-8")
    studio.project.add("vigane", meta=META.format(status="draft").replace("talgud", "vigane").replace("https:", "http:"),
                       texts=THREE_LANGUAGE_TEXTS)  # problems next to fields are checked too
    with Browser(tmp_path / "axe") as opened:
        found, wide = {}, {}
        for path in ("/", "/m/talgud", "/m/vigane", "/new", "/?ui=en", "/m/talgud?ui=en"):
            url = studio.url + path
            opened.driver.get(url)
            opened.driver.execute_script(opened.axe)
            result = opened.driver.execute_async_script(
                "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
                ".then(r => arguments[1](r.violations), e => arguments[1]({error: String(e)}))",
                ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
            assert isinstance(result, list), result
            if result:
                found[path] = result
            opened.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                          {"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": True})
            overflow = opened.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            opened.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            if overflow > 0:
                wide[path] = overflow
        assert not found, report(found)
        assert not wide, f"pages scroll sideways at 390 px: {wide}"
        opened.driver.get(studio.url + "/?ui=en")
        assert opened.driver.find_element("css selector", "h1").text == "Messages"
        assert opened.driver.find_element("css selector", "html").get_attribute("lang") == "en"


# ---- security (no browser needed) ---------------------------------------------------------------------

def test_forms_need_the_csrf_token_and_a_foreign_host_name_is_refused(studio):
    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    before = folder_bytes(folder)
    page = requests.get(f"{studio.url}/m/talgud", timeout=10)
    assert page.status_code == 200
    form = {"et.title": "Rünnak", "version.et.md": re.search(r'name="version.et.md" value="(\w*)"', page.text).group(1)}
    assert requests.post(f"{studio.url}/m/talgud", data=form, timeout=10).status_code == 403
    assert requests.post(f"{studio.url}/m/talgud", data={**form, "csrf": "wrong"}, timeout=10).status_code == 403
    assert requests.post(f"{studio.url}/new", data={"id": "x"}, timeout=10).status_code == 403
    assert requests.get(f"{studio.url}/", headers={"Host": "attacker.example"}, timeout=10).status_code == 400
    assert requests.get(f"{studio.url}/m/..%2F..%2Fetc", timeout=10).status_code == 404
    assert requests.get(f"{studio.url}/out/../../pyproject.toml", timeout=10).status_code == 404
    assert folder_bytes(folder) == before
    assert not (studio.project.root / "messages" / "x").exists()


def test_counts_of_problems_are_said_as_the_language_says_them(studio):
    """Estonian takes the partitive singular after a number („0 viga“, „1 hoiatus“, „2 hoiatust“), never the
    nominative plural („0 vead“, „1 hoiatused“); English the singular for one."""
    studio.project.add("talgud", meta=META.format(status="draft"), texts={"et": THREE_LANGUAGE_TEXTS["et"]})
    for ui, wrong in (("et", r"\b\d+ (vead|hoiatused)\b"), ("en", r"\b1 (errors|warnings)\b|\b([02-9]|\d\d+) (error|warning)\b")):
        for path in ("/", "/m/talgud"):
            page = requests.get(f"{studio.url}{path}?ui={ui}", timeout=30)
            assert page.status_code == 200
            counts = re.findall(r'class="[^"]*has-(?:errors|warnings)?[^"]*">([^<]+)</span>|<span class="">([^<]+)</span>', page.text)
            said = " · ".join(a or b for a, b in counts)
            assert re.search(r"\d+ \w+", said), f"{path} ({ui}) shows no counts"
            assert not re.search(wrong, said), f"{path} ({ui}): {said}"
    desk = requests.get(f"{studio.url}/?ui=et", timeout=30).text
    assert re.search(r"\b\d+ viga\b", desk) and re.search(r"\b\d+ hoiatus(t)?\b", desk)


def test_an_upload_over_the_limit_is_refused(studio):
    from kit.studio.app import MAX_UPLOAD

    studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    page = requests.get(f"{studio.url}/m/talgud", timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = requests.post(f"{studio.url}/m/talgud", data={"csrf": csrf},
                           files={"image.upload": ("big.jpg", b"\xff" * (MAX_UPLOAD + 1024))}, timeout=30)
    assert answer.status_code == 413


def test_another_address_needs_a_password(studio_project):
    from kit.errors import KitError
    from kit.studio import serve

    with pytest.raises(KitError, match="password"):
        serve(studio_project.settings, host="0.0.0.0", port=0, open_browser=False)
    guarded = Studio(studio_project, password="sala-sõna")
    try:
        assert requests.get(guarded.url + "/", timeout=10).status_code == 401
        assert requests.get(guarded.url + "/", auth=("kit", "vale"), timeout=10).status_code == 401
        assert requests.get(guarded.url + "/", auth=("kit", "sala-sõna".encode()), timeout=10).status_code == 200
    finally:
        guarded.close()


# ---- a text that does not fit: after the build, next to its field, naming the format -----------------------

def test_a_title_that_cannot_fit_a_card_is_flagged_next_to_it_with_the_format(studio, browser):
    studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "vro.title", "Talgu" + "päiväkoristamisõ" * 6)  # one word far wider than any card
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the save")
    assert studio.previews.wait("talgud", 400).returncode == 1  # the build failed those jobs
    browser.get(f"{studio.url}/m/talgud")
    problems = field_problems(browser, "vro.title")
    assert any(re.search(r"talgud \(vro, (instagram-square|story|x|linkedin|link-preview)\)", p) for p in problems), problems
    assert not field_problems(browser, "et.title")


def test_a_photo_sent_with_a_save_refused_for_another_field_is_not_asked_for_again(studio, browser, tmp_path):
    from selenium.webdriver.common.by import By

    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    before = folder_bytes(folder)
    photo = tmp_path / "sild.jpg"
    landscape((1000, 700), sky="#DDEEFF").save(photo, quality=90)
    browser.get(f"{studio.url}/m/talgud")
    browser.find_element(By.NAME, "image.upload").send_keys(str(photo))
    fill(browser, "image.credit", "")
    save(browser)
    assert wait_for(lambda: field_problems(browser, "image.credit"), 10, "the credit problem")
    assert folder_bytes(folder) == before
    fill(browser, "image.credit", "Mari Maasikas")
    save(browser)
    wait_for(lambda: "saved=1" in browser.current_url, 20, "the save")
    name = re.search(r"file: (\S+)", (folder / "message.yaml").read_text(encoding="utf-8")).group(1)
    assert name.startswith("sild-") and (folder / name).read_bytes() == photo.read_bytes()
    assert not list((studio.project.root / "outputs" / "state" / "studio-uploads").rglob("*.jpg"))


def test_a_problem_appears_next_to_its_field_while_typing_and_nothing_is_written(studio, browser):
    folder = studio.project.add("talgud", meta=META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS)
    before = folder_bytes(folder)
    browser.get(f"{studio.url}/m/talgud")
    fill(browser, "cta_url", "ftp://example.org/talgud")
    said = wait_for(lambda: field_problems(browser, "cta_url"), 10, "the problem while typing")
    assert said == ["messages/talgud/message.yaml:6: cta_url: 'ftp://example.org/talgud' is not an absolute https:// address"]
    fill(browser, "cta_url", "https://example.org/talgud")
    wait_for(lambda: not field_problems(browser, "cta_url"), 10, "the problem to go")
    assert folder_bytes(folder) == before


def test_kit_studio_serves_the_desk_on_this_machine_only(studio_project):
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO), "CI": "1"}
    process = subprocess.Popen([sys.executable, "-m", "kit", "--root", str(studio_project.root), "studio",
                                "--port", str(port)], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert f"http://127.0.0.1:{port}/" in process.stderr.readline()
        page = wait_for(lambda: _get(f"http://127.0.0.1:{port}/"), 20, "the studio to answer")
        assert page.status_code == 200 and "Sõnumid" in page.text
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        assert f"127.0.0.1:{port}" in listening and f"0.0.0.0:{port}" not in listening
    finally:
        process.terminate()
        process.wait(10)


def _get(url: str):
    try:
        return requests.get(url, timeout=5)
    except requests.ConnectionError:
        return None


def test_publish_from_the_desk_builds_and_sends_the_site_to_the_target(studio, browser):
    """The weekly routine's last step in the studio: one button runs kit build and kit publish."""
    from selenium.webdriver.common.by import By

    studio.project.add("talgud", meta=META.format(status="approved"), texts=THREE_LANGUAGE_TEXTS)
    target = studio.project.root / "outputs/published"
    browser.get(f"{studio.url}/")
    click(browser, browser.find_element(By.CSS_SELECTOR, "#publishing button[type=submit]"))
    wait_for(lambda: "*publish*" in studio.previews.runs, 20, "the publish request")
    assert studio.previews.wait("*publish*", timeout=600).returncode == 0, studio.previews.runs["*publish*"].output
    browser.get(f"{studio.url}/")
    status = browser.find_element(By.CSS_SELECTOR, "#publishing [role=status]").text
    assert "Avaldatud." in status and "Published:" in status
    assert (target / "et/messages/talgud.html").is_file() and (target / "feeds/all.atom").is_file()


def test_closing_the_studio_ends_a_running_preview_build_and_its_worker_processes(studio_project):
    """A preview build forks worker processes. Ended alone (SIGTERM to the build), it left them waiting for work
    that never came, 130 MB each, for as long as the machine ran: the studio ends the build's whole session."""
    import os

    from kit.studio.previews import Previews

    studio_project.add("talgud", META.format(status="draft"), texts=THREE_LANGUAGE_TEXTS, image=landscape())
    root = str(studio_project.root)

    def builds() -> list[str]:
        """The processes of a build of this project still alive (a zombie is not)."""
        alive = []
        for pid in (p for p in os.listdir("/proc") if p.isdigit()):
            try:
                command = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
                state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if root in command and "build" in command and state != "Z":
                alive.append(pid)
        return alive

    previews = Previews(studio_project.settings)
    run = previews.request("talgud")
    deadline = time.monotonic() + 120
    while len(builds()) < 2:  # the build and at least one worker
        assert run.state != "done" and time.monotonic() < deadline, "the build ended before it forked its workers"
        time.sleep(0.02)
    previews.close()
    deadline = time.monotonic() + 15
    while builds() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert builds() == [], "processes of the ended build are still running"
