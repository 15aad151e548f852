"""Team coding: merge, reconcile, import-codings, agreement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from workbench.cli.base import _destination, _emit, _store, cli, force_option, handled
from workbench.coders import pooled_coders
from workbench.errors import WorkbenchError


@cli.command("merge")
@click.argument("other", type=click.Path(exists=True, dir_okay=False))
@click.option("--coder", help="Recorded in the audit log.")
@click.pass_context
@handled
def merge_cmd(ctx: click.Context, other: str, coder: str | None) -> None:
    """Bring in another project's transcripts, codes, coders, segments and memos.

    Transcripts are matched by content, codes by GUID then path; each segment keeps its coder.
    Merging the same file twice changes nothing; conflicts are reported, never resolved silently.
    """
    from workbench.merge import merge_project

    from workbench.cli.progress import working

    with working(f"Merging {other}"):
        report = merge_project(_store(ctx), other, coder=coder)
    click.echo(
        f"Merged {other}: {report.transcripts_added} transcripts, {report.codes_added} codes, "
        f"{report.segments_added} segments added ({report.segments_already} already here), "
        f"{report.memos_added} memos."
    )
    for conflict in report.conflicts:
        click.echo("conflict: " + conflict, err=True)


@cli.command("reconcile")
@click.option("--coders", help="Comma-separated coders (default: every coder but consensus).")
@click.option("--transcript", "transcripts", multiple=True, help="Only these transcripts (repeatable).")
@click.option("--unit", type=click.Choice(["sentence", "turn"]), default="sentence", show_default=True)
@click.option("--accept-agreed", is_flag=True, help="Copy everything the coders agree on into the consensus.")
@click.option("--decide", "decide_index", type=int, help="Settle disagreement number N (from the list).")
@click.option("--take", help="With --decide: a coder's name, both, neither, or codes.")
@click.option("--code", "codes", multiple=True, help="With --take codes: the consensus codes.")
@click.option("--note", help="With --decide: why.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def reconcile_cmd(
    ctx: click.Context,
    coders: str | None,
    transcripts: tuple[str, ...],
    unit: str,
    accept_agreed: bool,
    decide_index: int | None,
    take: str | None,
    codes: tuple[str, ...],
    note: str | None,
    fmt: str,
) -> None:
    """List the coders' disagreements, accept what they agree on, or settle one disagreement.

    Decisions become segments of the coder "consensus" (origin consensus), linked to the decision in
    the audit log. The reconciliation screen of the workbench walks through them one by one.
    """
    from workbench import reconcile
    from workbench.coding import resolve_transcript
    from workbench.output import to_json

    store = _store(ctx)
    _lead_only(store, "reconciles")
    names = (
        [c.strip() for c in coders.split(",")]
        if coders
        else pooled_coders(c.name for c in store.coders() if c.segments)
    )
    ids = [resolve_transcript(store, t).id for t in transcripts] or None
    if accept_agreed:
        added = reconcile.accept_agreed(store, names, unit=unit, transcript_ids=ids)
        click.echo(f"{added} consensus segments added from what {', '.join(names)} agree on.")
    found = reconcile.find_disagreements(store, names, unit=unit, transcript_ids=ids)
    if decide_index is not None:
        if not 1 <= decide_index <= len(found):
            raise WorkbenchError(f"there is no disagreement {decide_index}; there are {len(found)}.")
        if not take:
            raise WorkbenchError("say what to take with --take (a coder, both, neither, or codes).")
        made = reconcile.decide(store, found[decide_index - 1], take, codes=list(codes), note=note, coder=None)
        click.echo(f"Disagreement {decide_index} settled: {len(made)} consensus segments.")
        return
    settled = sum(d.settled for d in found)
    if fmt == "json":
        click.echo(
            to_json(
                [
                    {
                        "number": i,
                        "transcript": d.transcript,
                        "start": d.start,
                        "end": d.end,
                        "text": d.text,
                        "codes": d.codes,
                        "settled": d.settled,
                        "decision": d.decision,
                    }
                    for i, d in enumerate(found, 1)
                ]
            ),
            nl=False,
        )
        return
    click.echo(f"{len(found)} disagreements between {', '.join(names)} by {unit}; {settled} settled.")
    for i, d in enumerate(found, 1):
        mark = "settled" if d.settled else "open"
        click.echo(f"\n{i}. [{mark}] {d.transcript} [{d.start}-{d.end}] “{' '.join(d.text.split())[:160]}”")
        for who, paths in d.codes.items():
            click.echo(f"   {who}: {'; '.join(paths) or '(nothing)'}")


@cli.command("import-codings")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--coder", help="The coder for rows without a coder column.")
@click.option("--create-codes", is_flag=True, help="Add codes the codebook does not have yet.")
@click.pass_context
@handled
def import_codings_cmd(ctx: click.Context, file: str, coder: str | None, create_codes: bool) -> None:
    """Import coded passages from a CSV or XLSX file (one row per passage): transcript, code,
    coder, and start/end offsets or the passage's text. All rows or none."""
    from workbench.codings import import_codings

    report = import_codings(_store(ctx), file, coder=coder, create_codes=create_codes)
    click.echo(
        f"{report.added} segments imported, {report.already} already there"
        + (f", {len(report.created_codes)} codes created" if report.created_codes else "")
        + "."
    )


