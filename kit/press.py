"""A press release as a typed document (SPECS.md §7), built once and written out as HTML, PDF, text and docx."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kit.i18n import format_date, format_time, label
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

    @property
    def paragraphs(self) -> list[str]:
        """Every text block in reading order: the source for text and docx, and what tests compare."""
        body = [plain_text(p) for p in self.body_md.split("\n\n") if p.strip()]
        quotes = [f"„{text}“ – {by}" if self.lang != "en" else f"“{text}” – {by}" for text, by in self.quotes]
        images = [f"{label('images', self.lang)}: " + "; ".join(f"{d} ({label('photo', self.lang)}: {c}) {u}"
                                                               for d, c, u in self.images)] if self.images else []
        return ([*self.letterhead, self.release_line, self.headline, *([self.subhead] if self.subhead else []),
                 f"{self.dateline} {self.lead}", *body, *quotes, *([self.partner_sentence] if self.partner_sentence else []),
                 self.about_title, self.boilerplate, *self.contact, *images, self.end_mark])


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
        images=_images(message, listing_lang, site_url))


def _release_line(message: Message, lang: str) -> str:
    if not message.embargo:
        return label("immediate_release", lang)
    moment = message.embargo
    zone = moment.tzname() or ""
    when = f"{format_date(moment.date(), lang)}, {format_time(moment, lang)} {zone}".strip()
    return label("embargo_until", lang, when=when)


def partner_sentence(message: Message, lang: str, brand: Brand) -> str:
    """The exact sentence of the Tartu 2024 partner rules, in the language (Võro has none: Estonian)."""
    cobrand = brand.cobrand_of(message)
    if cobrand is None:
        return ""
    sentence = cobrand.sentence.get(message.text(lang).lang) or cobrand.sentence["et"]
    return sentence.format(project=message.text(lang).project)


def _boilerplate(org: Mapping[str, Any], lang: str) -> str:
    return org["boilerplate"].get(lang) or org["boilerplate"]["et"]


def _role(org: Mapping[str, Any], lang: str) -> str:
    role = org["contact"]["role"]
    return role.get(lang) or role["et"]


def _images(message: Message, lang: str, site_url: str) -> tuple[tuple[str, str, str], ...]:
    if message.image is None:
        return ()
    text = message.text(lang)
    base = f"{site_url}files/social/{message.id}/{lang}"
    return ((text.image_alt, message.image.credit, f"{base}/link-preview.jpg"),
            (text.image_alt, message.image.credit, f"{base}/instagram-portrait.jpg"))
