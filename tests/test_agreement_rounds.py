"""Coding rounds, calibration against a gold coder, the methods paragraph, percent agreement pairing (CLI)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.agreement import stats
from workbench.agreement.calibration import calibrate
from workbench.agreement.compute import AgreementSpec, compute_agreement
from workbench.agreement.rounds import BEFORE, list_rounds, start_round
from workbench.cli import cli
from workbench.coding import add_segment, resolve_code
from workbench.errors import WorkbenchError
from workbench.project import import_codebook, import_transcripts
from workbench.store.sqlite.schema import LATEST

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

TEXT = "Interviewer: Why partner?\n\nCarol: We had no time. Nobody had time. The grant ended. We trusted them anyway.\n"


@pytest.fixture
def project(store, tmp_path, codebook_path):
    for name in ("a", "b"):
        path = tmp_path / f"{name}.txt"
        path.write_text(TEXT + f"Interviewer: Thank you, {name}.\n")
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


def run(project, *args):
    return CliRunner().invoke(cli, ["--project", str(project.path), *args], obj={})


def test_rounds_carry_segments_and_split_agreement(project):
    if not hasattr(project, "url"):  # a project file (a team database keeps its version in schema_version)
        assert project.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    code(project, 1, "Barriers/Time", "maria", "We had no time.")
    code(project, 1, "Barriers/Time", "james", "Nobody had time.")  # round 0: disagreement
    result = run(project, "round", "start", "after codebook v2", "--note", "Time clarified")
    assert result.exit_code == 0 and "after codebook v2" in result.output
    code(project, 2, "Barriers/Time", "maria", "We had no time.")
    code(project, 2, "Barriers/Time", "james", "We had no time.")  # round 1: agreement
    rounds = {r.name: r for r in list_rounds(project)}
    assert rounds[BEFORE].segments == 2 and rounds["after codebook v2"].segments == 2
    assert rounds["after codebook v2"].current and not rounds[BEFORE].current
    listed = json.loads(run(project, "round", "list", "--format", "json").output)
    assert [r["name"] for r in listed] == [BEFORE, "after codebook v2"]
    assert project.audit_entries(entity="round")[0].action == "start"
    time = lambda report: next(c for c in report.codes if c.code == "Barriers/Time")  # noqa: E731
    late = compute_agreement(project, AgreementSpec(coders=["maria", "james"], round="after codebook v2"))
    early = compute_agreement(project, AgreementSpec(coders=["maria", "james"], round="before"))
    both = compute_agreement(project, AgreementSpec(coders=["maria", "james"]))
    assert late.transcripts == ["b"] and early.transcripts == ["a"] and both.transcripts == ["a", "b"]
    assert time(late).krippendorff_alpha == pytest.approx(1.0) and time(early).krippendorff_alpha < 0
    data = json.loads(run(project, "agreement", "--round", "after codebook v2", "--format", "json").output)
    assert data["round"] == "after codebook v2"
    bad = run(project, "agreement", "--round", "v9")
    assert bad.exit_code == 1 and "no round named 'v9'" in bad.output and "Traceback" not in bad.output
    with pytest.raises(WorkbenchError, match="already a round"):
        start_round(project, "after codebook v2")
    with pytest.raises(WorkbenchError, match="needs a name"):
        start_round(project, "   ")


def test_calibration_misses_extras_and_kappa(project):
    code(project, 1, "Barriers/Time", "maria", "We had no time. Nobody had time.")
    code(project, 1, "Barriers/Time", "lee", "We had no time.")  # one miss
    code(project, 1, "Accountability mechanisms/Trust", "lee", "We trusted them anyway.")  # one extra
    code(project, 1, "Accountability mechanisms/Trust", "maria", "The grant ended.")  # and one miss
    report = calibrate(project, "maria", "lee")
    by_code = {c.code: c for c in report.codes}
    time, trust = by_code["Barriers/Time"], by_code["Accountability mechanisms/Trust"]
    assert report.transcripts == ["a"]
    assert (time.tp, time.fn, time.fp) == (1, 1, 0) and [m.text for m in time.misses] == ["Nobody had time."]
    assert (trust.tp, trust.fn, trust.fp) == (0, 1, 1) and [e.text for e in trust.extras] == ["We trusted them anyway."]
    assert time.recall == 0.5 and time.precision == 1.0 and time.positive_agreement == pytest.approx(2 / 3)
    assert "too_few_instances" in time.flags
    # Cohen's kappa is the agreement command's Cohen's kappa on the same units
    agreement = compute_agreement(project, AgreementSpec(coders=["maria", "lee"]))
    assert time.kappa == pytest.approx(next(c for c in agreement.codes if c.code == "Barriers/Time").cohen_kappa)
    units = [stats.Unit((1, 1))] * time.tp + [stats.Unit((1, 0))] * time.fn + [stats.Unit((0, 0))] * time.tn
    assert time.kappa == pytest.approx(stats.cohen_kappa(units))
    result = run(project, "calibrate", "--gold", "maria", "--trainee", "lee")
    assert result.exit_code == 0
    assert "Missed (the gold coder applied it, you did not)" in result.output and "Nobody had time." in result.output
    definition = resolve_code(project, "Barriers/Time").definition
    assert " ".join(definition.split())[:40] in result.output
    data = json.loads(run(project, "calibrate", "--gold", "maria", "--trainee", "lee", "--format", "json").output)
    assert data["misses"] == 2 and data["extras"] == 1
    missing = run(project, "calibrate", "--gold", "maria", "--trainee", "nobody")
    assert missing.exit_code == 1 and "no coder 'nobody'" in missing.output
    ungraded = run(project, "calibrate", "--gold", "maria", "--trainee", "lee", "--transcript", "b")
    assert ungraded.exit_code == 1 and "did not code 'b'" in ungraded.output


def test_methods_paragraph_and_pairing(project):
    for coder in ("maria", "james", "lee"):
        code(project, 1, "Barriers/Time", coder, "We had no time.")
    code(project, 1, "Barriers/Time", "james", "Nobody had time.")
    code(project, 2, "Barriers/Time", "maria", "We had no time.")
    code(project, 2, "Barriers/Time", "james", "The grant ended.")
    result = run(project, "agreement", "--report", "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    text = result.output
    for needle in (
        "3 coders (james, lee and maria)",
        "2 transcripts",
        "unit of analysis was the sentence",
        "at least half",
        "Fleiss' kappa",
        "Gwet's AC1",
        "95% bootstrap interval",
        "fell below 0.667",
        "References",
        "Brennan, R. L., & Prediger",
    ):
        assert needle in text, needle
    continuum = run(project, "agreement", "--report", "--unit", "continuum", "--coders", "maria,james")
    assert (
        continuum.exit_code == 0
        and "character continuum" in continuum.output
        and "Krippendorff, K. (1995)" in continuum.output
    )
    mean = json.loads(run(project, "agreement", "--format", "json").output)
    pooled = json.loads(run(project, "agreement", "--format", "json", "--pairing", "pooled_pairs").output)
    time_mean = next(c for c in mean["codes"] if c["code"] == "Barriers/Time")
    time_pooled = next(c for c in pooled["codes"] if c["code"] == "Barriers/Time")
    assert mean["percent_agreement_pairing"] == "per_unit_mean"
    assert (
        time_pooled["percent_agreement"]
        == time_pooled["percent_agreement_pooled_pairs"]
        == time_mean["percent_agreement_pooled_pairs"]
        != time_mean["percent_agreement"]
    )
    for key in ("gwet_ac1", "brennan_prediger", "scott_pi", "krippendorff_alpha_ordinal", "krippendorff_alpha_ratio"):
        assert key in time_mean
    assert time_mean["scott_pi"] is None  # three coders: Scott's pi is for two (Fleiss' kappa generalises it)
