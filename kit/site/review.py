"""The review sheet: what the team reads before it approves. Estonian, for the team only (never on the site).

Organised as the team works: messages waiting for approval (drafts) first, then embargoed, public, expired and
withdrawn ones. Each message shows its texts in every language side by side (to proofread), its warnings and
failed jobs in Estonian around the technical detail, and its outputs as small lazy-loaded thumbnails of the
built images that open full size. A summary with jump links and a table of contents come first.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from markupsafe import Markup
from PIL import Image

from kit.captions import alt_text
from kit.errors import Problem
from kit.i18n import format_event_when
from kit.model import Job, Message
from kit.partner import review_states, state_et
from kit.render import RenderContext
from kit.sanitize import inline_html, markdown_html
from kit.store import Store
from kit.templating import kit_env

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
KIND_ORDER = ("social", "poster", "press")  # cards first: they go out first
THUMB_BOX = 160  # CSS px: the longer side of a thumbnail
# Public, expired and withdrawn messages are shown whole up to this many per group, newest first; older ones
# (unless a job of theirs failed) are listed by title: at a thousand messages the sheet was one 38 MB page.
# Drafts and embargoed messages, the ones waiting for a decision, are always shown whole.
FULL_VIEWS = 30
UNDER_REVIEW = ("ootel", "embargo")
LANG_NAMES = {"et": "eesti", "en": "inglise", "vro": "võro"}  # „eesti keeles“, „inglise tekst“
LANG_ADJECTIVES = {"et": "eestikeelne", "en": "ingliskeelne", "vro": "võrukeelne"}
KIND_NAMES = {"social": "Sotsiaalmeedia", "poster": "Plakatid", "press": "Pressiteade", "newsletter": "Uudiskiri",
              "calendar": "Kalender"}
SOCIAL_NAMES = {"instagram-square": "Instagram, ruut", "instagram-portrait": "Instagram, püstine",
                "story": "Lugu (story)", "link-preview": "Facebooki lingi eelvaade", "x": "X ja Mastodon",
                "linkedin": "LinkedIn"}
FILE_TYPES = {".pdf": "PDF", ".html": "HTML", ".txt": "tekst", ".docx": "Word", ".json": "JSON", ".eml": "e-kiri",
              ".png": "PNG", ".jpg": "JPEG", ".ics": "kalender"}

# The texts to proofread, in the order a card, a poster and a release show them: (Column field, label).
FIELDS = (("title", "Pealkiri"), ("summary", "Kokkuvõte"), ("points", "Punktid"), ("quote", "Tsitaat"),
          ("body", "Tekst"), ("cta", "Üleskutse (CTA)"), ("alt", "Pildi alt-tekst"), ("captions", "Postituste tekstid"))
# Status groups in the order the team works through them: (anchor, heading, what it means).
GROUPS = (
    ("ootel", "Ootab kinnitamist", "Mustandid: ei avaldata enne, kui failis message.yaml on status: approved."),
    ("embargo", "Embargo all", "Kinnitatud; saidile, voogudesse ja uudiskirja lähevad alles embargo lõppedes."),
    ("avalik", "Avalik", "Kinnitatud: allalaadimissaidil, voogudes ja pakettides; make publish saadab need välja."),
    ("aegunud", "Aegunud", "Kinnitatud, kuid aegumisaeg (expires) on möödas: saidilt eemaldatud."),
    ("tagasi-voetud", "Tagasi võetud", "Failid on eemaldatud; voogudes on teade sõnumi tagasivõtmisest."),
)


@dataclass(frozen=True)
class Notice:
    """A warning or an error, said in Estonian, with the original technical text beside it."""

    severity: str  # "warning" | "error"
    text: str  # Estonian
    where: str = ""  # the output or file it concerns
    detail: str = ""  # the technical original (English), shown as code


@dataclass(frozen=True)
class Thumb:
    href: str  # the full-size image
    alt: str
    label: str
    width: int
    height: int
    lang: str  # the language of the alt text
    also: tuple[tuple[str, str], ...] = ()  # (label, href): e.g. the poster's PDF


@dataclass(frozen=True)
class Column:
    """One language's texts, set in that language (lang is the language the text is really in)."""

    listing: str  # the language the outputs are listed in
    lang: str
    title: str
    summary: Markup
    points: tuple[Markup, ...]
    quote: str
    quote_by: str
    body: Markup
    cta: str
    alt: str
    captions: tuple[tuple[str, str], ...]  # (the formats, their caption text)


