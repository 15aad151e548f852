"""The coding screen's keys that change the project: code (picker, quick codes), remove, change,
adjust, memos, pins, suggestions, corrections of the text, undo and redo. Each asks what it needs
in a dialog, then calls the :class:`~workbench.session.CodingSession`; a refused change is said in
a notification and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.widgets import Input

from workbench.errors import WorkbenchError
from workbench.tui.app import workbench_app
from workbench.tui.text import plural
from workbench.tui.workers import post_from_thread, run_in_thread

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from workbench.reading import Document, ShownSegment
    from workbench.session import Action, CodeAnswer, CodingSession
    from workbench.store import Store
    from workbench.suggest import Suggestion
    from workbench.tui.widgets.transcript_view import TranscriptView

    ScreenBase = Screen[None]  # mixed into a screen: its methods are typed as the screen's
else:
    ScreenBase = object


class CodingActions(ScreenBase):
    """Mixed into the reader screen, which provides the session and drawing."""

    transcript_id: int

    if TYPE_CHECKING:

        @property
        def session(self) -> CodingSession: ...
        @property
        def doc(self) -> Document | None: ...
        @property
        def selection(self) -> tuple[int, int]: ...
        @property
        def view(self) -> TranscriptView: ...
        def moved(self, moved: bool = True) -> None: ...

    def changed(self) -> None:  # provided by the screen
        raise NotImplementedError

    def reopen(self, selection: tuple[int, int]) -> None:  # provided by the screen
        raise NotImplementedError

    def update_side(self) -> None:  # provided by the screen
        raise NotImplementedError

    # -- coding ----------------------------------------------------------------------------------

    def attempt(
        self, change: Callable[[], str | None], *, severity: SeverityLevel = "warning", notify: float | None = None
    ) -> str | None:
        """Carry out a change of the session; a refused one is said in a notification. With
        ``notify``, what the change did is said in one too (for that many seconds). While the team
        server cannot be reached a change is refused at once, clearly, and left for the coder to
        do again (nothing is kept to be sent later)."""
        if workbench_app(self).server_lost:
            self.refuse_offline()
            return None
        try:
            said = change()
        except WorkbenchError as exc:
            self.refused(exc, severity)
            return None
        if said and notify:
            self.notify(said, timeout=notify)
        self.changed()
        return said

    def refused(self, exc: WorkbenchError, severity: SeverityLevel = "error") -> None:
        """Say why a change was refused (the server's absence in the same words every time)."""
        if workbench_app(self).lost_server(exc):
            self.refuse_offline()
        else:
            self.notify(str(exc), severity=severity)

    def refuse_offline(self) -> None:
        """Say that the change was not saved because the server cannot be reached (and try the
        server again at once: it may be back before the back-off's next try)."""
        workbench_app(self).retry_server()
        self.session.told = "not saved: server unreachable, retrying"
        self.notify(
            "Not saved: the server is unreachable (retrying in the background). "
            "Do it again once the status line says the server is back; "
            "everything saved before is kept.",
            severity="error",
            timeout=8,
        )
        self.update_side()

    def action_code(self) -> None:
        if not self.doc:
            return
        from workbench.tui.screens.picker import CodePicker

        start, end = self.selection
        codes = list(self.session.codes.values()) or workbench_app(self).store.codes()
        self.app.push_screen(CodePicker(codes, self.session.recent, self.doc.text[start:end]), self.picked)

    def picked(self, result: CodeAnswer | None, confirmed: bool = False) -> None:
        if result is None or self.doc is None:
            return
        from workbench import coding

        kind, value = result
        missing = coding.missing_parents(workbench_app(self).store, result[1]) if result[0] == "new" else []
        if missing and not confirmed:
            from workbench.tui.screens.dialogs import ConfirmDialog

            self.app.push_screen(
                ConfirmDialog(
                    f"“{value}” needs {', '.join(missing)}, which "
                    f"{'does' if len(missing) == 1 else 'do'} not exist yet. Create "
                    f"{'it' if len(missing) == 1 else 'them'} too?"
                ),
                lambda yes: self.picked(result, confirmed=True) if yes else None,
            )
            return
        self.attempt(lambda: self.session.apply(*self.session.code_for(kind, value)))

    def action_quick_code(self, number: int) -> None:
        if self.query_one("#search", Input).has_focus:
            return
        code = self.session.quick_code(number)
        if code is None:
            self.notify("No code on that key yet: the keys 1-9 hold your most used codes.", timeout=3)
            return
        self.attempt(lambda: self.session.apply(code.id))

    def with_segment(self, prompt: str, then: Callable[[ShownSegment], Any]) -> None:
        """Run ``then`` on the coder's segment under the selection, asking which when several."""
        segments = self.session.mine_here()
        if not segments:
            self.notify("None of your segments is under the selection.", severity="warning", timeout=3)
        elif len(segments) == 1:
            then(segments[0])
        else:
            from workbench.tui.screens.dialogs import SegmentChooser

            by_id = {s.id: s for s in segments}
            self.app.push_screen(
                SegmentChooser(prompt, segments), lambda chosen: then(by_id[chosen]) if chosen in by_id else None
            )

    def action_uncode(self) -> None:
        self.with_segment(
            "Remove which code?", lambda segment: self.attempt(lambda: self.session.remove(segment), notify=2)
        )

    def action_change_code(self) -> None:
        def change(segment: ShownSegment) -> None:
            from workbench.tui.screens.picker import CodePicker

            def picked(result: CodeAnswer | None) -> None:
                if result and result[0] == "code":
                    self.attempt(lambda: self.session.update(segment, code_id=result[1]), notify=3)

            self.app.push_screen(
                CodePicker(list(self.session.codes.values()), self.session.recent, segment.text), picked
            )

        self.with_segment("Change the code of which segment?", change)

    def action_select_segment(self) -> None:
        def select(segment: ShownSegment) -> None:
            self.session.adjust(segment)
            self.moved()

        self.with_segment("Adjust which segment?", select)

    def action_set_bounds(self) -> None:
        if not self.session.editing:
            self.notify("Press s on a segment first, adjust the selection, then b.", timeout=3)
            return
        self.attempt(self.session.set_bounds, notify=3)

    def action_memo_segment(self) -> None:
        def edit(segment: ShownSegment) -> None:
            from workbench.tui.screens.dialogs import MemoDialog

            def save(text: str | None) -> None:
                if text is not None:
                    self.attempt(lambda: self.session.memo(segment, text), notify=3)

            self.app.push_screen(MemoDialog(f"Memo on {segment.code}", segment.memo or ""), save)

        self.with_segment("Memo on which segment?", edit)

    def action_memo_transcript(self) -> None:
        from workbench.tui.screens.dialogs import MemoDialog

        def save(text: str | None) -> None:
            said = self.attempt(lambda: self.session.memo_transcript(text), severity="error")
            if said:
                self.notify(said, timeout=2)

        self.app.push_screen(MemoDialog(f"Memo on {self.doc.transcript.title if self.doc else ''}"), save)

    def action_pin(self) -> None:
        """Pin the code under the selection to the next number key (or unpin it); kept per coder."""
        self.with_segment("Pin which code?", lambda segment: self.attempt(lambda: self.session.pin(segment), notify=3))

    def action_suggestions(self) -> None:
        if self.session.proposals:
            self.session.proposals = []
            self.view.set_proposals([])
            self.update_side()
            return
        self.session.told = "looking for suggestions…"
        self.update_side()
        self.find_suggestions()

    def find_suggestions(self) -> None:
        transcript_id, coder = self.transcript_id, workbench_app(self).coder

        def job(store: Store) -> list[Suggestion]:
            from workbench.suggest import suggestions

            try:
                return suggestions(store, transcript_id, coder)
            except WorkbenchError as exc:  # no learned model: say why, and suggest from the codebook
                post_from_thread(self, self.notify, str(exc), severity="warning")
                return suggestions(store, transcript_id, coder, sources=("keyword", "pattern"))

        run_in_thread(self, job, self.show_proposals, group="suggest")

    def show_proposals(self, found: list[Suggestion]) -> None:
        self.session.proposals = found
        self.view.set_proposals(found)
        self.session.told = f"{plural(len(found), 'suggestion')} (o next, y accept, X reject, S hide)"
        self.update_side()

    def action_accept_proposal(self) -> None:
        self.proposal_step(self.session.accept_proposal)

    def action_reject_proposal(self) -> None:
        self.proposal_step(self.session.reject_proposal)

    def proposal_step(self, step: Callable[[], str | None]) -> None:
        if self.session.proposal_here() is None:
            self.notify("No suggestion here: o goes to the next one.", timeout=2)
            return
        if self.attempt(step):
            self.view.set_proposals(self.session.proposals)

    # -- correcting the transcript ---------------------------------------------------------------

    def action_edit_text(self) -> None:
        """Replace the selected words (a misheard word, a name); the coding is carried over."""
        from workbench.tui.screens.dialogs import TextPrompt

        start, end = self.selection
        if self.doc is None or end <= start:
            self.notify("Select the words to correct first.", timeout=3)
            return

        def done(value: str | None) -> None:
            if value is None:
                return
            if workbench_app(self).server_lost:
                self.refuse_offline()
                return
            try:
                corrected = self.session.correct(start, end, value)
            except WorkbenchError as exc:
                self.refused(exc)
                return
            if corrected:
                self.notify(corrected[0], timeout=4)
                self.reopen(corrected[1])

        self.app.push_screen(
            TextPrompt(
                f"Replace {self.session.snippet(start, end)} with (Enter saves, Escape cancels):",
                self.doc.text[start:end],
            ),
            done,
        )

    def action_rename_speaker(self) -> None:
        """Name the speaker of the turn under the selection (a wrong or missing label)."""
        from workbench.tui.screens.dialogs import TextPrompt

        if self.doc is None or not self.doc.turns:
            return
        index = self.doc.turn_at(self.selection[0])

        def done(value: str | None) -> None:
            if not value:
                return
            if workbench_app(self).server_lost:
                self.refuse_offline()
                return
            try:
                said = self.session.rename_speaker(index, value)
            except WorkbenchError as exc:
                self.refused(exc)
                return
            self.notify(said, timeout=3)
            self.reopen(self.selection)

        self.app.push_screen(TextPrompt(f"Speaker of turn {index + 1}:", self.doc.turns[index].speaker or ""), done)

    # -- undo and redo ---------------------------------------------------------------------------

    def action_undo(self) -> None:
        self.step(self.session.undo, "Nothing to undo.")

    def action_redo(self) -> None:
        self.step(self.session.redo, "Nothing to redo.")

    def step(self, step: Callable[[], Action | None], empty: str) -> None:
        if workbench_app(self).server_lost:
            self.refuse_offline()
            return
        try:
            inverse = step()
        except WorkbenchError as exc:  # the action is kept: it can be tried again
            self.refused(exc)
            self.changed()
            return
        if inverse is None:
            self.notify(empty, timeout=2)
            return
        self.notify(self.session.told, timeout=3)
        if inverse.kind in ("edit", "unedit"):
            self.reopen((inverse.before.start, inverse.before.end))
        else:
            self.changed()
