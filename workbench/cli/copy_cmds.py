"""``workbench copy``: a whole project between a project file and a team database on PostgreSQL."""

from __future__ import annotations

import click

from workbench.cli.base import cli, handled


@cli.command("copy")
@click.argument("source")
@click.argument("dest")
@handled
def copy_cmd(source: str, dest: str) -> None:
    """Copy a whole project from SOURCE to DEST: a project file or a team database (a postgresql://
    URL or service=NAME), either way, losslessly (ids, GUIDs, the audit log, findings, models).

    DEST must be a new file, or a team database fresh from `workbench server init` opened as its
    lead. Copying from a team database also needs its lead (a coder may see only part of it).
    """
    from workbench.copying import copy_project

    report = copy_project(source, dest)
    total = sum(report.rows.values())
    click.echo(
        f"Copied {total} rows ({report.rows.get('transcripts', 0)} transcripts, "
        f"{report.rows.get('segments', 0)} segments, {report.rows.get('audit', 0)} audit entries) "
        f"from {report.source} to {report.dest}."
    )
