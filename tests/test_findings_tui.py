"""The findings screens through Pilot: charting a matrix cell (summary, key quote), the memo list
and the saturation view, asserting on the project and on the screen."""

from __future__ import annotations

import asyncio

import pytest
from pilot import settle

from workbench.coding import add_memo, add_segment, resolve_code
from workbench.store import Store
from workbench.tui.app import WorkbenchApp


pytestmark = pytest.mark.both_engines  # each test's project: a file, then a team database


@pytest.fixture
def project(one_transcript):
    path = one_transcript()
    store = Store.open(path)
    text = store.transcript_text(1)
    start = text.index("Time, mostly")
    add_segment(
        store,
        transcript_id=1,
        code_id=resolve_code(store, "Barriers/Time").id,
        coder="maria",
        start=start,
        end=start + 20,
        memo="time <b>pressure</b>",
    )
    add_memo(store, "project", None, "Project memo [x](y)", coder="maria")
    store.close()
    return path


def test_chart_a_matrix_cell_and_flag_a_key_quote(project):
    from workbench.tui.screens.framework import SummaryEditor
    from workbench.tui.screens.matrix import MatrixScreen

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            await pilot.press("m")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, MatrixScreen)
            await pilot.press("r")  # rows: participant
            await settle(app, pilot)
            assert screen.rows == "participant"
            await pilot.press("right", "right", "right", "e")  # RB-01 x Barriers
            await pilot.pause()
            editor = app.screen
            assert isinstance(editor, SummaryEditor) and editor.row == "RB-01" and editor.column == "Barriers"
            assert len(editor.rows) == 1
            await pilot.press("tab", "tab")  # to the segments list
            await pilot.press("f")
            await pilot.pause()
            assert app.store.key_quote_ids() == {1}
            editor.query_one("TextArea").text = "Time: patients back to back, no free hour."
            editor.query_one("#note").value = "compare with RB-02"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, MatrixScreen)
            await pilot.press("e")  # the same cell again: the saved summary and note come back
            await pilot.pause()
            again = app.screen
            assert isinstance(again, SummaryEditor) and again is not editor
            assert again.query_one("TextArea").text == "Time: patients back to back, no free hour."
            assert again.query_one("#note").value == "compare with RB-02"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MatrixScreen)

    asyncio.run(scenario())
    store = Store.open(project)
    try:
        saved = store.framework_summaries("participant")
        assert [(s.row_key, s.summary, s.note, s.coder) for s in saved] == [
            ("RB-01", "Time: patients back to back, no free hour.", "compare with RB-02", "maria")
        ]
        assert saved[0].code_id == resolve_code(store, "Barriers").id
        actions = [e.action for e in store.audit_entries(20)]
        assert "framework.set" in actions and "quote.flag" in actions
    finally:
        store.close()


def test_memo_list_and_saturation_view(project):
    from workbench.tui.screens.memos import MemoListScreen
    from workbench.tui.screens.reader import ReaderScreen
    from workbench.tui.screens.saturation import SaturationScreen

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            app.screen.query_one("DataTable").focus()
            await pilot.press("M")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MemoListScreen) and len(screen.items) == 2
            kinds = sorted(i.kind for i in screen.items.values())
            assert kinds == ["project", "segment"]
            await pilot.press("g")
            await pilot.pause()
            assert screen.by == "transcript"
            await pilot.press("down", "enter")  # the segment memo opens its transcript
            await settle(app, pilot)
            assert isinstance(app.screen, ReaderScreen)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            app.screen.query_one("DataTable").focus()
            await pilot.press("S")
            await pilot.pause()
            sat = app.screen
            assert isinstance(sat, SaturationScreen)
            title = str(sat.query_one("#title").render())
            assert "larger than the 1 coded interviews" in title  # base 4 > 1 interview: said, not crashed
            await pilot.press("B", "B", "B")  # base 1
            await pilot.pause()
            assert sat.spec.base == 1
            assert "not reached" in str(sat.query_one("#title").render())

    asyncio.run(scenario())


def test_codebook_screen_shows_a_codes_links(project):
    from workbench.findings.relations import add_link
    from workbench.tui.screens.codebook import CodebookScreen

    store = Store.open(project)
    add_link(store, "Barriers/Time", "leads to", "Barriers/Lack of buy-in", memo="no time, no buy-in")
    store.close()

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.screen.query_one("DataTable").focus()
            await pilot.press("b")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CodebookScreen)
            tree = screen.query_one("Tree")
            node = next(n for n in tree._tree_lines if n.node.data and n.node.data.path == "Barriers/Time").node
            tree.move_cursor(node)
            await pilot.pause()
            text = str(screen.query_one("#definition").render())
            assert "Barriers/Time → leads to → Barriers/Lack of buy-in" in text and "no time, no buy-in" in text

    asyncio.run(scenario())
