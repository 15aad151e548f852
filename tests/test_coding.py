"""Coding: locating passages, adding, changing and removing segments, and the audit log."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.coding import (
    add_memo,
    add_segment,
    find_quote,
    list_segments,
    remove_segment,
    resolve_code,
    resolve_transcript,
    update_segment,
)
from workbench.errors import InputError, NotFoundError, WorkbenchError
from workbench.project import import_codebook, import_transcripts

pytestmark = pytest.mark.both_engines

TEXT = (
    "Interviewer: Why did you partner?\n\nCarol: Honestly, we didn\u2019t have the staff.\n"
    "We had no time for it, and no time for meetings either.\n"
)


@pytest.fixture
def project(store, tmp_path, codebook_path):
    path = tmp_path / "Riverbend" / "rb-01.txt"
    path.parent.mkdir()
    path.write_text(TEXT)
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    return store


def test_find_quote_ignores_whitespace_and_curly_quotes():
    start, end = find_quote(TEXT, "we didn't   have\nthe staff")
    assert TEXT[start:end] == "we didn\u2019t have the staff"


def test_find_quote_ambiguous_and_missing():
    with pytest.raises(WorkbenchError, match="occurs 2 times"):
        find_quote(TEXT, "no time for")
    start, _ = find_quote(TEXT, "no time for", occurrence=2)
    assert TEXT[start:].startswith("no time for meetings")
    with pytest.raises(NotFoundError):
        find_quote(TEXT, "not in the text at all")


def test_resolve_code_by_path_name_and_suggestion(project):
    assert resolve_code(project, "barriers / time").path == "Barriers/Time"
    assert resolve_code(project, "Trust").path == "Accountability mechanisms/Trust"
    with pytest.raises(NotFoundError) as err:
        resolve_code(project, "Barriers/Tme")
    assert "Barriers/Time" in str(err.value)


def test_resolve_transcript(project):
    assert resolve_transcript(project, "rb-01.txt").title == "rb-01"
    assert resolve_transcript(project, "rb-01").id == 1
    with pytest.raises(NotFoundError):
        resolve_transcript(project, "nothing")


def test_add_update_remove_with_audit(project):
    text = project.transcript_text(1)
    start, end = find_quote(text, "no time for it")
    code = resolve_code(project, "Barriers/Time")
    segment = add_segment(project, transcript_id=1, code_id=code.id, coder="maria", start=start, end=end)
    assert segment.text == "no time for it" and segment.coder == "maria" and segment.origin == "manual"
    with pytest.raises(WorkbenchError, match="already coded"):
        add_segment(project, transcript_id=1, code_id=code.id, coder="maria", start=start, end=end)
    updated = update_segment(project, segment.id, coder="maria", end=end + 13, memo="time, not money")
    assert updated.text == "no time for it, and no time" and updated.memo == "time, not money"
    listed = list_segments(project, code="Barriers")
    assert [s.id for s in listed] == [segment.id] and listed[0].code == "Barriers/Time"
    remove_segment(project, segment.id, coder="maria")
    assert list_segments(project) == []
    actions = [a.action for a in reversed(project.audit_entries(entity="segment"))]
    assert actions == ["segment.add", "segment.update", "segment.remove"]


def test_offsets_are_checked(project):
    code = resolve_code(project, "Barriers/Time")
    for start, end in [(-1, 4), (5, 5), (10, 10_000)]:
        with pytest.raises(InputError):
            add_segment(project, transcript_id=1, code_id=code.id, coder="maria", start=start, end=end)


def test_audit_log_is_append_only(project):
    add_memo(project, "project", None, "first thoughts", coder="maria")
    refused = (sqlite3.DatabaseError, WorkbenchError)  # on PostgreSQL: no grant, even to the lead
    with pytest.raises(refused, match="append-only|not allowed"):
        project.conn.execute("UPDATE audit SET coder = 'x'")
    with pytest.raises(refused, match="append-only|not allowed"):
        project.conn.execute("DELETE FROM audit")
