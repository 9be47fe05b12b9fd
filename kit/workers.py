"""Worker processes for rendering and pre-flights: the one place a process pool is made.

Workers are forked (cheap: nothing is copied). A build with PDFs to render imports WeasyPrint (half a second: cffi
parses Pango's declarations) before it forks them (`Renderer.warm_up`), so no worker waits for it and the first
worker free takes the next PDF; a build with nothing to render never pays it. A process that has already rendered (a test, the studio's preview server, `kit check` after a preview) hands its
fonts to its forks; every worker must let them go first, or two workers rewrite the same font file under each
other's memory map and die of a bus error. Making every pool here keeps that rule in one place. The other processes
kit forks are made here too: `in_a_fork` (the review sheet, beside the site) and `beside` (a build's stats of its
built files, beside its loading and planning).

Every worker keeps its temporary files in a folder of its own, removed as it ends (`_scratch_folder_of_its_own`).
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
import pickle
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Generic, TypeVar

from kit.render import Registry, RenderContext
from kit.render.pdf import font_config, forget_inherited_fonts

__all__ = ["worker_pool", "use_here", "current", "in_a_fork", "beside", "Beside"]

_state: dict = {}
T = TypeVar("T")


def _init_forked(ctx: RenderContext, registry: Registry) -> None:
    forget_inherited_fonts()
    _scratch_folder_of_its_own()
    use_here(ctx, registry)


def use_here(ctx: RenderContext, registry: Registry) -> None:
    """Make this process a worker (a one-process build, or the studio's first preview)."""
    _state["ctx"], _state["registry"] = ctx, registry
    if multiprocessing.parent_process() is None and not _state.get("fonts_removed_at_exit"):
        _state["fonts_removed_at_exit"] = True  # the main process: WeasyPrint's font folder goes when it exits
        multiprocessing.util.Finalize(None, _remove_font_folder, exitpriority=0)
        if threading.current_thread() is threading.main_thread():  # only there may a signal handler be set
            _state["sigterm_before"] = signal.getsignal(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _remove_fonts_then_as_before)


def _remove_fonts_then_as_before(signum: int, frame) -> None:
    """SIGTERM in a process that renders itself (a one-process build: the studio ends a superseded one so): its
    font folder goes, then SIGTERM does what it did before (by default, ends the process)."""
    _remove_font_folder()
    before = _state["sigterm_before"]
    if callable(before):
        before(signum, frame)
    elif before != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _scratch_folder_of_its_own() -> None:
    """A worker keeps its temporary files (WeasyPrint's copy of the brand's fonts, 1.4 MB) in a folder of its own,
    removed as it ends: when its pool stops it (multiprocessing runs the finalizer) and when the studio ends a
    superseded build with SIGTERM. WeasyPrint removes its font folder only when its FontConfiguration is collected,
    and a worker's never is (it ends by `os._exit`): a day of builds and tests had left 2 312 of them (3 GB) in
    /tmp. The folder is named before it is made, so a SIGTERM at any moment finds it; WeasyPrint names its own
    only after making it, and a SIGTERM in between left it behind."""
    folder = os.path.join(tempfile.gettempdir(), f"kit-worker-{os.getpid()}-{secrets.token_hex(4)}")
    _state["scratch"] = folder
    signal.signal(signal.SIGTERM, _end_on_sigterm)
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)
    os.mkdir(folder, 0o700)
    tempfile.tempdir = folder


def _remove_font_folder() -> None:
    if font_config.cache_info().currsize:  # this process has rendered a PDF (its inherited fonts were let go)
        folder = font_config()._folder
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def _end_on_sigterm(signum: int, _frame) -> None:
    shutil.rmtree(_state["scratch"], ignore_errors=True)
    os._exit(128 + signum)


def current() -> tuple[RenderContext, Registry]:
    """The context and renderers of the worker this runs in."""
    return _state["ctx"], _state["registry"]


def worker_pool(workers: int, ctx: RenderContext, registry: Registry) -> ProcessPoolExecutor:
    """Long-lived workers: each pays its font set-up once, not once per document."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_forked, initargs=(ctx, registry))


def in_a_fork(work: Callable[[], T]) -> Future[T]:
    """Run `work` in a forked process beside this one, and get its result (or its exception) back: the site stage
    makes the review sheet there while it makes the site, on the core the render workers have left. `work` is
    inherited by the fork, not pickled (it may close over the whole build); only its result travels back. It must
    not use the manifest's database connection, which the fork inherits (read what it needs before). A fork copies
    only the thread that forks: a build runs no thread of its own then but a web font's conversion (brotli, which
    holds no lock the review sheet takes); the studio builds in a process of its own."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                               initializer=_init_forked_call, initargs=(work,))
    future = pool.submit(_run_inherited)
    pool.shutdown(wait=False)  # the worker ends after its one call
    return future


def _init_forked_call(work: Callable[[], object]) -> None:
    forget_inherited_fonts()
    _scratch_folder_of_its_own()
    _state["work"] = work


def _run_inherited():
    return _state.pop("work")()


class Beside(Generic[T]):
    """Work going on in a process forked beside this one (`beside`)."""

    def __init__(self, pid: int, pipe: int) -> None:
        self._pid, self._pipe = pid, pipe
        self._done = False

    def result(self) -> T | None:
        """The work's result, when it is done; None if the fork failed (the work raised, or the fork died): the
        caller then does without it."""
        self._done = True
        with os.fdopen(self._pipe, "rb") as pipe:
            data = pipe.read()
        try:
            _pid, status = os.waitpid(self._pid, 0)
        except ChildProcessError:  # reaped already (by a SIGCHLD handler of the program kit runs in)
            status = 0
        if status != 0 or not data:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - cut short (the fork was killed while it wrote): as if it failed
            return None

    def cancel(self) -> None:
        """Stop the work if its result was never asked for (the process that wanted it failed first)."""
        if not self._done:
            self._done = True
            os.close(self._pipe)
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass  # it ended, and was reaped, already


def beside(work: Callable[[], T]) -> Beside[T]:
    """Run `work` in a process forked now, while this one goes on; only its result (pickled) travels back. For work
    that is mostly waiting on the kernel, which a thread would do no faster (each stat gives up the interpreter lock
    and waits to take it back): a build stats every built file in a fork while it loads and plans. A plain fork
    and a pipe, no pool: no thread is left running in this process to be copied by the next fork. `work` must not
    use the manifest's database connection, which the fork inherits."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fork: do the work, send it, and end without running this process's exit handlers
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, which removes the parent's fonts
        os.close(read)
        status = 1
        try:
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return Beside(pid, read)
