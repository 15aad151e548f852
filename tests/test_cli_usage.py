"""The command line as users expect it: --project after the command, examples in --help, completion."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from workbench.cli import cli


@pytest.fixture
def project(location, tmp_path, codebook_path):
    """The tests marked both_engines get a project file, then a team database's URL."""
    folder = tmp_path / "Riverbend Family Medicine"
    folder.mkdir()
    (folder / "rb-01.txt").write_text(
        "---\nparticipant: RB-01\nrole: administrator\n---\n"
        "Interviewer: Why partner?\n\nCarol: We had no time and no staff.\n"
    )
    path = location
    for args in (
        ["init"],
        ["codebook", "import", str(codebook_path)],
        ["import", str(folder)],
        ["code", "add", "rb-01", "--code", "Barriers/Time", "--text", "no time", "--coder", "maria"],
    ):
        result = CliRunner().invoke(cli, ["--project", str(path), *args], obj={})
        assert result.exit_code == 0, result.output
    return path


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix + (name,))


@pytest.mark.both_engines
def test_project_after_the_subcommand(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./workbench.db here: the option must be honoured
    for args in (
        ["matrix", "--project", str(project)],
        ["transcripts", "--project", str(project), "--format", "csv"],
        ["codebook", "show", "--project", str(project)],
        ["segments", f"--project={project}"],
    ):
        result = CliRunner().invoke(cli, args, obj={})
        assert result.exit_code == 0, (args, result.output)
    assert "RB-01" in CliRunner().invoke(cli, ["transcripts", "--project", str(project)], obj={}).output
    assert not (tmp_path / "workbench.db").exists()
    # after the command wins over before it, as the last word on a command line does
    other = tmp_path / "other.db"
    result = CliRunner().invoke(
        cli, ["--project", str(other), "segments", "--project", str(project), "--format", "csv"], obj={}
    )
    assert result.exit_code == 0 and "no time" in result.output and not other.exists()


def test_every_command_help_ends_with_examples():
    for path, _command in _all_commands(cli):
        result = CliRunner().invoke(cli, [*path, "--help"], obj={})
        assert result.exit_code == 0, path
        tail = result.output.rstrip().split("Examples:")
        assert len(tail) == 2, f"`workbench {' '.join(path)} --help` has no examples"
        lines = [line.strip() for line in tail[1].strip().splitlines()]
        assert 1 <= len(lines) <= 2 and all(line.startswith("workbench") for line in lines), path
        assert "--project" in result.output, path


def _complete(project, words: str) -> list[str]:
    env = {
        **os.environ,
        "_WORKBENCH_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        "WORKBENCH_PROJECT": str(project),
    }
    out = subprocess.run(
        [sys.executable, "-c", "from workbench.cli import cli; cli(prog_name='workbench')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if "," in line]


@pytest.mark.both_engines
def test_completion_of_transcripts_codes_and_coders(project, tmp_path):
    assert _complete(project, "workbench segments --code Barriers/Ti") == ["Barriers/Time"]
    assert "maria" in _complete(project, "workbench segments --coder ")
    assert "RB-01" in _complete(project, "workbench code add R")
    assert _complete(project, "workbench agreement --coders maria,m") == ["maria,maria"]
    # the project can be named on the command line itself, after the command
    elsewhere = tmp_path / "missing.db"
    assert _complete(elsewhere, f"workbench segments --project {project} --code Barriers/Ti") == ["Barriers/Time"]
    assert _complete(elsewhere, "workbench segments --code Barriers/T") == []
    assert not elsewhere.exists()


def test_progress_is_drawn_on_a_terminal_only(tmp_path):
    import io

    from rich.console import Console

    from workbench.cli.progress import progress_bar, working

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress_bar("Importing", console=console) as progress:
        for done in range(4):
            progress(done, 3, f"file{done}.txt")
    with working("Computing agreement", console=console):
        pass
    drawn = out.getvalue()
    assert "Importing" in drawn and "3/3" in drawn and "Computing agreement" in drawn
    # not a terminal (a pipe, a script): nothing at all
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "nothing"), "--project", str(tmp_path / "p.db")], obj={})
    assert "Importing" not in result.output


def test_demo_and_import_run_with_progress_on_a_terminal(tmp_path):
    """Through a real pseudo-terminal: the bar is drawn and the command still succeeds."""
    import pty

    folder = tmp_path / "Site"
    folder.mkdir()
    for n in range(3):
        (folder / f"i{n}.txt").write_text(f"Interviewer: Question {n}?\n\nAnn: Answer {n}.\n")
    script = (
        "import sys; from workbench.cli import cli; "
        f"cli(['import', {str(folder)!r}, '--project', {str(tmp_path / 'p.db')!r}], prog_name='workbench')"
    )
    chunks = []

    def read(fd):
        data = os.read(fd, 4096)
        chunks.append(data)
        return data

    status = pty.spawn([sys.executable, "-c", script], read)
    text = b"".join(chunks).decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "3 imported" in text and "Importing" in text
