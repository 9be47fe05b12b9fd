"""Partner review (Tartu 2024): the foundation's rule that the first three public texts of a programme project go
to it for review before distribution (SPECS.md §2, partner rule 3).

- A **project** is named in message.yaml: `tartu2024: {project: loov-voru-maakond}`. A message with plain
  `tartu2024: true` belongs to the project its Estonian text names (`project:` in et.md, the name the partner
  sentence carries), compared without quotes and letter case.
- A project's **public texts** are its approved messages, in the order they go public (`Message.published`: the
  date at 09:00, or the end of the embargo); a draft is ranked where it would stand once approved. The first three
  need a valid partner approval; a fourth needs none.
- `kit review ID --for tartu2024` makes the review packet (`make_packet`: one PDF with every text in every
  language and thumbnails of the images and posters, and a zip with the files, under outputs/review/partner/) and
  records the request (`record_request`); `kit review ID --approved-by "Name, organisation"` records the answer
  (`record_approval`). Both write `partner_review:` in message.yaml through kit/sourcefiles.py.
- The record keeps a hash per part of what was reviewed (each language's texts, the photo, the link and event
  facts): an approval is valid while every part is unchanged. An edit to any reviewed text voids it, and
  `kit check` says which part changed.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from kit.config import Settings
from kit.errors import KitError, Problem
from kit.model import LANGUAGES, Brand, Message, PartnerReview

PARTNER_NAMES = {"tartu2024": "Tartu 2024"}
FOUNDATION = "SA Tartu 2024"  # the Tartu 2024 Foundation: who reviews
REVIEWED_TEXTS = 3  # the first three public texts of a project (partner rule 3)
RULE = (f"Tartu 2024 partner rule 3: the first {REVIEWED_TEXTS} public texts of a programme project go to the "
        "Tartu 2024 Foundation for review before distribution")
PART_NAMES = {"image": "the photo", "facts": "the link and event facts"}
REVIEW_COMMENT = ("Written by kit review (Tartu 2024 partner review). `reviewed` holds hashes of the texts the\n"
                  "foundation saw: an edit to any of them voids the approval.")
PACKET_DIR = "review/partner"  # under outputs/
THUMB_PX = 480  # the longer side of a thumbnail in the packet: sharp at the 40–55 mm it is printed


# ---- what a review covers ---------------------------------------------------------------------------

def reviewed_parts(message: Message) -> dict[str, str]:
    """A hash per part of the message that goes public: each language's texts, the photo, the link and event
    facts. A review is bound to these; editing any of them voids an approval."""
    parts = {lang: _digest(_texts(message, lang)) for lang in LANGUAGES if lang in message.translations}
    if message.image is not None:
        parts["image"] = _digest([hashlib.sha256(message.image.path.read_bytes()).hexdigest(),
                                  message.image.credit, list(message.image.focus)])
    event = message.event
    parts["facts"] = _digest([message.cta_url, event and [event.start.isoformat(), event.end and event.end.isoformat(),
                                                          sorted(event.venues.items()), event.address, event.url]])
    return parts


def _texts(message: Message, lang: str) -> list:
    text = message.translations[lang]
    return [text.title, text.summary, text.body_md, list(text.points), text.quote and [text.quote.text, text.quote.by],
            text.cta_text, text.image_alt, text.image_credit, list(text.hashtags), sorted(text.social.items()),
            text.project]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def changed_parts(review: PartnerReview, current: dict[str, str]) -> tuple[str, ...]:
    """The parts whose content differs from what was reviewed (a language added or removed counts)."""
    return tuple(sorted(p for p in set(review.reviewed) | set(current) if review.reviewed.get(p) != current.get(p)))


def part_name(part: str) -> str:
    return PART_NAMES.get(part, f"the {part} text")


# ---- the rule ---------------------------------------------------------------------------------------

def project_of(message: Message) -> str:
    """The programme project a message belongs to ("" outside the programme)."""
    if not message.tartu2024:
        return ""
    if message.project:
        return message.project
    name = message.translations["et"].project if "et" in message.translations else ""
    return "name:" + re.sub(r"[„“”\"'«»]", "", name).strip().casefold()


def project_name(message: Message) -> str:
    """The project as people call it: its id, or the name in the Estonian text."""
    if message.project or "et" not in message.translations:
        return message.project
    return re.sub(r"[„“”\"'«»]", "", message.translations["et"].project).strip()


@dataclass(frozen=True)
class ReviewState:
    """Where a message stands with the partner review."""

    message: Message
    project: str  # "" outside the programme
    rank: int  # its place among the project's public texts by publication date (a draft: where it would stand)
    changed: tuple[str, ...]  # parts edited since the recorded review (request or approval)

    @property
    def needed(self) -> bool:
        return bool(self.project) and self.message.status != "withdrawn" and self.rank <= REVIEWED_TEXTS

    @property
    def review(self) -> PartnerReview | None:
        return self.message.partner_review

    @property
    def approved(self) -> bool:
        """A valid approval: given, and nothing reviewed changed since."""
        return bool(self.review and self.review.approved_by and not self.changed)

    @property
    def voided(self) -> bool:
        return bool(self.review and self.review.approved_by and self.changed)

    @property
    def state(self) -> str:
        """approved | voided | requested | outdated (packet sent, texts changed since) | missing | not-needed"""
        if self.approved:
            return "approved"
        if self.voided:
            return "voided"
        if self.review and self.review.requested:
            return "outdated" if self.changed else "requested"
        return "missing" if self.needed else "not-needed"


def review_states(messages: Iterable[Message]) -> dict[str, ReviewState]:
    """Every message's review state; ranks are counted within each project among its approved messages."""
    messages = list(messages)
    approved: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        if project_of(message) and message.status == "approved":
            approved[project_of(message)].append(message)
    states = {}
    for message in messages:
        project = project_of(message)
        key = (message.published, message.id)
        rank = 1 + sum((m.published, m.id) < key for m in approved.get(project, ()) if m.id != message.id)
        review = message.partner_review
        changed = changed_parts(review, reviewed_parts(message)) if review and review.reviewed else ()
        states[message.id] = ReviewState(message, project, rank if project else 0, changed)
    return states


