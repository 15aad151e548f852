"""The store's interface, part: the codebook, coders, segments, rounds, decisions and memos."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from workbench import models as m


class CodingQueries(Protocol):
    """Codes, coders, segments, rounds, decisions and memos (see :class:`~workbench.store.base.Store`)."""

    def codes(self, *, counts: bool = True) -> list[m.Code]:
        """All codes, each with its path ("Theme/Sub-code") and, with ``counts``, its number of
        segments (a scan of the segments: leave it out where the count is not shown), in tree order."""
        ...

    def code_parents(self) -> list[tuple[int, int | None, str]]:
        """Every code as (id, parent id, name), straight from the table (cycle checks)."""
        ...

    def code(self, code_id: int) -> m.Code | None: ...

    def insert_code(
        self, *, name: str, parent_id: int | None, guid: str | None = None, position: int = 0, **fields: Any
    ) -> int: ...

    def update_code(self, code_id: int, **fields: Any) -> None: ...

    def code_ancestors(self, code_id: int) -> list[int]:
        """The ids from a code's parent up to its theme (stops at a cycle, if the project has one)."""
        ...

    def check_parent(self, code_id: int, parent_id: int | None) -> None:
        """Refuse a parent that would make a code its own ancestor, naming the codes involved."""
        ...

    def code_cycles(self) -> list[list[int]]:
        """Every cycle in the code tree (each a list of code ids, smallest first); none in a sound project."""
        ...

    def reassign_segments(self, source_id: int, target_id: int) -> tuple[int, int]:
        """Move segments from one code to another; returns (moved, dropped as duplicates)."""
        ...

    def delete_code(self, code_id: int) -> None: ...

    def code_raw(self, code_id: int) -> m.CodeRow | None: ...

    def code_by_guid(self, guid: str) -> m.Code | None:
        """The code with this GUID, with its place in the tree."""
        ...

    def coder_id(self, name: str) -> int: ...

    def code_use(self, coder: str) -> dict[int, int]:
        """How many segments of ``coder`` carry each code."""
        ...

    def coders(self) -> list[m.Coder]: ...

    def insert_segment(
        self,
        *,
        transcript_id: int,
        code_id: int,
        coder_id: int,
        start: int,
        end: int,
        text: str,
        memo: str | None,
        origin: str,
    ) -> int: ...

    def find_segment(self, transcript_id: int, code_id: int, coder_id: int, start: int, end: int) -> int | None: ...

    def insert_segment_audited(
        self,
        *,
        transcript_id: int,
        code_id: int,
        coder: str,
        start: int,
        end: int,
        memo: str | None,
        origin: str,
        after: dict[str, Any],
    ) -> int | None:
        """Code a passage and append its ``segment.add`` audit entry (``after``) in one step where the
        engine has one (a team database's server function: one round trip): the new segment's id.
        None when the caller must go step by step: no such step here, another coder named, or a check
        failed (nothing written; the caller's own checks then say what is wrong)."""
        ...

    def delete_segment(self, segment_id: int) -> None: ...

    def update_segment(self, segment_id: int, **fields: Any) -> None: ...

    def segments(
        self,
        *,
        transcript_id: int | None = None,
        code_ids: list[int] | None = None,
        coder: str | None = None,
        site: str | None = None,
    ) -> list[m.Segment]: ...

    def segment_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Every segment as plain rows, without joins (tables over the whole project map ids to
        names themselves). Returns column names and rows."""
        ...

    def segment(self, segment_id: int) -> m.Segment | None: ...

    def segment_keys(
        self,
        *,
        coder_ids: list[int] | None = None,
        code_ids: list[int] | None = None,
        transcript_ids: list[int] | None = None,
        origin: str | None = None,
        detail: bool = False,
    ) -> Iterator[tuple[Any, ...]]:
        """Segments as plain tuples, streamed: (id, transcript, code, coder, start, end), and with
        ``detail`` also (text, memo, origin). Tables that only count leave the text out: then the
        rows come from the covering index ``segments_unique`` without reading the text (in its
        order, not by id); the coder filter is applied on that scan (``+coder_id``: looking up
        every row through the coder index would read the whole table)."""
        ...

    def insert_round(self, name: str, note: str | None, coder: str | None) -> int: ...

    def rounds(self) -> list[m.Round]:
        """Every round, oldest first, with how many segments each holds."""
        ...

    def segments_without_round(self) -> int: ...

    def segment_spans(self, transcript_id: int) -> list[m.SegmentSpan]:
        """A transcript's segments with only what agreement needs (id, code, coder, offsets, round)."""
        ...

    def segment_rounds(self, transcript_id: int) -> dict[int, int | None]:
        """Segment id -> round id (None: made before the first round) for one transcript."""
        ...

    def insert_decision(
        self,
        *,
        transcript_id: int,
        start: int,
        end: int,
        coders: list[str],
        choice: str,
        codes: list[str],
        note: str | None,
        coder: str | None,
        audit_id: int | None,
    ) -> int: ...

    def set_decision_note(self, decision_id: int, note: str | None) -> None: ...

    def decisions(self, transcript_id: int | None = None) -> list[m.Decision]: ...

    def insert_memo(self, target: str, target_id: int | None, coder_id: int | None, text: str) -> int: ...

    def insert_memo_audited(
        self, target: str, target_id: int | None, coder: str, text: str, after: dict[str, Any]
    ) -> int | None:
        """Write a memo and its ``memo.add`` audit entry in one step where the engine has one (see
        :meth:`insert_segment_audited`); None: the caller goes step by step."""
        ...

    def memos(self, target: str | None = None, target_id: int | None = None) -> list[m.Memo]: ...
