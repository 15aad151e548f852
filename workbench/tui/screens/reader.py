"""The coding screen: read a transcript turn by turn, select a passage at the keyboard, code it.

Selection moves by sentence and turn and extends by word or sentence. Coded passages of the
current coder are shown in their code's colour; the side panel shows the codes under the
selection with their coder, origin and memo, and the definition of the code. Every change is
committed at once through the same use cases as the CLI, and can be undone and redone.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from workbench.coding import add_segment, remove_segment
from workbench.errors import WorkbenchError
from workbench.reading import Document, load_document
from workbench.store import Store

SPEAKER_COLOURS = ("#5fafff", "#ffaf5f", "#87d787", "#d787d7", "#d7d75f", "#5fd7d7")


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class TurnView(Static):
    """One speaker turn: the speaker line, then the text with codes and the selection styled."""

    DEFAULT_CSS = """
    TurnView { padding: 0 1 1 1; }
    """

    def __init__(self, index: int) -> None:
        super().__init__(id=f"turn-{index}")
        self.index = index

    def show(self, doc: Document, selection: tuple[int, int], speakers: dict[str | None, str]) -> None:
        turn = doc.turns[self.index]
        start, end = turn["start"], turn["end"]
        body = Text()
        name = turn["speaker"] or "(unknown speaker)"
        body.append(name, Style(bold=True, color=speakers.get(turn["speaker"], "#aaaaaa")))
        if turn["start_time"] is not None:
            body.append(f"  {_fmt_time(turn['start_time'])}", Style(dim=True))
        codes = sorted({s["code"] for s in doc.covering(start, end) if s["code"]})
        if codes:
            body.append("   ▌" + " ▌".join(c.split("/")[-1] for c in codes), Style(dim=True, italic=True))
        body.append("\n")
        text = Text(doc.text[start:end])
        for segment in doc.covering(start, end):
            colour = segment.get("colour") or "#888888"
            text.stylize(Style(bgcolor=_dim(colour), underline=True), max(segment["start"], start) - start,
                         min(segment["end"], end) - start)
        sel_start, sel_end = selection
        if sel_start < end and sel_end > start:
            text.stylize(Style(reverse=True, bold=True), max(sel_start, start) - start, min(sel_end, end) - start)
        body.append_text(text)
        self.update(body)


def _dim(colour: str) -> str:
    """A darker shade of a code colour, readable as a background under light text."""
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return f"#{int(r * 0.45):02x}{int(g * 0.45):02x}{int(b * 0.45):02x}"


class ReaderScreen(Screen):
    """Read and code one transcript."""

    DEFAULT_CSS = """
    ReaderScreen #reading { width: 1fr; }
    ReaderScreen #side { width: 36; border-left: solid $primary; padding: 0 1; }
    ReaderScreen Horizontal { height: 1fr; }
    ReaderScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("down,j", "sentence(1)", "Next sentence", id="reader.next_sentence"),
        Binding("up,k", "sentence(-1)", "Prev sentence", show=False, id="reader.prev_sentence"),
        Binding("shift+down,J", "extend_sentence(1)", "Extend", id="reader.extend_sentence"),
        Binding("shift+up,K", "extend_sentence(-1)", "Shrink", show=False, id="reader.shrink_sentence"),
        Binding("shift+right,L", "extend_word(1)", "Extend by word", show=False, id="reader.extend_word"),
        Binding("shift+left,H", "extend_word(-1)", "Shrink by word", show=False, id="reader.shrink_word"),
        Binding("right_square_bracket,n", "turn(1)", "Next turn", show=False, id="reader.next_turn"),
        Binding("left_square_bracket,p", "turn(-1)", "Prev turn", show=False, id="reader.prev_turn"),
        Binding("t", "select_turn", "Whole turn", show=False, id="reader.select_turn"),
        Binding("c,enter", "code", "Code", id="reader.code"),
        Binding("x,delete", "uncode", "Remove code", id="reader.uncode"),
        Binding("u,ctrl+z", "undo", "Undo", id="reader.undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False, id="reader.redo"),
        Binding("escape", "back", "Transcripts", id="reader.back"),
    ]

    def __init__(self, transcript_id: int) -> None:
        super().__init__()
        self.transcript_id = transcript_id
        self.doc: Document | None = None
        self.selection = (0, 0)
        self.undo_stack: list[tuple[str, dict[str, Any]]] = []
        self.redo_stack: list[tuple[str, dict[str, Any]]] = []
        self.recent: list[int] = []
        self.speakers: dict[str | None, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield VerticalScroll(id="reading")
            yield Static("", id="side")
        yield Static("Opening…", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="reader")
    def load(self) -> None:
        """Open the transcript on a worker thread (its own connection), then show it."""
        store = Store.open(self.app.project)
        try:
            doc = load_document(store, self.transcript_id, self.app.coder)
        finally:
            store.close()
        self.app.call_from_thread(self.show_document, doc)

    def show_document(self, doc: Document) -> None:
        self.doc = doc
        for turn in doc.turns:
            self.speakers.setdefault(turn["speaker"], SPEAKER_COLOURS[len(self.speakers) % len(SPEAKER_COLOURS)])
        reading = self.query_one("#reading", VerticalScroll)
        reading.remove_children()
        reading.mount_all([TurnView(i) for i in range(len(doc.turns))])
        if doc.sentences:
            self.selection = doc.sentences[0]
        self.call_after_refresh(self.redraw_all)
        reading.focus()

    # -- drawing -----------------------------------------------------------------------------

    def redraw_all(self) -> None:
        if self.doc is None:
            return
        for view in self.query(TurnView):
            view.show(self.doc, self.selection, self.speakers)
        self.update_side()

    def redraw(self, old: tuple[int, int]) -> None:
        """Redraw only the turns the old and new selection touch."""
        if self.doc is None:
            return
        touched = set()
        for start, end in (old, self.selection):
            first, last = self.doc.turn_at(start), self.doc.turn_at(max(start, end - 1))
            touched.update(range(first, last + 1))
        for index in touched:
            self.query_one(f"#turn-{index}", TurnView).show(self.doc, self.selection, self.speakers)
        self.query_one(f"#turn-{self.doc.turn_at(self.selection[0])}", TurnView).scroll_visible(animate=False)
        self.update_side()

    def update_side(self) -> None:
        doc = self.doc
        if doc is None:
            return
        start, end = self.selection
        t = doc.transcript
        lines = Text()
        lines.append(f"{t['title']}\n", Style(bold=True))
        lines.append(f"{t['site'] or ''} · {t['participant'] or ''} · {t['role'] or ''}\n\n", Style(dim=True))
        covering = doc.covering(start, end)
        if covering:
            lines.append("Codes here\n", Style(bold=True))
            for segment in covering:
                lines.append("■ ", Style(color=segment.get("colour") or "#888888"))
                lines.append(f"{segment['code']}\n")
                lines.append(f"  {segment['coder']} · {segment['origin']}\n", Style(dim=True))
                if segment.get("memo"):
                    lines.append(f"  memo: {segment['memo']}\n", Style(italic=True))
            code = next((c for c in self.app.store.codes() if c["id"] == covering[0]["code_id"]), None)
            if code and code.get("definition"):
                lines.append(f"\n{code['name']}: ", Style(bold=True))
                lines.append(f"{code['definition']}\n")
        else:
            lines.append("Not coded here.\n", Style(dim=True))
        self.query_one("#side", Static).update(lines)
        done = sum(1 for s in doc.segments)
        self.query_one("#status", Static).update(
            f"{self.app.coder} · {done} segments · selection {start}-{end} · c code · x remove · u undo · ? keys")

    # -- moving ------------------------------------------------------------------------------

    def move_to(self, selection: tuple[int, int]) -> None:
        old, self.selection = self.selection, selection
        self.redraw(old)

    def action_sentence(self, step: int) -> None:
        if not self.doc or not self.doc.sentences:
            return
        index = self.doc.sentence_at(self.selection[0] if step < 0 else max(self.selection[1] - 1, 0))
        index = min(max(index + step, 0), len(self.doc.sentences) - 1)
        self.move_to(self.doc.sentences[index])

    def action_extend_sentence(self, step: int) -> None:
        if not self.doc:
            return
        start, end = self.selection
        sentences = self.doc.sentences
        last = self.doc.sentence_at(max(end - 1, start))
        if step > 0 and last + 1 < len(sentences):
            end = sentences[last + 1][1]
        elif step < 0 and last > self.doc.sentence_at(start):
            end = sentences[last - 1][1]
        self.move_to((start, end))

    def action_extend_word(self, step: int) -> None:
        if not self.doc:
            return
        start, end = self.selection
        end = self.doc.next_word_end(end) if step > 0 else self.doc.previous_word_end(end, start)
        self.move_to((start, max(end, start + 1)))

    def action_turn(self, step: int) -> None:
        if not self.doc or not self.doc.turns:
            return
        index = min(max(self.doc.turn_at(self.selection[0]) + step, 0), len(self.doc.turns) - 1)
        turn = self.doc.turns[index]
        first = next((s for s in self.doc.sentences if s[0] >= turn["start"]), (turn["start"], turn["end"]))
        self.move_to(first)

    def action_select_turn(self) -> None:
        if self.doc and self.doc.turns:
            turn = self.doc.turns[self.doc.turn_at(self.selection[0])]
            self.move_to((turn["start"], turn["end"]))

    # -- coding ------------------------------------------------------------------------------

    def action_code(self) -> None:
        if not self.doc or self.selection[1] <= self.selection[0]:
            return
        from workbench.tui.screens.picker import CodePicker

        start, end = self.selection
        codes = self.app.store.codes()
        self.app.push_screen(CodePicker(codes, self.recent, self.doc.text[start:end]), self.apply_code)

    def apply_code(self, code_id: int | None) -> None:
        if code_id is None or not self.doc:
            return
        start, end = self.selection
        try:
            segment = add_segment(self.app.store, transcript_id=self.transcript_id, code_id=code_id,
                                  coder=self.app.coder, start=start, end=end)
        except WorkbenchError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.recent = [code_id] + [c for c in self.recent if c != code_id]
        self.undo_stack.append(("add", segment))
        self.redo_stack.clear()
        self.refresh_segments()
        self.notify(f"Coded as {self.code_path(code_id)}", timeout=2)

    def action_uncode(self) -> None:
        if not self.doc:
            return
        covering = self.doc.covering(*self.selection)
        if not covering:
            self.notify("Nothing of yours is coded here.", severity="warning")
            return
        segment = covering[-1]
        removed = remove_segment(self.app.store, segment["id"], coder=self.app.coder)
        self.undo_stack.append(("remove", removed))
        self.redo_stack.clear()
        self.refresh_segments()
        self.notify(f"Removed {segment['code']}", timeout=2)

    def _replay(self, kind: str, segment: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Do the opposite of an action; returns the action that undoes what was just done."""
        if kind == "add":
            remove_segment(self.app.store, segment["id"], coder=self.app.coder)
            return "remove", segment
        restored = add_segment(self.app.store, transcript_id=segment["transcript_id"], code_id=segment["code_id"],
                               coder=segment["coder"], start=segment["start"], end=segment["end"],
                               memo=segment.get("memo"), origin=segment["origin"])
        return "add", restored

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.", timeout=2)
            return
        self.redo_stack.append(self._replay(*self.undo_stack.pop()))
        self.refresh_segments()

    def action_redo(self) -> None:
        if not self.redo_stack:
            self.notify("Nothing to redo.", timeout=2)
            return
        self.undo_stack.append(self._replay(*self.redo_stack.pop()))
        self.refresh_segments()

    def refresh_segments(self) -> None:
        self.doc = load_document(self.app.store, self.transcript_id, self.app.coder)
        self.redraw_all()

    def code_path(self, code_id: int) -> str:
        return next((c["path"] for c in self.app.store.codes() if c["id"] == code_id), "?")

    def action_back(self) -> None:
        self.app.pop_screen()
