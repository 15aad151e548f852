"""The coding screen driven through Pilot, asserting on the project and on the screen."""

from __future__ import annotations

import asyncio

import pytest

from workbench.project import import_codebook, import_transcripts
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.picker import rank_codes
from workbench.tui.screens.reader import ReaderScreen
from workbench.tui.screens.transcripts import TranscriptsScreen

TEXT = ("---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\n---\n"
        "Interviewer: What gets in the way?\n\n"
        "Carol: Time, mostly. Everybody is seeing patients back to back. There is no hour in the week.\n\n"
        "Interviewer: And money?\n\nCarol: Money too. The grant ended in June.\n")


@pytest.fixture
def project(tmp_path, codebook_path):
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    source = tmp_path / "rb-01.txt"
    source.write_text(TEXT)
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    store.close()
    return path


def segments(path):
    store = Store.open(path)
    try:
        return [(s["coder"], s["text"]) for s in store.segments()]
    finally:
        store.close()


async def _open_reader(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, TranscriptsScreen)
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, ReaderScreen)
    return app.screen


def test_code_undo_redo_remove(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            reader = await _open_reader(app, pilot)
            assert reader.doc.text[slice(*reader.selection)] == "What gets in the way?"
            await pilot.press("j")
            assert reader.doc.text[slice(*reader.selection)] == "Time, mostly."
            await pilot.press("J")
            assert reader.doc.text[slice(*reader.selection)].endswith("back to back.")
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"barriers time", "enter")
            await pilot.pause()
            assert segments(project) == [("maria", "Time, mostly. Everybody is seeing patients back to back.")]
            await pilot.press("u")
            assert segments(project) == []
            await pilot.press("U")
            assert len(segments(project)) == 1
            await pilot.press("x")
            assert segments(project) == []
            await pilot.press("u")
            assert len(segments(project)) == 1
            side = str(reader.query_one("#side").render())
            assert "Barriers/Time" in side and "maria" in side
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, TranscriptsScreen)
    asyncio.run(scenario())


def test_extend_by_word_and_cancel_picker(project):
    async def scenario():
        app = WorkbenchApp(project, "james")
        async with app.run_test(size=(80, 24)) as pilot:
            reader = await _open_reader(app, pilot)
            await pilot.press("n")
            assert reader.doc.text[slice(*reader.selection)] == "Time, mostly."
            await pilot.press("L", "L")
            assert reader.doc.text[slice(*reader.selection)] == "Time, mostly. Everybody is"
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ReaderScreen) and segments(project) == []
    asyncio.run(scenario())


def test_filter_transcripts(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("slash", *"zzzz")
            await pilot.pause()
            assert app.screen.query_one("DataTable").row_count == 0
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen.query_one("DataTable").row_count == 1
    asyncio.run(scenario())


def test_picker_ranking():
    codes = [{"id": 1, "path": "Barriers/Time", "name": "Time", "depth": 1, "definition": "Lack of time", "keywords": ["busy"]},
             {"id": 2, "path": "Barriers/Funding", "name": "Funding", "depth": 1, "definition": "Money", "keywords": []}]
    assert rank_codes(codes, "tme", [])[0]["id"] == 1
    assert rank_codes(codes, "busy", [])[0]["id"] == 1
    assert [c["id"] for c in rank_codes(codes, "", [2])] == [2, 1]
