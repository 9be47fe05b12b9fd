"""`kit build`: load → validate → plan → render → write → site, as one linear function."""
from __future__ import annotations

import gc
import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Callable, Collection, Iterator, Mapping, Sequence

from kit import found
from kit.brand import load_brand
from kit.config import Settings
from kit.content import Content, load_content
from kit.errors import ContentError, KitError, Problem
from kit.i18n import reset_fallback_warnings
from kit.libraries import lookups_kept
from kit.model import Brand, Job, JobResult
from kit.plan import PLAN_MEMO, PlanMemo, buildable, plan_from
from kit.render import Registry, RenderContext, builtin_registry
from kit.render.pdf import environment_notices
from kit.site import WebFonts, build_site
from kit.store import MESSAGE_MEMO, Store
from kit.workers import Beside, beside, current, use_here, worker_pool

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
    kept_plan = store.read_memo(PLAN_MEMO)
    kept_plan = kept_plan if isinstance(kept_plan, PlanMemo) else None
    stats = _stats_beside(store, kept_plan)
    try:
        known = store.read_memo(MESSAGE_MEMO)
        recalled = found.recall(store)
        brand, content = load_project(settings, known)
        if _memo_keys(content.loaded) != _memo_keys(known):  # rewritten only when a folder was read anew
            store.write_memo(MESSAGE_MEMO, content.loaded)
        ctx = RenderContext(settings=settings, brand=brand, messages={m.id: m for m in content.messages},
                            now=now or datetime.now(settings.tz), intros=content.intros or {})
        registry = registry or builtin_registry()
        jobs, planned = plan_from(ctx, registry, kept_plan)
        if planned is not kept_plan:
            store.write_memo(PLAN_MEMO, planned)
        if stats:
            store.take_stats(stats[0], stats[1].result() or b"")
    finally:
        if stats:
            stats[1].cancel()
    selected = select(jobs, ctx, registry, messages, kinds)  # checks the names even for --site-only
    selected = [] if site_only else selected
    web_fonts = WebFonts(ctx, store)  # converted, if a font changed, while the workers render
    todo = store.outdated(selected)
    rendered = 0
    failed: list[JobResult] = []
    render_warnings: list[str] = []
    notices: set[str] = set()
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    batches = render_batches(todo, settings.languages, bool(messages), workers,
                             {renderer.name: renderer.cost for renderer in registry})
    for done, result in enumerate(render_all(batches, ctx, registry, workers, meanwhile=web_fonts.start), start=1):
        store.save(result)
        if result.error:
            failed.append(result)
        else:
            rendered += 1
        render_warnings.extend(f"{result.job.key}: {w}" for w in result.warnings)
        notices.update(result.notices)
        if progress:
            progress(done, len(todo), result)
    found.keep(store, recalled)  # after the render: its warm-up may have looked up system libraries
    alive = {m.id for m in ctx.messages.values() if buildable(m)}
    removed = store.forget_gone(jobs, registry.names(), settings.languages, alive)
    store.commit()
    # The site sees every built job, rendered now or before, so it stays whole whatever was selected.
    others = [job for job in store.built_jobs(skip_kinds=registry.names())
              if job.lang in settings.languages and all(m in alive for m in job.sources)]
    # What is loaded and planned lives until the build ends: frozen, the cycle collector stops walking it while the
    # site stage allocates its hundreds of thousands of objects (0.3 -> 0.15 s of a one-edit build at 1 000).
    gc.freeze()
    try:
        held_back = build_site(ctx, registry, jobs + others, store, content.warnings, web_fonts,
                               may_skip=not (site_only or rendered or failed or removed))
    finally:
        gc.unfreeze()  # a process that builds again (the tests, a library user) gets them collected as before
    stale: list[str] = []
    if len(selected) < len(jobs):  # only a narrowed build leaves jobs out (37 000 keys at 1 000 messages otherwise)
        chosen = {job.key for job in selected}
        stale = sorted({job.message_id for job in jobs if job.key not in chosen and not store.is_current(job)})
    return BuildReport(planned=len(selected), rendered=rendered, failed=tuple(failed), warnings=tuple(content.warnings),
                       removed=len(removed), seconds=time.perf_counter() - started,
                       render_warnings=tuple(render_warnings), environment_notices=tuple(sorted(notices)),
                       held_back=held_back, not_rebuilt=tuple(stale), site_jobs=len(jobs) + len(others))


# Below this many jobs in the last plan, stating their files here takes no longer than forking a process to do it.
STATS_BESIDE_FROM = 5_000


