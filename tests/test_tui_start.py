"""Starting on your own data: a project without a codebook, codes made in the picker, undo of them."""

from __future__ import annotations

import asyncio

import pytest
import pilot as pilot_steps
from pilot import settle

from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.dialogs import ConfirmDialog
from workbench.tui.screens.picker import CodePicker
from workbench.tui.screens.transcripts import TranscriptsScreen

TEXT = "Interviewer: What gets in the way?\n\nCarol: Time, mostly. Everybody is seeing patients back to back.\n"


pytestmark = pytest.mark.both_engines  # `bare`: a project file, then a team database


@pytest.fixture
def bare(one_transcript):
    """Transcripts but no codebook."""
    return one_transcript(TEXT, codebook=False)


def state(path):
    store = Store.open(path)
    try:
        codes = {c.id: c.path for c in store.codes(counts=False)}
        return list(codes.values()), [(codes[s.code_id], s.text) for s in store.segments()]
    finally:
        store.close()


async def open_reader(app, pilot):
    reader = await pilot_steps.open_reader(app, pilot)
    await pilot.press("j")  # "Time, mostly."
    return reader


def test_enter_in_the_picker_makes_the_typed_code_and_undo_removes_it(bare):
    async def scenario():
        app = WorkbenchApp(bare, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await open_reader(app, pilot)
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, CodePicker)
            await pilot.press(*"Time pressure", "enter")
            await settle(app, pilot)
            assert state(bare) == (["Time pressure"], [("Time pressure", "Time, mostly.")])
            await pilot.press("u")
            await pilot.pause()
            assert state(bare) == ([], [])  # the code made for this coding goes with it
            await pilot.press("U")
            await pilot.pause()
            assert state(bare) == (["Time pressure"], [("Time pressure", "Time, mostly.")])
            await pilot.press("u")
            await pilot.pause()
            assert state(bare) == ([], [])

    asyncio.run(scenario())


def test_down_enter_picks_the_in_vivo_row_and_enter_alone_the_first(bare):
    async def scenario():
        app = WorkbenchApp(bare, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await open_reader(app, pilot)
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"Staffing", "down", "enter")  # rows: + New code, + In-vivo
            await settle(app, pilot)
            assert state(bare) == (["In vivo", "In vivo/Time, mostly"], [("In vivo/Time, mostly", "Time, mostly.")])
            await pilot.press("u")
            await pilot.pause()
            assert state(bare) == ([], [])
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("enter")  # nothing typed: the highlighted row is the in-vivo code
            await settle(app, pilot)
            assert state(bare)[1] == [("In vivo/Time, mostly", "Time, mostly.")]

    asyncio.run(scenario())


def test_theme_slash_name_asks_before_making_the_theme(bare):
    async def scenario():
        app = WorkbenchApp(bare, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await open_reader(app, pilot)
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"Barriers/Time", "enter")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            assert "Barriers" in str(app.screen.query_one("Static").render())
            await pilot.press("n")
            await pilot.pause()
            assert state(bare) == ([], [])
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"Barriers/Time", "enter")
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert state(bare) == (["Barriers", "Barriers/Time"], [("Barriers/Time", "Time, mostly.")])
            await pilot.press("u")
            await pilot.pause()
            assert state(bare) == ([], [])

    asyncio.run(scenario())


def test_a_code_someone_else_used_stays_when_its_first_use_is_undone(bare):
    from workbench.coding import add_segment

    async def scenario():
        app = WorkbenchApp(bare, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await open_reader(app, pilot)
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"Time pressure", "enter")
            await settle(app, pilot)
            other = Store.open(bare)  # another coder's workbench on the same project
            try:
                code_id = other.codes(counts=False)[0].id
                transcript_id = other.transcripts()[0].id
                add_segment(other, transcript_id=transcript_id, code_id=code_id, coder="james", start=0, end=11)
            finally:
                other.close()
            await pilot.press("u")
            await pilot.pause()
            assert state(bare) == (["Time pressure"], [("Time pressure", "Interviewer")])

    asyncio.run(scenario())


def test_an_empty_project_says_how_to_start_and_loads_the_default_codebook(tmp_path):
    path = tmp_path / "empty.db"
    Store.open(path, create=True).close()

    async def scenario():
        app = WorkbenchApp(path, "maria")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, TranscriptsScreen)
            welcome = app.screen.query_one("#welcome")
            text = str(welcome.render())
            assert welcome.display and "workbench import" in text and "codebook import" in text
            await pilot.press("d")
            await settle(app, pilot)
            assert len(state(path)[0]) == 34
            assert "codebook" not in str(welcome.render()).lower() or "No codebook" not in str(welcome.render())

    asyncio.run(scenario())
