"""Thin commands over library functions. A KitError prints its message and exits 1; --debug shows tracebacks."""
from __future__ import annotations

import gc
import os
import sys
import warnings
from datetime import datetime
from pathlib import Path

import click

from kit.config import Settings, load_settings
from kit.errors import ContentError, KitError


GC_ALLOCATIONS = 70_000


def _settings(ctx: click.Context) -> Settings:
    return load_settings(Path(ctx.obj["root"]))


class KitGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KitError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _print_error(exc)
            sys.exit(1)
        except ModuleNotFoundError as exc:  # a pull-only install (`pip install kit`) asked to render
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: this command needs the rendering libraries ({exc.name} is not installed); "
                       "install them with: pip install 'kit[render]' (make kit does)", err=True)
            sys.exit(1)


def _print_error(exc: KitError) -> None:
    if isinstance(exc, ContentError):
        errors = [p for p in exc.problems if p.severity == "error"]
        click.echo(f"{len(errors)} error(s):", err=True)
        for problem in errors:
            click.echo(f"  {problem}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)


@click.group(cls=KitGroup)
@click.option("--root", default=".", type=click.Path(file_okay=False), help="Project folder (default: here).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def main(ctx: click.Context, root: str, debug: bool) -> None:
    """kit – the message kit of Loov Võru maakond."""
    ctx.obj = {"root": root, "debug": debug}
    # A build holds a few million long-lived objects (the manifest, the messages, the site's catalog): with
    # Python's default threshold (a collection every 700 allocations) the cycle collector walked them 2 000 times,
    # 1.5 s of a one-edit build at 1 000 messages. Collections stay, a hundredth as often (workers inherit it).
    gc.set_threshold(GC_ALLOCATIONS, *gc.get_threshold()[1:])
    if debug:
        os.environ["KIT_DEBUG"] = "1"
    else:  # a language fallback or similar is said as one plain line, not with Python's source excerpt
        warnings.showwarning = lambda message, *args, **kwargs: click.echo(f"warning: {message}", err=True)


@main.command()
@click.option("--now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M"]), help="Pretend it is this moment (embargoes).")
@click.option("--workers", type=int, help="Worker processes (default: one per CPU).")
@click.option("--message", "messages", multiple=True, metavar="ID",
              help="Render only this message's outputs and the newsletter issues it is in (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Render only this output kind: social, poster, newsletter, press (repeatable).")
@click.option("--site-only", is_flag=True, help="Render nothing; remake the site from what is built.")
@click.pass_context
def build(ctx: click.Context, now: datetime | None, workers: int | None, messages: tuple[str, ...],
          kinds: tuple[str, ...], site_only: bool) -> None:
    """Render the messages into outputs/ (every one, or those chosen), then make the site."""
    from kit.build import build as run_build

    settings = _settings(ctx)
    moment = now.replace(tzinfo=settings.tz) if now else None
    report = run_build(settings, now=moment, progress=_progress(), workers=workers, messages=messages, kinds=kinds,
                       site_only=site_only)
    for problem in report.warnings:
        click.echo(f"warning: {problem}", err=True)
    for line in report.render_warnings:
        click.echo(f"warning: {line}", err=True)
    for notice in report.environment_notices:
        click.echo(f"notice about this machine (not your messages): {notice} "
                   "Run scripts/bootstrap.sh again to install the missing system library.", err=True)
    if site_only:
        click.echo(f"Site made from {report.site_jobs} built jobs, nothing rendered, "
                   f"{report.removed} old files removed ({report.seconds:.1f} s).")
    elif report.rendered == 0 and not report.failed:
        click.echo(f"Nothing changed: {report.planned} jobs up to date, none rendered ({report.seconds:.1f} s).")
    else:
        click.echo(f"Rendered {report.rendered} of {report.planned} jobs, {report.skipped} up to date, "
                   f"{len(report.failed)} failed, {report.removed} old files removed ({report.seconds:.1f} s).")
    if report.not_rebuilt:
        click.echo(f"Out of date, not rendered by this build: {', '.join(report.not_rebuilt)} "
                   "(a plain kit build renders them).", err=True)
    click.echo(f"Review sheet: {settings.out / 'review' / 'index.html'}")
    for result in report.failed:
        click.echo(f"failed: {result.job.key}: {result.error}", err=True)
    for line in report.held_back:
        click.echo(line, err=True)
    if report.failed:
        sys.exit(1)


