"""Units of comparison: sentences, speaker turns, or characters, and the overlap rule that says
when a unit carries a code for a coder.

- ``sentence``: spaCy's rule-based sentencizer on a blank English pipeline, run over each turn
  (a trained pipeline is not needed and nothing is downloaded).
- ``turn``: the transcript's speaker turns.
- ``character``: every character (as NVivo counts); runs of characters that no segment boundary
  splits are one unit with a weight, so long transcripts cost little.

Overlap rule: a unit carries a code for a coder when that coder's segments with the code cover
``any`` of it, at least ``half`` of it, or ``all`` of it. The default is half of a sentence and any
of a turn (a turn is long: a coded sentence in it codes the turn); for characters the rules agree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

UNITS = ("sentence", "turn", "character")
OVERLAP_RULES = ("any", "half", "all")


@lru_cache(maxsize=1)
def _sentencizer():  # noqa: ANN202 - a spaCy Language
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_units(text: str, turns: list[dict[str, Any]]) -> list[tuple[int, int]]:
    nlp = _sentencizer()
    spans: list[tuple[int, int]] = []
    ranges = [(t["start"], t["end"]) for t in turns] or [(0, len(text))]
    for start, end in ranges:
        chunk = text[start:end]
        if not chunk.strip():
            continue
        for sentence in nlp(chunk).sents:
            stripped = sentence.text.strip()
            if stripped:
                offset = start + sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip()))
                spans.append((offset, offset + len(stripped)))
    return spans


def character_units(length: int, boundaries: set[int]) -> list[tuple[int, int]]:
    points = sorted({0, length, *(b for b in boundaries if 0 <= b <= length)})
    return [(a, b) for a, b in zip(points, points[1:]) if b > a]


def units_for(kind: str, text: str, turns: list[dict[str, Any]], boundaries: set[int]) -> list[tuple[int, int]]:
    if kind == "sentence":
        return sentence_units(text, turns)
    if kind == "turn":
        return [(t["start"], t["end"]) for t in turns if t["end"] > t["start"]] or [(0, len(text))]
    if kind == "character":
        return character_units(len(text), boundaries)
    raise ValueError(f"unknown unit {kind!r}")


def covered(unit: tuple[int, int], spans: list[tuple[int, int]]) -> int:
    """Characters of ``unit`` covered by the union of ``spans`` (sorted by start)."""
    start, end = unit
    total, reach = 0, start
    for s, e in spans:
        if e <= reach or s >= end:
            if s >= end:
                break
            continue
        lo, hi = max(s, reach), min(e, end)
        if hi > lo:
            total += hi - lo
            reach = hi
    return total


def carries(unit: tuple[int, int], spans: list[tuple[int, int]], rule: str) -> bool:
    length = unit[1] - unit[0]
    amount = covered(unit, spans)
    if rule == "any":
        return amount > 0
    if rule == "half":
        return amount * 2 >= length and amount > 0
    if rule == "all":
        return amount >= length
    raise ValueError(f"unknown overlap rule {rule!r}")
