"""Units of comparison: sentences, speaker turns, or characters, and the overlap rule that says
when a unit carries a code for a coder.

- ``sentence``: the sentences the coding screen moves through (``workbench.sentences.split_sentences``:
  end punctuation followed by space, or a blank line, within each turn; common abbreviations do
  not end a sentence), so a sentence means the same thing in the reader and in agreement. Split
  once per transcript and kept in memory by the transcript's checksum.
- ``turn``: the transcript's speaker turns.
- ``character``: every character (as NVivo counts); runs of characters that no segment boundary
  splits are one unit with a weight, so long transcripts cost little.
- ``continuum`` (not a unit: see ``workbench.agreement.unitizing``): the coders' own segments
  compared on the character continuum.

Overlap rule: a unit carries a code for a coder when that coder's segments with the code cover
``any`` of it, at least ``half`` of it, or ``all`` of it. The default is half of a sentence and any
of a turn (a turn is long: a coded sentence in it codes the turn); for characters the rules agree.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from workbench.models import span_of
from workbench.sentences import split_sentences

UNITS = ("sentence", "turn", "character")
OVERLAP_RULES = ("any", "half", "all")
_CACHE: OrderedDict[tuple[str, int, int], list[tuple[int, int]]] = OrderedDict()
_CACHE_SIZE = 4096


def sentence_units(text: str, turns: Sequence[Any], checksum: str | None = None) -> list[tuple[int, int]]:
    """The reader's sentences of a transcript (cached by ``checksum`` when given)."""
    if checksum is None:
        return split_sentences(text, turns)
    key = (checksum, len(text), len(turns))
    spans = _CACHE.get(key)
    if spans is None:
        spans = _CACHE[key] = split_sentences(text, turns)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return spans


def character_units(length: int, boundaries: set[int]) -> list[tuple[int, int]]:
    points = sorted({0, length, *(b for b in boundaries if 0 <= b <= length)})
    return [(a, b) for a, b in zip(points, points[1:]) if b > a]


def units_for(
    kind: str, text: str, turns: Sequence[Any], boundaries: set[int], checksum: str | None = None
) -> list[tuple[int, int]]:
    if kind == "sentence":
        return sentence_units(text, turns, checksum)
    if kind == "turn":
        return [(a, b) for a, b in map(span_of, turns) if b > a] or [(0, len(text))]
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
