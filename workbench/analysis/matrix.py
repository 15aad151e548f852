"""The framework matrix (Ritchie and Spencer's Framework Method) and its relatives.

Rows: sites, participants, roles, transcripts, coders, or any site or participant attribute
(``site:sector``, ``participant:language``). Columns: themes (``theme``: sub-codes rolled up into
their theme, each segment counted once), codes down to a level (``level2``...), or every code
(``code``). Values: segments, transcripts, participants who raised it, the share of a row's
participants who raised it, or excerpts. Every row and column of the project is shown, empty or not.

Counts are plain Python over the segments streamed from the project (no text is read unless a
view shows it, and pandas is not needed): ``Matrix.values`` and ``Matrix.segment_counts`` are
dicts; ``Matrix.table``, ``Matrix.counts`` and ``Matrix.frame`` give pandas frames for exports.

Pooled coding leaves the consensus out, a code includes its sub-codes, and a segment counts for
the participants whose turns it covers: see :mod:`workbench.analysis.frame`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.analysis.frame import (
    BASE_DIMENSIONS,
    NONE,
    Context,
    Placed,
    Selection,
    frame_columns,
    load_context,
    placed_segments,
)
from workbench.analysis.columns import column_key, excerpt, natural_key, row_key
from workbench.analysis.records import RecordBuilder
from workbench.errors import WorkbenchError
from workbench.store import Store

if TYPE_CHECKING:
    import pandas as pd

VALUES = ("segments", "transcripts", "participants", "share", "excerpts")
EXCERPTS_PER_CELL = 3


@dataclass(slots=True)
class MatrixSpec:
    rows: str = "site"
    columns: str = "theme"
    value: str = "segments"
    transpose: bool = False
    selection: Selection = field(default_factory=Selection)


class Matrix:
    """A computed matrix: its rows and columns (after ``transpose``), the value and the number of
    segments of each cell, the segments behind each cell, and what it was made of.

    ``values[(row, column)]`` is an int (segments, transcripts, participants), a share in 0..1 or
    None (a row without participants), or text (excerpts)."""

    def __init__(
        self,
        spec: MatrixSpec,
        rows: list[str],
        columns: list[str],
        values: dict[tuple[str, str], Any],
        segment_counts: dict[tuple[str, str], int],
        cells: dict[tuple[str, str], list[int]],
        records: list[tuple[Any, ...]] | None,
        record_columns: list[str],
    ) -> None:
        self.spec = spec
        self.rows, self.columns = rows, columns
        self.values, self.segment_counts, self.cells = values, segment_counts, cells
        self._records, self._record_columns = records, record_columns
        self._table = self._counts = self._frame = None

    @property
    def title(self) -> str:
        rows, columns = (
            (self.spec.columns, self.spec.rows) if self.spec.transpose else (self.spec.rows, self.spec.columns)
        )
        return f"{self.spec.value} by {rows} x {columns} ({self.spec.selection.describe()})"

    @property
    def row_dimension(self) -> str:
        return self.spec.columns if self.spec.transpose else self.spec.rows

    @property
    def column_dimension(self) -> str:
        return self.spec.rows if self.spec.transpose else self.spec.columns

    def value(self, row: str, column: str) -> Any:
        empty = "" if self.spec.value == "excerpts" else 0
        return self.values.get((row, column), empty)

    def _grid(self, source: dict[tuple[str, str], Any], empty: Any, dtype: Any) -> pd.DataFrame:
        import pandas as pd

        data = [[source.get((r, c), empty) for c in self.columns] for r in self.rows]
        table = pd.DataFrame(
            data, index=pd.Index(self.rows, dtype=object), columns=pd.Index(self.columns, dtype=object), dtype=dtype
        )
        table.index.name, table.columns.name = self.row_dimension, self.column_dimension
        return table

    @property
    def table(self) -> pd.DataFrame:
        """The matrix as a pandas frame (rows x columns of the value)."""
        if self._table is None:
            kind = self.spec.value
            if kind == "excerpts":
                self._table = self._grid(self.values, "", object)
            elif kind == "share":
                self._table = self._grid(
                    {k: (float("nan") if v is None else v) for k, v in self.values.items()}, 0.0, float
                )
            else:
                self._table = self._grid(self.values, 0, "int64")
        return self._table

    @property
    def counts(self) -> pd.DataFrame:
        """Segments per cell, for colour scales."""
        if self._counts is None:
            self._counts = self._grid(self.segment_counts, 0, "int64")
        return self._counts

    @property
    def frame(self) -> pd.DataFrame:
        """The segments behind the matrix, one row per cell they fall in, with ``row`` and ``column``
        (as the matrix shows them, before ``transpose``) and their text and context."""
        if self._frame is None:
            import pandas as pd

            if self._records is None:
                raise WorkbenchError(
                    "this matrix was computed without its segments.",
                    hint="Build it with detail=True to list or export its segments.",
                )
            self._frame = pd.DataFrame.from_records(self._records, columns=[*self._record_columns, "row", "column"])
        return self._frame


def _check_rows(rows: str) -> None:
    if (
        rows not in BASE_DIMENSIONS
        and not (rows.startswith("site:") and len(rows) > 5)
        and not (rows.startswith("participant:") and len(rows) > 12)
    ):
        raise WorkbenchError(
            f"unknown rows {rows!r}.",
            hint="Use " + ", ".join(BASE_DIMENSIONS) + ", site:ATTRIBUTE or participant:ATTRIBUTE.",
        )


def _row_universe(rows: str, context: Context, coders: list[str]) -> list[str]:
    if rows == "site":
        values = [t.site for t in context.transcripts]
    elif rows == "participant":
        values = [label for labels in context.participants_by_transcript.values() for label in labels]
    elif rows == "role":
        values = [
            context.participant_roles.get(label)
            for labels in context.participants_by_transcript.values()
            for label in labels
        ]
    elif rows == "transcript":
        values = [t.title for t in context.transcripts]
    elif rows == "coder":
        values = list(coders)
    elif rows.startswith("site:"):
        values = [attrs.get(rows[5:]) for attrs in context.site_attributes.values()]
    else:
        values = [attrs.get(rows[12:]) for attrs in context.participant_attributes.values()]
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(row_key(value), None)
    return sorted(seen, key=lambda v: (v == NONE, natural_key(v)))


def row_keys_function(rows: str, context: Context) -> Callable[[Placed], tuple[str, ...]]:
    """The row(s) a segment falls in: one for site, transcript, coder and site attributes; one per
    participant it is credited to (each once) for participant, role and participant attributes."""
    info = {t.id: t for t in context.transcripts}
    if rows == "site":
        by_transcript = {t: (row_key(row.site),) for t, row in info.items()}
        return lambda seg: by_transcript[seg.transcript_id]
    if rows == "transcript":
        by_transcript = {t: (row_key(row.title),) for t, row in info.items()}
        return lambda seg: by_transcript[seg.transcript_id]
    if rows == "coder":
        names = {i: (row_key(name),) for i, name in context.coders.items()}
        return lambda seg: names[seg.coder_id]
    if rows.startswith("site:"):
        attribute = rows[5:]
        by_transcript = {
            t: (row_key(context.site_attributes.get(row.site, {}).get(attribute) if row.site else None),)
            for t, row in info.items()
        }
        return lambda seg: by_transcript[seg.transcript_id]
    if rows == "participant":
        value: Callable[[str], str] = row_key
    elif rows == "role":

        def value(person: str) -> str:
            return row_key(context.participant_roles.get(person))
    else:
        attribute = rows[12:]

        def value(person: str) -> str:
            return row_key(context.participant_attributes.get(person, {}).get(attribute))

    cache: dict[tuple[str, ...], tuple[str, ...]] = {(): (NONE,)}

    def keys(seg: Placed) -> tuple[str, ...]:
        found = cache.get(seg.participants)
        if found is None:
            found = cache[seg.participants] = tuple(dict.fromkeys(value(p) for p in seg.participants))
        return found

    return keys


def participants_per_row(rows: str, context: Context) -> dict[str, set[str]]:
    """Every participant in each row, coded or not (the denominator of the share)."""
    out: dict[str, set[str]] = {}
    for transcript in context.transcripts:
        for label in context.participants_by_transcript.get(transcript.id, []):
            if rows == "site":
                key = transcript.site
            elif rows == "participant":
                key = label
            elif rows == "role":
                key = context.participant_roles.get(label)
            elif rows == "transcript":
                key = transcript.title
            elif rows.startswith("site:"):
                key = context.site_attributes.get(transcript.site, {}).get(rows[5:]) if transcript.site else None
            elif rows.startswith("participant:"):
                key = context.participant_attributes.get(label, {}).get(rows[12:])
            else:
                continue
            out.setdefault(row_key(key), set()).add(label)
    return out


def selected_columns(context: Context, spec_columns: str, code_ids: set[int] | None) -> list[str]:
    """The matrix's columns: every column of the codebook, or those of the selected codes."""
    keys: dict[str, None] = {}
    for code in context.codes:
        if code_ids is None or code.id in code_ids:
            keys.setdefault(column_key(code.path, spec_columns), None)
    return list(keys)