@dataclass(frozen=True)
class OutputSet:
    """A message's outputs in one language."""

    lang: str
    thumbs: tuple[Thumb, ...]
    documents: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (what, ((type, href), ...))


class NoticeCounts:
    """Errors and warnings counted from `notices`, for a message and for a newsletter issue alike."""

    notices: tuple[Notice, ...]

    @property
    def errors(self) -> int:
        return sum(n.severity == "error" for n in self.notices)

    @property
    def warnings(self) -> int:
        return sum(n.severity == "warning" for n in self.notices)


@dataclass(frozen=True)
class MessageView(NoticeCounts):
    message: Message
    group: str
    title: str
    columns: tuple[Column, ...]
    outputs: tuple[OutputSet, ...]
    notices: tuple[Notice, ...]
    municipalities: str = ""  # their names
    event: str = ""  # when, in Estonian
    partner: str = ""  # the Tartu 2024 partner review state, in Estonian ("" outside the programme)
    partner_state: str = ""  # approved | voided | requested | outdated | missing | not-needed

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """The text fields some language has: an absent quote leaves no empty row in any column."""
        return tuple((key, name) for key, name in FIELDS if any(getattr(c, key) for c in self.columns))

    @property
    def anchor(self) -> str:
        return f"m-{self.message.id}"


@dataclass(frozen=True)
class Issue(NoticeCounts):
    """A newsletter issue: made of several messages, sent only when all of them are public."""

    name: str  # the period, e.g. 2026-11
    members: tuple[Message, ...]
    files: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (lang, ((type, href), ...))
    notices: tuple[Notice, ...]
    public: bool

    @property
    def anchor(self) -> str:
        return f"uudiskiri-{self.name}"


@dataclass(frozen=True)
class Earlier:
    """A settled message beyond the newest (FULL_VIEWS), listed by its title: its outputs were reviewed when new."""
    message: Message
    title: str
    date: str

    @property
    def anchor(self) -> str:
        return f"m-{self.message.id}"


@dataclass
class Group:
    anchor: str
    heading: str
    note: str
    views: list[MessageView] = field(default_factory=list)
    earlier: list[Earlier] = field(default_factory=list)


def review_sheet(ctx: RenderContext, jobs: list[Job], store: Store, warnings: list[Problem]) -> str:
    by_message: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        if not job.members:
            by_message[job.message_id].append(job)
    groups = {anchor: Group(anchor, heading, note) for anchor, heading, note in GROUPS}
    reviews = review_states(ctx.messages.values())
    for group in groups.values():
        members = sorted((m for m in ctx.messages.values() if status_group(m, ctx.now) == group.anchor),
                         key=_order(group.anchor))
        for rank, message in enumerate(members):
            mine = by_message.get(message.id, [])
            if group.anchor in UNDER_REVIEW or rank < FULL_VIEWS or _has_failed(message, mine, store):
                view = _message_view(ctx, message, mine, store, warnings)
                group.views.append(replace(view, partner=state_et(reviews[message.id]),
                                           partner_state=reviews[message.id].state))
            else:
                group.earlier.append(Earlier(message, message.text("et").title, message.date.strftime("%d.%m.%Y")))
    shown = [g for g in groups.values() if g.views or g.earlier or g.anchor != "aegunud"]  # "expired" only when it happens
    issues = _issues(ctx, jobs, store)
    views = [v for g in shown for v in g.views]
    notices = [n for v in views for n in v.notices] + [n for i in issues for n in i.notices]
    summary = {"warnings": sum(n.severity == "warning" for n in notices),
               "errors": sum(n.severity == "error" for n in notices)}
    html = kit_env().get_template("review.html").render(
        groups=shown, issues=issues, summary=summary, now=ctx.now, total=len(jobs), messages=len(views),
        lang_names=LANG_NAMES, full_views=FULL_VIEWS,
        problem_views=[v for v in views if v.notices])
    # The template's indentation is for its reader; a sheet with hundreds of thumbnails need not carry it.
    # Only blanks before a tag go: text (captions keep their line breaks) is escaped and never starts with "<".
    return re.sub(r"\n[ \t]+<", "\n<", html)


