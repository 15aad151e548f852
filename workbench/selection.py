"""The selection in a transcript as the coder moves it: by sentence, turn, word, search hit,
suggestion or uncoded passage, and the words that describe it. Without any screen.

Every move returns whether it moved (there is a transcript to move in); a move clears what the
last action said (``told``), as the coding screen's status line does when the selection moves.
"""

from __future__ import annotations

from typing import Any

from workbench.reading import Document, next_uncoded, search_hits
from workbench.wording import plural

Span = tuple[int, int]


class Selection:
    """The moving part of a coding session (:class:`workbench.session.CodingSession`)."""

    doc: Document | None
    selection: Span
    told: str
    hits: list[Span]
    proposals: list[Any]

    def move_to(self, start: int, end: int) -> bool:
        """Select ``[start, end)`` (at least one character, inside the text)."""
        if self.doc is None:
            return False
        end = max(end, start + 1)
        self.selection = (start, min(end, len(self.doc.text)))
        self.told = ""
        return True

    def sentence(self, step: int) -> bool:
        """The next (``step`` 1) or previous (-1) sentence."""
        doc = self.doc
        if not doc or not doc.sentences:
            return False
        index = doc.sentence_at(self.selection[0] if step < 0 else max(self.selection[1] - 1, 0))
        index = min(max(index + step, 0), len(doc.sentences) - 1)
        return self.move_to(*doc.sentences[index])

    def extend_sentence(self, step: int) -> bool:
        """Extend the selection by the next sentence (``step`` 1) or shrink it by its last (-1)."""
        doc = self.doc
        if not doc or not doc.sentences:
            return False
        start, end = self.selection
        last = doc.sentence_at(max(end - 1, start))
        if step > 0 and last + 1 < len(doc.sentences):
            end = doc.sentences[last + 1][1]
        elif step < 0 and last > doc.sentence_at(start):
            end = doc.sentences[last - 1][1]
        return self.move_to(start, end)

    def extend_word(self, step: int) -> bool:
        """Extend the selection by a word (``step`` 1) or shrink it by one (-1)."""
        if not self.doc:
            return False
        start, end = self.selection
        end = self.doc.next_word_end(end) if step > 0 else self.doc.previous_word_end(end, start)
        return self.move_to(start, end)

    def extend_turn(self) -> bool:
        """Extend the selection to the end of its turn."""
        if not self.doc or not self.doc.turns:
            return False
        return self.move_to(self.selection[0], self.doc.turns[self.doc.turn_at(self.selection[0])].end)

    def turn(self, step: int) -> bool:
        """The first sentence of the next (``step`` 1) or previous (-1) turn."""
        doc = self.doc
        if not doc or not doc.turns:
            return False
        index = min(max(doc.turn_at(self.selection[0]) + step, 0), len(doc.turns) - 1)
        turn = doc.turns[index]
        first = next((s for s in doc.sentences if s[0] >= turn.start), (turn.start, turn.end))
        return self.move_to(*first)

    def select_turn(self) -> bool:
        """The whole turn under the selection."""
        if not self.doc or not self.doc.turns:
            return False
        turn = self.doc.turns[self.doc.turn_at(self.selection[0])]
        return self.move_to(turn.start, turn.end)

    def next_uncoded(self) -> bool:
        """The next sentence no shown segment covers; False when every sentence is coded."""
        found = next_uncoded(self.doc, self.selection[0]) if self.doc else None
        return self.move_to(*found) if found else False

    def search(self, query: str) -> list[Span]:
        """Where ``query`` occurs in this transcript (the hits ``next_hit`` moves through)."""
        if self.doc:
            self.hits = search_hits(self.doc.text, query)
        return self.hits

    def next_hit(self, step: int) -> bool:
        """The next (``step`` 1) or previous (-1) search hit, wrapping around; False without hits."""
        if not self.hits:
            return False
        start = self.selection[0]
        if step > 0:
            target = next((h for h in self.hits if h[0] > start), self.hits[0])
        else:
            target = next((h for h in reversed(self.hits) if h[0] < start), self.hits[-1])
        return self.move_to(*target)

    def next_proposal(self) -> bool:
        """The next suggestion after the selection (wrapping around)."""
        after = [p for p in self.proposals if p.start > self.selection[0]] or self.proposals
        return self.move_to(after[0].start, after[0].end) if after else False

    def proposal_here(self) -> Any | None:
        """The best-scored suggestion overlapping the selection."""
        start, end = self.selection
        here = [p for p in self.proposals if p.start < end and p.end > start]
        return max(here, key=lambda p: p.score) if here else None

    # -- in words ------------------------------------------------------------------------------

    def describe_selection(self) -> str:
        """Where the selection is, in words: its turn, and how many sentences and words it holds."""
        doc = self.doc
        if doc is None or not doc.turns:
            return ""
        start, end = self.selection
        turn = doc.turn_at(start)
        sentences = doc.sentence_at(max(start, end - 1)) - doc.sentence_at(start) + 1 if end > start else 0
        words = len(doc.text[start:end].split())
        return f"turn {turn + 1}/{len(doc.turns)} · {plural(sentences, 'sentence')}, {plural(words, 'word')}"

    def snippet(self, start: int, end: int, limit: int = 40) -> str:
        """The words of ``[start, end)`` in quotes, cut at a word after ``limit`` characters."""
        words = " ".join(self.doc.text[start:end].split()) if self.doc else ""
        return f"“{words}”" if len(words) <= limit else f"“{words[:limit].rsplit(' ', 1)[0]}…”"