def build_matrix(store: Store, spec: MatrixSpec, context: Context | None = None, *, detail: bool = True) -> Matrix:
    """Compute a matrix of the project's coding. ``detail=False`` (a count-only view) reads no text
    and keeps no frame of the segments; excerpts always read the text they show."""
    from workbench.analysis.frame import resolve

    if spec.value not in VALUES:
        raise WorkbenchError(f"unknown value {spec.value!r}.", hint="Use one of: " + ", ".join(VALUES) + ".")
    _check_rows(spec.rows)
    column_key("", spec.columns)  # an unknown level is an error before any work
    context = context or load_context(store)
    chosen = resolve(store, spec.selection, context)
    column_names = selected_columns(
        context, spec.columns, set(chosen.code_ids) if chosen.code_ids is not None else None
    )
    pooled = (
        [context.coders[i] for i in chosen.coder_ids] if chosen.coder_ids is not None else list(context.coders.values())
    )
    row_names = _row_universe(spec.rows, context, pooled)
    columns_of = {c.id: column_key(c.path, spec.columns) for c in context.codes}
    rows_of = row_keys_function(spec.rows, context)
    value = spec.value
    with_text = detail or value == "excerpts"
    need_credit = (
        spec.rows in ("participant", "role")
        or spec.rows.startswith("participant:")
        or value in ("participants", "share")
        or with_text
    )
    counts: dict[tuple[str, str], int] = {}
    cells: dict[tuple[str, str], list[int]] = {}
    distinct: dict[tuple[str, str], set[int | str]] = {}
    quotes: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    records: list[tuple[Any, ...]] = []  # the frame's rows, when with_text
    record_columns = frame_columns(context)
    builder = RecordBuilder(context, record_columns) if with_text else None
    known_rows = set(row_names)
    for seg in placed_segments(store, spec.selection, context, detail=with_text, credit=need_credit):
        column = columns_of[seg.code_id]
        for row in rows_of(seg):
            cell = (row, column)
            counts[cell] = counts.get(cell, 0) + 1
            cells.setdefault(cell, []).append(seg.id)
            if value == "transcripts":
                distinct.setdefault(cell, set()).add(seg.transcript_id)
            elif value in ("participants", "share"):
                distinct.setdefault(cell, set()).update(seg.participants)
            if row not in known_rows:
                known_rows.add(row)
                row_names.append(row)
        if builder is not None:
            for record, row in builder.records(seg, rows_of(seg), spec.rows):
                records.append((*record, row, column))
                if value == "excerpts":
                    quotes.setdefault((row, column), []).append(record)
    if value == "segments":
        values: dict[tuple[str, str], Any] = dict(counts)
    elif value in ("transcripts", "participants"):
        values = {cell: len(found) for cell, found in distinct.items()}
    elif value == "share":
        totals = participants_per_row(spec.rows, context)
        values = {}
        for row in row_names:
            total = len(totals.get(row, ()))
            for column in column_names:
                values[(row, column)] = round(len(distinct.get((row, column), ())) / total, 3) if total else None
    else:
        values = {cell: _quote_cell(found) for cell, found in quotes.items()}
    if spec.transpose:
        row_names, column_names = column_names, row_names
        values = {(c, r): v for (r, c), v in values.items()}
        counts = {(c, r): v for (r, c), v in counts.items()}
        cells = {(c, r): ids for (r, c), ids in cells.items()}
    return Matrix(spec, row_names, column_names, values, counts, cells, records if with_text else None, record_columns)


def _quote_cell(records: list[tuple[Any, ...]]) -> str:
    """Up to three quotes in reading order (site, transcript, position), with who said them."""
    ordered = sorted(records, key=lambda r: (r[10] is None, r[10] or "", r[9], r[4], r[0]))
    shown = [f"“{excerpt(r[6])}” ({r[14] or r[9]})" for r in ordered[:EXCERPTS_PER_CELL]]
    more = len(ordered) - EXCERPTS_PER_CELL
    return "\n".join(shown) + (f"\n(+{more} more)" if more > 0 else "")
