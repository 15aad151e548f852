"""The coding screen driven through Pilot, asserting on the project and on the screen."""

from __future__ import annotations

import asyncio

import pytest
from pilot import open_reader, work_done

from workbench.models import Code
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.picker import rank_codes
from workbench.tui.screens.reader import ReaderScreen
from workbench.tui.screens.transcripts import TranscriptsScreen


@pytest.fixture
def project(one_transcript):
    return one_transcript()


def segments(path):
    store = Store.open(path)
    try:
        return [(s.coder, s.text) for s in store.segments()]
    finally:
        store.close()


@pytest.mark.both_engines
def test_code_undo_redo_remove(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            reader = await open_reader(app, pilot)
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
            reader = await open_reader(app, pilot)
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
            await work_done(app)
            await pilot.press("slash", *"zzzz")
            await pilot.pause()
            assert app.screen.query_one("DataTable").row_count == 0
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen.query_one("DataTable").row_count == 1

    asyncio.run(scenario())


def _code(code_id, path, name, definition, keywords):
    return Code(
        id=code_id,
        guid=f"g{code_id}",
        parent_id=None,
        name=name,
        definition=definition,
        when_to_use=None,
        when_not_to_use=None,
        example=None,
        colour=None,
        keywords=keywords,
        patterns=[],
        position=code_id,
        path=path,
        depth=1,
    )


def test_picker_ranking():
    codes = [
        _code(1, "Barriers/Time", "Time", "Lack of time", ["busy"]),
        _code(2, "Barriers/Funding", "Funding", "Money", []),
    ]
    assert rank_codes(codes, "tme", [])[0].id == 1
    assert rank_codes(codes, "busy", [])[0].id == 1
    assert [c.id for c in rank_codes(codes, "", [2])] == [2, 1]


def test_codebook_totals_count_each_code_with_all_its_sub_codes():
    from dataclasses import replace

    from workbench.tui.screens.codebook import CodebookScreen

    tree = [  # (id, parent, path, segments): a grandchild listed before its parent, a code not counted
        (1, None, "Barriers", 1),
        (3, 2, "Barriers/Time/Clinic hours", 4),
        (2, 1, "Barriers/Time", 2),
        (4, None, "Trust", None),
        (5, 4, "Trust/Texting", 8),
    ]
    codes = [
        replace(_code(i, path, path.rsplit("/", 1)[-1], "", []), parent_id=parent, segments=n)
        for i, parent, path, n in tree
    ]
    expected = {  # by path, independently of the parent links
        c.id: sum(o.segments or 0 for o in codes if o.path == c.path or o.path.startswith(c.path + "/")) for c in codes
    }
    assert CodebookScreen.totals(codes) == expected == {1: 7, 3: 4, 2: 6, 4: 8, 5: 8}


def test_memo_new_code_in_vivo_and_boundaries(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await open_reader(app, pilot)
            await pilot.press("j")  # "Time, mostly."
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"Barriers/Parking", "up", "up", "enter")  # "+ New code", above "+ In-vivo"
            await pilot.pause()
            store = app.store
            parking = next(c for c in store.codes() if c.path == "Barriers/Parking")
            assert [s.code_id for s in store.segments()] == [parking.id]
            await pilot.press("m")
            await pilot.pause()
            await pilot.press(*"too narrow", "ctrl+s")
            await pilot.pause()
            assert store.segments()[0].memo == "too narrow"
            await pilot.press("s", "J", "b")  # select the segment, extend a sentence, save the bounds
            await pilot.pause()
            assert store.segments()[0].text == "Time, mostly. Everybody is seeing patients back to back."
            await pilot.press("u")
            assert store.segments()[0].text == "Time, mostly."
            await pilot.press("j", "c")
            await pilot.pause()
            await pilot.press("up", "enter")  # in-vivo
            await pilot.pause()
            paths = [c.path for c in store.codes()]
            assert [p for p in paths if p.startswith("In vivo/")] == ["In vivo/There is no hour in the week"]
            await pilot.press("M")
            await pilot.pause()
            await pilot.press(*"Carol is frank", "ctrl+s")
            await pilot.pause()
            assert store.memos("transcript")[0].text == "Carol is frank"
            assert [a.action for a in store.audit_entries(entity="segment")][0] == "segment.add"

    asyncio.run(scenario())


def test_search_next_uncoded_quick_code_and_mouse(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            reader = await open_reader(app, pilot)
            await pilot.press("slash")
            await pilot.pause()
            await pilot.press(*"grant", "enter", "escape")
            await pilot.pause()
            assert reader.doc.text[slice(*reader.selection)].lower() == "grant"
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"funding", "enter")
            await pilot.pause()
            await pilot.press("k", "k")
            await pilot.press("1")  # the most used code so far: Funding
            await pilot.pause()
            assert [s.code for s in reader.doc.segments] == ["Barriers/Funding and material resources"] * 2
            await pilot.press("w")  # the next sentence nobody coded
            assert not reader.doc.covering(*reader.selection)
            view = reader.view
            line = next(i for i, l in enumerate(view.lines) if l.kind == "text")
            await pilot.click(view, offset=(6, line - int(view.scroll_offset.y)))
            await pilot.pause()
            assert reader.doc.text[slice(*reader.selection)] == "What"

    asyncio.run(scenario())


def test_codebook_and_retrieval_jump_into_the_transcript(project):
    async def scenario():
        store = Store.open(project)
        from workbench.coding import add_segment, resolve_code

        text = store.transcript_text(1)
        start = text.index("The grant ended")
        add_segment(
            store,
            transcript_id=1,
            code_id=resolve_code(store, "Barriers/Funding and material resources").id,
            coder="james",
            start=start,
            end=start + 15,
        )
        store.close()
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("b")
            await pilot.pause()
            from workbench.tui.screens.codebook import CodebookScreen
            from workbench.tui.screens.retrieval import RetrievalScreen

            assert isinstance(app.screen, CodebookScreen)
            tree = app.screen.query_one("Tree")
            node = next(n for n in tree._tree_nodes.values() if n.data and n.data.path == "Barriers")
            tree.move_cursor(node)
            await pilot.pause()
            assert "Anything that makes the partnership" in str(app.screen.query_one("#definition").render())
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, RetrievalScreen) and len(app.screen.rows) == 1
            await pilot.press("enter")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            assert reader.doc.text[slice(*reader.selection)] == "The grant ended"
            await pilot.press("a")  # show all coders: james's segment appears
            assert [s.coder for s in reader.doc.segments] == ["james"]

    asyncio.run(scenario())


