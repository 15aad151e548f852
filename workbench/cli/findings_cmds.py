"""From coded segments to findings: saturation, memo reports, framework charting, the study report
and links between codes and between segments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.cli.base import _emit, _store, cli, handled
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.store import Store


def _coder(ctx: click.Context, store: Store, given: str | None) -> str:
    from workbench.project import current_coder

    return current_coder(store, given)


@cli.command("saturation")
@click.option(
    "--base", default=4, show_default=True, help="Base size b: the first interviews, whose codes are the denominator."
)
@click.option(
    "--run", "run_length", default=2, show_default=True, help="Run length r: interviews per run after the base."
)
@click.option("--threshold", default=0.05, show_default=True, help="New-information threshold θ (0.05 = 5%).")
@click.option("--step", default=1, show_default=True, help="How far each run moves on (1: overlapping runs).")
@click.option(
    "--order",
    type=click.Choice(["coded", "date", "import"]),
    default="coded",
    show_default=True,
    help="Order of the interviews: first coded, interview date, or imported.",
)
@click.option(
    "--level",
    type=click.Choice(["code", "theme"]),
    default="code",
    show_default=True,
    help="Count every code, or themes (sub-codes rolled up).",
)
@click.option("--coder", multiple=True, help="Only this coder (repeatable; default: all pooled).")
@click.option("--consensus", "origin", flag_value="consensus", default=None, help="Only the consensus coding.")
@click.option(
    "--permutations",
    default=0,
    show_default=True,
    help="Also the saturation points over this many random orders (seeded).",
)
@click.option("--plot/--no-plot", default=True, show_default=True, help="Draw the accumulation curve.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.pass_context
@handled
def saturation_cmd(
    ctx: click.Context,
    base: int,
    run_length: int,
    threshold: float,
    step: int,
    order: str,
    level: str,
    coder: tuple[str, ...],
    origin: str | None,
    permutations: int,
    plot: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Thematic saturation (Guest, Namey & Chen 2020) and the code accumulation curve.

    Interviews in ORDER; new codes per interview; the base's distinct codes B; runs of RUN
    interviews after the base, and their new codes / B. The first run at or below the threshold
    gives the saturation point, reported as point+run with the base, run, threshold, order and step.
    """
    from workbench.findings.saturation import SaturationSpec, compute_saturation, saturation_table, terminal_plot
    from workbench.output import to_json

    if permutations < 0 or permutations > 100_000:
        raise WorkbenchError("--permutations must be between 0 and 100000.")
    from workbench.analysis.frame import Selection
    from workbench.cli.table_cmds import blind_scoped

    store = _store(ctx)
    chosen = blind_scoped(store, Selection(coders=list(coder) or None, origin=origin))
    spec = SaturationSpec(
        base=base,
        run=run_length,
        threshold=threshold,
        step=step,
        order=order,
        level=level,
        coders=chosen.coders,
        origin=chosen.origin,
        permutations=permutations,
    )
    result = compute_saturation(store, spec)
    if fmt == "json":
        _emit(to_json(result.as_dict()), output)
        return
    text = saturation_table(result)
    if plot:
        text += "\n" + terminal_plot(result)
    _emit(text, output)


@cli.command("memos")
@click.option(
    "--by",
    type=click.Choice(["code", "transcript"]),
    default="code",
    show_default=True,
    help="Group the memos by code or by transcript.",
)
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.pass_context
@handled
def memos_cmd(ctx: click.Context, by: str, fmt: str, output: str | None) -> None:
    """Every memo (project, transcript, code, segment) with its context, as Markdown or HTML."""
    from workbench.findings.memos import memo_report

    if fmt == "html" and not output:
        raise WorkbenchError("an HTML report needs a file name.", hint="Add -o memos.html.")
    _emit(memo_report(_store(ctx), by=by, fmt=fmt), output)


