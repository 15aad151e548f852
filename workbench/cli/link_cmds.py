"""`workbench link`: relations between codes and between segments."""

from __future__ import annotations

import click

from workbench.cli.base import _store, cli, handled
from workbench.cli.findings_cmds import _coder


@cli.group("link")
def link_group() -> None:
    """Relations between codes ("leads to", "contradicts", "part of", your own) and between segments."""


@link_group.command("add")
@click.argument("source")
@click.argument("relation")
@click.argument("target")
@click.option("--segments", is_flag=True, help="SOURCE and TARGET are segment ids, not codes.")
@click.option("--memo", help="Why: kept with the link.")
@click.option(
    "--direction",
    type=click.Choice(["OneWay", "Bidirectional", "Associative"]),
    help="Default: Bidirectional for contradicts, Associative for is associated with, else OneWay.",
)
@click.option("--coder", help="Who links (default: the current coder).")
@click.pass_context
@handled
def link_add_cmd(
    ctx: click.Context,
    source: str,
    relation: str,
    target: str,
    segments: bool,
    memo: str | None,
    direction: str | None,
    coder: str | None,
) -> None:
    """Link SOURCE to TARGET: e.g. `workbench link add "Barriers/Time" "leads to" "Barriers/Lack of buy-in"`."""
    from workbench.findings.relations import add_link

    store = _store(ctx)
    link = add_link(
        store,
        source,
        relation,
        target,
        segments=segments,
        memo=memo,
        direction=direction,
        coder=_coder(ctx, store, coder),
    )
    click.echo(f"Link {link.id}: {link.sentence()}")


@link_group.command("list")
@click.option("--code", help="Only links of this code and of its segments.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.pass_context
@handled
def link_list_cmd(ctx: click.Context, code: str | None, fmt: str) -> None:
    """Every link between codes and between segments."""
    from dataclasses import asdict

    from workbench.coding import resolve_code
    from workbench.findings.relations import list_links
    from workbench.output import to_csv, to_json, to_table

    store = _store(ctx)
    links = list_links(store, code_id=resolve_code(store, code).id if code else None)
    rows = [asdict(link) for link in links]
    columns = [
        ("id", "id"),
        ("kind", "kind"),
        ("source", "source"),
        ("relation", "relation"),
        ("target", "target"),
        ("direction", "direction"),
        ("memo", "memo"),
        ("coder", "by"),
    ]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(rows, [k for k, _ in columns] + ["guid", "created_at"]), nl=False)
    else:
        click.echo(to_table(rows, columns) if rows else "No links yet.\n", nl=False)


@link_group.command("remove")
@click.argument("link_id", type=int)
@click.option("--coder", help="Who removes it (default: the current coder).")
@click.pass_context
@handled
def link_remove_cmd(ctx: click.Context, link_id: int, coder: str | None) -> None:
    """Remove a link (the audit log keeps it)."""
    from workbench.findings.relations import remove_link

    store = _store(ctx)
    remove_link(store, link_id, coder=_coder(ctx, store, coder))
    click.echo(f"Link {link_id} removed.")
