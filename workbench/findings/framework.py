"""Framework charting (Ritchie & Spencer; Gale et al. 2013): a researcher-written summary in each
cell of the framework matrix (a case, i.e. a participant or a site, x a theme), kept beside the
cell's coded segments, with some segments flagged as key quotes.

Summaries and flags are stored in the project (tables ``framework_summaries`` and ``key_quotes``)
and every change is in the audit log. The summary, the analyst's note and the quotations stay in
separate fields; every quote reference points to a coded segment. The export is the framework
matrix as XLSX, HTML or Markdown: summaries in the cells, with references (Q + segment id) to the
key quotes of the cell, listed with transcript, participant and position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InputError, NotFoundError, WorkbenchError
from workbench.findings.text import h, h_block, html_page, md_line
from workbench.models import FrameworkSummary
from workbench.store import Store

ROW_KINDS = ("participant", "site")
MAX_SUMMARY = 20_000


@dataclass(slots=True)
class QuoteRef:
    """A key quote: a coded segment, where it is, and what it says."""

    segment_id: int
    transcript_id: int
    transcript: str
    participant: str | None
    site: str | None
    code: str
    coder: str
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return f"Q{self.segment_id}"

    @property
    def where(self) -> str:
        who = self.participant or self.transcript
        return f"{who}, {self.transcript}, characters {self.start}-{self.end}"


@dataclass(slots=True)
class FrameworkCell:
    row: str
    column: str
    code_id: int
    summary: str | None = None
    note: str | None = None
    coder: str | None = None
    updated_at: str | None = None
    segment_ids: list[int] = field(default_factory=list)
    quotes: list[QuoteRef] = field(default_factory=list)  # flagged segments of the cell


@dataclass(slots=True)
class FrameworkMatrix:
    rows_kind: str
    rows: list[str]
    columns: list[str]  # code paths (themes by default)
    cells: dict[tuple[str, str], FrameworkCell]
    selection: str

    @property
    def charted(self) -> int:
        return sum(1 for c in self.cells.values() if c.summary)

    def quotes(self) -> list[QuoteRef]:
        seen: dict[int, QuoteRef] = {}
        for column in self.columns:
            for row in self.rows:
                for quote in self.cells[(row, column)].quotes:
                    seen.setdefault(quote.segment_id, quote)
        return list(seen.values())


# -- writing ------------------------------------------------------------------------------------


def _check_row(store: Store, row_kind: str, row_key: str) -> str:
    if row_kind not in ROW_KINDS:
        raise WorkbenchError(f"unknown rows {row_kind!r}.", hint="Use participant or site.")
    if row_kind == "participant":
        known = [p.label for p in store.participants()]
    else:
        known = [s.name for s in store.sites()]
    for name in known:
        if name.casefold() == row_key.strip().casefold():
            return name
    hint = f"The {row_kind}s: " + ", ".join(known[:12]) + ("…" if len(known) > 12 else "") if known else None
    raise NotFoundError(f"no {row_kind} called {row_key!r}.", hint=hint)


def set_summary(
    store: Store,
    row_kind: str,
    row_key: str,
    code: str | int,
    summary: str,
    *,
    note: str | None = None,
    coder: str | None = None,
) -> FrameworkSummary | None:
    """Write (or replace) the summary of a cell; an empty summary removes it. Audited."""
    from workbench.coding import resolve_code

    row = _check_row(store, row_kind, row_key)
    code_row = store.code_raw(code) if isinstance(code, int) else resolve_code(store, code)
    if code_row is None:
        raise NotFoundError(f"no code {code}.")
    text = (summary or "").strip()
    if len(text) > MAX_SUMMARY:
        raise InputError(
            f"the summary has {len(text):,} characters; a cell holds at most {MAX_SUMMARY:,}.",
            hint="Summarise; keep long passages as key quotes.",
        )
    note = (note or "").strip() or None
    with store.transaction():
        before = store.framework_summary(row_kind, row, code_row.id)
        if not text:
            if before is None:
                return None
            store.delete_framework_summary(before.id)
            store.audit("framework.clear", "framework_summary", before.id, coder=coder, before=before)
            return None
        summary_id = store.set_framework_summary(row_kind, row, code_row.id, text, note, coder)
        after = store.framework_summary(row_kind, row, code_row.id)
        store.audit("framework.set", "framework_summary", summary_id, coder=coder, before=before, after=after)
    return after


def flag_quote(store: Store, segment_id: int, *, coder: str | None = None, flagged: bool = True) -> bool:
    """Flag (or unflag) a segment as a key quote; returns whether anything changed. Audited."""
    with store.transaction():
        segment = store.segment(segment_id)
        if segment is None:
            raise NotFoundError(f"no segment {segment_id}.", hint="List segments with `workbench segments`.")
        changed = store.flag_key_quote(segment_id, coder) if flagged else store.unflag_key_quote(segment_id)
        if changed:
            store.audit(
                "quote.flag" if flagged else "quote.unflag",
                "segment",
                segment_id,
                coder=coder,
                after={
                    "key_quote": flagged,
                    "transcript_id": segment.transcript_id,
                    "start": segment.start,
                    "end": segment.end,
                },
            )
    return changed


# -- reading ------------------------------------------------------------------------------------


def quote_refs(store: Store, segment_ids: list[int] | set[int]) -> dict[int, QuoteRef]:
    paths = {c.id: c.path for c in store.codes(counts=False)}
    out = {}
    for s in filter(None, (store.segment(i) for i in sorted(set(segment_ids)))):  # flagged ones are few
        out[s.id] = QuoteRef(
            segment_id=s.id,
            transcript_id=s.transcript_id,
            transcript=s.transcript,
            participant=s.participant,
            site=s.site,
            code=paths.get(s.code_id, "?"),
            coder=s.coder,
            start=s.start,
            end=s.end,
            text=s.text,
        )
    return out


def build_framework(
    store: Store, rows: str = "participant", columns: str = "theme", selection: Any = None
) -> FrameworkMatrix:
    """The framework matrix: every row and column of the project (empty cells are findings too),
    each cell with its summary, note, segments and flagged key quotes."""
    from workbench.analysis.frame import Selection
    from workbench.analysis.matrix import MatrixSpec, build_matrix

    if rows not in ROW_KINDS:
        raise WorkbenchError(f"unknown rows {rows!r}.", hint="Use --rows participant or --rows site.")
    selection = selection or Selection()
    matrix = build_matrix(store, MatrixSpec(rows=rows, columns=columns, value="segments", selection=selection))
    codes = {c.path: c.id for c in store.codes(counts=False)}
    row_names = [str(r) for r in matrix.table.index]
    column_names = [str(c) for c in matrix.table.columns]
    summaries = {(s.row_key, s.code_id): s for s in store.framework_summaries(rows)}
    flagged = store.key_quote_ids()
    cells: dict[tuple[str, str], FrameworkCell] = {}
    wanted: set[int] = set()
    for row in row_names:
        for column in column_names:
            ids = list(matrix.cells.get((row, column), []))
            cell = FrameworkCell(row=row, column=column, code_id=codes.get(column, 0), segment_ids=ids)
            saved = summaries.get((row, cell.code_id))
            if saved:
                cell.summary, cell.note, cell.coder, cell.updated_at = (
                    saved.summary,
                    saved.note,
                    saved.coder,
                    saved.updated_at,
                )
            wanted.update(i for i in ids if i in flagged)
            cells[(row, column)] = cell
    refs = quote_refs(store, wanted)
    for cell in cells.values():
        cell.quotes = [refs[i] for i in cell.segment_ids if i in refs]
        cell.quotes.sort(key=lambda q: (q.transcript, q.start))
    return FrameworkMatrix(
        rows_kind=rows, rows=row_names, columns=column_names, cells=cells, selection=selection.describe()
    )


# -- exports ------------------------------------------------------------------------------------


def _cell_text(cell: FrameworkCell) -> str:
    parts = []
    if cell.summary:
        parts.append(cell.summary)
    if cell.note:
        parts.append(f"[Note: {cell.note}]")
    if cell.quotes:
        parts.append("Quotes: " + ", ".join(q.label for q in cell.quotes))
    if not parts:
        parts.append(f"({len(cell.segment_ids)} segments, not charted)" if cell.segment_ids else "")
    return "\n".join(parts)


def framework_markdown(fm: FrameworkMatrix, *, title: str) -> str:
    lines = [
        f"# Framework matrix: {md_line(title)}",
        "",
        f"Rows: {fm.rows_kind}s; columns: themes. {fm.charted} of {len(fm.cells)} cells charted "
        f"({md_line(fm.selection)}). Q numbers refer to the key quotes listed below.",
        "",
    ]
    lines.append("| " + " | ".join([md_line(fm.rows_kind)] + [md_line(c) for c in fm.columns]) + " |")
    lines.append("|" + "---|" * (len(fm.columns) + 1))
    for row in fm.rows:
        cells = []
        for column in fm.columns:
            cell = fm.cells[(row, column)]
            text = (
                md_line(cell.summary)
                if cell.summary
                else (f"*{len(cell.segment_ids)} segments*" if cell.segment_ids else "")
            )
            if cell.note:
                text += f" *Note: {md_line(cell.note)}*"
            if cell.quotes:
                text += " (" + ", ".join(q.label for q in cell.quotes) + ")"
            cells.append(text.strip() or "–")
        lines.append("| " + " | ".join([f"**{md_line(row)}**"] + cells) + " |")
    lines.append("")
    quotes = fm.quotes()
    if quotes:
        lines += ["## Key quotes", ""]
        for q in quotes:
            lines.append(f"- **{q.label}** ({md_line(q.where)}; {md_line(q.code)}): “{md_line(q.text)}”")
        lines.append("")
    return "\n".join(lines)


def framework_html_table(fm: FrameworkMatrix) -> str:
    head = "".join(f"<th>{h(c)}</th>" for c in fm.columns)
    body = []
    for row in fm.rows:
        cells = []
        for column in fm.columns:
            cell = fm.cells[(row, column)]
            inner = h_block(cell.summary) if cell.summary else ""
            if cell.note:
                inner += f'<p class="note">Note: {h(cell.note)}</p>'
            if cell.quotes:
                inner += (
                    '<p class="meta">' + ", ".join(f'<a href="#{q.label}">{q.label}</a>' for q in cell.quotes) + "</p>"
                )
            if not inner:
                inner = f'<span class="meta">{len(cell.segment_ids)} segments</span>' if cell.segment_ids else "–"
            cells.append(f"<td>{inner}</td>")
        body.append(f"<tr><th>{h(row)}</th>{''.join(cells)}</tr>")
    table = f"<table><thead><tr><th>{h(fm.rows_kind)}</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    quotes = fm.quotes()
    if quotes:
        table += (
            "<h3>Key quotes</h3><ul>"
            + "".join(
                f'<li id="{q.label}"><b>{q.label}</b> ({h(q.where)}; {h(q.code)}): “{h(" ".join(q.text.split()))}”</li>'
                for q in quotes
            )
            + "</ul>"
        )
    return table


def framework_html(fm: FrameworkMatrix, *, title: str) -> str:
    body = (
        f'<h1>Framework matrix: {h(title)}</h1><p class="meta">Rows: {h(fm.rows_kind)}s; columns: themes. '
        f"{fm.charted} of {len(fm.cells)} cells charted ({h(fm.selection)}).</p>" + framework_html_table(fm)
    )
    return html_page(f"Framework matrix: {title}", body)


def write_framework_xlsx(fm: FrameworkMatrix, path: Path) -> None:
    """Sheets: the matrix (summaries, notes, quote references), the key quotes, every summary in
    long form. Text is neutralized against formulas by the writer."""
    import pandas as pd

    from workbench.export.tables import write_xlsx

    matrix = pd.DataFrame(
        [[_cell_text(fm.cells[(r, c)]) for c in fm.columns] for r in fm.rows],
        index=pd.Index(fm.rows, name=fm.rows_kind),
        columns=fm.columns,
    )
    quotes = fm.quotes()
    quote_table = pd.DataFrame(
        [
            {
                "quote": q.label,
                "segment_id": q.segment_id,
                "transcript": q.transcript,
                "participant": q.participant,
                "site": q.site,
                "code": q.code,
                "coder": q.coder,
                "start": q.start,
                "end": q.end,
                "text": q.text,
            }
            for q in quotes
        ]
        or [{"quote": ""}]
    ).set_index("quote")
    long = pd.DataFrame(
        [
            {
                fm.rows_kind: c.row,
                "theme": c.column,
                "summary": c.summary,
                "note": c.note,
                "quotes": ", ".join(q.label for q in c.quotes),
                "segments": len(c.segment_ids),
                "by": c.coder,
                "updated": c.updated_at,
            }
            for c in fm.cells.values()
            if c.summary
        ]
        or [{fm.rows_kind: ""}]
    ).set_index(fm.rows_kind)
    write_xlsx(
        path,
        [("Framework", matrix), ("Key quotes", quote_table), ("Summaries", long)],
        wrap_columns=set(fm.columns) | {"text", "summary"},
    )


def export_framework(fm: FrameworkMatrix, fmt: str, path: Path | None, *, title: str) -> str | None:
    if fmt == "md":
        text = framework_markdown(fm, title=title)
    elif fmt == "html":
        text = framework_html(fm, title=title)
    elif fmt == "xlsx":
        if path is None:
            raise WorkbenchError("an XLSX file needs a name.", hint="Add -o framework.xlsx.")
        write_framework_xlsx(fm, path)
        return None
    else:
        raise WorkbenchError(f"unknown format {fmt!r}.", hint="Use xlsx, html or md.")
    if path is None:
        return text
    path.write_text(text, encoding="utf-8")
    return None
