"""Field-by-field conversion of YAML data (all strings) into typed values, collecting every problem.

One Checker per file. Each getter returns a typed value or None, and records a Problem with the file,
the line of the field and a sentence saying what was expected. Nothing here raises.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kit.config import did_you_mean
from kit.errors import Problem
from kit.yamlread import Doc, YamlProblem, control_characters, decode_utf8, parse

_MISSING = object()
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# 2026-03-12 18:00 Europe/Tallinn, or an ISO 8601 offset: 2026-03-12T18:00+02:00
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2})(?::\d{2})?\s*(\S+)?$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
TRUE_FALSE = {"true": True, "false": False}


MAX_TEXT_BYTES = 256 * 1024  # one text file: a <lang>.md with its body, message.yaml, a brand file


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """A text file as UTF-8 without stray control characters; problems are recorded, not raised.

    At most MAX_TEXT_BYTES are read, and only from a regular file: a link to /dev/zero or a pipe
    would otherwise never end."""
    try:
        if not path.is_file():
            problems.append(Problem(shown, 0, "", "is not a regular file; replace it with a text file"))
            return None
        with path.open("rb") as stream:
            raw = stream.read(MAX_TEXT_BYTES + 1)
        if len(raw) > MAX_TEXT_BYTES:
            problems.append(Problem(shown, 0, "", f"is larger than {MAX_TEXT_BYTES // 1024} KB, the most kit reads "
                                                  "from one text file; shorten it"))
            return None
        text = decode_utf8(raw)
    except YamlProblem as exc:
        problems.append(Problem(shown, exc.line, "", exc.text))
        return None
    except OSError as exc:
        problems.append(Problem(shown, 0, "", f"cannot be read: {exc.strerror or exc}"))
        return None
    return text


def check_controls(text: str, shown: str, doc: Doc | None, first_line: int, problems: list[Problem],
                   field_name: str = "") -> None:
    for line, column, what in control_characters(text):
        at = line + first_line - 1
        name = field_name or (doc.field_at(at) if doc else "")
        problems.append(Problem(shown, at, name, f"control character {what} at column {column}; "
                                                 "delete it (often pasted from a word processor)"))


def load_yaml(path: Path, shown: str, problems: list[Problem], text: str | None = None,
              first_line: int = 1) -> Doc | None:
    if text is None:
        text = read_text(path, shown, problems)
        if text is None:
            return None
    # PyYAML refuses some control characters outright; parse a copy with them blanked so that the
    # report names the field they are in, and every other problem is still found.
    try:
        doc = parse(blank_controls(text), first_line)
    except YamlProblem as exc:
        problems.append(Problem(shown, exc.line, exc.field, exc.text))
        return None
    check_controls(text, shown, doc, first_line, problems)
    return doc


def blank_controls(text: str) -> str:
    lines = text.split("\n")
    for line, column, _ in control_characters(text):
        row = lines[line - 1]
        lines[line - 1] = row[: column - 1] + " " + row[column:]
    return "\n".join(lines)


class Checker:
    def __init__(self, shown: str, doc: Doc):
        self.shown, self.doc = shown, doc
        self.problems: list[Problem] = []

    def problem(self, keys: tuple, text: str, severity: str = "error") -> None:
        name = ".".join(str(k) for k in keys)
        self.problems.append(Problem(self.shown, self.doc.line(*keys), name, text, severity))

    def raw(self, keys: tuple) -> Any:
        value: Any = self.doc.data
        for key in keys:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and key < len(value):
                value = value[key]
            else:
                return _MISSING
        return value

    def has(self, *keys: str | int) -> bool:
        return self.raw(keys) not in (_MISSING, "")

    def mapping(self, keys: tuple, allowed: tuple[str, ...]) -> bool:
        """Check that a mapping has only known keys (an unknown one gets a guess)."""
        value = self.raw(keys)
        if value is _MISSING:
            return False
        if not isinstance(value, dict):
            self.problem(keys, "must be a mapping of fields")
            return False
        for key in value:
            if key not in allowed:
                self.problem(keys + (key,), f"unknown field{did_you_mean(key, allowed)}")
        return True

    def string(self, *keys: str | int, required: bool = False) -> str:
        value = self.raw(keys)
        if value is _MISSING or value == "":
            if required:
                self.problem(keys, "required field is missing")
            return ""
        if not isinstance(value, str):
            self.problem(keys, "must be text, not a list or mapping")
            return ""
        return value.strip()

    def strings(self, *keys: str | int) -> tuple[str, ...]:
        value = self.raw(keys)
        if value is _MISSING or value == "":
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(keys, "must be a list of texts")
            return ()
        return tuple(v.strip() for v in value if v.strip())

    def boolean(self, *keys: str, default: bool = False) -> bool:
        value = self.raw(keys)
        if value is _MISSING or value == "":
            return default
        if value not in TRUE_FALSE:
            self.problem(keys, f"write true or false, not '{value}' (YAML 1.1 would read it as a boolean by guess)")
            return default
        return TRUE_FALSE[value]

    # Named day and moment, not date and datetime: a method named like a class hides the class in annotations.
    def day(self, *keys: str, required: bool = False) -> date | None:
        value = self.string(*keys, required=required)
        if not value:
            return None
        try:
            if not _DATE.match(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.problem(keys, f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-03-12")
            return None

    def moment(self, *keys: str, default_tz: str, required: bool = False) -> datetime | None:
        value = self.string(*keys, required=required)
        if not value:
            return None
        match = _DATETIME.match(value)
        example = f"2026-03-12 18:00 {default_tz}"
        if not match:
            self.problem(keys, f"'{value}' is not a date and time; write it as '{example}'")
            return None
        day, clock, zone = match.groups()
        try:
            moment = datetime.fromisoformat(f"{day}T{int(clock[:-3]):02d}{clock[-3:]}")
        except ValueError:
            self.problem(keys, f"'{value}' is not a real date and time; write it as '{example}'")
            return None
        if not zone:
            self.problem(keys, f"'{value}' has no time zone; write it as '{example}'")
            return None
        return self._zoned(keys, moment, zone, value)

    def _zoned(self, keys: tuple, moment: datetime, zone: str, value: str) -> datetime | None:
        if re.fullmatch(r"[+-]\d{2}:\d{2}|Z", zone):
            try:
                return datetime.fromisoformat(moment.isoformat() + zone.replace("Z", "+00:00"))
            except ValueError:  # an offset of 24 hours or more
                self.problem(keys, f"'{zone}' in '{value}' is not a UTC offset; write one like +02:00")
                return None
        try:
            return moment.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(keys, f"unknown time zone '{zone}' in '{value}'; use a name like Europe/Tallinn")
            return None

    def url(self, *keys: str, required: bool = False) -> str:
        value = self.string(*keys, required=required)
        if value:
            try:
                parsed = urlparse(value)
                parsed.port  # noqa: B018 - raises ValueError for a port out of range or not a number
            except ValueError:  # an unclosed [IPv6] bracket, a port like :99999
                parsed = None
            if parsed is None or parsed.scheme != "https" or not parsed.netloc or " " in value:
                self.problem(keys, f"'{value}' is not an absolute https:// address")
                return ""
        return value

    def color(self, *keys: str | int) -> str:
        value = self.string(*keys, required=True)
        if value and not _COLOR.match(value):
            self.problem(keys, f"'{value}' is not a colour; write it as #RRGGBB, e.g. #1E4C0E")
            return ""
        return value.upper()

    def choice(self, keys: tuple, value: str, allowed, what: str) -> bool:
        if value in allowed:
            return True
        self.problem(keys, f"unknown {what} '{value}'{did_you_mean(value, tuple(allowed))}; "
                           f"expected one of {', '.join(allowed)}")
        return False
