"""Speakers as cases: who each transcript's speakers are, mapped where the app shows them.

Every speaker of every transcript with its turns, role and participant. ``p`` maps the highlighted
speaker to a participant (a new one at the transcript's site, or an existing one: the same person
across transcripts), ``i`` marks it as the interviewer/moderator. Each change goes through
:func:`workbench.cases.map_speaker` (audited, as `workbench speakers map` does), and every matrix
and export counts by the new mapping at once.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.cases import list_speakers, map_speaker
from workbench.errors import WorkbenchError
from workbench.models import SpeakerCase
from workbench.tui.app import workbench_app
from workbench.tui.screens.dialogs import TextPrompt


class SpeakersScreen(Screen[None]):
    """Map speakers to participants, or mark interviewers."""

    DEFAULT_CSS = """
    SpeakersScreen DataTable { height: 1fr; }
    SpeakersScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("p", "map_participant", "Map to a participant", id="speakers.participant"),
        Binding("i", "mark_interviewer", "Interviewer", id="speakers.interviewer"),
        Binding("escape", "back", "Back", id="speakers.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SpeakerCase] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="speakers", cursor_type="row", zebra_stripes=True)
        yield Static(
            "p: map to a participant (the same name in two transcripts is one person) · i: interviewer", id="status"
        )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Transcript", "Speaker", "Turns", "Role", "Participant")
        self.fill()
        table.focus()

    def fill(self, keep: int = 0) -> None:
        self.rows = list_speakers(workbench_app(self).store)
        table = self.query_one(DataTable)
        table.clear()
        for case in self.rows:
            table.add_row(case.transcript[:40], case.shown, str(case.turns), case.role, case.participant or "–")
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))

    def current(self) -> SpeakerCase | None:
        table = self.query_one(DataTable)
        return self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def highlighted(self) -> None:
        case = self.current()
        if case is not None:
            self.query_one("#status", Static).update(
                f"{case.shown} in {case.transcript} ({case.site or 'no site'}): {case.role}"
                + (f", {case.participant}" if case.participant else "")
                + " · p: participant · i: interviewer"
            )

    def _map(self, case: SpeakerCase, participant: str | None) -> None:
        row = self.query_one(DataTable).cursor_row
        try:
            done = map_speaker(
                workbench_app(self).store,
                str(case.transcript_id),
                case.speaker,
                participant,
                interviewer=participant is None,
                coder=workbench_app(self).coder,
            )
        except WorkbenchError as exc:
            self.notify(str(exc), severity="error")
            return
        said = f"{done.shown} is now {done.participant}" if done.participant else f"{done.shown} is now the interviewer"
        self.notify(said + f" in {done.transcript}.", timeout=3)
        self.fill(row)

    def action_map_participant(self) -> None:
        case = self.current()
        if case is None:
            return

        def done(value: str | None) -> None:
            if value:
                self._map(case, value)

        self.app.push_screen(
            TextPrompt(
                f"Participant for {case.shown} in {case.transcript}:",
                case.participant or case.speaker,
                hint="An existing participant's label makes them one person across "
                "transcripts; a new label makes a participant at the site.",
            ),
            done,
        )

    def action_mark_interviewer(self) -> None:
        case = self.current()
        if case is not None:
            self._map(case, None)

    def action_back(self) -> None:
        self.app.pop_screen()
