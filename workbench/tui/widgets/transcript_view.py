"""A transcript laid out as speaker turns, wrapped to the width, with coding stripes.

Built on Textual's line API: the transcript is wrapped once per width into a list of lines, and
only the lines on screen are rendered, so a 20,000-word interview opens as fast as a short one.
Each text line knows the span of the transcript it shows, which maps mouse positions to offsets
and offsets to lines. A gutter of coloured stripes shows which codes cover each line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.ingest.timestamps import format_timestamp
from workbench.reading import Document

if TYPE_CHECKING:
    from workbench.suggest import Suggestion

STRIPES = 4
GUTTER = STRIPES + 1
SPEAKER_COLOURS = ("#5fafff", "#ffaf5f", "#87d787", "#d787d7", "#d7d75f", "#5fd7d7")
_WORD = re.compile(r"\S+\s*|\s+")


@dataclass(slots=True, frozen=True)
class Line:
    kind: str  # "head", "text" or "blank"
    turn: int
    start: int = 0
    end: int = 0


def wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` into spans of at most ``width`` characters.

    Line breaks in the text start new lines; a word longer than the width is cut.
    """
    spans: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        newline = text.find("\n", pos, end)
        stop = end if newline == -1 else newline
        line_start = pos
        for match in _WORD.finditer(text, pos, stop):
            word_end = match.end()
            while word_end - line_start > width:
                if match.start() > line_start and match.start() - line_start <= width:
                    spans.append((line_start, match.start()))
                    line_start = match.start()
                else:
                    spans.append((line_start, line_start + width))
                    line_start += width
        if stop > line_start or newline == -1 and not spans:
            spans.append((line_start, stop))
        elif newline != -1 and stop == line_start:
            spans.append((line_start, stop))  # an empty line between paragraphs
        if newline == -1:
            break
        pos = newline + 1
    return [(a, b) for a, b in spans if b >= a]


def dim(colour: str | None, factor: float = 0.45) -> str:
    """A darker shade of a code colour, readable as a background under light text."""
    colour = (colour or "#888888").lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"#{int(r * factor):02x}{int(g * factor):02x}{int(b * factor):02x}"


