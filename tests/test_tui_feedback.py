"""Every action says what it did, in words; keys print as people type them."""

from __future__ import annotations

import asyncio
import re

import pytest
from pilot import settle

from workbench.tui.app import WorkbenchApp
from workbench.tui.keys import keys_label
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.reader import ReaderScreen


pytestmark = pytest.mark.both_engines  # each test's project: a file, then a team database


@pytest.fixture
def project(one_transcript):
    return one_transcript()


def status(reader) -> str:
    return str(reader.query_one("#status").render())


def test_key_labels():
    assert keys_label("n,right_square_bracket") == "n, ]"
    assert keys_label("question_mark") == "?"
    assert keys_label("u,ctrl+z") == "u, Ctrl+Z"
    assert keys_label("escape") == "Escape"


def test_actions_confirm_in_words(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            await pilot.press("j")
            line = status(reader)
            assert "turn 2/4" in line and "1 sentence, 2 words" in line
            assert not re.search(r"\d+-\d+", line)  # no raw offsets
            await pilot.press("c")
            await pilot.pause()
            await pilot.press(*"barriers time", "enter")
            await pilot.pause()
            assert "coded “Time, mostly.” as Barriers/Time" in status(reader)
            await pilot.press("u")
            await pilot.pause()
            assert "Undid: coded “Time, mostly.” as Barriers/Time." in status(reader)
            await pilot.press("U")
            await pilot.pause()
            assert "Redid: coded “Time, mostly.” as Barriers/Time." in status(reader)
            await pilot.press("e")
            await pilot.pause()
            await pilot.press(*"funding and material", "enter")
            await pilot.pause()
            assert "Changed Barriers/Time to Barriers/Funding and material resources." in status(reader)
            await pilot.press("s", "J", "b")
            await pilot.pause()
            line = status(reader)
            assert "Moved the boundaries of Barriers/Funding and material resources" in line and "(9 words)" in line
            await pilot.press("u")
            await pilot.pause()
            assert status(reader).startswith("maria") and "Undid: moved the boundaries" in status(reader)
            await pilot.press("x")
            await pilot.pause()
            assert "Removed Barriers/Funding and material resources from “Time, mostly.”" in status(reader)

            await pilot.press("slash", *"zebra", "enter")
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert any("No hits for “zebra”" in m for m in messages)
            assert not any("press / to search" in m for m in messages)

            await pilot.press("escape", "question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = str(app.screen.query_one("Static").render())
            assert "square_bracket" not in text and "question_mark" not in text and "]" in text and "?" in text

    asyncio.run(scenario())
