"""Tables for papers: matrix, frequencies, co-occurrence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from workbench.cli.base import _destination, _emit, _store, cli, force_option, handled
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import pandas as pd

    from workbench.analysis.frame import Selection


def _selection(
    coder: tuple[str, ...], code: tuple[str, ...], site: tuple[str, ...], role: tuple[str, ...], origin: str | None
) -> Selection:
    from workbench.analysis.frame import Selection

    return Selection(
        coders=list(coder) or None,
        codes=list(code) or None,
        sites=list(site) or None,
        roles=list(role) or None,
        origin=origin,
    )


def blind_scoped(store: Any, selection: Selection) -> Selection:
    """The selection narrowed to the coder's own coding while the project is blind (said on
    standard error, so that the table itself stays clean)."""
    from workbench.blind import notice, scoped
    from workbench.project import current_coder

    said = notice(store, current_coder(store, remember=False))
    if said is None:
        return selection
    click.echo(said, err=True)
    return scoped(store, current_coder(store, remember=False), selection)


F = TypeVar("F", bound=Callable[..., Any])


def selection_options(func: F) -> F:
    """The options that choose which coding goes into a table."""
    for option in reversed(
        [
            click.option(
                "--coder",
                multiple=True,
                help="Only this coder (repeat for several; default: all coders pooled, the consensus apart).",
            ),
            click.option(
                "--consensus",
                "origin",
                flag_value="consensus",
                default=None,
                help="The consensus coding (reconciled decisions) instead of the coders'.",
            ),
            click.option("--code", "code_filter", multiple=True, help="Only this code and its sub-codes (repeatable)."),
            click.option("--site", multiple=True, help="Only this site (repeatable)."),
            click.option("--role", multiple=True, help="Only participants with this role (repeatable)."),
        ]
    ):
        func = option(func)
    return func


TABLE_FORMATS = click.Choice(["table", "csv", "tidy", "json", "md", "xlsx", "html"])


def text_table(
    title: str,
    row_dimension: str,
    column_dimension: str,
    rows: list[str],
    columns: list[str],
    cell: Callable[[str, str], str],
) -> str:
    """A plain-text table for the terminal (no pandas): numbers right-aligned."""
    corner = f"{row_dimension} \\ {column_dimension}" if column_dimension else row_dimension
    grid = [[corner, *columns]] + [[row, *(cell(row, column) for column in columns)] for row in rows]
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    lines = [title]
    for number, line in enumerate(grid):
        parts = [line[0].ljust(widths[0])] + [
            (value.ljust(width) if number == 0 else value.rjust(width)) for value, width in zip(line[1:], widths[1:])
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _write_table(ctx: click.Context, table: pd.DataFrame, fmt: str, output: str | None, title: str, value: str) -> None:
    from workbench.export.tables import (
        format_number,
        share_columns,
        table_to_csv,
        table_to_html,
        table_to_json,
        table_to_markdown,
        table_to_tidy,
        write_xlsx,
    )

    path = Path(output) if output else None
    if fmt == "table":
        shares = share_columns(table)
        click.echo(
            text_table(
                title,
                str(table.index.name or ""),
                str(table.columns.name or ""),
                [str(r) for r in table.index],
                [str(c) for c in table.columns],
                lambda r, c: format_number(table.at[r, c], share=c in shares),
            )
        )
        return
    if fmt in ("xlsx", "html") and path is None:
        raise WorkbenchError(f"a .{fmt} file needs a name.", hint=f"Add -o FILE.{fmt}.")
    if fmt == "xlsx" and path is not None:
        from workbench.cli.progress import working

        with working(f"Writing {path}"):
            write_xlsx(path, [(value.capitalize(), table)], **_destination(path))
        click.echo(f"Wrote {path}", err=True)
        return
    text = {
        "csv": lambda: table_to_csv(table),
        "tidy": lambda: table_to_tidy(table, value),
        "json": lambda: table_to_json(table, {"title": title}),
        "md": lambda: table_to_markdown(table, title),
        "html": lambda: table_to_html(table, title),
    }[fmt]()
    _emit(text, output)


@cli.command("matrix")
@click.option(
    "--rows",
    default="site",
    show_default=True,
    help="site, participant, role, transcript, coder, site:ATTRIBUTE or participant:ATTRIBUTE.",
)
@click.option("--columns", default="theme", show_default=True, help="theme, code, or level2, level3...")
@click.option(
    "--value",
    type=click.Choice(["segments", "transcripts", "participants", "share", "excerpts"]),
    default="segments",
    show_default=True,
)
@click.option("--transpose", is_flag=True, help="Swap rows and columns.")
@selection_options
@click.option("--format", "fmt", type=TABLE_FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@force_option
@click.pass_context
@handled
def matrix_cmd(
    ctx: click.Context,
    rows: str,
    columns: str,
    value: str,
    transpose: bool,
    coder: tuple[str, ...],
    origin: str | None,
    code_filter: tuple[str, ...],
    site: tuple[str, ...],
    role: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """The framework matrix: sites (or other rows) x themes (or codes).

    Values: number of segments, of transcripts, of participants who raised it, the share of the
    row's participants who raised it, or excerpts. Every row and column is shown, empty or not.
    XLSX has sheets for the matrix, the counts, the excerpts behind them, the codebook; HTML is a
    self-contained report with a heat map, summaries with excerpts and the codebook.
    """
    from workbench.analysis.matrix import MatrixSpec, build_matrix

    store = _store(ctx)
    spec = MatrixSpec(
        rows=rows,
        columns=columns,
        value=value,
        transpose=transpose,
        selection=blind_scoped(store, _selection(coder, code_filter, site, role, origin)),
    )
    # Only the spreadsheet and the report list the segments behind the counts.
    matrix = build_matrix(store, spec, detail=fmt in ("xlsx", "html"))
    if fmt == "table":  # plain Python: a count-only matrix needs neither the text nor pandas
        from workbench.export.tables import format_number

        def cell(row: str, column: str) -> str:
            found = matrix.value(row, column)
            if value == "excerpts":
                first = str(found).split("\n")[0]
                return first[:40] + ("…" if len(first) > 40 else "")
            return format_number(found, share=value == "share")

        click.echo(
            text_table(matrix.title, matrix.row_dimension, matrix.column_dimension, matrix.rows, matrix.columns, cell)
        )
        return
    from workbench.cli.progress import working
    from workbench.export.tables import write_matrix
    from workbench.project import project_codebook

    with working(f"Writing {output or 'the matrix'}"):
        text = write_matrix(
            matrix,
            fmt,
            Path(output) if output else None,
            book=project_codebook(store),
            project=store.get_meta("title") or store.path.name,
            **(_destination(output) if output else {}),
        )
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {output}", err=True)


@cli.command("frequencies")
@click.option("--columns", default="code", show_default=True, help="theme, code, or level2, level3...")
@selection_options
@click.option("--format", "fmt", type=TABLE_FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@force_option
@click.pass_context
@handled
def frequencies_cmd(
    ctx: click.Context,
    columns: str,
    coder: tuple[str, ...],
    origin: str | None,
    code_filter: tuple[str, ...],
    site: tuple[str, ...],
    role: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Code frequencies: segments, transcripts, participants and coders per code."""
    from workbench.analysis.frequencies import frequencies

    store = _store(ctx)
    selection = blind_scoped(store, _selection(coder, code_filter, site, role, origin))
    table = frequencies(store, selection, columns)
    _write_table(ctx, table, fmt, output, f"Code frequencies ({selection.describe()})", "frequencies")


@cli.command("cooccurrence")
@click.option("--columns", default="code", show_default=True, help="theme, code, or level2, level3...")
@click.option(
    "--unit",
    type=click.Choice(["overlap", "turn"]),
    default="overlap",
    show_default=True,
    help="Codes meet when their segments overlap, or fall in the same speaker turn.",
)
@selection_options
@click.option("--format", "fmt", type=TABLE_FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@force_option
@click.pass_context
@handled
def cooccurrence_cmd(
    ctx: click.Context,
    columns: str,
    unit: str,
    coder: tuple[str, ...],
    origin: str | None,
    code_filter: tuple[str, ...],
    site: tuple[str, ...],
    role: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Code co-occurrence: how often two codes' segments overlap or share a turn."""
    from workbench.analysis.frequencies import cooccurrence

    store = _store(ctx)
    selection = blind_scoped(store, _selection(coder, code_filter, site, role, origin))
    table = cooccurrence(store, selection, columns, unit)
    _write_table(ctx, table, fmt, output, f"Co-occurrence by {unit} ({selection.describe()})", "cooccurrence")
