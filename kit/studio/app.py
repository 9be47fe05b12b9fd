"""kit studio: the desk, the editor, previews of the real outputs, approval. A Flask app over the project folder.

Local by default (127.0.0.1, the Host header checked against DNS rebinding); another address needs a password
(HTTP Basic). Every form carries a CSRF token; uploads are limited in size; a message id in a URL is checked as
`kit new` checks it and every file name the studio opens is one kit chose (message.yaml, <lang>.md, the image the
loader accepted), never one a user typed.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, redirect, render_template, request, send_file, send_from_directory
from PIL import Image, ImageOps
from werkzeug.exceptions import RequestEntityTooLarge

from kit.brand import PLATFORMS, load_brand
from kit.config import Settings
from kit.content import ID_PATTERN, load_content
from kit.errors import ContentError, KitError, Problem
from kit.model import Brand, Message
from kit.platforms import rules
from kit.sourcefiles import SourceChanged, undo, write_source
from kit.store import write_atomic
from kit.publish.webdav import redact
from kit.studio import editing, hooks
from kit.studio.previews import PUBLISH, Previews, message_jobs, outputs
from kit.studio.previews import shared_registry
from kit.studio.words import WORDS, counted, t

__all__ = ["create_app"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "studio"
MAX_UPLOAD = 40 * 1024 * 1024  # a camera JPEG at 40 megapixels, the most `kit check` accepts, is well under this
IMAGE_SUFFIXES = {".jpg": ".jpg", ".jpeg": ".jpg", ".png": ".png", ".webp": ".webp"}
FOCUS_WIDTH = 320  # CSS px the focus picture is shown at: a click's x / FOCUS_WIDTH is the focus from the left
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
UPLOADS = Path("state/studio-uploads")  # under outputs/: photos of a save refused for another field
UPLOADED = re.compile(r"[a-z0-9-]{1,40}-[0-9a-f]{8}\.(jpg|png|webp)")


def create_app(settings: Settings, password: str = "", allowed_hosts: tuple[str, ...] = LOCAL_HOSTS) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(TEMPLATES / "static"),
                static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    csrf = _csrf_token(settings.out / "state" / "studio-csrf")
    previews = Previews(settings)
    last_saved = LastSaves(settings.out / "state" / "studio-last-save.json")  # what undo puts back
    app.extensions["kit_previews"] = previews

    @app.before_request
    def guard() -> Response | None:
        host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").startswith("[") else \
            (request.host or "").split("]")[0] + "]"
        if allowed_hosts and host not in allowed_hosts:
            abort(400)  # a page on another site pointing its own name at 127.0.0.1 (DNS rebinding)
        if password:
            auth = request.authorization
            given = (auth.password or "") if auth else ""
            if not hmac.compare_digest(given.encode(), password.encode()):
                return Response(t("password needed"), 401, {"WWW-Authenticate": 'Basic realm="kit studio"'})
        if request.method == "POST":
            try:
                token = request.form.get("csrf", "")
            except RequestEntityTooLarge:
                raise
            if not hmac.compare_digest(token.encode(), csrf.encode()):
                abort(403)
        return None

    @app.context_processor
    def globals_() -> dict[str, Any]:
        return {"t": t, "counted": counted, "csrf": csrf, "ui": ui_lang(), "languages": settings.languages,
                "lang_names": LANG_NAMES, "other_ui": "en" if ui_lang() == "et" else "et"}

    @app.template_filter("kind_title")
    def kind_title(kind: str) -> str:
        """An output kind as the download site names it (the renderer's Presentation), in the interface's language."""
        try:
            return shared_registry().presentation(kind).heading(ui_lang()) or kind
        except KitError:
            return kind

    @app.template_filter("options")
    def options(mapping: Any, lang: str) -> list[tuple[str, str]]:
        """(id, name in the interface's language) for a brand table: municipalities, themes, channels."""
        return [(key, _name(item, lang)) for key, item in mapping.items()]

    @app.after_request
    def remember_ui(response: Response) -> Response:
        if request.args.get("ui") in WORDS:
            response.set_cookie("studio_ui", request.args["ui"], samesite="Strict", httponly=True)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.errorhandler(413)
    def too_large(_exc) -> tuple[str, int]:
        return render_template("error.html", text=t("upload too large").format(mb=MAX_UPLOAD // 1024 // 1024)), 413

    @app.errorhandler(KitError)
    def kit_error(exc: KitError) -> tuple[str, int]:
        return render_template("error.html", text=str(exc)), 400

    # ---- the desk ------------------------------------------------------------------------------------------

    @app.get("/")
    def desk() -> str:
        brand = _brand(settings)
        content = load_content(settings, brand)
        loaded = {m.id: m for m in content.messages}
        now = datetime.now(settings.tz)
        rows = []
        for folder in sorted(p for p in settings.messages_dir.iterdir()
                             if p.is_dir() and not p.name.startswith((".", "_")) and ID_PATTERN.match(p.name)):
            rows.append(_desk_row(folder, settings, brand, loaded.get(folder.name), content.problems, now))
        municipality, theme = request.args.get("municipality", ""), request.args.get("theme", "")
        shown = [r for r in rows if (not municipality or municipality in r["municipalities"])
                 and (not theme or theme in r["themes"])]
        groups = [(g, [r for r in shown if r["group"] == g]) for g in GROUPS]
        return render_template("desk.html", groups=[(g, rs) for g, rs in groups if rs], brand=brand,
                               municipality=municipality, theme=theme, total=len(rows), shown=len(shown),
                               publishing=previews.runs.get(PUBLISH), target=redact(settings.publish_target))

    @app.post("/publish")
    def publish() -> Any:
        previews.request(PUBLISH)
        return redirect("/#publishing", 303)

    # ---- new message -----------------------------------------------------------------------------------

    @app.get("/new")
    def new_form() -> str:
        return render_template("new.html", values={"id": "", "title": ""}, error="")

    @app.post("/new")
    def new_create() -> Any:
        from kit.scaffold import new_message

        message_id, title = request.form.get("id", "").strip(), request.form.get("title", "").strip() or "Pealkiri"
        try:
            new_message(settings.messages_dir, message_id, title, settings.default_timezone, settings.languages)
        except KitError as exc:
            return render_template("new.html", values={"id": message_id, "title": title}, error=str(exc)), 422
        return redirect(f"/m/{message_id}", 303)

    # ---- the editor ----------------------------------------------------------------------------------------

    @app.get("/m/<message_id>")
    def editor(message_id: str) -> Any:
        sources = _sources(settings, message_id)
        brand = _brand(settings)
        return _editor(message_id, sources, editing.form_values(sources, settings, brand), brand)

    def _editor(message_id: str, sources: editing.Sources, values: dict[str, Any], brand: Brand,
                problems: list[Problem] | None = None, banner: str = "", status: int = 200,
                approval: hooks.ApprovalProblems | None = None, message: Message | None = None) -> Any:
        if problems is None:
            message, problems = editing.check_sources(settings, brand, message_id, sources)
        run = previews.runs.get(message_id)
        if run and run.state == "done" and status == 200:
            problems = sorted(set(problems) | set(run.problems))
        placed = editing.problems_by_field(problems, settings, set(values))
        stale = {lang: hooks.stale_fields(message, lang) for lang in settings.languages} if message else {}
        jobs = run.jobs if run and run.jobs else _jobs(settings, message_id)
        running = bool(run and run.state != "done")
        files = outputs(settings, jobs, running)
        image = message.image if message else None
        return render_template(
            "editor.html", id=message_id, v=values, versions=sources.versions, placed=placed, problems=problems,
            errors=sum(p.severity == "error" for p in problems), warnings=sum(p.severity == "warning" for p in problems),
            brand=brand, platforms=PLATFORMS, stale=stale, run=run, files=files, running=running,
            saved=request.args.get("saved"), undone=request.args.get("undone"), banner=banner,
            can_undo=bool(last_saved.get(message_id)), approval=approval, image=image, focus_width=FOCUS_WIDTH,
            focus_height=round(FOCUS_WIDTH * image.height / image.width) if image else 0,
            limits=_limits(), preview_lang=request.args.get("preview", ""),
        ), status

    @app.post("/m/<message_id>")
    def save(message_id: str) -> Any:
        brand = _brand(settings)
        sources = _sources(settings, message_id)
        old = editing.form_values(sources, settings, brand)
        form = _posted(old)
        upload, upload_problem = _upload(message_id, sources, form)
        upload = upload or _staged(message_id, str(form.get("image.file", "")))
        focus = _clicked_focus()
        if focus:
            form["image.focus"] = focus
        loaded = {name: request.form.get(f"version.{name}", "") for name in sources.texts}
        changed_on_disk = [name for name in sources.texts if loaded[name] != sources.versions[name]]
        if changed_on_disk:
            names = ", ".join(editing.message_rel(settings, message_id, n) for n in changed_on_disk)
            banner = t("changed on disk").format(files=names)
            loaded_versions = editing.Sources(sources.texts, {**sources.versions, **loaded})
            return _editor(message_id, loaded_versions, form, brand, banner=banner, status=409)
        after = editing.apply_form(sources, form, settings, brand)
        message, problems = editing.check_sources(settings, brand, message_id, after,
                                                  {upload[0]: upload[1]} if upload else None)
        problems += upload_problem
        if any(p.severity == "error" for p in problems):
            if upload and not any(p.field == "image.file" for p in problems):
                # A sound photo sent with a save refused for another field waits in outputs/state/, so that the
                # writer fixes that field and saves again without choosing the file again.
                write_atomic(settings.out / UPLOADS / message_id / upload[0], upload[1])
            else:
                form["image.file"] = old["image.file"]
            return _editor(message_id, sources, form, brand, problems=problems, status=422, message=message,
                           banner=t("not saved"))
        written = []
        try:
            if upload:
                write_atomic(settings.messages_dir / message_id / upload[0], upload[1])
                (settings.out / UPLOADS / message_id / upload[0]).unlink(missing_ok=True)
            for name, text in after.texts.items():
                if text != sources.texts[name]:
                    write_source(settings.root, editing.message_rel(settings, message_id, name), text,
                                 sources.versions[name])
                    written.append(name)
        except SourceChanged as exc:
            return _editor(message_id, sources, form, brand, banner=str(exc), status=409)
        for lang in settings.languages:
            confirmed = set(request.form.getlist(f"{lang}.confirm"))
            edited = set(editing.changed_text_fields(sources, after, lang))
            if lang != "et" and (confirmed or edited):
                hooks.record_translated(settings.root, message_id, lang, sorted(confirmed | edited))
        if written:
            last_saved.set(message_id, written)
        previews.request(message_id)
        return redirect(f"/m/{message_id}?saved=1#previews", 303)

    @app.post("/m/<message_id>/check")
    def check_as_typed(message_id: str) -> Any:
        """The problems of the form as typed, without saving (the page asks while the user types): the loader on
        the would-be files, as on save. Field name -> the problems as `kit check` words them."""
        brand = _brand(settings)
        sources = _sources(settings, message_id)
        form = _posted(editing.form_values(sources, settings, brand))
        after = editing.apply_form(sources, form, settings, brand)
        _, problems = editing.check_sources(settings, brand, message_id, after)
        placed = editing.problems_by_field(problems, settings, set(form) | {"image.file"})
        return {name: [{"text": str(p), "severity": p.severity} for p in found] for name, found in placed.items()}

    @app.post("/m/<message_id>/undo")
    def undo_save(message_id: str) -> Any:
        _sources(settings, message_id)
        for name in last_saved.pop(message_id, []):
            undo(settings.root, editing.message_rel(settings, message_id, name))
        previews.request(message_id)
        return redirect(f"/m/{message_id}?undone=1", 303)

    @app.post("/m/<message_id>/approve")
    def approve(message_id: str) -> Any:
        sources = _sources(settings, message_id)
        brand = _brand(settings)
        by = request.form.get("by", "").strip()
        values = editing.form_values(sources, settings, brand)
        if not by:
            return _editor(message_id, sources, values, brand, banner=t("approver needed"), status=422)
        try:
            hooks.approve(settings.root, message_id, by, datetime.now(settings.tz),
                          accept_warnings=bool(request.form.get("accept_warnings")))
        except hooks.ApprovalProblems as exc:
            return _editor(message_id, sources, values, brand, approval=exc, status=422)
        last_saved.pop(message_id, None)
        previews.request(message_id)
        return redirect(f"/m/{message_id}?saved=approved", 303)

    @app.get("/m/<message_id>/previews")
    def preview_list(message_id: str) -> Any:
        _sources(settings, message_id)
        run = previews.runs.get(message_id)
        jobs = run.jobs if run and run.jobs else _jobs(settings, message_id)
        running = bool(run and run.state != "done")
        return render_template("previews.html", id=message_id, run=run, running=running,
                               files=outputs(settings, jobs, running), preview_lang=request.args.get("preview", ""))

    @app.get("/m/<message_id>/photo")
    def photo(message_id: str) -> Any:
        """The message's photo as the loader accepted it (never a path from the request), small, for the focus."""
        sources = _sources(settings, message_id)
        message, _ = editing.check_sources(settings, _brand(settings), message_id, sources)
        if message is None or message.image is None:
            abort(404)
        with Image.open(settings.messages_dir / message_id / message.image.path.name) as image:
            small = ImageOps.exif_transpose(image).convert("RGB")
            small.thumbnail((FOCUS_WIDTH * 2, FOCUS_WIDTH * 4))
        data = io.BytesIO()
        small.save(data, "JPEG", quality=85)
        data.seek(0)
        return send_file(data, mimetype="image/jpeg", max_age=0)

    @app.get("/out/<path:rel>")
    def output_file(rel: str) -> Any:
        return send_from_directory(settings.out / "kit", rel, max_age=0)

    def _staged(message_id: str, name: str) -> tuple[str, bytes] | None:
        """The photo of an earlier refused save, named by the form's image.file: only a name the studio made,
        only from its own waiting room, and only while the message folder has no such file yet."""
        if not UPLOADED.fullmatch(name) or (settings.messages_dir / message_id / name).exists():
            return None
        waiting = settings.out / UPLOADS / message_id / name
        return (name, waiting.read_bytes()) if waiting.is_file() else None

    def _upload(message_id: str, sources: editing.Sources, form: dict[str, Any]) -> tuple[tuple[str, bytes] | None, list[Problem]]:
        file = request.files.get("image.upload")
        if file is None or not file.filename:
            return None, []
        suffix = IMAGE_SUFFIXES.get(Path(file.filename).suffix.lower())
        rel = editing.message_rel(settings, message_id, "message.yaml")
        if suffix is None:
            return None, [Problem(rel, 0, "image.file", t("image type"))]
        data = file.read(MAX_UPLOAD + 1)
        stem = re.sub(r"[^a-z0-9]+", "-", Path(file.filename).stem.lower()).strip("-")[:40] or "photo"
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
        form["image.file"] = name
        return (name, data), []

    return app


def _csrf_token(path: Path) -> str:
    """The token every form carries. Kept (readable by this user only) in outputs/state/, so that a page opened
    before the studio was restarted still saves: what was typed there is not refused."""
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32:
            return token
    except (OSError, UnicodeDecodeError):
        pass
    token = secrets.token_urlsafe(32)
    write_atomic(path, token.encode("ascii"))
    path.chmod(0o600)
    return token


class LastSaves:
    """Message id -> the files its last save wrote, kept in outputs/state/ so undo survives a restart."""

    def __init__(self, path: Path):
        self.path = path

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, message_id: str) -> list[str]:
        names = self._read().get(message_id, [])
        return [n for n in names if isinstance(n, str) and re.fullmatch(r"message\.yaml|[a-z]{2,3}\.md", n)]

    def set(self, message_id: str, names: list[str]) -> None:
        write_atomic(self.path, json.dumps({**self._read(), message_id: names}, indent=1).encode())

    def pop(self, message_id: str, default: Any = None) -> list[str]:
        names = self.get(message_id)
        data = self._read()
        if data.pop(message_id, None) is not None:
            write_atomic(self.path, json.dumps(data, indent=1).encode())
        return names


def _clicked_focus() -> str:
    """A click on the photo (an <input type=image>, so it works without JavaScript) gives its x and y in CSS px."""
    try:
        x, y = float(request.form["focus.x"]), float(request.form["focus.y"])
        width = float(request.form.get("focus.width", FOCUS_WIDTH))  # as shown: a script says if a phone shrank it
        height = float(request.form.get("focus.height", "0"))
    except (KeyError, ValueError):
        return ""
    if width <= 0 or height <= 0 or (x, y) == (0, 0):  # (0, 0): Enter on the picture, not a click on it
        return ""
    fx, fy = min(max(x / width, 0), 1), min(max(y / height, 0), 1)
    return f"{fx:.2f} {fy:.2f}"


LANG_NAMES = {"et": "eesti", "en": "English", "vro": "võro"}
GROUPS = ("waiting", "approved", "embargoed", "published", "expired", "drafts", "withdrawn")


def _name(item: Any, lang: str) -> str:
    names = getattr(item, "names", None)
    if names is not None:
        return str(names.get(lang) or names.get("et") or item.id)
    return str(getattr(item, "name", item.id))


def ui_lang() -> str:
    chosen = request.args.get("ui") or request.cookies.get("studio_ui", "et")
    return chosen if chosen in WORDS else "et"


def _posted(old: dict[str, Any]) -> dict[str, Any]:
    """The form as posted, one value per control; a control the page did not send keeps the file's value."""
    form: dict[str, Any] = {}
    for name, value in old.items():
        if name == "id":
            continue
        if isinstance(value, list):
            form[name] = request.form.getlist(name) if f"{name}.sent" in request.form else value
        elif name == "tartu2024":
            form[name] = "true" if request.form.get(name) else ""
        else:
            form[name] = request.form.get(name, value)
    return form


def _brand(settings: Settings) -> Brand:
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    return brand


def _sources(settings: Settings, message_id: str) -> editing.Sources:
    if not ID_PATTERN.match(message_id) or not (settings.messages_dir / message_id / "message.yaml").is_file():
        abort(404)
    return editing.read_sources(settings, message_id)


def _jobs(settings: Settings, message_id: str) -> list:
    try:
        return message_jobs(settings, message_id)
    except KitError:
        return []


def _limits() -> dict[str, Any]:
    """The platform rules the live counters use, from kit/data/platforms.yaml."""
    r = rules()
    return {name: {"caption": p.caption_limit, "alt": p.alt_limit, "hashtags": p.hashtag_limit,
                   "weighted": p.weighted, "url": p.url_weight} for name, p in r.platforms.items()}


def _desk_row(folder: Path, settings: Settings, brand: Brand, message: Message | None, problems, now: datetime) -> dict:
    prefix = f"{settings.messages_dir.relative_to(settings.root).as_posix()}/{folder.name}/"
    mine = [p for p in problems if p.path.startswith(prefix)]
    errors = sum(p.severity == "error" for p in mine)
    sources = editing.read_sources(settings, folder.name)
    values = editing.form_values(sources, settings, brand)
    present = [lang for lang in settings.languages if sources.texts.get(f"{lang}.md")]
    stale = [lang for lang in present if message and hooks.stale_fields(message, lang)]
    status = values["status"]
    when = ""
    if status == "withdrawn":
        group = "withdrawn"
    elif message is None or status != "approved":
        placeholder = any("placeholder" in p.text for p in mine)
        group = "drafts" if errors or placeholder or status != "draft" else "waiting"
    elif message.embargo and now < message.embargo:
        group, when = "embargoed", message.embargo.strftime("%d.%m.%Y %H:%M")
    elif message.expires and now >= message.expires:
        group = "expired"
    elif message.is_public(now) and now >= message.published:
        group = "published"
    else:
        group = "approved"
    return {"id": folder.name, "title": values.get("et.title") or folder.name, "group": group, "when": when,
            "present": present, "stale": stale, "municipalities": values["municipalities"], "themes": values["themes"],
            "everywhere": set(values["municipalities"]) >= set(brand.municipalities),
            "event": message.event.start.strftime("%d.%m.%Y %H:%M") if message and message.event else "",
            "errors": errors, "warnings": len(mine) - errors,
            "status": status}
