"""Re-anchoring offsets through a change of a transcript's text.

A transcript's turns and coded segments are offsets into its text (code points, end exclusive).
When the text changes (a correction, a re-imported file, a pseudonym in place of a name), every
offset is carried over through a diff of the old and the new text:

- The diff is taken on tokens (words, runs of white space, single punctuation marks), after the
  common prefix and suffix are set aside, so one corrected word costs time in proportion to the
  text's length, not its square.
- An offset inside unchanged text moves with it. A start that falls inside changed text moves to
  the start of the replacement, an end to its end, so a span that covered changed text covers its
  replacement. Text inserted exactly at a span's edge stays outside it.
- A span whose own text changed is *changed*; one whose text disappeared entirely is *vanished*.
  Neither is ever dropped: the caller keeps it, flagged for review, with the old text in a note.

No I/O and no SQL here: the use cases in :mod:`workbench.transcript_edit` and
:mod:`workbench.pseudonymise` store what this module computes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Block:
    """``old[a0:a1]`` became ``new[b0:b1]``; ``equal`` when the two are the same text."""

    a0: int
    a1: int
    b0: int
    b1: int
    equal: bool


@dataclass(frozen=True, slots=True)
class Replacement:
    """Replace ``text[start:end]`` with ``new`` (offsets into the old text)."""

    start: int
    end: int
    new: str


def _tokens(text: str, base: int) -> tuple[list[str], list[int]]:
    toks: list[str] = []
    starts: list[int] = []
    for match in _TOKEN.finditer(text):
        toks.append(match.group())
        starts.append(base + match.start())
    return toks, starts


def diff_blocks(old: str, new: str) -> list[Block]:
    """The old text cut into blocks, each equal to or replaced by a block of the new text."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    # Widen the changed middle to whole tokens, so a diff never cuts a word in two.
    while (
        prefix > 0
        and old[prefix - 1].isalnum()
        and (prefix < len(old) and old[prefix].isalnum() or prefix < len(new) and new[prefix].isalnum())
    ):
        prefix -= 1
    while (
        suffix > 0
        and old[len(old) - suffix].isalnum()
        and (
            len(old) - suffix - 1 >= prefix
            and old[len(old) - suffix - 1].isalnum()
            or len(new) - suffix - 1 >= prefix
            and new[len(new) - suffix - 1].isalnum()
        )
    ):
        suffix -= 1
    blocks: list[Block] = []
    if prefix:
        blocks.append(Block(0, prefix, 0, prefix, True))
    a_mid = old[prefix : len(old) - suffix]
    b_mid = new[prefix : len(new) - suffix]
    if a_mid or b_mid:
        if not a_mid or not b_mid:
            blocks.append(Block(prefix, prefix + len(a_mid), prefix, prefix + len(b_mid), False))
        else:
            a_toks, a_starts = _tokens(a_mid, prefix)
            b_toks, b_starts = _tokens(b_mid, prefix)
            a_starts.append(prefix + len(a_mid))
            b_starts.append(prefix + len(b_mid))
            matcher = SequenceMatcher(None, a_toks, b_toks, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                blocks.append(Block(a_starts[i1], a_starts[i2], b_starts[j1], b_starts[j2], tag == "equal"))
    if suffix:
        blocks.append(Block(len(old) - suffix, len(old), len(new) - suffix, len(new), True))
    return _merged(blocks)


def replacement_blocks(old: str, replacements: Sequence[Replacement]) -> tuple[str, list[Block]]:
    """Apply non-overlapping replacements to ``old``; the new text and the exact blocks (no diff
    needed: the changes are known)."""
    ordered = sorted(replacements, key=lambda r: (r.start, r.end))
    out: list[str] = []
    blocks: list[Block] = []
    a = b = 0
    for rep in ordered:
        if rep.start < a or rep.end < rep.start or rep.end > len(old):
            raise ValueError(f"replacements overlap or fall outside the text at {rep.start}-{rep.end}")
        if rep.start > a:
            out.append(old[a : rep.start])
            blocks.append(Block(a, rep.start, b, b + rep.start - a, True))
            b += rep.start - a
        out.append(rep.new)
        blocks.append(Block(rep.start, rep.end, b, b + len(rep.new), False))
        b += len(rep.new)
        a = rep.end
    if a < len(old):
        out.append(old[a:])
        blocks.append(Block(a, len(old), b, b + len(old) - a, True))
    return "".join(out), _merged(blocks)


def _merged(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if out and out[-1].equal == block.equal and out[-1].a1 == block.a0 and out[-1].b1 == block.b0:
            prev = out.pop()
            block = Block(prev.a0, block.a1, prev.b0, block.b1, block.equal)
        out.append(block)
    return out


class OffsetMap:
    """Carries offsets of the old text over to the new one (see the module's rules)."""

    def __init__(self, blocks: list[Block], old_length: int, new_length: int) -> None:
        self.blocks = blocks
        self.old_length = old_length
        self.new_length = new_length
        self._a0 = [b.a0 for b in blocks]
        self._a1 = [b.a1 for b in blocks]

    @classmethod
    def between(cls, old: str, new: str) -> OffsetMap:
        return cls(diff_blocks(old, new), len(old), len(new))

    def start(self, pos: int) -> int:
        """Where a span that starts at ``pos`` starts now."""
        if pos >= self.old_length:
            return self.new_length
        index = bisect.bisect_right(self._a0, pos) - 1
        # An insertion block has a0 == a1: it never holds a start; skip to the block after it.
        while index < len(self.blocks) and self.blocks[index].a1 <= pos:
            index += 1
        block = self.blocks[index]
        return block.b0 + (pos - block.a0) if block.equal else block.b0

    def end(self, pos: int) -> int:
        """Where a span that ends at ``pos`` (exclusive) ends now."""
        if pos <= 0:
            return 0
        if pos >= self.old_length:
            return self.new_length
        index = bisect.bisect_left(self._a1, pos)
        while index > 0 and self.blocks[index].a0 >= pos:
            index -= 1
        block = self.blocks[index]
        return block.b1 - (block.a1 - pos) if block.equal else block.b1


@dataclass(frozen=True, slots=True)
class Moved:
    """Where a span went: its new offsets, and whether its text changed or vanished."""

    start: int
    end: int
    status: str  # "same" | "changed" | "vanished"


def move_span(mapping: OffsetMap, old: str, new: str, start: int, end: int) -> Moved:
    """Carry a span ``[start, end)`` of ``old`` over to ``new``."""
    new_start, new_end = mapping.start(start), mapping.end(end)
    if new_end <= new_start or not new[new_start:new_end].strip():
        return Moved(new_start, new_start, "vanished")
    status = "same" if new[new_start:new_end] == old[start:end] else "changed"
    return Moved(new_start, new_end, status)


def anchor_vanished(new: str, pos: int) -> tuple[int, int]:
    """A place to keep a segment whose text vanished: the word at (or next to) where it was, so
    the coder finds it flagged in its context. Falls back to one character."""
    if not new:
        return 0, 0
    pos = min(max(pos, 0), len(new) - 1)
    for match in re.finditer(r"\S+", new):
        if match.end() > pos:
            return match.start(), match.end()
    last = list(re.finditer(r"\S+", new))
    if last:
        return last[-1].start(), last[-1].end()
    return pos, pos + 1
