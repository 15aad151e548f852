"""Which stripe is which: a legend of the codes in view, letters instead of colours (and with
NO_COLOR), a hint where other coders coded, and quick codes that can be pinned."""

from __future__ import annotations

import asyncio

import pytest
from pilot import open_reader

from workbench.tui.app import WorkbenchApp


pytestmark = pytest.mark.both_engines  # each test's project: a file, then a team database


@pytest.fixture
def project(one_transcript):
    return one_transcript(
        coding=(
            ("Time, mostly.", "Barriers/Time", "maria"),
            ("Time, mostly.", "Accountability mechanisms/Trust", "maria"),
            ("The grant ended in June.", "Barriers/Funding and material resources", "james"),
        )
    )


def gutter(reader, offset: int) -> str:
    view = reader.view
    strip = view.draw_line(view.lines[view.line_of(offset)])
    return strip.text[:5]


def side(reader) -> str:
    return str(reader.query_one("#side").render())


def test_legend_letters_and_other_coders(project, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(110, 30)) as pilot:
            reader = await open_reader(app, pilot)
            text = reader.doc.text
            time_at, grant_at = text.index("Time, mostly"), text.index("The grant")
            panel = side(reader)
            assert "In view" in panel and "▌ Time" in panel and "▌ Trust" in panel
            assert gutter(reader, time_at).startswith("▌▌")
            await pilot.press("l")
            await pilot.pause()
            letters = reader.view.letter_of
            marks = gutter(reader, time_at)
            assert marks[:2] == "".join(
                sorted(
                    [letters["Barriers/Time"], letters["Accountability mechanisms/Trust"]], key=lambda l: marks.index(l)
                )
            )
            panel = side(reader)
            assert (
                f"{letters['Barriers/Time']} Time" in panel
                and f"{letters['Accountability mechanisms/Trust']} Trust" in panel
            )
            # james coded the grant sentence: a mark in the gutter and a word in the panel, without pressing a
            assert gutter(reader, grant_at)[4] == "◦" and gutter(reader, time_at)[4] == " "
            await pilot.press("n", "n", "n", "j")
            await pilot.pause()
            assert "also coded here by james" in side(reader)

    asyncio.run(scenario())


def test_no_color_starts_in_letters(project, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(110, 30)) as pilot:
            reader = await open_reader(app, pilot)
            assert reader.view.letters
            assert gutter(reader, reader.doc.text.index("Time, mostly"))[0].isalpha()

    asyncio.run(scenario())


def test_pinned_quick_codes_stay_put(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(110, 30)) as pilot:
            reader = await open_reader(app, pilot)
            await pilot.press("j")  # "Time, mostly." holds maria's Time and Trust
            await pilot.press("equals_sign")
            await pilot.pause()
            chooser = app.screen
            assert chooser is not reader  # two codes here: which one?
            await pilot.press("down", "enter")
            await pilot.pause()
            pinned = reader.pinned[0]
            assert reader.frequent[0].id == pinned
            assert "(pinned)" in side(reader) and "Pinned" in str(reader.query_one("#status").render())
            # use the other code a lot: the pinned one keeps key 1
            other = next(c for c in reader.frequent if c.id != pinned)
            for _ in range(3):
                reader.count_use(other.id, 5)
            assert reader.frequent[0].id == pinned
        # kept for the coder in the project
        app2 = WorkbenchApp(project, "maria")
        async with app2.run_test(size=(110, 30)) as pilot:
            reader = await open_reader(app2, pilot)
            assert reader.pinned == [pinned] and reader.frequent[0].id == pinned
            await pilot.press("j", "equals_sign")
            await pilot.pause()
            await pilot.press("down", "enter")
            await pilot.pause()
            assert reader.pinned == []

    asyncio.run(scenario())