def partner_problems(messages: Iterable[Message], settings: Settings) -> list[Problem]:
    """For `kit check`: an approved programme message among its project's first three public texts without a
    valid partner approval is an error; an approval voided by an edit, or a packet outdated by one, a warning."""
    problems = []
    for state in review_states(messages).values():
        message, review = state.message, state.review
        shown = _shown(message.folder / "message.yaml", settings)
        if state.voided and review:
            problems.append(Problem(shown, _line(message, "partner_review"), "partner_review",
                                    f"the partner approval by {review.approved_by}{_on(review.approved)} is void: "
                                    f"{_list(state.changed)} changed since it was given; make a new packet "
                                    f"(kit review {message.id} --for tartu2024) and record the new answer", "warning"))
        elif state.state == "outdated" and review:
            problems.append(Problem(shown, _line(message, "partner_review"), "partner_review",
                                    f"{_list(state.changed)} changed since the review packet was made"
                                    f"{_on(review.requested)}; make a new packet (kit review {message.id} "
                                    "--for tartu2024) and send it instead", "warning"))
        if state.needed and message.status == "approved" and not state.approved:
            problems.append(Problem(shown, _line(message, "tartu2024"), "tartu2024",
                                    f"{RULE}. This is public text {state.rank} of project "
                                    f"'{project_name(message)}' and has no valid partner approval "
                                    f"({_why(state)}): run kit review {message.id} --for tartu2024, send the packet "
                                    f"to the foundation, then record its answer with kit review {message.id} "
                                    "--approved-by \"Name, organisation\" (or set status: draft until then)"))
    return problems


def _why(state: ReviewState) -> str:
    review = state.review
    if state.voided and review:
        return f"the approval by {review.approved_by} is void: {_list(state.changed)} changed since"
    if review and review.requested:
        return f"requested{_on(review.requested)}, no answer recorded"
    return "not requested"


