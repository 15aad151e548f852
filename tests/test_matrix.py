"""Matrices and exports, on the sample study and on real coding (the SERDIF Taguette project)."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from workbench.analysis.frame import Selection
from workbench.analysis.frequencies import cooccurrence, frequencies
from workbench.analysis.matrix import MatrixSpec, build_matrix
from workbench.cli import cli
from workbench.codings import import_codings
from workbench.errors import InputError
from workbench.project import import_transcripts
from workbench.sample import build_demo
from workbench.store import Store

from conftest import SHARED_FIXTURES

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


@pytest.fixture(scope="module")
def serdif(tmp_path_factory):
    """The real SERDIF coding: 17 usability transcripts and 1,930 highlight x tag segments."""
    coded = SHARED_FIXTURES / "real/coded/serdif_taguette"
    if not coded.is_dir():
        pytest.skip("../shared/fixtures is absent (real-data fixtures are not part of the clone)")
    tmp = tmp_path_factory.mktemp("serdif")
    with (coded / "gold_segments_derived.csv").open(encoding="utf-8") as fh:
        pairs = {(row["document"], row["participant"]) for row in csv.DictReader(fh)}
    meta = tmp / "meta.csv"
    meta.write_text("file,participant\n" + "".join(f"{d},{p}\n" for d, p in sorted(pairs)))
    store = Store.open(tmp / "serdif.db", create=True)
    files = sorted((SHARED_FIXTURES / "real/transcripts/serdif_usability").glob("P*.txt"))
    results = import_transcripts(store, files, metadata=meta)
    assert all(r.status == "imported" for r in results)
    report = import_codings(store, coded / "gold_segments_derived.csv", coder="serdif", create_codes=True)
    yield store, report, coded
    store.close()


def test_serdif_segments_land_on_their_text(serdif):
    store, report, _ = serdif
    assert report.added == 1930 and report.already == 0 and len(report.created_codes) == 22


def test_serdif_tag_by_participant_matrix_is_exact(serdif):
    store, _, coded = serdif
    matrix = build_matrix(store, MatrixSpec(rows="participant", columns="code", transpose=True))
    with (coded / "expected_theme_x_participant_derived.csv").open(encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    participants = [c for c in expected[0] if c not in ("tag", "total")]
    assert list(matrix.table.columns) == participants  # P1 ... P17 in natural order
    assert sorted(matrix.table.index) == sorted(row["tag"] for row in expected)
    for row in expected:
        got = matrix.table.loc[row["tag"]]
        assert [int(got[p]) for p in participants] == [int(row[p]) for p in participants], row["tag"]
        assert int(got.sum()) == int(row["total"])


def test_serdif_frequencies_match_the_codebook_totals(serdif):
    store, _, coded = serdif
    table = frequencies(store)
    with (coded / "codebook_20220303_8.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert int(table.at[row["tag"], "segments"]) == int(row["number of highlights"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("demo") / "demo.db", create=True)
    build_demo(store)
    yield store
    store.close()


def test_every_value_on_the_sample_study(demo):
    counts = build_matrix(demo, MatrixSpec()).table
    assert list(counts.columns) == [
        "Motivations to partner",
        "Accountability mechanisms",
        "Barriers",
        "Shared learning journey",
    ]
    assert len(counts.index) == 6 and int(counts.values.sum()) == len(demo.segments())
    transcripts = build_matrix(demo, MatrixSpec(value="transcripts")).table
    assert (transcripts <= 3).all().all() and (transcripts <= counts).all().all()
    share = build_matrix(demo, MatrixSpec(value="share", rows="role")).table
    assert ((share >= 0) & (share <= 1)).all().all()
    excerpts = build_matrix(demo, MatrixSpec(value="excerpts", selection=Selection(coders=["maria"]))).table
    cell = excerpts.at["Riverbend Family Medicine", "Shared learning journey"]
    assert cell.startswith("“") and "(RB-0" in cell and "more)" in cell


def test_empty_rows_and_columns_are_kept(demo):
    matrix = build_matrix(demo, MatrixSpec(rows="site", columns="code", selection=Selection(coders=["james"])))
    assert "Harborview Internal Medicine" in matrix.table.index
    assert len(matrix.table.columns) == len(demo.codes())  # themes and every sub-code, used or not
    assert (matrix.table == 0).any().any()
    one = build_matrix(demo, MatrixSpec(selection=Selection(codes=["Barriers/Competitive or conflictual history"])))
    assert list(one.table.columns) == ["Barriers"] and len(one.table.index) == 6
    assert (one.table["Barriers"] == 0).any()  # sites that never raise it stay in the table


def test_filters_attributes_and_transpose(demo):
    by_setting = build_matrix(demo, MatrixSpec(rows="site:setting"))
    assert set(by_setting.table.index) == {"rural", "urban", "suburban", "statewide", "regional"}
    barriers = build_matrix(
        demo, MatrixSpec(columns="level2", transpose=True, selection=Selection(codes=["Barriers"], roles=["clinician"]))
    )
    assert all(name.startswith("Barriers") for name in barriers.table.index)
    assert set(barriers.frame["role"]) == {"clinician"}


def test_cooccurrence_is_symmetric(demo):
    table = cooccurrence(demo, columns="theme")
    assert (table.values == table.values.T).all() and int(table.values.diagonal().sum()) == 0
    by_turn = cooccurrence(demo, columns="theme", unit="turn")
    assert (by_turn.values >= table.values).all()


def test_exports_open_in_their_programs(demo, tmp_path):
    from openpyxl import load_workbook

    project = str(demo.path)
    run = lambda *args: CliRunner().invoke(cli, ["--project", project, *args], obj={})
    result = run("matrix", "--format", "xlsx", "-o", str(tmp_path / "m.xlsx"))
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "m.xlsx")
    assert book.sheetnames == ["Matrix", "Counts", "Excerpts", "Codebook", "About"]
    assert book["Matrix"].freeze_panes == "B2" and book["Matrix"]["A2"].value == "Harborview Internal Medicine"
    assert book["Excerpts"].max_row == len(demo.segments()) + 1
    data = json.loads(run("matrix", "--format", "json", "--value", "share").output)
    assert data["value"] == "share" and len(data["rows"]) == 6 and len(data["values"][0]) == 4
    tidy = run("matrix", "--format", "tidy").output.splitlines()
    assert tidy[0] == "site,theme,segments" and len(tidy) == 6 * 4 + 1
    md = run("matrix", "--format", "md").output
    assert "| site | Motivations to partner |" in md
    result = run("matrix", "--format", "html", "-o", str(tmp_path / "r.html"), "--value", "excerpts")
    page = (tmp_path / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "://" not in page.split("<body>")[0]
    assert "Codebook: Partnerships between health care organizations" in page and "<blockquote>" in page
    assert run("frequencies", "--format", "csv").output.startswith("code,segments,transcripts")
    assert run("cooccurrence", "--columns", "theme", "--format", "json").exit_code == 0


def test_spreadsheet_formulas_are_neutralized(store, tmp_path, codebook_path):
    from openpyxl import load_workbook

    from workbench.project import import_codebook

    path = tmp_path / "=cmd" / "a.txt"
    path.parent.mkdir()
    path.write_text('Interviewer: =HYPERLINK("http://x")\n\nR: +1 @sum -2\n')
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    from workbench.coding import add_segment, resolve_code

    add_segment(store, transcript_id=1, code_id=resolve_code(store, "Barriers").id, coder="maria", start=0, end=12)
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(store.path), *args], obj={})
    csv_text = run("matrix", "--format", "csv").output
    assert "'=cmd" in csv_text and "\n=cmd" not in csv_text
    run("matrix", "--value", "excerpts", "--format", "xlsx", "-o", str(tmp_path / "x.xlsx"))
    book = load_workbook(tmp_path / "x.xlsx")
    values = [c.value for row in book["Excerpts"].iter_rows() for c in row if isinstance(c.value, str)]
    assert all(not v.startswith(("=", "+", "-", "@")) for v in values)
    assert any(v.startswith("'=") for v in values)


def test_import_codings_reports_bad_rows_and_imports_nothing(demo, tmp_path):
    bad = tmp_path / "codings.csv"
    bad.write_text(
        "transcript,code,coder,start,end,text\n"
        "rb-01-practice-manager,Barriers/Time,lee,0,10,\n"
        "rb-01-practice-manager,Barriers/Nope,lee,0,10,\n"
        "nothing,Barriers/Time,lee,0,10,\n"
        "rb-01-practice-manager,Barriers/Time,lee,0,10,not what is there\n"
    )
    before = len(demo.segments())
    with pytest.raises(InputError) as err:
        import_codings(demo, bad)
    message = str(err.value)
    assert "3 rows cannot be imported" in message and "row 3" in message and "row 4" in message and "row 5" in message
    assert len(demo.segments()) == before
