"""Columns of tables by code (a code, its theme, or its ancestor at a level), their order, and
short excerpts: shared by the matrix, frequencies, agreement and suggestions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from workbench.analysis.frame import NONE
from workbench.errors import WorkbenchError
from workbench.models import Code

EXCERPT_LENGTH = 160


def column_key(path: str, columns: str) -> str:
    """The column a code path falls in: its theme, its ancestor at a level, or itself."""
    parts = path.split("/")
    if columns == "theme":
        return parts[0]
    if columns == "code":
        return path
    if columns.startswith("level") and columns[5:].isdigit():
        return "/".join(parts[: int(columns[5:])])
    raise WorkbenchError(f"unknown columns {columns!r}.", hint="Use theme, code, or level2, level3...")


def column_keys(codes: Sequence[Code], columns: str) -> list[str]:
    """Every column of the project's codebook at this level, in tree order."""
    keys: dict[str, None] = {}
    for code in codes:
        keys.setdefault(column_key(code.path, columns), None)
    return list(keys)


def natural_key(value: str) -> list[int | str]:
    """Sort P2 before P10."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", value)]


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """A quote cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def row_key(value: Any) -> str:
    """A row's name: the value as text, or NONE for a missing one."""
    return NONE if value is None or value == "" else str(value)
