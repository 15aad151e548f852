"""The pseudonymisation review screen driven through Pilot: decisions land in the key file."""

from __future__ import annotations

import asyncio

from workbench import pseudonymise as ps
from workbench.project import import_transcripts
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.pseudonymise import PseudonymiseScreen, default_key_path

TEXT = ("---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\ninterviewer: Tom Albright\n---\n"
        "Tom Albright: What gets in the way?\n\n"
        "Carol Vance: Time, mostly. Dr. Quennell at Bayline says so too. Write to carol@riverbend.example.\n")


def test_review_accept_reject_rename_add(tmp_path):
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    source = tmp_path / "rb-01.txt"
    source.write_text(TEXT)
    import_transcripts(store, [source])
    store.close()

    async def scenario():
        app = WorkbenchApp(path, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.push_screen(PseudonymiseScreen())
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, PseudonymiseScreen)
            terms = [e.term for e in screen.rows]
            assert "Carol Vance" in terms and "carol@riverbend.example" in terms and "Bayline" in terms
            first = screen.current()
            await pilot.press("a")
            await pilot.pause()
            second = screen.current()
            await pilot.press("x")
            await pilot.pause()
            third = screen.current()
            await pilot.press("e")
            await pilot.pause()
            await pilot.press(*"[Clinic 2]", "enter")
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*"Quennell = [Physician B]", "enter")
            await pilot.pause()
            return first, second, third

    first, second, third = asyncio.run(scenario())
    key = ps.load_key(default_key_path(path))
    status = {e.term: (e.status, e.pseudonym) for e in key.entries}
    assert status[first.term][0] == "accept"
    assert status[second.term][0] == "reject"
    assert status[third.term] == ("accept", "[Clinic 2]")
    assert status["Quennell"] == ("accept", "[Physician B]")
