"""Ids: participant ids name transcripts; same-named files are told apart. Reconciliation: a
header without empty fields or "-0.00", notes after the decision, partial coding named."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from pilot import settle
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import resolve_transcript
from workbench.errors import WorkbenchError
from workbench.project import import_transcripts
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.dialogs import MemoDialog
from workbench.tui.screens.reconcile import ReconcileScreen
from workbench.tui.screens.transcripts import distinct_titles

TEXT = (
    "---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\n---\n"
    "Interviewer: What gets in the way?\n\n"
    "Carol: Time, mostly. Everybody is seeing patients back to back. There is no hour in the week.\n\n"
    "Interviewer: And money?\n\nCarol: Money too. The grant ended in June.\n"
)


pytestmark = pytest.mark.both_engines  # each test's project: a file, then a team database


@pytest.fixture
def project(one_transcript):
    return one_transcript(
        TEXT,
        name="rb-01-interview.txt",
        coding=(
            ("Time, mostly.", "Barriers/Time", "maria"),
            ("Everybody is seeing patients back to back.", "Barriers/Time", "maria"),
            ("Everybody is seeing", "Barriers/Funding and material resources", "james"),
            ("The grant ended in June.", "Barriers/Funding and material resources", "james"),
        ),
    )


def test_participant_id_names_the_transcript(project, tmp_path):
    store = Store.open(project)
    assert resolve_transcript(store, "RB-01").id == 1
    assert resolve_transcript(store, "rb-01").id == 1
    store.close()
    result = CliRunner().invoke(
        cli, ["segments", "--transcript", "RB-01", "--project", str(project), "--format", "csv"], obj={}
    )
    assert result.exit_code == 0 and "The grant ended in June." in result.output
    # a participant with two transcripts is ambiguous: a clear error naming both
    second = tmp_path / "rb-01-follow-up.txt"
    second.write_text(TEXT.replace("Time, mostly.", "Time, still."))
    store = Store.open(project)
    import_transcripts(store, [second])
    with pytest.raises(WorkbenchError, match="participant 'RB-01' has 2 transcripts"):
        resolve_transcript(store, "RB-01")
    store.close()


def test_same_named_files_are_told_apart():
    rows = [
        {"id": 1, "title": "GMT20240124-202901_Recording.cc", "format": "vtt"},
        {"id": 2, "title": "GMT20240124-202901_Recording.transcript", "format": "vtt"},
        {"id": 3, "title": "P1_GMT20211118", "format": "odt"},
        {"id": 4, "title": "P1_GMT20211118", "format": "text"},
        {"id": 5, "title": "Interview", "format": "text"},
        {"id": 6, "title": "Interview", "format": "text"},
        {"id": 7, "title": "Short", "format": "text"},
    ]
    rows = [SimpleNamespace(**row) for row in rows]  # as the listing's records give them
    shown = distinct_titles(rows, 16)
    assert len({v[:16] for v in shown.values()}) == len(rows)  # distinct as the column shows them
    assert shown[1].endswith("rding.cc") and shown[2].endswith("anscript") and len(shown[1]) <= 16
    assert shown[3] == "P1_GMT20211118 (odt)"[:16] or shown[3].endswith("(odt)")
    assert shown[5] == "#5 Interview (text)" and shown[6] == "#6 Interview (text)"
    assert shown[7] == "Short"


def test_reconciliation_header_note_after_decision_and_partial_coding(project):
    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, 3)
            app.push_screen(ReconcileScreen())
            await settle(app, pilot, 3)
            screen = app.screen
            head = str(screen.query_one("#progress").render())
            assert "·  ·" not in head and "-0.00" not in head
            # the unit where james coded only a few words of maria's sentence's neighbour
            index = next(i for i, d in enumerate(screen.items) if d.text.startswith("Everybody"))
            screen.index = index
            screen.render_current()
            await pilot.pause()
            columns = [str(screen.query_one(f"#coder{n}").render()) for n in range(2)]
            james = columns[list(screen.items[index].codes).index("james")]
            assert "coded on part of it only" in james and "Funding and material resources" in james
            # decide, then write the note
            await pilot.press("1")
            await settle(app, pilot, 3)
            await pilot.press("m")
            await pilot.pause()
            assert isinstance(app.screen, MemoDialog)
            await pilot.press(*"only a few words", "ctrl+s")
            await settle(app, pilot, 3)
            decided = screen.items[index]
            assert decided.decision.note == "only a few words"
            head = str(screen.query_one("#progress").render())
            assert "-0.00" not in head and "·  ·" not in head

    asyncio.run(scenario())
    store = Store.open(project)
    try:
        decision = store.decisions()[0]
        assert decision.note == "only a few words"
        notes = [e for e in store.audit_entries(entity="decision") if e.action == "reconcile.note"]
        assert len(notes) == 1
    finally:
        store.close()
