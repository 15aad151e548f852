"""The workbench application: a small shell that owns the project connection and the coder.

Threading rule: ``app.store`` belongs to the UI thread. Work on a thread goes through
:func:`workbench.tui.workers.run_in_thread`: it opens a store of its own on ``app.project`` and
hands the result back on the UI thread; it never touches widgets or ``app.store``.

Errors: an error raised by a worker's job or by a key's action goes to
:meth:`WorkbenchApp.report_error`: a :class:`~workbench.errors.WorkbenchError` is shown as a
notification; anything else (a bug) is written with its traceback to the error log (under the
user's state folder) and notified; the app keeps running. With ``WORKBENCH_DEBUG`` set, or when
the app runs headless (the tests), a bug ends the app with its traceback instead, as before. An
error anywhere else (a message handler, drawing) still ends the app, after it is logged.
"""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding

from workbench.errors import WorkbenchError
from workbench.project import open_store, project_location
from workbench.tui.commands import ScreenActions

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from workbench.store import Store


class WorkbenchApp(App[None]):
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

    project: Path
    coder: str
    store: Store  # the UI thread's connection (a worker opens its own on ``project``)
    error_log: Path

    def __init__(self, project: Path, coder: str) -> None:
        super().__init__()
        self.project = project if isinstance(project, Path) else project_location(project)  # a URL stays whole
        self.coder = coder
        self.store = open_store(self.project)
        self.error_log = error_log_path()
        self.raise_bugs: bool | None = None  # None: when WORKBENCH_DEBUG is set or the app runs headless
        self.server_lost = False  # the team server cannot be reached: the title says so until it is back
        self.stop_watching = threading.Event()  # ends the team server's watcher and retries
        self.project_title = ""

    # -- errors --------------------------------------------------------------------------------

    def report_error(self, error: BaseException) -> None:
        """Show a WorkbenchError as a notification; log and notify anything else. On the UI thread."""
        if isinstance(error, WorkbenchError) and self.lost_server(error):
            self.notify(
                "server unreachable, retrying in the background: what was under way was not done "
                "(nothing acknowledged is lost).",
                severity="error",
                timeout=8,
            )
            return
        if isinstance(error, WorkbenchError):
            self.notify(str(error), severity="error", timeout=8)
            return
        if self.strict() and isinstance(error, Exception):
            super()._handle_exception(error)  # the traceback, and the app ends
            return
        where = log_error(self.error_log, error, project=self.project)
        self.notify(
            f"Unexpected error ({type(error).__name__}: {error}). Nothing acknowledged is lost; "
            f"the details are in {where}. Please report it.",
            severity="error",
            timeout=15,
        )

    def strict(self) -> bool:
        """Whether a bug ends the app (with WORKBENCH_DEBUG set, or headless: in the tests)."""
        if self.raise_bugs is not None:
            return self.raise_bugs
        return bool(os.environ.get("WORKBENCH_DEBUG")) or self.is_headless

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Every key's action (and the command palette's) runs here: its error is reported, and
        the screen goes on."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:  # noqa: BLE001
            if not isinstance(error, WorkbenchError) and self.strict():
                raise
            self.report_error(error)
            return True

    def _handle_exception(self, error: Exception) -> None:
        """Any other error ends the app, as Textual does (a message handler that raised stops
        handling messages); it is written to the error log first. A screen that could not reach
        the team server (opened just as it went away) is closed instead, and the app goes on."""
        if isinstance(error, WorkbenchError) and self.lost_server(error):
            broken = self.screen
            self.notify(
                "server unreachable, retrying: that screen could not be read, so it was closed; "
                "open it again once the server is back.",
                severity="error",
                timeout=8,
            )
            self.call_later(self.close_broken_screen, broken)
            return
        if not self.strict():
            log_error(self.error_log, error, project=self.project)
        super()._handle_exception(error)

    def on_mount(self) -> None:
        self.title = f"workbench · coder: {self.coder}"
        self.sub_title = self.project_title = self.store.get_meta("title") or self.project.name
        from workbench.project import location_warning

        warning = location_warning(self.project)
        if warning:  # a network or synced folder: say so once, when the app opens
            self.notify(warning.removeprefix("warning: "), severity="warning", timeout=20)
        if self.store.read_only:
            self.notify(
                f"{self.project.name} is open read-only ({self.store.read_only_reason}): "
                "you can read and export, not code.",
                severity="warning",
                timeout=20,
            )
        from workbench.tui.screens.transcripts import TranscriptsScreen

        self.push_screen(TranscriptsScreen())
        from workbench.blind import is_team

        if is_team(self.store):
            self.watch_server()

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_unmount(self) -> None:
        self.stop_watching.set()
        self.store.close()

    # -- when the team server goes away --------------------------------------------------------

    def watch_server(self) -> None:
        """Follow the team server on a thread with its own connection: when it goes away the title
        says "server unreachable, retrying" until it is back (retried with a capped back-off);
        then the screens read the project again."""
        from workbench import team

        url, stop = str(getattr(self.store, "url", "")), self.stop_watching

        def work() -> None:
            try:
                for event in team.watch_server(url, stop):
                    if event == team.LOST:
                        self.post_to_ui(self.server_unreachable)
                    elif event == team.CONNECTED:
                        self.post_to_ui(self.server_back)
            except WorkbenchError as exc:  # a refusal (rights, password): not worth retrying
                self.post_to_ui(self.report_error, exc)

        self.run_worker(work, thread=True, group="server-watch", exclusive=True, exit_on_error=False)

    def retry_server(self) -> None:
        """Try the team server again at once, then with a capped back-off, until it answers."""
        from workbench import team

        url, stop = str(getattr(self.store, "url", "")), self.stop_watching

        def work() -> None:
            from textual.worker import get_current_worker

            worker = get_current_worker()
            delay = 0.25
            while not stop.is_set() and not worker.is_cancelled:
                try:
                    team.reach(url)
                except WorkbenchError as exc:
                    if not team.unreachable(exc):
                        self.post_to_ui(self.report_error, exc)
                        return
                    stop.wait(delay * random.uniform(0.5, 1.0))
                    delay = min(10.0, delay * 2)
                    continue
                if not worker.is_cancelled:
                    self.post_to_ui(self.server_back)
                return

        self.run_worker(work, thread=True, group="server-retry", exclusive=True, exit_on_error=False)

    def post_to_ui(self, callback: Any, *args: Any) -> None:
        """From a thread: run ``callback`` on the UI thread (dropped when the app is closing)."""
        try:
            self.call_from_thread(callback, *args)
        except RuntimeError as exc:
            if "not running" not in str(exc):
                raise

    def lost_server(self, error: BaseException) -> bool:
        """If ``error`` says the team server cannot be reached: show it and retry in the
        background (True); False for any other error."""
        from workbench.blind import is_team

        if not is_team(self.store):
            return False
        from workbench import team

        if not team.unreachable(error):
            return False
        self.server_unreachable()
        self.retry_server()  # the watcher may not have noticed (its own connection may be fine)
        return True

    def close_broken_screen(self, broken: Any) -> None:
        """Close a screen that stopped when the server went away (the transcript list is opened
        afresh: it is the app's home)."""
        from workbench.tui.screens.transcripts import TranscriptsScreen

        if broken is not self.screen or len(self.screen_stack) < 2:
            return
        self.pop_screen()
        if isinstance(broken, TranscriptsScreen):
            self.push_screen(TranscriptsScreen())

    def server_unreachable(self) -> None:
        """The server went away: the title and the coding screen's status say so until it is back."""
        if self.server_lost:
            return
        self.server_lost = True
        self.sub_title = "server unreachable, retrying…"
        self.notify(
            "server unreachable, retrying in the background. Changes are refused until it is back; "
            "everything saved so far is kept on the server.",
            severity="warning",
            timeout=8,
        )
        for screen in self.screen_stack:
            if hasattr(screen, "server_state_changed"):
                screen.server_state_changed()

    def server_back(self) -> None:
        """The server answers again: say so, and let every open screen read the project again."""
        if not self.server_lost:
            return
        self.server_lost = False
        self.sub_title = self.project_title
        self.store.change_token()  # a ping: lets go of the connection the server dropped
        self.notify("server is back: reconnected; showing the latest coding.", timeout=5)
        for screen in self.screen_stack:
            if hasattr(screen, "server_state_changed"):
                screen.server_state_changed()


