"""messages/ → list[Message]. Reads every folder, converts every field, collects every problem.

A message is a folder: `message.yaml` (facts shared by all languages) and one `<lang>.md` per language
(front matter with the texts, then the Markdown body), plus its own images.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
import warnings
from collections.abc import Collection, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from PIL import Image, ImageFile

from kit.config import Settings
from kit.errors import Problem
from kit.filecache import folder_digest
from kit.i18n import label_problems
from kit.model import FALLBACK, Approval, Brand, Event, HeroImage, Message, PartnerReview, Quote, Translation, digest_of
from kit.sanitize import markdown_html
from kit.schema import Checker, check_controls, load_yaml, read_text
from kit.translation import HASH_PATTERN, SOURCE, TRANSLATED_FIELDS, stale_in, stale_warning
from kit.yamlread import Doc, YamlProblem, parse, split_front_matter

MESSAGE_FIELDS = ("id", "date", "updated", "status", "embargo", "expires", "themes", "municipalities",
                  "channels", "tartu2024", "event", "cta_url", "image", "approved", "partner_review")
EVENT_FIELDS = ("start", "end", "venues", "address", "url")
IMAGE_FIELDS = ("file", "focus", "credit")
REVIEW_FIELDS = ("for", "requested", "approved_by", "approved", "reviewed")
PARTNERS = ("tartu2024",)  # partners whose review kit records (kit/partner.py)
REVIEW_PARTS = ("image", "facts")  # besides the languages: what a review hash covers (kit/partner.py)
REVIEW_HASH_PATTERN = re.compile(r"^[0-9a-f]{16}$")
TEXT_FIELDS = ("title", "summary", "points", "quote", "cta", "image_alt", "image_credit", "hashtags", "social", "project",
               "translates")
STATUSES = ("draft", "approved", "withdrawn")
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_IMAGE_PIXELS = 40_000_000  # above this a decode could take gigabytes: refuse, don't try
# Pillow modes every renderer handles (WeasyPrint fails on 16-bit greyscale, I;16, with "Unknown image mode").
IMAGE_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "CMYK")


@dataclass(frozen=True)
class Loaded:
    """One message folder as loaded, kept between builds (the store's message memo) and used again as long as
    `key` holds: none of the folder's files, the brand, the settings or kit's own code changed. Reading a
    message is mostly parsing YAML and decoding its photo whole (26 ms for a phone photo): at a thousand
    messages that was most of a rebuild with nothing changed."""
    key: str
    message: Message | None
    problems: tuple[Problem, ...]
    declared_id: tuple[str, int]


@dataclass(frozen=True)
class Content:
    messages: tuple[Message, ...]
    problems: tuple[Problem, ...]  # errors and warnings
    intros: dict | None = None  # newsletter issue ("2026-11") -> lang -> intro text, from messages/_newsletter/
    loaded: Mapping[str, Loaded] | None = None  # folder name -> how it was loaded: the memo for the next build

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def load_content(settings: Settings, brand: Brand, approving: Collection[str] = (),
                 known: Mapping[str, Loaded] | None = None) -> Content:
    """Every message; those in `approving` (folder names) checked as they will be once approved. `known`: the
    folders as a previous build loaded them (Content.loaded); those whose files are unchanged are not read again."""
    root = settings.messages_dir
    if not root.is_dir():
        return Content((), (Problem(_shown(root, settings), 0, "", "missing: kit reads the messages from this "
                                    "folder (create it, or run kit new my-message)"),), {})
    messages: list[Message] = []
    problems: list[Problem] = []
    ids = []
    loaded = {}
    known = known if isinstance(known, Mapping) else {}  # a memo of another shape (an older kit's): none
    unchanged = _unchanged_key(settings)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        key = _folder_key(folder, unchanged, folder.name in approving)
        memo = known.get(folder.name)
        if not isinstance(memo, Loaded) or not key or memo.key != key:
            message, found = load_message(folder, settings, brand, approving=folder.name in approving)
            memo = Loaded(key, message, tuple(found), _declared_id(folder))
        loaded[folder.name] = memo
        problems.extend(memo.problems)
        if memo.message is not None:
            messages.append(memo.message)
        ids.append((memo.declared_id, folder))
    problems.extend(_duplicate_ids(ids, settings))
    intros = load_intros(settings, problems)
    problems.extend(label_problems(settings.languages))
    return Content(tuple(messages), tuple(sorted(problems)), intros, loaded)


def _unchanged_key(settings: Settings) -> bytes:
    """What every message's loading depends on besides its own folder: the settings, the brand's files (its
    municipalities and labels are checked against) and the code that reads a message (a newer kit may read a
    field anew)."""
    return pickle.dumps((settings, folder_digest(settings.brand_dir), reading_code()))


def reading_code() -> tuple[str, str]:
    """The code a loaded message follows from: this module's import closure with the versions of the libraries it
    uses (kit/codehash.py: Pillow checks the photos, PyYAML and Markdown read the texts), and kit's data files
    (labels, platform rules). Not all of kit: an upgrade that changes a renderer or the site reads no message
    folder again, which at 1 000 messages took half a minute."""
    from kit.codehash import code_hash

    return code_hash((__name__,)), folder_digest(Path(__file__).parent / "data")


def _folder_key(folder: Path, unchanged: bytes, approving: bool) -> str:
    try:
        files = tuple(sorted(_file_versions(str(folder), "")))
    except OSError:  # a file vanished while it was listed: read the folder, do not guess
        return ""
    return hashlib.sha256(unchanged + pickle.dumps((files, approving))).hexdigest()


def _file_versions(folder: str, prefix: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(path in the folder, version) of every file under it, as kit/filecache.py `folder_version` gives them, by
    os.scandir: a third of the time of its Path.rglob, which at 1 000 folders was a tenth of a second of every build.
    Links to folders are not followed, as rglob does not. Not a change to `folder_version` itself: kit/filecache.py
    is in every renderer's code hash, and changing it would render every job again."""
    files = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                files += _file_versions(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file():
                found = os.stat(entry.path)
                files.append((prefix + entry.name, (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)))
    return files


ISSUE_PATTERN = re.compile(r"^\d{4}-(\d{2}|W\d{2})$")


def load_intros(settings: Settings, problems: list[Problem]) -> dict[str, dict[str, str]]:
    """messages/_newsletter/<issue>.yaml: an optional intro per language for a newsletter issue."""
    intros = {}
    for path in sorted((settings.messages_dir / "_newsletter").glob("*.yaml")):
        shown = _shown(path, settings)
        if not ISSUE_PATTERN.match(path.stem):
            problems.append(Problem(shown, 0, "", f"'{path.stem}' is not an issue; name the file like 2026-11.yaml"))
            continue
        doc = load_yaml(path, shown, problems)
        if doc is None:
            continue
        c = Checker(shown, doc)
        c.mapping((), settings.languages)
        intros[path.stem] = {lang: c.string(lang) for lang in settings.languages if c.has(lang)}
        problems.extend(c.problems)
    return intros


def load_message(folder: Path, settings: Settings, brand: Brand,
                 approving: bool = False) -> tuple[Message | None, list[Problem]]:
    """One message and its problems; `approving` checks it as it will be once approved (`kit approve`)."""
    problems: list[Problem] = []
    shown = _shown(folder / "message.yaml", settings)
    if not _inside(folder / "message.yaml", settings.messages_dir):
        return None, [Problem(shown, 0, "", "is a link to a file outside messages/; copy the file in instead")]
    if not (folder / "message.yaml").is_file():
        return None, [Problem(shown, 0, "", "missing: every message folder needs a message.yaml")]
    doc = load_yaml(folder / "message.yaml", shown, problems)
    if doc is None:
        return None, problems
    c = Checker(shown, doc)
    message = _message(c, folder, settings, brand)
    if approving:
        message["status"] = "approved"
    translations = _translations(folder, settings, message, problems)
    problems.extend(c.problems)
    if "et" not in translations and not any(p.path.endswith("et.md") for p in problems):
        problems.append(Problem(_shown(folder / "et.md", settings), 0, "", "missing: every message is written in Estonian first"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    for lang in settings.languages:
        if lang not in translations:
            problems.append(Problem(shown, 0, "", f"no {lang} translation: {lang} outputs use the "
                                    f"{FALLBACK.get(lang, 'et')} text", "warning"))
    for lang, text in translations.items():
        for name in stale_in(translations[SOURCE], text):
            line = text.lines.get(name) or text.lines.get(f"translates.{name}", 0)
            problems.append(Problem(text.source, line, name, stale_warning(message["id"], lang), "warning"))
    return _finish(message, translations, folder, settings), problems


def _message(c: Checker, folder: Path, settings: Settings, brand: Brand) -> dict:
    c.mapping((), MESSAGE_FIELDS)
    tz = settings.default_timezone
    message_id = c.string("id", required=True)
    if message_id and not ID_PATTERN.match(message_id):
        c.problem(("id",), f"'{message_id}' is not a valid id; use lowercase letters, digits and hyphens, "
                           "e.g. loov-voru-maakond")
    day = c.day("date", required=True)
    status = c.string("status") or "draft"
    c.choice(("status",), status, STATUSES, "status")
    embargo, expires = c.moment("embargo", default_tz=tz), c.moment("expires", default_tz=tz)
    updated = c.moment("updated", default_tz=tz)
    themes = _ids(c, "themes", brand.themes, "theme", required=True)
    municipalities, channels = _municipalities(c, brand), _channels(c, brand)
    (tartu2024, project), cta_url = _tartu2024(c), c.url("cta_url")
    event, image = _event(c, settings, brand), _image(c, folder, settings)
    values = dict(id=message_id, folder=folder, date=day, status=status, embargo=embargo, expires=expires,
                  updated=updated, themes=themes, municipalities=municipalities, channels=channels,
                  tartu2024=tartu2024, project=project, cta_url=cta_url, event=event, image=image,
                  approved=_approved(c, tz), partner_review=_partner_review(c, settings))
    for municipality in (event.venues if event else ()):
        if municipality != "all" and municipality not in municipalities:
            c.problem(("event", "venues", municipality), f"'{municipality}' is not one of the message's "
                      f"municipalities ({', '.join(municipalities)}); add it there or remove the venue")
    if embargo and expires and expires <= embargo:
        c.problem(("expires",), "must be after the embargo")
    return values


def _tartu2024(c: Checker) -> tuple[bool, str]:
    """`tartu2024: true`, or `tartu2024: {project: <id>}` naming the programme project the message belongs to
    (its first three public texts need the foundation's review; see kit/partner.py)."""
    raw = c.raw(("tartu2024",))
    if isinstance(raw, list):  # Checker.boolean expects text
        c.problem(("tartu2024",), "write true or false, or the project as a mapping: tartu2024: {project: my-project}")
        return False, ""
    if not isinstance(raw, dict):
        return c.boolean("tartu2024"), ""
    c.mapping(("tartu2024",), ("project",))
    project = c.string("tartu2024", "project", required=True)
    if project and not ID_PATTERN.match(project):
        c.problem(("tartu2024", "project"), f"'{project}' is not a valid project id; use lowercase letters, digits "
                                            "and hyphens, e.g. loov-voru-maakond")
    return True, project


def _partner_review(c: Checker, settings: Settings) -> PartnerReview | None:
    """The record `kit review` keeps: when the packet was made, who approved and when, and what they saw."""
    keys = ("partner_review",)
    if not c.mapping(keys, REVIEW_FIELDS):
        return None
    tz = settings.default_timezone
    partner = c.string(*keys, "for", required=True)
    if partner:
        c.choice(keys + ("for",), partner, PARTNERS, "partner")
    requested, approved = c.moment(*keys, "requested", default_tz=tz), c.moment(*keys, "approved", default_tz=tz)
    approved_by = c.string(*keys, "approved_by")
    if approved_by and not c.has(*keys, "approved"):
        c.problem(keys + ("approved_by",), "has no approved: beside it; add when the answer came, e.g. "
                                           f"approved: 2026-11-27 10:00 {tz}")
    if c.has(*keys, "approved") and not approved_by:
        c.problem(keys + ("approved",), "has no approved_by: beside it; add who approved, as \"Name, organisation\"")
    reviewed = {}
    if c.mapping(keys + ("reviewed",), tuple(settings.languages) + REVIEW_PARTS):
        for part in c.raw(keys + ("reviewed",)):
            value = c.string(*keys, "reviewed", part)
            if value and not REVIEW_HASH_PATTERN.match(value):
                c.problem(keys + ("reviewed", part), f"'{value}' is not a content hash (16 hex digits, written by "
                                                     "kit review); record the review again with kit review")
            reviewed[str(part)] = value
    elif requested or approved_by:
        c.problem(keys + ("reviewed",), "required field is missing: the hashes of what was reviewed (kit review "
                                        "writes them); record the review again with kit review")
    return PartnerReview(partner=partner, requested=requested, approved_by=approved_by, approved=approved,
                         reviewed=reviewed)


def _approved(c: Checker, tz: str) -> Approval | None:
    """`approved: {by: Name, at: 2026-11-26T18:30:00+02:00}`, as `kit approve` writes it."""
    if not c.mapping(("approved",), ("by", "at")):
        return None
    by, at = c.string("approved", "by", required=True), c.moment("approved", "at", default_tz=tz, required=True)
    return Approval(by=by, at=at) if by and at else None


def _ids(c: Checker, key: str, known, what: str, required: bool = False) -> tuple[str, ...]:
    values = c.strings(key)  # records its own problem when the value is there but not a list of texts
    if required and not c.has(key):
        c.problem((key,), "required field is missing")
    for i, value in enumerate(values):
        c.choice((key, i), value, known, what)
    return values


def _municipalities(c: Checker, brand: Brand) -> tuple[str, ...]:
    if c.raw(("municipalities",)) == "all" or not c.has("municipalities"):
        return tuple(brand.municipalities)
    return _ids(c, "municipalities", brand.municipalities, "municipality")


def _channels(c: Checker, brand: Brand) -> tuple[str, ...]:
    if not c.has("channels"):
        return tuple(brand.channels)
    return _ids(c, "channels", brand.channels, "channel")


def _event(c: Checker, settings: Settings, brand: Brand) -> Event | None:
    if not c.mapping(("event",), EVENT_FIELDS):
        return None
    tz = settings.default_timezone
    start = c.moment("event", "start", default_tz=tz, required=True)
    end = c.moment("event", "end", default_tz=tz)
    if start and end and end < start:
        c.problem(("event", "end"), "is before the start")
    venues = {}
    if c.mapping(("event", "venues"), tuple(brand.municipalities) + ("all",)):
        venues = {m: c.string("event", "venues", m) for m in c.raw(("event", "venues")) if m in brand.municipalities or m == "all"}
    if not venues:
        c.problem(("event", "venues"), "required field is missing: name the venue per municipality, e.g. rouge: Rõuge rahvamaja")
    if start is None:
        return None
    return Event(start=start, end=end, venues=venues, address=c.string("event", "address"), url=c.url("event", "url"))


def _image(c: Checker, folder: Path, settings: Settings) -> HeroImage | None:
    if not c.mapping(("image",), IMAGE_FIELDS):
        return None
    rel = c.string("image", "file", required=True)
    focus = _focus(c)
    if not rel:
        return None
    path = _safe_path(c, ("image", "file"), folder, rel, settings)
    if path is None:
        return None
    size = _image_size(c, path, rel)
    if size is None:
        return None
    return HeroImage(path=path, focus=focus, credit=c.string("image", "credit", required=True),
                     width=size[0], height=size[1])


def _focus(c: Checker) -> tuple[float, float]:
    text = c.string("image", "focus") or "0.5 0.5"
    try:
        x, y = (float(v) for v in text.replace(",", " ").split())
        if 0 <= x <= 1 and 0 <= y <= 1:
            return (x, y)
    except ValueError:
        pass
    c.problem(("image", "focus"), f"'{text}' is not a focal point; write two numbers from 0 to 1, e.g. 0.5 0.4")
    return (0.5, 0.5)


def _safe_path(c: Checker, keys: tuple, folder: Path, rel: str, settings: Settings) -> Path | None:
    """A file named in content must stay inside the message's own folder: no ../, no absolute path, no link out."""
    if Path(rel).is_absolute() or ".." in Path(rel).parts or "\\" in rel:
        c.problem(keys, f"'{rel}' leaves the message folder; put the file in {_shown(folder, settings)}/ "
                        "and name it relative to it")
        return None
    path = folder / rel
    if not _inside(path, folder):
        c.problem(keys, f"'{rel}' is a link to a file outside the message folder; copy the file in instead")
        return None
    if not path.is_file():
        c.problem(keys, f"image file '{rel}' is missing")
        return None
    return path.resolve()


ORIENTATION_TAG = 0x0112  # EXIF: how a camera says the photo is to be turned
ROTATED = {5, 6, 7, 8}  # orientations that swap width and height


def _image_size(c: Checker, path: Path, rel: str) -> tuple[int, int] | None:
    """Decode the whole image once, so that a file cut short or damaged is caught here and not in every job;
    refuse what is not an image, too large to decode safely, or in a form a renderer cannot use."""
    keys = ("image", "file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        c.problem(keys, f"'{rel}' is too large to open safely")
        return None
    except Exception:  # Pillow raises many kinds for what is no image; all mean the same to the user
        c.problem(keys, f"'{rel}' is not an image Pillow can read (JPEG, PNG or WebP)")
        return None
    with image:
        size, fmt, mode = image.size, image.format, image.mode
        if fmt not in IMAGE_FORMATS:
            c.problem(keys, f"'{rel}' is {fmt}; use JPEG, PNG or WebP")
            return None
        if size[0] * size[1] > MAX_IMAGE_PIXELS:
            c.problem(keys, f"'{rel}' is too large to open safely ({size[0]}×{size[1]} px; "
                            f"at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels)")
            return None
        if mode not in IMAGE_MODES:
            c.problem(keys, f"'{rel}' has {mode} pixels (16-bit greyscale or similar), which the renderers "
                            "cannot use; save it as an 8-bit RGB JPEG or PNG")
            return None
        problem = _decode_problem(image)
        orientation = 1 if problem else image.getexif().get(ORIENTATION_TAG, 1)  # read once decoding is known sound
    if problem:
        c.problem(keys, f"'{rel}' is damaged or incomplete ({problem}); copy or export the image again")
        return None
    return (size[1], size[0]) if orientation in ROTATED else size  # as the photo is seen, upright


def _decode_problem(image: Image.Image) -> str:
    """Decode every pixel (a JPEG at 1/8 scale: the same data, an eighth of the memory); '' when sound."""
    if image.format == "JPEG":
        image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
    try:
        with _truncated_images_refused():
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # what Pillow's decoders raise on bad data
        return str(exc) or type(exc).__name__
    return ""


@contextmanager
def _truncated_images_refused():
    """WeasyPrint, once imported, sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which would
    let a file cut short through here as a photo with a grey lower part."""
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _translations(folder: Path, settings: Settings, message: dict, problems: list[Problem]) -> dict[str, Translation]:
    result = {}
    for path in sorted(folder.glob("*.md")):
        shown = _shown(path, settings)
        if path.stem not in settings.languages:
            problems.append(Problem(shown, 0, "", f"'{path.stem}' is not a language tag kit knows; name the file "
                                    f"after one of {', '.join(settings.languages)} (e.g. et.md)"))
            continue
        translation = _translation(path, shown, settings, message, problems)
        if translation is not None:
            result[path.stem] = translation
    return result


def _translation(path: Path, shown: str, settings: Settings, message: dict,
                 problems: list[Problem]) -> Translation | None:
    if not _inside(path, path.parent):
        problems.append(Problem(shown, 0, "", "is a link to a file outside the message folder; copy the file in instead"))
        return None
    text = read_text(path, shown, problems)
    if text is None:
        return None
    try:
        front, body, body_line = split_front_matter(text)
    except YamlProblem as exc:
        problems.append(Problem(shown, exc.line, "", exc.text))
        return None
    doc = load_yaml(path, shown, problems, text=front, first_line=2)
    if doc is None:
        return None
    check_controls(body, shown, None, body_line, problems, field_name="body")
    c = Checker(shown, doc)
    c.mapping((), TEXT_FIELDS)
    translation = Translation(
        lang=path.stem, title=c.string("title", required=True), summary=c.string("summary", required=True),
        body_md=body.strip(), points=c.strings("points"), quote=_quote(c), cta_text=c.string("cta"),
        image_alt=c.string("image_alt", required=bool(message.get("image"))), image_credit=c.string("image_credit"),
        hashtags=tuple(tag.lstrip("#") for tag in c.strings("hashtags")),
        social=_social(c), project=c.string("project", required=bool(message.get("tartu2024"))),
        source=shown, translates=_translates(c, path.stem, message), lines=_lines(doc, body_line))
    if found := _markdown_problem(body):
        problems.append(Problem(shown, body_line + found[0], "body", found[1]))
    for i, point in enumerate(translation.points):
        if found := _markdown_problem(point):
            c.problem(("points", i), found[1])
    _placeholders(c, translation, message, body_line, problems, shown)
    for i, tag in enumerate(translation.hashtags):
        if not re.fullmatch(r"\w+", tag):
            c.problem(("hashtags", i), f"'#{tag}' is not a hashtag; use letters, digits and _ only")
    if not body.strip():
        c.problem(("body",), "the Markdown body after the front matter is empty")
    problems.extend(c.problems)
    return translation


# Python-Markdown looks for the end of every '[' and '<' to the end of its paragraph, so its time grows with
# their number times the paragraph's length: 8,000 '[' in a row took 30 s, 256 KB of them would take hours.
# A text with 20 links in a 10,000-character paragraph costs 200,000; this limit is about 0.5 s of work.
MAX_MARKDOWN_COST = 2_000_000


def _markdown_problem(text: str) -> tuple[int, str] | None:
    """(line within the text, problem) for a Markdown text that would take Markdown minutes to read or that
    nests too deeply for it, so that no renderer hangs or fails on it later; None when it is fine."""
    cost, worst, worst_line, line = 0, 0, 0, 0
    for block in text.split("\n\n"):
        block_cost = (block.count("[") + block.count("<")) * len(block)
        cost += block_cost
        if block_cost > worst:
            worst, worst_line = block_cost, line
        line += block.count("\n") + 2
    if cost > MAX_MARKDOWN_COST:
        return worst_line, ("has too many '[' or '<' for Markdown to read in good time; remove the stray ones "
                            "or split the paragraph")
    try:
        markdown_html(text.strip())  # cached: the renderers convert the same stripped text
    except RecursionError:
        return 0, "nests lists or quotes too deeply for Markdown (as in '1. 1. 1. …'); remove the extra markers"
    return None


def _placeholders(c: Checker, text: Translation, message: dict, body_line: int, problems: list[Problem],
                  shown: str) -> None:
    """A text `kit new` wrote and nobody replaced: an error once the message is approved, a warning before."""
    from kit.scaffold import PLACEHOLDERS

    severity = "error" if message.get("status") == "approved" else "warning"
    said = "is still the placeholder `kit new` wrote; write the real text"
    for name, value in (("title", text.title), ("summary", text.summary), ("image_alt", text.image_alt)):
        if value in PLACEHOLDERS:
            c.problem((name,), said, severity)
    for i, point in enumerate(text.points):
        if point in PLACEHOLDERS:
            c.problem(("points", i), said, severity)
    if text.body_md in PLACEHOLDERS:
        problems.append(Problem(shown, body_line, "body", said, severity))


def _translates(c: Checker, lang: str, message: dict) -> dict[str, str]:
    """The `translates` record: field -> the hash of the Estonian text it translates (kit/translation.py)."""
    if not c.mapping(("translates",), TRANSLATED_FIELDS):
        return {}
    if lang == SOURCE:
        c.problem(("translates",), "the Estonian text is the original and translates nothing; remove this record",
                  "warning")
        return {}
    record = {}
    for name in TRANSLATED_FIELDS:
        value = c.string("translates", name)
        if value and not HASH_PATTERN.match(value):
            c.problem(("translates", name), f"'{value}' is not a recorded hash (8 hex digits); record the current "
                      f"Estonian text with kit translated {message.get('id') or '<id>'} {lang} --field {name}")
        elif value:
            record[name] = value
    return record


def _lines(doc: Doc, body_line: int) -> dict[str, int]:
    """Where each front matter field (and the body) starts, as "title", "translates.title"."""
    lines = {".".join(str(k) for k in key): line for key, line in doc.lines.items() if 0 < len(key) <= 2}
    return {**lines, "body": body_line}


def _quote(c: Checker) -> Quote | None:
    if not c.mapping(("quote",), ("text", "by")):
        return None
    return Quote(text=c.string("quote", "text", required=True), by=c.string("quote", "by", required=True))


def _social(c: Checker) -> dict[str, str]:
    from kit.brand import PLATFORMS

    if not c.mapping(("social",), PLATFORMS):
        return {}
    return {p: c.string("social", p) for p in PLATFORMS if c.has("social", p)}


def _finish(values: dict, translations: dict[str, Translation], folder: Path, settings: Settings) -> Message:
    # Without an explicit `updated`, the last significant change is the embargo's end or the date (09:00 local):
    # never the build time, or every rebuild would re-announce every entry to feed readers.
    updated = values.pop("updated") or values["embargo"] or datetime.combine(values["date"], time(9, 0), tzinfo=settings.tz)
    digests = file_digests(folder)
    return Message(**values, translations=translations, updated=updated, fingerprint=digest_of(digests),
                   file_digests=digests)


def file_digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file in the message's folder, by its path in the folder (message.yaml without its
    partner review: recording a review changes no output)."""
    digests = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path == folder / "message.yaml":
            data = without_partner_review(data)
        digests[path.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests


def without_partner_review(data: bytes) -> bytes:
    """message.yaml less its `partner_review:` block and its comments at the start of a line (which `kit review`
    writes above the block; at column 0 a `#` is always a comment, never text). Recording a review request or
    answer changes no output, so it must not make every job of the message render again (nor `kit check` lay
    its posters out again)."""
    kept, inside = [], False
    for line in data.split(b"\n"):
        if line.startswith(b"#"):
            continue
        if line.startswith(b"partner_review:"):
            inside = True
            continue
        if inside and (not line.strip() or line[:1] in (b" ", b"\t", b"#")):
            continue  # the block's own lines (indented), blank lines and comments within it
        inside = False
        kept.append(line)
    return b"\n".join(kept).rstrip()  # the block at the end took the file's last line break with it


def _declared_id(folder: Path) -> tuple[str, int]:
    """The id as written and its line, even in a message with other errors, so duplicates are always caught."""
    path = folder / "message.yaml"
    text = read_text(path, str(path), []) if _inside(path, folder.parent) else None  # problems: load_message
    if text is None:
        return "", 0
    try:
        doc = parse(text)
    except YamlProblem:
        return "", 0
    value = doc.data.get("id", "") if isinstance(doc.data, dict) else ""
    return (value, doc.line("id")) if isinstance(value, str) else ("", 0)


def _duplicate_ids(ids: list[tuple[tuple[str, int], Path]], settings: Settings) -> list[Problem]:
    """Ids must be unique ignoring case: feed ids and URLs derive from them, and some file systems fold case."""
    seen: dict[str, Path] = {}
    problems = []
    for (message_id, line), folder in ids:
        key = message_id.casefold()
        if not key:
            continue
        if key in seen:
            problems.append(Problem(_shown(folder / "message.yaml", settings), line, "id",
                                    f"'{message_id}' is already the id of {_shown(seen[key], settings)} "
                                    "(ids must differ in more than letter case)"))
        else:
            seen[key] = folder
    return problems


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _shown(path: Path, settings: Settings) -> str:
    try:
        return path.relative_to(settings.root).as_posix()
    except ValueError:
        return str(path)
