"""Write matrices and other tables as CSV, tidy CSV, JSON, Markdown, XLSX or one HTML file.

Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return,
at the start of a cell or after a line break inside it) is neutralized in CSV and XLSX, so a
transcript cannot inject formulas; Markdown and HTML escape all project text (workbench.output).
Files are written through workbench.export.destination (no device nodes, links or silent
overwrites).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, UTC
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.export.destination import check_destination, replacing, write_file
from workbench.output import csv_text, html_text, json_text, md_text, neutralize

if TYPE_CHECKING:
    import pandas as pd

    from workbench.analysis.matrix import Matrix
    from workbench.models import Codebook

FORMATS = ("csv", "tidy", "json", "md", "xlsx", "html")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def table_to_csv(table: pd.DataFrame) -> str:
    head = [f"{table.index.name or ''} \\ {table.columns.name or ''}".strip(" \\")] + [str(c) for c in table.columns]
    return csv_text(head, ([str(name)] + [_clean(v) for v in row] for name, row in table.iterrows()))


def table_to_tidy(table: pd.DataFrame, value: str) -> str:
    """Long format: one line per cell (row, column, value), for scripts and R."""
    rows = ([str(name), str(column), _clean(cell)] for name, row in table.iterrows() for column, cell in row.items())
    return csv_text([table.index.name or "row", table.columns.name or "column", value], rows)


def table_to_json(table: pd.DataFrame, meta: dict[str, Any]) -> str:
    data = {
        **meta,
        "rows": [str(r) for r in table.index],
        "columns": [str(c) for c in table.columns],
        "values": [[_clean(v) for v in row] for row in table.itertuples(index=False)],
    }
    return json_text(data, default=None)


def format_number(value: Any, *, share: bool = False) -> str:
    """A number as people read it in a paper: a share as a percentage (``33%``), a count as an
    integer (``21``, never ``21.00`` or ``100%``), a missing value as a dash. The kind comes from
    the table (which column holds shares), never from the value's size."""
    value = _clean(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if share and isinstance(value, (int, float)):
        return f"{value:.0%}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def share_columns(table: pd.DataFrame, value: str | None = None) -> set[str]:
    """The columns of a table that hold shares: all of a share matrix, else those named share..."""
    if value == "share":
        return {str(c) for c in table.columns}
    return {str(c) for c in table.columns if str(c).startswith("share")}


def _md_cell(value: Any, share: bool = False) -> str:
    if isinstance(_clean(value), (int, float)) or _clean(value) is None:
        return format_number(value, share=share)
    return md_text(value)


def table_to_markdown(table: pd.DataFrame, title: str | None = None, value: str | None = None) -> str:
    head = md_text(table.index.name or "")
    shares = share_columns(table, value)
    lines = [f"**{md_text(title)}**", ""] if title else []
    lines.append("| " + " | ".join([head] + [md_text(c) for c in table.columns]) + " |")
    lines.append("|" + "---|" * (len(table.columns) + 1))
    for name, row in table.iterrows():
        lines.append(
            "| " + " | ".join([md_text(name)] + [_md_cell(v, str(c) in shares) for c, v in row.items()]) + " |"
        )
    return "\n".join(lines) + "\n"


def table_to_html(table: pd.DataFrame, title: str, value: str | None = None) -> str:
    """A table as one self-contained HTML page (counts as integers, shares as percentages), every
    piece of project text escaped, scripts and network loads forbidden by the page's policy."""
    from workbench.export.report import CSP

    shares = share_columns(table, value)
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{CSP}",
        f"<title>{escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "th,td{border:1px solid #d5d9e2;padding:.3rem .6rem}td{text-align:right}th{background:#eef1f6}</style>",
        f"</head><body><h1>{escape(title)}</h1><table><thead><tr><th>{escape(str(table.index.name or ''))}</th>",
    ]
    parts += [f"<th>{escape(str(c))}</th>" for c in table.columns]
    parts.append("</tr></thead><tbody>")
    for name, row in table.iterrows():
        cells = "".join(f"<td>{escape(format_number(v, share=str(c) in shares))}</td>" for c, v in row.items())
        parts.append(f"<tr><th>{escape(str(name))}</th>{cells}</tr>")
    parts.append("</tbody></table></body></html>\n")
    return "".join(parts)


XLSX_CELL_LIMIT = 32_767  # characters Excel holds in one cell

# Characters an XLSX file cannot hold: shown as visible escapes instead.
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_value(value: Any) -> Any:
    """A cell's value: formulas neutralized, characters XML cannot hold made visible (``\\x1b``)."""
    value = neutralize(value)
    if isinstance(value, str) and _XLSX_ILLEGAL.search(value):
        value = _XLSX_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def _xlsx_value(value: Any) -> Any:
    """A cell's value as the XLSX writer takes it: missing values empty, numpy scalars as Python
    numbers, text neutralized (no formulas) and cut, with a note, at Excel's limit for a cell."""
    value = _clean(value)
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, str):
        value = xlsx_value(value)
        if len(value) > XLSX_CELL_LIMIT:
            note = f" [… cut: the full text has {len(value):,} characters; a cell holds {XLSX_CELL_LIMIT:,}]"
            value = value[: XLSX_CELL_LIMIT - len(note)] + note
        return value
    if isinstance(value, (int, float, bool)):
        return value
    return str(value)


