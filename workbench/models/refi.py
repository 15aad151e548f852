"""A REFI-QDA project as read, before anything is written, and a snapshot to write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.models.annotations import Link, Memo
from workbench.models.parsed import Codebook, ParsedTranscript
from workbench.models.records import Code, Coder, Participant, ParticipantLink, Segment, Site, Transcript


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
