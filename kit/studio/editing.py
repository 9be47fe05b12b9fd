"""The editor's form ↔ a message's files. The files stay the source of truth: the form is read from them, and a
save changes only the keys whose value the user changed (through kit/sourcefiles.py, so comments, key order and
formatting of everything else stay). Before anything is written the would-be files are read by kit's own loader
(kit/content.py) in a scratch copy of the message folder: the same problems, in the same words, as `kit check`.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from kit.brand import PLATFORMS
from kit.config import Settings
from kit.content import ID_PATTERN, load_message
from kit.errors import KitError, Problem
from kit.model import Brand, Message
from kit.sourcefiles import edit_front_matter, edit_yaml, split, version
from kit.yamlread import YamlProblem, parse, split_front_matter

MOMENTS = ("embargo", "expires", "event.start", "event.end")
_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::\d{2})?\s*(\S+)?$")
LIST_FIELDS = ("themes", "municipalities", "channels")  # checkboxes
TEXT_KEYS = ("title", "summary", "points", "quote.text", "quote.by", "cta", "image_alt", "image_credit", "hashtags",
             *(f"social.{p}" for p in PLATFORMS), "project", "body")
FLOW_LISTS = ("themes", "municipalities", "channels", "hashtags")  # written [a, b] as the sample writes them


def message_rel(settings: Settings, message_id: str, name: str) -> str:
    """The project path of one of a message's files; the id is checked as `kit new` checks it, the file name is
    one kit itself chose (message.yaml, <lang>.md), never something the user typed."""
    if not ID_PATTERN.match(message_id):
        raise KitError(f"'{message_id}' is not a valid id; use lowercase letters, digits and hyphens")
    return f"{settings.messages_dir.relative_to(settings.root).as_posix()}/{message_id}/{name}"


def file_names(settings: Settings) -> tuple[str, ...]:
    return ("message.yaml", *(f"{lang}.md" for lang in settings.languages))


@dataclass
class Sources:
    """A message's source texts as read (or as they would be after a save): file name → text ("" = no file)."""

    texts: dict[str, str]
    versions: dict[str, str] = field(default_factory=dict)


def read_sources(settings: Settings, message_id: str) -> Sources:
    texts, versions = {}, {}
    for name in file_names(settings):
        path = settings.root / message_rel(settings, message_id, name)
        texts[name] = path.read_text(encoding="utf-8") if path.is_file() else ""
        versions[name] = version(path)
    return Sources(texts, versions)


# ---- reading the files into form values ----------------------------------------------------------------

def _plain(text: str) -> Any:
    """The data of a YAML text as kit reads it (every value a string), {} when it cannot be read."""
    try:
        data = parse(text).data if text.strip() else {}
    except YamlProblem:
        return {}
    return data if isinstance(data, dict) else {}


