"""Team coding: reconciliation into a consensus, codebook changes, merging projects, spreadsheets."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from workbench import reconcile
from workbench.cli import cli
from workbench.copying import copy_project
from workbench.codebook_edits import CodeMerge, history, merge_codes, move_code, rename_code, reword_code, split_code
from workbench.coding import add_segment, resolve_code
from workbench.codings import import_codings
from workbench.errors import WorkbenchError
from workbench.merge import merge_project
from workbench.project import import_codebook, import_transcripts
from workbench.store import Store

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

TEXT = "Interviewer: Why partner?\n\nCarol: We had no time. Nobody had time. The grant ended. We trusted them anyway.\n"


@pytest.fixture
def project(store, tmp_path, codebook_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT)
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    return store


def code(store, path, coder, quote, transcript=1):
    text = store.transcript_text(transcript)
    start = text.index(quote)
    return add_segment(
        store,
        transcript_id=transcript,
        code_id=resolve_code(store, path).id,
        coder=coder,
        start=start,
        end=start + len(quote),
    )


def test_reconcile_accept_agreed_and_decide(project):
    code(project, "Barriers/Time", "maria", "We had no time. Nobody had time.")
    code(project, "Barriers/Time", "james", "We had no time.")
    code(project, "Barriers/Funding and material resources", "james", "The grant ended.")
    code(project, "Accountability mechanisms/Trust", "maria", "We trusted them anyway.")
    found = reconcile.find_disagreements(project, ["maria", "james"])
    assert [d.text for d in found] == ["Nobody had time.", "The grant ended.", "We trusted them anyway."]
    assert found[1].codes == {"maria": [], "james": ["Barriers/Funding and material resources"]}
    assert reconcile.accept_agreed(project, ["maria", "james"]) == 1
    consensus = project.segments(coder="consensus")
    assert [(s.text, s.origin) for s in consensus] == [("We had no time.", "consensus")]
    reconcile.decide(project, found[0], "maria", note="the second sentence repeats the point", coder="hannah")
    reconcile.decide(project, found[1], "james", coder="hannah")
    reconcile.decide(project, found[2], "neither", coder="hannah")
    texts = sorted(s.text for s in project.segments(coder="consensus"))
    assert texts == ["Nobody had time.", "The grant ended.", "We had no time."]
    decision = project.decisions()[0]
    assert decision.note == "the second sentence repeats the point" and decision.coder == "hannah"
    audit = next(a for a in project.audit_entries(limit=50) if a.id == decision.audit_id)
    assert audit.action == "reconcile.decide"
    memo = next(s for s in project.segments(coder="consensus") if s.text == "Nobody had time.").memo
    assert memo.startswith(f"decision {decision.id}")
    again = reconcile.find_disagreements(project, ["maria", "james"])
    assert all(d.settled for d in again)
    # The matrix can be drawn from the consensus.
    from workbench.analysis.frame import Selection
    from workbench.analysis.matrix import MatrixSpec, build_matrix

    matrix = build_matrix(project, MatrixSpec(selection=Selection(origin="consensus")))
    assert int(matrix.table.values.sum()) == 3


def test_codebook_changes_follow_segments_and_are_recorded(project):
    code(project, "Barriers/Time", "maria", "We had no time.")
    code(project, "Barriers/Funding and material resources", "maria", "The grant ended.")
    code(project, "Barriers/Funding and material resources", "james", "We had no time.")
    code(project, "Barriers/Time", "james", "We had no time.")
    rename_code(project, "Barriers/Time", "Time pressure", coder="maria")
    assert [s.code_id for s in project.segments(coder="maria")][0] == resolve_code(project, "Barriers/Time pressure").id
    reword_code(project, "Barriers/Time pressure", definition="No hours in the week.", coder="maria")
    result = merge_codes(project, "Barriers/Funding and material resources", "Barriers/Time pressure", coder="maria")
    assert result == CodeMerge(target="Barriers/Time pressure", moved=1, dropped=1)
    assert len(project.segments()) == 3
    with pytest.raises(WorkbenchError):
        resolve_code(project, "Barriers/Funding and material resources")
    moved = move_code(project, "Barriers/Time pressure", "Shared learning journey", coder="maria")
    assert moved.path == "Shared learning journey/Time pressure"
    made = split_code(project, "Shared learning journey/Time pressure", ["Clinic hours", "Meetings"], coder="maria")
    assert [m.path for m in made] == [
        "Shared learning journey/Time pressure/Clinic hours",
        "Shared learning journey/Time pressure/Meetings",
    ]
    actions = [h.action for h in history(project)]
    assert actions[:5] == ["code.split", "code.add", "code.add", "code.move", "code.merge"]
    with pytest.raises(WorkbenchError, match="already"):
        rename_code(project, "Barriers/Lack of buy-in", "Hierarchy and professional norms")


def test_merge_is_idempotent_and_reports_conflicts(project, tmp_path, codebook_path, engine):
    code(project, "Barriers/Time", "maria", "We had no time.")
    other_path = tmp_path / "james.db"
    if engine == "sqlite":
        project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as closing the project does
        shutil.copy(project.path, other_path)  # a coder takes a copy of the project home
    else:
        copy_project(str(project.path), str(other_path))  # a copy of the team database, as a file
    other = Store.open(other_path)
    code(other, "Barriers/Time", "james", "Nobody had time.")
    rename_code(other, "Barriers/Lack of buy-in", "Skepticism")
    new = tmp_path / "b.txt"
    new.write_text("Interviewer: And then?\n\nDev: We met weekly.\n")
    import_transcripts(other, [new])
    code(other, "Shared learning journey/Frequent interactions", "james", "We met weekly.", transcript=2)
    other.close()
    first = merge_project(project, other_path)
    assert first.transcripts_added == 1 and first.segments_added == 2 and first.segments_already == 1
    assert any("Skepticism" in c for c in first.conflicts)
    second = merge_project(project, other_path)
    assert second.segments_added == 0 and second.transcripts_added == 0 and second.codes_added == 0
    assert sorted({s.coder for s in project.segments()}) == ["james", "maria"]


def test_import_codings_wide_layout(project, tmp_path):
    sheet = tmp_path / "wide.csv"
    sheet.write_text(
        "transcript,text,coder,Time,Trust,Barriers/Funding and material resources\n"
        "a,We had no time.,lee,1,,\n"
        "a,We trusted them anyway.,lee,,x,\n"
        "a,The grant ended.,lee,yes,,TRUE\n"
    )
    report = import_codings(project, sheet)
    assert report.added == 4
    rows = sorted((s.text, s.coder) for s in project.segments())
    assert rows[0] == ("The grant ended.", "lee")


def test_cli_reconcile_merge_and_codebook(project, tmp_path, engine):
    code(project, "Barriers/Time", "maria", "We had no time.")
    code(project, "Barriers/Time", "james", "We had no time. Nobody had time.")
    run = lambda *a: CliRunner().invoke(cli, ["--project", str(project.path), *a], obj={})
    listing = run("reconcile")
    assert "1 disagreements between" in listing.output and "Nobody had time." in listing.output
    result = run("reconcile", "--accept-agreed", "--decide", "1", "--take", "james", "--note", "fuller")
    assert result.exit_code == 0, result.output
    assert "1 consensus segments added" in result.output and "settled" in result.output
    assert run("codebook", "rename", "Barriers/Time", "Hours").exit_code == 0
    assert "code.rename" in run("codebook", "history").output
    if engine == "sqlite":
        assert run("merge", str(project.path)).exit_code == 1  # not into itself
