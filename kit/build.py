"""`kit build`: load → validate → plan → render → write → site, as one linear function."""
from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Collection, Iterator

from kit.brand import load_brand
from kit.config import Settings
from kit.content import Content, load_content
from kit.errors import ContentError, KitError, Problem
from kit.i18n import reset_fallback_warnings
from kit.model import Brand, Job, JobResult
from kit.plan import buildable, plan
from kit.render import Registry, RenderContext, builtin_registry
from kit.render.pdf import environment_notices
from kit.site import WebFonts, build_site
from kit.store import MESSAGE_MEMO, Store
from kit.workers import current, use_here, worker_pool

__all__ = ["build", "BuildReport", "load_project", "select", "plain_progress", "render_one"]

Progress = Callable[[int, int, JobResult], None]


@dataclass(frozen=True)
class BuildReport:
    planned: int
    rendered: int
    failed: tuple[JobResult, ...]
    warnings: tuple[Problem, ...]
    removed: int
    seconds: float
    render_warnings: tuple[str, ...] = field(default_factory=tuple)
    environment_notices: tuple[str, ...] = field(default_factory=tuple)  # said once, not per job
    held_back: tuple[str, ...] = field(default_factory=tuple)  # messages not published whole, and what the site keeps
    # Messages (and newsletter issues) with jobs out of date that this build was told not to render (--message, --kind,
    # --site-only): the site keeps their previous version until they are built.
    not_rebuilt: tuple[str, ...] = field(default_factory=tuple)
    site_jobs: int = 0  # the jobs the site was made from: rendered now or before

    @property
    def skipped(self) -> int:
        return self.planned - self.rendered - len(self.failed)


def load_project(settings: Settings, known=None) -> tuple[Brand, Content]:
    """Load brand and messages; raise ContentError with every error found, in brand and content alike.
    `known`: the message memo of the last build (Content.loaded); folders unchanged since are not read again."""
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    content = load_content(settings, brand, known=known)
    if content.errors:
        raise ContentError(list(content.problems))
    return brand, content


def build(settings: Settings, now: datetime | None = None, progress: Progress | None = None,
          registry: Registry | None = None, workers: int | None = None, messages: Collection[str] = (),
          kinds: Collection[str] = (), site_only: bool = False) -> BuildReport:
    """Plan every job, render the selected ones that are not current, then make the site from all that is built.

    `messages` and `kinds` narrow what is rendered (a newsletter issue belongs to each message in it);
    `site_only` renders nothing. Whatever is selected, every output of what still exists is left as it is:
    only the files of deleted or withdrawn messages, dropped languages and vanished variants are removed.
    """
    started = time.perf_counter()
    store = Store.open(settings.out)
    known = store.read_memo(MESSAGE_MEMO)
    brand, content = load_project(settings, known)
    if _memo_keys(content.loaded) != _memo_keys(known):  # rewritten only when a folder was read anew
        store.write_memo(MESSAGE_MEMO, content.loaded)
    ctx = RenderContext(settings=settings, brand=brand, messages={m.id: m for m in content.messages},
                        now=now or datetime.now(settings.tz), intros=content.intros or {})
    registry = registry or builtin_registry()
    jobs = plan(ctx, registry)
    selected = select(jobs, ctx, registry, messages, kinds)  # checks the names even for --site-only
    selected = [] if site_only else selected
    web_fonts = WebFonts(ctx, store)  # converted, if a font changed, while the workers render
    todo = render_order([job for job in selected if not store.is_current(job)], settings.languages, bool(messages))
    rendered = 0
    failed: list[JobResult] = []
    render_warnings: list[str] = []
    notices: set[str] = set()
    for done, result in enumerate(render_all(todo, ctx, registry, workers, meanwhile=web_fonts.start), start=1):
        store.save(result)
        if result.error:
            failed.append(result)
        else:
            rendered += 1
        render_warnings.extend(f"{result.job.key}: {w}" for w in result.warnings)
        notices.update(result.notices)
        if progress:
            progress(done, len(todo), result)
    alive = {m.id for m in ctx.messages.values() if buildable(m)}
    removed = store.forget_gone(jobs, registry.names(), settings.languages, alive)
    store.commit()
    # The site sees every built job, rendered now or before, so it stays whole whatever was selected.
    others = [job for job in store.built_jobs(skip_kinds=registry.names())
              if job.lang in settings.languages and all(m in alive for m in job.sources)]
    held_back = build_site(ctx, registry, jobs + others, store, content.warnings, web_fonts)
    chosen = {job.key for job in selected}
    stale = sorted({job.message_id for job in jobs if job.key not in chosen and not store.is_current(job)})
    return BuildReport(planned=len(selected), rendered=rendered, failed=tuple(failed), warnings=tuple(content.warnings),
                       removed=len(removed), seconds=time.perf_counter() - started,
                       render_warnings=tuple(render_warnings), environment_notices=tuple(sorted(notices)),
                       held_back=held_back, not_rebuilt=tuple(stale), site_jobs=len(jobs) + len(others))