@pytest.mark.both_engines
def test_screen_shows_another_coders_work(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            reader = await open_reader(app, pilot)
            await pilot.press("a")
            other = Store.open(project)  # a second workbench on the same project
            from workbench.coding import add_segment

            add_segment(other, transcript_id=1, code_id=other.codes()[3].id, coder="james", start=0, end=5)
            other.close()
            reader.check_for_changes()
            await pilot.pause()
            assert [s.coder for s in reader.doc.segments] == ["james"]

    asyncio.run(scenario())


@pytest.mark.both_engines
def test_matrix_screen_drill_down_and_export(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def scenario():
        store = Store.open(project)
        from workbench.coding import add_segment, resolve_code

        add_segment(
            store, transcript_id=1, code_id=resolve_code(store, "Barriers/Time").id, coder="maria", start=60, end=80
        )
        store.close()
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await work_done(app)
            await pilot.press("m")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            from workbench.tui.screens.matrix import MatrixScreen
            from workbench.tui.screens.retrieval import RetrievalScreen

            screen = app.screen
            assert isinstance(screen, MatrixScreen)
            assert screen.matrix.table.at["Riverbend Family Medicine", "Barriers"] == 1
            await pilot.press("v")  # transcripts
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            assert screen.value == "transcripts"
            await pilot.press("right", "right", "right", "enter")  # the Barriers cell
            await pilot.pause()
            assert isinstance(app.screen, RetrievalScreen) and len(app.screen.rows) == 1
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("x")
            await pilot.pause()
            app.screen.query_one("Input").value = "out.xlsx"
            await pilot.press("enter")
            await pilot.pause()
            assert (tmp_path / "out.xlsx").exists()

    asyncio.run(scenario())


@pytest.mark.both_engines
def test_agreement_screen(project):
    async def scenario():
        store = Store.open(project)
        from workbench.coding import add_segment, resolve_code

        time_id = resolve_code(store, "Barriers/Time").id
        add_segment(store, transcript_id=1, code_id=time_id, coder="maria", start=60, end=73)
        add_segment(store, transcript_id=1, code_id=time_id, coder="james", start=60, end=120)
        store.close()
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await work_done(app)
            await pilot.press("a")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            screen = app.screen
            assert screen.report is not None and screen.query_one("DataTable").row_count == len(screen.report.codes) + 1
            assert sorted(screen.report.spec.coders) == ["james", "maria"]  # not a team member who has not coded
            await pilot.press("u")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            assert screen.report.spec.unit == "turn"

    asyncio.run(scenario())


def test_search_screen_codes_picked_hits_and_reader_suggestions(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await work_done(app)
            await pilot.press("s")
            await pilot.pause()
            await pilot.press(*"time", "enter")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            screen = app.screen
            assert len(screen.hits) == 1
            await pilot.press("space", "c")
            await pilot.pause()
            await pilot.press(*"barriers time", "enter")
            await pilot.pause()
            assert [s.text for s in app.store.segments()] == ["Time, mostly."]
            await pilot.press("escape")
            await pilot.pause()
            await work_done(app)
            await pilot.press("enter")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            reader = app.screen
            await pilot.press("S")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            assert reader.proposals  # "no hour in the week" matches the Time pattern
            await pilot.press("o", "y")
            await pilot.pause()
            assert any(s.origin == "suggested" for s in app.store.segments())

    asyncio.run(scenario())


@pytest.mark.both_engines
def test_reconcile_screen_for_one_transcript_with_chosen_coders(project):
    async def scenario():
        store = Store.open(project)
        from workbench.coding import add_segment, resolve_code

        time_id = resolve_code(store, "Barriers/Time").id
        add_segment(store, transcript_id=1, code_id=time_id, coder="maria", start=60, end=73)
        add_segment(store, transcript_id=1, code_id=time_id, coder="james", start=60, end=120)
        add_segment(store, transcript_id=1, code_id=time_id, coder="lee", start=60, end=73)
        store.close()
        app = WorkbenchApp(project, "hannah")
        async with app.run_test(size=(120, 30)) as pilot:
            await open_reader(app, pilot)
            await pilot.press("R")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            from workbench.tui.screens.reconcile import ReconcileScreen

            screen = app.screen
            assert isinstance(screen, ReconcileScreen) and screen.transcript_ids == [1]
            assert len(screen.coders) == 3 and screen.items
            await pilot.press("c")
            await pilot.pause()
            chooser = app.screen
            chooser.query_one("SelectionList").deselect("lee")
            await pilot.press("enter")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            assert sorted(screen.coders) == ["james", "maria"]
            await pilot.press("2")  # take the second coder's coding for the first disagreement
            await pilot.pause()
            assert app.store.decisions()

    asyncio.run(scenario())