def status_group(message: Message, now: datetime) -> str:
    if message.status == "draft":
        return "ootel"
    if message.status == "withdrawn":
        return "tagasi-voetud"
    if message.embargo and now < message.embargo:
        return "embargo"
    if message.expires and now >= message.expires:
        return "aegunud"
    return "avalik"


def _order(group: str):
    """Embargoed messages by the moment they go public (soonest first); the others newest first."""
    if group == "embargo":
        return lambda m: (m.embargo, m.id)
    return lambda m: (-m.date.toordinal(), m.id)


def _has_failed(message: Message, jobs: list[Job], store: Store) -> bool:
    """Whether a job of the message failed: such a message is shown whole, however old. (A warning is not
    enough: most messages carry one for good, "no vro translation", and `kit check` lists every warning.)"""
    return any(store.failed(job) for job in jobs)


def _job_notices(store: Store, job: Job, where: str) -> list[Notice]:
    """A job's recorded warnings and its error, said where they come from."""
    built = store.result(job)
    if built is None:
        return []
    notices = [_job_notice(w, where, "warning") for w in built.warnings]
    if built.error:
        notices.append(_job_notice(built.error, where, "error"))
    return notices


def _message_view(ctx: RenderContext, message: Message, jobs: list[Job], store: Store,
                  warnings: list[Problem]) -> MessageView:
    folder = _shown(message.folder, ctx.settings.root) + "/"
    notices = [_content_notice(p) for p in warnings if p.path.startswith(folder)]
    for job in jobs:
        notices += _job_notices(store, job, f"{_output_name(ctx, job)} · {LANG_NAMES.get(job.lang, job.lang)}")
    notices.sort(key=lambda n: n.severity != "error")  # errors first
    columns = tuple(_column(message, lang, jobs, store) for lang in ctx.settings.languages)
    outputs = tuple(_outputs(ctx, message, lang, [j for j in jobs if j.lang == lang], store)
                    for lang in ctx.settings.languages if any(j.lang == lang for j in jobs))
    names = ", ".join(ctx.brand.municipalities[m].name("et") if m in ctx.brand.municipalities else m
                      for m in message.municipalities)
    event = format_event_when(message.event.start, message.event.end, "et") if message.event else ""
    return MessageView(message=message, group=status_group(message, ctx.now), title=message.text("et").title,
                       columns=columns, outputs=outputs, notices=tuple(notices), municipalities=names, event=event)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _column(message: Message, lang: str, jobs: list[Job], store: Store) -> Column:
    text = message.text(lang)
    captions: dict[str, list[str]] = {}  # caption text -> the formats it goes with (most share one text)
    for job in jobs:
        if job.kind == "social" and job.lang == lang:
            for path in job.outputs:
                file = store.kit_dir / path
                if path.endswith(".txt") and file.is_file():
                    captions.setdefault(file.read_text(encoding="utf-8"), []).append(
                        SOCIAL_NAMES.get(job.variant, job.variant))
    return Column(listing=lang, lang=text.lang, title=text.title, summary=inline_html(text.summary),
                  points=tuple(inline_html(p) for p in text.points), quote=text.quote.text if text.quote else "",
                  quote_by=text.quote.by if text.quote else "", body=markdown_html(text.body_md), cta=text.cta_text,
                  alt=alt_text(message, lang),
                  captions=tuple((" · ".join(names), caption) for caption, names in captions.items()))


