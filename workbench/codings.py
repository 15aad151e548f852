"""Importing coding done elsewhere (spreadsheets, other tools' exports): one row per coded passage.

Columns (names are matched case-insensitively; alternatives in brackets): ``transcript``
[document, file], ``code`` [tag, theme], ``coder`` [user, annotator] (or ``--coder``), and either
``start``/``end`` [start_char/end_char] offsets or the passage as ``text`` [quote, content]; an
optional ``memo``. When both offsets and text are given, the text must match what stands at the
offsets. A file with any bad row imports nothing and lists every bad row with its number.

The wide layout (one row per utterance, a column per code) is read too: columns named after codes
(path or unique name) mark the row's passage with that code when their cell is 1, x, yes or true.

A spreadsheet is read within limits, so a small hostile file cannot take minutes or gigabytes: at
most 50 MB on disk, 100,000 rows, 1,000 columns, 5,000,000 cells and 300,000 shared strings, and
200 MB unpacked; the sheet's declared dimensions are ignored (only cells present are read). Past a
limit the import stops with a message naming it. Offsets are whole numbers of at most 12 digits.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.coding import create_code, find_quote, resolve_code, resolve_transcript
from workbench.errors import InputError, WorkbenchError
from workbench.models import TranscriptRef
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
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000
MAX_SHARED_STRINGS = 300_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_OFFSET = re.compile(r"\d{1,12}(?:\.0*)?")


@dataclass(slots=True)
class CodingsReport:
    added: int = 0
    already: int = 0
    created_codes: list[str] = field(default_factory=list)


def _too_big(path: Path, what: str, limit: str, line: int | None = None) -> InputError:
    return InputError(
        f"{what}; import-codings reads at most {limit}.",
        path=path,
        line=line,
        hint="Split the file, or remove the empty rows and columns a program added, and import again.",
    )


def _check_archive(path: Path) -> None:
    """Refuse an XLSX whose parts unpack to absurd sizes or hold too many shared strings,
    before openpyxl reads any of it."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            f"the spreadsheet cannot be opened ({exc}).", path=path, hint="Save it again as .xlsx, or export it as CSV."
        ) from exc
    with archive:
        unpacked = sum(max(info.file_size, 0) for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise _too_big(
                path, f"the spreadsheet unpacks to {unpacked:,} bytes", f"{MAX_UNPACKED_BYTES:,} bytes unpacked"
            )
        for info in archive.infolist():
            if not info.filename.lower().endswith("sharedstrings.xml"):
                continue
            count, tail = 0, b""
            pattern = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
            with archive.open(info) as part:
                while chunk := part.read(1 << 20):
                    data = tail + chunk
                    count += len(pattern.findall(data))
                    tail = data[-64:] if len(data) > 64 else b""
                    # a match inside the kept tail would be counted twice: drop it from the tail
                    cut = tail.rfind(b"<")
                    if cut >= 0 and pattern.match(tail, cut):
                        tail = tail[cut + 1 :]
                    if count > MAX_SHARED_STRINGS:
                        raise _too_big(
                            path,
                            f"the spreadsheet has more than {MAX_SHARED_STRINGS:,} shared strings",
                            f"{MAX_SHARED_STRINGS:,} shared strings",
                        )


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    _check_archive(path)
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputError(f"the spreadsheet cannot be opened: {exc}.", path=path) from exc
    try:
        sheet = book.active
        sheet.reset_dimensions()  # read the cells present, not the dimensions the file declares
        values: list[tuple[Any, ...]] = []
        cells = 0
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS + 1:
                    raise _too_big(path, f"the sheet goes past row {MAX_ROWS + 1:,}", f"{MAX_ROWS:,} rows")
                cells += len(row)
                if cells > MAX_CELLS:
                    raise _too_big(path, f"the sheet has more than {MAX_CELLS:,} cells", f"{MAX_CELLS:,} cells", number)
                if len(row) > MAX_COLUMNS:
                    if any(v not in (None, "") for v in row[MAX_COLUMNS:]):
                        raise _too_big(path, f"a value in column {len(row):,}", f"{MAX_COLUMNS:,} columns", number)
                    row = row[:MAX_COLUMNS]
                values.append(row)
        except InputError:
            raise
        except Exception as exc:  # a damaged sheet
            raise InputError(f"the sheet cannot be read: {exc}.", path=path) from exc
    finally:
        book.close()
    while values and all(v in (None, "") for v in values[-1]):
        values.pop()
    if not values:
        raise InputError("the spreadsheet is empty.", path=path)
    head = [str(v or "").strip().lower() for v in values[0]]
    return [{h: "" if v is None else str(v) for h, v in zip(head, row)} for row in values[1:]]


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts with lower-case column names, within the limits above."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror}).", path=path) from exc
    if size > MAX_FILE_BYTES:
        raise _too_big(path, f"the file has {size:,} bytes", "50 MB")
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot be read as UTF-8 CSV: {exc}.", path=path) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise _too_big(path, f"the file has more than {MAX_ROWS:,} rows", f"{MAX_ROWS:,} rows", reader.line_num)
            if len(row) > MAX_COLUMNS + 1:
                raise _too_big(
                    path,
                    f"line {reader.line_num} has {len(row):,} columns",
                    f"{MAX_COLUMNS:,} columns",
                    reader.line_num,
                )
            rows.append(
                {(k or "").strip().lower(): (v if isinstance(v, str) else "; ".join(v or [])) for k, v in row.items()}
            )
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file ({exc}).", path=path, line=reader.line_num) from exc
    return rows


