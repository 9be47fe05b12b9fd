"""Previews of the real outputs: after a save the studio runs `kit build --message ID` (the same command a user
would, in a process of its own, one build at a time since builds share outputs/manifest) and the editor shows
each output file from outputs/kit the moment the build's manifest says its job is done: the bytes kit publishes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import kit
from kit.brand import load_brand
from kit.build import load_project
from kit.content import load_message
from kit.config import Settings
from kit.errors import KitError, Problem
from kit.model import Job
from kit.plan import plan
from kit.render import Registry, RenderContext, builtin_registry
from kit.store import Store


@dataclass
class Run:
    message_id: str
    requested: float  # time.monotonic() of the save
    state: str = "queued"  # queued | running | done
    jobs: list[Job] = field(default_factory=list)
    returncode: int | None = None
    output: str = ""  # what the build said (warnings, failed jobs)
    finished: float | None = None
    # What `kit check --message ID` says once the build is done: the renderers' pre-flight of the jobs that
    # failed (a text that does not fit a card or a poster, naming the format), next to their fields.
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Output:
    """One job's files as the editor shows them: its pictures, its caption text, links to the rest."""

    job: Job
    state: str  # done | failed | pending | stale
    files: tuple[tuple[str, str], ...]  # (path relative to outputs/kit, part of its SHA-256 so no browser shows a stale copy)
    error: str = ""
    caption: str = ""  # a social card's caption file, as written

    @property
    def pictures(self) -> list[tuple[str, str]]:
        return [(path, stamp) for path, stamp in self.files if path.endswith((".jpg", ".png"))]

    @property
    def others(self) -> list[tuple[str, str]]:
        return [(path, stamp) for path, stamp in self.files if not path.endswith((".jpg", ".png"))]


def message_jobs(settings: Settings, message_id: str) -> list[Job]:
    """Every job of a message (and of the newsletter issues it is in), as `kit build` plans them now."""
    return _planned(settings, message_id)[2]


def _planned(settings: Settings, message_id: str) -> tuple[RenderContext, Registry, list[Job]]:
    brand, content = load_project(settings)
    ctx = RenderContext(settings=settings, brand=brand, messages={m.id: m for m in content.messages},
                        now=datetime.now(settings.tz), intros=content.intros or {})
    registry = shared_registry()
    return ctx, registry, [job for job in plan(ctx, registry) if message_id in job.sources]


FIRST = ("social", "instagram-square")  # the preview a writer looks at first


def render_first(settings: Settings, message_id: str) -> None:
    """Render the square card of the first language here, before the build process has even started (it then
    finds the job current and skips it): the same renderer, the same job and hash, the same bytes, seconds sooner.
    Only this message is read: a job's hash is made of its own message, the brand, the code and the settings."""
    from kit.build import render_one

    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        return
    message, _ = load_message(settings.messages_dir / message_id, settings, brand)
    if message is None:
        return
    ctx = RenderContext(settings=settings, brand=brand, messages={message.id: message}, now=datetime.now(settings.tz))
    registry = shared_registry()
    store = Store.open(settings.out)
    for job in plan(ctx, registry):
        if (job.kind, job.variant, job.lang) == (*FIRST, settings.languages[0]) and not store.is_current(job):
            store.save(render_one(job, ctx, registry))  # its row in the manifest: the build finds it current
            return


@lru_cache(maxsize=1)
def shared_registry() -> Registry:
    return builtin_registry()


def outputs(settings: Settings, jobs: list[Job], running: bool) -> list[Output]:
    """Each planned job with its state in the build manifest (a running build writes each job's row as it is done)."""
    store = Store.open(settings.out)
    found = []
    for job in jobs:
        built = store.result(job)
        error = built.error if built else ""
        # an output not yet made again shows its previous files, marked as such: the last real preview
        sums = {f.path: f.sha256 for f in built.files} if built else {}
        if store.is_current(job) and built:
            state = "done"
        elif error and not running:
            state = "failed"
        else:
            state = "pending" if running else "stale"
        caption = ""
        text = next((p for p in job.outputs if p.endswith(".txt")), "")
        if state == "done" and job.kind == "social" and text:
            caption = (store.kit_dir / text).read_text(encoding="utf-8", errors="replace")[:3000]
        found.append(Output(job, state, tuple((p, sums[p][:12]) for p in job.outputs if p in sums),
                            error if state == "failed" else "", caption))
    return found


