"""Expand messages into Jobs: message × language × output kind × variant, each with its input hash."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from kit.brand import CORE_INPUTS, fingerprint
from kit.model import Job, Message
from kit.render import Registry, RenderContext


def buildable(message: Message) -> bool:
    """Drafts build (for review, marked DRAFT); withdrawn messages build nothing."""
    return message.status in ("draft", "approved")


def plan(ctx: RenderContext, registry: Registry) -> list[Job]:
    jobs = []
    code_hashes = {renderer.name: renderer.code_hash for renderer in registry}
    brand_hashes = {renderer.name: fingerprint(ctx.brand.root, CORE_INPUTS + renderer.brand_inputs)
                    for renderer in registry}
    for message in ctx.messages.values():
        if not buildable(message):
            continue
        for lang in ctx.settings.languages:
            for renderer in registry:
                for spec in renderer.plan(message, lang, ctx):
                    job = Job(kind=renderer.name, message_id=message.id, lang=lang, variant=spec.variant,
                              outputs=spec.outputs, params=dict(spec.params))
                    jobs.append(_with_hash(job, message.fingerprint, ctx, code_hashes[renderer.name],
                                           brand_hashes[renderer.name]))
    for renderer in (r for r in registry if r.plan_issues):
        for lang in ctx.settings.languages:
            for spec in renderer.plan_issues(lang, ctx):
                job = Job(kind=renderer.name, message_id=spec.variant, lang=lang, variant=spec.variant,
                          outputs=spec.outputs, params=dict(spec.params), members=spec.members)
                members = "".join(ctx.messages[m].fingerprint for m in spec.members)
                jobs.append(_with_hash(job, members, ctx, code_hashes[renderer.name], brand_hashes[renderer.name]))
    return jobs


def _with_hash(job: Job, content: str, ctx: RenderContext, code_hash: str, brand_hash: str) -> Job:
    """Everything that goes into a job: its message's files, its brand files, the renderer's code, the settings."""
    inputs = {
        "job": [job.kind, job.message_id, job.lang, job.variant, list(job.outputs), sorted(job.params.items()),
                list(job.members)],
        "content": content,
        "brand": brand_hash,
        "code": code_hash,
        "settings": [ctx.settings.site_url, list(ctx.settings.languages), ctx.settings.default_timezone,
                     ctx.settings.utm, ctx.settings.utm_campaign],
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return replace(job, input_hash=digest)