def _progress():
    from kit.build import plain_progress

    if sys.stderr.isatty() and not os.environ.get("CI"):
        from kit.progress import bar_progress

        return bar_progress()
    return plain_progress()


@main.command()
@click.option("--message", "messages", multiple=True, metavar="ID",
              help="Check only this message (repeatable); the brand and settings are always checked.")
@click.option("--now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M"]),
              help="Pretend it is this moment (embargoes, calendars), as `kit build --now` does.")
@click.pass_context
def check(ctx: click.Context, messages: tuple[str, ...], now: datetime | None) -> None:
    """Report every problem in the messages and the brand at once."""
    from kit.check import check_project

    settings = _settings(ctx)
    problems = check_project(settings, messages=messages, now=now.replace(tzinfo=settings.tz) if now else None)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for problem in errors:
        click.echo(str(problem))
    if warnings:
        click.echo(f"{len(warnings)} warning(s):")
        for problem in warnings:
            click.echo(f"  {problem}")
    if errors:
        click.echo(f"{len(errors)} error(s).", err=True)
        sys.exit(1)
    click.echo("No errors.")


@main.command()
@click.argument("message_id")
@click.option("--title", default="Pealkiri", help="The Estonian title.")
@click.pass_context
def new(ctx: click.Context, message_id: str, title: str) -> None:
    """Create messages/MESSAGE_ID with every field ready to fill in."""
    from kit.scaffold import new_message

    settings = _settings(ctx)
    folder = new_message(settings.messages_dir, message_id, title, settings.default_timezone, settings.languages)
    click.echo(f"Created {folder}. Edit its files, then run: kit check")


@main.command()
@click.argument("message_id")
@click.argument("lang")
@click.option("--field", "fields", multiple=True, metavar="FIELD",
              help="Record only this field (repeatable): title, summary, points, quote, cta, image_alt, "
                   "image_credit, hashtags, social, project, body. Default: all.")
@click.pass_context
def translated(ctx: click.Context, message_id: str, lang: str, fields: tuple[str, ...]) -> None:
    """Record that messages/MESSAGE_ID/LANG.md translates the current Estonian text (clears its stale warnings)."""
    from kit.translation import record_translated

    record_translated(Path(ctx.obj["root"]), message_id, lang, fields or None)
    what = ", ".join(fields) if fields else "every field"
    click.echo(f"Recorded: the {lang} translation of {message_id} matches the current Estonian text ({what}).")


@main.command()
@click.argument("message_id")
@click.option("--by", required=True, help="Who approves: your name, recorded in message.yaml.")
@click.option("--yes", is_flag=True, help="Approve despite warnings, without asking.")
@click.pass_context
def approve(ctx: click.Context, message_id: str, by: str, yes: bool) -> None:
    """Check MESSAGE_ID; approve it (status, who and when in message.yaml) unless it has errors."""
    from kit.approval import NeedsConfirmation, approve as run_approve

    root = Path(ctx.obj["root"])
    when = datetime.now(_settings(ctx).tz)
    try:
        run_approve(root, message_id, by, when, accept_warnings=yes)
    except NeedsConfirmation as exc:
        click.echo(str(exc), err=True)
        if not sys.stdin.isatty():
            raise KitError(f"{message_id} was not approved: it has warnings and there is no terminal to ask; "
                           "read them, then run kit approve again with --yes") from None
        if not click.confirm("Approve it despite these warnings?", default=False, err=True):
            click.echo(f"{message_id} was not approved.", err=True)
            sys.exit(1)
        run_approve(root, message_id, by, when, accept_warnings=True)
    click.echo(f"Approved {message_id}: status approved, by {' '.join(by.split())} at "
               f"{when.strftime('%Y-%m-%d %H:%M %Z')}. Run kit build to make its outputs final.")


