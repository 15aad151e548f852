"""The command line: thin commands over the use cases in ``project``, ``coding``, ``analysis``,
``agreement``, ``refi``, ``search`` and ``suggest``.

``workbench`` alone opens the coding workbench on the project; every other command works without
the terminal UI. Errors become a clear message and exit code 1. Each module registers one group
of commands on :data:`cli`.

Modules load lazily: running a command imports the module that defines it and no other, so a
listing starts fast. A new command module goes into MODULES; each command's name goes into
COMMANDS with its module (tests/test_startup.py checks that COMMANDS names every command; one
missing from it still runs, after every module is loaded).
"""

from importlib import import_module

from workbench.cli.base import cli, main

MODULES = [
    "codebook_cmds",
    "coding_cmds",
    "project_cmds",
    "table_cmds",
    "team_cmds",
    "check_cmds",
    "speaker_cmds",
    "agreement_cmds",
    "findings_cmds",
    "link_cmds",
    "edit_cmds",
    "pseudo_cmds",
    "server_cmds",
    "copy_cmds",
]

COMMANDS = {
    "init": "project_cmds",
    "open": "project_cmds",
    "import": "project_cmds",
    "export": "project_cmds",
    "transcripts": "project_cmds",
    "demo": "project_cmds",
    "backup": "project_cmds",
    "codebook": "codebook_cmds",
    "code": "coding_cmds",
    "segments": "coding_cmds",
    "memo": "coding_cmds",
    "search": "coding_cmds",
    "suggest": "coding_cmds",
    "matrix": "table_cmds",
    "frequencies": "table_cmds",
    "cooccurrence": "table_cmds",
    "merge": "team_cmds",
    "reconcile": "team_cmds",
    "import-codings": "team_cmds",
    "agreement": "team_cmds",
    "media": "project_cmds",
    "check": "check_cmds",
    "speakers": "speaker_cmds",
    "round": "agreement_cmds",
    "calibrate": "agreement_cmds",
    "saturation": "findings_cmds",
    "memos": "findings_cmds",
    "framework": "findings_cmds",
    "quote": "findings_cmds",
    "report": "findings_cmds",
    "link": "link_cmds",
    "transcript": "edit_cmds",
    "pseudonymise": "pseudo_cmds",
    "server": "server_cmds",
    "phase": "server_cmds",
    "serve": "server_cmds",
    "copy": "copy_cmds",
}


def load(name: str) -> None:
    """Register the command ``name`` (every command, when it is not in COMMANDS)."""
    module = COMMANDS.get(name)
    if module:
        import_module(f"workbench.cli.{module}")
    if name not in cli.commands:
        load_all()


def load_all() -> None:
    for module in MODULES:
        import_module(f"workbench.cli.{module}")


__all__ = ["cli", "main", "COMMANDS", "MODULES", "load", "load_all"]
