"""The one rule for "a sentence": what the coding screen moves through, what agreement counts as a
sentence unit, and what suggestions and search hits are widened to.

A light rule (end punctuation followed by space, or a blank line, within each turn; common titles
and abbreviations do not end a sentence) that keeps navigation instant and needs no model. Every
caller goes through :func:`split_sentences`, so a sentence means the same thing everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from workbench.models import span_of

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n\s*\n")
# Titles and abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.", "prof.", "jr.", "sr.", "no."}


def split_sentences(text: str, turns: Sequence[Any]) -> list[tuple[int, int]]:
    """Sentence spans inside each turn (or inside the whole text when it has no turns)."""
    spans: list[tuple[int, int]] = []
    ranges = [span_of(t) for t in turns] or [(0, len(text))]
    for start, end in ranges:
        pos = start
        for match in _SENTENCE_END.finditer(text, start, end):
            word = text[text.rfind(" ", start, match.start()) + 1 : match.start()].lower()
            if word in _ABBREVIATIONS and "\n" not in match.group(0):
                continue
            if match.start() > pos:
                spans.append((pos, match.start()))
            pos = match.end()
        if end > pos:
            spans.append((pos, end))
    return spans
