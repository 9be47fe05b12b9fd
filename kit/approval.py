"""`kit approve`: a message becomes `status: approved`, with who approved it and when, once kit's checks allow.

The check is `kit check --message ID` with the message taken as approved (a text `kit new` wrote is an error
then, a warning in a draft). Errors refuse the approval; warnings need the approver's confirmation. The record
is written into message.yaml through kit.sourcefiles: comments and layout stay, one step of undo.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from kit.errors import KitError, Problem


class _Problems(KitError):
    def __init__(self, problems: list[Problem], said: str, message_id: str):
        self.problems, self.message_id = sorted(problems), message_id
        super().__init__("\n".join([said] + [f"  {p}" for p in self.problems]))


class ApprovalRefused(_Problems):
    """The message has errors: it cannot be approved until they are fixed."""

    def __init__(self, problems: list[Problem], message_id: str = ""):
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(problems, f"{message_id or 'the message'} was not approved: fix {len(errors)} error(s) "
                                   "first (nothing was written):", message_id)


class NeedsConfirmation(_Problems):
    """The message has warnings only: approving it takes the approver's explicit yes."""

    def __init__(self, problems: list[Problem], message_id: str = ""):
        super().__init__(problems, f"{message_id or 'the message'} has {len(problems)} warning(s); approve it "
                                   "anyway only after reading them (kit approve --yes):", message_id)


def approve(root: Path, message_id: str, by: str, when: datetime, accept_warnings: bool = False) -> None:
    """Check the message as approved, then write `status: approved` and `approved: {by, at}` to its
    message.yaml. Raises ApprovalRefused (errors), NeedsConfirmation (warnings, not accepted) or KitError."""
    from kit.check import check_project
    from kit.config import load_settings
    from kit.content import ID_PATTERN
    from kit.sourcefiles import edit_yaml, update_source, version

    by = " ".join(by.split())
    if not by:
        raise KitError("--by: say who approves, e.g. --by \"Kristi Vals\"")
    if when.tzinfo is None or when.utcoffset() is None:
        raise KitError("the approval time needs a time zone")  # a caller's mistake, not the user's
    if not ID_PATTERN.match(message_id):
        raise KitError(f"'{message_id}' is not a message id; use lowercase letters, digits and hyphens")
    settings = load_settings(root)
    path = settings.messages_dir / message_id / "message.yaml"
    if not path.is_file():
        raise KitError(f"no message '{message_id}' (no {path.relative_to(settings.root).as_posix()})")
    seen = version(path)  # what was checked is what gets approved: a change meanwhile refuses the write
    problems = check_project(settings, messages=[message_id], approving=True)
    if any(p.severity == "error" for p in problems):
        raise ApprovalRefused(problems, message_id)
    if problems and not accept_warnings:
        raise NeedsConfirmation(problems, message_id)
    at = when.replace(microsecond=0).isoformat()

    def change(data: CommentedMap) -> None:
        data["status"] = "approved"
        record = CommentedMap([("by", by), ("at", at)])
        if "approved" in data:
            data["approved"] = record
        else:  # right under the status it explains
            keys = list(data)
            data.insert(keys.index("status") + 1 if "status" in keys else len(keys), "approved", record)

    update_source(settings.root, path.relative_to(settings.root).as_posix(), lambda text: edit_yaml(text, change),
                  expected=seen)
