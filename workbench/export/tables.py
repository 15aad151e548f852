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
from datetime import datetime, timezone
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


def table_to_csv(table: "pd.DataFrame") -> str:
    head = [f"{table.index.name or ''} \\ {table.columns.name or ''}".strip(" \\")] + [str(c) for c in table.columns]
    return csv_text(head, ([str(name)] + [_clean(v) for v in row] for name, row in table.iterrows()))


def table_to_tidy(table: "pd.DataFrame", value: str) -> str:
    """Long format: one line per cell (row, column, value), for scripts and R."""
    rows = ([str(name), str(column), _clean(cell)] for name, row in table.iterrows() for column, cell in row.items())
    return csv_text([table.index.name or "row", table.columns.name or "column", value], rows)


def table_to_json(table: "pd.DataFrame", meta: dict[str, Any]) -> str:
    data = {**meta, "rows": [str(r) for r in table.index], "columns": [str(c) for c in table.columns],
            "values": [[_clean(v) for v in row] for row in table.itertuples(index=False)]}
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


def share_columns(table: "pd.DataFrame", value: str | None = None) -> set[str]:
    """The columns of a table that hold shares: all of a share matrix, else those named share..."""
    if value == "share":
        return {str(c) for c in table.columns}
    return {str(c) for c in table.columns if str(c).startswith("share")}


def _md_cell(value: Any, share: bool = False) -> str:
    if isinstance(_clean(value), (int, float)) or _clean(value) is None:
        return format_number(value, share=share)
    return md_text(value)


def table_to_markdown(table: "pd.DataFrame", title: str | None = None, value: str | None = None) -> str:
    head = md_text(table.index.name or "")
    shares = share_columns(table, value)
    lines = [f"**{md_text(title)}**", ""] if title else []
    lines.append("| " + " | ".join([head] + [md_text(c) for c in table.columns]) + " |")
    lines.append("|" + "---|" * (len(table.columns) + 1))
    for name, row in table.iterrows():
        lines.append("| " + " | ".join([md_text(name)] + [_md_cell(v, str(c) in shares) for c, v in row.items()])
                     + " |")
    return "\n".join(lines) + "\n"


def table_to_html(table: "pd.DataFrame", title: str, value: str | None = None) -> str:
    """A table as one self-contained HTML page (counts as integers, shares as percentages), every
    piece of project text escaped, scripts and network loads forbidden by the page's policy."""
    from workbench.export.report import CSP

    shares = share_columns(table, value)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{CSP}", f"<title>{escape(title)}</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
             "th,td{border:1px solid #d5d9e2;padding:.3rem .6rem}td{text-align:right}th{background:#eef1f6}</style>",
             f"</head><body><h1>{escape(title)}</h1><table><thead><tr><th>{escape(str(table.index.name or ''))}</th>"]
    parts += [f"<th>{escape(str(c))}</th>" for c in table.columns]
    parts.append("</tr></thead><tbody>")
    for name, row in table.iterrows():
        cells = "".join(f"<td>{escape(format_number(v, share=str(c) in shares))}</td>" for c, v in row.items())
        parts.append(f"<tr><th>{escape(str(name))}</th>{cells}</tr>")
    parts.append("</tbody></table></body></html>\n")
    return "".join(parts)


# Characters an XLSX file cannot hold (openpyxl refuses them): shown as visible escapes instead.
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_value(value: Any) -> Any:
    """A cell's value: formulas neutralized, characters XML cannot hold made visible (``\\x1b``)."""
    value = neutralize(value)
    if isinstance(value, str) and _XLSX_ILLEGAL.search(value):
        value = _XLSX_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def write_xlsx(path: Path, sheets: list[tuple[str, "pd.DataFrame"]], *, wrap_columns: set[str] | None = None,
               force: bool = False, protect: tuple = ()) -> None:
    """One sheet per view: frozen header row and first column, readable widths, wrapped long text,
    shares as percentages. Written in openpyxl's streaming mode, so 100,000 rows take seconds."""
    check_destination(path, force=force, protect=protect)  # refuse before any work
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, table in sheets:
        sheet = book.create_sheet(title=name[:31])
        frame = table.reset_index()
        columns = [str(c) for c in frame.columns]
        sample = frame.head(2000)
        wrapped: set[int] = set()
        for index, column in enumerate(columns):
            values = [column] + [str(_clean(v) or "") for v in sample.iloc[:, index]]
            longest = max((max((len(line) for line in v.split("\n")), default=0) for v in values), default=8)
            wide = bool(wrap_columns and column in wrap_columns)
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(10, longest + 2), 80 if wide else 45)
            if wide or longest > 45:
                wrapped.add(index)
        percent = {i for i, dtype in enumerate(frame.dtypes) if dtype.kind == "f"
                   and frame.iloc[:, i].dropna().between(0, 1).all() and frame.iloc[:, i].notna().any()}
        sheet.freeze_panes = "B2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=xlsx_value(column))
            cell.font, cell.fill = bold, head_fill
            header.append(cell)
        sheet.append(header)
        for row in frame.itertuples(index=False, name=None):
            values: list[Any] = [xlsx_value(_clean(v)) for v in row]
            for i in wrapped | percent:
                cell = WriteOnlyCell(sheet, value=values[i])
                if i in wrapped:
                    cell.alignment = wrap
                if i in percent:
                    cell.number_format = "0%"
                values[i] = cell
            sheet.append(values)
    with replacing(path, force=force, protect=protect) as tmp:
        try:
            book.save(tmp)
        except OSError as exc:
            raise WorkbenchError(f"{path}: cannot be written ({exc.strerror}).") from exc


def codebook_table(book: "Codebook") -> "pd.DataFrame":
    import pandas as pd

    rows = [{"code": path, "definition": c.definition, "when to use": c.when_to_use,
             "when not to use": c.when_not_to_use, "example": c.example, "keywords": ", ".join(c.keywords)}
            for path, c in book.walk()]
    return pd.DataFrame(rows).set_index("code")


def excerpts_table(matrix: "Matrix") -> "pd.DataFrame":
    """Every segment behind the counts, with its row and column."""
    frame = matrix.frame.sort_values(["row", "column", "transcript", "start"], kind="stable")
    columns = ["row", "column", "code", "site", "participant", "role", "transcript", "coder", "start", "end", "text"]
    frame = frame[[c for c in columns if c in frame.columns]].copy()
    row_name, column_name = f"row ({matrix.spec.rows})", f"column ({matrix.spec.columns})"
    frame = frame.rename(columns={"row": row_name, "column": column_name})
    return frame.set_index(row_name)


def write_matrix(matrix: "Matrix", fmt: str, path: Path | None, *, book: "Codebook | None" = None,
                 project: str = "", force: bool = False, protect: tuple = ()) -> str | None:
    """Write a matrix in a format; returns the text for text formats written to standard output."""
    meta = {"title": matrix.title, "rows_by": matrix.spec.rows, "columns_by": matrix.spec.columns,
            "value": matrix.spec.value, "selection": matrix.spec.selection.describe(), "project": project,
            "made_by": f"workbench {__version__}", "made_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
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
