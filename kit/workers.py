"""Worker processes for rendering and pre-flights: the one place a process pool is made.

Workers are forked (cheap: nothing is copied). A build with PDFs to render imports WeasyPrint (half a second: cffi
parses Pango's declarations) before it forks them (`Renderer.warm_up`), so no worker waits for it and the first
worker free takes the next PDF; a build with nothing to render never pays it. A process that has already rendered (a test, the studio's preview server, `kit check` after a preview) hands its
fonts to its forks; every worker must let them go first, or two workers rewrite the same font file under each
other's memory map and die of a bus error. Making every pool here keeps that rule in one place.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from kit.render import Registry, RenderContext
from kit.render.pdf import forget_inherited_fonts

__all__ = ["worker_pool", "use_here", "current"]

_state: dict = {}


def _init_forked(ctx: RenderContext, registry: Registry) -> None:
    forget_inherited_fonts()
    use_here(ctx, registry)


def use_here(ctx: RenderContext, registry: Registry) -> None:
    """Make this process a worker (a one-process build, or the studio's first preview)."""
    _state["ctx"], _state["registry"] = ctx, registry


def current() -> tuple[RenderContext, Registry]:
    """The context and renderers of the worker this runs in."""
    return _state["ctx"], _state["registry"]


def worker_pool(workers: int, ctx: RenderContext, registry: Registry) -> ProcessPoolExecutor:
    """Long-lived workers: each pays its font set-up once, not once per document."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_forked, initargs=(ctx, registry))