@cli.group("framework", invoke_without_command=True)
@click.option("--rows", type=click.Choice(["participant", "site"]), default="participant", show_default=True)
@click.option("--columns", default="theme", show_default=True, help="theme, code, or level2, level3...")
@click.option("--coder", multiple=True, help="Only this coder's segments (repeatable; default: all pooled).")
@click.option("--consensus", "origin", flag_value="consensus", default=None, help="Only the consensus coding.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "html", "md"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.pass_context
@handled
def framework_cmd(
    ctx: click.Context,
    rows: str,
    columns: str,
    coder: tuple[str, ...],
    origin: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """The framework matrix (Framework Method): cases x themes with the researchers' summaries and
    references to the key quotes. `workbench framework set` writes a summary."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.analysis.frame import Selection
    from workbench.findings.framework import build_framework, export_framework

    if fmt in ("xlsx", "html") and not output:
        raise WorkbenchError(f"a .{fmt} file needs a name.", hint=f"Add -o framework.{fmt}.")
    from workbench.cli.table_cmds import blind_scoped

    store = _store(ctx)
    fm = build_framework(
        store, rows, columns, blind_scoped(store, Selection(coders=list(coder) or None, origin=origin))
    )
    title = store.get_meta("title") or store.path.stem
    text = export_framework(fm, fmt, Path(output) if output else None, title=title)
    if text is not None:
        click.echo(text, nl=False)
    elif output:
        click.echo(f"Wrote {output}", err=True)


@framework_cmd.command("set")
@click.argument("row")
@click.argument("theme")
@click.argument("text")
@click.option(
    "--rows",
    "row_kind",
    type=click.Choice(["participant", "site"]),
    default="participant",
    show_default=True,
    help="Whether ROW is a participant or a site.",
)
@click.option("--note", help="An analyst's comment, kept apart from the summary.")
@click.option("--coder", help="Who writes it (default: the current coder).")
@click.pass_context
@handled
def framework_set_cmd(
    ctx: click.Context, row: str, theme: str, text: str, row_kind: str, note: str | None, coder: str | None
) -> None:
    """Write the summary of ROW x THEME (an empty TEXT removes it)."""
    from workbench.findings.framework import set_summary

    store = _store(ctx)
    who = _coder(ctx, store, coder)
    saved = set_summary(store, row_kind, row, theme, text, note=note, coder=who)
    click.echo(f"Summary of {row} x {theme} saved." if saved else f"Summary of {row} x {theme} removed.")


@cli.group("quote")
def quote_group() -> None:
    """Key quotes: flag the segments that best show a theme (the report puts them first)."""


@quote_group.command("flag")
@click.argument("segment_ids", nargs=-1, type=int, required=True)
@click.option("--coder", help="Who flags it (default: the current coder).")
@click.pass_context
@handled
def quote_flag_cmd(ctx: click.Context, segment_ids: tuple[int, ...], coder: str | None) -> None:
    """Flag segments as key quotes."""
    from workbench.findings.framework import flag_quote

    store = _store(ctx)
    who = _coder(ctx, store, coder)
    for segment_id in segment_ids:
        changed = flag_quote(store, segment_id, coder=who)
        click.echo(f"Segment {segment_id} " + ("flagged as a key quote." if changed else "was flagged already."))


@quote_group.command("unflag")
@click.argument("segment_ids", nargs=-1, type=int, required=True)
@click.option("--coder", help="Who unflags it (default: the current coder).")
@click.pass_context
@handled
def quote_unflag_cmd(ctx: click.Context, segment_ids: tuple[int, ...], coder: str | None) -> None:
    """Remove the key-quote flag."""
    from workbench.findings.framework import flag_quote

    store = _store(ctx)
    who = _coder(ctx, store, coder)
    for segment_id in segment_ids:
        changed = flag_quote(store, segment_id, coder=who, flagged=False)
        click.echo(f"Segment {segment_id} " + ("unflagged." if changed else "was not flagged."))


@quote_group.command("list")
@click.pass_context
@handled
def quote_list_cmd(ctx: click.Context) -> None:
    """The flagged key quotes."""
    from workbench.findings.framework import quote_refs
    from workbench.output import to_table

    store = _store(ctx)
    refs = quote_refs(store, store.key_quote_ids())
    rows = [
        {"id": q.segment_id, "participant": q.participant, "code": q.code, "text": " ".join(q.text.split())}
        for q in refs.values()
    ]
    click.echo(
        to_table(rows, [("id", "segment"), ("participant", "participant"), ("code", "code"), ("text", "quote")]),
        nl=False,
    )


@cli.command("report")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="Markdown (pandoc, Quarto) or one self-contained HTML file.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.option("--coder", multiple=True, help="Only this coder's segments (repeatable; default: all pooled).")
@click.option("--consensus", "origin", flag_value="consensus", default=None, help="Only the consensus coding.")
@click.option("--quotes", default=3, show_default=True, help="Key quotes per theme (all flagged ones are shown).")
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn", "character"]),
    default="sentence",
    show_default=True,
    help="The unit of the agreement paragraph.",
)
@click.option("--base", default=4, show_default=True, help="Saturation: base size.")
@click.option("--run", "run_length", default=2, show_default=True, help="Saturation: run length.")
@click.option("--threshold", default=0.05, show_default=True, help="Saturation: new-information threshold.")
@click.option(
    "--order",
    type=click.Choice(["coded", "date", "import"]),
    default="coded",
    show_default=True,
    help="Saturation: order of the interviews.",
)
@click.pass_context
@handled
def report_cmd(
    ctx: click.Context,
    fmt: str,
    output: str | None,
    coder: tuple[str, ...],
    origin: str | None,
    quotes: int,
    unit: str,
    base: int,
    run_length: int,
    threshold: float,
    order: str,
) -> None:
    """A draft results section: codebook, per theme prevalence by site, key quotes and framework
    summaries, the agreement and saturation methods, and a data appendix."""
    from workbench.analysis.frame import Selection
    from workbench.findings.report import ReportSpec, write_report
    from workbench.findings.saturation import SaturationSpec

    if not 0 <= quotes <= 50:
        raise WorkbenchError("--quotes must be between 0 and 50.")
    selection = Selection(coders=list(coder) or None, origin=origin)
    spec = ReportSpec(
        selection=selection,
        quotes_per_theme=quotes,
        agreement_unit=unit,
        saturation=SaturationSpec(
            base=base, run=run_length, threshold=threshold, order=order, coders=selection.coders, origin=origin
        ),
    )
    from workbench.cli.team_cmds import _lead_only

    store = _store(ctx)
    _lead_only(store, "writes the study report (it compares the coders)")
    _emit(write_report(store, fmt, spec), output)
