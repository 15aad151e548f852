"""Importing coding done elsewhere (spreadsheets, other tools' exports): one row per coded passage.

Columns (names are matched case-insensitively; alternatives in brackets): ``transcript``
[document, file], ``code`` [tag, theme], ``coder`` [user, annotator] (or ``--coder``), and either
``start``/``end`` [start_char/end_char] offsets or the passage as ``text`` [quote, content]; an
optional ``memo``. When both offsets and text are given, the text must match what stands at the
offsets. A file with any bad row imports nothing and lists every bad row with its number.

The wide layout (one row per utterance, a column per code) is read too: columns named after codes
(path or unique name) mark the row's passage with that code when their cell is 1, x, yes or true.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.coding import create_code, find_quote, resolve_code, resolve_transcript
from workbench.errors import InputError, WorkbenchError
from workbench.store import Store

ALIASES = {
    "transcript": ("transcript", "document", "file", "source"),
    "code": ("code", "tag", "theme", "category"),
    "coder": ("coder", "user", "annotator", "author"),
    "start": ("start", "start_char", "begin", "from"),
    "end": ("end", "end_char", "to", "stop"),
    "text": ("text", "quote", "content", "passage", "excerpt"),
    "memo": ("memo", "note", "comment"),
}
MAX_ERRORS_SHOWN = 20


@dataclass(slots=True)
class CodingsReport:
    added: int = 0
    already: int = 0
    created_codes: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts with lower-case column names."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise InputError(f"the spreadsheet cannot be opened: {exc}.", path=path) from exc
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            raise InputError("the spreadsheet is empty.", path=path)
        head = [str(v or "").strip().lower() for v in values[0]]
        return [{h: "" if v is None else str(v) for h, v in zip(head, row)} for row in values[1:]]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read as UTF-8 CSV: {exc}.", path=path) from exc
    reader = csv.DictReader(text.splitlines())
    return [{(k or "").strip().lower(): (v or "") for k, v in row.items()} for row in reader]


TRUE = {"1", "x", "yes", "y", "true", "1.0"}


def _long_rows(store: Store, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Turn the wide layout (a column per code) into one row per coded passage; long rows pass."""
    known = {alias for aliases in ALIASES.values() for alias in aliases}
    if any(alias in rows[0] for alias in ALIASES["code"]):
        return rows
    codes = store.codes(counts=False)
    names: dict[str, str] = {}
    for column in rows[0]:
        if column in known or not column:
            continue
        match = [c for c in codes if c["path"].casefold() == column or c["name"].casefold() == column]
        if len(match) == 1:
            names[column] = match[0]["path"]
    if not names:
        return rows
    out = []
    for number, row in enumerate(rows, start=2):
        base = {k: v for k, v in row.items() if k in known}
        marked = [path for column, path in names.items() if str(row.get(column, "")).strip().lower() in TRUE]
        for path in marked:
            out.append({**base, "code": path, "_row": str(number)})
    return out or [{"code": ""}]


def _column(row: dict[str, str], name: str) -> str | None:
    for alias in ALIASES[name]:
        if alias in row and str(row[alias]).strip() != "":
            return str(row[alias]).strip()
    return None


def import_codings(store: Store, path: str | Path, *, coder: str | None = None, create_codes: bool = False,
                   origin: str = "imported") -> CodingsReport:
    """Import coded passages from a CSV or XLSX file, all or nothing."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file.", path=path)
    rows = read_rows(path)
    if not rows:
        raise InputError("the file has no rows.", path=path)
    rows = _long_rows(store, rows)
    head = set(rows[0])
    for needed in ("transcript", "code"):
        if not any(alias in head for alias in ALIASES[needed]):
            raise InputError(f"no `{needed}` column.", path=path, line=1,
                             hint="Columns: transcript, code, coder, start, end or text, memo.")
    texts: dict[int, str] = {}
    transcripts: dict[str, dict[str, Any]] = {}
    codes = {c["path"].casefold(): c for c in store.codes(counts=False)}
    planned: list[tuple[int, str, int, int, str | None, str]] = []
    errors: list[str] = []
    missing_codes: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        number = int(row.get("_row", index))
        try:
            ref = _column(row, "transcript")
            code_ref = _column(row, "code")
            who = _column(row, "coder") or coder
            if not ref or not code_ref:
                raise WorkbenchError("the transcript or the code is empty.")
            if not who:
                raise WorkbenchError("no coder: add a coder column or give --coder.")
            if ref not in transcripts:
                transcripts[ref] = resolve_transcript(store, ref)
            transcript = transcripts[ref]
            text = texts.setdefault(transcript["id"], store.transcript_text(transcript["id"]) or "")
            start_raw, end_raw, quote = _column(row, "start"), _column(row, "end"), _column(row, "text")
            if start_raw is not None and end_raw is not None:
                start, end = int(float(start_raw)), int(float(end_raw))
                if not 0 <= start < end <= len(text):
                    raise WorkbenchError(f"the offsets {start}-{end} are outside the transcript ({len(text)} characters).")
                if quote is not None and " ".join(quote.split()) != " ".join(text[start:end].split()):
                    raise WorkbenchError(f"the text at {start}-{end} is {text[start:end][:60]!r}, not {quote[:60]!r}.")
            elif quote is not None:
                start, end = find_quote(text, quote)
            else:
                raise WorkbenchError("neither offsets (start, end) nor the passage's text.")
            if code_ref.strip("/").casefold() not in codes:
                if not create_codes:
                    resolve_code(store, code_ref)  # raises with suggestions
                missing_codes.setdefault(code_ref.strip("/"), number)
            planned.append((transcript["id"], code_ref.strip("/"), start, end, _column(row, "memo"), who))
        except (WorkbenchError, ValueError) as exc:
            errors.append(f"row {number}: {getattr(exc, 'message', str(exc))}")
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise InputError(f"{len(errors)} rows cannot be imported; nothing was imported:\n  " + "\n  ".join(shown) + more,
                         path=path, hint="Fix the rows (or use --create-codes for new codes) and import again.")
    report = CodingsReport()
    with store.transaction():
        for code_path in missing_codes:
            parent = "/".join(code_path.split("/")[:-1])
            if parent and parent.casefold() not in codes:
                raise InputError(f"the code {code_path!r} needs its parent {parent!r} first.", path=path,
                                 line=missing_codes[code_path])
            created = create_code(store, code_path, coder=coder)
            codes[created["path"].casefold()] = created
            report.created_codes.append(created["path"])
        coder_ids: dict[str, int] = {}
        for transcript_id, code_path, start, end, memo, who in planned:
            code_id = codes[code_path.casefold()]["id"]
            coder_id = coder_ids.setdefault(who, store.coder_id(who))
            if store.find_segment(transcript_id, code_id, coder_id, start, end) is not None:
                report.already += 1
                continue
            store.insert_segment(transcript_id=transcript_id, code_id=code_id, coder_id=coder_id,
                                              start=start, end=end, text=texts[transcript_id][start:end],
                                              memo=memo, origin=origin)
            report.added += 1
        store.audit("codings.import", "segment", None, coder=coder,
                    after={"file": path.name, "added": report.added, "already": report.already,
                           "created_codes": report.created_codes})
    return report
