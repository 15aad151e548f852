"""The pseudonymisation review screen driven through Pilot: decisions land in the key file."""

from __future__ import annotations

import asyncio

from workbench import pseudonymise as ps
from workbench.project import import_transcripts
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.pseudonymise import PseudonymiseScreen, default_key_path
from pilot import work_done

TEXT = (
    "---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\ninterviewer: Tom Albright\n---\n"
    "Tom Albright: What gets in the way?\n\n"
    "Carol Vance: Time, mostly. Dr. Quennell at Bayline says so too. Write to carol@riverbend.example.\n"
)


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
            await work_done(app)
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


def test_reader_corrects_text_and_speaker_and_undoes(tmp_path):
    from workbench import coding
    from workbench.tui.screens.reader import ReaderScreen
    from workbench.tui.screens.transcripts import TranscriptsScreen

    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    source = tmp_path / "rb-01.txt"
    source.write_text("Interviewer: What gets in the way?\n\nCarol: Time, mostly. There is no hour in the week.\n")
    (result,) = import_transcripts(store, [source])
    tid = result.transcript_id
    code = coding.create_code(store, "Time", coder="maria")
    text = store.transcript_text(tid)
    start = text.index("There is no hour")
    coding.add_segment(
        store,
        transcript_id=tid,
        code_id=code.id,
        coder="maria",
        start=start,
        end=start + len("There is no hour in the week."),
    )
    store.close()

    async def scenario():
        app = WorkbenchApp(path, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            assert isinstance(app.screen, TranscriptsScreen)
            await pilot.press("enter")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            reader = app.screen
            assert isinstance(reader, ReaderScreen)
            assert reader.doc.text[slice(*reader.selection)] == "What gets in the way?"
            await pilot.press("E")
            await pilot.pause()
            await pilot.press(*"What stands in the way?", "enter")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            corrected = app.store.transcript_text(tid)
            told = reader.told
            await pilot.press("N")
            await pilot.pause()
            await pilot.press(*"Moderator", "enter")
            await pilot.pause()
            await work_done(app)
            speaker = app.store.turns(tid)[0].speaker
            await pilot.press("u")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            return corrected, told, speaker, app.store.transcript_text(tid)

    corrected, told, speaker, after_undo = asyncio.run(scenario())
    assert "What stands in the way?" in corrected
    assert "Corrected" in told
    assert speaker == "Moderator"
    assert after_undo == "Interviewer: What gets in the way?\n\nCarol: Time, mostly. There is no hour in the week."
    store = Store.open(path)
    try:
        (seg,) = store.segments(transcript_id=tid)
        assert seg.text == "There is no hour in the week."
    finally:
        store.close()


def test_speakers_screen_maps_and_marks(tmp_path):
    """Speakers as cases in the app: map a focus-group speaker to a participant, mark the moderator."""
    from workbench.tui.screens.speakers import SpeakersScreen

    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    source = tmp_path / "group.txt"
    source.write_text("Host: Welcome, everyone.\n\nAnn: Time is short.\n\nBo: Money too.\n")
    import_transcripts(store, [source])
    store.close()

    async def scenario():
        app = WorkbenchApp(path, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            await pilot.press("C")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SpeakersScreen)
            speakers = [c.speaker for c in screen.rows]
            screen.query_one("DataTable").move_cursor(row=speakers.index("Host"))
            await pilot.press("i")
            await pilot.pause()
            screen.query_one("DataTable").move_cursor(row=[c.speaker for c in screen.rows].index("Bo"))
            await pilot.press("p")
            await pilot.pause()
            await pilot.press(*"B-01", "enter")
            await pilot.pause()
            return {c.speaker: (c.role, c.participant) for c in screen.rows}

    cases = asyncio.run(scenario())
    assert cases["Host"] == ("interviewer", None)
    assert cases["Bo"] == ("participant", "B-01")
    store = Store.open(path)
    try:
        assert any(e.action == "map speaker" for e in store.audit_entries(entity="transcript"))
    finally:
        store.close()
