"""The project's own errors: each says what went wrong, where, and what to do.

Front ends catch :class:`WorkbenchError` and show ``str(error)``; anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path


class WorkbenchError(Exception):
    """An error a user can act on."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  {self.hint}" if self.hint else self.message


class ProjectError(WorkbenchError):
    """The project file cannot be opened, is not a project, or is locked."""


class InputError(WorkbenchError):
    """A file given to the workbench cannot be read: names the file and, where it applies, the line."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path:
            where = self.path + (f", line {line}" if line else "") + ": "
        elif line:
            where = f"line {line}: "
        super().__init__(where + message, hint=hint)
        self.reason = message


class NotFoundError(WorkbenchError):
    """A transcript, code, coder or segment named by the user does not exist."""
