"""Dates, times, numbers and UI labels per language (SPECS.md §3).

Babel knows et and en. Võro (vro) is not in CLDR: it has its own month and weekday tables here and
falls back to et for everything else, with a warning said once per missing thing, never silently.
"""
from __future__ import annotations

import warnings
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.numbers import format_decimal

from kit.errors import Problem
from kit.yamlread import load_kits_own

VRO_MONTHS = ("vahtsõaastagakuu", "radokuu", "urbõkuu", "mahlakuu", "lehekuu", "piimäkuu",
              "hainakuu", "põimukuu", "süküskuu", "rehekuu", "märtekuu", "joulukuu")
# Monday first, like date.weekday().
VRO_WEEKDAYS = ("iispäiv", "tõsõpäiv", "kolmapäiv", "neläpäiv", "riidi", "puuľpäiv", "pühäpäiv")
EN_DASH = "\u2013"
NBSP = "\u00a0"
ESTONIA = ZoneInfo("Europe/Tallinn")


class LanguageFallback(UserWarning):
    """A Võro label or format fell back to Estonian."""


def _babel_locale(lang: str) -> str:
    return {"et": "et", "en": "en_GB"}.get(lang, "et")


def format_date(day: date, lang: str) -> str:
    """Long date: et „12. märts 2024“, en "12 March 2024", vro „mahlakuu 28. päiv 2016“."""
    if lang == "vro":
        return f"{VRO_MONTHS[day.month - 1]} {day.day}. päiv {day.year}"
    return babel_date(day, "d. MMMM y" if lang == "et" else "d MMMM y", locale=_babel_locale(lang))


def format_weekday(day: date, lang: str) -> str:
    if lang == "vro":
        return VRO_WEEKDAYS[day.weekday()]
    return babel_date(day, "EEEE", locale=_babel_locale(lang))


def format_time(moment: datetime, lang: str) -> str:
    """Estonian and Võro write „kell 18.00“ (a dot; Babel's et pattern gives 18:00); English 18:00."""
    if lang == "en":
        return moment.strftime("%H:%M")
    return f"kell{NBSP}{moment.strftime('%H.%M')}"


def _clock(moment: datetime, lang: str) -> str:
    """The bare clock time, without „kell“: the end of a range „kell 18.00–20.00“."""
    return moment.strftime("%H:%M" if lang == "en" else "%H.%M")


def format_month(day: date, lang: str) -> str:
    """A month and its year as a heading or a link names it: „november 2026“, „November 2026“, „rehekuu 2026“."""
    if lang == "vro":
        return f"{VRO_MONTHS[day.month - 1]} {day.year}"
    return babel_date(day, "LLLL y", locale=_babel_locale(lang))


def format_date_genitive(day: date, lang: str) -> str:
    """The date after „enne“/„inne“ (genitive): et „12. jaanuari 2027“, vro „vahtsõaastagakuu 12. päivä 2027“.
    English has no case: "12 January 2027"."""
    if lang == "vro":
        return f"{VRO_MONTHS[day.month - 1]} {day.day}. päivä {day.year}"
    if lang == "et":
        month = babel_date(day, "MMMM", locale="et")
        return f"{day.day}. {month if month == 'mai' else month + 'i'} {day.year}"  # mai: genitive = nominative
    return format_date(day, lang)


def format_date_range(start: date, end: date, lang: str) -> str:
    """„16.–26. märts 2024“: the shared month and year written once, joined by an en dash."""
    if start == end:
        return format_date(start, lang)
    if (start.year, start.month) == (end.year, end.month) and lang != "vro":
        sep = "." if lang == "et" else ""
        return f"{start.day}{sep}{EN_DASH}{format_date(end, lang)}"
    return f"{format_date(start, lang)} {EN_DASH} {format_date(end, lang)}"


def _date_without_year(day: date, lang: str) -> str:
    if lang == "vro":
        return f"{VRO_MONTHS[day.month - 1]} {day.day}. päiv"
    return babel_date(day, "d. MMMM" if lang == "et" else "d MMMM", locale=_babel_locale(lang))


