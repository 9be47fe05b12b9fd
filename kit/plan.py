"""Expand messages into Jobs: message × language × output kind × variant, each with its input hash."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from kit.brand import CORE_INPUTS, fingerprint
from kit.digest import value_digest
from kit.filecache import code_version, folder_digest
from kit.model import Job, Message
from kit.render import JobSpec, Registry, RenderContext


def buildable(message: Message) -> bool:
    """Drafts build (for review, marked DRAFT); withdrawn messages build nothing."""
    return message.status in ("draft", "approved")


PLAN_MEMO = "state/plan.pickle"  # in outputs/: the last build's PlanMemo


@dataclass(frozen=True)
class PlanMemo:
    """A build's plan, kept for the next one (the store's plan memo): each message's jobs, by the message's
    fingerprint (every file in its folder). `key` is what all of them follow from besides: kit's code, the
    renderers' (a renderer's `plan` is part of it), the settings and the brand's files; a message as loaded
    follows from its files and those (kit/content.py). Planning is hashing the JSON of every job's inputs: at
    1 000 messages, 37 000 jobs and half a second of every build, even one with nothing to do."""
    key: str
    messages: Mapping[str, tuple[str, tuple[Job, ...]]]  # message id -> (its fingerprint, its jobs in planned order)


def plan(ctx: RenderContext, registry: Registry) -> list[Job]:
    """Every job of every message that builds, and of every issue (newsletter, calendar) of several."""
    return plan_from(ctx, registry, None)[0]


def plan_from(ctx: RenderContext, registry: Registry, kept: PlanMemo | None) -> tuple[list[Job], PlanMemo]:
    """`plan`, taking each message's jobs from the last build's plan when neither the message nor anything else its
    jobs follow from changed. Returns the jobs and the memo for the next build: `kept` itself when all of it still
    holds (nothing to write). Issues are planned anew every time: they follow from every message and the day."""
    jobs: list[Job] = []
    code_hashes = {renderer.name: renderer.code_hash for renderer in registry}
    brand_hashes = {renderer.name: fingerprint(ctx.brand.root, CORE_INPUTS + renderer.brand_inputs)
                    for renderer in registry}
    settings = [ctx.settings.site_url, list(ctx.settings.languages), ctx.settings.default_timezone, ctx.settings.utm,
                ctx.settings.utm_campaign]
    tail = InputHash.tail_of(settings)

    def inputs(content: str, kind: str) -> InputHash:
        return InputHash(content, brand_hashes[kind], code_hashes[kind], tail)

    contents: dict[tuple[str, str], str] = {}  # a message's, once per language: its jobs and its issues share it

    def content_of(message: Message, lang: str) -> str:
        if (message.id, lang) not in contents:
            contents[message.id, lang] = message.content_digest(lang)  # its own text: an Estonian edit leaves
        return contents[message.id, lang]  # the English jobs be

    def message_jobs(message: Message) -> tuple[Job, ...]:
        jobs_of_message = []
        for lang in ctx.settings.languages:
            content = content_of(message, lang)
            for renderer in registry:
                of_language = inputs(content, renderer.name)
                for spec in renderer.plan(message, lang, ctx):
                    jobs_of_message.append(of_language.job(renderer.name, message.id, lang, spec, members=()))
        return tuple(jobs_of_message)

    key = value_digest((code_version(), ctx.settings, folder_digest(ctx.brand.root), list(code_hashes.items())))
    usable = kept.messages if isinstance(kept, PlanMemo) and kept.key == key else {}
    planned: dict[str, tuple[str, tuple[Job, ...]]] = {}
    for message in ctx.messages.values():
        if not buildable(message):
            continue
        known = usable.get(message.id)
        if known is None or not message.fingerprint or known[0] != message.fingerprint:
            known = message.fingerprint, message_jobs(message)
        planned[message.id] = known
        jobs.extend(known[1])
    for renderer in (r for r in registry if r.plan_issues):
        for lang in ctx.settings.languages:
            for spec in renderer.plan_issues(lang, ctx):
                members = "".join(content_of(ctx.messages[m], lang) for m in spec.members)
                jobs.append(inputs(members, renderer.name).job(renderer.name, spec.variant, lang, spec, spec.members))
    if isinstance(kept, PlanMemo) and planned.keys() == usable.keys() and all(planned[m] is usable[m] for m in planned):
        return jobs, kept
    return jobs, PlanMemo(key, planned)


# json.dumps(value, sort_keys=True) makes an encoder for each call: a third of the planner's time at 37 000 jobs.
_SORTED_JSON = json.JSONEncoder(sort_keys=True)


class InputHash:
    """A job's input hash: the SHA-256 of the JSON of everything that goes into it (its message's files, its brand
    files, the renderer's code, the settings), keys sorted, as `json.dumps(inputs, sort_keys=True)` writes it. The
    parts a message's jobs share are encoded once for all of them (37 000 jobs at 1 000 messages); the text is
    byte for byte the same (tests/test_build.py), so no job's hash changed with the speed-up."""

    def __init__(self, content: str, brand_hash: str, code_hash: str, tail: str):
        encode = _SORTED_JSON.encode  # three per message and renderer: 15 000 at 1 000 messages
        self.head = f'{{"brand": {encode(brand_hash)}, "code": {encode(code_hash)}, "content": {encode(content)}, "job": '
        self.tail = tail

    @staticmethod
    def tail_of(settings: list) -> str:
        """The end of the JSON, the same for every job of a build: the settings."""
        return f', "settings": {_SORTED_JSON.encode(settings)}}}'

    def job(self, kind: str, message_id: str, lang: str, spec: JobSpec, members: tuple[str, ...]) -> Job:
        params: Mapping[str, str] = dict(spec.params)
        fields = [kind, message_id, lang, spec.variant, list(spec.outputs), sorted(params.items()), list(members)]
        text = self.head + _SORTED_JSON.encode(fields) + self.tail
        return Job(kind=kind, message_id=message_id, lang=lang, variant=spec.variant, outputs=spec.outputs,
                   params=params, members=members, input_hash=hashlib.sha256(text.encode()).hexdigest())
