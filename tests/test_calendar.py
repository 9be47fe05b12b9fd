"""Calendars (kit/render/calendar.py): an .ics per event message and language, and per municipality and language
a subscribable calendar, read back with icalendar and imported into a real calendar client from Debian (khal)."""
from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Timezone

from kit.build import build
from kit.render import Registry, builtin_registry
from kit.render.calendar import RENDERER, VTIMEZONE, uid
from tests.conftest import NOW, Project
from tests.crawl import crawl

TALLINN = ZoneInfo("Europe/Tallinn")

EVENT_YAML = """\
id: {id}
date: 2026-11-02
status: {status}
themes: [kultuur-ja-eripara]
municipalities: [{municipalities}]
cta_url: https://www.vorumaa.ee/{id}
{extra}event:
  start: {start}
  end: {end}
  venues:
{venues}
  address: Haanja, Rõuge vald
  url: https://www.vorumaa.ee/{id}/kava
image:
  file: hero.jpg
  focus: 0.5 0.5
  credit: Test Pilt
"""


def event_yaml(message_id: str, status: str = "approved", municipalities: str = "rouge",
               start: str = "2027-02-06 12:00 Europe/Tallinn", end: str = "2027-02-06 18:00 Europe/Tallinn",
               venues: dict[str, str] | None = None, extra: str = "") -> str:
    venues = venues or {"rouge": "Haanja rahvamaja"}
    return EVENT_YAML.format(id=message_id, status=status, municipalities=municipalities, start=start, end=end,
                             extra=extra, venues="".join(f"    {k}: {v}\n" for k, v in venues.items()))


def texts(title_et: str, title_en: str) -> dict[str, str]:
    body = """\
        ---
        title: {title}
        summary: {summary}
        cta: {cta}
        image_alt: Roheline maastik.
        ---
        Sõnumi tekst.
        """
    return {"et": body.format(title=title_et, summary="Saunameistrid räägivad kombestikust.", cta="Vaata päeva kava"),
            "en": body.format(title=title_en, summary="Sauna masters tell the customs.", cta="See the programme")}


def calendar_only() -> Registry:
    """The calendar renderer alone: the site is made from its files, in seconds instead of minutes of posters."""
    registry = Registry()
    registry.register(RENDERER)
    return registry


def make(project: Project, registry: Registry | None = None) -> Path:
    report = build(project.settings, now=NOW, registry=registry or calendar_only(), workers=1)
    assert not report.failed, [r.error for r in report.failed]
    assert not report.held_back, report.held_back
    return project.root / "outputs"


def read(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def events(path: Path) -> list:
    return [c for c in read(path).walk("VEVENT")]


@pytest.fixture
def sauna(project: Project) -> Project:
    project.add("suitsusaun", event_yaml("suitsusaun"),
                texts("Suitsusauna päev Haanjas", "Smoke sauna day in Haanja"))
    return project


# ---- one event ------------------------------------------------------------------------------------------

def test_an_event_has_an_ics_per_language_with_uid_sequence_tallinn_time_place_and_links(sauna):
    out = make(sauna)
    et = out / "kit/calendar/suitsusaun/et/suitsusaun-et.ics"
    en = out / "kit/calendar/suitsusaun/en/suitsusaun-en.ics"
    calendar = read(et)
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/Tallinn"]
    (event,) = events(et)
    message = context_message(sauna, "suitsusaun")
    assert str(event["UID"]) == uid(message, "rouge")
    assert str(event["UID"]) == str(events(en)[0]["UID"])  # one event in two languages: importing both updates it
    assert isinstance(event["SEQUENCE"], int)
    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Tallinn"
    assert start.dt == datetime(2027, 2, 6, 12, 0, tzinfo=TALLINN) and start.dt.hour == 12
    assert event["DTEND"].dt == datetime(2027, 2, 6, 18, 0, tzinfo=TALLINN)
    assert b"DTSTART;TZID=Europe/Tallinn:20270206T120000" in et.read_bytes()
    assert str(event["LOCATION"]) == "Haanja rahvamaja, Haanja, Rõuge vald"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Suitsusauna päev Haanjas"
    assert str(event["URL"]) == f"{sauna.settings.site_url}et/messages/suitsusaun.html"
    description = str(event["DESCRIPTION"])
    assert "Saunameistrid räägivad kombestikust." in description
    assert "Vaata päeva kava: https://www.vorumaa.ee/suitsusaun/kava" in description  # the call to action
    assert str(events(en)[0]["SUMMARY"]) == "Smoke sauna day in Haanja"
    assert "See the programme: https://www.vorumaa.ee/suitsusaun/kava" in str(events(en)[0]["DESCRIPTION"])
    # DTSTAMP is the message's last significant change (its date, 09:00 local, with no `updated:`)
    assert event["DTSTAMP"].dt == datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)