def _outputs(ctx: RenderContext, message: Message, lang: str, jobs: list[Job], store: Store) -> OutputSet:
    thumbs, documents = [], []
    for job in sorted(jobs, key=lambda j: KIND_ORDER.index(j.kind) if j.kind in KIND_ORDER else len(KIND_ORDER)):
        existing = [p for p in job.outputs if (store.kit_dir / p).is_file()]  # a failed new job has no files
        images = [p for p in existing if p.endswith(IMAGE_SUFFIXES)]
        links = tuple((FILE_TYPES.get(Path(p).suffix, Path(p).suffix), _href(p))
                      for p in existing if not p.endswith(IMAGE_SUFFIXES))  # a poster's PDF, a card's caption
        # A failed job keeps the files of its last success: say so, or the team approves an old image.
        stale = " (eelmine versioon: uuendamine ebaõnnestus)" if store.failed(job) else ""
        for number, path in enumerate(images, start=1):
            width, height = _thumb_size(store.kit_dir / path)
            thumbs.append(Thumb(href=_href(path), alt=_image_alt(message, lang, job, number), width=width,
                                height=height, lang=message.text(lang).lang, also=links,
                                label=_image_label(ctx, job, number, len(images)) + stale))
        if links and not images:
            documents.append((_output_name(ctx, job) + stale, links))
    return OutputSet(lang=lang, thumbs=tuple(thumbs), documents=tuple(documents))


def _href(path: str) -> str:
    return f"../kit/{path}"