def render_order(jobs: list[Job], languages: tuple[str, ...] | list[str], chosen_messages: bool) -> list[Job]:
    """The order jobs are handed to the workers in; it changes no byte.

    A build of chosen messages (the studio's `--message`) renders one language's outputs first, then the next (a
    newsletter issue with its language's messages): the writer sees a language's previews as soon as they are done.
    Any other build renders each output of a message in every language one after the other, so the worker that
    crops and scales the message's photo for a card, or encodes its press photo, does it once for all languages
    (the per-worker caches in kit/render/canvas.py and kit/render/press.py); otherwise the languages are a third
    of the build apart, and the caches long forgotten."""
    if chosen_messages:
        return sorted(jobs, key=lambda j: languages.index(j.lang))
    first_seen: dict[tuple[str, str, str], int] = {}
    for job in jobs:  # planned message by message, then language, kind and variant
        first_seen.setdefault((job.message_id, job.kind, job.variant), len(first_seen))
    return sorted(jobs, key=lambda j: (first_seen[j.message_id, j.kind, j.variant], languages.index(j.lang)))


def _memo_keys(memo) -> dict[str, str] | None:
    return {name: loaded.key for name, loaded in memo.items()} if isinstance(memo, dict) else None


def select(jobs: list[Job], ctx: RenderContext, registry: Registry, messages: Collection[str] = (),
           kinds: Collection[str] = ()) -> list[Job]:
    """The jobs of these messages (and the newsletter issues containing them) and of these kinds; all by default."""
    unknown = [f"--message: no message '{m}' (no messages/{m}/message.yaml)" for m in messages if m not in ctx.messages]
    unknown += [f"--kind: no output kind '{k}' (there are: {', '.join(registry.names())})"
                for k in kinds if k not in registry.names()]
    if unknown:
        raise KitError("; ".join(unknown))
    return [job for job in jobs if (not kinds or job.kind in kinds)
            and (not messages or any(m in messages for m in job.sources))]


# ---- rendering in worker processes -------------------------------------------------------------

def render_job(job: Job) -> JobResult:
    """Render one job in a worker; any failure becomes an error on the result, never a crashed build."""
    ctx, registry = current()
    reset_fallback_warnings()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ResourceWarning)  # WeasyPrint leaves its own ICC file open; not ours
        try:
            artifacts = registry.get(job.kind).render(job, ctx)
        except KitError as exc:
            return JobResult(job=job, error=str(exc))
        except Exception as exc:  # a renderer bug must not stop the other jobs
            detail = traceback.format_exc() if os.environ.get("KIT_DEBUG") else f"{type(exc).__name__}: {exc}"
            return JobResult(job=job, error=f"internal error: {detail}")
    expected, produced = set(job.outputs), {a.path for a in artifacts}
    if expected != produced:
        return JobResult(job=job, error=f"renderer produced {sorted(produced)}, planned {sorted(expected)}")
    # A library's DeprecationWarning (WeasyPrint's "HarfBuzz-Subset will be required") is about the machine.
    about_machine = {str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)}
    about_job = {str(w.message) for w in caught} - about_machine
    return JobResult(job=job, artifacts=tuple(artifacts), warnings=tuple(sorted(about_job)),
                     notices=tuple(sorted(about_machine.union(environment_notices()))))


def render_one(job: Job, ctx: RenderContext, registry: Registry) -> JobResult:
    """Render one job in this process, exactly as a build's worker would (the studio's first preview)."""
    use_here(ctx, registry)
    return render_job(job)


def render_all(jobs: list[Job], ctx: RenderContext, registry: Registry, workers: int | None,
               meanwhile: Callable[[], None] = lambda: None) -> Iterator[JobResult]:
    """`meanwhile` starts the parent's own work in a thread once the workers are forked (a process with threads
    must not fork)."""
    if not jobs:
        return
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1:
        use_here(ctx, registry)
        meanwhile()
        yield from map(render_job, jobs)
        return
    with worker_pool(workers, ctx, registry) as pool:
        results = pool.map(render_job, jobs, chunksize=max(1, min(8, len(jobs) // (workers * 8))))  # forks here
        meanwhile()
        yield from results


def plain_progress(stream=sys.stderr) -> Progress:
    """One line per tenth of the work: readable in CI logs, where a progress bar is noise."""
    def report(done: int, total: int, result: JobResult) -> None:
        if result.error:
            print(f"  failed: {result.job.key}: {result.error}", file=stream, flush=True)
        if done == total or done % max(1, total // 10) == 0:
            print(f"  rendered {done}/{total}", file=stream, flush=True)
    return report
