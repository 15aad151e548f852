"""Plain data shared by the readers, the store and the front ends. No I/O here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class Turn:
    """One speaker's stretch of talk: ``text[start:end]`` of its transcript (code points)."""

    speaker: str | None
    start: int
    end: int
    start_time: float | None = None
    end_time: float | None = None


@dataclass(slots=True)
class ParsedTranscript:
    """What every reader returns: normalized text, its turns, and metadata found in the file."""

    text: str
    turns: list[Turn]
    format: str
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # the text encoding a text or caption file was read in

    @property
    def speakers(self) -> list[str]:
        """Distinct speakers in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker:
                seen.setdefault(turn.speaker, None)
        return list(seen)

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(slots=True)
class CodeSpec:
    """A code as written in a codebook file, before it is stored."""

    name: str
    definition: str | None = None
    when_to_use: str | None = None
    when_not_to_use: str | None = None
    example: str | None = None
    colour: str | None = None
    keywords: list[str] = field(default_factory=list)
    patterns: list[list[dict[str, Any]]] = field(default_factory=list)  # spaCy Matcher token patterns
    guid: str | None = None
    children: list["CodeSpec"] = field(default_factory=list)
    line: int | None = None

    def walk(self, prefix: str = "") -> list[tuple[str, "CodeSpec"]]:
        """This code and its descendants as (path, code), depth first."""
        path = f"{prefix}{self.name}"
        out = [(path, self)]
        for child in self.children:
            out.extend(child.walk(path + "/"))
        return out


@dataclass(slots=True)
class Codebook:
    name: str
    codes: list[CodeSpec]
    description: str | None = None

    def walk(self) -> list[tuple[str, CodeSpec]]:
        out: list[tuple[str, CodeSpec]] = []
        for code in self.codes:
            out.extend(code.walk())
        return out


@dataclass(slots=True)
class CheckReport:
    """What `workbench check` found in a project (and, with repair, what it changed)."""

    path: str
    integrity: list[str] = field(default_factory=list)  # SQLite integrity_check messages
    foreign_keys: list[str] = field(default_factory=list)  # rows pointing at missing rows
    cycles: list[list[str]] = field(default_factory=list)  # code names of each cycle in the code tree
    orphan_segments: list[str] = field(default_factory=list)
    search_index: list[str] = field(default_factory=list)
    schema: list[str] = field(default_factory=list)  # schema objects the file lacks
    repaired: list[str] = field(default_factory=list)
    backup: str | None = None

    @property
    def problems(self) -> int:
        return (len(self.integrity) + len(self.foreign_keys) + len(self.cycles) + len(self.orphan_segments)
                + len(self.search_index) + len(self.schema))


PARTICIPANT, INTERVIEWER = "participant", "interviewer"  # the roles a transcript's speaker can have


@dataclass(slots=True)
class SpeakerCase:
    """A transcript's speaker and who they are: a participant (a case of the analysis), an
    interviewer/moderator (never a participant), or not mapped yet (``participant`` None)."""

    transcript_id: int
    transcript: str
    site: str | None
    speaker: str  # as the turns name it; "" for unlabelled turns
    role: str  # "participant" or "interviewer"
    participant: str | None
    turns: int

    @property
    def shown(self) -> str:
        return self.speaker or "(unlabelled)"


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


# -- a REFI-QDA project as read, before anything is written (workbench.refi.reader -> workbench.refi_import)


@dataclass(slots=True)
class SourceReport:
    """One text source: its selections (coded passages), how many were imported, and the codings
    (a selection can carry several codes, so codings may outnumber selections)."""

    name: str
    selections: int = 0
    imported: int = 0
    codings: int = 0
    codings_imported: int = 0
    unit: str = ""
    encoding: str = ""
    skipped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ProjectImport:
    """What a REFI-QDA project import found and did."""

    path: Any  # pathlib.Path
    origin: str | None
    codes: int = 0
    users: int = 0
    notes: int = 0
    sources: list[SourceReport] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiCoding:
    """One code on one selection, placed in the normalized text (code points, end exclusive)."""

    selection: int  # which selection of its source (a selection may carry several codings)
    guid: str | None  # the selection's GUID, kept when the selection carries exactly one coding
    start: int
    end: int
    code_guid: str | None
    user: str
    memo: str | None = None


@dataclass(slots=True)
class RefiSource:
    """A text source: its normalized text as a parsed transcript, and its codings."""

    guid: str
    title: str
    file: str
    checksum: str
    transcript: ParsedTranscript
    codings: list[RefiCoding]
    report: SourceReport
    note_guids: list[str] = field(default_factory=list)  # notes attached to this source


@dataclass(slots=True)
class RefiCase:
    """A case: a site (described as "site") or a participant, with its variables and sources."""

    name: str
    kind: str  # "site" or "participant"
    values: dict[str, Any]
    guid: str | None
    sources: list[str | None]


@dataclass(slots=True)
class RefiNote:
    """A note (memo): its author's GUID and text."""

    guid: str | None
    user: str | None
    text: str


@dataclass(slots=True)
class RefiLink:
    """A link between two things of the project (codes, selections...), by their GUIDs."""

    guid: str | None
    relation: str
    direction: str | None
    origin: str | None
    target: str | None
    memo: str | None


@dataclass(slots=True)
class RefiProject:
    """A .qdpx project as read: everything the import writes, and what the reading repaired."""

    report: ProjectImport
    name: str | None
    codebook: Codebook | None
    code_guids: int  # distinct code GUIDs in the codebook
    users: dict[str | None, str]  # user GUID -> name
    sources: list[RefiSource]
    cases: list[RefiCase]
    notes: list[RefiNote]
    links: list[RefiLink]
    project_note_guids: list[str] = field(default_factory=list)  # notes attached to the project
    code_note_guids: dict[str, str] = field(default_factory=dict)  # note GUID -> code GUID
    repairs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RefiSnapshot:
    """A project as the REFI-QDA writer needs it, read in one go by ``workbench.refi_export`` (the
    writer never queries the project itself). Texts are read one at a time, when written."""

    title: str | None
    created_at: str | None
    codebook_description: str | None
    coders: list[Coder]
    coder_guids: dict[int, str]
    codes: list[Code]
    code_guids: dict[int, str]
    transcripts: list[Transcript]
    transcript_guids: dict[int, str]
    segments: list[Segment]
    segment_guids: dict[int, str]
    memos: list[Memo]
    memo_guids: dict[int, str]
    sites: list[Site]
    site_guids: dict[int, str]
    participants: list[Participant]
    participant_guids: dict[int, str]
    transcript_participants: list[ParticipantLink]
    links: list[Link]
    text_of: Callable[[int], str | None]
