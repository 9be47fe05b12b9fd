"""Dates, times, numbers and UI labels per language (SPECS.md §3).

Babel knows et and en. Võro (vro) is not in CLDR: it has its own month and weekday tables here and
falls back to et for everything else, with a warning said once per missing thing, never silently.
"""
from __future__ import annotations

import warnings
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

import yaml
from babel.dates import format_date as babel_date
from babel.numbers import format_decimal

VRO_MONTHS = ("vahtsõaastagakuu", "radokuu", "urbõkuu", "mahlakuu", "lehekuu", "piimäkuu",
              "hainakuu", "põimukuu", "süküskuu", "rehekuu", "märtekuu", "joulukuu")
# Monday first, like date.weekday().
VRO_WEEKDAYS = ("iispäiv", "tõsõpäiv", "kolmapäiv", "neläpäiv", "riidi", "puuľpäiv", "pühäpäiv")
EN_DASH = "\u2013"
NBSP = "\u00a0"


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


def format_date_range(start: date, end: date, lang: str) -> str:
    """„16.–26. märts 2024“: the shared month and year written once, joined by an en dash."""
    if start == end:
        return format_date(start, lang)
    if (start.year, start.month) == (end.year, end.month) and lang != "vro":
        sep = "." if lang == "et" else ""
        return f"{start.day}{sep}{EN_DASH}{format_date(end, lang)}"
    return f"{format_date(start, lang)} {EN_DASH} {format_date(end, lang)}"


def format_event_when(start: datetime, end: datetime | None, lang: str) -> str:
    """Date and time of an event: „12. märts 2024, kell 18.00–20.00“."""
    if end is None or end.date() == start.date():
        time = format_time(start, lang)
        if end is not None:
            time += EN_DASH + (end.strftime("%H:%M") if lang == "en" else end.strftime("%H.%M"))
        return f"{format_date(start.date(), lang)}, {time}"
    return format_date_range(start.date(), end.date(), lang)


def event_details(message, lang: str, municipality: str) -> dict | None:
    """An event's when and where for one municipality's material: its own venue, else the shared one."""
    event = message.event
    if event is None:
        return None
    where = event.venues.get(municipality) or event.venues.get("all") or next(iter(event.venues.values()))
    if event.address and event.address not in where:
        where = f"{where}, {event.address}"
    return {"when": format_event_when(event.start, event.end, lang), "where": where}


def format_number(value: float, lang: str) -> str:
    """770 000 and 3,5 in et (no-break space, decimal comma); 770,000 in en."""
    if lang == "vro":
        _warn_once("numbers", "vro has no number format of its own; using et")
    return format_decimal(value, locale=_babel_locale(lang))


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("kit").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def label(key: str, lang: str, **values: str) -> str:
    """A UI label in a language; vro falls back to et for missing keys, with a warning."""
    table = _catalogue()
    text = table.get(lang, {}).get(key)
    if text is None:
        if lang != "et":
            _warn_once(f"label:{lang}:{key}", f"label '{key}' has no {lang} text; using et")
        text = table["et"][key]
    return text.format(**values) if values else text


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
