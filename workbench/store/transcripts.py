"""The store's interface, part: sites, participants, transcripts, turns, speakers, edits of the text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from workbench import models as m


class TranscriptQueries(Protocol):
    """Sites, participants, transcripts and their turns and speakers (see :class:`~workbench.store.base.Store`)."""

    def site_id(self, name: str, attributes: dict[str, Any] | None = None) -> int:
        """The id of the named site, created if new; given attributes are merged in."""
        ...

    def participant_id(
        self, label: str, *, role: str | None, site_id: int | None, attributes: dict[str, Any] | None = None
    ) -> int:
        """The id of the participant, created if new; role, site and attributes filled in."""
        ...

    def sites(self) -> list[m.Site]: ...

    def transcript_participant_links(self) -> list[m.ParticipantLink]: ...

    def participants(self) -> list[m.Participant]: ...

    def transcript_by_guid(self, guid: str) -> m.TranscriptRef | None: ...

    def transcript_by_checksum(self, checksum: str) -> m.TranscriptRef | None: ...

    def transcript_by_source(self, source_name: str, site_id: int | None) -> m.TranscriptRef | None: ...

    def insert_transcript(
        self,
        *,
        title: str,
        site_id: int | None,
        date: str | None,
        interviewer: str | None,
        source_name: str,
        format: str,
        checksum: str,
        text: str,
        attributes: dict[str, Any],
        participant_ids: list[int],
        turns: Iterable[tuple[Any, ...]],
        guid: str | None = None,
    ) -> int: ...

    def transcripts(self) -> list[m.Transcript]: ...

    def transcript(self, transcript_id: int) -> m.Transcript | None: ...

    def transcript_text(self, transcript_id: int) -> str | None: ...

    def find_transcripts(self, ref: str) -> list[m.TranscriptRef]:
        """Transcripts whose id, title or source file name is ``ref`` (case-insensitive)."""
        ...

    def turns(self, transcript_id: int) -> list[m.TurnRecord]: ...

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

    def set_speaker(self, transcript_id: int, speaker: str, participant_id: int | None, role: str) -> None: ...

    def link_participant(self, transcript_id: int, participant_id: int) -> None:
        """Make the participant one of the transcript's participants (appended), if not already."""
        ...

    def unlink_participant(self, transcript_id: int, participant_id: int) -> None: ...

    def participant_by_label(self, label: str) -> m.Participant | None: ...

    def transcript_site_id(self, transcript_id: int) -> int | None: ...

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

    def rewrite_transcript(
        self,
        transcript_id: int,
        *,
        text: str,
        checksum: str,
        turns: Sequence[m.StoredTurn],
        segments: Sequence[m.StoredSegment],
    ) -> None:
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

    def clear_review(self, segment_id: int) -> None: ...