def _xlsx_column(series: pd.Series) -> Any:
    """A column ready for the writer: numbers stay as they are; anything else becomes Python
    objects, each distinct value converted once (categories and repeated labels are cheap)."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iufb":
        return series
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): one at a time
        return pd.Series([_xlsx_value(v) for v in series.tolist()], index=series.index, dtype=object)
    uniques = uniques.tolist()
    converted = [_xlsx_value(v) for v in uniques]
    if not (codes < 0).any() and all(a is b for a, b in zip(converted, uniques)) and series.dtype.kind in "OU":
        return series  # text as it is: no copy
    table = np.array(converted + [None], dtype=object)
    return pd.Series(table[codes], index=series.index, dtype=object)  # code -1 (missing) -> None


def write_xlsx(
    path: Path,
    sheets: list[tuple[str, pd.DataFrame]],
    *,
    wrap_columns: set[str] | None = None,
    force: bool = False,
    protect: Iterable[str | Path] = (),
) -> None:
    """Write the sheets (see :func:`_build_xlsx`) through a temporary file moved into place when
    complete; a destination that is not a new path or (with ``force``) a regular file is refused
    before any work."""
    check_destination(path, force=force, protect=protect)
    with replacing(path, force=force, protect=protect) as tmp:
        _build_xlsx(Path(tmp), sheets, wrap_columns=wrap_columns, shown=path)


def _build_xlsx(
    path: Path,
    sheets: list[tuple[str, pd.DataFrame]],
    *,
    wrap_columns: set[str] | None = None,
    shown: Path | None = None,
) -> None:
    """One sheet per view: frozen header row and first column, readable widths, wrapped long text,
    shares as percentages. Written by rustpy-xlsxwriter (a Rust XLSX writer; rows stream to the
    file), several times faster than openpyxl's streaming mode: 100,000 excerpts take a few seconds."""
    import pandas as pd
    from rustpy_xlsxwriter import FastExcel, Format

    book = FastExcel(str(path)).freeze(row=1, col=1)
    header = Format().set_bold().set_background_color("#DDE4EE")
    for name, table in sheets:
        frame = table.reset_index()
        columns = [str(c) for c in frame.columns]
        sample = frame.head(2000)
        widths: list[float] = []
        formats: list[Any] = []
        for index, column in enumerate(columns):
            values = [column] + ["" if v is None else str(v) for v in map(_xlsx_value, sample.iloc[:, index])]
            longest = max((max((len(line) for line in v.split("\n")), default=0) for v in values), default=8)
            wide = bool(wrap_columns and column in wrap_columns)
            widths.append(min(max(10, longest + 2), 80 if wide else 45))
            data = frame.iloc[:, index]
            if wide or longest > 45:
                formats.append(Format().set_text_wrap().set_align("top"))
            elif data.dtype.kind == "f" and data.notna().any() and data.dropna().between(0, 1).all():
                formats.append(Format().set_num_format("0%"))
            else:
                formats.append(None)
        cells = pd.DataFrame({i: _xlsx_column(frame.iloc[:, i]) for i in range(len(columns))})
        cells.columns = [xlsx_value(c) for c in columns]
        book.sheet(name[:31], cells, column_widths=widths, column_formats=formats, header_format=header)
    try:
        book.save()
    except (OSError, RuntimeError) as exc:
        raise WorkbenchError(f"{shown or path}: cannot be written ({getattr(exc, 'strerror', None) or exc}).") from exc


