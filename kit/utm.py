"""UTM parameters on the links kit hands out, so the team's web statistics can tell which channel brought a reader.

One function, `tagged`, used wherever a message's link (its event page or call to action) becomes something a
reader follows: captions per platform, newsletter links, the poster's QR code and the message page's
call-to-action button. What a person reads and types stays plain: the address printed on a poster or a
carousel slide, and press texts (a journalist copies the link into an article, where a campaign tag would be
wrong). Settings in [tool.kit]: `utm` (true by default; false leaves every link as written) and
`utm_campaign` (default "{message}": the message id; "{lang}" may be used too).
"""
from __future__ import annotations

import string
from urllib.parse import parse_qsl, quote, urlsplit

from kit.config import Settings

# Where a link is handed out -> (utm_source, utm_medium); a new kind of output that hands out links adds its line
# here. A social platform is its own source with medium "social" (channel "social:<platform>"; this module reads
# no platform list, so that a change to the platforms re-renders nothing but the social outputs); the site's own
# pages name the site's host as source.
CHANNELS: dict[str, tuple[str, str]] = {
    "newsletter": ("newsletter", "email"),
    "poster": ("poster", "qr"),  # a scanned QR code on a printed poster
}
SOCIAL = "social:"
SITE = "site"  # the download site's pages
SITE_MEDIUM = "referral"
CAMPAIGN_FIELDS = ("message", "lang")


def source_medium(channel: str, settings: Settings) -> tuple[str, str]:
    if channel in CHANNELS:
        return CHANNELS[channel]
    if channel == SITE:
        return urlsplit(settings.site_url).hostname or SITE, SITE_MEDIUM
    if channel.startswith(SOCIAL) and channel != SOCIAL:
        return channel.removeprefix(SOCIAL), "social"
    raise ValueError(f"no UTM source and medium for links handed out on '{channel}': add it to kit/utm.py CHANNELS")


def tagged(url: str, channel: str, message_id: str, lang: str, settings: Settings) -> str:
    """`url` with utm_source, utm_medium and utm_campaign added for `channel` ("social:<platform>", "newsletter",
    "poster" or "site"). A parameter the link already has is never replaced, and the rest of the URL stays
    byte for byte as written (existing parameters in their order and encoding, the fragment): the new ones are
    appended to the query text. Unchanged when tagging is off, for a link that is not http(s), and for a link
    from the site's pages to the site itself (a campaign tag there would start a new visit)."""
    if not settings.utm or not url:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    if channel == SITE and parts.hostname == urlsplit(settings.site_url).hostname:
        return url
    source, medium = source_medium(channel, settings)
    campaign = settings.utm_campaign.format(message=message_id, lang=lang)
    head, hash_mark, fragment = url.partition("#")
    base, question, query = head.partition("?")
    present = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
    added = [f"{key}={quote(value, safe='')}" for key, value in
             (("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign))
             if key not in present and value]
    if not added:
        return url
    joiner = "" if not query or query.endswith("&") else "&"
    return f"{base}?{query}{joiner}{'&'.join(added)}{hash_mark}{fragment}"


def campaign_problem(template: str) -> str:
    """"" when `template` is a usable utm_campaign setting, else what is wrong with it."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return f"not a valid template ({exc}); write e.g. \"{{message}}\""
    unknown = [name for name in fields if name not in CAMPAIGN_FIELDS]
    if unknown:
        return (f"unknown placeholder {{{unknown[0]}}}; use "
                + " and ".join(f"{{{name}}}" for name in CAMPAIGN_FIELDS))
    if not template.strip():
        return "must not be empty (to leave links untagged, set utm = false)"
    return ""
