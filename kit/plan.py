"""Expand messages into Jobs: message × language × output kind × variant, each with its input hash."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from kit.brand import CORE_INPUTS, fingerprint
from kit.model import Job, Message
from kit.render import JobSpec, Registry, RenderContext


def buildable(message: Message) -> bool:
    """Drafts build (for review, marked DRAFT); withdrawn messages build nothing."""
    return message.status in ("draft", "approved")


def plan(ctx: RenderContext, registry: Registry) -> list[Job]:
    jobs = []
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

    for message in ctx.messages.values():
        if not buildable(message):
            continue
        for lang in ctx.settings.languages:
            content = content_of(message, lang)
            for renderer in registry:
                of_language = inputs(content, renderer.name)
                for spec in renderer.plan(message, lang, ctx):
                    jobs.append(of_language.job(renderer.name, message.id, lang, spec, members=()))
    for renderer in (r for r in registry if r.plan_issues):
        for lang in ctx.settings.languages:
            for spec in renderer.plan_issues(lang, ctx):
                members = "".join(content_of(ctx.messages[m], lang) for m in spec.members)
                jobs.append(inputs(members, renderer.name).job(renderer.name, spec.variant, lang, spec, spec.members))
    return jobs


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
