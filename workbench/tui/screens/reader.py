"""The coding screen: read a transcript turn by turn, select a passage at the keyboard or with
the mouse, and code it.

Selection moves by sentence and turn and extends by word, sentence or turn. The coder's coded
passages show in their code's colour, with a column of stripes for the codes on each line; other
coders' coding can be shown too. The side panel shows the codes under the selection (coder,
origin, memo) and the code's definition, when to use it and when not. Every change is committed
at once through the same use cases as the CLI, and can be undone and redone.

What the keys do lives in :class:`workbench.session.CodingSession` (tested without Textual);
this screen binds the keys, asks in dialogs, and draws.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from workbench.errors import WorkbenchError
from workbench.reading import Document
from workbench.session import CodingSession, Opened, read_transcript
from workbench.tui.app import workbench_app
from workbench.tui.screens.playback import Playback
from workbench.tui.screens.reader_actions import CodingActions
from workbench.tui.widgets.keybar import KeyBar
from workbench.tui.widgets.side_panel import SidePanel
from workbench.tui.widgets.transcript_view import TranscriptView
from workbench.tui.workers import run_in_thread

if TYPE_CHECKING:
    from workbench.models import Code
    from workbench.suggest import Suggestion

MEASURE = 96  # the longest reading line, in characters


class ReaderScreen(CodingActions, Playback, Screen[None]):
    """Read and code one transcript."""

    DEFAULT_CSS = """
    ReaderScreen Horizontal { height: 1fr; }
    ReaderScreen TranscriptView { width: 1fr; }
    ReaderScreen #side { width: 34; height: 1fr; border-left: solid $primary; padding: 0 1; }
    ReaderScreen #side.hidden { display: none; }
    ReaderScreen #search { display: none; }
    ReaderScreen #search.open { display: block; }
    ReaderScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("down,j", "sentence(1)", "Next sentence", id="reader.next_sentence"),
        Binding("up,k", "sentence(-1)", "Previous sentence", show=False, id="reader.prev_sentence"),
        Binding("shift+down,J", "extend_sentence(1)", "Extend", id="reader.extend_sentence"),
        Binding("shift+up,K", "extend_sentence(-1)", "Shrink by a sentence", show=False, id="reader.shrink_sentence"),
        Binding("shift+right,L", "extend_word(1)", "Extend by a word", show=False, id="reader.extend_word"),
        Binding("shift+left,H", "extend_word(-1)", "Shrink by a word", show=False, id="reader.shrink_word"),
        Binding("T", "extend_turn", "Extend to the end of the turn", show=False, id="reader.extend_turn"),
        Binding("right_square_bracket,n", "turn(1)", "Next turn", show=False, id="reader.next_turn"),
        Binding("left_square_bracket,p", "turn(-1)", "Previous turn", show=False, id="reader.prev_turn"),
        Binding("t", "select_turn", "Select the whole turn", show=False, id="reader.select_turn"),
        Binding("c,enter", "code", "Code", id="reader.code"),
        *[
            Binding(
                str(n),
                f"quick_code({n})",
                "Apply a quick code (1-9: pinned, then most used)",
                show=False,
                id=f"reader.quick_code_{n}",
            )
            for n in range(1, 10)
        ],
        Binding("x,delete", "uncode", "Remove code", id="reader.uncode"),
        Binding("e", "change_code", "Change the code of a segment", show=False, id="reader.change_code"),
        Binding("s", "select_segment", "Select a segment to adjust", show=False, id="reader.select_segment"),
        Binding("b", "set_bounds", "Set the segment's boundaries to the selection", show=False, id="reader.bounds"),
        Binding("m", "memo_segment", "Memo on a segment", show=False, id="reader.memo_segment"),
        Binding("M", "memo_transcript", "Memo on the transcript", show=False, id="reader.memo_transcript"),
        Binding("slash", "search", "Search", id="reader.search"),
        Binding("g", "next_hit(1)", "Next search hit", show=False, id="reader.next_hit"),
        Binding("G", "next_hit(-1)", "Previous search hit", show=False, id="reader.prev_hit"),
        Binding("w", "next_uncoded", "Next uncoded passage", show=False, id="reader.next_uncoded"),
        Binding("a", "toggle_all", "Show all coders", show=False, id="reader.all_coders"),
        Binding("S", "suggestions", "Suggestions", id="reader.suggestions"),
        Binding("o", "next_proposal", "Next suggestion", show=False, id="reader.next_proposal"),
        Binding("y", "accept_proposal", "Accept the suggestion here", show=False, id="reader.accept"),
        Binding("X", "reject_proposal", "Reject the suggestion here", show=False, id="reader.reject"),
        Binding("r", "retrieve", "Segments of the code here", show=False, id="reader.retrieve"),
        Binding("B", "codebook", "Codebook", show=False, id="reader.codebook"),
        Binding("R", "reconcile", "Reconcile this transcript", show=False, id="reader.reconcile"),
        Binding("i", "toggle_side", "Side panel", show=False, id="reader.side"),
        Binding("l", "toggle_letters", "Stripes as letters", show=False, id="reader.letters"),
        Binding("equals_sign", "pin", "Pin the code here to a number key", show=False, id="reader.pin"),
        Binding("v", "play", "Play the recording from this turn", show=False, id="reader.play"),
        Binding("V", "pause", "Pause or resume the recording", show=False, id="reader.pause"),
        Binding("E", "edit_text", "Correct the selected text", show=False, id="reader.edit_text"),
        Binding("N", "rename_speaker", "Name the speaker of this turn", show=False, id="reader.rename_speaker"),
        Binding("u,ctrl+z", "undo", "Undo", id="reader.undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False, id="reader.redo"),
        Binding("escape", "back", "Back", id="reader.back"),
    ]

    def __init__(self, transcript_id: int, selection: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.transcript_id = transcript_id
        self.initial_selection = selection
        self._session: CodingSession | None = None  # made on mount, with the app's store
        self.seen_version: Hashable = 0
        self.unreadable = False  # the transcript could not be read (no loading indicator then)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield TranscriptView(id="view")
            yield SidePanel("", id="side")
        yield Input(placeholder="Search this transcript (Enter: next hit, Escape: close)", id="search")
        yield Static("Opening…", id="status")
        yield KeyBar()

    # -- the session's state, as the screen shows it -------------------------------------------

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def session(self) -> CodingSession:
        if self._session is None:
            raise RuntimeError("the coding screen has no session before it is mounted")
        return self._session

    @property
    def doc(self) -> Document | None:
        return self._session.doc if self._session else None

    @property
    def selection(self) -> tuple[int, int]:
        return self._session.selection if self._session else (0, 0)

    @property
    def told(self) -> str:
        return self._session.told if self._session else ""

    @property
    def pinned(self) -> list[int]:
        return self._session.pinned if self._session else []

    @property
    def frequent(self) -> list[Code]:
        return self._session.frequent if self._session else []

    @property
    def hits(self) -> list[tuple[int, int]]:
        return self._session.hits if self._session else []

    @property
    def proposals(self) -> list[Suggestion]:
        return self._session.proposals if self._session else []

    def count_use(self, code_id: int, step: int) -> None:
        if self._session:
            self._session.count_use(code_id, step)

    # -- opening -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._session = CodingSession(workbench_app(self).store, self.transcript_id, workbench_app(self).coder)
        self.query_one("#side").set_class(self.app.size.width < 90, "hidden")
        self.fit_measure()
        self.view.letters = bool(os.environ.get("NO_COLOR"))  # no colours: letters tell the codes apart
        # The loading indicator appears only if opening takes a while: its animation costs paints.
        self.set_timer(0.2, lambda: setattr(self.view, "loading", self.doc is None and not self.unreadable))
        self.load()
        self.seen_version = workbench_app(self).store.change_token()
        self.set_interval(2.0, self.check_for_changes)

    def on_resize(self) -> None:
        self.fit_measure()

    def fit_measure(self) -> None:
        """Reading lines stay under about 96 characters; a wide terminal gives the rest to the panel."""
        from workbench.tui.widgets.transcript_view import GUTTER

        room = self.app.size.width - (GUTTER + 1 + MEASURE)
        self.query_one("#side").styles.width = max(34, room)

    def load(self) -> None:
        """Open the transcript on a worker thread with its own connection, then show it."""
        transcript_id, coder, all_coders = self.transcript_id, workbench_app(self).coder, self.session.all_coders
        run_in_thread(
            self,
            lambda store: read_transcript(store, transcript_id, coder, all_coders=all_coders),
            self.show_document,
            group="reader",
            failed=self.cannot_open,
        )

    def cannot_open(self, error: WorkbenchError) -> None:
        """The transcript could not be read (removed meanwhile, say): say why, and stay usable."""
        workbench_app(self).report_error(error)
        self.unreadable = True
        self.view.loading = False
        self.query_one("#status", Static).update(f"{error.message} · Escape goes back", layout=False)

    def show_document(self, opened: Opened) -> None:
        self.session.open(opened, self.initial_selection)
        view = self.view
        view.loading = False
        view.set_document(opened.doc)
        view.set_others(self.session.others)
        view.set_selection(*self.selection)
        # the view learns its height only when laid out: scroll the selection into view then too
        self.call_after_refresh(lambda: view.scroll_to_offset(*self.selection))
        view.focus()
        self.update_side()

    def reopen(self, selection: tuple[int, int]) -> None:
        """Read the transcript again after its text changed, keeping the selection."""
        self.initial_selection = selection
        self.load()
        self.seen_version = workbench_app(self).store.change_token()

    def reload(self, *, codes: bool = False) -> None:
        """Re-read this transcript's segments (and with ``codes``, the codebook and the coder's
        code counts) after a change; the text, sentences and layout stay."""
        session = self._session
        if session is None or session.doc is None:
            return
        session.reload(codes=codes)
        if codes:
            self.view.set_others(session.others)
        self.view.update_segments(session.doc)
        self.update_side()

    def changed(self) -> None:
        """After this screen changed the coding: show it, and do not take it for another coder's."""
        if self._session is not None and self._session.doc is not None:
            self.view.update_segments(self._session.doc)
            self.update_side()
        self.seen_version = workbench_app(self).store.change_token()

    def check_for_changes(self) -> None:
        """Show other coders' work as it is committed to the same project."""
        if workbench_app(self).server_lost:  # the app retries in the background; nothing to ask meanwhile
            return
        version = workbench_app(self).store.change_token()
        if version != self.seen_version and self.doc is not None:
            self.seen_version = version
            self.read_again()

    def on_screen_resume(self) -> None:
        if self.doc is not None and not workbench_app(self).server_lost:
            self.read_again()

    def read_again(self) -> None:
        """Re-read the coding shown; a server that went away meanwhile is said, not fatal."""
        try:
            self.reload(codes=True)
        except WorkbenchError as exc:
            workbench_app(self).report_error(exc)

    def server_state_changed(self) -> None:
        """The team server went away (the status line says so) or is back (read everything again:
        other coders' changes, and whatever was saved before it went, are shown as they are)."""
        if workbench_app(self).server_lost:
            self.update_side()
        elif self.session is not None and self.session.doc is None:
            self.unreadable = False
            self.load()
        else:
            self.session.told = "server is back: showing the latest coding"
            self.read_again()
            self.seen_version = workbench_app(self).store.change_token()

    def on_unmount(self) -> None:
        self.close_player()

    # -- drawing -------------------------------------------------------------------------------

    def move_to(self, start: int, end: int) -> None:
        if self._session and self._session.move_to(start, end):
            self.moved()

    def moved(self, moved: bool = True) -> None:
        """Show the selection the session moved to."""
        if moved:
            self.view.set_selection(*self.selection)
            self.update_side()

    def update_side(self) -> None:
        if self._session is None or self._session.doc is None:
            return
        self.query_one(SidePanel).show(self.session, self.view)
        lost = "server unreachable, retrying · " if workbench_app(self).server_lost else ""
        self.query_one("#status", Static).update(lost + self.session.status(), layout=False)

    def action_toggle_letters(self) -> None:
        self.view.set_letters(not self.view.letters)
        self.session.told = "Stripes show letters (see In view)." if self.view.letters else "Stripes show colours."
        self.update_side()

    def action_toggle_all(self) -> None:
        said = self.session.toggle_all_coders()
        self.changed()
        self.notify(said, timeout=2)

    def action_toggle_side(self) -> None:
        self.query_one("#side").toggle_class("hidden")
        self.call_after_refresh(self.view.relayout)

    # -- moving --------------------------------------------------------------------------------

    def action_sentence(self, step: int) -> None:
        self.moved(self.session.sentence(step))

    def action_extend_sentence(self, step: int) -> None:
        self.moved(self.session.extend_sentence(step))

    def action_extend_word(self, step: int) -> None:
        self.moved(self.session.extend_word(step))

    def action_extend_turn(self) -> None:
        self.moved(self.session.extend_turn())

    def action_turn(self, step: int) -> None:
        self.moved(self.session.turn(step))

    def action_select_turn(self) -> None:
        self.moved(self.session.select_turn())

    @on(TranscriptView.SelectionMade)
    def mouse_selection(self, event: TranscriptView.SelectionMade) -> None:
        self.move_to(event.start, event.end)

    def action_next_uncoded(self) -> None:
        if self.doc:
            if self.session.next_uncoded():
                self.moved()
            else:
                self.notify("Every sentence is coded.", timeout=2)

    def action_next_proposal(self) -> None:
        self.moved(self.session.next_proposal())

    # -- search ----------------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("open")
        self.call_after_refresh(box.focus)  # a hidden input cannot take focus until it is shown

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        if self.doc:
            self.view.set_hits(self.session.search(event.value))
            self.update_side()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.action_next_hit(1)

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#search", Input)
        if event.key == "escape" and box.has_focus:
            box.remove_class("open")
            self.view.focus()
            event.stop()

    def action_next_hit(self, step: int) -> None:
        if not self.hits:
            query = self.query_one("#search", Input).value.strip()
            self.notify(
                f"No hits for “{query}” in this transcript."
                if query
                else "No search yet: press / to search this transcript.",
                timeout=2,
            )
            return
        self.moved(self.session.next_hit(step))

    # -- other screens ---------------------------------------------------------------------------

    def action_retrieve(self) -> None:
        if not self.doc:
            return
        covering = self.doc.covering(*self.selection)
        if not covering:
            self.notify("No code here to retrieve.", timeout=2)
            return
        from workbench.tui.screens.retrieval import RetrievalScreen

        self.app.push_screen(RetrievalScreen(covering[0].code_id))

    def action_reconcile(self) -> None:
        from workbench.tui.screens.reconcile import ReconcileScreen

        self.app.push_screen(ReconcileScreen([self.transcript_id]))

    def action_codebook(self) -> None:
        from workbench.tui.screens.codebook import CodebookScreen

        self.app.push_screen(CodebookScreen())

    def action_back(self) -> None:
        if self._session and self._session.editing:
            self._session.editing = None
            self.update_side()
            return
        self.app.pop_screen()
