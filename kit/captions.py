"""Captions, hashtags and alt text per platform and language, within each platform's rules."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kit.config import Settings
from kit.errors import Problem
from kit.i18n import credit_line, format_event_when, join_sentences, label
from kit.model import Brand, Channel, Message
from kit.platforms import Platform, rules
from kit.press import partner_sentence
from kit.utm import tagged

URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Caption:
    platform: str
    channel: str
    text: str
    hashtags: tuple[str, ...]
    alt_text: str
    link: str  # the link a scheduler should attach, "" where the platform has none


def weighted_length(text: str, platform: Platform) -> int:
    """Length as the platform counts it. X and Mastodon: every URL 23, however long (so campaign tags cost
    nothing); X also: wide characters (emoji, CJK) 2, others 1."""
    total, rest = 0, text
    if platform.url_weight is not None:
        for url in URL.findall(text):
            total += platform.url_weight
            rest = rest.replace(url, "", 1)
    if not platform.weighted:
        return total + len(rest)
    return total + sum(_weight(c) for c in rest)


def _weight(char: str) -> int:
    # twitter-text v3: these ranges weigh 1; everything else (emoji, CJK, …) weighs 2.
    code = ord(char)
    if unicodedata.combining(char):
        return 1
    light = (0 <= code <= 4351) or (8192 <= code <= 8205) or (8208 <= code <= 8223) or (8242 <= code <= 8247)
    return 1 if light else 2


def hashtags_for(message: Message, lang: str, channel: Channel, brand: Brand) -> tuple[str, ...]:
    """The message's own tags first, then the channel's, then the co-brand's; no duplicates in any case."""
    tags = list(message.text(lang).hashtags) + list(channel.hashtags)
    if message.tartu2024:
        for cobrand in brand.cobrands.values():
            tags += cobrand.hashtags
    seen, result = set(), []
    for tag in tags:
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            result.append(tag)
    return tuple(result)


def alt_text(message: Message, lang: str) -> str:
    """The image shows the title in large type over the photo: alt text says both."""
    text = message.text(lang)
    return join_sentences(text.title, text.image_alt)


def image_alt(message: Message, lang: str, path: str) -> str:
    """The alt text an image is published with: title and photo; a carousel slide says its own point, the
    last one the call to action."""
    name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if not name.startswith("carousel-") or name == "carousel-01":
        return alt_text(message, lang)
    text, number = message.text(lang), int(name.removeprefix("carousel-"))
    if number - 2 < len(text.points):
        return text.points[number - 2]
    return text.cta_text or label("read_more", text.lang)


def caption(message: Message, listing_lang: str, platform: Platform, channel: Channel, brand: Brand,
            settings: Settings | None = None) -> tuple[Caption, list[str]]:
    """A caption within the platform's limits, wholly in its text's language; returns it with warnings. Its link
    carries the platform's UTM parameters (kit/utm.py); without settings it stays as written."""
    text = message.text(listing_lang)
    lang = text.lang
    link = tagged(message.link, f"social:{platform.name}", message.id, listing_lang, settings) if settings else message.link
    tags = hashtags_for(message, lang, channel, brand)
    warnings = []
    if platform.hashtag_limit is not None and len(tags) > platform.hashtag_limit:
        warnings.append(f"{platform.name}: {len(tags)} hashtags, kept the first {platform.hashtag_limit} "
                        f"({', '.join('#' + t for t in tags[platform.hashtag_limit:])} left out)")
        tags = tags[: platform.hashtag_limit]
    body = _body(message, lang, platform, link, brand)
    tag_line = " ".join(f"#{t}" for t in tags)
    full = "\n\n".join(part for part in (body, tag_line) if part)
    if weighted_length(full, platform) > platform.caption_limit and platform.name not in text.social:
        short = _short_body(message, lang, platform, link, brand, tag_line)
        full = short
    return Caption(platform=platform.name, channel=channel.id, text=full, hashtags=tags,
                   alt_text=alt_text(message, lang), link=link if platform.links == "inline" else ""), warnings


def _link_line(lang: str, platform: Platform, link: str) -> str:
    if not link:
        return ""
    return label("link_in_bio", lang) if platform.links == "bio" else link


def _body(message: Message, lang: str, platform: Platform, link: str, brand: Brand) -> str:
    text = message.text(lang)
    if platform.name in text.social:
        return text.social[platform.name]
    parts = [text.title, text.summary]
    if message.event:
        parts.append(format_event_when(message.event.start, message.event.end, lang))
    parts.append(partner_sentence(message, lang, brand))
    parts.append(_link_line(lang, platform, link))
    parts.append(credit_line(message, lang))  # the photo's credit goes with the photo (short form: left out)
    return "\n\n".join(p for p in parts if p)


def _short_body(message: Message, lang: str, platform: Platform, link: str, brand: Brand, tag_line: str) -> str:
    """When the full text is too long (X), the title, the event's time, the Tartu 2024 sentence and the link are
    what matters, in that order of giving way: the time goes first, then the sentence."""
    title, link_line = message.text(lang).title, _link_line(lang, platform, link)
    when = format_event_when(message.event.start, message.event.end, lang) if message.event else ""
    sentence = partner_sentence(message, lang, brand)
    for middle in ((when, sentence), (sentence,), ()):
        text = "\n\n".join(p for p in (title, *middle, link_line, tag_line) if p)
        if weighted_length(text, platform) <= platform.caption_limit:
            return text
    return text


def captions(message: Message, lang: str, brand: Brand, settings: Settings | None = None) -> tuple[list[Caption], list[str]]:
    """Every caption of a message in a language: each channel it goes to × each platform of the channel."""
    result, warnings = [], []
    for channel_id in message.channels:
        channel = brand.channels[channel_id]
        if channel.programme_only and not message.tartu2024:
            continue
        for platform_name in channel.platforms:
            made, said = caption(message, lang, rules().platforms[platform_name], channel, brand, settings)
            result.append(made)
            warnings.extend(said)
    return result, sorted(set(warnings))


def caption_problems(message: Message, lang: str, brand: Brand, settings: Settings | None = None) -> list[Problem]:
    """Captions or alt texts over a platform's limit even in their short form: an error for `kit check`."""
    problems = []
    source = message.text(lang).source
    for made in captions(message, lang, brand, settings)[0]:
        platform = rules().platforms[made.platform]
        length = weighted_length(made.text, platform)
        if length > platform.caption_limit:
            field = f"social.{platform.name}" if platform.name in message.text(lang).social else "title"
            problems.append(Problem(source, 0, field, f"{lang} caption for {platform.name} is {length} characters "
                                    f"(as {platform.name} counts them), the limit is {platform.caption_limit}; "
                                    f"write a shorter social.{platform.name} text"))
        if platform.alt_limit and len(made.alt_text) > platform.alt_limit:
            problems.append(Problem(source, 0, "image_alt", f"{lang} alt text is {len(made.alt_text)} characters, "
                                    f"{platform.name} allows {platform.alt_limit}"))
    return sorted(set(problems))
