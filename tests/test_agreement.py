"""Agreement on a project: units, overlap rules, missing coders, pooling, reports."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.agreement.compute import AgreementSpec, compute_agreement
from workbench.agreement.units import carries, character_units, sentence_units
from workbench.cli import cli
from workbench.coding import add_segment, resolve_code
from workbench.errors import WorkbenchError
from workbench.project import import_codebook, import_transcripts

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

TEXT = "Interviewer: Why partner?\n\nCarol: We had no time. Nobody had time. The grant ended. We trusted them anyway.\n"


@pytest.fixture
def project(store, tmp_path, codebook_path):
    for name in ("a", "b"):
        path = tmp_path / f"{name}.txt"
        path.write_text(TEXT + ("" if name == "a" else "Interviewer: Thank you.\n"))
        import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    return store


def code(store, transcript, path, coder, quote):
    text = store.transcript_text(transcript)
    start = text.index(quote)
    add_segment(
        store,
        transcript_id=transcript,
        code_id=resolve_code(store, path).id,
        coder=coder,
        start=start,
        end=start + len(quote),
    )


def test_units_and_overlap_rules():
    text = "Carol said this. Then that! And the rest"
    turns = [{"start": 0, "end": len(text)}]
    assert [text[a:b] for a, b in sentence_units(text, turns)] == ["Carol said this.", "Then that!", "And the rest"]
    assert character_units(10, {3, 7, 12}) == [(0, 3), (3, 7), (7, 10)]
    assert carries((0, 10), [(0, 3)], "any") and not carries((0, 10), [(0, 3)], "half")
    assert carries((0, 10), [(0, 3), (2, 6)], "half") and not carries((0, 10), [(0, 6)], "all")


def test_agreement_per_code_and_pooled(project):
    code(project, 1, "Barriers/Time", "maria", "We had no time.")
    code(project, 1, "Barriers/Time", "james", "We had no time. Nobody had time.")
    code(project, 1, "Accountability mechanisms/Trust", "maria", "We trusted them anyway.")
    code(project, 1, "Accountability mechanisms/Trust", "james", "We trusted them anyway.")
    report = compute_agreement(project, AgreementSpec(coders=["maria", "james"], unit="sentence"))
    by_code = {c.code: c for c in report.codes}
    time, trust = by_code["Barriers/Time"], by_code["Accountability mechanisms/Trust"]
    assert report.transcripts == ["a"]  # b was coded by nobody
    assert time.units == 5 and time.percent_agreement == pytest.approx(0.8)
    assert time.cohen_kappa == pytest.approx(0.545, abs=0.001) and time.flagged
    assert trust.krippendorff_alpha == pytest.approx(1.0) and not trust.flagged
    unused = by_code["Barriers/Funding and material resources"]
    assert unused.krippendorff_alpha is None and unused.cohen_kappa is None and unused.percent_agreement == 1.0
    assert time.disagreements[0].text == "Nobody had time." and time.disagreements[0].coded_by == ["james"]
    assert 0 < report.overall.krippendorff_alpha < 1
    themes = compute_agreement(project, AgreementSpec(coders=["maria", "james"], unit="turn", columns="theme"))
    assert {c.code: c.krippendorff_alpha for c in themes.codes}["Barriers"] == pytest.approx(1.0)


def test_three_coders_with_a_missing_one(project):
    for coder in ("maria", "james"):
        code(project, 1, "Barriers/Time", coder, "We had no time.")
        code(project, 2, "Barriers/Time", coder, "We had no time.")
    code(project, 1, "Barriers/Time", "lee", "Nobody had time.")  # lee coded only transcript a
    report = compute_agreement(project, AgreementSpec(coders=["maria", "james", "lee"]))
    time = next(c for c in report.codes if c.code == "Barriers/Time")
    assert report.transcripts == ["a", "b"]
    assert time.cohen_kappa is None and time.fleiss_kappa is not None and time.krippendorff_alpha is not None
    assert time.units == 11  # 5 + 6 sentences: lee's missing transcript stays in alpha as missing values


def test_errors(project):
    with pytest.raises(WorkbenchError, match="at least two coders"):
        compute_agreement(project, AgreementSpec(coders=["maria"]))
    code(project, 1, "Barriers/Time", "maria", "We had no time.")
    code(project, 2, "Barriers/Time", "james", "We had no time.")
    with pytest.raises(WorkbenchError, match="no transcript was coded by two"):
        compute_agreement(project, AgreementSpec(coders=["maria", "james"]))


def test_cli_json_and_xlsx(project, tmp_path):
    code(project, 1, "Barriers/Time", "maria", "We had no time.")
    code(project, 1, "Barriers/Time", "james", "We had no time. Nobody had time.")
    run = lambda *a: CliRunner().invoke(cli, ["--project", str(project.path), *a], obj={})
    data = json.loads(run("agreement", "--format", "json", "--bootstrap", "50").output)
    assert data["unit"] == "sentence" and data["overlap_rule"] == "half"
    time = next(c for c in data["codes"] if c["code"] == "Barriers/Time")
    for key in ("percent_agreement", "cohen_kappa", "krippendorff_alpha", "fleiss_kappa"):
        assert key in time
    assert time["fleiss_kappa"] is None and time["alpha_interval"] is not None
    table = run("agreement").output
    assert "undefined" in table and "Disagreements on Barriers/Time" in table
    assert run("agreement", "--format", "xlsx", "-o", str(tmp_path / "a.xlsx")).exit_code == 0
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "a.xlsx").sheetnames == ["Agreement", "Disagreements", "About"]


def test_sample_study_agreement(tmp_path):
    from workbench.sample import build_demo
    from workbench.store import Store

    store = Store.open(tmp_path / "demo.db", create=True)
    build_demo(store)
    report = compute_agreement(store, AgreementSpec(coders=["maria", "james"], unit="turn", columns="theme"))
    assert len(report.transcripts) == 9
    assert all(0.5 < c.krippendorff_alpha < 1 for c in report.codes)  # realistic, partial agreement
    sentences = compute_agreement(store, AgreementSpec(coders=["maria", "james"], columns="theme"))
    assert sentences.overall.krippendorff_alpha < report.overall.krippendorff_alpha  # boundaries cost at sentence level
