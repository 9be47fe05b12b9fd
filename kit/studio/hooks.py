"""The studio's calls into kit.translation and kit.approval (stale translations, recorded translations, approval),
in one place. Those modules are written alongside the studio; while a kit has no kit.translation, nothing is
stale and nothing is recorded, and approving says it is not available."""
from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Iterable

from kit.errors import KitError, Problem
from kit.model import Message


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def translations_tracked() -> bool:
    return _module("kit.translation") is not None


def stale_fields(message: Message, lang: str) -> tuple[str, ...]:
    """The fields of a translation whose Estonian source changed since it was written."""
    translation = _module("kit.translation")
    if translation is None or lang == "et" or lang not in message.translations:
        return ()
    return tuple(translation.stale_fields(message, lang))


def record_translated(root: Path, message_id: str, lang: str, fields: Iterable[str] | None = None) -> None:
    translation = _module("kit.translation")
    if translation is not None and lang != "et":
        translation.record_translated(root, message_id, lang, fields)


class ApprovalProblems(KitError):
    """Approval refused (errors) or waiting for confirmation (warnings): the problems to show."""

    def __init__(self, problems: list[Problem], needs_confirmation: bool):
        self.problems, self.needs_confirmation = problems, needs_confirmation
        super().__init__("\n".join(str(p) for p in problems))


def approve(root: Path, message_id: str, by: str, when: datetime, accept_warnings: bool = False) -> None:
    approval = _module("kit.approval")
    if approval is None:
        raise KitError("approving from the studio needs kit.approval, which this kit does not have yet")
    try:
        approval.approve(root, message_id, by, when, accept_warnings=accept_warnings)
    except approval.NeedsConfirmation as exc:
        raise ApprovalProblems(list(exc.problems), needs_confirmation=True) from None
    except approval.ApprovalRefused as exc:
        raise ApprovalProblems(list(exc.problems), needs_confirmation=False) from None
