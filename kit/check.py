"""`kit check`: every problem in brand, settings and messages at once, plus each renderer's pre-flight."""
from __future__ import annotations

from datetime import datetime

from kit.brand import load_brand
from kit.config import Settings
from kit.content import load_content
from kit.errors import Problem
from kit.plan import buildable
from kit.render import RenderContext, Registry, builtin_registry


def check_project(settings: Settings, registry: Registry | None = None) -> list[Problem]:
    brand, problems = load_brand(settings.brand_dir, settings.root)
    if brand is None or any(p.severity == "error" for p in problems):
        return sorted(problems)
    content = load_content(settings, brand)
    problems.extend(content.problems)
    ctx = RenderContext(settings=settings, brand=brand, messages={m.id: m for m in content.messages},
                        now=datetime.now(settings.tz))
    for renderer in registry or builtin_registry():
        if renderer.check is None:
            continue
        for message in ctx.messages.values():
            if buildable(message):
                for lang in settings.languages:
                    problems.extend(renderer.check(message, lang, ctx))
    return sorted(set(problems))
