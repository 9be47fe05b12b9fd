"""The renderer registry. One module per output kind; built-ins register the way an extension would.

A renderer has two halves: `plan` (cheap, no heavy imports: which files a message yields) and `render`
(turns one Job into Artifacts in memory; runs in a worker process; never touches disk). Its `presentation`
says how its files appear to people: the site's pages, the feeds, the bundles and `kit pull` read only that,
never a kind's name, so a new output kind is its own module plus one registration.

An installed package adds a renderer through the entry-point group `kit.renderers` (the value names a
`Renderer` object), e.g. in its pyproject.toml:

    [project.entry-points."kit.renderers"]
    calendar = "kit_calendar:RENDERER"
"""
from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import metadata, resources
from typing import Callable, Literal, Mapping

from kit.codehash import code_hash
from kit.config import Settings
from kit.model import Artifact, Brand, Job, Message

__all__ = ["Renderer", "Registry", "RenderContext", "JobSpec", "Presentation", "Shown", "builtin_registry"]

BUILTINS: tuple[str, ...] = ("kit.render.social", "kit.render.poster", "kit.render.newsletter", "kit.render.press",
                             "kit.render.calendar")
ENTRY_POINTS = "kit.renderers"

Role = Literal["download", "preview", "caption", "photo", "hidden"]


@dataclass(frozen=True)
class Shown:
    """How one file appears. `download`: a file to take (pages list it; feeds, bundles and pulls carry it).
    `preview`: an image standing for the file `of` (pages show it, feeds and bundles leave it out). `caption`:
    the text that goes with the image `of` (shown under it, and a download too). `photo`: the message's photo
    on its page (`of` names the full-size download, or ""). `hidden`: built, but offered nowhere."""

    role: Role = "download"
    of: str = ""


def shown_as_download(path: str) -> Shown:
    return Shown()


def variant_as_label(variant: str, municipality: str, lang: str) -> str:
    return variant.removeprefix(f"{municipality}-") if municipality else variant


def title_as_alt(message: Message, lang: str, path: str) -> str:
    return message.text(lang).title


@dataclass(frozen=True)
class Presentation:
    """A renderer's files as people meet them. `section` picks how the message page shows them: `cards`
    (previews with their files, e.g. posters), `gallery` (images with caption and alt text) or `files` (a list
    of downloads). `title` is a key of kit/data/labels.yaml, or the title per language for a renderer that
    brings its own. RSS allows one enclosure per item: the download of the lowest `rss_rank` goes there."""

    section: Literal["cards", "gallery", "files"] = "files"
    title: str | Mapping[str, str] = ""
    order: int = 50
    rss_rank: int = 50
    # Module-level functions, not lambdas: renderers travel to worker processes.
    show: Callable[[str], Shown] = shown_as_download
    label: Callable[[str, str, str], str] = variant_as_label  # (variant, municipality, lang): a card's caption
    alt: Callable[[Message, str, str], str] = title_as_alt  # (message, lang, path): an image's alt text

    def heading(self, lang: str) -> str:
        from kit.i18n import label

        if isinstance(self.title, str):
            return label(self.title, lang)
        return self.title.get(lang) or self.title.get("*") or next(iter(self.title.values()), "")


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
    presentation: Presentation = Presentation()
    # The CPU time of one job, roughly, as a share of a social card's: the build hands out the costliest batches
    # of work first, so the workers finish together (kit/build.py `render_batches`).
    cost: float = 1.0
    # Loads what the renderer's first job in a process would wait for (WeasyPrint: half a second). A build with
    # jobs of this kind to render calls it before forking its workers, so no worker loads it again.
    warm_up: Callable[[], object] | None = None

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
        if not renderer.presentation.title:  # a section needs a heading: the kind's own name at least
            renderer = replace(renderer, presentation=replace(renderer.presentation, title={"*": renderer.name}))
        self._renderers[renderer.name] = renderer

    def get(self, name: str) -> Renderer:
        return self._renderers[name]

    def __iter__(self):
        return iter(self._renderers.values())

    def names(self) -> list[str]:
        return list(self._renderers)


    def presentation(self, kind: str) -> Presentation:
        """A kind this registry does not know (built by a larger one) is shown as plain downloads."""
        renderer = self._renderers.get(kind)
        return renderer.presentation if renderer else Presentation(title={"*": kind}, order=99)

    def presentations(self) -> list[tuple[str, Presentation]]:
        """(kind, presentation) in the order of the sections on a page."""
        return sorted(((r.name, r.presentation) for r in self), key=lambda item: (item[1].order, item[0]))


def builtin_registry() -> Registry:
    """Kit's own renderers, then every renderer installed packages declare in the `kit.renderers` group."""
    registry = Registry()
    for module_name in BUILTINS:
        registry.register(importlib.import_module(module_name).RENDERER)
    for entry in sorted(metadata.entry_points(group=ENTRY_POINTS), key=lambda e: e.name):
        renderer = entry.load()
        if not isinstance(renderer, Renderer):
            raise TypeError(f"entry point {entry.name} = {entry.value} in {ENTRY_POINTS} is not a kit Renderer")
        registry.register(renderer)
    return registry
