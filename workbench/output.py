"""Writing listings for people (aligned tables) and for scripts (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Stop a spreadsheet from running a cell as a formula: prefix risky text with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralize(_plain(row.get(column))) for column in columns])
    return buffer.getvalue()


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if 0 < value < 0.005:
            return "<1%"
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.2f}"
    return " ".join(str(_plain(value)).split())


def to_table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], *, width: int | None = None) -> str:
    """An aligned text table; the widest column gives way when the terminal is narrow.

    ``columns`` are (key, heading) pairs.
    """
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max([len(heading)] + [len(r[i]) for r in cells]) for i, (_, heading) in enumerate(columns)]
    while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    def line(values: Sequence[str]) -> str:
        out = []
        for value, w in zip(values, widths):
            out.append(value if len(value) <= w else value[: max(w - 1, 0)] + "…")
        return "  ".join(v.ljust(w) for v, w in zip(out, widths)).rstrip()
    lines = [line([h for _, h in columns]), line(["-" * w for w in widths])]
    lines += [line(r) for r in cells]
    return "\n".join(lines) + "\n"
