"""`kit build`: load → validate → plan → render → write → site, as one linear function."""
from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterator

from kit.brand import load_brand
from kit.config import Settings
from kit.content import Content, load_content
from kit.errors import ContentError, KitError, Problem
from kit.i18n import reset_fallback_warnings
from kit.model import Brand, Job, JobResult
from kit.plan import plan
from kit.render import Registry, RenderContext, builtin_registry
from kit.render.pdf import environment_notices
from kit.site import build_site
from kit.store import Store

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

    @property
    def skipped(self) -> int:
        return self.planned - self.rendered - len(self.failed)


def load_project(settings: Settings) -> tuple[Brand, Content]:
    """Load brand and messages; raise ContentError with every error found, in brand and content alike."""
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    content = load_content(settings, brand)
    if content.errors:
        raise ContentError(list(content.problems))
    return brand, content


def build(settings: Settings, now: datetime | None = None, progress: Progress | None = None,
          registry: Registry | None = None, workers: int | None = None) -> BuildReport:
    started = time.perf_counter()
    brand, content = load_project(settings)
    ctx = RenderContext(settings=settings, brand=brand, messages={m.id: m for m in content.messages},
                        now=now or datetime.now(settings.tz), intros=content.intros or {})
    registry = registry or builtin_registry()
    jobs = plan(ctx, registry)
    store = Store.open(settings.out)
    todo = [job for job in jobs if not store.is_current(job)]
    rendered, failed, render_warnings, notices = 0, [], [], set()
    for done, result in enumerate(render_all(todo, ctx, registry, workers), start=1):
        store.save(result)
        if result.error:
            failed.append(result)
        else:
            rendered += 1
        render_warnings.extend(f"{result.job.key}: {w}" for w in result.warnings)
        notices.update(result.notices)
        if progress:
            progress(done, len(todo), result)
    removed = store.forget_unplanned(jobs)
    store.commit()
    held_back = build_site(ctx, jobs, store, content.warnings)
    return BuildReport(planned=len(jobs), rendered=rendered, failed=tuple(failed), warnings=tuple(content.warnings), removed=len(removed),
                       seconds=time.perf_counter() - started, render_warnings=tuple(render_warnings),
                       environment_notices=tuple(sorted(notices)), held_back=held_back)


# ---- rendering in worker processes -------------------------------------------------------------

_worker: dict = {}


def _init_worker(ctx: RenderContext, registry: Registry) -> None:
    _worker["ctx"], _worker["registry"] = ctx, registry


def render_job(job: Job) -> JobResult:
    """Render one job in a worker; any failure becomes an error on the result, never a crashed build."""
    ctx, registry = _worker["ctx"], _worker["registry"]
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


def render_all(jobs: list[Job], ctx: RenderContext, registry: Registry, workers: int | None) -> Iterator[JobResult]:
    if not jobs:
        return
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1:
        _init_worker(ctx, registry)
        yield from map(render_job, jobs)
        return
    # Long-lived workers: each pays WeasyPrint's import and font set-up once, not once per document.
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(ctx, registry)) as pool:
        yield from pool.map(render_job, jobs, chunksize=max(1, min(8, len(jobs) // (workers * 8))))


def plain_progress(stream=sys.stderr) -> Progress:
    """One line per tenth of the work: readable in CI logs, where a progress bar is noise."""
    def report(done: int, total: int, result: JobResult) -> None:
        if result.error:
            print(f"  failed: {result.job.key}: {result.error}", file=stream, flush=True)
        if done == total or done % max(1, total // 10) == 0:
            print(f"  rendered {done}/{total}", file=stream, flush=True)
    return report
