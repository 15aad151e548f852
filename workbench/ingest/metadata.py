"""The metadata CSV of a transcript import: one row per transcript file."""

from __future__ import annotations

import csv
from pathlib import Path

from workbench.errors import InputError


def load_metadata(path: str | Path) -> dict[str, dict[str, str]]:
    """A metadata CSV: one row per file (column ``file``), then ``site``, ``participant``,
    ``role``, ``title``, ``date``, ``interviewer``; ``site:NAME`` columns are site attributes,
    any other column a participant attribute. Keyed by file name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"the metadata file cannot be read: {exc}.", path=path) from exc
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "file" not in columns:
        raise InputError(
            "the metadata file has no `file` column.",
            path=path,
            line=1,
            hint="The first row names the columns: file, site, participant, role, ...",
        )
    rows: dict[str, dict[str, str]] = {}
    for number, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        name = clean.get("file", "")
        if not name:
            raise InputError("this row has no file name.", path=path, line=number)
        key = Path(name).name
        if key in rows:
            raise InputError(f"the file {name!r} has two rows.", path=path, line=number)
        clean["_line"] = str(number)
        rows[key] = clean
    return rows
