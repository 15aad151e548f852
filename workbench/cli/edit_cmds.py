"""Correcting transcripts after coding: `workbench transcript edit|replace|speaker|undo-edit|review`."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.cli.base import _store, cli, handled
from workbench.errors import InputError, WorkbenchError

if TYPE_CHECKING:
    from workbench.transcript_edit import EditReport


def safe_text(value: object) -> str:
    """Project text as it may be printed to a terminal: control characters shown, not sent."""
    from workbench.output import printable

    return printable(str(value))


@cli.group("transcript")
def transcript_group() -> None:
    """Correct a transcript's text or speakers; its coding is carried over."""


def _report(report: EditReport) -> None:
    click.echo(report.summary())
    if report.changed or report.vanished:
        click.echo("See the flagged segments with `workbench transcript review`.", err=True)


@transcript_group.command("edit")
@click.argument("transcript")
@click.option(
    "--from-file",
    "source",
    type=click.Path(exists=True, dir_okay=False),
    help="Take the new text from this UTF-8 file instead of opening $EDITOR.",
)
@click.option("--coder", help="Who makes the correction (default: remembered for the project).")
@click.pass_context
@handled
def edit_cmd(ctx: click.Context, transcript: str, source: str | None, coder: str | None) -> None:
    """Edit TRANSCRIPT's text in $EDITOR; every segment and turn is carried over to the new text.

    A segment whose own text changed is flagged for review, one whose text was removed is kept
    and flagged; nothing is dropped. `workbench transcript undo-edit` takes the edit back.
    """
    from workbench.coding import resolve_transcript
    from workbench.project import current_coder
    from workbench.transcript_edit import edit_text

    store = _store(ctx)
    row = resolve_transcript(store, transcript)
    who = current_coder(store, coder)
    old = store.transcript_text(row.id) or ""
    if source:
        try:
            new = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"the file cannot be read as UTF-8 text: {exc}.", path=Path(source)) from exc
    else:
        edited = _edit_in_editor(old, row.title)
        if edited is None:
            click.echo(f"{row.title}: the editor closed without a change; nothing changed.")
            return
        new = edited
    _report(edit_text(store, row.id, new, coder=who))


def _edit_in_editor(text: str, title: str) -> str | None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise WorkbenchError("no editor is set.", hint="Set $EDITOR (e.g. `export EDITOR=nano`), or use --from-file.")
    with tempfile.TemporaryDirectory(prefix="workbench-edit-") as folder:
        path = Path(folder) / (("".join(c if c.isalnum() else "-" for c in title)[:40] or "transcript") + ".txt")
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except OSError as exc:
            raise WorkbenchError(
                f"the editor {editor!r} could not be started: {exc}.", hint="Check $EDITOR, or use --from-file."
            ) from exc
        if done.returncode != 0:
            raise WorkbenchError(f"the editor exited with status {done.returncode}; the transcript was not changed.")
        new = path.read_text(encoding="utf-8")
    return None if new == text else new


@transcript_group.command("replace")
@click.argument("transcript")
@click.option("--text", "quote", required=True, help="The passage to replace, as it stands in the transcript.")
@click.option("--with", "replacement", required=True, help="What replaces it.")
@click.option("--occurrence", type=int, help="Which occurrence of --text, when it occurs more than once.")
@click.option("--coder", help="Who makes the correction.")
@click.pass_context
@handled
def replace_cmd(
    ctx: click.Context, transcript: str, quote: str, replacement: str, occurrence: int | None, coder: str | None
) -> None:
    """Replace one passage of TRANSCRIPT (a misheard word, a name); the coding is carried over."""
    from workbench.coding import find_quote, resolve_transcript
    from workbench.project import current_coder
    from workbench.transcript_edit import replace_passage

    store = _store(ctx)
    row = resolve_transcript(store, transcript)
    start, end = find_quote(store.transcript_text(row.id) or "", quote, occurrence)
    _report(replace_passage(store, row.id, start, end, replacement, coder=current_coder(store, coder)))


@transcript_group.command("speaker")
@click.argument("transcript")
@click.argument("turn", type=int)
@click.argument("name")
@click.option("--coder", help="Who makes the correction.")
@click.pass_context
@handled
def speaker_cmd(ctx: click.Context, transcript: str, turn: int, name: str, coder: str | None) -> None:
    """Name the speaker of TURN (numbered from 1) of TRANSCRIPT."""
    from workbench.coding import resolve_transcript
    from workbench.project import current_coder
    from workbench.transcript_edit import set_speaker

    store = _store(ctx)
    row = resolve_transcript(store, transcript)
    old = set_speaker(store, row.id, turn, name, coder=current_coder(store, coder))
    click.echo(f"{row.title}: turn {turn} is now spoken by {name} (was {old or 'unnamed'}).")


@transcript_group.command("undo-edit")
@click.argument("transcript")
@click.option("--coder", help="Who undoes the edit.")
@click.pass_context
@handled
def undo_cmd(ctx: click.Context, transcript: str, coder: str | None) -> None:
    """Take back the last edit of TRANSCRIPT: its text, turns and segments as they were."""
    from workbench.coding import resolve_transcript
    from workbench.project import current_coder
    from workbench.transcript_edit import undo_last_edit

    store = _store(ctx)
    row = resolve_transcript(store, transcript)
    report = undo_last_edit(store, row.id, coder=current_coder(store, coder))
    click.echo(f"{report.title}: the last edit is undone; {report.segments} segments are back where they were.")


@transcript_group.command("review")
@click.argument("transcript", required=False)
@click.option(
    "--done",
    "done",
    multiple=True,
    type=int,
    metavar="SEGMENT_ID",
    help="Mark a flagged segment as reviewed (repeatable).",
)
@click.option("--coder", help="Who reviewed.")
@click.pass_context
@handled
def review_cmd(ctx: click.Context, transcript: str | None, done: tuple[int, ...], coder: str | None) -> None:
    """List the segments an edit flagged for review (their text changed or was removed)."""
    from workbench.coding import resolve_transcript
    from workbench.project import current_coder
    from workbench.transcript_edit import mark_reviewed, review_list

    store = _store(ctx)
    tid = resolve_transcript(store, transcript).id if transcript else None
    if done:
        flagged = {s.id for s in review_list(store, tid)}
        unknown = [i for i in done if i not in flagged]
        if unknown:
            raise WorkbenchError(f"segment(s) {', '.join(map(str, unknown))} are not flagged for review.")
        click.echo(f"{mark_reviewed(store, done, coder=current_coder(store, coder))} segment(s) marked as reviewed.")
        return
    rows = review_list(store, tid)
    if not rows:
        click.echo("No segment is flagged for review.")
        return
    for row in rows:
        click.echo(
            f"{row.id:>6}  {row.review:<8}  {safe_text(row.transcript)}  [{row.coder}]  {safe_text(row.text[:70])}"
        )
        click.echo(f"        {safe_text(row.review_note or '')[:150]}")
