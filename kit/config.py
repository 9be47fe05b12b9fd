"""Settings from [tool.kit] in pyproject.toml, checked against a typed schema (all problems at once)."""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kit.errors import ConfigError, Problem
from kit.model import LANGUAGES

__all__ = ["Settings", "load_settings"]


@dataclass(frozen=True)
class Settings:
    root: Path
    site_url: str = "https://example.org/kit/"
    languages: tuple[str, ...] = LANGUAGES
    default_timezone: str = "Europe/Tallinn"
    output_dir: str = "outputs"
    publish_target: str = "outputs/published"
    poster_sizes: tuple[str, ...] = ("A4", "A3")
    feed_entries: int = 20
    newsletter_period: str = "month"
    websub_hubs: tuple[str, ...] = ()
    # The newsletter's unsubscribe link (footer and List-Unsubscribe header): the sending tool's merge tag, or a
    # URL template with {lang} and {issue}. The default is Mailchimp's tag.
    newsletter_unsubscribe: str = "*|UNSUB|*"
    # UTM parameters on the links captions, newsletters, poster QR codes and pages hand out (kit/utm.py): on unless
    # `utm = false`; utm_campaign is a template with {message} (the message id) and {lang}.
    utm: bool = True
    utm_campaign: str = "{message}"

    @property
    def messages_dir(self) -> Path:
        return self.root / "messages"

    @property
    def brand_dir(self) -> Path:
        return self.root / "brand"

    @property
    def out(self) -> Path:
        return self.root / self.output_dir

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)


POSTER_SIZES = ("A4", "A3", "A2")
PERIODS = ("month", "week")
_KEYS = [f.name for f in fields(Settings) if f.name != "root"]


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_settings(root: Path, overrides: dict | None = None) -> Settings:
    """Read and check [tool.kit]; raises ConfigError listing every problem."""
    path = root / "pyproject.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("kit", {})
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run kit inside the project folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    raw = {**raw, **(overrides or {})}
    problems = [Problem("pyproject.toml", 0, f"tool.kit.{key}", f"unknown setting{did_you_mean(key, _KEYS)}")
                for key in raw if key not in _KEYS]
    values: dict[str, Any] = {}
    for key in _KEYS:
        if key in raw:
            value, problem = _check(key, raw[key])
            if problem:
                problems.append(Problem("pyproject.toml", 0, f"tool.kit.{key}", problem))
            else:
                values[key] = value
    if problems:
        raise ConfigError("\n".join(str(p) for p in problems))
    return replace(Settings(root=root.resolve()), **values)


def _check(key: str, value: object) -> tuple[object, str]:
    """Convert one setting; returns (value, "") or (None, problem)."""
    if key in ("languages", "poster_sizes", "websub_hubs"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, "must be a list of strings"
        allowed: tuple[str, ...] = {"languages": LANGUAGES, "poster_sizes": POSTER_SIZES}.get(key, ())
        bad = [v for v in value if allowed and v not in allowed]
        if bad:
            return None, f"unknown value '{bad[0]}'; expected any of {', '.join(allowed)}"
        if key == "languages" and "et" not in value:
            return None, "must include 'et', the language every message is written in first"
        return tuple(value), ""
    if key == "utm":
        return (value, "") if isinstance(value, bool) else (None, "must be true or false")
    if key == "feed_entries":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return (value, "") if ok else (None, "must be a whole number above 0")
    if not isinstance(value, str):
        return None, "must be a string"
    if key == "site_url":
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return None, "must be an absolute http(s) URL"
        return value.rstrip("/") + "/", ""
    if key == "default_timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return None, f"unknown time zone '{value}'"
    if key == "utm_campaign":
        from kit.utm import campaign_problem  # kit.utm reads Settings: imported here, not at the top

        problem = campaign_problem(value)
        if problem:
            return None, problem
    if key == "newsletter_period" and value not in PERIODS:
        return None, f"must be one of {', '.join(PERIODS)}"
    if key == "output_dir" and (Path(value).is_absolute() or ".." in Path(value).parts):
        return None, "must be a folder inside the project"
    return value, ""
