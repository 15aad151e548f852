"""The store's interface, part: search, suggestions, findings, and the checks and rewrites of maintenance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from workbench import models as m


class FindingQueries(Protocol):
    """Full-text search, suggestions and their models, first uses, framework summaries, key quotes, links."""

    def search_turns(self, match: str, limit: int = 5000, transcript_id: int | None = None) -> list[m.TurnHit]:
        """Turns matching an FTS5 query (of one transcript, if given), with the matches marked by
         ...  in ``marked``."""
        ...

    def vocabulary(self) -> list[str]:
        """Every indexed term (stemmed), for forgiving spelling."""
        ...

    def reject_suggestion(
        self, transcript_id: int, start: int, end: int, code_id: int, coder: str, source: str
    ) -> None: ...

    def rejected_suggestions(self, coder: str) -> set[tuple[int, int, int, int]]: ...

    def save_model(self, name: str, data: bytes, details: dict[str, Any]) -> None: ...

    def model(self, name: str) -> m.SavedModel | None: ...

    def code_first_uses(self) -> list[m.FirstUse]:
        """Per transcript, code, coder and origin: when the code was first applied there (saturation)."""
        ...

    def framework_summary(self, row_kind: str, row_key: str, code_id: int) -> m.FrameworkSummary | None: ...

    def set_framework_summary(
        self, row_kind: str, row_key: str, code_id: int, summary: str, note: str | None, coder: str | None
    ) -> int: ...

    def delete_framework_summary(self, summary_id: int) -> None: ...

    def framework_summaries(self, row_kind: str | None = None) -> list[m.FrameworkSummary]: ...

    def flag_key_quote(self, segment_id: int, coder: str | None) -> bool:
        """Flag a segment as a key quote; False when it was flagged already."""
        ...

    def unflag_key_quote(self, segment_id: int) -> bool: ...

    def key_quote_ids(self) -> set[int]: ...

    def insert_link(
        self,
        *,
        relation: str,
        direction: str,
        memo: str | None,
        coder: str | None,
        source_code_id: int | None = None,
        target_code_id: int | None = None,
        source_segment_id: int | None = None,
        target_segment_id: int | None = None,
        guid: str | None = None,
    ) -> int: ...

    def find_link(
        self,
        *,
        relation: str,
        source_code_id: int | None = None,
        target_code_id: int | None = None,
        source_segment_id: int | None = None,
        target_segment_id: int | None = None,
    ) -> m.Link | None: ...

    def link(self, link_id: int) -> m.Link | None: ...

    def link_by_guid(self, guid: str) -> m.Link | None: ...

    def delete_link(self, link_id: int) -> None: ...

    def links(self) -> list[m.Link]: ...

    def segment_id_by_guid(self, guid: str) -> int | None: ...

    def reassign_findings(self, source_id: int, target_id: int) -> None:
        """Before a code merges into another: its framework summaries and links move to the target
        (a summary both codes have for the same row is joined; a link that would join the target to
        itself or repeat one is dropped), so deleting the source loses none of the researchers' text."""
        ...


class MaintenanceQueries(Protocol):
    """`workbench check` (integrity, orphans, search index, schema), GUIDs, rewriting every text value."""

    def integrity_problems(self, *, limit: int = 20) -> list[str]:
        """SQLite's full integrity check (empty for a sound file)."""
        ...

    def foreign_key_problems(self) -> list[m.ForeignKeyProblem]:
        """Rows pointing at rows that do not exist (table, row id, referred table)."""
        ...

    def orphan_segments(self) -> list[m.OrphanSegment]:
        """Segments whose transcript, code or coder is missing, or that reach past their transcript's text."""
        ...

    def search_index_problems(self) -> list[str]:
        """Differences between the turns and their search index (missing, extra or stale entries)."""
        ...

    def rebuild_search_index(self) -> int:
        """Index every turn afresh (inside a transaction); returns the number of turns indexed."""
        ...

    def break_code_cycle(self, cycle: list[int]) -> int:
        """Make the first code of a cycle a top-level code (inside a transaction); returns its id.
        The no-cycle trigger only refuses new cycles, so this update is allowed."""
        ...

    def missing_schema_objects(self) -> list[str]:
        """Indexes, triggers and views of the schema that the file lacks (e.g. dropped by another tool)."""
        ...

    def restore_schema_objects(self) -> list[str]:
        """Recreate missing indexes, triggers and views (inside a transaction); tables are not
        recreated (their rows would be gone anyway). Returns what was restored."""
        ...

    def code_names(self) -> dict[int, str]: ...

    def guids_missing(self) -> bool:
        """Whether any coder, segment, memo, site or participant has no GUID yet."""
        ...

    def ensure_guids(self) -> None:
        """Give every coder, segment, memo, site and participant a GUID, once; exports then stay stable."""
        ...

    def guids(self, table: str) -> dict[int, str]: ...

    def set_guid(self, table: str, row_id: int, guid: str) -> None: ...

    def rewrite_text_columns(self, fn: Any) -> int:
        """Pass every text value of every table (JSON values walked, keys and strings) through
        ``fn``, except the transcripts' own text and the segments' quotes (carried over with their
        offsets elsewhere) and identifiers. The audit log's append-only triggers are lifted for the
        rewrite and put back. Trained suggestion models are removed (they hold the words they saw).
        Returns how many values changed. Runs inside the caller's transaction."""
        ...

    def purge_free_space(self) -> None:
        """Leave no trace of replaced text in the file: the search index merged, the file
        vacuumed (free pages dropped), the write-ahead log folded in."""
        ...

    def all_text(self) -> Iterator[tuple[str, str]]:
        """Every text value in the project, with where it is (table.column): for verification."""
        ...