def context_message(project: Project, message_id: str):
    from tests.conftest import context

    return context(project).messages[message_id]


def test_the_vtimezone_agrees_with_the_tz_database_hour_by_hour():
    """The VTIMEZONE is written out (kit/render/calendar.py says why): held against zoneinfo for 2002–2040,
    every hour, including the hours around each change."""
    rules = Timezone.from_ical(VTIMEZONE).to_tz()
    moment = datetime(2002, 1, 1, tzinfo=timezone.utc)
    wrong = []
    while moment.year < 2041:
        if rules.utcoffset(moment.astimezone(TALLINN).replace(tzinfo=None)) != moment.astimezone(TALLINN).utcoffset():
            if not _ambiguous(moment):
                wrong.append(moment)
        moment += timedelta(hours=1)
    assert wrong == []


def _ambiguous(moment: datetime) -> bool:
    """The autumn hour that happens twice: a wall-clock time alone cannot say which one it is."""
    local = moment.astimezone(TALLINN).replace(tzinfo=None)
    return local.replace(tzinfo=TALLINN, fold=0).utcoffset() != local.replace(tzinfo=TALLINN, fold=1).utcoffset()


def test_khal_imports_the_event_at_its_local_time_and_place(sauna, tmp_path):
    """A real calendar client from Debian: khal reads the file into a vdir and lists the event at 12:00–18:00 in
    Tallinn, and at 10:00–16:00 for a reader whose computer keeps UTC (February: UTC+2)."""
    if not shutil.which("khal"):
        pytest.fail("khal is not installed: apt-get install khal (scripts/packages-test.txt)")
    out = make(sauna)
    ics = out / "kit/calendar/suitsusaun/et/suitsusaun-et.ics"
    assert khal_list(tmp_path / "tallinn", ics, "Europe/Tallinn", "2027-02-06") == [
        "2027-02-06 12:00-18:00 | Suitsusauna päev Haanjas | Haanja rahvamaja, Haanja, Rõuge vald"]
    assert khal_list(tmp_path / "utc", ics, "UTC", "2027-02-06") == [
        "2027-02-06 10:00-16:00 | Suitsusauna päev Haanjas | Haanja rahvamaja, Haanja, Rõuge vald"]


