"""`kit check`: every problem in brand, settings and messages at once, plus each renderer's pre-flight.

A renderer's pre-flight (fitting text, laying out posters) is skipped for a message and language whose jobs
the build manifest says were rendered without error from exactly the same inputs (whether their files are still
there does not matter to a pre-flight).
"""
from __future__ import annotations

import os
from collections.abc import Collection
from datetime import datetime

from kit import found
from kit.brand import load_brand
from kit.config import Settings
from kit.content import load_content
from kit.errors import KitError, Problem
from kit.partner import partner_problems
from kit.plan import PLAN_MEMO, PlanMemo, buildable, plan_from
from kit.render import Registry, RenderContext, builtin_registry
from kit.store import MESSAGE_MEMO, Store
from kit.workers import current, use_here, worker_pool

__all__ = ["check_project"]


def check_project(settings: Settings, registry: Registry | None = None, messages: Collection[str] = (),
                  approving: bool = False, now: datetime | None = None) -> list[Problem]:
    """Every problem at once; with `messages`, only theirs (and those of the brand and settings). With `approving`,
    the chosen messages are checked as they will be once approved (a placeholder text is then an error). `now`:
    the moment to check at (default: now); a build's jobs are current for the check of the same moment."""
    unknown = [m for m in messages if not (settings.messages_dir / m / "message.yaml").is_file()]
    if unknown:
        raise KitError("; ".join(f"--message: no message '{m}' (no messages/{m}/message.yaml)" for m in unknown))
    store = Store.open(settings.out)  # read only: its memos spare finding again what the last build found
    found.recall(store)
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        return sorted(problems)
    content = load_content(settings, brand, approving=messages if approving else (), known=store.read_memo(MESSAGE_MEMO))
    problems.extend(p for p in content.problems if _concerns(p, settings, messages))
    if any(p.severity == "error" for p in problems):
        return sorted(set(problems))
    registry = registry or builtin_registry()
    ctx = RenderContext(settings=settings, brand=brand, messages={m.id: m for m in content.messages},
                        now=now or datetime.now(settings.tz), intros=content.intros or {})
    # Keyed by each message a job is made of: a newsletter issue's job carries the id, and its
    # pre-flight (per message) is current when the issue that holds the message is.
    current: dict[tuple[str, str, str], bool] = {}
    # The last build's plan (read only): a message checked as approved is not the message that build planned.
    kept = None if approving else store.read_memo(PLAN_MEMO)
    for job in plan_from(ctx, registry, kept if isinstance(kept, PlanMemo) else None)[0]:
        is_current = store.rendered_from(job)  # a deleted output changes nothing a pre-flight finds
        for message_id in job.sources:
            key = (job.kind, message_id, job.lang)
            current[key] = current.get(key, True) and is_current
    tasks = [(renderer.name, message.id, lang) for renderer in registry if renderer.check
             for message in ctx.messages.values() if buildable(message) and (not messages or message.id in messages)
             for lang in settings.languages if not current.get((renderer.name, message.id, lang), False)]
    # A renderer that plans nothing of a message (a calendar, for a message with no event) has nothing to lay
    # out for it: its pre-flight runs here. Sent to worker processes, 1 800 such calendar checks at 1 000
    # messages took a second and a half of every `kit check`.
    unplanned = [task for task in tasks if task not in current]
    for problems_of_task in _run_checks([task for task in tasks if task in current], ctx, registry):
        problems.extend(problems_of_task)
    use_here(ctx, registry)
    for task in unplanned:
        problems.extend(_check(task))
    # The Tartu 2024 partner review rule ranks a project's messages together, so it sees all of them.
    problems.extend(p for p in partner_problems(content.messages, settings) if _concerns(p, settings, messages))
    return sorted(set(problems))


def _concerns(problem: Problem, settings: Settings, messages: Collection[str]) -> bool:
    """Whether a problem is about the chosen messages: one in another message's folder is not."""
    folder = settings.messages_dir.relative_to(settings.root).as_posix() + "/"
    if not messages or not problem.path.startswith(folder):
        return True
    return problem.path[len(folder):].split("/", 1)[0] in messages


def _check(task: tuple[str, str, str]) -> list[Problem]:
    name, message_id, lang = task
    ctx, registry = current()
    preflight = registry.get(name).check
    assert preflight is not None  # tasks are made only for renderers that have one
    return preflight(ctx.messages[message_id], lang, ctx)


def _run_checks(tasks: list, ctx: RenderContext, registry: Registry):
    """Pre-flights in worker processes (one per CPU) when there are many: laying out posters is the slow part."""
    if len(tasks) < 4:
        use_here(ctx, registry)
        return map(_check, tasks)
    with worker_pool(min(os.cpu_count() or 1, len(tasks)), ctx, registry) as pool:
        return list(pool.map(_check, tasks))
