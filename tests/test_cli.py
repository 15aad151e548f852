"""The command line through Click's runner: outputs for people and scripts, errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from workbench.cli import cli


pytestmark = pytest.mark.both_engines  # `--project`: a project file, then a team database's URL


@pytest.fixture
def run(location):
    project = location

    def invoke(*args, ok=True):
        result = CliRunner().invoke(cli, ["--project", project, *args], obj={})
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke.project = project
    return invoke


@pytest.fixture
def coded(run, tmp_path, codebook_path):
    folder = tmp_path / "Riverbend Family Medicine"
    folder.mkdir()
    (folder / "rb-01.txt").write_text(
        "---\nparticipant: RB-01\nrole: administrator\n---\n"
        "Interviewer: Why partner?\n\nCarol: We had no time and no staff.\n"
    )
    run("init")
    run("codebook", "import", str(codebook_path))
    run("import", str(folder))
    return run


def test_version_and_help():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "workbench" in result.output
    result = CliRunner().invoke(cli, ["--help"])
    for command in ("init", "import", "transcripts", "codebook", "code", "segments", "demo"):
        assert command in result.output


def test_transcripts_json(coded):
    rows = json.loads(coded("transcripts", "--format", "json").output)
    assert len(rows) == 1
    row = rows[0]
    for key in ("id", "title", "site", "participant", "role", "format", "words", "turns"):
        assert key in row
    assert row["site"] == "Riverbend Family Medicine" and row["participant"] == "RB-01" and row["turns"] == 2


def test_code_by_quote_then_segments_json_and_remove(coded):
    out = coded(
        "code", "add", "rb-01", "--code", "Barriers/Time", "--text", "no time", "--coder", "maria", "--format", "json"
    ).output
    segment = json.loads(out)
    coded(
        "code",
        "add",
        "rb-01",
        "--code",
        "Barriers/Funding and material resources",
        "--start",
        str(segment["end"] + 5),
        "--end",
        str(segment["end"] + 13),
        "--coder",
        "james",
    )
    rows = json.loads(coded("segments", "--format", "json").output)
    assert {r["coder"] for r in rows} == {"maria", "james"}
    for key in ("id", "transcript", "site", "code", "coder", "start", "end", "text"):
        assert key in rows[0]
    assert rows[0]["code"] == "Barriers/Time" and rows[0]["text"] == "no time"
    assert rows[1]["text"] == "no staff"
    csv_out = coded("segments", "--format", "csv", "--coder", "james").output
    assert csv_out.splitlines()[0].startswith("id,transcript_id,transcript") and len(csv_out.splitlines()) == 2
    coded("code", "remove", str(segment["id"]))
    assert len(json.loads(coded("segments", "--format", "json").output)) == 1


def test_codebook_show_and_export(coded, tmp_path):
    tree = json.loads(coded("codebook", "show", "--format", "json").output)
    assert [t["name"] for t in tree][0] == "Motivations to partner" and tree[0]["children"][0]["path"]
    out = tmp_path / "book.md"
    coded("codebook", "export", "--format", "md", "-o", str(out))
    assert "## Barriers" in out.read_text()
    yaml_text = coded("codebook", "export").output
    assert "guid:" in yaml_text and "when_not_to_use" in yaml_text


@pytest.mark.parametrize(
    "args, words",
    [
        (["code", "add", "rb-01", "--code", "Barriers/Tme", "--text", "no time"], "Did you mean: Barriers/Time"),
        (["code", "add", "nope", "--code", "Barriers/Time", "--text", "no time"], "no transcript called 'nope'"),
        (["code", "add", "rb-01", "--code", "Barriers/Time", "--text", "absent words"], "is not in the transcript"),
        (["code", "add", "rb-01", "--code", "Barriers/Time"], "either --text"),
        (["code", "remove", "999"], "no segment 999"),
    ],
)
def test_errors_are_messages_with_exit_code_1(coded, args, words):
    result = coded(*args, ok=False)
    assert result.exit_code == 1 and words in result.output and "Traceback" not in result.output


def test_import_failure_sets_exit_code(run, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "fine.txt").write_text("Interviewer: hi\n")
    result = run("import", str(tmp_path / "empty.txt"), str(tmp_path / "fine.txt"), ok=False)
    assert result.exit_code == 1 and "empty" in result.output and "1 imported" in result.output


@pytest.mark.parametrize("content", [b"", b"this is not a database at all" * 10])
def test_not_a_project(tmp_path, content):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    result = CliRunner().invoke(cli, ["--project", str(bad), "transcripts"], obj={})
    if content:
        assert result.exit_code == 1 and "not a workbench project" in result.output
    else:
        assert result.exit_code == 1 and "no project here" in result.output


def test_missing_project_says_how_to_make_one(tmp_path):
    result = CliRunner().invoke(cli, ["--project", str(tmp_path / "none.db"), "segments"], obj={})
    assert result.exit_code == 1 and "workbench init" in result.output


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from workbench.cli import cli\n"
        "heavy = [m for m in ('textual', 'spacy', 'pandas') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_project_named_by_the_environment(coded, location, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PROJECT", location)
    result = CliRunner().invoke(cli, ["transcripts", "--format", "json"], obj={})
    assert result.exit_code == 0, result.output
    assert [row["participant"] for row in json.loads(result.output)] == ["RB-01"]


def test_check_passes_on_a_sound_project(coded):
    coded("code", "add", "rb-01", "--code", "Barriers/Time", "--text", "no time", "--coder", "maria")
    result = coded("check")
    assert "Traceback" not in result.output and "problem" not in result.output.lower(), result.output
