"""The exception hierarchy is the CLI's contract: a KitError prints its message and exits 1."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in the input, located as precisely as we can."""

    path: str
    line: int
    field: str
    text: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.text}" if self.field else f"{where}: {self.text}"


class KitError(Exception):
    """Base of every error kit reports to a user without a traceback."""


class ConfigError(KitError):
    pass


class ContentError(KitError):
    """Input content is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RenderError(KitError):
    pass


class PublishError(KitError):
    pass

