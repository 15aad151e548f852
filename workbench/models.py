"""Plain data shared by the readers, the store and the front ends. No I/O here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    patterns: list[list[dict]] = field(default_factory=list)  # spaCy Matcher token patterns
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
    coders: list[dict[str, Any]]
    coder_guids: dict[int, str]
    codes: list[dict[str, Any]]
    code_guids: dict[int, str]
    transcripts: list[dict[str, Any]]
    transcript_guids: dict[int, str]
    segments: list[dict[str, Any]]
    segment_guids: dict[int, str]
    memos: list[dict[str, Any]]
    memo_guids: dict[int, str]
    sites: list[dict[str, Any]]
    site_guids: dict[int, str]
    participants: list[dict[str, Any]]
    participant_guids: dict[int, str]
    transcript_participants: list[dict[str, Any]]
    links: list[dict[str, Any]]
    text_of: Callable[[int], str | None]