def workbench_app(node: DOMNode) -> WorkbenchApp:
    """The app a screen or widget runs in, with its project, store and coder (``node.app`` is
    typed as any Textual app)."""
    app = node.app
    if not isinstance(app, WorkbenchApp):
        raise TypeError(f"{type(node).__name__} runs in {type(app).__name__}, not in the workbench app.")
    return app


def error_log_path() -> Path:
    """Where bugs met by the app are written: ``WORKBENCH_ERROR_LOG``, else ``workbench.log`` in
    the user's state folder."""
    if os.environ.get("WORKBENCH_ERROR_LOG"):
        return Path(os.environ["WORKBENCH_ERROR_LOG"])
    from platformdirs import user_state_dir

    return Path(user_state_dir("workbench")) / "workbench.log"


def log_error(path: Path, error: BaseException, *, project: Path | None = None) -> Path:
    """Append ``error`` with its traceback to the log at ``path`` (the log is started afresh
    once it passes 1 MB; the previous one is kept as ``.1``); returns the path."""
    import traceback
    from datetime import UTC, datetime

    entry = f"--- {datetime.now(UTC).isoformat(timespec='seconds')} project: {project}\n" + "".join(
        traceback.format_exception(error)
    )
    if project is not None and path.resolve() in {
        Path(str(project.resolve()) + tail) for tail in ("", "-wal", "-shm", "-journal")
    }:
        return path  # never the project's own files: closing a descriptor would drop the app's locks
    if path.exists() and not path.is_file():
        return path  # a device, a FIFO or a folder is not a log
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.with_name(path.name + ".1")
        if path.is_file() and path.stat().st_size > 1_000_000 and (old.is_file() or not old.exists()):
            path.replace(old)
        with path.open("a", encoding="utf-8") as log:
            log.write(entry)
    except OSError:  # no writable state folder: the notification still says what happened
        pass
    return path


def run(project: Path, coder: str) -> None:
    """Open the workbench on a project (called by ``workbench`` and ``workbench demo``)."""
    WorkbenchApp(project, coder).run()