def codebook_table(book: Codebook) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "code": path,
            "definition": c.definition,
            "when to use": c.when_to_use,
            "when not to use": c.when_not_to_use,
            "example": c.example,
            "keywords": ", ".join(c.keywords),
        }
        for path, c in book.walk()
    ]
    return pd.DataFrame(rows).set_index("code")


def excerpts_table(matrix: Matrix) -> pd.DataFrame:
    """Every segment behind the counts, with its row and column."""
    columns = ["row", "column", "code", "site", "participant", "role", "transcript", "coder", "start", "end", "text"]
    frame = matrix.frame[[c for c in columns if c in matrix.frame.columns]]
    frame = frame.sort_values(["row", "column", "transcript", "start"], kind="stable")
    row_name, column_name = f"row ({matrix.spec.rows})", f"column ({matrix.spec.columns})"
    frame = frame.rename(columns={"row": row_name, "column": column_name})
    return frame.set_index(row_name)


def write_matrix(
    matrix: Matrix,
    fmt: str,
    path: Path | None,
    *,
    book: Codebook | None = None,
    project: str = "",
    force: bool = False,
    protect: Iterable[str | Path] = (),
) -> str | None:
    """Write a matrix in a format; returns the text for text formats written to standard output."""
    meta = {
        "title": matrix.title,
        "rows_by": matrix.spec.rows,
        "columns_by": matrix.spec.columns,
        "value": matrix.spec.value,
        "selection": matrix.spec.selection.describe(),
        "project": project,
        "made_by": f"workbench {__version__}",
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if fmt == "csv":
        text = table_to_csv(matrix.table)
    elif fmt == "tidy":
        text = table_to_tidy(matrix.table, matrix.spec.value)
    elif fmt == "json":
        text = table_to_json(matrix.table, meta)
    elif fmt == "md":
        text = table_to_markdown(matrix.table, matrix.title, matrix.spec.value)
    elif fmt == "xlsx":
        if path is None:
            raise WorkbenchError("an XLSX file needs a name.", hint="Add -o FILE.xlsx.")
        sheets = [("Matrix", matrix.table), ("Counts", matrix.counts), ("Excerpts", excerpts_table(matrix))]
        if book is not None:
            sheets.append(("Codebook", codebook_table(book)))
        import pandas as pd

        sheets.append(("About", pd.DataFrame({"value": list(meta.values())}, index=pd.Index(list(meta), name="field"))))
        wrap = {"text", "definition", "when to use", "when not to use", "example"}
        if matrix.spec.value == "excerpts":
            wrap |= {str(c) for c in matrix.table.columns}
        write_xlsx(path, sheets, wrap_columns=wrap, force=force, protect=protect)
        return None
    elif fmt == "html":
        from workbench.export.report import matrix_report

        text = matrix_report(matrix, book, meta)
    else:
        raise WorkbenchError(f"unknown format {fmt!r}.", hint="Use one of: " + ", ".join(FORMATS) + ".")
    if path is None:
        return text
    write_file(path, text, force=force, protect=protect)
    return None


def escape(value: Any) -> str:
    """Project text for HTML (the one escaping path: workbench.output.html_text)."""
    return html_text(value)
