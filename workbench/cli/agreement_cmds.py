"""Coding rounds and calibration against a gold standard."""

from __future__ import annotations

import click

from workbench.cli.base import _emit, _store, cli, handled


@cli.group("round")
def round_group() -> None:
    """Coding rounds (project phases): segments made after `round start` carry the round, and
    `workbench agreement --round NAME` compares coders within one round."""


@round_group.command("start")
@click.argument("name")
@click.option("--note", help="What changed (for instance the codebook revision).")
@click.option("--coder", help="Recorded in the audit log.")
@click.pass_context
@handled
def round_start_cmd(ctx: click.Context, name: str, note: str | None, coder: str | None) -> None:
    """Start round NAME: every segment made from now on belongs to it."""
    from workbench.agreement.rounds import start_round

    made = start_round(_store(ctx), name, note=note, coder=coder)
    click.echo(f"Round {made.name!r} started at {made.started_at}; new segments belong to it.")


@round_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def round_list_cmd(ctx: click.Context, fmt: str) -> None:
    """The rounds, oldest first, with their segments; the current round is marked."""
    from workbench.agreement.rounds import list_rounds
    from workbench.output import to_json

    rounds = list_rounds(_store(ctx))
    if fmt == "json":
        click.echo(
            to_json(
                [
                    {
                        "name": r.name,
                        "started_at": r.started_at,
                        "note": r.note,
                        "segments": r.segments,
                        "current": r.current,
                    }
                    for r in rounds
                ]
            ),
            nl=False,
        )
        return
    for r in rounds:
        mark = "*" if r.current else " "
        when = f"since {r.started_at}" if r.started_at else ""
        click.echo(f"{mark} {r.name}  {r.segments:,} segments  {when}" + (f"  ({r.note})" if r.note else ""))


@cli.command("calibrate")
@click.option("--gold", required=True, help="The gold-standard coder (a named coder or consensus).")
@click.option("--trainee", required=True, help="The coder being trained.")
@click.option(
    "--transcript",
    "transcripts",
    multiple=True,
    help="Only these transcripts (repeatable; default: every transcript both coded).",
)
@click.option("--unit", type=click.Choice(["sentence", "turn", "character"]), default="sentence", show_default=True)
@click.option(
    "--overlap",
    type=click.Choice(["any", "half", "all"]),
    help="How much of a unit a coder's segments must cover (default: half a sentence, any of a turn).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.pass_context
@handled
def calibrate_cmd(
    ctx: click.Context,
    gold: str,
    trainee: str,
    transcripts: tuple[str, ...],
    unit: str,
    overlap: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """A trainee's agreement with a gold coder per code (Cohen's kappa, recall, precision), and the
    trainee's misses and extras beside each code's definition, when to use and when not to."""
    from workbench.agreement.calibration import calibrate, calibration_text
    from workbench.coding import resolve_transcript
    from workbench.output import to_json

    store = _store(ctx)
    ids = [resolve_transcript(store, t).id for t in transcripts] or None
    report = calibrate(store, gold, trainee, transcript_ids=ids, unit=unit, overlap=overlap)
    text = to_json(report.as_dict()) if fmt == "json" else calibration_text(report) + "\n"
    _emit(text, output)