class TranscriptView(ScrollView, can_focus=True):
    """Shows a :class:`Document`; reports selections made with the mouse."""

    DEFAULT_CSS = """
    TranscriptView { background: $surface; }
    """

    class SelectionMade(Message):
        """The coder selected a passage with the mouse."""

        def __init__(self, start: int, end: int) -> None:
            super().__init__()
            self.start = start
            self.end = end

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.doc: Document | None = None
        self.lines: list[Line] = []
        self.text_line_starts: list[int] = []
        self.text_line_index: list[int] = []
        self.selection = (0, 0)
        self.hits: list[tuple[int, int]] = []
        self.proposals: list[Suggestion] = []  # suggestions: drawn apart from coding
        self.speaker_colours: dict[str | None, str] = {}
        self._layout_width = 0
        self._cache: dict[int, Strip] = {}
        self._drag_anchor: int | None = None
        self.letters = False  # stripes as letters (colour-blind coders, monochrome terminals)
        self.letter_of: dict[str, str] = {}  # code path -> its letter in this transcript
        self.others: list[tuple[int, int, str]] = []  # other coders' spans, shown as a hint

    # -- content -------------------------------------------------------------------------------

    def set_document(self, doc: Document) -> None:
        self.doc = doc
        for turn in doc.turns:
            if turn.speaker not in self.speaker_colours:
                self.speaker_colours[turn.speaker] = SPEAKER_COLOURS[len(self.speaker_colours) % len(SPEAKER_COLOURS)]
        self._layout_width = 0
        self.assign_letters()
        self.relayout()

    def update_segments(self, doc: Document) -> None:
        """New segments on the same text: no re-wrapping needed."""
        self.doc = doc
        self.assign_letters()
        self.redraw()

    def set_selection(self, start: int, end: int) -> None:
        self.selection = (start, end)
        self.redraw()
        self.scroll_to_offset(start, end)

    def set_letters(self, on: bool) -> None:
        self.letters = on
        self.redraw()

    def set_others(self, others: list[tuple[int, int, str]]) -> None:
        self.others = others
        self.redraw()

    def assign_letters(self) -> None:
        """A letter per code of the transcript (A-Z, then a-z), stable while it is open."""
        if self.doc is None:
            return
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        for segment in sorted(self.doc.segments, key=lambda s: s.code or ""):
            code = segment.code or ""
            if code not in self.letter_of:
                self.letter_of[code] = alphabet[len(self.letter_of) % len(alphabet)]

    def visible_span(self) -> tuple[int, int]:
        """The span of the transcript on screen."""
        top = int(self.scroll_offset.y)
        shown = [line for line in self.lines[top : top + max(1, self.size.height)] if line.kind == "text"]
        if not shown:
            return (0, 0)
        return shown[0].start, shown[-1].end

    def set_proposals(self, proposals: list[Suggestion]) -> None:
        self.proposals = proposals
        self.redraw()

    def set_hits(self, hits: list[tuple[int, int]]) -> None:
        self.hits = hits
        self.redraw()

    def redraw(self) -> None:
        self._cache.clear()
        self.refresh()

    def relayout(self) -> None:
        if self.doc is None or self.size.width == 0:
            return  # not laid out on screen yet: on_resize comes next
        width = max(20, self.size.width - GUTTER - 1)
        if width == self._layout_width:
            return
        self._layout_width = width
        lines: list[Line] = []
        for index, turn in enumerate(self.doc.turns):
            lines.append(Line("head", index))
            for start, end in wrap(self.doc.text, turn.start, turn.end, width):
                lines.append(Line("text", index, start, end))
            lines.append(Line("blank", index))
        self.lines = lines
        self.text_line_index = [i for i, line in enumerate(lines) if line.kind == "text"]
        self.text_line_starts = [lines[i].start for i in self.text_line_index]
        self.virtual_size = Size(self.size.width, len(lines))
        self.redraw()

    def on_resize(self) -> None:
        self.relayout()
        self.scroll_to_offset(*self.selection)

    # -- geometry ------------------------------------------------------------------------------

    def line_of(self, offset: int) -> int:
        """Index of the text line showing ``offset``."""
        if not self.text_line_starts:
            return 0
        position = max(0, bisect_right(self.text_line_starts, offset) - 1)
        return self.text_line_index[position]

    def offset_at(self, x: int, y: int) -> int | None:
        """The text offset under a position of the widget (content coordinates)."""
        index = y + int(self.scroll_offset.y)
        if not 0 <= index < len(self.lines):
            return None
        line = self.lines[index]
        if line.kind != "text":
            turn = self.doc.turns[line.turn] if self.doc else None
            return None if turn is None else (turn.start if line.kind == "head" else turn.end)
        return line.start + min(max(x - GUTTER, 0), line.end - line.start)

    def scroll_to_offset(self, start: int, end: int) -> None:
        if not self.lines:
            return
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        top, height = int(self.scroll_offset.y), self.size.height
        if first < top + 1 or last > top + height - 2:
            target = first - 2 if last - first + 4 > height else max(0, first - height // 3)
            self.scroll_to(
                y=max(0, target - (1 if self.lines[max(first - 1, 0)].kind == "head" else 0)),
                animate=False,
                immediate=True,
            )

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.size.width
        if index >= len(self.lines) or self.doc is None:
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(index)
        if strip is None:
            strip = self.draw_line(self.lines[index]).adjust_cell_length(width, self.rich_style)
            self._cache[index] = strip
        return strip

    def draw_line(self, line: Line) -> Strip:
        doc = self.doc
        assert doc is not None
        base = self.rich_style
        if line.kind == "blank":
            return Strip([Segment(" " * GUTTER, base)])
        turn = doc.turns[line.turn]
        if line.kind == "head":
            colour = self.speaker_colours.get(turn.speaker, "#aaaaaa")
            parts = [
                Segment(" " * GUTTER, base),
                Segment(turn.speaker or "(unknown speaker)", base + Style(bold=True, color=colour)),
            ]
            if turn.start_time is not None:
                parts.append(Segment(f"  {format_timestamp(turn.start_time)}", base + Style(dim=True)))
            return Strip(parts)
        start, end = line.start, line.end
        covering = doc.covering(start, max(end, start + 1))
        stripes: list[Segment] = []
        seen: list[str | None] = []
        for segment in sorted(covering, key=lambda s: s.code_id):
            if segment.code not in seen:
                seen.append(segment.code)
                mark = self.letter_of.get(segment.code or "", "▌") if self.letters else "▌"
                stripes.append(Segment(mark, base + Style(color=segment.colour or "#888888", bold=True)))
        proposed = [p for p in self.proposals if p.start < end and p.end > start]
        if proposed and len(stripes) < STRIPES:
            stripes.append(Segment("?", base + Style(bold=True, color="#ffd75f")))
        if len(stripes) > STRIPES:
            stripes = stripes[: STRIPES - 1] + [Segment("+", base + Style(bold=True))]
        other = any(a < end and b > start for a, b, _ in self.others)
        parts = stripes + [
            Segment(" " * (GUTTER - len(stripes) - 1), base),
            Segment("◦" if other else " ", base + Style(color="#8a8a8a")),
        ]
        # Style runs: codes (background), search hits (underline), selection (reverse).
        ranges: list[tuple[int, int, Style]] = []
        for segment in covering:
            mine = getattr(segment, "mine", True)
            style = Style(bgcolor=dim(segment.colour, 0.45 if mine else 0.25), underline=not mine)
            ranges.append((segment.start, segment.end, style))
        for proposal in proposed:
            ranges.append((proposal.start, proposal.end, Style(italic=True, underline=True, color="#ffd75f")))
        for hit_start, hit_end in self.hits:
            if hit_start < end and hit_end > start:
                ranges.append((hit_start, hit_end, Style(color="#ffff5f", underline=True, bold=True)))
        sel_start, sel_end = self.selection
        if sel_start < end and sel_end > start:
            ranges.append((sel_start, sel_end, Style(reverse=True)))
        points = sorted({start, end, *(max(start, min(end, p)) for r in ranges for p in r[:2])})
        text = doc.text
        for a, b in zip(points, points[1:]):
            if b <= a:
                continue
            style = base
            for r_start, r_end, r_style in ranges:
                if r_start < b and r_end > a:
                    style = style + r_style
            parts.append(Segment(text[a:b].replace("\t", " ").replace("\n", " "), style))
        return Strip(parts)

    # -- mouse -----------------------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self.offset_at(event.x, event.y)
        if offset is not None:
            self._drag_anchor = offset
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_anchor is None:
            return
        offset = self.offset_at(event.x, event.y)
        if offset is not None:
            start, end = sorted((self._drag_anchor, offset))
            self.selection = (start, max(end, start + 1))
            self.redraw()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_anchor is None:
            return
        self.release_mouse()
        anchor, self._drag_anchor = self._drag_anchor, None
        offset = self.offset_at(event.x, event.y)
        if offset is None or self.doc is None:
            return
        start, end = sorted((anchor, offset))
        start, end = snap_to_words(self.doc.text, start, end)
        self.post_message(self.SelectionMade(start, end))


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a mouse selection to whole words (a click selects the word under it)."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace() and (end == start or not text[end - 1].isspace()):
        end += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, max(end, start + 1)
