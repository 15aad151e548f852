"""Whole passages: retrieval, search and drill-down show passages, not 40 characters; opening a
segment scrolls to it; wide terminals keep a reading measure and give the rest to the panel."""

from __future__ import annotations

import asyncio

import pytest
from pilot import settle
from textual.widgets import DataTable

from workbench.sample import build_demo
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.reader import MEASURE, ReaderScreen
from workbench.tui.screens.retrieval import RetrievalScreen
from workbench.tui.screens.search import SearchScreen
from workbench.tui.widgets.transcript_view import GUTTER


pytestmark = pytest.mark.both_engines  # `demo`: a copy of the sample study, a file then a team database


@pytest.fixture
def demo(built_project):
    return built_project("demo", build_demo)


def cell_text(table: DataTable, row: int, column: int) -> str:
    value = table.get_row_at(row)[column]
    return getattr(value, "plain", str(value))


def test_retrieval_shows_whole_passages_and_opens_the_segment_in_view(demo):
    store = Store.open(demo)
    code = next(c for c in store.codes() if c.path == "Barriers/Time")
    segments = store.segments(code_ids=[code.id])
    store.close()

    async def scenario():
        app = WorkbenchApp(demo, "maria")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.push_screen(RetrievalScreen(code.id))
            await settle(app, pilot)
            table = app.screen.query_one(DataTable)
            shown = {table.get_row_at(i)[-1].plain for i in range(table.row_count)}
            by_id = {str(s.id): s for s in segments}
            # a passage of under four lines shows whole; longer ones are cut at a word with "…"
            for index in range(table.row_count):
                key = table.coordinate_to_cell_key((index, 0)).row_key.value
                whole = " ".join(by_id[key].text.split())
                text = cell_text(table, index, len(table.columns) - 1)
                assert text == whole or (text.endswith("…") and whole.startswith(text[:-1]))
            assert any(len(t) > 100 for t in shown)  # not 40 or 70 characters
            # the last segment of the list, far down its transcript: opened scrolled to it and selected
            table.move_cursor(row=table.row_count - 1)
            key = table.coordinate_to_cell_key((table.row_count - 1, 0)).row_key.value
            await pilot.press("enter")
            await settle(app, pilot)
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            segment = by_id[key]
            assert reader.selection == (segment.start, segment.end)
            view = reader.view
            first = view.line_of(segment.start)
            for _ in range(40):  # the view scrolls once laid out (after a refresh): wait for it, bounded
                if int(view.scroll_offset.y) <= first < int(view.scroll_offset.y) + view.size.height:
                    break
                await pilot.pause(0.05)
            top = int(view.scroll_offset.y)
            assert top <= first < top + view.size.height
            assert first > view.size.height  # it was not on the first screen

    asyncio.run(scenario())


def test_search_centres_and_highlights_the_hit(demo):
    async def scenario():
        app = WorkbenchApp(demo, "maria")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            assert isinstance(app.screen, SearchScreen)
            await pilot.press(*"grant", "enter")
            await settle(app, pilot)
            table = app.screen.query_one(DataTable)
            assert table.row_count > 3
            for index in range(table.row_count):
                passage = table.get_row_at(index)[2]
                hit = app.screen.hits[index]
                spans = [span for span in passage.spans if "reverse" in str(span.style)]
                assert spans and passage.plain[spans[0].start : spans[0].end].lower().startswith("grant")
                middle = spans[0].start / max(1, len(passage.plain))
                text = app.screen.texts[hit.transcript_id]
                # centred, unless the hit is near the start or the end of its turn (the passage stays in it)
                near_start = "\n" in text[max(0, hit.start - 60) : hit.start] or hit.start < 60
                near_end = "\n" in text[hit.end : hit.end + 60] or hit.end + 60 > len(text)
                assert 0.2 < middle < 0.8 or near_start or near_end
                assert "\n" not in passage.plain

    asyncio.run(scenario())


def test_wide_terminal_caps_the_reading_measure(demo):
    async def scenario():
        app = WorkbenchApp(demo, "maria")
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            longest = max(line.end - line.start for line in reader.view.lines if line.kind == "text")
            assert 70 <= longest <= MEASURE
            assert reader.query_one("#side").size.width > 60
            assert reader.view.size.width <= MEASURE + GUTTER + 2

    asyncio.run(scenario())
