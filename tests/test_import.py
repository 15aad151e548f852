"""Importing transcripts into a project: batches, metadata, re-imports and failures."""

from __future__ import annotations


import pytest

from workbench.errors import InputError
from workbench.project import import_transcripts, list_transcripts, load_metadata

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


def test_batch_keeps_going_past_a_bad_file(store, tmp_path):
    folder = tmp_path / "Riverbend"
    folder.mkdir()
    (folder / "good.txt").write_text("Interviewer: Hello\n\nCarol: Hi there.\n")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "bad.vtt").write_text("not a caption file\n")
    (folder / "also-good.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nDoctor: Hello\n")
    results = {r.path.name: r for r in import_transcripts(store, [folder])}
    assert results["good.txt"].status == "imported"
    assert results["also-good.srt"].status == "imported"
    for name in ("empty.txt", "binary.txt", "bad.vtt"):
        assert results[name].status == "failed" and name in results[name].message
    assert "line 1" in results["bad.vtt"].message
    rows = list_transcripts(store)
    assert sorted(r.source_name for r in rows) == ["also-good.srt", "good.txt"]
    assert {r.site for r in rows} == {"Riverbend"}
    assert store.conn.execute("SELECT count(*) FROM turns").fetchone()[0] == 3


def test_reimport_unchanged_and_changed(store, tmp_path):
    path = tmp_path / "site" / "a.txt"
    path.parent.mkdir()
    path.write_text("Interviewer: Hello\n\nCarol: Hi.\n")
    assert import_transcripts(store, [path])[0].status == "imported"
    again = import_transcripts(store, [path])[0]
    assert again.status == "unchanged" and "nothing changed" in again.message
    path.write_text("Interviewer: Hello\n\nCarol: Hi, edited.\n")
    changed = import_transcripts(store, [path])[0]
    assert changed.status == "changed" and "has changed" in changed.message
    assert len(list_transcripts(store)) == 1
    assert "Hi." in store.transcript_text(changed.transcript_id)


def test_front_matter_and_metadata_csv(store, tmp_path):
    folder = tmp_path / "maple-street"
    folder.mkdir()
    (folder / "ms-02.txt").write_text(
        "---\ntitle: NP interview\nsite: Maple Street Pediatrics\nparticipant: MS-02\n"
        "role: clinician\ndate: 2025-04-02\nyears_in_role: 6\n---\n[Interviewer] Hi\n[Erin] Hello\n"
    )
    (folder / "ms-03.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nRosa Delgado: Hola\n")
    meta = tmp_path / "meta.csv"
    meta.write_text(
        "file,site,participant,role,site:sector,language\n"
        "ms-03.srt,Maple Street Pediatrics,MS-03,care manager,primary care,Spanish\n"
    )
    import_transcripts(store, [folder], metadata=meta)
    rows = {r.source_name: r for r in list_transcripts(store)}
    assert rows["ms-02.txt"].title == "NP interview" and rows["ms-02.txt"].participant == "MS-02"
    assert rows["ms-02.txt"].date == "2025-04-02" and rows["ms-02.txt"].role == "clinician"
    assert rows["ms-03.srt"].site == "Maple Street Pediatrics" and rows["ms-03.srt"].role == "care manager"
    site = next(s for s in store.sites() if s.name == "Maple Street Pediatrics")
    assert site.attributes == {"sector": "primary care"}
    people = {p.label: p for p in store.participants()}
    assert people["MS-03"].attributes == {"language": "Spanish"}
    assert people["MS-02"].attributes == {"years_in_role": 6}


def test_metadata_csv_errors(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("name,site\nx.txt,A\n")
    with pytest.raises(InputError) as err:
        load_metadata(bad)
    assert "m.csv, line 1" in str(err.value) and "file" in str(err.value)
    bad.write_text("file,site\nx.txt,A\nx.txt,B\n")
    with pytest.raises(InputError) as err:
        load_metadata(bad)
    assert "line 3" in str(err.value)


def test_failed_file_leaves_nothing(store, tmp_path, monkeypatch):
    """A failure while writing rolls the whole file back: no transcript, no turns, no site."""
    path = tmp_path / "NewSite" / "a.txt"
    path.parent.mkdir()
    path.write_text("Interviewer: Hello\n\nCarol: Hi.\n")

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "insert_transcript", explode)
    result = import_transcripts(store, [path])[0]
    assert result.status == "failed" and "disk on fire" in result.message
    assert store.sites() == [] and store.transcripts() == []
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_import_of_all_real_transcripts(store, real):
    results = import_transcripts(store, [real / "transcripts"])
    failed = [r for r in results if r.status == "failed"]
    assert not failed
    skipped = sorted(r.path.suffix for r in results if r.status == "skipped")
    assert skipped == [".TextGrid", ".TextGrid", ".json"]  # the consultation's Praat tiers and its note
    note = next(r for r in results if r.path.suffix == ".json")
    assert "not a Whisper transcript" in note.message
    results = [r for r in results if r.status == "imported"]
    assert len(results) == 38
    assert sum(r.turns for r in results if r.site == "annomi_counselling") == 428  # the 428 coded utterances
    assert {r.site for r in results} == {"annomi_counselling", "primock57", "serdif_usability", "zoom_workshop"}
    total_turns = store.conn.execute("SELECT count(*) FROM turns").fetchone()[0]
    assert total_turns == sum(r.turns for r in results) > 1500
    # Every turn lies inside its text.
    for row in store.conn.execute(
        'SELECT t.id, length(t.text), max(u."end") FROM transcripts t JOIN turns u ON u.transcript_id = t.id GROUP BY t.id'
    ):
        assert row[2] <= row[1]


def test_a_number_as_the_participant_is_its_label(store, tmp_path):
    path = tmp_path / "p42.txt"
    path.write_text("---\nparticipant: 42\n---\nInterviewer: Hello.\n\nAna: Hi there.\n")
    [result] = import_transcripts(store, [path])
    assert result.status == "imported", result.message
    assert [p.label for p in store.participants()] == ["42"]
    assert [t.participant for t in list_transcripts(store)] == ["42"]