def zone_name(moment: datetime, lang: str) -> str:
    """The time zone as a reader says it: „Eesti aja järgi“ / "Estonian time" for Estonia's zone, else its
    abbreviation (an event abroad keeps its own zone name)."""
    if moment.tzinfo is None:
        return ""
    estonian = moment.astimezone(ESTONIA)
    if moment.utcoffset() == estonian.utcoffset():
        return label("time_zone", lang)
    return moment.tzname() or ""


def format_event_when(start: datetime, end: datetime | None, lang: str, zone: bool = False) -> str:
    """Date and times of an event, the times always shown when given:
    one day    „12. märts 2024, kell 18.00–20.00“ · "12 March 2024, 18:00–20:00"
    over days  „12. märts, kell 22.00 – 13. märts 2027, kell 01.30“ (the year once when both share it).
    zone=True adds the time zone as a reader says it (for readers elsewhere: press texts in English)."""
    if end is None or end == start:
        text = f"{format_date(start.date(), lang)}, {format_time(start, lang)}"
    elif end.date() == start.date():
        text = f"{format_date(start.date(), lang)}, {format_time(start, lang)}{EN_DASH}{_clock(end, lang)}"
    else:
        first = _date_without_year(start.date(), lang) if start.year == end.year else format_date(start.date(), lang)
        text = (f"{first}, {format_time(start, lang)} {EN_DASH} "
                f"{format_date(end.date(), lang)}, {format_time(end, lang)}")
    suffix = zone_name(start, lang) if zone else ""
    return f"{text} ({suffix})" if suffix else text


def event_details(message, lang: str, municipality: str, zone: bool = False) -> dict | None:
    """An event's when and where for one municipality's material: its own venue, else the shared one."""
    event = message.event
    if event is None:
        return None
    venue = event.venues.get(municipality) or event.venues.get("all") or next(iter(event.venues.values()))
    where = venue
    if event.address and event.address not in where:
        where = f"{where}, {event.address}"
    return {"when": format_event_when(event.start, event.end, lang, zone=zone), "where": where, "venue": venue,
            "address": event.address, "url": event.url}


def join_sentences(*parts: str) -> str:
    """Sentences joined with one space, a full stop added only where a part has no closing mark of its own:
    „Tule koosloome töötuppa! Joonistatud …“, never „töötuppa!. Joonistatud“."""
    sentences: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if sentences and not sentences[-1].rstrip("»“”’\"')").endswith((".", "!", "?", "…", ":")):
            sentences[-1] += "."
        sentences.append(part)
    return " ".join(sentences)


def credit_line(message, lang: str) -> str:
    """„Foto: Nimi Perenimi“ in the language of the listing's text; "" when there is no photo or credit."""
    credit = message.credit(lang)
    return f"{label('photo', message.text(lang).lang)}: {credit}" if credit else ""


def format_number(value: float, lang: str) -> str:
    """770 000 and 3,5 in et (no-break space, decimal comma); 770,000 in en."""
    if lang == "vro":
        _warn_once("numbers", "vro has no number format of its own; using et")
    return format_decimal(value, locale=_babel_locale(lang))


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("kit").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    return load_kits_own(text)


def label(key: str, lang: str, **values: str) -> str:
    """A UI label in a language; a key missing in vro (or en) falls back to et. The fallback is said once per
    build by label_problems (a `kit check` warning), not by every job that uses the label."""
    table = _catalogue()
    text = table.get(lang, {}).get(key)
    if text is None:
        text = table["et"][key]
    return text.format(**values) if values else text


def label_problems(languages) -> list[Problem]:
    """One warning per label that has no text in a language: its readers get the Estonian text instead."""
    table, problems = _catalogue(), []
    for lang in languages:
        for key in sorted(set(table["et"]) - set(table.get(lang, {}))):
            problems.append(Problem("kit/data/labels.yaml", 0, f"{lang}.{key}",
                                    f"label '{key}' has no {lang} text; {lang} outputs use the et text "
                                    f"„{table['et'][key]}“", severity="warning"))
    return problems


def label_keys() -> dict[str, set[str]]:
    return {lang: set(entries) for lang, entries in _catalogue().items()}


_warned: set[str] = set()


def reset_fallback_warnings() -> None:
    """Called before each job, so a job's warnings depend on the job alone, not on which jobs the same
    process happened to render before it (that varies with the number of workers)."""
    _warned.clear()


def _warn_once(key: str, text: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(text, LanguageFallback, stacklevel=3)
