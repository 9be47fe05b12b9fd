"""Newsletter issues: one per language and period, made of the approved messages published in it.

Each issue is e-mail HTML (600 px presentation tables, CSS inlined, a <style> block only for media queries
and dark mode), a plain-text edition written for reading, and a ready .eml (multipart/alternative).
"""
from __future__ import annotations

import textwrap
from datetime import datetime
from functools import lru_cache
from importlib import resources

import yaml
from babel.dates import format_date as babel_date

from kit.errors import Problem, RenderError
from kit.i18n import VRO_MONTHS, credit_line, event_details, label
from kit.model import Artifact, Job, Message
from kit.render import JobSpec, Presentation, RenderContext, Renderer
from kit.templating import brand_env

WRAP = 72


@lru_cache(maxsize=1)
def email_rules() -> dict:
    return yaml.safe_load(resources.files("kit").joinpath("data/email.yaml").read_text(encoding="utf-8"))


def period_of(moment: datetime, period: str) -> str:
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return moment.strftime("%Y-%m")


def issue_messages(ctx: RenderContext, issue: str) -> list[Message]:
    return messages_by_issue(ctx).get(issue, [])


def messages_by_issue(ctx: RenderContext) -> dict[str, list[Message]]:
    """Issue ("2026-11") -> its approved messages in the order they went out; in one pass over the messages
    (asking each issue in turn went over all of them once per issue: seconds at a thousand messages)."""
    issues: dict[str, list[Message]] = {}
    for message in ctx.messages.values():
        if message.status == "approved":
            issues.setdefault(period_of(message.published, ctx.settings.newsletter_period), []).append(message)
    return {issue: sorted(members, key=lambda m: (m.published, m.id)) for issue, members in sorted(issues.items())}


def plan_issues(lang: str, ctx: RenderContext) -> list[JobSpec]:
    base = "newsletters/{issue}/{lang}/newsletter-{issue}-{lang}"
    return [JobSpec(variant=f"newsletter-{issue}", outputs=tuple(base.format(issue=issue, lang=lang) + s
                                                                  for s in (".html", ".txt", ".eml")),
                    params={"issue": issue, "intro": ctx.intros.get(issue, {}).get(lang, "")},
                    members=tuple(m.id for m in members))
            for issue, members in messages_by_issue(ctx).items()]


def render(job: Job, ctx: RenderContext) -> list[Artifact]:
    issue = job.params["issue"]
    messages = [ctx.messages[m] for m in job.members]
    html = newsletter_html(messages, job.lang, issue, ctx)
    text = newsletter_text(messages, job.lang, issue, ctx)
    return [Artifact(job.outputs[0], html.encode()), Artifact(job.outputs[1], text.encode()),
            Artifact(job.outputs[2], eml(html, text, job.lang, issue, messages, ctx))]


def issue_title(lang: str, issue: str, key: str = "newsletter_title") -> str:
    """„Loov Võru maakond – uudiskiri, november 2026“; key="newsletter_band" gives the line under the wordmark,
    which does not name the programme again („Uudiskiri, november 2026“)."""
    if issue[5:6] == "W":
        return label(key, lang, period=issue)
    year, month = int(issue[:4]), int(issue[5:7])
    if lang == "vro":
        name = f"{VRO_MONTHS[month - 1]} {year}"
    else:
        name = babel_date(datetime(year, month, 1), "LLLL y", locale="en_GB" if lang == "en" else "et")
    return label(key, lang, period=name)


def issue_page(lang: str, issue: str) -> str:
    """The issue's own page on the site (kit/site/pages.py makes it): where "View online" leads."""
    return f"{lang}/newsletters/{issue}.html"


def unsubscribe_link(ctx: RenderContext, lang: str, issue: str) -> str:
    """The setting `newsletter_unsubscribe`: a sending tool's merge tag (default `*|UNSUB|*`) or a URL template
    with {lang} and {issue}."""
    return ctx.settings.newsletter_unsubscribe.replace("{lang}", lang).replace("{issue}", issue)


def _items(messages: list[Message], lang: str, ctx: RenderContext) -> list[dict]:
    """Each item says its title once (the photo carries no text), the event's facts once, and leads to the
    message's call to action itself (a registration page), with the message's page beside it."""
    from kit.press import call_to_action, partner_sentence
    from kit.press import web_photo_path
    from kit.utm import tagged

    site = ctx.settings.site_url
    items = []
    for message in messages:
        text = message.text(lang)
        place = _event(message, lang, ctx)
        cta_text, cta_url = call_to_action(message, text.lang)
        page = tagged(f"{site}{lang}/messages/{message.id}.html", "newsletter", message.id, lang, ctx.settings)
        cta_url = tagged(cta_url, "newsletter", message.id, lang, ctx.settings)
        items.append({"title": text.title, "summary": text.summary, "url": page, "lang": text.lang,
                      "cta": cta_text if cta_url else label("read_more", text.lang), "cta_url": cta_url or page,
                      # the page's link beside the button, unless the button already says „Loe lähemalt“
                      "read_more": label("read_more", text.lang) if cta_url and cta_text != label("read_more", text.lang) else "",
                      "event": place,
                      "image": f"{site}files/{web_photo_path(message.id, lang)}" if message.image else "",
                      "alt": text.image_alt or text.title,
                      "credit": credit_line(message, lang),
                      "partner": partner_sentence(message, lang, ctx.brand)})
    return items