@main.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Serve outputs/site on 127.0.0.1 (ETag, Last-Modified, 304)."""
    from kit.serve import serve as make_server

    settings = _settings(ctx)
    server = make_server(settings.out / "site", port=port)
    click.echo(f"Serving {settings.out / 'site'} at http://127.0.0.1:{port}/ (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.command()
@click.option("--port", default=8100, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine needs --password.")
@click.option("--password", envvar="KIT_STUDIO_PASSWORD", default="", help="Required with another --host.")
@click.option("--no-open", is_flag=True, help="Do not open the browser.")
@click.pass_context
def studio(ctx: click.Context, port: int, host: str, password: str, no_open: bool) -> None:
    """Write, translate, preview and approve messages in the browser (http://127.0.0.1:8100/)."""
    from kit.studio import serve as run_studio

    run_studio(_settings(ctx), host=host, port=port, password=password, open_browser=not no_open)


@main.command()
@click.option("--target", help="Folder or http(s) WebDAV address (default: publish_target in pyproject.toml).")
@click.pass_context
def publish(ctx: click.Context, target: str | None) -> None:
    """Send outputs/site to the publish target: only what changed, feeds last, then ping WebSub hubs."""
    from kit.publish import publish as run_publish
    from kit.publish.websub import ping

    settings = _settings(ctx)
    report = run_publish(settings, target)
    click.echo(f"Published: {report.sent} sent, {report.deleted} deleted, {report.unchanged} unchanged.")
    if settings.websub_hubs and report.sent:
        count = ping(settings.websub_hubs, [settings.site_url + feed for feed in report.feeds])
        click.echo(f"WebSub: {count} ping(s) sent.")


@main.command()
@click.argument("feed_url")
@click.option("--municipality", help="Only material for this municipality (its id, e.g. rouge).")
@click.option("--dest", required=True, type=click.Path(file_okay=False), help="Folder to download into.")
def pull(feed_url: str, municipality: str | None, dest: str) -> None:
    """Fetch new or changed material from a kit feed (a partner's side)."""
    from kit.pull import pull as run_pull

    report = run_pull(feed_url, Path(dest), municipality)
    if report.not_modified:
        click.echo("The feed has not changed since the last pull.")
    else:
        click.echo(f"Downloaded {len(report.downloaded)} file(s), {report.unchanged} already up to date.")


@main.command()
@click.argument("message_id")
@click.option("--for", "partner", metavar="PARTNER", help="Make the review packet for this partner (tartu2024) and "
              "record the request.")
@click.option("--approved-by", metavar='"NAME, ORGANISATION"', help="Record the partner's approval of the texts "
              "the packet showed.")
@click.option("--no-build", is_flag=True, help="Refuse, rather than build the message, when its outputs are not built.")
@click.pass_context
def review(ctx: click.Context, message_id: str, partner: str | None, approved_by: str | None, no_build: bool) -> None:
    """Partner review (Tartu 2024): make the packet and record the request, or record the answer."""
    from kit.partner import make_packet, record_approval, record_request

    settings = _settings(ctx)
    if bool(partner) == bool(approved_by):
        raise KitError("kit review: give either --for tartu2024 (make the packet) or --approved-by "
                       "\"Name, organisation\" (record the answer)")
    if approved_by:
        record = record_approval(settings, message_id, approved_by)
        click.echo(f"Recorded: {message_id} approved by {record.approved_by} "
                   f"(messages/{message_id}/message.yaml). An edit to a reviewed text voids it.")
        _refresh_review_sheet(settings)
        return
    assert partner is not None
    packet = make_packet(settings, message_id, partner, build_first=not no_build)
    record_request(settings, message_id, partner)
    if packet.built:
        click.echo(f"Built {message_id} first (its outputs were missing or out of date).")
    click.echo(f"Review packet: {packet.pdf} ({packet.pages} pages)\nWith the files: {packet.zip} "
               f"({len(packet.files)} files)\nRecorded the request in messages/{message_id}/message.yaml. Send both "
               f"to the Tartu 2024 Foundation; record its answer with: kit review {message_id} --approved-by "
               "\"Name, organisation\"")
    _refresh_review_sheet(settings)


def _refresh_review_sheet(settings: Settings) -> None:
    """Remake the review sheet (and the site, which renders nothing) so it shows the review just recorded."""
    from kit.build import build as run_build

    try:
        run_build(settings, site_only=True)
    except KitError:
        click.echo("The review sheet shows this after the next kit build (the project has errors now: kit check).",
                   err=True)
        return
    click.echo(f"Review sheet: {settings.out / 'review' / 'index.html'}")
