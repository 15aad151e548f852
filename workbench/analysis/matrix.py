"""The framework matrix (Ritchie and Spencer's Framework Method) and its relatives.

Rows: sites, participants, roles, transcripts, coders, or any site or participant attribute
(``site:sector``, ``participant:language``). Columns: themes (``theme``: sub-codes rolled up into
their theme, each segment counted once), codes down to a level (``level2``...), or every code
(``code``). Values: segments, transcripts, participants who raised it, the share of a row's
participants who raised it, or excerpts. Every row and column of the project is shown, empty or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.analysis.frame import BASE_DIMENSIONS, Context, Selection, load_context, segments_frame
from workbench.errors import WorkbenchError
from workbench.store import Store

if TYPE_CHECKING:
    import pandas as pd

VALUES = ("segments", "transcripts", "participants", "share", "excerpts")
EXCERPTS_PER_CELL = 3
EXCERPT_LENGTH = 160


@dataclass(slots=True)
class MatrixSpec:
    rows: str = "site"
    columns: str = "theme"
    value: str = "segments"
    transpose: bool = False
    selection: Selection = field(default_factory=Selection)


@dataclass(slots=True)
class Matrix:
    """A computed matrix: the table, the segments behind each cell, and what it was made of."""

    spec: MatrixSpec
    table: "pd.DataFrame"  # rows x columns of the chosen value (excerpts: text)
    counts: "pd.DataFrame"  # rows x columns of segment counts, for colour scales
    cells: dict[tuple[str, str], list[int]]  # (row, column) -> segment ids
    frame: "pd.DataFrame"  # the segments used, with "row" and "column" keys

    @property
    def title(self) -> str:
        rows, columns = (self.spec.columns, self.spec.rows) if self.spec.transpose else (self.spec.rows, self.spec.columns)
        return f"{self.spec.value} by {rows} x {columns} ({self.spec.selection.describe()})"


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


def column_keys(codes: list[dict[str, Any]], columns: str) -> list[str]:
    """Every column of the project's codebook at this level, in tree order."""
    keys: dict[str, None] = {}
    for code in codes:
        keys.setdefault(column_key(code["path"], columns), None)
    return list(keys)


def _row_universe(rows: str, context: Context, frame: "pd.DataFrame") -> list[str]:
    if rows == "site":
        values = [t["site"] for t in context.transcripts]
    elif rows == "participant":
        values = [label for labels in context.participants_by_transcript.values() for label in labels]
    elif rows == "role":
        values = [context.participant_roles.get(label) for labels in context.participants_by_transcript.values()
                  for label in labels]
    elif rows == "transcript":
        values = [t["title"] for t in context.transcripts]
    elif rows == "coder":
        values = list(frame["coder"]) if not frame.empty else []
    elif rows.startswith("site:"):
        values = [attrs.get(rows[5:]) for attrs in context.site_attributes.values()]
    elif rows.startswith("participant:"):
        values = [attrs.get(rows[12:]) for attrs in context.participant_attributes.values()]
    else:
        raise WorkbenchError(f"unknown rows {rows!r}.",
                             hint="Use " + ", ".join(BASE_DIMENSIONS) + ", site:ATTRIBUTE or participant:ATTRIBUTE.")
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault("(none)" if value is None or value == "" else str(value), None)
    return sorted(seen, key=lambda v: (v == "(none)", natural_key(v)))


def natural_key(value: str) -> list:
    """Sort P2 before P10."""
    import re

    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", value)]


def _row_values(frame: "pd.DataFrame", rows: str) -> "pd.Series":
    import pandas as pd

    if rows not in frame.columns:
        return pd.Series(["(none)"] * len(frame), index=frame.index, dtype=object)
    values = frame[rows].astype(object).where(frame[rows].notna(), "(none)").astype(str)
    return values.replace("", "(none)")


