"""The records the store returns: sites, participants, transcripts, turns, codes, segments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


# -- records the store returns ---------------------------------------------------------------------
# Frozen: what a query returned is not changed on the way up; a front end that shows more (a colour,
# a percentage) wraps a record in a view model of its own. JSON columns arrive parsed.


class _Record:
    """Base of the store's records."""

    __slots__ = ()


def span_of(turn: Any) -> tuple[int, int]:
    """The (start, end) of a turn: a record, a parsed Turn, or a mapping with those keys."""
    if isinstance(turn, Mapping):
        return int(turn["start"]), int(turn["end"])
    return int(turn.start), int(turn.end)


def as_dict(record: Any) -> dict[str, Any]:
    """A record's fields as a plain dict (shallow): for JSON and table output."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


@dataclass(frozen=True, slots=True)
class Site(_Record):
    id: int
    name: str
    attributes: dict[str, Any]
    guid: str | None = None
    transcripts: int = 0  # how many transcripts were recorded there


@dataclass(frozen=True, slots=True)
class Participant(_Record):
    id: int
    label: str
    role: str | None
    site_id: int | None
    attributes: dict[str, Any]
    guid: str | None = None
    site: str | None = None  # the site's name


@dataclass(frozen=True, slots=True)
class ParticipantLink(_Record):
    """One participant of a transcript (in the transcript's order)."""

    transcript_id: int
    label: str
    role: str | None


@dataclass(frozen=True, slots=True)
class TranscriptRef(_Record):
    """A transcript found by a key (GUID, checksum, source file, reference)."""

    id: int
    title: str = ""
    source_name: str = ""
    checksum: str = ""


@dataclass(frozen=True, slots=True)
class Transcript(_Record):
    """A transcript as listed, with its site, participants and counts; ``text`` only when one
    transcript was asked for."""

    id: int
    guid: str
    title: str
    date: str | None
    interviewer: str | None
    source_name: str
    format: str
    words: int
    checksum: str
    attributes: dict[str, Any]
    imported_at: str
    length: int  # characters of text
    site: str | None
    participant: str | None  # participants' labels, comma-separated, in order
    role: str | None  # their distinct roles, comma-separated
    turns: int
    segments: int
    text: str | None = None


@dataclass(frozen=True, slots=True)
class TurnRecord(_Record):
    """A stored turn: ``text[start:end]`` of its transcript, spoken by ``speaker``."""

    id: int
    transcript_id: int
    position: int
    speaker: str | None
    start: int
    end: int
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True, slots=True)
class Code(_Record):
    """A code of the codebook with its place in the tree (``path`` "Theme/Sub-code", ``depth``)."""

    id: int
    guid: str
    parent_id: int | None
    name: str
    definition: str | None
    when_to_use: str | None
    when_not_to_use: str | None
    example: str | None
    colour: str | None
    keywords: list[str]
    patterns: list[Any]
    position: int
    path: str = ""
    depth: int = 0
    segments: int | None = None  # how many segments carry it (None when not counted)


@dataclass(frozen=True, slots=True)
class CodeRow(_Record):
    """A code as stored (no tree place, JSON columns as stored text): before/after of an edit."""

    id: int
    guid: str
    parent_id: int | None
    name: str
    definition: str | None
    when_to_use: str | None
    when_not_to_use: str | None
    example: str | None
    colour: str | None
    keywords: str
    patterns: str
    position: int


@dataclass(frozen=True, slots=True)
class Coder(_Record):
    id: int
    name: str
    created_at: str
    guid: str | None = None
    segments: int = 0


@dataclass(frozen=True, slots=True)
class Segment(_Record):
    """A coded passage with where it is (transcript, site, participants) and who coded it."""

    id: int
    transcript_id: int
    transcript: str  # the transcript's title
    source_name: str
    site: str | None
    participant: str | None
    role: str | None
    code_id: int
    code_guid: str
    coder: str
    start: int
    end: int
    text: str
    memo: str | None
    origin: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class ReviewSegment(_Record):
    """A segment an edit of its transcript's text flagged for review, with its context."""

    id: int
    transcript_id: int
    transcript: str
    source_name: str
    site: str | None
    participant: str | None
    role: str | None
    code_id: int
    code_guid: str
    coder: str
    start: int
    end: int
    text: str
    memo: str | None
    origin: str
    review: str | None  # 'changed' or 'vanished'
    review_note: str | None  # the text before the edit
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class SegmentSpan(_Record):
    """A segment with only what agreement needs."""

    id: int
    code_id: int
    coder: str
    start: int
    end: int
    round_id: int | None


@dataclass(frozen=True, slots=True)
class StoredSegment(_Record):
    """A segment as stored, with ids (what an edit of the text carries over)."""

    id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    text: str
    review: str | None = None
    review_note: str | None = None


@dataclass(frozen=True, slots=True)
class StoredTurn(_Record):
    """A turn as an edit of the text carries it over (``id`` None: a turn the edit makes)."""

    id: int | None
    position: int
    speaker: str | None
    start: int
    end: int
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True, slots=True)
class OrphanSegment(_Record):
    id: int
    transcript_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    problem: str


@dataclass(frozen=True, slots=True)
class ForeignKeyProblem(_Record):
    table: str
    rowid: int
    parent: str
