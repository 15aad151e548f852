"""Steps shared by the tests that drive the app through Textual's Pilot (the project they start
on comes from the ``one_transcript`` fixture in conftest.py)."""

from __future__ import annotations

from typing import Any


# On a team database the app follows the server for as long as it runs (workbench.tui.app
# watch_server, retry_server): those workers never complete, so waiting for "every worker" would wait
# for ever. The groups are the app's own names.
FOLLOWING_THE_SERVER = {"server-watch", "server-retry"}


async def work_done(app: Any) -> None:
    """Wait for the app's workers to finish, but those that follow the team server."""
    busy = [worker for worker in app.workers if worker.group not in FOLLOWING_THE_SERVER]
    if busy:  # an empty list would mean "every worker" to Textual
        await app.workers.wait_for_complete(busy)


async def settle(app: Any, pilot: Any, rounds: int = 1) -> None:
    """Let the app draw and its workers finish (``rounds`` times: a worker's result may start another)."""
    for _ in range(rounds):
        await pilot.pause()
        await work_done(app)
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