def _offset(raw: str, column: str) -> int:
    """A start or end offset: a whole number of characters (a spreadsheet may write 10 as 10.0)."""
    if not _OFFSET.fullmatch(raw):
        shown = raw if len(raw) <= 24 else f"{raw[:20]}… ({len(raw):,} characters)"
        raise WorkbenchError(
            f"column {column}: {shown!r} is not an offset (a whole number of characters from 0, at most 12 digits)."
        )
    return int(raw.split(".")[0])


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
        match = [c for c in codes if c.path.casefold() == column or c.name.casefold() == column]
        if len(match) == 1:
            names[column] = match[0].path
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


def import_codings(
    store: Store, path: str | Path, *, coder: str | None = None, create_codes: bool = False, origin: str = "imported"
) -> CodingsReport:
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
            raise InputError(
                f"no `{needed}` column.",
                path=path,
                line=1,
                hint="Columns: transcript, code, coder, start, end or text, memo.",
            )
    texts: dict[int, str] = {}
    transcripts: dict[str, TranscriptRef] = {}
    codes = {c.path.casefold(): c for c in store.codes(counts=False)}
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
            text = texts.setdefault(transcript.id, store.transcript_text(transcript.id) or "")
            start_raw, end_raw, quote = _column(row, "start"), _column(row, "end"), _column(row, "text")
            if start_raw is not None and end_raw is not None:
                start, end = _offset(start_raw, "start"), _offset(end_raw, "end")
                if not 0 <= start < end <= len(text):
                    raise WorkbenchError(
                        f"the offsets {start}-{end} are outside the transcript ({len(text)} characters)."
                    )
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
            planned.append((transcript.id, code_ref.strip("/"), start, end, _column(row, "memo"), who))
        except (WorkbenchError, ValueError) as exc:
            errors.append(f"row {number}: {getattr(exc, 'message', str(exc))}")
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise InputError(
            f"{len(errors)} rows cannot be imported; nothing was imported:\n  " + "\n  ".join(shown) + more,
            path=path,
            hint="Fix the rows (or use --create-codes for new codes) and import again.",
        )
    report = CodingsReport()
    with store.transaction():
        for code_path in missing_codes:
            parent = "/".join(code_path.split("/")[:-1])
            if parent and parent.casefold() not in codes:
                raise InputError(
                    f"the code {code_path!r} needs its parent {parent!r} first.",
                    path=path,
                    line=missing_codes[code_path],
                )
            created = create_code(store, code_path, coder=coder)
            codes[created.path.casefold()] = created
            report.created_codes.append(created.path)
        coder_ids: dict[str, int] = {}
        for transcript_id, code_path, start, end, memo, who in planned:
            code_id = codes[code_path.casefold()].id
            coder_id = coder_ids.setdefault(who, store.coder_id(who))
            if store.find_segment(transcript_id, code_id, coder_id, start, end) is not None:
                report.already += 1
                continue
            store.insert_segment(
                transcript_id=transcript_id,
                code_id=code_id,
                coder_id=coder_id,
                start=start,
                end=end,
                text=texts[transcript_id][start:end],
                memo=memo,
                origin=origin,
            )
            report.added += 1
        store.audit(
            "codings.import",
            "segment",
            None,
            coder=coder,
            after={
                "file": path.name,
                "added": report.added,
                "already": report.already,
                "created_codes": report.created_codes,
            },
        )
    return report
