"""Snapshots of the main screens at fixed sizes (pinned to the Textual version in constraints.txt).

Update after an intended change of the screens with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from workbench.project import import_codebook, import_transcripts
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.coding import add_segment, find_quote, resolve_code

TEXT = ("---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\n---\n"
        "[00:00:05] Interviewer: What gets in the way of the partnership?\n\n"
        "[00:00:09] Carol: Time, mostly. Everybody is seeing patients back to back, and there is no hour in "
        "the week for a meeting. And money, honestly: the grant for the van ended in June.\n\n"
        "[00:00:31] Interviewer: How do you keep each other on track?\n\n"
        "[00:00:35] Carol: We don't have a contract for most of it. I text Jolene at Northside and she texts me "
        "back. That's the accountability, really. Trust.\n")


@pytest.fixture
def app(tmp_path, codebook_path):
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    source = tmp_path / "rb-01.txt"
    source.write_text(TEXT)
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    text = store.transcript_text(1)
    for quote, code in (("Time, mostly. Everybody is seeing patients back to back", "Barriers/Time"),
                        ("the grant for the van ended in June", "Barriers/Funding and material resources"),
                        ("I text Jolene at Northside and she texts me back", "Accountability mechanisms/Staff-to-staff contact"),
                        ("That's the accountability, really. Trust.", "Accountability mechanisms/Trust")):
        start, end = find_quote(text, quote)
        add_segment(store, transcript_id=1, code_id=resolve_code(store, code)["id"], coder="maria", start=start, end=end)
    store.close()
    return WorkbenchApp(path, "maria")


async def _settle(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_transcripts_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)


def test_reader_screen(snap_compare, app):
    async def open_and_select(pilot):
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        await pilot.press("n", "j", "J")
    assert snap_compare(app, terminal_size=(100, 30), run_before=open_and_select)


def test_code_picker(snap_compare, app):
    async def pick(pilot):
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        await pilot.press("j", "c")
        await pilot.pause()
        await pilot.press(*"trust")
        await pilot.pause()
    assert snap_compare(app, terminal_size=(100, 30), run_before=pick)


def test_codebook_screen(snap_compare, app):
    async def codebook(pilot):
        await _settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()
    assert snap_compare(app, terminal_size=(100, 30), run_before=codebook)
