"""Steps shared by the tests that drive the app through Textual's Pilot (the project they start
on comes from the ``one_transcript`` fixture in conftest.py)."""

from __future__ import annotations

from typing import Any


async def settle(app: Any, pilot: Any, rounds: int = 1) -> None:
    """Let the app draw and its workers finish (``rounds`` times: a worker's result may start another)."""
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def open_reader(app: Any, pilot: Any) -> Any:
    """From the transcript list the app starts on into the first transcript's coding screen, read
    and drawn; returns the screen."""
    from workbench.tui.screens.reader import ReaderScreen
    from workbench.tui.screens.transcripts import TranscriptsScreen

    await settle(app, pilot, 2)
    assert isinstance(app.screen, TranscriptsScreen)
    await pilot.press("enter")
    await settle(app, pilot, 2)
    assert isinstance(app.screen, ReaderScreen)
    return app.screen
