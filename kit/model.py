"""Typed objects passed between the stages. Frozen: a stage never edits what an earlier one made."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Mapping

LANGUAGES = ("et", "en", "vro")
# A missing translation falls back along this chain (with a warning): Võro readers read Estonian,
# English readers get the Estonian original rather than nothing.
FALLBACK = {"vro": "et", "en": "et"}


def digest_of(file_digests: Mapping[str, str]) -> str:
    """One digest of a folder's files from theirs (path and content, in path order)."""
    digest = hashlib.sha256()
    for path, file_digest in sorted(file_digests.items()):
        digest.update(path.encode() + b"\0" + bytes.fromhex(file_digest))
    return digest.hexdigest()


@dataclass(frozen=True)
class Quote:
    text: str
    by: str


@dataclass(frozen=True)
class Translation:
    lang: str
    title: str
    summary: str
    body_md: str
    points: tuple[str, ...] = ()
    quote: Quote | None = None
    cta_text: str = ""
    image_alt: str = ""
    image_credit: str = ""  # the photo's credit in this language; "" takes image.credit from message.yaml
    hashtags: tuple[str, ...] = ()
    social: Mapping[str, str] = field(default_factory=dict)
    project: str = ""
    source: str = ""  # file the text came from, for error messages
    # Which Estonian text this translation translates: field -> short hash of the Estonian value when the
    # translation was written or confirmed (`kit translated`); empty for Estonian and for unrecorded texts.
    translates: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)  # field -> its line in `source`, for later problems


@dataclass(frozen=True)
class Approval:
    """Who approved a message and when (`kit approve`), as recorded in its message.yaml."""

    by: str
    at: datetime


@dataclass(frozen=True)
class Event:
    start: datetime
    end: datetime | None
    venues: Mapping[str, str]  # municipality id -> venue name
    address: str = ""
    url: str = ""


@dataclass(frozen=True)
class HeroImage:
    path: Path
    focus: tuple[float, float]  # 0..1 from the left and the top: the point a crop must keep
    credit: str
    width: int
    height: int


@dataclass(frozen=True)
class PartnerReview:
    """A partner's review of a message's public texts (`partner_review:` in message.yaml, written by `kit review`):
    the request (when the packet was made), the answer, and hashes of what the packet showed, per part."""

    partner: str  # "tartu2024"
    requested: datetime | None = None
    approved_by: str = ""  # "Name, organisation"
    approved: datetime | None = None
    reviewed: Mapping[str, str] = field(default_factory=dict)  # part (a language, "image", "facts") -> content hash


@dataclass(frozen=True)
class Message:
    id: str
    folder: Path
    date: date
    status: str  # draft | approved | withdrawn
    themes: tuple[str, ...]
    municipalities: tuple[str, ...]
    channels: tuple[str, ...]
    translations: Mapping[str, Translation]
    updated: datetime
    embargo: datetime | None = None
    expires: datetime | None = None
    event: Event | None = None
    cta_url: str = ""
    image: HeroImage | None = None
    tartu2024: bool = False
    project: str = ""  # the Tartu 2024 programme project (`tartu2024: {project: …}`); "" names it by its et text
    partner_review: PartnerReview | None = None
    approved: Approval | None = None
    fingerprint: str = ""  # hash of every file in the message's folder (`digest_of(file_digests)`)
    file_digests: Mapping[str, str] = field(default_factory=dict)  # path in the folder -> the file's SHA-256

    def text(self, lang: str) -> Translation:
        """The translation for a language, following FALLBACK when it is missing."""
        while lang not in self.translations:
            lang = FALLBACK.get(lang, "et")
        return self.translations[lang]

    def content_digest(self, lang: str) -> str:
        """The digest of the files a language's outputs are made from: every file in the folder but the texts of
        the other languages. A language's outputs read its own text (`text`: the Estonian one where it has none),
        never another's, so an edit of the Estonian text renders the Estonian outputs again (and those of a
        language that falls back to it), not the English and Võro ones (tests/test_partial_build.py checks it
        on every renderer)."""
        own = f"{self.text(lang).lang}.md"
        others = {f"{code}.md" for code in LANGUAGES} - {own}
        return digest_of({path: d for path, d in self.file_digests.items() if path not in others})

    def credit(self, lang: str) -> str:
        """The photo's credit in a language's text (image_credit in <lang>.md), else the one in message.yaml."""
        if self.image is None:
            return ""
        return self.text(lang).image_credit or self.image.credit

    @property
    def published(self) -> datetime:
        """When the message goes public: its date at 09:00 local time, or the end of its embargo if later."""
        start = datetime.combine(self.date, time(9, 0), tzinfo=self.updated.tzinfo)
        return max(start, self.embargo) if self.embargo else start

    @property
    def link(self) -> str:
        """Where a reader goes next: the event's own page, else the call-to-action address ("" if neither)."""
        return self.event.url if self.event and self.event.url else self.cta_url

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def is_public(self, now: datetime) -> bool:
        """Approved, past its embargo and not expired: the only state that reaches the site."""
        if self.status != "approved":
            return False
        if self.embargo and now < self.embargo:
            return False
        return not (self.expires and now >= self.expires)