@cli.command("agreement")
@click.option("--coders", "coders", required=False, help="Comma-separated coders (default: every coder but consensus).")
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn", "character", "continuum"]),
    default="sentence",
    show_default=True,
    help="continuum: no unit, the unitizing alphas on the coders' own segments.",
)
@click.option(
    "--overlap",
    type=click.Choice(["any", "half", "all"]),
    help="How much of a unit a coder's segments must cover (default: half a sentence, any of a turn).",
)
@click.option("--round", "round_name", help="Only segments made in this coding round (workbench round list).")
@click.option(
    "--pairing",
    type=click.Choice(["per_unit_mean", "pooled_pairs"]),
    default="per_unit_mean",
    show_default=True,
    help="Percent agreement with 3+ coders: mean over units of agreeing pairs, or pooled pairs.",
)
@click.option(
    "--report",
    "methods",
    is_flag=True,
    help="Write a methods paragraph for a paper (with 1,000 bootstrap samples unless --bootstrap says).",
)
@click.option("--columns", default="code", show_default=True, help="code, theme, or level2, level3...")
@click.option("--transcript", "transcripts", multiple=True, help="Only these transcripts (repeatable).")
@click.option(
    "--threshold",
    type=float,
    default=0.667,
    show_default=True,
    help="Flag codes with alpha below this (0.667 tentative, 0.800 firm conclusions).",
)
@click.option("--bootstrap", type=int, default=0, help="Bootstrap samples for a 95% interval of alpha (0: none).")
@click.option("--seed", type=int, default=20261123, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@force_option
@click.pass_context
@handled
def agreement_cmd(
    ctx: click.Context,
    coders: str | None,
    unit: str,
    overlap: str | None,
    round_name: str | None,
    pairing: str,
    methods: bool,
    columns: str,
    transcripts: tuple[str, ...],
    threshold: float,
    bootstrap: int,
    seed: int,
    fmt: str,
    output: str | None,
) -> None:
    """Inter-coder agreement per code and overall: percent agreement, Cohen's kappa and Scott's pi (two
    coders), Fleiss' kappa (three or more), Brennan-Prediger, Gwet's AC1, Krippendorff's alpha (any
    number, missing data allowed); with --unit continuum the unitizing alphas (alpha_u, |u-alpha,
    u-alpha, cu-alpha per theme, Cu-alpha).

    Undefined coefficients (nobody used the code; one value only) are shown as undefined, never as
    0 or 1. Codes below the threshold are flagged, with their disagreements listed.
    """
    from workbench.agreement.compute import AgreementSpec, compute_agreement
    from workbench.agreement.report import agreement_table, write_agreement
    from workbench.coding import resolve_transcript

    store = _store(ctx)
    _lead_only(store, "computes agreement")
    names = (
        [c.strip() for c in coders.split(",")]
        if coders
        else pooled_coders(c.name for c in store.coders() if c.segments)
    )
    ids = [resolve_transcript(store, t).id for t in transcripts] or None
    if bootstrap < 0:
        raise WorkbenchError("--bootstrap needs 0 or more samples.")
    bootstrap_codes = True
    if methods and not bootstrap and unit != "continuum":
        bootstrap, bootstrap_codes = 1000, False  # the paragraph needs the pooled interval only
    from workbench.cli.progress import working

    with working("Computing agreement"):
        report = compute_agreement(
            store,
            AgreementSpec(
                coders=names,
                unit=unit,
                overlap=overlap,
                columns=columns,
                transcripts=ids,
                threshold=threshold,
                bootstrap=bootstrap,
                seed=seed,
                round=round_name,
                pairing=pairing,
                bootstrap_codes=bootstrap_codes,
            ),
        )
    if methods:
        from workbench.agreement.report import methods_paragraph

        _emit(methods_paragraph(report) + "\n", output)
        return
    if fmt == "table":
        click.echo(agreement_table(report))
        return
    text = write_agreement(report, fmt, Path(output) if output else None, **(_destination(output) if output else {}))
    if text is not None:
        _emit(text, output)
    else:
        click.echo(f"Wrote {output}", err=True)


def _lead_only(store: Any, doing: str) -> None:
    """Reconciliation and agreement are the lead's while the project is blind."""
    from workbench.blind import lead_only, restricted
    from workbench.project import current_coder

    if restricted(store):
        lead_only(store, current_coder(store, remember=False), doing)
