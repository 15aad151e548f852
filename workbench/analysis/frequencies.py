"""Code frequencies and co-occurrence: per code (or theme), how many segments, transcripts,
participants and coders; and how often two codes meet, by overlap or by speaker turn. Counted as
the matrix counts (pooled coding leaves the consensus out, a code includes its sub-codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.analysis.frame import Selection, load_context, placed_segments
from workbench.analysis.columns import column_key, column_keys
from workbench.errors import WorkbenchError
from workbench.store import Store

if TYPE_CHECKING:
    import pandas as pd


def frequencies(store: Store, selection: Selection | None = None, columns: str = "code") -> pd.DataFrame:
    """Per code (or theme): segments, transcripts, participants and coders, with share of transcripts."""
    import pandas as pd

    table = frequency_rows(store, selection, columns)
    frame = pd.DataFrame.from_records(
        [r[1:] for r in table],
        index=pd.Index([r[0] for r in table], name=columns),
        columns=["segments", "transcripts", "participants", "coders", "share_of_transcripts"],
    )
    return frame


def frequency_rows(
    store: Store, selection: Selection | None = None, columns: str = "code"
) -> list[tuple[str, int, int, int, int, float]]:
    """(column, segments, transcripts, participants, coders, share of transcripts) per column."""
    column_key("", columns)
    context = load_context(store)
    keys = column_keys(context.codes, columns)
    columns_of = {c.id: column_key(c.path, columns) for c in context.codes}
    segments = dict.fromkeys(keys, 0)
    sets: dict[str, tuple[set[int], set[str], set[int]]] = {k: (set(), set(), set()) for k in keys}
    for seg in placed_segments(store, selection, context):
        key = columns_of[seg.code_id]
        segments[key] += 1
        transcripts, people, coders = sets[key]
        transcripts.add(seg.transcript_id)
        people.update(seg.participants)
        coders.add(seg.coder_id)
    total = max(len(context.transcripts), 1)
    return [
        (k, segments[k], len(sets[k][0]), len(sets[k][1]), len(sets[k][2]), round(len(sets[k][0]) / total, 3))
        for k in keys
    ]


def cooccurrence(
    store: Store, selection: Selection | None = None, columns: str = "code", unit: str = "overlap"
) -> pd.DataFrame:
    """How often two codes meet: segments that overlap (``overlap``) or fall in the same speaker
    turn (``turn``: the turn where the segment starts), counted once per pair of segments with
    different columns. The diagonal is zero."""
    import pandas as pd

    keys, counts = cooccurrence_counts(store, selection, columns, unit)
    table = pd.DataFrame(
        [[counts.get((a, b), 0) for b in keys] for a in keys],
        index=pd.Index(keys, dtype=object),
        columns=pd.Index(keys, dtype=object),
        dtype="int64",
    )
    table.index.name = table.columns.name = columns
    return table


def cooccurrence_counts(
    store: Store, selection: Selection | None = None, columns: str = "code", unit: str = "overlap"
) -> tuple[list[str], dict[tuple[str, str], int]]:
    from bisect import bisect_right

    if unit not in ("overlap", "turn"):
        raise WorkbenchError(f"unknown unit {unit!r}.", hint="Use overlap or turn.")
    column_key("", columns)
    context = load_context(store)
    keys = column_keys(context.codes, columns)
    columns_of = {c.id: column_key(c.path, columns) for c in context.codes}
    by_transcript: dict[int, list[tuple[int, int, str]]] = {}
    for seg in placed_segments(store, selection, context, credit=False):
        by_transcript.setdefault(seg.transcript_id, []).append((seg.start, seg.end, columns_of[seg.code_id]))
    counts: dict[tuple[str, str], int] = {}

    def meet(a: str, b: str) -> None:
        if a != b:
            counts[(a, b)] = counts.get((a, b), 0) + 1
            counts[(b, a)] = counts.get((b, a), 0) + 1

    if unit == "overlap":
        for segments in by_transcript.values():
            segments.sort()
            active: list[tuple[int, str]] = []  # (end, key) of segments still open
            for start, end, key in segments:
                active = [(e, other) for e, other in active if e > start]
                for _, other in active:
                    meet(key, other)
                active.append((end, key))
    else:
        starts: dict[int, list[int]] = {}
        for transcript_id, start, _end, _speaker in store.turn_spans():
            starts.setdefault(transcript_id, []).append(start)
        for transcript_id, segments in by_transcript.items():
            turns: dict[int, list[str]] = {}
            for start, _end, key in segments:
                turn = bisect_right(starts.get(transcript_id, []), start) - 1  # -1: before the first turn
                turns.setdefault(turn, []).append(key)
            for found in turns.values():
                for i, a in enumerate(found):
                    for b in found[i + 1 :]:
                        meet(a, b)
    return keys, counts
