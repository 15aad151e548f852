"""What a coder reads and moves through: a transcript's turns, sentences and segments.

Front-end independent, so the keyboard moves of the coding screen are tested without a screen.
Sentences are those of :mod:`workbench.sentences` (the same units agreement counts).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.coders import pooled_coders
from workbench.models import Code, Segment, Transcript, TurnRecord, as_dict
from workbench.sentences import split_sentences
from workbench.store import Store

_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class Document:
    """A transcript ready to read: its text, turns, sentence spans and segments."""

    transcript: Transcript
    text: str
    turns: list[TurnRecord]
    sentences: list[tuple[int, int]]
    segments: list[ShownSegment] = field(default_factory=list)

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence containing (or nearest before) ``offset``."""
        starts = [s for s, _ in self.sentences]
        return max(0, bisect_right(starts, offset) - 1)

    def turn_at(self, offset: int) -> int:
        starts = [t.start for t in self.turns]
        return max(0, bisect_right(starts, offset) - 1)

    def covering(self, start: int, end: int) -> list[ShownSegment]:
        """Segments that overlap ``[start, end)``."""
        return [s for s in self.segments if s.start < end and s.end > start]

    def next_word_end(self, offset: int) -> int:
        match = _WORD.search(self.text, offset)
        return match.end() if match else len(self.text)

    def previous_word_end(self, offset: int, floor: int) -> int:
        ends = [m.end() for m in _WORD.finditer(self.text, floor, offset) if m.end() < offset]
        return ends[-1] if ends else offset


def search_hits(text: str, query: str) -> list[tuple[int, int]]:
    """Every place ``query`` occurs, case-insensitive, whitespace-flexible (for in-transcript search)."""
    words = query.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(word) for word in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def next_uncoded(doc: Document, offset: int) -> tuple[int, int] | None:
    """The first sentence after ``offset`` that no shown segment covers (wrapping around)."""
    if not doc.sentences:
        return None
    first = doc.sentence_at(offset) + 1
    order = list(range(first, len(doc.sentences))) + list(range(first))
    for index in order:
        start, end = doc.sentences[index]
        if not doc.covering(start, end):
            return start, end
    return None


@dataclass(frozen=True, slots=True)
class ShownSegment(Segment):
    """A segment as the coding screen shows it: its code's path and colour, and whether it is
    the coder's own."""

    mine: bool = True
    code: str | None = None
    colour: str | None = None


def load_segments(
    store: Store,
    transcript_id: int,
    coder: str | None,
    *,
    all_coders: bool = False,
    codes: Mapping[int, Code] | None = None,
) -> list[ShownSegment]:
    """A transcript's segments with code path and colour; ``coder``'s are marked ``mine``;
    other coders' are included only with ``all_coders``."""
    from workbench.blind import is_blind

    codes = codes if codes is not None else {c.id: c for c in store.codes(counts=False)}
    out = []
    if all_coders and coder is not None and is_blind(store):
        all_coders = False  # the blind phase: only the coder's own coding is shown
    for segment in store.segments(transcript_id=transcript_id, coder=None if all_coders else coder):
        code = codes.get(segment.code_id)
        out.append(
            ShownSegment(
                **as_dict(segment),
                mine=coder is None or segment.coder == coder,
                code=code.path if code else None,
                colour=code.colour if code else None,
            )
        )
    return out


def other_coders_spans(store: Store, transcript_id: int, coder: str | None) -> list[tuple[int, int, str]]:
    """Where coders other than ``coder`` (and the consensus) have coded this transcript (nowhere
    shown while the project is blind)."""
    from workbench.blind import is_blind

    if coder is not None and is_blind(store):
        return []
    segments = store.segments(transcript_id=transcript_id)
    others = set(pooled_coders(s.coder for s in segments)) - {coder}
    return [(s.start, s.end, s.coder) for s in segments if s.coder in others]


def load_document(store: Store, transcript_id: int, coder: str | None = None, *, all_coders: bool = False) -> Document:
    """Everything the coding screen needs for one transcript, in one read."""
    transcript = store.transcript(transcript_id)
    if transcript is None:
        from workbench.errors import NotFoundError

        raise NotFoundError(f"no transcript {transcript_id}.")
    text = transcript.text or ""
    turns = store.turns(transcript_id)
    segments = load_segments(store, transcript_id, coder, all_coders=all_coders)
    return Document(transcript, text, turns, split_sentences(text, turns), segments)
