"""Errors in the app: a worker's error reaches the UI thread; a WorkbenchError is a notification,
a bug is logged and notified; the app keeps running."""

from __future__ import annotations

import asyncio
import threading

import pytest
from pilot import settle

from workbench.errors import NotFoundError, WorkbenchError
from workbench.tui.app import WorkbenchApp, log_error
from workbench.tui.screens.reader import ReaderScreen
from workbench.tui.screens.transcripts import TranscriptsScreen
from workbench.tui.workers import run_in_thread

TEXT = "Interviewer: What gets in the way?\n\nCarol: Time, mostly. Everybody is seeing patients back to back.\n"


@pytest.fixture
def project(one_transcript):
    return one_transcript(TEXT)


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def still_alive(app, pilot) -> None:
    """The app answers keys: back to the list, which lists the transcript."""
    while not isinstance(app.screen, TranscriptsScreen):
        await pilot.press("escape")
        await pilot.pause()
    assert app.is_running and app.return_code is None
    assert app.screen.query_one("DataTable").row_count == 1


def test_a_worker_that_raises_a_workbench_error_is_a_notification(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 2)
            app.push_screen(ReaderScreen(99))  # a transcript removed meanwhile (a stale search hit, a memo)
            await settle(app, pilot, 2)
            assert any(m == "no transcript 99." for m in messages(app)), messages(app)
            reader = app.screen
            assert isinstance(reader, ReaderScreen) and not reader.view.loading
            assert str(reader.query_one("#status").render()) == "no transcript 99. · Escape goes back"
            await still_alive(app, pilot)

    asyncio.run(scenario())


def test_a_bug_in_a_worker_is_logged_and_notified_and_the_app_keeps_running(project, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("the reader's bug")

    monkeypatch.setattr("workbench.tui.screens.reader.read_transcript", broken)

    async def scenario():
        app = WorkbenchApp(project, "maria")
        app.raise_bugs = False  # as for a user (tests otherwise end the app on a bug)
        app.error_log = tmp_path / "state" / "workbench.log"
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 2)
            await pilot.press("enter")
            await settle(app, pilot, 2)
            told = [m for m in messages(app) if m.startswith("Unexpected error")]
            assert told and "ZeroDivisionError: the reader's bug" in told[0] and str(app.error_log) in told[0]
            log = app.error_log.read_text()
            assert "Traceback" in log and "ZeroDivisionError: the reader's bug" in log and str(project) in log
            await still_alive(app, pilot)

    asyncio.run(scenario())


def test_in_tests_a_bug_in_a_worker_still_ends_the_app_with_its_traceback(project, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("the reader's bug")

    monkeypatch.setattr("workbench.tui.screens.reader.read_transcript", broken)

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 2)
            await pilot.press("enter")
            await settle(app, pilot, 2)

    with pytest.raises(ZeroDivisionError, match="the reader's bug"):
        asyncio.run(scenario())


def test_a_workbench_error_from_a_key_is_a_notification(project, monkeypatch):
    def refuse(self):
        raise NotFoundError("no code 12.", hint="List the codes with `workbench codebook show`.")

    monkeypatch.setattr(ReaderScreen, "action_retrieve", refuse)

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 2)
            await pilot.press("enter")
            await settle(app, pilot, 2)
            await pilot.press("r")
            await pilot.pause()
            assert "no code 12.\n  List the codes with `workbench codebook show`." in messages(app)
            await still_alive(app, pilot)

    asyncio.run(scenario())


def test_a_job_gets_its_own_store_and_its_outcome_comes_back_on_the_ui_thread(project):
    seen: dict[str, object] = {}

    def job(store):
        seen["store"], seen["job thread"] = store, threading.get_ident()
        return store.transcript_text(1)

    def failing(store):
        raise WorkbenchError("the job cannot go on.")

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 2)
            ui = threading.get_ident()
            run_in_thread(
                app.screen, job, lambda text: seen.update(text=text, done_thread=threading.get_ident()), group="test"
            )
            await settle(app, pilot, 2)
            assert seen["text"] == TEXT.strip() and seen["done_thread"] == ui and seen["job thread"] != ui
            assert seen["store"] is not app.store
            with pytest.raises(Exception):  # noqa: B017 - closed after the job (the engine says how)
                seen["store"].transcript_text(1)
            run_in_thread(
                app.screen,
                failing,
                group="test",
                failed=lambda exc: seen.update(error=str(exc), failed_thread=threading.get_ident()),
            )
            await settle(app, pilot, 2)
            assert seen["error"] == "the job cannot go on." and seen["failed_thread"] == ui
            run_in_thread(app.screen, failing, group="test")  # no handler of its own: the app's
            await settle(app, pilot, 2)
            assert "the job cannot go on." in messages(app)
            await still_alive(app, pilot)

    asyncio.run(scenario())


def test_the_error_log_is_started_afresh_past_a_megabyte(tmp_path):
    path = tmp_path / "workbench.log"
    path.write_text("x" * 1_000_001)
    try:
        raise ValueError("one")
    except ValueError as exc:
        log_error(path, exc)
    assert (tmp_path / "workbench.log.1").stat().st_size == 1_000_001
    assert "ValueError: one" in path.read_text() and path.stat().st_size < 10_000


def test_every_thread_worker_of_the_screens_goes_through_run_in_thread():
    """The one helper opens the job's store and reports its errors: no screen does it by hand."""
    from pathlib import Path

    tui = Path(__file__).resolve().parent.parent / "workbench" / "tui"
    by_hand = {
        str(p.relative_to(tui)): [
            w
            for w in ("@work", "thread=True", "open_store(", "call_from_thread(")
            if w in p.read_text(encoding="utf-8")
        ]
        for p in tui.rglob("*.py")
        if p.name not in ("workers.py", "app.py")
    }
    assert {p: words for p, words in by_hand.items() if words} == {}


def test_a_result_is_dropped_when_its_screen_closed_or_a_newer_run_started(project):
    from workbench.tui.screens.help import HelpScreen

    release = threading.Event()
    delivered: list[str] = []

    def slow(name):
        def job(store):
            assert release.wait(30)
            return name

        return job

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 2)
            base = app.screen
            help_screen = HelpScreen(base)
            app.push_screen(help_screen)
            await pilot.pause()
            run_in_thread(help_screen, slow("closed"), delivered.append, group="test")
            app.pop_screen()
            await pilot.pause()
            run_in_thread(base, slow("older"), delivered.append, group="test")
            run_in_thread(base, lambda store: "newer", delivered.append, group="test")
            await pilot.pause()
            release.set()
            await settle(app, pilot, 2)
            assert delivered == ["newer"]
            assert not any("rror" in m for m in messages(app))
            await still_alive(app, pilot)

    asyncio.run(scenario())


def test_the_error_log_never_writes_to_the_project_or_a_device(tmp_path):
    """WORKBENCH_ERROR_LOG naming the project (or its -wal) would open it with Python file I/O and
    drop the app's SQLite locks on close; a device or folder is not a log either."""
    project = tmp_path / "study.db"
    project.write_bytes(b"SQLite format 3\x00")
    for target in (project, tmp_path / "study.db-wal"):
        log_error(target, RuntimeError("a bug"), project=project)
    assert project.read_bytes() == b"SQLite format 3\x00"
    assert not (tmp_path / "study.db-wal").exists()
    log_error(tmp_path, RuntimeError("a bug"), project=project)  # a folder: nothing written, no error
    written = log_error(tmp_path / "workbench.log", RuntimeError("a bug"), project=project)
    assert "a bug" in written.read_text()
