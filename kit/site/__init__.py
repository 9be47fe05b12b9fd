"""The site stage: review sheet for the team, and (for public messages) the download site and feeds."""
from __future__ import annotations

from kit.errors import Problem
from kit.model import Job
from kit.render import RenderContext
from kit.site.review import review_sheet
from kit.store import Store


def build_site(ctx: RenderContext, jobs: list[Job], store: Store, warnings: list[Problem]) -> None:
    store.write_file("review/index.html", review_sheet(ctx, jobs, store, warnings).encode())
