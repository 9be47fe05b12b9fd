"""`kit new`: a new message folder with every field written out, ready to fill in."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from kit.content import ID_PATTERN
from kit.errors import KitError

MESSAGE_YAML = """\
id: {id}
date: {today}
status: draft            # draft | approved | withdrawn; only approved messages are published
# embargo: {today} 10:00 {tz}   # not published before this moment
# expires: {today} 23:59 {tz}
themes: [kultuur-ja-eripara]   # kestlik-kogukond, majandus, heaolu, tark-juhtimine, kultuur-ja-eripara
municipalities: all      # or a list: [voru-linn, voru-vald, antsla, rouge, setomaa]
tartu2024: false         # true for Tartu 2024 programme projects (adds the partner sentence)
# tartu2024: {{project: my-project}}   # names the programme project: its first 3 texts need partner review
cta_url: https://www.vorumaa.ee/
# event:
#   start: {today} 18:00 {tz}
#   end: {today} 20:00 {tz}
#   venues:
#     voru-linn: Võru Kultuurimaja Kannel
#   address: Liiva 13, Võru
#   url: https://www.vorumaa.ee/
# image:
#   file: hero.jpg
#   focus: 0.5 0.5       # the point a crop must keep, from the left and the top (0..1)
#   credit: Nimi Perenimi
"""

TEXT_MD = """\
---
title: {title}
summary: {summary}
points:
  - {point}
cta: {cta}
# image_alt: {alt}
hashtags: [LoovVõrumaa]
---
{body}
"""

TEXTS = {
    "et": dict(summary="Üks-kaks lauset sõnumi sisust.", point="Esimene põhipunkt", cta="Loe lähemalt",
               alt="Mida pildil näha on.", body="Sõnumi tekst Markdownis."),
    "en": dict(title="The title in English", summary="One or two sentences on what this is about.",
               point="The first key point", cta="Read more", alt="What the image shows.",
               body="The message text in Markdown."),
    "vro": dict(title="Pääkiri võro kiilen", summary="Üts-kats lausõt sõnomi sisust.", point="Edimäne põhipunkt",
                cta="Loeq edesi", alt="Midä pildi pääl nätäq om.", body="Sõnomi tekst Markdownin."),
}
# Texts `kit new` writes for the writer to replace: left in a message, they are a `kit check` error for an
# approved message and a warning for a draft. (The call to action is a real one and may stay.)
PLACEHOLDERS = frozenset(value for texts in TEXTS.values() for key, value in texts.items() if key != "cta")


def new_message(messages_dir: Path, message_id: str, title: str, tz: str, languages=tuple(TEXTS)) -> Path:
    if not ID_PATTERN.match(message_id):
        raise KitError(f"'{message_id}' is not a valid id; use lowercase letters, digits and hyphens")
    folder = messages_dir / message_id
    if folder.exists():
        raise KitError(f"{folder} already exists; choose another id")
    folder.mkdir(parents=True)
    today = date.today().isoformat()
    (folder / "message.yaml").write_text(MESSAGE_YAML.format(id=message_id, today=today, tz=tz), encoding="utf-8")
    for lang, texts in ((lang, TEXTS[lang]) for lang in languages if lang in TEXTS):
        (folder / f"{lang}.md").write_text(TEXT_MD.format(**{"title": title, **texts}), encoding="utf-8")
    return folder
