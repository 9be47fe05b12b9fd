"""The review sheet: every message, its status, every planned output with a preview, and every warning."""
from __future__ import annotations

from collections import defaultdict

from kit.captions import alt_text
from kit.errors import Problem
from kit.model import Job
from kit.render import RenderContext
from kit.store import Store
from kit.templating import kit_env

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def review_sheet(ctx: RenderContext, jobs: list[Job], store: Store, warnings: list[Problem]) -> str:
    by_message: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_message[job.message_id].append(job)
    rows = []
    for message in sorted(ctx.messages.values(), key=lambda m: (m.date, m.id), reverse=True):
        entries = []
        for job in by_message.get(message.id, []):
            entry = store.manifest.get(job.key, {})
            entries.append({"job": job, "error": entry.get("error", ""), "warnings": entry.get("warnings", []),
                            "files": [(path, path.endswith(IMAGE_SUFFIXES)) for path in job.outputs],
                            "caption": _caption(job, store),
                            "alt": alt_text(message, job.lang) if job.kind == "social" else ""})
        rows.append({"message": message, "title": message.text("et").title, "public": message.is_public(ctx.now),
                     "entries": entries,
                     "problems": [str(p) for p in warnings if p.path.startswith(f"messages/{message.folder.name}/")]})
    issues = [{"job": job, "error": store.manifest.get(job.key, {}).get("error", ""),
               "public": all(ctx.messages[m].is_public(ctx.now) for m in job.members)}
              for job in jobs if job.members]
    return kit_env().get_template("review.html").render(rows=rows, now=ctx.now, total=len(jobs), issues=issues)


def _caption(job: Job, store: Store) -> str:
    """The caption written beside a social image, shown under its preview."""
    for path in job.outputs:
        if path.endswith(".txt"):
            file = store.kit_dir / path
            return file.read_text(encoding="utf-8") if file.is_file() else ""
    return ""
