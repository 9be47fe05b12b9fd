"""Calendars (RFC 5545): an .ics file per event message, language and venue, and per municipality and language a
subscribable calendar of its events (the past three months and the future), made of several messages like a
newsletter issue.

What keeps a client's copy right, with nothing but the source files (a fresh clone has no outputs/):
- UID is minted from the message id (and the venue's key in `event.venues`), never from the title or an address,
  so the event stays the same event when its title, the site or its address changes.
- SEQUENCE must only grow, and grow when the time or the place changes. Its memory is `updated:` in
  message.yaml: the recorded moment of the message's last significant change, which the feeds already date their
  entries by and the withdrawal policy already asks to set. SEQUENCE is the whole minutes from SEQUENCE_EPOCH to
  that moment, so moving the event (and saying so with `updated:`) raises it, an unchanged message keeps it, and
  no state file can be lost or disagree with the sources. A withdrawal adds one, so a cancellation outranks the
  last published version even when `updated:` was not touched. (Minutes fit RFC 5545's 32-bit INTEGER until 6109.)
- DTSTAMP and LAST-MODIFIED are that same moment, never the build's: an unchanged rebuild gives the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kit.errors import Problem
from kit.filecache import by_file_version
from kit.i18n import label
from kit.model import Artifact, Job, Message
from kit.render import JobSpec, Presentation, RenderContext, Renderer

if TYPE_CHECKING:  # imported where a calendar is written: a build with nothing to render never loads it
    from icalendar import Event

TZID = "Europe/Tallinn"
TALLINN = ZoneInfo(TZID)
SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
# Fixed forever, like the feeds' tag authority: UIDs are UUIDs (RFC 7986 §5.3) minted from it and the message id.
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "tag:loov.vorumaa.ee,2026:event")
WINDOW = timedelta(days=92)  # a municipality calendar keeps the events of about the past three months
# What the site holds, written by kit/site/public.py (read by `kit check`): an entry per message, and the one file an
# older kit wrote, read only while it is there (until this kit's first build replaces it).
PUBLIC_ENTRY = "state/public/messages/{}.json"
OLD_PUBLIC_RECORD = "state/public.json"
REFRESH = timedelta(hours=12)  # how often a subscribed client should fetch the calendar again (and X-PUBLISHED-TTL)
# Estonia's zone by its rules (EU summer time since 2002), written out rather than generated from the machine's
# tz database: the bytes stay the same on every machine, and icalendar's generated VTIMEZONE dates the spring
# change in summer time (04:00) where RFC 5545 wants the local time before it (03:00).
# tests/test_calendar.py checks it against zoneinfo hour by hour.
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Tallinn
X-LIC-LOCATION:Europe/Tallinn
BEGIN:DAYLIGHT
TZNAME:EEST
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:EET
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


# ---- planning ------------------------------------------------------------------------------------------

def venue_keys(message: Message) -> list[str]:
    """The event's places, by their key in `event.venues` (a municipality id, or "all"): one .ics file each.
    A workshop held in two towns at once is two events for a calendar."""
    return list(message.event.venues) if message.event else []


def venue_key(message: Message, municipality: str) -> str:
    """The place a municipality's material names (the same choice as kit.i18n.event_details)."""
    assert message.event is not None
    venues = message.event.venues
    return municipality if municipality in venues else "all" if "all" in venues else next(iter(venues))


def event_path(message_id: str, key: str, lang: str, single: bool) -> str:
    name = f"{message_id}-{lang}" if single or key == "all" else f"{message_id}-{key}-{lang}"
    return f"calendar/{message_id}/{lang}/{name}.ics"


def calendar_path(municipality: str, lang: str) -> str:
    """A municipality's calendar; its stable address on the site is files/<this> (what people subscribe to)."""
    return f"calendars/{municipality}-{lang}.ics"