def _get(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def form_values(sources: Sources, settings: Settings, brand: Brand) -> dict[str, Any]:
    """What the editor's controls show for these texts: a flat dict of field name → str (or list for checkboxes)."""
    meta = _plain(sources.texts["message.yaml"])
    values: dict[str, Any] = {}
    for name in ("id", "date", "status", "cta_url", "tartu2024", "event.address", "event.url",
                 "image.file", "image.focus", "image.credit"):
        values[name] = _text(_get(meta, name))
    values["status"] = values["status"] or "draft"
    values["tartu2024"] = "true" if values["tartu2024"] == "true" else ""
    for name in ("embargo", "expires", "event.start", "event.end"):
        values[name], values[f"{name}.tz"] = split_moment(_text(_get(meta, name)), settings.default_timezone)
    municipalities = _get(meta, "municipalities")
    values["municipalities"] = (list(brand.municipalities) if municipalities in (None, "all")
                                else _list(municipalities))
    values["themes"] = _list(_get(meta, "themes"))
    channels = _get(meta, "channels")
    values["channels"] = list(brand.channels) if channels is None else _list(channels)
    venues = _get(meta, "event.venues")
    for m in (*brand.municipalities, "all"):
        values[f"event.venues.{m}"] = _text(venues.get(m)) if isinstance(venues, dict) else ""
    for lang in settings.languages:
        text = sources.texts.get(f"{lang}.md", "")
        try:
            front, body, _ = split_front_matter(text) if text else ("", "", 0)
        except YamlProblem:
            front, body = split(text)
        data = _plain(front)
        for key in TEXT_KEYS:
            raw = body.strip("\n") if key == "body" else _get(data, key)
            if key == "points":
                values[f"{lang}.{key}"] = "\n".join(_list(raw))
            elif key == "hashtags":
                values[f"{lang}.{key}"] = " ".join(_list(raw))
            else:
                values[f"{lang}.{key}"] = _text(raw)
    return values


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def split_moment(raw: str, default_tz: str) -> tuple[str, str]:
    """'2027-02-06 12:00 Europe/Tallinn' → ('2027-02-06T12:00', 'Europe/Tallinn') for a date-time picker and its
    zone; a text that is no moment stays whole in the picker, so the check names it instead of it vanishing."""
    match = _MOMENT.match(raw.strip())
    if not match:
        return raw, default_tz if not raw else ""
    day, hour, minute, zone = match.groups()
    return f"{day}T{int(hour):02d}:{minute}", zone or ""


def join_moment(local: str, zone: str) -> str:
    local, zone = local.strip(), zone.strip()
    if not local:
        return ""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", local):
        return local  # not from the picker: passed on as typed, for the check to judge
    return f"{local[:16].replace('T', ' ')} {zone}".strip()


# ---- applying a form to the files ----------------------------------------------------------------------

def apply_form(sources: Sources, form: Mapping[str, Any], settings: Settings, brand: Brand) -> Sources:
    """The texts after a save of `form`: only the values that differ from what the files say are changed."""
    old = form_values(sources, settings, brand)
    changed = {name: value for name, value in form.items() if name in old and _norm(name, value) != _norm(name, old[name])}
    for moment in MOMENTS:  # a zone changed alone changes the moment
        if f"{moment}.tz" in form and join_moment(form.get(moment, ""), form[f"{moment}.tz"]) != \
                join_moment(old[moment], old[f"{moment}.tz"]):
            changed[moment] = form.get(moment, "")
            changed[f"{moment}.tz"] = form[f"{moment}.tz"]
    texts = dict(sources.texts)
    meta_changes = {k: v for k, v in changed.items() if "." not in k or k.split(".")[0] in ("event", "image")}
    meta_changes = {k: v for k, v in meta_changes.items() if not k.endswith(".tz")}
    if meta_changes:
        texts["message.yaml"] = edit_yaml(texts["message.yaml"], _meta_editor(meta_changes, form, brand))
    for lang in settings.languages:
        lang_changes = {k.split(".", 1)[1]: v for k, v in changed.items() if k.startswith(f"{lang}.")}
        if not lang_changes:
            continue
        name = f"{lang}.md"
        body = lang_changes.pop("body", None)
        text = texts.get(name) or "---\n---\n"
        texts[name] = edit_front_matter(text, _text_editor(lang_changes),
                                        None if body is None else str(body).replace("\r\n", "\n"))
    return Sources(texts, dict(sources.versions))


def changed_text_fields(before: Sources, after: Sources, lang: str) -> tuple[str, ...]:
    """The front matter fields (and body) of a language that a save changes, for recording translations."""
    name = f"{lang}.md"
    if before.texts.get(name, "") == after.texts.get(name, ""):
        return ()
    def fields_of(text: str) -> dict[str, Any]:
        front, body = split(text)
        return {**_plain(front), "body": body.strip()}
    old, new = fields_of(before.texts.get(name, "")), fields_of(after.texts.get(name, ""))
    return tuple(sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k)))


def _norm(name: str, value: Any) -> Any:
    if isinstance(value, list):
        return sorted(value)
    text = str(value).replace("\r\n", "\n")
    last = name.rsplit(".", 1)[-1]
    if last == "points":
        return [line.strip() for line in text.split("\n") if line.strip()]
    if last == "hashtags":
        return [tag.lstrip("#") for tag in text.replace(",", " ").split()]
    return text.strip()