@dataclass(frozen=True)
class Municipality:
    id: str
    names: Mapping[str, str]  # lang -> name
    colors: tuple[str, ...]
    web: str
    email: str
    phone: str = ""

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["et"]


@dataclass(frozen=True)
class CoBrand:
    id: str
    lines: Mapping[str, str]  # lang -> the text line a poster carries
    hashtags: tuple[str, ...]
    mark: Path | None  # empty slot until the foundation supplies an official mark
    sentence: Mapping[str, str]  # lang -> partner sentence with {project}

    def line(self, lang: str) -> str:
        return self.lines.get(lang) or self.lines["et"]


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    platforms: tuple[str, ...]
    hashtags: tuple[str, ...] = ()
    cobrand: str = ""
    programme_only: bool = False  # only messages in the Tartu 2024 programme go here


@dataclass(frozen=True)
class Theme:
    id: str
    names: Mapping[str, str]


@dataclass(frozen=True)
class Fonts:
    display: Path
    bold: Path
    semibold: Path
    regular: Path
    italic: Path


@dataclass(frozen=True)
class Brand:
    root: Path
    colors: Mapping[str, str]
    pairs: Mapping[str, tuple[str, str]]  # role -> (text colour, background colour)
    type_scale: Mapping[str, float]
    spacing: Mapping[str, float]
    fonts: Fonts
    municipalities: Mapping[str, Municipality]
    cobrands: Mapping[str, CoBrand]
    channels: Mapping[str, Channel]
    themes: Mapping[str, Theme]
    organisation: Mapping[str, Any]  # brand/organisation.yaml: names, addresses, contact, boilerplate per language
    hyphenation: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # lang -> word -> "ar-ea"

    def cobrand_of(self, message: Message) -> CoBrand | None:
        """The co-brand a message carries: the first one (Tartu 2024) for a message in its programme, else none."""
        return next(iter(self.cobrands.values()), None) if message.tartu2024 else None


@dataclass(frozen=True)
class Job:
    """One output to render, with the hash of every input that goes into it."""

    kind: str  # renderer name
    message_id: str
    lang: str
    variant: str  # e.g. "instagram-square", "A4-rouge"; unique per kind, message and language
    outputs: tuple[str, ...]  # paths relative to outputs/kit
    params: Mapping[str, str] = field(default_factory=dict)  # what the renderer needs beyond the message
    input_hash: str = ""
    members: tuple[str, ...] = ()  # for an output made of several messages (a newsletter issue): their ids

    @property
    def sources(self) -> tuple[str, ...]:
        """The messages this output is made of: it may be published only when all of them are public. An output
        of several messages is planned under its variant as its id (kit/plan.py) and may hold none yet (a
        municipality's calendar before its first event): it depends on no message."""
        if not self.members and self.message_id == self.variant:
            return ()
        return self.members or (self.message_id,)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.message_id}/{self.lang}/{self.variant}"


@dataclass(frozen=True)
class Artifact:
    """A rendered file, in memory until the writer puts it on disk."""

    path: str  # relative to outputs/kit
    data: bytes


@dataclass(frozen=True)
class JobResult:
    job: Job
    artifacts: tuple[Artifact, ...] = ()
    error: str = ""
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()  # about the machine (a slower library fallback), not about this job
