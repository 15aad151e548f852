"""The blind phase on a project file: the CLI and the coding screen show each coder only their own
coding (advisory: a file cannot enforce it)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workbench.cli import cli
from workbench.reading import load_segments, other_coders_spans
from workbench.sample import build_demo
from workbench.store import Store


def test_blind_phase_hides_other_coders_in_cli_and_reader(tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    store = Store.open(path, create=True)
    build_demo(store)
    with store.transaction():
        store.insert_segment(
            transcript_id=1,
            code_id=1,
            coder_id=store.coder_id("james"),
            start=0,
            end=5,
            text=store.transcript_text(1)[:5],
            memo=None,
            origin="manual",
        )
    store.close()
    run = lambda *a: CliRunner().invoke(cli, ["--project", str(path), *a], obj={})  # noqa: E731
    monkeypatch.setenv("WORKBENCH_CODER", "maria")
    everyone = json.loads(run("segments", "--format", "json").stdout)
    assert {r["coder"] for r in everyone} == {"maria", "james"}

    result = run("phase", "blind")
    assert result.exit_code == 0 and "blind" in result.output and "cannot enforce" in result.output
    mine = json.loads(run("segments", "--format", "json").stdout)
    assert mine and {r["coder"] for r in mine} == {"maria"}
    assert len(mine) == sum(r["coder"] == "maria" for r in everyone)
    peek = run("segments", "--coder", "james")
    assert peek.exit_code == 1 and "blind phase" in peek.output

    store = Store.open(path)
    shown = load_segments(store, 1, "maria", all_coders=True)
    assert shown and {s.coder for s in shown} == {"maria"}
    assert other_coders_spans(store, 1, "maria") == []
    assert store.audit_entries(limit=1)[0].action == "phase"
    store.close()

    assert "open" in run("phase", "open").output
    assert len(json.loads(run("segments", "--format", "json").stdout)) == len(everyone)