def _meta_editor(changes: dict[str, Any], form: Mapping[str, Any], brand: Brand) -> Callable[[CommentedMap], None]:
    def change(data: CommentedMap) -> None:
        for name, value in changes.items():
            if name in MOMENTS:
                _set(data, name.split("."), join_moment(str(value), str(form.get(f"{name}.tz", ""))))
            elif name == "municipalities" and not value:  # none ticked is none, not the "all" a missing key means
                data["municipalities"] = _yaml_value("municipalities", [], data.get("municipalities"))
            elif name == "municipalities":
                _set(data, ["municipalities"], "all" if set(value) >= set(brand.municipalities) else list(value))
            elif name == "channels":
                _set(data, ["channels"], None if set(value) >= set(brand.channels) else list(value))
            elif name == "tartu2024":
                _set(data, ["tartu2024"], "true" if value else "false")
            elif name in LIST_FIELDS:
                _set(data, [name], list(value))
            else:
                _set(data, name.split("."), str(value).strip())
    return change


def _text_editor(changes: dict[str, Any]) -> Callable[[CommentedMap], None]:
    def change(data: CommentedMap) -> None:
        for name, value in changes.items():
            _set(data, name.split("."), _norm(name, value))
    return change


def _set(data: CommentedMap, keys: list[str], value: Any) -> None:
    """Set (or, for an empty value, remove) a key path, creating mappings on the way and removing emptied ones."""
    parents = [data]
    for key in keys[:-1]:
        child = parents[-1].get(key)
        if not isinstance(child, dict):
            if value in ("", [], None):
                return
            child = CommentedMap()
            parents[-1][key] = child
        parents.append(child)
    last = keys[-1]
    if value in ("", [], None):
        parents[-1].pop(last, None)
        for parent, key in reversed(list(zip(parents[:-1], keys[:-1]))):
            if not parent[key]:
                del parent[key]
    else:
        parents[-1][last] = _yaml_value(last, value, parents[-1].get(last))


def _yaml_value(key: str, value: Any, old: Any) -> Any:
    """A value that YAML writes back as the same text kit reads: a date or true/false is given its YAML type so
    ruamel does not quote it; a list keeps the style ([a, b] or one per line) it had."""
    if isinstance(value, list):
        seq = CommentedSeq(value)
        flow = old.fa.flow_style() if isinstance(old, CommentedSeq) else key in FLOW_LISTS
        if flow:
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if "\n" in value:
        return LiteralScalarString(value.rstrip("\n") + "\n")
    return value


# ---- checking the would-be files -----------------------------------------------------------------------

def check_sources(settings: Settings, brand: Brand, message_id: str, sources: Sources,
                  extra_files: Mapping[str, bytes] | None = None) -> tuple[Message | None, list[Problem]]:
    """kit's loader on the would-be files, in a scratch copy of the message folder (its images linked in), so
    the problems carry the real paths (messages/<id>/et.md) and nothing in messages/ is touched."""
    folder = settings.messages_dir / message_id
    with tempfile.TemporaryDirectory(prefix="kit-studio-") as scratch:
        root = Path(scratch)
        copy = root / settings.messages_dir.relative_to(settings.root) / message_id
        copy.mkdir(parents=True)
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and not path.is_symlink() and path.name not in sources.texts:
                    _link(path, copy / path.name)
        for name, text in sources.texts.items():
            if text:
                (copy / name).write_text(text, encoding="utf-8")
        for name, data in (extra_files or {}).items():
            (copy / name).write_bytes(data)
        message, problems = load_message(copy, replace(settings, root=root), brand)
    return message, sorted(problems)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def problems_by_field(problems: list[Problem], settings: Settings, fields: set[str]) -> dict[str, list[Problem]]:
    """Each problem under the form field it is about ('' for the message as a whole): the field path of the
    problem, shortened until it names a control (points.2 → <lang>.points)."""
    placed: dict[str, list[Problem]] = {}
    for problem in problems:
        file_name = problem.path.rsplit("/", 1)[-1]
        prefix = "" if file_name == "message.yaml" else file_name.removesuffix(".md") + "."
        parts = problem.field.split(".") if problem.field else []
        target = ""
        while parts:
            candidate = prefix + ".".join(parts)
            if candidate in fields:
                target = candidate
                break
            if prefix and candidate + ".text" in fields:  # a stale `quote` is shown at the quote's text
                target = candidate + ".text"
                break
            parts.pop()
        if not target and prefix and problem.field == "" and problem.text.startswith("the Markdown body"):
            target = prefix + "body"
        placed.setdefault(target, []).append(problem)
    return placed