def _stats_beside(store: Store, kept_plan: PlanMemo | None) -> tuple[list[str], Beside[bytes]] | None:
    """Every file the last plan's jobs made, stated in a fork while this process loads the messages and plans: the
    stats that prove a job's files are all there (`Store.is_current`) and the site whole (`Store.site_is_whole`).
    At 1 000 messages that is 92 000 stats, a third of a second of every build, on the core the build leaves idle
    until it renders."""
    if kept_plan is None or sum(len(jobs) for _fingerprint, jobs in kept_plan.messages.values()) < STATS_BESIDE_FROM:
        return None
    paths = [rel for _fingerprint, jobs in kept_plan.messages.values() for job in jobs for rel in job.outputs]
    return paths, beside(partial(store.stat_built, paths))


def render_batches(jobs: list[Job], languages: Sequence[str], chosen_messages: bool, workers: int,
                   costs: Mapping[str, float] | None = None) -> list[list[Job]]:
    """The jobs as the workers get them: a batch goes to one worker, which renders it in order. Changes no byte.

    A build of chosen messages (the studio's `--message`) hands out one job at a time, one language's outputs
    before the next (a newsletter issue with its language's messages): the writer sees a language's previews as
    soon as they are done. Any other build hands a worker all of a message's jobs of one kind, language by
    language, so what the worker keeps for the next job serves them all: a card's cropped and scaled photo and
    the press photo (the same in every language), a poster's title size and photo height (the same for every
    municipality and paper of a language; kit/render/poster.py). Handed out a few at a time, two workers did
    much of that twice (a tenth of a cold build). A batch that is a large share of the build's work (one
    message edited) is split by language, so both workers get some. Costliest first, by the renderers' `cost`
    (a press text is worth two and a half cards, a newsletter issue a twentieth): the last to finish are short,
    and after an edit the worker that gets the cards is not also given the press text."""
    def by_language(job: Job) -> int:
        return languages.index(job.lang)

    def cost(batch: list[Job]) -> float:
        return sum((costs or {}).get(job.kind, 1.0) for job in batch)

    if chosen_messages:
        return [[job] for job in sorted(jobs, key=by_language)]
    groups: dict[tuple[str, str], list[Job]] = {}
    for job in jobs:  # planned message by message, each in its kinds' and variants' order
        groups.setdefault((job.message_id, job.kind), []).append(job)
    most = cost(jobs) / (4 * workers)
    batches: list[list[Job]] = []
    for group in groups.values():
        group.sort(key=by_language)  # stable: the variants keep their planned order within a language
        if cost(group) <= most:
            batches.append(group)
        else:
            batches += [[job for job in group if job.lang == lang] for lang in languages if any(j.lang == lang for j in group)]
    return sorted(batches, key=cost, reverse=True)


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


def render_all(batches: list[list[Job]], ctx: RenderContext, registry: Registry, workers: int,
               meanwhile: Callable[[], None] = lambda: None) -> Iterator[JobResult]:
    """`meanwhile` starts the parent's own work in a thread once the workers are forked (a process with threads
    must not fork)."""
    if not batches:
        return
    warm_up(registry, {job.kind for batch in batches for job in batch})
    if workers == 1 or len(batches) == 1:  # one batch goes to one worker anyway: this process is it
        use_here(ctx, registry)
        meanwhile()
        yield from (render_job(job) for batch in batches for job in batch)
        return
    with worker_pool(workers, ctx, registry) as pool:
        results = pool.map(render_batch, batches)  # the workers are forked here
        meanwhile()
        for batch_results in results:
            yield from batch_results


def warm_up(registry: Registry, kinds: Collection[str]) -> None:
    """Start up the libraries these kinds' renderers use (WeasyPrint), here and once, before any worker is forked:
    after an edit, the worker that is free first takes the next PDF, whether it has made one yet or not. The
    system libraries they look up by name are answered from what an earlier build found (kit/libraries.py)."""
    with lookups_kept():
        for start_up in {registry.get(kind).warm_up for kind in kinds}:
            if start_up is not None:
                start_up()


def render_batch(jobs: list[Job]) -> list[JobResult]:
    return [render_job(job) for job in jobs]


def plain_progress(stream=sys.stderr) -> Progress:
    """One line per tenth of the work: readable in CI logs, where a progress bar is noise."""
    def report(done: int, total: int, result: JobResult) -> None:
        if result.error:
            print(f"  failed: {result.job.key}: {result.error}", file=stream, flush=True)
        if done == total or done % max(1, total // 10) == 0:
            print(f"  rendered {done}/{total}", file=stream, flush=True)
    return report