def plan(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    keys = venue_keys(message)
    single = len(keys) == 1
    # A file for one municipality's venue appears on that municipality's pages; a shared venue's on all of them.
    return [JobSpec(variant=f"event-{key}", outputs=(event_path(message.id, key, lang, single),),
                    params={"venue": key, "municipality": "" if single or key == "all" else key})
            for key in keys]


def in_window(message: Message, now: datetime) -> bool:
    assert message.event is not None
    return (message.event.end or message.event.start) >= now - WINDOW


def calendar_events(ctx: RenderContext, municipality: str) -> tuple[list[Message], list[Message]]:
    """(public events, withdrawn events) of a municipality within the window. A withdrawn event is listed as
    cancelled once it had reached its publication moment, so subscribers' calendars drop it, never silently."""
    mine = [m for m in ctx.messages.values()
            if m.event is not None and municipality in m.municipalities and in_window(m, ctx.now)]
    public = [m for m in mine if m.is_public(ctx.now)]
    withdrawn = [m for m in mine if m.status == "withdrawn" and m.published <= ctx.now]
    order = lambda m: (m.event.start, m.id)  # noqa: E731
    return sorted(public, key=order), sorted(withdrawn, key=order)


def plan_issues(lang: str, ctx: RenderContext) -> list[JobSpec]:
    specs = []
    for municipality in ctx.brand.municipalities:
        public, withdrawn = calendar_events(ctx, municipality)
        # Withdrawn messages are not members (members must all be public): their ids and fingerprints ride in
        # params, which the job's hash covers, so a change to them re-renders the calendar.
        gone = hashlib.sha256("".join(m.id + m.fingerprint for m in withdrawn).encode()).hexdigest() if withdrawn else ""
        specs.append(JobSpec(variant=f"calendar-{municipality}", outputs=(calendar_path(municipality, lang),),
                             params={"municipality": municipality, "cancelled": " ".join(m.id for m in withdrawn),
                                     "cancelled_hash": gone},
                             members=tuple(m.id for m in public)))
    return specs


# ---- rendering -----------------------------------------------------------------------------------------

def render(job: Job, ctx: RenderContext) -> list[Artifact]:
    if job.members or job.variant.startswith("calendar-"):
        municipality = job.params["municipality"]
        cancelled = [ctx.messages[m] for m in job.params.get("cancelled", "").split() if m in ctx.messages]
        events = [(ctx.messages[m], venue_key(ctx.messages[m], municipality)) for m in job.members]
        events += [(m, venue_key(m, municipality)) for m in cancelled]
        name = f"{label('programme_name', job.lang)}: {ctx.brand.municipalities[municipality].name(job.lang)}"
        return [Artifact(job.outputs[0], ics(events, job.lang, ctx, name))]
    message = ctx.messages[job.message_id]
    return [Artifact(job.outputs[0], ics([(message, job.params["venue"])], job.lang, ctx))]


def ics(events: list[tuple[Message, str]], lang: str, ctx: RenderContext, name: str = "") -> bytes:
    from icalendar import Calendar, Timezone

    calendar = Calendar()
    calendar.add("prodid", f"-//Loov Voru maakond//kit//{lang.upper()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:  # a subscribable calendar: its name (RFC 7986, and the X- names older clients read) and refresh
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", TZID)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT12H")  # the same, for Outlook
    calendar.add_component(Timezone.from_ical(VTIMEZONE))
    for message, key in sorted(events, key=lambda e: (e[0].event.start, e[0].id, e[1])):  # type: ignore[union-attr]
        calendar.add_component(vevent(message, key, lang, ctx))
    return calendar.to_ical()


def uid(message: Message, key: str) -> str:
    return f"{uuid.uuid5(UID_NAMESPACE, f'{message.id}/{key}')}"


def sequence(message: Message) -> int:
    minutes = max(0, int((message.updated - SEQUENCE_EPOCH).total_seconds() // 60))
    return minutes + (1 if message.status == "withdrawn" else 0)


def vevent(message: Message, key: str, lang: str, ctx: RenderContext) -> Event:
    from icalendar import Event

    from kit.press import call_to_action

    event = message.event
    assert event is not None
    text = message.text(lang)
    cancelled = message.status == "withdrawn"
    changed = message.updated.astimezone(timezone.utc)
    item = Event()
    item.add("uid", uid(message, key))
    item.add("sequence", sequence(message))
    item.add("dtstamp", changed)
    item.add("last-modified", changed)
    item.add("dtstart", event.start.astimezone(TALLINN))
    if event.end and event.end != event.start:
        item.add("dtend", event.end.astimezone(TALLINN))
    title = f"{label('cancelled', text.lang)}: {text.title}" if cancelled else text.title
    item.add("summary", title, parameters={"LANGUAGE": text.lang})
    item.add("location", location(message, key), parameters={"LANGUAGE": text.lang})
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    page = f"{ctx.settings.site_url}{lang}/messages/{message.id}.html"
    cta_text, cta_url = call_to_action(message, text.lang)
    lines = [text.summary, ""]
    if cta_url:
        lines.append(f"{cta_text}: {cta_url}")
    if not cancelled:  # a withdrawn message's page has left the site
        lines.append(f"{label('read_more', text.lang)}: {page}")
        item.add("url", page, parameters={"VALUE": "URI"})
    item.add("description", "\n".join(lines).strip(), parameters={"LANGUAGE": text.lang})
    item.add("transp", "OPAQUE")
    return item


def location(message: Message, key: str) -> str:
    """The venue for this place and the address: „Haanja rahvamaja, Haanja, Rõuge vald“."""
    assert message.event is not None
    venue = message.event.venues[key]
    address = message.event.address
    return f"{venue}, {address}" if address and address not in venue else venue


# ---- kit check -----------------------------------------------------------------------------------------

def check(message: Message, lang: str, ctx: RenderContext) -> list[Problem]:
    """SEQUENCE rises only with `updated:`: an event whose time or place differs from the version last published
    (outputs/state/public/, read only) while `updated:` stayed the same would stay at its old time in every
    subscriber's calendar. Said once per message, naming the field to set."""
    if message.event is None or lang != ctx.settings.languages[0]:
        return []
    before = published_version(ctx, message.id)
    if before is None or message.updated > before["updated"]:
        return []
    event = message.event
    if (before["start"], before["end"], before["venues"], before["address"]) == \
            (event.start, event.end, dict(event.venues), event.address):
        return []
    yaml = message.folder / "message.yaml"
    return [Problem(_shown(yaml, ctx), _line_of(yaml, "updated:") or _line_of(yaml, "event:"), "updated",
                    "the event's time or place changed since it was published, but `updated:` did not: calendars "
                    "would keep the old one; set `updated:` to now (e.g. "
                    f"{datetime.now(ctx.settings.tz):%Y-%m-%d %H:%M} {ctx.settings.default_timezone})")]


def published_version(ctx: RenderContext, message_id: str) -> dict | None:
    """The event and `updated:` of the message as last published, from the public record that the site stage
    writes (kit/site/public.py, outputs/state/public/messages/<id>.json). Read as JSON here, not through kit.site:
    the calendar's code hash covers what it imports, and the site's code does not shape a calendar."""
    try:
        message = _published_entry(ctx.settings.out, message_id)["message"]
        event = message["event"]
        return {"updated": _moment(message["updated"]), "start": _moment(event["start"]),
                "end": _moment(event["end"]) if event.get("end") else None,
                "venues": dict(event["venues"]), "address": event.get("address", "")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # never published, not an event then, or a record an older kit wrote: nothing to compare


def _published_entry(out: Path, message_id: str) -> dict:
    entry = out / PUBLIC_ENTRY.format(message_id)
    if entry.is_file() or not (out / OLD_PUBLIC_RECORD).is_file():
        return json.loads(entry.read_text(encoding="utf-8"))
    return _old_public_record(out / OLD_PUBLIC_RECORD)["messages"][message_id]


@by_file_version(maxsize=1)
def _old_public_record(path: Path) -> dict:
    """An older kit's record, parsed once per process (30 MB at 1 000 messages), not once per event."""
    return json.loads(path.read_text(encoding="utf-8"))


def _moment(encoded: dict) -> datetime:
    return datetime.fromisoformat(encoded["at"])


def _line_of(path, prefix: str) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    return next((n for n, line in enumerate(lines, 1) if line.startswith(prefix)), 0)


def _shown(path, ctx: RenderContext) -> str:
    try:
        return path.relative_to(ctx.settings.root).as_posix()
    except ValueError:
        return str(path)


# On a message page the event's .ics is listed with its size and checksum under „Kalender“ after the other files,
# and is RSS's one enclosure only for a message with nothing else. The "add to calendar" button and the
# municipality page's subscribe box are the site's (kit/site/pages.py): they know calendars by their media type.
RENDERER = Renderer(name="calendar", plan=plan, render=render, plan_issues=plan_issues, check=check,
                    presentation=Presentation(section="files", title="calendar", order=50, rss_rank=90),
                    brand_inputs=("municipalities.yaml",), helpers=("kit.press",), cost=0.02)
