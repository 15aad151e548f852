"""Speakers as cases: list each transcript's speakers with their participant and role, map a
speaker to a participant (merging the same person across transcripts), mark an interviewer."""

from __future__ import annotations

import click

from workbench.cli.base import FORMATS, _store, cli, handled
from workbench.errors import WorkbenchError


@cli.command("speakers")
@click.argument("args", nargs=-1)
@click.option("--interviewer", is_flag=True, help="With map: the speaker is the interviewer/moderator.")
@click.option("--coder", help="Recorded in the audit log (with map).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
@handled
def speakers_cmd(ctx: click.Context, args: tuple[str, ...], interviewer: bool, coder: str | None, fmt: str) -> None:
    """List speakers, or map one: `workbench speakers [TRANSCRIPT]`,
    `workbench speakers map TRANSCRIPT SPEAKER PARTICIPANT`, `... map TRANSCRIPT SPEAKER --interviewer`.

    Each speaker of a transcript is a participant (a case in matrices: a segment counts for the
    participants whose turns it covers) or an interviewer/moderator (never a participant). Mapping
    speakers of two transcripts to one participant merges them into one person. Unlabelled turns
    are the speaker "(unlabelled)".
    """
    from workbench.cases import ensure_speakers, list_speakers, map_speaker
    from workbench.output import to_csv, to_json, to_table

    store = _store(ctx)
    ensure_speakers(store)
    if args and args[0] == "map":
        if len(args) not in (3, 4) or (len(args) == 4) == interviewer:
            raise WorkbenchError(
                "map takes a transcript, a speaker and a participant (or --interviewer).",
                hint='e.g. workbench speakers map 3 "Denise Porter" HV-02',
            )
        from workbench.project import current_coder

        case = map_speaker(
            store,
            args[1],
            args[2],
            args[3] if len(args) == 4 else None,
            interviewer=interviewer,
            coder=current_coder(store, coder, remember=False),
        )
        who = "the interviewer" if case.role == "interviewer" else f"participant {case.participant}"
        click.echo(f"{case.shown} in {case.transcript!r} is now {who}.")
        return
    if len(args) > 1:
        raise WorkbenchError(
            "list the speakers of one transcript, or all of them.",
            hint="workbench speakers [TRANSCRIPT]; to map one: workbench speakers map ...",
        )
    if interviewer:
        raise WorkbenchError(
            "--interviewer goes with map.", hint="workbench speakers map TRANSCRIPT SPEAKER --interviewer"
        )
    cases = list_speakers(store, args[0] if args else None)
    keys = ["transcript_id", "transcript", "site", "speaker", "turns", "role", "participant"]
    rows = [
        {
            "transcript_id": c.transcript_id,
            "transcript": c.transcript,
            "site": c.site,
            "speaker": c.shown,
            "turns": c.turns,
            "role": c.role,
            "participant": c.participant if c.role == "participant" else None,
        }
        for c in cases
    ]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(rows, keys), nl=False)
    else:
        for row in rows:
            if row["role"] == "participant" and row["participant"] is None:
                row["participant"] = "(not mapped)"
        click.echo(
            to_table(
                rows,
                [
                    ("transcript_id", "id"),
                    ("transcript", "transcript"),
                    ("speaker", "speaker"),
                    ("turns", "turns"),
                    ("role", "role"),
                    ("participant", "participant"),
                ],
            ),
            nl=False,
        )