def _list(parts: tuple[str, ...]) -> str:
    names = [part_name(p) for p in parts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _on(moment: datetime | None) -> str:
    return f" on {moment.strftime('%Y-%m-%d %H:%M')}" if moment else ""


def _line(message: Message, key: str) -> int:
    """The line of a top-level key in message.yaml (0 when it cannot be read)."""
    from kit.yamlread import YamlProblem, parse

    try:
        return parse((message.folder / "message.yaml").read_text(encoding="utf-8")).line(key)
    except (OSError, UnicodeDecodeError, YamlProblem):
        return 0


def _shown(path: Path, settings: Settings) -> str:
    try:
        return path.relative_to(settings.root).as_posix()
    except ValueError:
        return str(path)


# ---- recording in message.yaml ------------------------------------------------------------------------

def load_one(settings: Settings, message_id: str) -> tuple[Brand, Message]:
    """The brand and one message, read as a build reads them; a KitError naming every problem otherwise."""
    from kit.brand import load_brand
    from kit.content import load_message
    from kit.errors import ContentError

    from kit.content import ID_PATTERN

    if not ID_PATTERN.match(message_id):
        raise KitError(f"'{message_id}' is not a message id; use lowercase letters, digits and hyphens")
    folder = settings.messages_dir / message_id
    if not (folder / "message.yaml").is_file():
        raise KitError(f"no message '{message_id}' (no messages/{message_id}/message.yaml)")
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    message, problems = load_message(folder, settings, brand)
    if message is None:
        raise ContentError(problems)
    return brand, message


def _programme_message(settings: Settings, message_id: str, partner: str) -> tuple[Brand, Message]:
    if partner not in PARTNER_NAMES:
        raise KitError(f"--for: unknown partner '{partner}'; kit knows {', '.join(PARTNER_NAMES)}")
    brand, message = load_one(settings, message_id)
    if not message.tartu2024:
        raise KitError(f"messages/{message_id}/message.yaml: tartu2024: the message is not in the Tartu 2024 "
                       "programme, so it needs no partner review (set tartu2024: true if it is)")
    return brand, message


def _moment(moment: datetime) -> str:
    """As message.yaml writes date-times: 2026-11-27 10:00 Europe/Tallinn."""
    return f"{moment.strftime('%Y-%m-%d %H:%M')} {moment.tzinfo}"


def _write_review(settings: Settings, message: Message, fields: dict) -> None:
    """Replace the message's `partner_review:` record (everything else in the file stays as written)."""
    from ruamel.yaml.comments import CommentedMap

    from kit.sourcefiles import edit_yaml, update_source

    def change(data: CommentedMap) -> None:
        record = CommentedMap()
        for key, value in fields.items():
            record[key] = CommentedMap(value) if isinstance(value, dict) else value
        new = "partner_review" not in data
        data["partner_review"] = record
        if new:
            data.yaml_set_comment_before_after_key("partner_review", before=REVIEW_COMMENT)

    rel = (message.folder / "message.yaml").relative_to(settings.root).as_posix()
    update_source(settings.root, rel, lambda text: edit_yaml(text, change))


def record_request(settings: Settings, message_id: str, partner: str = "tartu2024",
                   now: datetime | None = None) -> PartnerReview:
    """Record that the review packet was made and is being sent: when, and a hash of every part it shows.
    A new request replaces an earlier record, its approval included (it was for other texts)."""
    _, message = _programme_message(settings, message_id, partner)
    moment = (now or datetime.now(settings.tz)).astimezone(settings.tz)  # written with its zone's name
    parts = reviewed_parts(message)
    _write_review(settings, message, {"for": partner, "requested": _moment(moment), "reviewed": parts})
    return PartnerReview(partner=partner, requested=moment, reviewed=parts)


def record_approval(settings: Settings, message_id: str, approved_by: str, now: datetime | None = None,
                    partner: str = "tartu2024") -> PartnerReview:
    """Record the partner's approval, bound to the reviewed content. Refused when the texts changed since the
    packet was made: the foundation approved another version."""
    if "," not in approved_by or not all(p.strip() for p in approved_by.split(",", 1)):
        raise KitError(f"--approved-by: '{approved_by}': write the reviewer's name and organisation, "
                       f"e.g. \"Mari Maasikas, {FOUNDATION}\"")
    _, message = _programme_message(settings, message_id, partner)
    moment = (now or datetime.now(settings.tz)).astimezone(settings.tz)  # written with its zone's name
    current = reviewed_parts(message)
    review = message.partner_review
    if review and review.requested and review.reviewed and changed_parts(review, current):
        raise KitError(f"messages/{message_id}: {_list(changed_parts(review, current))} changed since the review "
                       f"packet was made{_on(review.requested)}, so the approval would be for a version the "
                       f"foundation has not seen. Nothing was recorded. Make a new packet (kit review {message_id} "
                       "--for tartu2024), send it, and record the answer to that one")
    fields: dict = {"for": partner}
    if review and review.requested:
        fields["requested"] = _moment(review.requested)
    fields |= {"approved_by": approved_by.strip(), "approved": _moment(moment), "reviewed": current}
    _write_review(settings, message, fields)
    return PartnerReview(partner=partner, requested=review.requested if review else None,
                         approved_by=approved_by.strip(), approved=moment, reviewed=current)


# ---- the packet -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Packet:
    pdf: Path
    zip: Path
    files: tuple[str, ...]  # the names inside the zip
    built: bool  # whether the message had to be built first
    pages: int


def make_packet(settings: Settings, message_id: str, partner: str = "tartu2024", now: datetime | None = None,
                build_first: bool = True) -> Packet:
    """The review packet under outputs/review/partner/<id>/: `<id>-<partner>.pdf` (every text in every language,
    captions per platform, thumbnails of the social images and posters) and `<id>-<partner>.zip` (the PDF and the
    built files). The message's outputs come from outputs/kit; a message not built (or out of date) is built
    first with the build API, or refused with `build_first=False`."""
    from kit.partner_packet import packet_files

    _programme_message(settings, message_id, partner)  # a clear error before anything is built
    built = _ensure_built(settings, message_id, build_first)
    return packet_files(settings, message_id, partner, now or datetime.now(settings.tz), built)


def _ensure_built(settings: Settings, message_id: str, build_first: bool) -> bool:
    """True when the message had to be built now."""
    from kit.build import build

    if not _stale(settings, message_id):
        return False
    if not build_first:
        raise KitError(f"{message_id}: its outputs in {settings.out / 'kit'} are missing or out of date; "
                       f"build them first: kit build --message {message_id}")
    report = build(settings, messages=[message_id])
    if report.failed or _stale(settings, message_id):
        failures = "; ".join(f"{r.job.key}: {r.error}" for r in report.failed)
        raise KitError(f"{message_id}: building its outputs failed, so there is no packet to make ({failures})")
    return True


def _stale(settings: Settings, message_id: str) -> list[str]:
    from kit.build import load_project
    from kit.plan import plan
    from kit.render import RenderContext, builtin_registry
    from kit.store import Store

    brand, content = load_project(settings)
    ctx = RenderContext(settings, brand, {m.id: m for m in content.messages}, datetime.now(settings.tz))
    store = Store.open(settings.out)
    return [job.key for job in plan(ctx, builtin_registry())
            if job.message_id == message_id and not job.members and not store.is_current(job)]


def deterministic_zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of (name, bytes), stamped with a fixed time so equal files give equal archives."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".jpg", ".png", ".pdf")) else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


# ---- for the review sheet (Estonian, like the sheet) ---------------------------------------------------

PART_NAMES_ET = {"et": "eestikeelne tekst", "en": "ingliskeelne tekst", "vro": "võrukeelne tekst", "image": "foto",
                 "facts": "link ja sündmuse andmed"}


def state_et(state: ReviewState) -> str:
    """The partner review state in a sentence for the team; "" for a message outside the programme."""
    if not state.project:
        return ""
    review, prefix = state.review, "Tartu 2024 partneri ülevaatus: "
    changed = ", ".join(PART_NAMES_ET.get(p, p) for p in state.changed)
    if state.state == "approved" and review:
        return f"{prefix}kinnitanud {review.approved_by} ({_on_et(review.approved)})"
    if state.state == "voided" and review:
        return (f"{prefix}kinnitus ({review.approved_by}, {_on_et(review.approved)}) on kehtetu, sest hiljem muutus: "
                f"{changed}. Tee uus pakett: kit review {state.message.id} --for tartu2024")
    if state.state in ("requested", "outdated") and review:
        said = f"{prefix}küsitud {_on_et(review.requested)}, vastust pole veel salvestatud"
        return said + (f"; pärast paketi tegemist muutus: {changed} (tee uus pakett)" if changed else "")
    if state.state == "missing":
        return (f"{prefix}vajalik (projekti {state.rank}. avalik tekst), küsimata: "
                f"kit review {state.message.id} --for tartu2024")
    return f"{prefix}pole vaja (projekti {state.rank}. avalik tekst; ülevaatust vajavad esimesed {REVIEWED_TEXTS})"


def _on_et(moment: datetime | None) -> str:
    return moment.strftime("%d.%m.%Y kell %H.%M") if moment else ""
