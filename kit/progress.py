"""A progress bar for people at a terminal (CI gets plain lines from build.plain_progress)."""
from __future__ import annotations

from typing import Callable

from kit.model import JobResult


def bar_progress() -> Callable[[int, int, JobResult], None]:
    from rich.progress import Progress

    state: dict = {}

    def report(done: int, total: int, result: JobResult) -> None:
        if "bar" not in state:
            state["bar"] = Progress(transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("Rendering", total=total)
        state["bar"].update(state["task"], completed=done)
        if result.error:
            state["bar"].console.print(f"failed: {result.job.key}: {result.error}")
        if done == total:
            state["bar"].stop()
    return report
