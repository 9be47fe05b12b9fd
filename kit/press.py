"""A press release as a typed document (SPECS.md §7), built once and written out as HTML, PDF, text and docx."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kit.i18n import (format_date, format_date_genitive, format_event_when, format_time, join_sentences, label,
                      zone_name)
from kit.model import Brand, Message


@dataclass(frozen=True)
class PressRelease:
    lang: str
    letterhead: tuple[str, ...]  # organisation name, address, e-mail, web
    release_line: str  # „Avaldamiseks kohe“ or the embargo line
    headline: str
    subhead: str
    dateline: str  # „Võru, 12. märts 2026 –“
    lead: str
    body_md: str
    quotes: tuple[tuple[str, str], ...]  # (text, attribution)
    partner_sentence: str  # the Tartu 2024 sentence, "" when the message is not in the programme
    about_title: str
    boilerplate: str
    contact: tuple[str, ...]  # heading, name and role, phone, e-mail
    images: tuple[tuple[str, str, str], ...]  # (description, credit, download URL)
    end_mark: str = "###"
    # What a journalist acts on: an event's when and where as (label, value), what happens, how to take part.
    facts: tuple[tuple[str, str], ...] = ()
    points_title: str = ""
    points: tuple[str, ...] = ()
    call: tuple[str, str] = ("", "")  # (call to action, its link)

    @property
    def blocks(self) -> list[tuple[str, str]]:
        """Every text block in reading order as (role, text): the one source for the text edition and docx.
        Roles: letterhead, release, title, subhead, lead, body, quote, fact, heading, bullet, call, partner,
        contact, images, end."""
        quotes = [f"„{text}“ – {by}" if self.lang != "en" else f"“{text}” – {by}" for text, by in self.quotes]
        images = [f"{label('images', self.lang)}: " + " ".join(join_sentences(d, f"{label('photo', self.lang)}: {c}", u)
                                                               for d, c, u in self.images)] if self.images else []
        call_text, call_url = self.call
        return [*(("letterhead", line) for line in self.letterhead), ("release", self.release_line),
                ("title", self.headline), *([("subhead", self.subhead)] if self.subhead else []),
                ("lead", f"{self.dateline} {self.lead}"),
                *(("body", plain_text(p)) for p in self.body_md.split("\n\n") if p.strip()),
                *(("quote", q) for q in quotes),
                *(("fact", f"{name}: {value}") for name, value in self.facts),
                *([("heading", self.points_title)] if self.points and self.points_title else []),
                *(("bullet", plain_text(point)) for point in self.points),
                *([("call", f"{call_text}: {call_url}")] if call_url else []),
                *([("partner", self.partner_sentence)] if self.partner_sentence else []),
                ("heading", self.about_title), ("body", self.boilerplate), ("heading", self.contact[0]),
                *(("contact", line) for line in self.contact[1:]), *(("images", i) for i in images),
                ("end", self.end_mark)]

    @property
    def paragraphs(self) -> list[str]:
        """Every text block in reading order as plain text (a point with its dash): what tests compare."""
        return [f"– {text}" if role == "bullet" else text for role, text in self.blocks]


def plain_text(markdown_paragraph: str) -> str:
    """A Markdown paragraph as the words a reader sees: no ** or tags, entities decoded."""
    import html

    import markdown
    import nh3

    from kit.sanitize import escape_ordinals

    html_text = markdown.markdown(escape_ordinals(markdown_paragraph))
    return html.unescape(nh3.clean(html_text, tags=set())).replace("\n", " ").strip()


def press_release(message: Message, listing_lang: str, brand: Brand, site_url: str) -> PressRelease:
    """A press text is wholly in the language its text is written in: a Võro listing that falls back to the
    Estonian text gets an Estonian release (labels, dateline and all), not a mixture."""
    text = message.text(listing_lang)
    lang = text.lang
    org = brand.organisation
    content_lang = lang
    return PressRelease(
        lang=content_lang,
        letterhead=(org["name"], org["address"], org["email"], org["web"]),
        release_line=_release_line(message, lang),
        headline=text.title, subhead="", lead=text.summary, body_md=text.body_md,
        dateline=f"{org['city']}, {format_date(message.published.date(), lang)} –",
        quotes=((text.quote.text, text.quote.by),) if text.quote else (),
        partner_sentence=partner_sentence(message, lang, brand),
        about_title=label("about_org", lang), boilerplate=_boilerplate(org, lang),
        contact=(label("media_contact", lang), f"{org['contact']['name']}, {_role(org, lang)}",
                 org["contact"]["phone"], org["contact"]["email"]),
        images=_images(message, listing_lang, site_url),
        facts=event_facts(message, lang, brand), points_title=label("programme", lang) if message.event else "",
        points=text.points, call=call_to_action(message, lang))


def event_facts(message: Message, lang: str, brand: Brand) -> tuple[tuple[str, str], ...]:
    """When (with the time zone for readers elsewhere: English), where (each municipality's venue) and the address."""
    event = message.event
    if event is None:
        return ()
    when = format_event_when(event.start, event.end, lang, zone=lang == "en")
    if len(event.venues) == 1:
        venues = next(iter(event.venues.values()))
    else:
        venues = "; ".join(f"{venue} ({brand.municipalities[m].name(lang)})" if m in brand.municipalities else venue
                           for m, venue in event.venues.items())
    facts = [(label("event_date", lang), when), (label("venue", lang), venues)]
    if event.address:
        facts.append((label("address", lang), event.address))
    return tuple(facts)


def call_to_action(message: Message, lang: str) -> tuple[str, str]:
    """The message's call to action and its link (the event's page first); ("", "") when there is no link."""
    url = message.event.url if message.event and message.event.url else message.cta_url
    if not url:
        return ("", "")
    return (message.text(lang).cta_text or label("further_info", lang), url)


def _release_line(message: Message, lang: str) -> str:
    if not message.embargo:
        return label("immediate_release", lang)
    moment = message.embargo
    zone = zone_name(moment, lang)
    if lang == "en":  # "Embargoed until 12 January 2027, 10:00 Estonian time"
        when = f"{format_date(moment.date(), lang)}, {format_time(moment, lang)} {zone}"
    else:  # genitive after „enne“/„inne“: „mitte enne 12. jaanuari 2027 kell 10.00 Eesti aja järgi“
        when = f"{format_date_genitive(moment.date(), lang)} {format_time(moment, lang)} {zone}"
    return label("embargo_until", lang, when=when.strip())


def partner_sentence(message: Message, lang: str, brand: Brand) -> str:
    """The exact sentence of the Tartu 2024 partner rules, in the language (Võro has none: Estonian)."""
    cobrand = brand.cobrand_of(message)
    if cobrand is None:
        return ""
    text = message.text(lang)
    sentence_lang = text.lang if text.lang in cobrand.sentence else "et"
    return cobrand.sentence[sentence_lang].format(project=as_name(text.project, sentence_lang))


def as_name(name: str, lang: str) -> str:
    """A project's name set as a name, in the language's quotes: „Loov Võru maakond“, “Creative Võru County”.
    A name already in quotes stays as written."""
    name = name.strip()
    if not name or name[0] in "„“”\"'«‘":
        return name
    return f"“{name}”" if lang == "en" else f"„{name}“"


def _boilerplate(org: Mapping[str, Any], lang: str) -> str:
    return org["boilerplate"].get(lang) or org["boilerplate"]["et"]


def _role(org: Mapping[str, Any], lang: str) -> str:
    role = org["contact"]["role"]
    return role.get(lang) or role["et"]


def _images(message: Message, lang: str, site_url: str) -> tuple[tuple[str, str, str], ...]:
    """The press photo (full resolution, no text on it) with its description and credit."""
    if message.image is None:
        return ()
    from kit.render.press import photo_path

    text = message.text(lang)
    return ((text.image_alt or text.title, message.credit(lang), f"{site_url}files/{photo_path(message.id, lang)}"),)
