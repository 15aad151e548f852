"""The command line: thin commands over the use cases in ``project``, ``coding``, ``analysis``,
``agreement``, ``refi``, ``search`` and ``suggest``.

``workbench`` alone opens the coding workbench on the project; every other command works without
the terminal UI. Errors become a clear message and exit code 1. Each module registers one group
of commands on :data:`cli`.
"""

from workbench.cli.base import cli, main
from workbench.cli import codebook_cmds, coding_cmds, project_cmds, table_cmds, team_cmds  # noqa: F401 - registers
from workbench.cli import edit_cmds, pseudo_cmds  # noqa: F401 - registers

__all__ = ["cli", "main"]
