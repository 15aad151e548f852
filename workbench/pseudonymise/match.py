"""Finding accepted terms in a text: whole words, the longest match first."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable

from workbench.pseudonymise.key import KeyEntry
from workbench.retext import Replacement, replacement_blocks

# -- matching --------------------------------------------------------------------------------------


class Matcher:
    """Finds the key's terms in a text in one pass over its words (see the module's rules)."""

    def __init__(self, entries: Iterable[KeyEntry]) -> None:
        self.by_first: dict[str, list[tuple[KeyEntry, int]]] = defaultdict(list)
        for entry in entries:
            first = re.search(r"\w+", entry.term)  # the first word, and where it starts
            if first is None:
                continue
            self.by_first[first.group().casefold()].append((entry, first.start()))
        for options in self.by_first.values():
            options.sort(key=lambda item: -len(item[0].term))

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def find(self, text: str) -> list[tuple[int, int, KeyEntry]]:
        """Non-overlapping matches: (start, end, entry), longest first, then earliest."""
        found: list[tuple[int, int, KeyEntry]] = []
        folded = text.casefold() if len(text.casefold()) == len(text) else None
        for word in re.finditer(r"\w+", text):
            options = self.by_first.get(word.group().casefold())
            if not options:
                continue
            for entry, lead in options:
                start = word.start() - lead
                end = start + len(entry.term)
                if start < 0 or end > len(text):
                    continue
                piece = text[start:end]
                if not _same(piece, entry.term, folded[start:end] if folded is not None else None):
                    continue
                if (
                    entry.term[0].isalnum() and start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")
                ) or (entry.term[-1].isalnum() and end < len(text) and (text[end].isalnum() or text[end] == "_")):
                    continue
                found.append((start, end, entry))
        return _longest_first(found)


def _same(piece: str, term: str, folded_piece: str | None) -> bool:
    if piece == term:
        return True
    loose = " " in term or any(not c.isalpha() for c in term)
    if loose:
        return (folded_piece or piece.casefold()) == term.casefold()
    return piece == term.upper() or (term.isupper() or term.istitle()) and piece == term.capitalize()


def _longest_first(found: list[tuple[int, int, KeyEntry]]) -> list[tuple[int, int, KeyEntry]]:
    chosen_starts: list[int] = []
    chosen: list[tuple[int, int, KeyEntry]] = []
    for start, end, entry in sorted(found, key=lambda m: (-(m[1] - m[0]), m[0])):
        i = bisect.bisect_left(chosen_starts, start)
        if i > 0 and chosen[i - 1][1] > start:
            continue
        if i < len(chosen) and chosen[i][0] < end:
            continue
        chosen_starts.insert(i, start)
        chosen.insert(i, (start, end, entry))
    return chosen


def replace_in(text: str, matcher: Matcher) -> str:
    if not text or not matcher:
        return text
    matches = matcher.find(text)
    if not matches:
        return text
    new, _ = replacement_blocks(text, [Replacement(s, e, entry.pseudonym) for s, e, entry in matches])
    return new


# -- finding candidates ----------------------------------------------------------------------------