def participants_per_row(rows: str, context: Context) -> dict[str, set[str]]:
    """Every participant in each row, coded or not (the denominator of the share)."""
    out: dict[str, set[str]] = {}
    for transcript in context.transcripts:
        for label in context.participants_by_transcript.get(transcript["id"], []):
            if rows == "site":
                key = transcript["site"]
            elif rows == "participant":
                key = label
            elif rows == "role":
                key = context.participant_roles.get(label)
            elif rows == "transcript":
                key = transcript["title"]
            elif rows.startswith("site:"):
                key = context.site_attributes.get(transcript["site"], {}).get(rows[5:])
            elif rows.startswith("participant:"):
                key = context.participant_attributes.get(label, {}).get(rows[12:])
            else:
                continue
            out.setdefault("(none)" if key in (None, "") else str(key), set()).add(label)
    return out


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """A quote cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def build_matrix(store: Store, spec: MatrixSpec, context: Context | None = None) -> Matrix:
    """Compute a matrix of the project's coding."""
    import pandas as pd

    if spec.value not in VALUES:
        raise WorkbenchError(f"unknown value {spec.value!r}.", hint="Use one of: " + ", ".join(VALUES) + ".")
    context = context or load_context(store)
    frame = segments_frame(store, spec.selection, context)
    row_names = _row_universe(spec.rows, context, frame)
    column_names: list[str] = []
    for code in context.codes:
        key = column_key(code["path"], spec.columns)
        if key not in column_names and (not spec.selection.codes or any(
                code["path"].casefold().startswith(c.strip("/").casefold()) for c in spec.selection.codes)):
            column_names.append(key)
    if spec.value == "excerpts":  # quotes in reading order
        frame = frame.sort_values(["site", "transcript", "start"], kind="stable", na_position="last")
    keys = {c["id"]: column_key(c["path"], spec.columns) for c in context.codes}
    frame = frame.assign(row=_row_values(frame, spec.rows), column=frame["code_id"].map(keys))
    for name in frame["row"].unique():
        if name not in row_names:
            row_names.append(name)
    cells: dict[tuple[str, str], list[int]] = {}
    for (row, column), ids in frame.groupby(["row", "column"])["id"]:
        cells[(row, column)] = list(ids)
    counts = (frame.groupby(["row", "column"]).size().unstack(fill_value=0)
              .reindex(index=row_names, columns=column_names, fill_value=0).astype(int))
    if spec.value == "segments":
        table = counts.copy()
    elif spec.value == "transcripts":
        table = _nunique(frame, "transcript_id", row_names, column_names)
    elif spec.value == "participants":
        table = _nunique(frame, "participant", row_names, column_names)
    elif spec.value == "share":
        raised = _nunique(frame, "participant", row_names, column_names)
        totals = participants_per_row(spec.rows, context)
        denominators = pd.Series({r: len(totals.get(r, ())) for r in row_names})
        table = raised.div(denominators.replace(0, float("nan")), axis=0).round(3)
    else:
        by_id = frame.set_index("id")
        table = pd.DataFrame("", index=row_names, columns=column_names, dtype=object)
        for (row, column), ids in cells.items():
            quotes = [f"“{excerpt(by_id.at[i, 'text'])}” ({by_id.at[i, 'participant'] or by_id.at[i, 'transcript']})"
                      for i in ids[:EXCERPTS_PER_CELL]]
            more = len(ids) - EXCERPTS_PER_CELL
            table.at[row, column] = "\n".join(quotes) + (f"\n(+{more} more)" if more > 0 else "")
    table.index.name, table.columns.name = spec.rows, spec.columns
    counts.index.name, counts.columns.name = spec.rows, spec.columns
    if spec.transpose:
        table, counts = table.T, counts.T
        cells = {(c, r): ids for (r, c), ids in cells.items()}
    return Matrix(spec, table, counts, cells, frame)


def _nunique(frame: "pd.DataFrame", column: str, rows: list[str], columns: list[str]) -> "pd.DataFrame":
    if frame.empty:
        import pandas as pd

        return pd.DataFrame(0, index=rows, columns=columns)
    return (frame.dropna(subset=[column]).groupby(["row", "column"])[column].nunique().unstack(fill_value=0)
            .reindex(index=rows, columns=columns, fill_value=0).astype(int))


def frequencies(store: Store, selection: Selection | None = None, columns: str = "code") -> "pd.DataFrame":
    """Per code (or theme): segments, transcripts, participants and coders, with share of transcripts."""
    import pandas as pd

    context = load_context(store)
    frame = segments_frame(store, selection, context)
    keys = column_keys(context.codes, columns)
    frame = frame.assign(key=frame["code"].map(lambda p: column_key(p, columns)))
    grouped = frame.groupby("key")
    table = pd.DataFrame({
        "segments": grouped.size(),
        "transcripts": grouped["transcript_id"].nunique(),
        "participants": grouped["participant"].nunique(),
        "coders": grouped["coder"].nunique(),
    }).reindex(keys, fill_value=0).astype(int)
    total = max(len(context.transcripts), 1)
    table["share_of_transcripts"] = (table["transcripts"] / total).round(3)
    table.index.name = columns
    return table


def cooccurrence(store: Store, selection: Selection | None = None, columns: str = "code",
                 unit: str = "overlap") -> "pd.DataFrame":
    """How often two codes meet: segments that overlap (``overlap``) or fall in the same speaker
    turn (``turn``), counted once per pair of segments with different codes. The diagonal is zero."""
    import numpy as np
    import pandas as pd

    context = load_context(store)
    frame = segments_frame(store, selection, context)
    keys = column_keys(context.codes, columns)
    index = {key: i for i, key in enumerate(keys)}
    code_index = {c["id"]: index[column_key(c["path"], columns)] for c in context.codes}
    counts = np.zeros((len(keys), len(keys)), dtype=np.int64)
    if not frame.empty:
        frame = frame.assign(k=frame["code_id"].map(code_index)).sort_values(["transcript_id", "start"])
        if unit == "turn":
            turns = pd.DataFrame(store.turn_starts(), columns=["transcript_id", "turn", "start"]).sort_values("start")
            placed = pd.merge_asof(frame.sort_values("start"), turns, on="start", by="transcript_id",
                                   direction="backward")
            placed["turn"] = placed["turn"].fillna(-1)
            per_turn = placed.groupby(["transcript_id", "turn", "k"]).size().unstack(fill_value=0)
            matrix = per_turn.reindex(columns=range(len(keys)), fill_value=0).to_numpy()
            counts = matrix.T @ matrix
        elif unit == "overlap":
            for _, group in frame.groupby("transcript_id", sort=False):
                active: list[tuple[int, int]] = []  # (end, key) of segments still open
                for start, end, k in zip(group["start"], group["end"], group["k"]):
                    active = [(e, other) for e, other in active if e > start]
                    for _, other in active:
                        counts[k, other] += 1
                        counts[other, k] += 1
                    active.append((end, k))
        else:
            raise WorkbenchError(f"unknown unit {unit!r}.", hint="Use overlap or turn.")
    np.fill_diagonal(counts, 0)
    table = pd.DataFrame(counts, index=keys, columns=keys)
    table.index.name = table.columns.name = columns
    return table
