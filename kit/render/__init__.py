"""The renderer registry. One module per output kind; built-ins register the way an extension would.

A renderer has two halves: `plan` (cheap, no heavy imports: which files a message yields) and `render`
(turns one Job into Artifacts in memory; runs in a worker process; never touches disk).
"""
from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Callable, Mapping

from kit.codehash import code_hash
from kit.config import Settings
from kit.model import Artifact, Brand, Job, Message

BUILTINS: tuple[str, ...] = ("kit.render.social", "kit.render.poster", "kit.render.newsletter", "kit.render.press",
                             "kit.render.calendar")


@dataclass(frozen=True)
class RenderContext:
    """Everything a renderer may read. Built once per build and sent once to each worker."""

    settings: Settings
    brand: Brand
    messages: Mapping[str, Message]
    now: datetime
    intros: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # newsletter issue -> lang -> intro


@dataclass(frozen=True)
class JobSpec:
    variant: str
    outputs: tuple[str, ...]
    params: Mapping[str, str] = field(default_factory=dict)
    members: tuple[str, ...] = ()  # set by plan_issues: the messages an issue is made of


@dataclass(frozen=True)
class Renderer:
    name: str
    plan: Callable[[Message, str, RenderContext], list[JobSpec]]
    render: Callable[[Job, RenderContext], list[Artifact]]
    # Modules whose code shapes the output but are not imported (those imported are found by kit/codehash.py)
    helpers: tuple[str, ...] = ()
    # brand/ files (glob patterns) the output depends on: a change elsewhere in brand/ leaves it alone.
    brand_inputs: tuple[str, ...] = ("**/*",)
    # Optional pre-flight for `kit check`: problems (text that cannot fit, …) without writing anything.
    check: Callable[[Message, str, RenderContext], list] | None = None
    # Optional: outputs made of several messages (newsletter issues), planned once per language.
    plan_issues: Callable[[str, RenderContext], list[JobSpec]] | None = None

    @property
    def code_hash(self) -> str:
        """Hash of the code that shapes the output: every kit module the renderer imports, directly or not,
        the versions of the libraries they use (kit/codehash.py), and kit's data files. Editing a renderer or a
        helper it uses, or upgrading a library, re-renders its jobs: no version number to forget."""
        digest = hashlib.sha256()
        digest.update(code_hash((self.plan.__module__, self.render.__module__, *self.helpers)).encode())
        for data in sorted(resources.files("kit").joinpath("data").iterdir(), key=lambda p: p.name):
            digest.update(data.read_bytes())  # labels and platform rules shape every output
        return digest.hexdigest()


class Registry:
    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}

    def register(self, renderer: Renderer) -> None:
        if renderer.name in self._renderers:
            raise ValueError(f"a renderer named '{renderer.name}' is already registered")
        self._renderers[renderer.name] = renderer

    def get(self, name: str) -> Renderer:
        return self._renderers[name]

    def __iter__(self):
        return iter(self._renderers.values())

    def names(self) -> list[str]:
        return list(self._renderers)


def builtin_registry() -> Registry:
    registry = Registry()
    for module_name in BUILTINS:
        registry.register(importlib.import_module(module_name).RENDERER)
    return registry
