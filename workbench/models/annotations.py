"""The records the store returns about the coding: memos, decisions, audit, speakers, rounds, findings, search hits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.models.records import _Record


@dataclass(frozen=True, slots=True)
class Memo(_Record):
    id: int
    target: str  # 'project', 'transcript' or 'code'
    target_id: int | None
    coder_id: int | None
    text: str
    created_at: str
    updated_at: str
    guid: str | None = None
    coder: str | None = None


@dataclass(frozen=True, slots=True)
class Decision(_Record):
    """A reconciliation decision on one unit of text."""

    id: int
    transcript_id: int
    start: int
    end: int
    coders: list[str]
    choice: str
    codes: list[str]
    note: str | None
    coder: str | None
    audit_id: int | None
    created_at: str


@dataclass(frozen=True, slots=True)
class AuditEntry(_Record):
    """One entry of the append-only audit log; ``before``/``after`` as the JSON text stored."""

    id: int
    at: str
    coder: str | None
    action: str
    entity: str
    entity_id: int | None
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class SpeakerRow(_Record):
    """A transcript's speaker as mapped: participant or interviewer, with its turns."""

    transcript_id: int
    transcript: str
    site: str | None
    speaker: str
    role: str
    participant_id: int | None
    participant: str | None
    participant_role: str | None
    turns: int
    first_turn: int | None


@dataclass(frozen=True, slots=True)
class UnmappedTranscript(_Record):
    """A transcript with turns but no speakers mapped."""

    id: int
    title: str
    interviewer: str | None
    participant_ids: list[int]


@dataclass(frozen=True, slots=True)
class Round(_Record):
    id: int
    name: str
    note: str | None
    coder: str | None
    started_at: str
    segments: int = 0


@dataclass(frozen=True, slots=True)
class FirstUse(_Record):
    """When a code was first applied in a transcript (by coder and origin)."""

    transcript_id: int
    code_id: int
    coder: str
    origin: str
    first_at: str
    segments: int


@dataclass(frozen=True, slots=True)
class FrameworkSummary(_Record):
    id: int
    row_kind: str  # 'participant' or 'site'
    row_key: str
    code_id: int
    summary: str
    note: str | None
    coder: str | None
    created_at: str
    updated_at: str
    code_guid: str | None = None


@dataclass(frozen=True, slots=True)
class Link(_Record):
    """A typed link between two codes or two segments (REFI-QDA Link)."""

    id: int
    guid: str
    source_code_id: int | None
    target_code_id: int | None
    source_segment_id: int | None
    target_segment_id: int | None
    relation: str
    direction: str
    memo: str | None
    coder: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class TurnHit(_Record):
    """A turn matching a full-text query; the matched words are marked by \\x01 ... \\x02."""

    turn_id: int
    transcript_id: int
    speaker: str | None
    start: int
    end: int
    start_time: float | None
    marked: str
    rank: float


@dataclass(frozen=True, slots=True)
class SavedModel(_Record):
    name: str
    created_at: str
    data: bytes
    details: dict[str, Any]
