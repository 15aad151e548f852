"""The storage interface the use cases need, whatever the engine behind it.

One project is one store: the SQLite engine (``workbench/store/sqlite/``, one file, the embedded
default) implements it, and a second engine (a team server) implements the same methods. Nothing
outside ``workbench/store/<engine>/`` knows the engine's dialect: use cases and front ends see
this protocol, the records of :mod:`workbench.models`, and :class:`~workbench.errors.WorkbenchError`.

- **Transactions**: every change a user makes runs inside ``with store.transaction():`` together
  with its audit entry; nested blocks join the outer one. ``savepoint()`` undoes a block alone
  inside a transaction; ``batch()`` commits units of work (an import's files) in groups.
- **Change notification**: ``change_token()`` is an opaque value that changes when another
  connection (another coder, another process) commits; ``changes_since(token)`` says whether it has.
- **Full-text search**: ``search_turns(query)`` takes the query language users type: words,
  "exact phrases", prefix*, AND / OR / NOT and parentheses (stemmed); a query the engine cannot
  read raises :class:`QueryError`. ``vocabulary()`` lists the indexed terms (for fuzzy spelling).
- **Backup and copy**: ``backup_to(dest)`` writes a consistent copy while the project is in use.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from workbench import models as m
from workbench.errors import WorkbenchError


class QueryError(WorkbenchError):
    """A full-text query the engine cannot read (unbalanced quotes, a lone operator...)."""


class Batch(Protocol):
    """Units of work committed together (see :meth:`Store.batch`)."""

    def unit(self) -> AbstractContextManager[object]:
        """One unit of work (an imported file): an error in it undoes that unit alone."""
        ...

    @property
    def due(self) -> bool:
        """Whether enough units or time have gathered to commit now."""
        ...

    @property
    def open(self) -> bool:
        """Whether a transaction is open (False after the engine undid the batch)."""
        ...

    def commit(self, *, let_others_in: bool = False) -> None:
        ...

    def rollback(self) -> None:
        ...


class Store(Protocol):
    """A project opened on this thread (a store belongs to the thread that opened it)."""

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> Store:
        """Open a project with the engine its location names (see :func:`workbench.store.open_store`)."""
        from workbench.store import open_store

        return open_store(path, create=create, read_only=read_only)

    @classmethod
    def open_other(cls, path: str | Path) -> Store:
        """Another project to read from (merge): read-only, never changed in place."""
        from workbench.store import open_other_store

        return open_other_store(path)

    # -- transactions and change notification -----------------------------------------------------

    def transaction(self) -> AbstractContextManager[object]:
        """A block whose writes commit together (nested blocks join the outer one)."""
        ...

    def savepoint(self) -> AbstractContextManager[object]:
        """A block an error undoes alone, inside a transaction."""
        ...

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> Batch:
        """Units of work committed together, each undone alone on error."""
        ...

    def change_token(self) -> Hashable:
        """An opaque value that changes when another connection commits."""
        ...

    def changes_since(self, token: Hashable) -> bool:
        """Whether another connection committed since ``token`` was taken."""
        ...

    def backup_to(self, dest: str | Path) -> Path:
        """A consistent copy of the whole project at ``dest`` (a new file), taken while in use."""
        ...

    # -- store ------------------------------------------------------------
    def is_project_file(self, candidate: str | Path) -> bool:
        """Whether a path is this project's file (or its -wal/-shm): never read or write it as a
        plain file while the project is open (that would drop this process's SQLite locks)."""
        ...

    @property
    def read_only(self) -> bool:
        """Whether the project is open read-only (then ``read_only_reason`` says why)."""
        ...

    @property
    def read_only_reason(self) -> str | None:
        ...

    @property
    def path(self) -> Path:
        ...

    def close(self) -> None:
        ...

    def get_meta(self, key: str) -> str | None:
        ...

    def set_meta(self, key: str, value: str) -> None:
        ...

    def audit(self, action: str, entity: str, entity_id: int | None, *, coder: str | None = None, before: Any = None,
              after: Any = None) -> int:
        """Append to the audit log (append-only: triggers refuse updates and deletes)."""
        ...

    def audit_entries(self, limit: int = 100, entity: str | None = None) -> list[m.AuditEntry]:
        ...

    # -- transcripts ------------------------------------------------------------
    def site_id(self, name: str, attributes: dict[str, Any] | None = None) -> int:
        """The id of the named site, created if new; given attributes are merged in."""
        ...

    def participant_id(self, label: str, *, role: str | None, site_id: int | None, attributes: dict[str,
                       Any] | None = None) -> int:
        """The id of the participant, created if new; role, site and attributes filled in."""
        ...

    def sites(self) -> list[m.Site]:
        ...

    def transcript_participant_links(self) -> list[m.ParticipantLink]:
        ...

    def participants(self) -> list[m.Participant]:
        ...

    def transcript_by_guid(self, guid: str) -> m.TranscriptRef | None:
        ...

    def transcript_by_checksum(self, checksum: str) -> m.TranscriptRef | None:
        ...

    def transcript_by_source(self, source_name: str, site_id: int | None) -> m.TranscriptRef | None:
        ...

    def insert_transcript(self, *, title: str, site_id: int | None, date: str | None, interviewer: str | None,
                          source_name: str, format: str, checksum: str, text: str, attributes: dict[str, Any],
                          participant_ids: list[int], turns: Iterable[tuple[Any, ...]], guid: str | None = None) -> int:
        ...

    def transcripts(self) -> list[m.Transcript]:
        ...

    def transcript(self, transcript_id: int) -> m.Transcript | None:
        ...

    def transcript_text(self, transcript_id: int) -> str | None:
        ...

    def find_transcripts(self, ref: str) -> list[m.TranscriptRef]:
        """Transcripts whose id, title or source file name is ``ref`` (case-insensitive)."""
        ...

    def turns(self, transcript_id: int) -> list[m.TurnRecord]:
        ...

    def turn_starts(self) -> list[tuple[int, int, int]]:
        """(transcript, turn id, start) of every turn: to place segments in turns."""
        ...

    def coded_lengths(self) -> dict[int, int]:
        """Characters covered by at least one segment, by transcript (the union of the segments:
        each segment adds what reaches past the furthest end of the segments before it)."""
        ...

    def speaker_rows(self, transcript_id: int | None = None) -> list[m.SpeakerRow]:
        """Every transcript's speakers with their turns, participant and role, in order of first turn."""
        ...

    def transcript_speakers(self, transcript_id: int) -> list[str]:
        """The distinct speakers of a transcript's turns ('' for unlabelled turns), in order."""
        ...

    def set_speaker(self, transcript_id: int, speaker: str, participant_id: int | None, role: str) -> None:
        ...

    def link_participant(self, transcript_id: int, participant_id: int) -> None:
        """Make the participant one of the transcript's participants (appended), if not already."""
        ...

    def unlink_participant(self, transcript_id: int, participant_id: int) -> None:
        ...

    def participant_by_label(self, label: str) -> m.Participant | None:
        ...

    def transcript_site_id(self, transcript_id: int) -> int | None:
        ...

    def speaker_map(self) -> list[tuple[int, str, str | None, str]]:
        """(transcript, speaker, participant label or None, role) of every speaker of the project."""
        ...

    def turn_spans(self) -> list[tuple[int, int, int, str]]:
        """(transcript, start, end, speaker or '') of every turn, by transcript and start."""
        ...

    def transcripts_without_speakers(self) -> list[m.UnmappedTranscript]:
        """Transcripts with turns but no speakers mapped (brought in by a merge or a REFI-QDA import)."""
        ...

    def transcript_content(self, transcript_id: int) -> tuple[str, list[m.StoredTurn], list[m.StoredSegment]]:
        """A transcript's text, its turns and every segment on it (all coders), raw: what an edit
        carries over to a new text."""
        ...

    def rewrite_transcript(self, transcript_id: int, *, text: str, checksum: str, turns: Sequence[m.StoredTurn],
                           segments: Sequence[m.StoredSegment]) -> None:
        """Store a transcript's new text with its turns and segments carried over (each a dict with
        the keys of :meth:`transcript_content`; a turn without ``id`` is new, a stored turn left
        out is removed). The search index of the transcript's turns is rebuilt from the new text."""
        ...

    def set_turn_speaker(self, turn_id: int, speaker: str | None) -> None:
        """Name a turn's speaker. The new name takes over the old name's place as a case (its
        participant or interviewer role) unless the transcript already maps it; the old name's
        mapping goes when no turn of the transcript has that speaker any more."""
        ...

    def segments_for_review(self, transcript_id: int | None = None) -> list[m.ReviewSegment]:
        """Segments an edit flagged for review, with their context."""
        ...

    def clear_review(self, segment_id: int) -> None:
        ...

    # -- coding ------------------------------------------------------------
    def codes(self, *, counts: bool = True) -> list[m.Code]:
        """All codes, each with its path ("Theme/Sub-code") and, with ``counts``, its number of
        segments (a scan of the segments: leave it out where the count is not shown), in tree order."""
        ...

    def code_parents(self) -> list[tuple[int, int | None, str]]:
        """Every code as (id, parent id, name), straight from the table (cycle checks)."""
        ...

    def code(self, code_id: int) -> m.Code | None:
        ...

    def insert_code(self, *, name: str, parent_id: int | None, guid: str | None = None, position: int = 0,
                    **fields: Any) -> int:
        ...

    def update_code(self, code_id: int, **fields: Any) -> None:
        ...

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

    def delete_code(self, code_id: int) -> None:
        ...

    def code_raw(self, code_id: int) -> m.CodeRow | None:
        ...

    def code_by_guid(self, guid: str) -> m.Code | None:
        """The code with this GUID, with its place in the tree."""
        ...

    def coder_id(self, name: str) -> int:
        ...

    def code_use(self, coder: str) -> dict[int, int]:
        """How many segments of ``coder`` carry each code."""
        ...

    def coders(self) -> list[m.Coder]:
        ...

    def insert_segment(self, *, transcript_id: int, code_id: int, coder_id: int, start: int, end: int, text: str,
                       memo: str | None, origin: str) -> int:
        ...

    def find_segment(self, transcript_id: int, code_id: int, coder_id: int, start: int, end: int) -> int | None:
        ...

    def delete_segment(self, segment_id: int) -> None:
        ...

    def update_segment(self, segment_id: int, **fields: Any) -> None:
        ...

    def segments(self, *, transcript_id: int | None = None, code_ids: list[int] | None = None, coder: str | None = None,
                 site: str | None = None) -> list[m.Segment]:
        ...

    def segment_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Every segment as plain rows, without joins (tables over the whole project map ids to
        names themselves). Returns column names and rows."""
        ...

    def segment(self, segment_id: int) -> m.Segment | None:
        ...

    def segment_keys(self, *, coder_ids: list[int] | None = None, code_ids: list[int] | None = None,
                     transcript_ids: list[int] | None = None, origin: str | None = None,
                     detail: bool = False) -> Iterator[tuple[Any, ...]]:
        """Segments as plain tuples, streamed: (id, transcript, code, coder, start, end), and with
        ``detail`` also (text, memo, origin). Tables that only count leave the text out: then the
        rows come from the covering index ``segments_unique`` without reading the text (in its
        order, not by id); the coder filter is applied on that scan (``+coder_id``: looking up
        every row through the coder index would read the whole table)."""
        ...

    def insert_round(self, name: str, note: str | None, coder: str | None) -> int:
        ...

    def rounds(self) -> list[m.Round]:
        """Every round, oldest first, with how many segments each holds."""
        ...

    def segments_without_round(self) -> int:
        ...

    def segment_spans(self, transcript_id: int) -> list[m.SegmentSpan]:
        """A transcript's segments with only what agreement needs (id, code, coder, offsets, round)."""
        ...

    def segment_rounds(self, transcript_id: int) -> dict[int, int | None]:
        """Segment id -> round id (None: made before the first round) for one transcript."""
        ...

    def insert_decision(self, *, transcript_id: int, start: int, end: int, coders: list[str], choice: str,
                        codes: list[str], note: str | None, coder: str | None, audit_id: int | None) -> int:
        ...

    def set_decision_note(self, decision_id: int, note: str | None) -> None:
        ...

    def decisions(self, transcript_id: int | None = None) -> list[m.Decision]:
        ...

    def insert_memo(self, target: str, target_id: int | None, coder_id: int | None, text: str) -> int:
        ...

    def memos(self, target: str | None = None, target_id: int | None = None) -> list[m.Memo]:
        ...

    # -- findings ------------------------------------------------------------
    def search_turns(self, match: str, limit: int = 5000, transcript_id: int | None = None) -> list[m.TurnHit]:
        """Turns matching an FTS5 query (of one transcript, if given), with the matches marked by
         ...  in ``marked``."""
        ...

    def vocabulary(self) -> list[str]:
        """Every indexed term (stemmed), for forgiving spelling."""
        ...

    def reject_suggestion(self, transcript_id: int, start: int, end: int, code_id: int, coder: str,
                          source: str) -> None:
        ...

    def rejected_suggestions(self, coder: str) -> set[tuple[int, int, int, int]]:
        ...

    def save_model(self, name: str, data: bytes, details: dict[str, Any]) -> None:
        ...

    def model(self, name: str) -> m.SavedModel | None:
        ...

    def code_first_uses(self) -> list[m.FirstUse]:
        """Per transcript, code, coder and origin: when the code was first applied there (saturation)."""
        ...

    def framework_summary(self, row_kind: str, row_key: str, code_id: int) -> m.FrameworkSummary | None:
        ...

    def set_framework_summary(self, row_kind: str, row_key: str, code_id: int, summary: str, note: str | None,
                              coder: str | None) -> int:
        ...

    def delete_framework_summary(self, summary_id: int) -> None:
        ...

    def framework_summaries(self, row_kind: str | None = None) -> list[m.FrameworkSummary]:
        ...

    def flag_key_quote(self, segment_id: int, coder: str | None) -> bool:
        """Flag a segment as a key quote; False when it was flagged already."""
        ...

    def unflag_key_quote(self, segment_id: int) -> bool:
        ...

    def key_quote_ids(self) -> set[int]:
        ...

    def insert_link(self, *, relation: str, direction: str, memo: str | None, coder: str | None,
                    source_code_id: int | None = None, target_code_id: int | None = None,
                    source_segment_id: int | None = None, target_segment_id: int | None = None,
                    guid: str | None = None) -> int:
        ...

    def find_link(self, *, relation: str, source_code_id: int | None = None, target_code_id: int | None = None,
                  source_segment_id: int | None = None, target_segment_id: int | None = None) -> m.Link | None:
        ...

    def link(self, link_id: int) -> m.Link | None:
        ...

    def link_by_guid(self, guid: str) -> m.Link | None:
        ...

    def delete_link(self, link_id: int) -> None:
        ...

    def links(self) -> list[m.Link]:
        ...

    def segment_id_by_guid(self, guid: str) -> int | None:
        ...

    def reassign_findings(self, source_id: int, target_id: int) -> None:
        """Before a code merges into another: its framework summaries and links move to the target
        (a summary both codes have for the same row is joined; a link that would join the target to
        itself or repeat one is dropped), so deleting the source loses none of the researchers' text."""
        ...

    # -- maintenance ------------------------------------------------------------
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

    def code_names(self) -> dict[int, str]:
        ...

    def guids_missing(self) -> bool:
        """Whether any coder, segment, memo, site or participant has no GUID yet."""
        ...

    def ensure_guids(self) -> None:
        """Give every coder, segment, memo, site and participant a GUID, once; exports then stay stable."""
        ...

    def guids(self, table: str) -> dict[int, str]:
        ...

    def set_guid(self, table: str, row_id: int, guid: str) -> None:
        ...

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
