"""`workbench check`: look for damage in the project file, and repair what can be repaired."""

from __future__ import annotations

import click

from workbench.cli.base import _store, cli, handled


@cli.command("check")
@click.option(
    "--repair",
    is_flag=True,
    help="Break code-tree cycles, rebuild the search index, restore missing indexes and triggers (after a backup).",
)
@click.option("--coder", help="Recorded in the audit log with --repair.")
@click.pass_context
@handled
def check_cmd(ctx: click.Context, repair: bool, coder: str | None) -> None:
    """Check the project: file integrity, code-tree cycles, orphan segments, search index.

    Exits with 1 when a problem remains.
    """
    from workbench.check import check_project

    report = check_project(_store(ctx), repair=repair, coder=coder)
    sections = [
        ("file integrity", report.integrity),
        ("references", report.foreign_keys),
        ("code tree", [" > ".join(c) + " > " + c[0] + " (a cycle)" for c in report.cycles]),
        ("segments", report.orphan_segments),
        ("search index", report.search_index),
        ("schema", [f"missing {item}" for item in report.schema]),
    ]
    if report.backup:
        click.echo(f"Backed up to {report.backup} before repairing.")
    for line in report.repaired:
        click.echo("repaired: " + line)
    for title, problems in sections:
        if problems:
            click.echo(f"{title}: {len(problems)} problem{'s' if len(problems) > 1 else ''}")
            for problem in problems[:20]:
                click.echo(f"  {problem}")
            if len(problems) > 20:
                click.echo(f"  ... and {len(problems) - 20} more")
        else:
            click.echo(f"{title}: ok")
    if report.problems:
        hint = (
            "Run `workbench check --repair` to break code cycles and rebuild the search index."
            if (report.cycles or report.search_index or report.schema) and not repair
            else "Restore the project from a backup for what `--repair` does not mend."
        )
        click.echo(hint, err=True)
        ctx.exit(1)
