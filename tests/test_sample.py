"""The bundled sample study builds into a project that tells a story."""

from __future__ import annotations

from collections import defaultdict

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.project import list_transcripts
from workbench.sample import build_demo
from workbench.store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("demo") / "demo.db", create=True)
    report = build_demo(store)
    yield store, report
    store.close()


def test_build_report(demo):
    store, report = demo
    assert report.built and not report.failures
    assert report.transcripts == 18 and report.codes == 34 and report.segments > 400


def test_transcripts_sites_roles_formats(demo):
    store, _ = demo
    rows = list_transcripts(store)
    assert len(rows) >= 16 and len({r.site for r in rows}) >= 5
    assert {r.format for r in rows} == {"text", "docx", "vtt"}
    assert {"administrator", "clinician", "care manager", "patient partner", "CBO leader"} <= {r.role for r in rows}
    assert all(1200 <= r.words <= 3000 for r in rows)
    assert all(r.participant and r.date and r.interviewer for r in rows)
    assert all(r.turns >= 20 for r in rows)


def test_two_coders_with_partial_disagreement(demo):
    store, _ = demo
    by_transcript: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for s in store.segments():
        by_transcript[s.transcript_id][s.coder].add((s.code_id, s.start, s.end))
    double = {t: c for t, c in by_transcript.items() if set(c) == {"maria", "james"}}
    assert len(double) >= 6
    for coders in double.values():
        matched = [
            m for m in coders["maria"] if any(j[0] == m[0] and j[1] < m[2] and m[1] < j[2] for j in coders["james"])
        ]
        exact = coders["maria"] & coders["james"]
        assert 0.5 * len(coders["maria"]) <= len(matched) < len(coders["maria"])  # agree often, not always
        assert len(exact) < len(matched)  # boundaries differ where the codes agree
    themes = {c.path.split("/")[0] for c in store.codes() if c.segments}
    assert themes == {"Motivations to partner", "Accountability mechanisms", "Barriers", "Shared learning journey"}


def test_sites_differ_by_theme(demo):
    store, _ = demo
    paths = {c.id: c.path for c in store.codes()}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in store.segments(coder="maria"):
        counts[s.site][paths[s.code_id].split("/")[0]] += 1
    assert (
        counts["Riverbend Family Medicine"]["Shared learning journey"]
        > counts["Harborview Internal Medicine"]["Shared learning journey"]
    )
    assert counts["Harborview Internal Medicine"]["Accountability mechanisms"] >= 5


def test_build_again_changes_nothing(demo):
    store, report = demo
    again = build_demo(store)
    assert not again.built and again.segments == len(store.segments())


@pytest.mark.both_engines
def test_cli_demo_no_tui(location, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--project", location, "demo", "--no-tui"], obj={})
    assert result.exit_code == 0, result.output
    assert "18 transcripts" in result.output
    listing = CliRunner().invoke(cli, ["--project", location, "transcripts", "--format", "json"], obj={})
    assert listing.exit_code == 0 and "Riverbend Family Medicine" in listing.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if "://" in location else ["project.db"])
