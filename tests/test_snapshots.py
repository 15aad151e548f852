"""Snapshots of the main screens at fixed sizes (pinned to the Textual version in constraints.txt).

Update after an intended change of the screens with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from pilot import settle

from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.coding import add_segment, find_quote, resolve_code

TEXT = (
    "---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\n---\n"
    "[00:00:05] Interviewer: What gets in the way of the partnership?\n\n"
    "[00:00:09] Carol: Time, mostly. Everybody is seeing patients back to back, and there is no hour in "
    "the week for a meeting. And money, honestly: the grant for the van ended in June.\n\n"
    "[00:00:31] Interviewer: How do you keep each other on track?\n\n"
    "[00:00:35] Carol: We don't have a contract for most of it. I text Jolene at Northside and she texts me "
    "back. That's the accountability, really. Trust.\n"
)


@pytest.fixture
def app(one_transcript):
    coding = (
        ("Time, mostly. Everybody is seeing patients back to back", "Barriers/Time"),
        ("the grant for the van ended in June", "Barriers/Funding and material resources"),
        ("I text Jolene at Northside and she texts me back", "Accountability mechanisms/Staff-to-staff contact"),
        ("That's the accountability, really. Trust.", "Accountability mechanisms/Trust"),
    )
    return WorkbenchApp(one_transcript(TEXT, coding=tuple((q, c, "maria") for q, c in coding)), "maria")


async def _settle(pilot):
    await settle(pilot.app, pilot)


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


# Every screen at the smallest supported terminal and at a wide one. Look at each snapshot before
# accepting a change (pytest tests/test_snapshots.py --snapshot-update, then the report).
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]


@pytest.fixture
def team_app(app):
    """The same project with a second coder, for agreement and reconciliation."""
    store = Store.open(app.project)
    text = store.transcript_text(1)
    for quote, code in (
        ("Everybody is seeing patients back to back, and there is no hour in the week for a meeting", "Barriers/Time"),
        ("I text Jolene at Northside", "Accountability mechanisms/Trust"),
    ):
        start, end = find_quote(text, quote)
        add_segment(store, transcript_id=1, code_id=resolve_code(store, code).id, coder="james", start=start, end=end)
    store.close()
    return app


def _keys(*keys, wait: bool = True):
    async def run(pilot):
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)
        await pilot.pause(0.2)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_transcripts(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys())


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_reader(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys("enter", "n", "j", "J"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_reader_letters(snap_compare, team_app, size):
    assert snap_compare(team_app, terminal_size=size, run_before=_keys("enter", "l", "n", "j"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_picker(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys("enter", "j", "c", *"trust"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_codebook(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys("b", "down", "down"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_retrieval(snap_compare, app, size):
    from workbench.tui.screens.retrieval import RetrievalScreen

    async def retrieve(pilot):
        await _settle(pilot)
        store = pilot.app.store
        code_id = next(c.id for c in store.codes() if c.path == "Barriers")
        pilot.app.push_screen(RetrievalScreen(code_id))
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=retrieve)


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_matrix(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys("m"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_agreement(snap_compare, team_app, size):
    assert snap_compare(team_app, terminal_size=size, run_before=_keys("a"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_reconcile(snap_compare, team_app, size):
    assert snap_compare(team_app, terminal_size=size, run_before=_keys("R"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_search(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys("s", *"grant", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_help(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_keys("enter", "question_mark"))