def _event(message: Message, lang: str, ctx: RenderContext) -> dict | None:
    """When, and where in every municipality of the message (one issue goes to all of them)."""
    from kit.press import event_facts

    if message.event is None:
        return None
    text_lang = message.text(lang).lang
    facts = dict(event_facts(message, text_lang, ctx.brand))
    details = event_details(message, text_lang, message.municipalities[0])
    if details is None:
        return None
    where = facts[label("venue", text_lang)]
    address = facts.get(label("address", text_lang), "")
    return {"when": details["when"], "where": f"{where}, {address}" if address and address not in where else where,
            "when_label": label("when", text_lang), "where_label": label("where", text_lang)}


def newsletter_html(messages: list[Message], lang: str, issue: str, ctx: RenderContext) -> str:
    import css_inline  # here, not at the top: a build with nothing to render never loads it

    rules = email_rules()
    items = _items(messages, lang, ctx)
    title = issue_title(lang, issue)
    html = brand_env(ctx.brand.root / "templates").get_template("newsletter.html").render(
        lang=lang, title=title, band=issue_title(lang, issue, "newsletter_band"), colors=ctx.brand.colors, width=rules["width"], items=items,
        intro=ctx.intros.get(issue, {}).get(lang, ""),
        preheader=label("preheader", lang, titles=" · ".join(i["title"] for i in items)),
        labels={k: label(k, lang) for k in ("contents", "when", "where", "view_online", "unsubscribe")},
        organisation=ctx.brand.organisation, unsubscribe=unsubscribe_link(ctx, lang, issue),
        web_url=f"{ctx.settings.site_url}{issue_page(lang, issue)}")
    inlined = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False).inline(html)
    size = len(inlined.encode())
    if size > rules["max_html_bytes"]:
        raise RenderError(f"newsletter {issue} ({lang}) is {size // 1000} KB of HTML; e-mail clients clip it above "
                          f"{rules['max_html_bytes'] // 1000} KB: move messages to another issue")
    return inlined


def newsletter_text(messages: list[Message], lang: str, issue: str, ctx: RenderContext) -> str:
    """The plain-text edition, laid out for reading: contents first, then each item with its link."""
    items = _items(messages, lang, ctx)
    title = issue_title(lang, issue)
    lines = [title.upper(), "=" * min(len(title), WRAP), ""]
    intro = ctx.intros.get(issue, {}).get(lang, "")
    if intro:
        lines += textwrap.wrap(intro, WRAP, break_on_hyphens=False) + [""]
    lines += [f"{label('contents', lang)}:"]
    lines += [f"  {i}. {item['title']}" for i, item in enumerate(items, 1)]
    for i, item in enumerate(items, 1):
        lines += ["", "-" * WRAP, "", f"{i}. {item['title'].upper()}", ""]
        lines += textwrap.wrap(item["summary"], WRAP, break_on_hyphens=False)
        if item["event"]:
            lines += ["", f"{item['event']['when_label']}: {item['event']['when']}",
                      f"{item['event']['where_label']}: {item['event']['where']}"]
        if item["partner"]:
            lines += [""] + textwrap.wrap(item["partner"], WRAP, break_on_hyphens=False)
        lines += ["", f"{item['cta']}: {item['cta_url']}"]
        if item["read_more"]:
            lines += [f"{item['read_more']}: {item['url']}"]
        if item["credit"]:
            lines += [f"({item['credit']})"]
    org = ctx.brand.organisation
    lines += ["", "-" * WRAP, f"{org['name']} · {org['address']} · {org['email']}",
              f"{label('view_online', lang)}: {ctx.settings.site_url}{issue_page(lang, issue)}",
              f"{label('unsubscribe', lang)}: {unsubscribe_link(ctx, lang, issue)}", ""]
    return "\n".join(lines)


def eml(html: str, text: str, lang: str, issue: str, messages: list[Message], ctx: RenderContext) -> bytes:
    """multipart/alternative, UTF-8; Date and Message-ID fixed by the issue so the same inputs give the same bytes."""
    from email.message import EmailMessage  # here: a build with nothing to render never loads the e-mail package
    from email.policy import SMTP
    from email.utils import format_datetime

    org = ctx.brand.organisation
    email = EmailMessage(policy=SMTP)
    email["Subject"] = issue_title(lang, issue)
    email["From"] = f"{org['name']} <{org['email']}>"
    email["Date"] = format_datetime(max(m.updated for m in messages)) if messages else ""
    email["Message-ID"] = f"<newsletter-{issue}-{lang}@loov.vorumaa.ee>"
    email["Content-Language"] = lang
    # RFC 2369 / RFC 8058: mail clients show their own unsubscribe button and may unsubscribe in one click.
    unsubscribe = unsubscribe_link(ctx, lang, issue)
    email["List-Unsubscribe"] = f"<{unsubscribe}>, <mailto:{org['email']}?subject=unsubscribe%20{issue}-{lang}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(text, charset="utf-8")
    email.add_alternative(html, subtype="html", charset="utf-8")
    email.set_boundary(f"kit-newsletter-{issue}-{lang}")  # the default boundary is random
    return email.as_bytes()


def plan(message: Message, lang: str, ctx: RenderContext) -> list[JobSpec]:
    return []  # issues are planned per language in plan_issues, not per message


def check(message: Message, lang: str, ctx: RenderContext) -> list[Problem]:
    """The issue a message goes into must stay under the e-mail size limit: a `kit check` error if not."""
    if message.status != "approved":
        return []
    issue = period_of(message.published, ctx.settings.newsletter_period)
    try:
        newsletter_html(issue_messages(ctx, issue), lang, issue, ctx)
    except RenderError as exc:
        return [Problem(message.text(lang).source, 0, "", str(exc))]
    return []


RENDERER = Renderer(name="newsletter", plan=plan, render=render, plan_issues=plan_issues, check=check,
                    presentation=Presentation(section="files", title="newsletters", order=40),
                    brand_inputs=("templates/newsletter.*",), helpers=("kit.i18n", "kit.press"), cost=0.05)
