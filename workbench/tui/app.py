"""The workbench application: a small shell that owns the project connection and the coder.

Threading rule: ``app.store`` belongs to the UI thread. Thread workers open their own
:class:`~workbench.store.Store` on ``app.project`` and hand results back with
``call_from_thread``; they never touch widgets or ``app.store``.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from workbench.project import open_store
from workbench.tui.commands import ScreenActions


class WorkbenchApp(App):
    """Code qualitative interviews at the keyboard."""

    TITLE = "workbench"
    COMMANDS = App.COMMANDS | {ScreenActions}
    CSS = """
    Screen { background: $surface; }
    #filter { margin: 0 1; }
    #transcripts { height: 1fr; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
    ]

    def __init__(self, project: Path, coder: str) -> None:
        super().__init__()
        self.project = project if isinstance(project, Path) else Path(project)  # a team database stays its URL
        self.coder = coder
        self.store = open_store(self.project)

    def on_mount(self) -> None:
        self.title = f"workbench · coder: {self.coder}"
        self.sub_title = self.store.get_meta("title") or self.project.name
        from workbench.project import location_warning

        warning = location_warning(self.project)
        if warning:  # a network or synced folder: say so once, when the app opens
            self.notify(warning.removeprefix("warning: "), severity="warning", timeout=20)
        if self.store.read_only:
            self.notify(f"{self.project.name} is open read-only ({self.store.read_only_reason}): "
                        "you can read and export, not code.", severity="warning", timeout=20)
        from workbench.tui.screens.transcripts import TranscriptsScreen

        self.push_screen(TranscriptsScreen())

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_unmount(self) -> None:
        self.store.close()


def run(project: Path, coder: str) -> None:
    """Open the workbench on a project (called by ``workbench`` and ``workbench demo``)."""
    WorkbenchApp(project, coder).run()