def khal_list(home: Path, ics: Path, zone: str, day: str) -> list[str]:
    (home / "vdir/kit").mkdir(parents=True)
    config = home / "khal.conf"
    config.write_text(textwrap.dedent(f"""\
        [calendars]
        [[kit]]
        path = {home}/vdir/kit
        type = calendar
        [locale]
        timeformat = %H:%M
        dateformat = %Y-%m-%d
        longdateformat = %Y-%m-%d
        datetimeformat = %Y-%m-%d %H:%M
        longdatetimeformat = %Y-%m-%d %H:%M
        local_timezone = {zone}
        default_timezone = {zone}
        [default]
        default_calendar = kit
        [sqlite]
        path = {home}/khal.db
        """), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home),
           "LANG": "C.UTF-8", "TZ": zone}
    imported = subprocess.run(["khal", "-c", str(config), "import", "--batch", "-a", "kit", str(ics)],
                              capture_output=True, text=True, env=env, timeout=120)
    assert imported.returncode == 0, imported.stderr
    listed = subprocess.run(["khal", "-c", str(config), "list", "--day-format", "", "--format",
                             "{start-date} {start-time}-{end-time} | {title} | {location}", day, "1d"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    return [line for line in listed.stdout.splitlines() if line.strip()]


def test_an_unchanged_rebuild_gives_the_same_bytes(sauna):
    out = make(sauna)
    files = sorted(out.glob("kit/calendar*/**/*.ics"))
    assert len(files) == 2 + 5 * 2  # the event in two languages; five municipalities' calendars in two
    before = {p: p.read_bytes() for p in files}
    shutil.rmtree(out / "kit/calendar")
    shutil.rmtree(out / "kit/calendars")
    for manifest in out.glob("manifest.sqlite*"):  # render everything again from nothing
        manifest.unlink()
    make(sauna)
    assert {p: p.read_bytes() for p in sorted(out.glob("kit/calendar*/**/*.ics"))} == before


def test_moving_the_event_raises_its_sequence_and_keeps_its_uid(sauna):
    out = make(sauna)
    path = out / "kit/calendar/suitsusaun/et/suitsusaun-et.ics"
    (before,) = events(path)
    folder = sauna.root / "messages/suitsusaun"
    (folder / "message.yaml").write_text(event_yaml("suitsusaun", start="2027-02-13 12:00 Europe/Tallinn",
                                                    end="2027-02-13 18:00 Europe/Tallinn",
                                                    extra="updated: 2026-11-20 14:30 Europe/Tallinn\n"),
                                         encoding="utf-8")
    make(sauna)
    (after,) = events(path)
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["DTSTART"].dt == datetime(2027, 2, 13, 12, 0, tzinfo=TALLINN)
    assert after["DTSTAMP"].dt == datetime(2026, 11, 20, 12, 30, tzinfo=timezone.utc)
    (in_calendar,) = events(out / "kit/calendars/rouge-et.ics")
    assert in_calendar["SEQUENCE"] == after["SEQUENCE"]


@pytest.mark.parametrize("updated", ["updated: 2026-11-25 10:00 Europe/Tallinn\n", ""])
def test_a_withdrawn_event_stays_in_the_calendar_as_cancelled_with_a_higher_sequence(sauna, updated):
    """Withdrawn (with `updated:` set, as the policy asks, or forgotten): the municipality calendar keeps the event
    as STATUS:CANCELLED with a higher SEQUENCE, so subscribers' calendars drop it; its page and file leave."""
    out = make(sauna)
    (before,) = events(out / "kit/calendars/rouge-et.ics")
    (sauna.root / "messages/suitsusaun/message.yaml").write_text(
        event_yaml("suitsusaun", status="withdrawn", extra=updated), encoding="utf-8")
    make(sauna)
    for lang, prefix in (("et", "Jääb ära: "), ("en", "Cancelled: ")):
        (after,) = events(out / f"kit/calendars/rouge-{lang}.ics")
        assert str(after["STATUS"]) == "CANCELLED"
        assert str(after["UID"]) == str(before["UID"])
        assert after["SEQUENCE"] > before["SEQUENCE"]
        assert str(after["SUMMARY"]).startswith(prefix)
        assert "URL" not in after  # its page has left the site
    site = out / "site"
    assert not (site / "et/messages/suitsusaun.html").exists()
    assert not list(site.rglob("suitsusaun-et.ics"))
    assert b"CANCELLED" in (site / "files/calendars/rouge-et.ics").read_bytes()


def test_a_municipality_calendar_holds_its_public_events_of_the_window_and_only_them(project):
    old = (NOW - timedelta(days=120)).strftime("%Y-%m-%d 12:00 Europe/Tallinn")
    recent = (NOW - timedelta(days=40)).strftime("%Y-%m-%d 12:00 Europe/Tallinn")
    project.add("saun", event_yaml("saun"), texts("Saun", "Sauna"))
    project.add("moodunud", event_yaml("moodunud", start=recent, end=recent), texts("Möödunud", "Past"))
    project.add("ammu", event_yaml("ammu", start=old, end=old), texts("Ammu", "Long ago"))
    project.add("mustand", event_yaml("mustand", status="draft"), texts("Mustand", "Draft"))
    project.add("embargo", event_yaml("embargo", extra="embargo: 2027-01-10 10:00 Europe/Tallinn\n"),
                texts("Embargo", "Embargoed"))
    project.add("voru", event_yaml("voru", municipalities="voru-linn", venues={"voru-linn": "Kannel"}),
                texts("Võrus", "In Võru"))
    project.add("teade", None, texts("Teade", "Notice"))  # no event
    out = make(project)
    assert titles(out / "kit/calendars/rouge-et.ics") == ["Möödunud", "Saun"]
    assert titles(out / "kit/calendars/voru-linn-et.ics") == ["Võrus"]
    assert titles(out / "kit/calendars/antsla-en.ics") == []  # subscribable before its first event
    calendar = read(out / "kit/calendars/rouge-en.ics")
    assert str(calendar["X-WR-CALNAME"]) == "Creative Võru County: Rõuge Parish"
    assert str(calendar["NAME"]) == "Creative Võru County: Rõuge Parish"
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Tallinn"]


def titles(path: Path) -> list[str]:
    return [str(e["SUMMARY"]) for e in events(path)]


def test_an_event_in_two_towns_at_once_is_two_events_each_at_its_venue(project):
    project.add("tootuba", event_yaml("tootuba", municipalities="voru-linn, antsla",
                                      venues={"voru-linn": "Kannel", "antsla": "Antsla kultuurimaja"}),
                texts("Töötuba", "Workshop"))
    out = make(project)
    voru = events(out / "kit/calendar/tootuba/et/tootuba-voru-linn-et.ics")[0]
    antsla = events(out / "kit/calendar/tootuba/et/tootuba-antsla-et.ics")[0]
    assert str(voru["LOCATION"]).startswith("Kannel") and str(antsla["LOCATION"]).startswith("Antsla kultuurimaja")
    assert voru["UID"] != antsla["UID"]
    assert events(out / "kit/calendars/antsla-et.ics")[0]["UID"] == antsla["UID"]
    page = (out / "site/et/messages/tootuba.html").read_text(encoding="utf-8")
    assert "Lisa kalendrisse (Võru linn)" in page and "Lisa kalendrisse (Antsla vald)" in page


# ---- on the site ----------------------------------------------------------------------------------------

def test_the_subscribe_and_add_to_calendar_links_resolve(sauna):
    out = make(sauna)
    site = out / "site"
    base = sauna.settings.site_url
    page = (site / "et/rouge/index.html").read_text(encoding="utf-8")
    https = f"{base}files/calendars/rouge-et.ics"
    assert f'href="{https}"' in page
    assert f'href="webcal://{https.split("://", 1)[1]}"' in page
    assert "Telli sündmused oma kalendrisse" in page
    message = (site / "et/messages/suitsusaun.html").read_text(encoding="utf-8")
    link = re.search(r'<a href="([^"]+\.ics)" type="text/calendar">Lisa kalendrisse '
                     r'<span class="meta">\(ICS, 1\xa0kB, eesti keeles, 2\.\xa0november\xa02026\)</span></a>', message)
    assert link, "no add-to-calendar link on the message page"
    assert (site / "et/messages" / link.group(1)).resolve().read_bytes() == \
        (out / "kit/calendar/suitsusaun/et/suitsusaun-et.ics").read_bytes()
    assert crawl(site, base) == []
    broken = site / "files/calendars/rouge-et.ics"
    broken.unlink()
    assert any("webcal://" in problem for problem in crawl(site, base))  # the crawler follows webcal:// too


def test_a_whole_build_lists_the_calendar_among_the_message_files(sauna):
    """With every renderer: the event's .ics is in the message's files (with its checksum) and in its bundle."""
    out = make(sauna, builtin_registry())
    page = (out / "site/en/messages/suitsusaun.html").read_text(encoding="utf-8")
    assert "<h3>Calendar</h3>" in page and "suitsusaun-en.ics" in page
    assert crawl(out / "site", sauna.settings.site_url) == []


def test_kit_check_names_a_moved_event_whose_updated_was_not_raised(sauna):
    """SEQUENCE rises with `updated:` alone: moving a published event without it is a `kit check` error naming
    the field; with `updated:` raised there is nothing to say."""
    from kit.check import check_project

    make(sauna)
    yaml = sauna.root / "messages/suitsusaun/message.yaml"
    yaml.write_text(event_yaml("suitsusaun", start="2027-02-13 12:00 Europe/Tallinn",
                               end="2027-02-13 18:00 Europe/Tallinn"), encoding="utf-8")
    problems = [p for p in check_project(sauna.settings, registry=calendar_only()) if p.field == "updated"]
    assert [(p.path, p.severity) for p in problems] == [("messages/suitsusaun/message.yaml", "error")]
    assert problems[0].line == 7 and "set `updated:` to now" in problems[0].text  # the event: line (there is no updated: yet)
    yaml.write_text(event_yaml("suitsusaun", start="2027-02-13 12:00 Europe/Tallinn",
                               end="2027-02-13 18:00 Europe/Tallinn",
                               extra="updated: 2026-11-20 14:30 Europe/Tallinn\n"), encoding="utf-8")
    assert [p for p in check_project(sauna.settings, registry=calendar_only()) if p.field == "updated"] == []


def test_kit_check_at_the_builds_moment_runs_no_calendar_preflight(sauna):
    """`kit check --now` checks as of a moment, as `kit build --now` builds: at the build's moment every calendar
    job is current (a municipality calendar's events follow the moment), so no pre-flight runs again."""
    from dataclasses import replace

    from click.testing import CliRunner

    from kit.check import check_project
    from kit.cli import main

    make(sauna)
    counted: list[str] = []
    counting = Registry()
    counting.register(replace(RENDERER, check=lambda message, lang, ctx: counted.append(message.id) or []))
    assert [p for p in check_project(sauna.settings, registry=counting, now=NOW) if p.severity == "error"] == []
    assert counted == []
    result = CliRunner().invoke(main, ["--root", str(sauna.root), "check", "--now", NOW.strftime("%Y-%m-%dT%H:%M")])
    assert result.exit_code == 0 and result.output.rstrip().endswith("No errors."), result.output
    result = CliRunner().invoke(main, ["--root", str(sauna.root), "check", "--now", "tomorrow"])
    assert result.exit_code == 2 and "--now" in result.output
