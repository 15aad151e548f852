"""A team server that stops while a coder works: the change made meanwhile is refused clearly and
left for the coder to do again, nothing acknowledged is lost, nothing is applied twice, and the app
says "server unreachable, retrying" until the server is back, then reads the project again.

These tests stop and start a throwaway cluster of their own (the session's cluster stays up for
every other test)."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from workbench import team as team_use
from workbench.coding import resolve_code
from workbench.errors import WorkbenchError
from workbench.project import import_codebook, import_transcripts, project_location
from workbench.session import CodingSession
from workbench.store import Store
from workbench.store.postgres import team

TEXT = "Interviewer: Why partner?\n\nCarol: We had no time. Nobody had time. We trusted them anyway.\n"


@pytest.fixture(scope="module")
def own_cluster():
    from pgcluster import Cluster, NoServer

    try:
        cluster = Cluster()
    except NoServer as exc:
        if os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"WORKBENCH_REQUIRE_POSTGRES=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def stop_server(cluster) -> None:
    cluster._run("pg_ctl", "-D", cluster.data, "-m", "fast", "-w", "stop")


def start_server(cluster) -> None:
    cluster._run("pg_ctl", "-D", cluster.data, "-l", cluster.log, "-w", "-o", cluster._options(), "start")


@pytest.fixture
def study(own_cluster, tmp_path, codebook_path):
    """A team database with a transcript, the codebook, a lead and the coders alice and bob."""
    name = own_cluster.create_database()
    lead = f"lead_{name}"
    team.init_server(own_cluster.url(name), lead=lead)
    names = {"lead": lead}
    for who in ("alice", "bob"):
        names[who] = f"{who}_{name}"
        team.add_coder(own_cluster.url(name), names[who])
    store = Store.open(own_cluster.url(name, user=lead))
    path = tmp_path / "rb-01.txt"
    path.write_text(TEXT)
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    store.close()
    yield names, lambda who: own_cluster.url(name, user=names[who])
    with own_cluster.connect() as cx:  # the server may have been left stopped by a failed test
        cx.execute("SELECT 1")
    own_cluster.drop_database(name)


@pytest.fixture
def running(own_cluster):
    """Whatever a test does, the server runs again after it."""
    yield own_cluster
    try:
        with own_cluster.connect() as cx:
            cx.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - stopped by the test: start it again
        start_server(own_cluster)


def span(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def saved(url: str) -> tuple[list[tuple[str, str]], int]:
    """Every segment (coder, text) on the server and the number of "segment.add" audit entries,
    read afresh as the lead."""
    store = Store.open(url)
    try:
        segments = sorted((s.coder, s.text) for s in store.segments())
        adds = sum(1 for e in store.audit_entries(limit=1000) if e.action == "segment.add")
        return segments, adds
    finally:
        store.close()


def test_a_coding_session_refuses_a_change_while_the_server_is_down_and_loses_nothing(study, running):
    names, url = study
    store = Store.open(url("alice"))
    try:
        session = CodingSession(store, 1, names["alice"])
        session.open(session.read())
        code = resolve_code(store, "Barriers/Time").id
        session.move_to(*span("We had no time."))
        session.apply(code)  # acknowledged before the server stops
        stop_server(running)
        try:
            session.move_to(*span("Nobody had time."))
            with pytest.raises(WorkbenchError, match="server unreachable") as refused:
                session.apply(code)
            assert team_use.unreachable(refused.value)
            assert len(session.history.undo_stack) == 1  # the refused change is not in the history
            assert [s.text for s in session.doc.segments] == ["We had no time."]
            with pytest.raises(WorkbenchError) as undo_refused:
                session.undo()
            assert team_use.unreachable(undo_refused.value)
            assert len(session.history.undo_stack) == 1  # kept: it can be undone once the server is back
        finally:
            start_server(running)
        session.apply(code)  # the coder does it again: the session reconnects by itself
        with pytest.raises(WorkbenchError, match="already coded"):
            session.apply(code)  # pressed twice: never applied twice
        assert [s.text for s in session.doc.segments] == ["We had no time.", "Nobody had time."]
    finally:
        store.close()
    segments, adds = saved(url("lead"))
    assert segments == [(names["alice"], "Nobody had time."), (names["alice"], "We had no time.")]
    assert adds == 2  # one audit entry per acknowledged change, none for the refused one


def test_the_server_watch_says_lost_then_connected(study, running):
    """The app's watcher: connected, lost once while the server is down (retried meanwhile), connected again."""
    import threading

    _, url = study
    stop = threading.Event()
    events = team_use.watch_server(url("alice"), stop)
    assert next(events) == team_use.CONNECTED
    stop_server(running)
    try:
        assert next(events) == team_use.LOST
        with pytest.raises(WorkbenchError, match="server unreachable"):
            team_use.reach(url("alice"))
    finally:
        start_server(running)
    assert next(events) == team_use.CONNECTED
    team_use.reach(url("alice"))
    stop.set()


