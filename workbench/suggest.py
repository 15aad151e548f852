"""Code suggestions: from the codebook (keywords and spaCy token patterns) and learned from the
team's own coding (spaCy ``textcat_multilabel`` on a blank English pipeline: classifier.py).

A suggestion is a proposal for one sentence and one code, with its source and a score; it is never
applied on its own. Accepting one makes a segment of the coder with origin "suggested"; rejecting
one is remembered so the same proposal does not come back. Nothing is downloaded: the blank
pipeline needs no model, and a trained model is kept inside the project file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from workbench.coding import add_segment
from workbench.models import Segment, TurnRecord
from workbench.sentences import split_sentences
from workbench.search import fuzzy_query, marked_spans
from workbench.store import QueryError, Store

if TYPE_CHECKING:
    from spacy.language import Language

THRESHOLD = 0.4  # of the learned classifier (classifier.py); on the SERDIF coding: precision 0.58, recall 0.17 (README)


@dataclass(slots=True)
class Suggestion:
    transcript_id: int
    start: int
    end: int
    code_id: int
    code: str
    source: str  # keyword, keyword (fuzzy), pattern, learned
    score: float
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcript_id": self.transcript_id,
            "start": self.start,
            "end": self.end,
            "code": self.code,
            "source": self.source,
            "score": round(self.score, 3),
            "why": self.why,
        }


@lru_cache(maxsize=1)
def blank_nlp() -> Language:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def participant_turns(store: Store, transcript_id: int) -> list[TurnRecord]:
    """The turns worth suggesting codes for: not the interviewer's questions."""
    from workbench.cases import is_interviewer

    transcript = store.transcript(transcript_id)
    interviewer = transcript.interviewer if transcript else None
    return [t for t in store.turns(transcript_id) if not is_interviewer(t.speaker or "", interviewer)]


def _sentences(store: Store, transcript_id: int) -> tuple[str, list[tuple[int, int]]]:
    text = store.transcript_text(transcript_id) or ""
    return text, split_sentences(text, participant_turns(store, transcript_id))


def _sentence_of(sentences: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    return next(((s, e) for s, e in sentences if s <= offset < e), None)


def codebook_suggestions(store: Store, transcript_id: int, *, fuzzy: bool = True) -> list[Suggestion]:
    """Sentences that match a code's keywords (stemmed, and with fuzzy spelling) or token patterns."""
    text, sentences = _sentences(store, transcript_id)
    out: dict[tuple[int, int, int], Suggestion] = {}
    codes = store.codes(counts=False)
    for code in codes:
        for keyword in code.keywords:
            phrase = '"' + keyword.replace('"', " ") + '"'
            # Misspellings are only looked for in longer keywords: short words have too many neighbours.
            for source, query in (("keyword", phrase),) + (
                (("keyword (fuzzy)", fuzzy_query(store, keyword)),)
                if fuzzy and " " not in keyword and len(keyword) >= 7
                else ()
            ):
                try:
                    rows = store.search_turns(query, transcript_id=transcript_id)
                except QueryError:  # a keyword the search cannot read is skipped, not fatal
                    continue
                for row in rows:
                    for a, _ in marked_spans(row.marked):
                        sentence = _sentence_of(sentences, row.start + a)
                        if sentence is None:
                            continue
                        key = (*sentence, code.id)
                        score = 0.7 if source == "keyword" else 0.5
                        found = out.get(key)
                        if found is None or found.score < score:
                            out[key] = Suggestion(
                                transcript_id, *sentence, code.id, code.path, source, score, f"keyword “{keyword}”"
                            )
                        elif found.source.startswith("keyword") and f"“{keyword}”" not in found.why:
                            found.score = min(0.95, found.score + 0.1)
                            found.why += f", “{keyword}”"
    pattern_codes = [c for c in codes if c.patterns]
    if pattern_codes:
        from spacy.matcher import Matcher

        nlp = blank_nlp()
        matcher = Matcher(nlp.vocab)
        for code in pattern_codes:
            matcher.add(str(code.id), code.patterns)
        by_id = {c.id: c for c in pattern_codes}
        for start, end in sentences:
            doc = nlp.make_doc(text[start:end])
            for match_id, _, _ in matcher(doc):
                code = by_id[int(nlp.vocab.strings[match_id])]
                out[(start, end, code.id)] = Suggestion(
                    transcript_id, start, end, code.id, code.path, "pattern", 0.9, "token pattern"
                )
    return list(out.values())


# -- learned suggestions ----------------------------------------------------------------------------


def suggestions(
    store: Store, transcript_id: int, coder: str, *, sources: tuple[str, ...] = ("keyword", "pattern", "learned")
) -> list[Suggestion]:
    """Open proposals for a transcript: not yet coded with that code by the coder, not rejected."""
    found: list[Suggestion] = []
    if "keyword" in sources or "pattern" in sources:
        found += [s for s in codebook_suggestions(store, transcript_id) if s.source.split(" ")[0] in sources]
    if "learned" in sources:
        from workbench.classifier import learned_suggestions

        found += learned_suggestions(store, transcript_id)
    rejected = store.rejected_suggestions(coder)
    mine = [(s.code_id, s.start, s.end) for s in store.segments(transcript_id=transcript_id, coder=coder)]
    best: dict[tuple[int, int, int], Suggestion] = {}
    for s in found:
        if (s.transcript_id, s.start, s.end, s.code_id) in rejected:
            continue
        if any(code == s.code_id and a < s.end and b > s.start for code, a, b in mine):
            continue
        key = (s.start, s.end, s.code_id)
        if key not in best or best[key].score < s.score:
            best[key] = s
    return sorted(best.values(), key=lambda s: (s.start, -s.score))


def accept(store: Store, suggestion: Suggestion, coder: str) -> Segment:
    return add_segment(
        store,
        transcript_id=suggestion.transcript_id,
        code_id=suggestion.code_id,
        coder=coder,
        start=suggestion.start,
        end=suggestion.end,
        origin="suggested",
        memo=f"suggested ({suggestion.source}, {suggestion.score:.2f}): {suggestion.why}",
    )


def reject(store: Store, suggestion: Suggestion, coder: str) -> None:
    with store.transaction():
        store.reject_suggestion(
            suggestion.transcript_id, suggestion.start, suggestion.end, suggestion.code_id, coder, suggestion.source
        )
        store.audit("suggestion.reject", "suggestion", None, coder=coder, after=suggestion.as_dict())
