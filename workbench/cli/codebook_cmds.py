"""The `codebook` commands: import, show, export, and the changes a team makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from workbench.cli.base import _destination, _emit, _store, cli, force_option, handled


@cli.group("codebook")
def codebook_group() -> None:
    """Import, show and export the project's codebook."""


@codebook_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--coder", help="Recorded in the audit log.")
@click.pass_context
@handled
def codebook_import(ctx: click.Context, file: str, coder: str | None) -> None:
    """Load a codebook (YAML, or REFI-QDA .qdc): new codes added, changed ones updated, none deleted."""
    from workbench.project import apply_codebook, import_codebook

    store = _store(ctx, create=True)
    if Path(file).suffix.lower() in (".qdc", ".qde"):
        from workbench.refi.codes import read_codebook

        book, repairs = read_codebook(file)
        changes = apply_codebook(store, book, coder=coder)
        for note in repairs:
            click.echo(f"repaired: {note}", err=True)
    else:
        changes = import_codebook(store, file, coder=coder)
    click.echo(f"{len(changes.added)} codes added, {len(changes.updated)} updated, {len(changes.unchanged)} unchanged.")
    if changes.kept:
        click.echo(
            f"{len(changes.kept)} codes of the project are not in {file} and were kept: " + "; ".join(changes.kept),
            err=True,
        )
    for conflict in changes.conflicts:
        click.echo("conflict: " + conflict, err=True)


@codebook_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["tree", "json"]), default="tree", show_default=True)
@click.pass_context
@handled
def codebook_show(ctx: click.Context, fmt: str) -> None:
    """Show the code tree with segment counts."""
    from workbench.output import to_json

    codes = _store(ctx).codes()
    if fmt == "json":
        by_id: dict[int, dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        for c in codes:
            node = {
                k: getattr(c, k)
                for k in (
                    "id",
                    "guid",
                    "name",
                    "path",
                    "definition",
                    "when_to_use",
                    "when_not_to_use",
                    "example",
                    "colour",
                    "keywords",
                    "segments",
                )
            }
            node["children"] = []
            by_id[c.id] = node
            # (a parent not listed before its child only happens in a damaged project: shown at the top)
            (by_id[c.parent_id]["children"] if c.parent_id in by_id else roots).append(node)
        click.echo(to_json(roots), nl=False)
        return
    if not codes:
        click.echo("The project has no codes yet: load some with `workbench codebook import FILE`.")
    for c in codes:
        click.echo(f"{'  ' * c.depth}{c.name} ({c.segments})")


@codebook_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "md", "qdc"]), default="yaml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@force_option
@click.pass_context
@handled
def codebook_export(ctx: click.Context, fmt: str, output: str | None) -> None:
    """Export the codebook as YAML (re-importable), Markdown (for a paper's appendix) or REFI-QDA
    .qdc (for NVivo, ATLAS.ti, MAXQDA, QualCoder)."""
    from workbench.codebook import to_markdown, to_yaml
    from workbench.project import project_codebook

    store = _store(ctx)
    if fmt == "qdc":
        from workbench.refi_export import export_codebook

        data = export_codebook(store)
        if output:
            from workbench.export.destination import write_file

            write_file(output, data, **_destination(output))
            click.echo(f"Wrote {output}", err=True)
        else:
            click.echo(data.decode("utf-8"), nl=False)
        return
    book = project_codebook(store)
    if fmt == "yaml":
        text = to_yaml(book)
    else:
        text = to_markdown(book, {c.path: c.segments or 0 for c in store.codes()})
    _emit(text, output)


@codebook_group.command("rename")
@click.argument("code")
@click.argument("new_name")
@click.option("--coder", help="Recorded in the codebook's history.")
@click.pass_context
@handled
def codebook_rename(ctx: click.Context, code: str, new_name: str, coder: str | None) -> None:
    """Rename a code (its segments follow)."""
    from workbench.codebook_edits import rename_code

    click.echo(f"Renamed to {rename_code(_store(ctx), code, new_name, coder=coder).path}.")


@codebook_group.command("reword")
@click.argument("code")
@click.option("--definition")
@click.option("--when-to-use")
@click.option("--when-not-to-use")
@click.option("--example")
@click.option("--colour")
@click.option("--coder", help="Recorded in the codebook's history.")
@click.pass_context
@handled
def codebook_reword(ctx: click.Context, /, code: str, coder: str | None, **fields: str | None) -> None:
    """Change a code's definition, when to use, when not to use, example or colour."""
    from workbench.codebook_edits import reword_code

    click.echo(f"Updated {reword_code(_store(ctx), code, coder=coder, **fields).path}.")


@codebook_group.command("move")
@click.argument("code")
@click.option("--to", "parent", help="The new parent code (omit for the top level).")
@click.option("--coder", help="Recorded in the codebook's history.")
@click.pass_context
@handled
def codebook_move(ctx: click.Context, code: str, parent: str | None, coder: str | None) -> None:
    """Move a code and its sub-codes under another code, or to the top level."""
    from workbench.codebook_edits import move_code

    click.echo(f"Moved to {move_code(_store(ctx), code, parent, coder=coder).path}.")


@codebook_group.command("merge")
@click.argument("source")
@click.argument("target")
@click.option("--coder", help="Recorded in the codebook's history.")
@click.pass_context
@handled
def codebook_merge(ctx: click.Context, source: str, target: str, coder: str | None) -> None:
    """Merge SOURCE into TARGET: its segments and sub-codes move to TARGET and SOURCE goes."""
    from workbench.codebook_edits import merge_codes

    result = merge_codes(_store(ctx), source, target, coder=coder)
    click.echo(f"Merged into {result.target}: {result.moved} segments moved, {result.dropped} duplicates dropped.")


@codebook_group.command("split")
@click.argument("code")
@click.argument("new_codes", nargs=-1, required=True)
@click.option("--coder", help="Recorded in the codebook's history.")
@click.pass_context
@handled
def codebook_split(ctx: click.Context, code: str, new_codes: tuple[str, ...], coder: str | None) -> None:
    """Split a code into new sub-codes; its segments stay on it until recoded."""
    from workbench.codebook_edits import split_code

    made = split_code(_store(ctx), code, list(new_codes), coder=coder)
    click.echo("Made " + ", ".join(m.path for m in made) + ". Recode its segments with the retrieval screen.")


@codebook_group.command("history")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def codebook_history(ctx: click.Context, fmt: str) -> None:
    """The codebook's history: every code change, newest first."""
    from workbench.codebook_edits import history
    from workbench.output import to_json, to_table

    rows = history(_store(ctx))
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    else:
        click.echo(
            to_table(
                rows, [("at", "when"), ("coder", "who"), ("action", "change"), ("before", "before"), ("after", "after")]
            ),
            nl=False,
        )