PUBLISH = "*publish*"  # a queue entry that is no message id (ids are lower-case words): build all, then publish


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Signal a build started in a session of its own, with the worker processes it forked: a build ended alone
    leaves its workers waiting for work that never comes, 130 MB each, for as long as the machine runs."""
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # it has just finished


class Previews:
    """One background thread that runs the requested builds one after the other, and the publishing (a whole
    build, then `kit publish`) in the same queue, so two builds never share outputs/ at once."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.runs: dict[str, Run] = {}
        self._queue: list[str] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen | None = None
        self._closed = False

    def close(self) -> None:
        """Stop: no new build starts, a running one is ended (it resumes from its manifest next time)."""
        with self._wake:
            self._closed = True
            self._queue.clear()
            process = self._process
        if process and process.poll() is None:
            _signal_group(process, signal.SIGTERM)  # the build and its worker processes, which outlive it otherwise
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)

    def request(self, message_id: str) -> Run:
        with self._wake:
            run = Run(message_id, time.monotonic())
            self.runs[message_id] = run
            if message_id not in self._queue:
                self._queue.append(message_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="kit-studio-previews", daemon=True)
                self._thread.start()
            self._wake.notify()
        return run

    def wait(self, message_id: str, timeout: float = 300) -> Run | None:
        """For tests and the benchmark: block until the message's build has finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.runs.get(message_id)
            if run is None or run.state == "done":
                return run
            time.sleep(0.05)
        return self.runs.get(message_id)

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._queue:
                    if self._closed:
                        return
                    self._wake.wait(1)
                message_id = self._queue.pop(0)
                run = self.runs[message_id]
                run.state = "running"
            self._build(run)

    def _build(self, run: Run) -> None:
        if run.message_id == PUBLISH:
            self._publish(run)
            return
        try:
            render_first(self.settings, run.message_id)
            run.jobs = message_jobs(self.settings, run.message_id)
        except KitError as exc:  # the project does not load (another message's error): the build says the same
            run.output = str(exc)
        if run.jobs:
            env = _env()
            with self._wake:
                if self._closed:
                    return
                process = self._process = subprocess.Popen(
                    [sys.executable, "-m", "kit", "--root", str(self.settings.root), "build", "--message", run.message_id],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
            said, _ = process.communicate()
            run.returncode = process.returncode
            run.output = "\n".join(line for line in said.splitlines()
                                   if line.startswith(("warning:", "failed:", "error:", "  ")))
            if run.returncode:
                run.problems = self._preflight(run.message_id)
        run.finished = time.monotonic()
        run.state = "done"

    def _publish(self, run: Run) -> None:
        """`kit build` (renders what changed) and, if it succeeded, `kit publish`: the commands a user would run."""
        said: list[str] = []
        for command in (["build"], ["publish"]):
            with self._wake:
                if self._closed:
                    return
                process = self._process = subprocess.Popen(
                    [sys.executable, "-m", "kit", "--root", str(self.settings.root), *command],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), start_new_session=True)
            out, _ = process.communicate()
            # The outcome, not the warnings: those are on each message's page in the studio.
            said.extend(line for line in out.splitlines()
                        if line.strip() and not line.startswith(("  rendered ", "warning:", "Review sheet:")))
            run.returncode = process.returncode
            if run.returncode:
                break
        run.output = "\n".join(said[-20:])
        run.finished = time.monotonic()
        run.state = "done"

    def _preflight(self, message_id: str) -> list[Problem]:
        from kit.check import check_project

        try:
            return [p for p in check_project(self.settings, messages=[message_id])
                    if f"/{message_id}/" in p.path]
        except KitError:
            return []


def _env() -> dict[str, str]:
    """The child `kit` imports this same kit (a checkout run with PYTHONPATH, or the installed one)."""
    here = str(Path(kit.__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (here, os.environ.get("PYTHONPATH"))))}
