"""Translations that fall behind their Estonian original, field by field.

A translation records which Estonian text it translates: `translates: {title: 3f2a9c1b, …}` in its front matter,
a short hash per field of the Estonian value (normalised: Unicode NFC, runs of white space as one space, so that
re-wrapping a paragraph changes nothing). When the Estonian value no longer has the recorded hash, the field is
stale until a translator updates or confirms it (`kit translated ID LANG`, which records the current hashes).
A translation with no record (hand-written, or from before this existed) is never stale, nor is a field without
a recorded hash: only a recorded hash that no longer matches says the Estonian text moved on.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from kit.model import Message, Translation

SOURCE = "et"  # every message is written in Estonian first; the other languages translate it
# The fields a translation translates, named as in <lang>.md (front matter keys, and `body` for the Markdown).
TRANSLATED_FIELDS = ("title", "summary", "points", "quote", "cta", "image_alt", "image_credit", "hashtags",
                     "social", "project", "body")
HASH_PATTERN = re.compile(r"^[0-9a-f]{8}$")


def field_text(text: Translation, name: str) -> str:
    """A field's value as one normalised string ("" when the text does not have it)."""
    if name == "points":
        value = "\n".join(text.points)
    elif name == "quote":
        value = f"{text.quote.text}\n{text.quote.by}" if text.quote else ""
    elif name == "hashtags":
        value = "\n".join(text.hashtags)
    elif name == "social":
        value = "\n".join(f"{platform}: {copy}" for platform, copy in sorted(text.social.items()))
    else:
        value = getattr(text, {"cta": "cta_text", "body": "body_md"}.get(name, name))
    return " ".join(unicodedata.normalize("NFC", value).split())


def field_hash(text: Translation, name: str) -> str:
    """The short hash a translation records for a field of the Estonian text."""
    return hashlib.sha256(field_text(text, name).encode("utf-8")).hexdigest()[:8]


def stale_in(source: Translation, text: Translation) -> tuple[str, ...]:
    """The fields of `text` whose recorded Estonian hash no longer matches `source`, in TRANSLATED_FIELDS order."""
    if text.lang == SOURCE or not text.translates:
        return ()
    return tuple(name for name in TRANSLATED_FIELDS
                 if name in text.translates and text.translates[name] != field_hash(source, name))


def stale_fields(message: Message, lang: str) -> tuple[str, ...]:
    """The fields of the translation `lang` whose Estonian text changed since the translation was written
    (or last confirmed); () for Estonian, a missing translation or one without a record."""
    if lang == SOURCE or lang not in message.translations or SOURCE not in message.translations:
        return ()
    return stale_in(message.translations[SOURCE], message.translations[lang])


def stale_warning(message_id: str, lang: str) -> str:
    """What `kit check` says about a stale field (after the file, line and field name)."""
    return (f"the Estonian text changed after this translation was written; update it, or confirm it with "
            f"kit translated {message_id} {lang}")


def record_translated(root: Path, message_id: str, lang: str, fields: Iterable[str] | None = None) -> None:
    """Record in messages/<id>/<lang>.md that the translation matches the current Estonian text: every field, or
    only `fields`. Written through kit.sourcefiles: only the `translates` record changes, one step of undo."""
    from ruamel.yaml.comments import CommentedMap

    from kit.config import did_you_mean, load_settings
    from kit.errors import KitError
    from kit.sourcefiles import edit_front_matter, update_source, version

    chosen = TRANSLATED_FIELDS if fields is None else tuple(dict.fromkeys(fields))
    for name in chosen:
        if name not in TRANSLATED_FIELDS:
            raise KitError(f"--field: '{name}' is not a translated field{did_you_mean(name, TRANSLATED_FIELDS)}; "
                           f"the fields are {', '.join(TRANSLATED_FIELDS)}")
    settings = load_settings(root)
    if lang == SOURCE:
        raise KitError(f"{SOURCE} is the original language: its text translates nothing; name a translation "
                       f"({', '.join(l for l in settings.languages if l != SOURCE)})")
    if lang not in settings.languages:
        raise KitError(f"'{lang}' is not one of the project's languages ({', '.join(settings.languages)})")
    path = settings.messages_dir / message_id / f"{lang}.md"
    rel = path.relative_to(settings.root).as_posix()
    seen = version(path)  # the version the hashes are computed from: a change meanwhile refuses the write
    message = load_one(settings, message_id)
    if lang not in message.translations:
        raise KitError(f"{rel}: missing; there is no {lang} translation to record")
    source, text = message.translations[SOURCE], message.translations[lang]
    # A field neither language has is left out: there is nothing to translate yet.
    hashes = {name: field_hash(source, name) for name in chosen if field_text(source, name) or field_text(text, name)}

    def change(front: CommentedMap) -> None:
        old = front.get("translates") if fields is not None else None
        old = old if isinstance(old, dict) else {}
        record = CommentedMap((name, hashes[name] if name in hashes else old[name]) for name in TRANSLATED_FIELDS
                              if name in hashes or (name in old and name not in chosen))
        record.fa.set_flow_style()  # one line at the end of the front matter: the texts stay in view
        front["translates"] = record

    update_source(settings.root, rel, lambda current: edit_front_matter(current, change), expected=seen)


def load_one(settings, message_id: str) -> Message:
    """One message read and checked as `kit check` reads it; ContentError with its errors when it has any."""
    from kit.brand import load_brand
    from kit.content import ID_PATTERN, load_message
    from kit.errors import ContentError, KitError

    if not ID_PATTERN.match(message_id) or not (settings.messages_dir / message_id / "message.yaml").is_file():
        raise KitError(f"no message '{message_id}' (no messages/{message_id}/message.yaml)")
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is not None and not any(p.severity == "error" for p in problems):
        message, problems = load_message(settings.messages_dir / message_id, settings, brand)
        if message is not None:
            return message
    raise ContentError([p for p in problems if p.severity == "error"])