async def _wait(pilot, condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def test_the_app_says_unreachable_refuses_the_change_and_reads_again_when_the_server_is_back(study, running):
    from textual.widgets import Static

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.reader import ReaderScreen
    from workbench.tui.screens.transcripts import TranscriptsScreen

    names, url = study
    notes: list[str] = []

    async def scenario() -> None:
        app = WorkbenchApp(project_location(url("alice")), names["alice"])
        async with app.run_test(size=(120, 30)) as pilot:
            original = app.notify
            app.notify = lambda message, **kw: (notes.append(str(message)), original(message, **kw))[1]
            await _wait(pilot, lambda: isinstance(app.screen, TranscriptsScreen) and bool(app.screen.rows))
            await pilot.pause()
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen.doc is not None)
            reader = app.screen
            status = reader.query_one("#status", Static)

            async def code(quote: str) -> None:
                reader.move_to(*span(quote))
                await pilot.press("c")
                await pilot.pause()
                await pilot.press(*"barriers time", "enter")
                await pilot.pause()

            await code("We had no time.")
            assert [s.text for s in reader.doc.segments if s.mine] == ["We had no time."]

            await asyncio.to_thread(stop_server, running)
            await _wait(pilot, lambda: app.server_lost)  # noticed without any key pressed
            assert "server unreachable, retrying" in str(status.render())
            assert "server unreachable, retrying" in app.sub_title
            await code("Nobody had time.")  # refused at once, and said so
            assert any(n.startswith("Not saved: the server is unreachable") for n in notes)
            assert "server unreachable, retrying" in str(status.render())  # still shown
            assert [s.text for s in reader.doc.segments if s.mine] == ["We had no time."]
            await pilot.press("u")  # undo is refused too, and kept
            assert len(reader.session.history.undo_stack) == 1
            await pilot.press("escape")
            await _wait(pilot, lambda: isinstance(app.screen, TranscriptsScreen))
            await pilot.press("m")  # a screen that needs the server: closed, the app goes on
            await _wait(pilot, lambda: any("so it was closed" in n for n in notes))
            await _wait(pilot, lambda: isinstance(app.screen, TranscriptsScreen))
            assert app.is_running

            await asyncio.to_thread(start_server, running)
            await _wait(pilot, lambda: not app.server_lost)
            await pilot.pause()
            assert any(n.startswith("server is back") for n in notes)
            assert "unreachable" not in app.sub_title
            await _wait(pilot, lambda: bool(app.screen.rows))  # the list read again
            await pilot.press("enter")
            await _wait(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen.doc is not None)
            reader = app.screen
            status = reader.query_one("#status", Static)
            assert "unreachable" not in str(status.render())
            assert [s.text for s in reader.doc.segments if s.mine] == ["We had no time."]
            await code("Nobody had time.")  # done again by the coder: saved once
            assert [s.text for s in reader.doc.segments if s.mine] == ["We had no time.", "Nobody had time."]
            await code("Nobody had time.")  # pressed again: refused as a duplicate, not applied twice
            assert any("already coded" in n for n in notes)

    asyncio.run(scenario())
    segments, adds = saved(url("lead"))
    assert segments == [(names["alice"], "Nobody had time."), (names["alice"], "We had no time.")]
    assert adds == 2


def test_workbench_opens_the_app_on_a_team_database_by_its_connection_string(study, monkeypatch):
    from click.testing import CliRunner

    from workbench.cli import cli

    names, url = study
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr("workbench.tui.app.run", lambda project, coder: opened.append((str(project), coder)))
    result = CliRunner().invoke(cli, ["--project", url("alice"), "open"])
    assert result.exit_code == 0, result.output
    assert opened == [(url("alice"), names["alice"])]  # the URL whole, not read as a file path
