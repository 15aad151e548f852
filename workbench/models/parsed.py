"""What the readers parse: turns, transcripts, codebook specs, check reports. No I/O here."""

from __future__ import annotations

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
    patterns: list[list[dict[str, Any]]] = field(default_factory=list)  # spaCy Matcher token patterns
    guid: str | None = None
    children: list[CodeSpec] = field(default_factory=list)
    line: int | None = None

    def walk(self, prefix: str = "") -> list[tuple[str, CodeSpec]]:
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
        return (
            len(self.integrity)
            + len(self.foreign_keys)
            + len(self.cycles)
            + len(self.orphan_segments)
            + len(self.search_index)
            + len(self.schema)
        )


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