def _thumb_size(path: Path) -> tuple[int, int]:
    """The thumbnail's box, from the image's own proportions (PIL reads only the header)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
    except OSError:
        return THUMB_BOX, THUMB_BOX
    scale = THUMB_BOX / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _image_alt(message: Message, lang: str, job: Job, number: int) -> str:
    """The alt text the image is published with: title and photo; a carousel slide says its own point.
    A poster preview (not published as an image) is named by its title: the long photo description would be
    repeated for every municipality and paper size."""
    text = message.text(lang)
    if job.kind == "poster":
        return text.title
    if job.variant == "carousel" and number > 1:
        if number - 2 < len(text.points):
            return text.points[number - 2]
        return text.cta_text or text.title
    return alt_text(message, lang)


def _image_label(ctx: RenderContext, job: Job, number: int, count: int) -> str:
    if job.variant == "carousel":
        return f"Karussell, slaid {number}/{count}"
    return _output_name(ctx, job)


def _output_name(ctx: RenderContext, job: Job) -> str:
    """What an output is called on the sheet: „Instagram, ruut“, „Rõuge vald · A4 kontoriprinterile“."""
    if job.kind == "social":
        return {"carousel": "Karussell", "posts": "Postitused ajastamistööriistale"}.get(
            job.variant, SOCIAL_NAMES.get(job.variant, job.variant))
    if job.kind == "poster":
        municipality = job.params.get("municipality", "")
        name = ctx.brand.municipalities[municipality].name("et") if municipality in ctx.brand.municipalities else municipality
        size = job.params.get("size", "")
        return f"{name} · {size} " + ("kontoriprinterile" if job.params.get("office") else "trükikojale")
    return KIND_NAMES.get(job.kind, job.kind)


# ---- warnings and errors in Estonian ----------------------------------------------------------------

def _lang_name(code: str) -> str:
    return LANG_NAMES.get(code, code)


# (pattern on the technical text, Estonian sentence); groups of the pattern fill the sentence.
KNOWN = (
    (re.compile(r"no (\w+) translation: \w+ outputs use the (\w+) text"),
     lambda m: f"{LANG_ADJECTIVES.get(m[1], m[1]).capitalize()} tekst puudub: {_lang_name(m[1])} väljundites on "
               f"{_lang_name(m[2])} tekst."),
    (re.compile(r"the photo prints at (\d+) dpi \(print shops ask for (\d+)\)"),
     lambda m: f"Foto trükitakse {m[1]} dpi-ga, trükikojad soovivad {m[2]} dpi-d: suurem pilt annaks teravama trüki."),
    (re.compile(r"the photo prints at (\d+) dpi, below the minimum of (\d+)"),
     lambda m: f"Foto trükitakse {m[1]} dpi-ga, alla lubatud {m[2]} dpi: vaja on suuremat pilti."),
    (re.compile(r"label '([^']+)' has no (\w+) text"),
     lambda m: f"Sildil „{m[1]}“ puudub {LANG_ADJECTIVES.get(m[2], m[2])} tekst; kasutatakse eestikeelset."),
    (re.compile(r"(\w+): (\d+) hashtags, kept the first (\d+)"),
     lambda m: f"{m[1]}: {m[2]} teemaviidet, alles jäid esimesed {m[3]}."),
    (re.compile(r"does not fit|too long|overflow", re.IGNORECASE),
     lambda m: "Tekst ei mahu küljendusse: lühenda teksti või kasuta lühemaid sõnu."),
    (re.compile(r"clipped|runs? past|outside", re.IGNORECASE),
     lambda m: "Tekst läheks lehe servast või lõikejoonest üle: lühenda teksti või pealkirja."),
    (re.compile(r"the Estonian text changed after this translation was written; .* (kit translated \S+ \S+)$"),
     lambda m: f"Eestikeelne tekst muutus pärast tõlkimist: uuenda tõlget või kinnita see käsuga {m[1]}."),
    (re.compile(r"^internal error", re.IGNORECASE),
     lambda m: "Programmi sisemine viga (mitte sõnumi viga): teata arendajale."),
)


def _estonian(detail: str, severity: str) -> str:
    for pattern, sentence in KNOWN:
        match = pattern.search(detail)
        if match:
            return sentence(match)
    return "Hoiatus: vaata tehnilist kirjeldust." if severity == "warning" else "Väljundi tegemine ebaõnnestus."


def _content_notice(problem: Problem) -> Notice:
    where = f"{problem.path}:{problem.line}" if problem.line else problem.path
    if problem.field:
        where += f" · väli {problem.field}"
    return Notice(problem.severity, _estonian(problem.text, problem.severity), where, problem.text)


def _job_notice(text: str, where: str, severity: str) -> Notice:
    sentence = _estonian(text, severity)
    if severity == "error":
        sentence += " Eelmised failid (kui neid oli) jäid alles; järgmine koostamine proovib uuesti."
    return Notice(severity, sentence, where, text)


# ---- newsletters ------------------------------------------------------------------------------------

def _issues(ctx: RenderContext, jobs: list[Job], store: Store) -> list[Issue]:
    """Newsletter issues, newest first (the next one to send is what the team checks), each in every language."""
    by_issue: dict[str, list[Job]] = defaultdict(list)
    for job in (j for j in jobs if j.members and j.kind == "newsletter"):  # calendars are made of messages too
        by_issue[job.params.get("issue", job.variant)].append(job)
    issues = []
    for name, issue_jobs in sorted(by_issue.items(), reverse=True):
        members = tuple(ctx.messages[m] for m in issue_jobs[0].members if m in ctx.messages)
        files, notices = [], []
        for job in issue_jobs:
            notices += _job_notices(store, job, f"uudiskiri {name} · {_lang_name(job.lang)}")
            files.append((job.lang, tuple((FILE_TYPES.get(Path(p).suffix, p), _href(p)) for p in job.outputs
                                          if (store.kit_dir / p).is_file())))
        issues.append(Issue(name=name, members=members, files=tuple(files), notices=tuple(notices),
                            public=all(m.is_public(ctx.now) for m in members)))
    return issues
