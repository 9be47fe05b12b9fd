"""The studio's calls into kit.translation (stale and recorded translations) and kit.approval, in one place."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Iterable

from kit import approval, translation
from kit.errors import KitError, Problem
from kit.model import Message


def stale_fields(message: Message, lang: str) -> tuple[str, ...]:
    """The fields of a translation whose Estonian source changed since it was written."""
    if lang == "et" or lang not in message.translations:
        return ()
    return tuple(translation.stale_fields(message, lang))


def record_translated(root: Path, message_id: str, lang: str, fields: Iterable[str] | None = None) -> None:
    """The translation now matches the current Estonian text (the given fields, or all)."""
    if lang != "et":
        translation.record_translated(root, message_id, lang, fields)


class ApprovalProblems(KitError):
    """Approval refused (errors) or waiting for confirmation (warnings): the problems to show."""

    def __init__(self, problems: list[Problem], needs_confirmation: bool):
        self.problems, self.needs_confirmation = problems, needs_confirmation
        super().__init__("\n".join(str(p) for p in problems))


def approve(root: Path, message_id: str, by: str, when: datetime, accept_warnings: bool = False) -> None:
    try:
        approval.approve(root, message_id, by, when, accept_warnings=accept_warnings)
    except approval.NeedsConfirmation as exc:
        raise ApprovalProblems(list(exc.problems), needs_confirmation=True) from None
    except approval.ApprovalRefused as exc:
        raise ApprovalProblems(list(exc.problems), needs_confirmation=False) from None
