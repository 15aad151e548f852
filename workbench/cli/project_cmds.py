"""Commands on the project: init, open, import, export, transcripts, demo, backup."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.cli.base import FORMATS, _destination, _store, cli, force_option, handled
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.store import Store


@cli.command("init")
@click.pass_context
@handled
def init_cmd(ctx: click.Context) -> None:
    """Create an empty project file."""
    from workbench.project import project_location

    path = project_location(ctx.obj["project"])  # a team database's URL stays whole
    if path.exists():
        raise WorkbenchError(f"{path} already exists.", hint="Open it with `workbench`, or choose another --project.")
    _store(ctx, create=True)
    click.echo(f"Created project {path}")


@cli.command("open")
@click.option("--coder", help="Who is coding (remembered for this project).")
@click.pass_context
@handled
def open_cmd(ctx: click.Context, coder: str | None) -> None:
    """Open the coding workbench on the project."""
    from workbench.project import current_coder, project_location

    store = _store(ctx)
    name = current_coder(store, coder)
    store.close()
    from workbench.tui.app import run

    run(project_location(ctx.obj["project"]), name)  # a team database stays its connection string


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV of file, site, participant, role and other attributes.",
)
@click.option(
    "--transcriber-tags",
    "tags",
    type=click.Choice(["render", "strip", "keep"]),
    default="render",
    show_default=True,
    help="Tags like <UNSURE>word</UNSURE> and <UNIN/> in text and SRT files: "
    "render as 'word [?]' and '[unintelligible]', strip, or keep.",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option(
    "--encoding",
    help="Read text and caption files in this encoding (e.g. cp1252, latin-1, utf-16) instead of detecting it.",
)
@click.option(
    "--update",
    is_flag=True,
    help="A changed file replaces the text of the transcript it was imported "
    "as; every segment is carried over (see `workbench transcript review`).",
)
@click.pass_context
@handled
def import_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    metadata: str | None,
    tags: str,
    fmt: str,
    encoding: str | None,
    update: bool,
) -> None:
    """Import transcripts (.txt .md .docx .odt .vtt .srt, Whisper .json), files or folders.

    The site defaults to the folder holding a file; front matter in a text file and the
    --metadata CSV fill in site, participant, role and attributes. Re-importing an unchanged file
    does nothing; a changed one is reported, not replaced (with --update it replaces the
    transcript's text and its coding is carried over).
    """
    from workbench.output import to_csv, to_json, to_table
    from workbench.project import import_transcripts

    store = _store(ctx, create=True)
    refi = [p for p in paths if Path(p).suffix.lower() in (".qdpx", ".qde")]
    if refi:
        _import_refi(store, refi)
        paths = tuple(p for p in paths if p not in refi)
        if not paths:
            return
    from workbench.cli.progress import progress_bar

    with progress_bar("Importing") as progress:
        results = import_transcripts(store, paths, metadata=metadata, progress=progress, encoding=encoding, tags=tags)
    if update:
        from workbench.project import current_coder
        from workbench.transcript_edit import update_from_file

        for r in results:
            if r.status == "changed" and r.transcript_id is not None:
                report = update_from_file(
                    store, r.transcript_id, r.path, coder=current_coder(store, None), encoding=encoding, tags=tags
                )
                r.status, r.message = "updated", report.summary()
    rows = [
        {
            "file": str(r.path),
            "status": r.status,
            "transcript_id": r.transcript_id,
            "title": r.title,
            "site": r.site,
            "turns": r.turns,
            "speakers": r.speakers,
            "words": r.words,
            "message": r.message,
            "warnings": r.warnings,
            "encoding": r.encoding,
        }
        for r in results
    ]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(rows, list(rows[0]) if rows else ["file"]), nl=False)
    else:
        ok = [r for r in rows if r["status"] not in ("failed", "skipped")]
        if ok:
            click.echo(
                to_table(
                    ok,
                    [
                        ("status", "status"),
                        ("title", "title"),
                        ("site", "site"),
                        ("turns", "turns"),
                        ("speakers", "speakers"),
                        ("words", "words"),
                    ],
                ),
                nl=False,
            )
        for r in results:
            if r.status in ("changed", "skipped", "updated"):
                click.echo(f"{r.status}: " + r.message, err=True)
            for warning in r.warnings:
                click.echo(f"warning: {r.path}: {warning}", err=True)
        failed = [r for r in results if r.status == "failed"]
        counts = {
            s: sum(r.status == s for r in results)
            for s in ("imported", "updated", "unchanged", "changed", "skipped", "failed")
        }
        click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no transcript files found", err=True)
        for r in failed:
            click.echo("error: " + r.message, err=True)
    if any(r.status == "failed" for r in results) or not results:
        ctx.exit(1)


def _import_refi(store: Store, paths: list[str]) -> None:
    """Projects from other tools (.qdpx; a bare .qde brings its codebook)."""
    from workbench.project import apply_codebook
    from workbench.refi.codes import read_codebook
    from workbench.refi_import import import_qdpx

    for name in paths:
        if Path(name).suffix.lower() == ".qde":
            book, repairs = read_codebook(name)
            changes = apply_codebook(store, book)
            click.echo(
                f"{name}: a project file without its sources; its codebook was imported "
                f"({len(changes.added)} codes added, {len(changes.updated)} updated)."
            )
        else:
            report = import_qdpx(store, name)
            click.echo(
                f"{name} ({report.origin or 'unknown tool'}): {report.codes} codes, {report.users} users, "
                f"{len(report.sources)} text sources, {report.notes} memos."
            )
            for source in report.sources:
                unit = f", positions counted in {source.unit}" if source.unit else ""
                encoding = f", text read as {source.encoding}" if source.encoding else ""
                click.echo(
                    f"  {source.name}: {source.imported} of {source.selections} selections imported "
                    f"({source.codings_imported} of {source.codings} codings){unit}{encoding}"
                )
                for skipped in source.skipped:
                    click.echo(f"    skipped: {skipped}", err=True)
            repairs = report.repairs
        for note in repairs:
            click.echo(f"  repaired: {note}", err=True)


@cli.group("export")
def export_group() -> None:
    """Export the whole project for other tools."""


@export_group.command("qdpx")
@click.argument("file", type=click.Path(dir_okay=False))
@force_option
@click.pass_context
@handled
def export_qdpx_cmd(ctx: click.Context, file: str) -> None:
    """A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA and QualCoder: codebook, transcripts,
    every coder's segments, sites and participants as cases, memos as notes."""
    from workbench.export.destination import replacing
    from workbench.refi_export import export_qdpx

    from workbench.cli.progress import working

    store = _store(ctx)
    with working(f"Writing {file}"), replacing(file, **_destination(file)) as tmp:
        report = export_qdpx(store, tmp)
    click.echo(
        f"Wrote {file}: {report.sources} sources, {report.codes} codes, {report.selections} "
        f"coded selections, {report.users} users, {report.cases} cases, {report.notes} notes."
    )


@cli.command("transcripts")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
@handled
def transcripts_cmd(ctx: click.Context, fmt: str) -> None:
    """List transcripts with site, participant, role, words, turns and share coded."""
    from workbench.output import to_csv, to_json, to_table
    from workbench.project import list_transcripts

    rows = list_transcripts(_store(ctx))
    keys = [
        "id",
        "title",
        "site",
        "participant",
        "role",
        "date",
        "interviewer",
        "format",
        "words",
        "turns",
        "segments",
        "coded",
        "source_name",
    ]
    shown = [{k: getattr(r, k) for k in keys} for r in rows]
    if fmt == "json":
        click.echo(to_json(shown), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(shown, keys), nl=False)
    else:
        click.echo(
            to_table(
                shown,
                [
                    ("id", "id"),
                    ("title", "title"),
                    ("site", "site"),
                    ("participant", "participant"),
                    ("role", "role"),
                    ("format", "format"),
                    ("words", "words"),
                    ("turns", "turns"),
                    ("segments", "segments"),
                    ("coded", "coded"),
                ],
            ),
            nl=False,
        )


@cli.command("demo")
@click.option("--no-tui", is_flag=True, help="Only build the sample project; do not open it.")
@click.option("--coder", help="Who is coding in the demo (default: maria, one of the sample's coders).")
@click.pass_context
@handled
def demo_cmd(ctx: click.Context, no_tui: bool, coder: str | None) -> None:
    """Build the sample study (codebook, 18 interviews, two coders) and open it.

    The project goes to --project, by default demo.db in your user data folder. Running it again
    opens the existing demo project.
    """
    from workbench.project import current_coder, open_store, project_location
    from workbench.sample import build_demo, default_demo_path

    path = project_location(ctx.obj["project"]) if ctx.obj["project"] else default_demo_path()
    store = open_store(path, create=True)
    from workbench.cli.progress import progress_bar

    with progress_bar("Building the sample study") as progress:
        report = build_demo(store, progress=progress)
    if report.built:
        click.echo(
            f"Built the sample study in {path}: {report.transcripts} transcripts, {report.codes} codes, "
            f"{report.segments} coded segments.",
            err=True,
        )
    else:
        click.echo(f"Opening the sample study in {path}.", err=True)
    for failure in report.failures:
        click.echo("error: " + failure, err=True)
    name = current_coder(store, coder or (None if store.get_meta("last_coder") else "maria"))
    store.close()
    if not no_tui:
        from workbench.tui.app import run

        run(path, name)


@cli.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@click.pass_context
@handled
def backup_cmd(ctx: click.Context, destination: str) -> None:
    """Copy the project consistently, even while it is open elsewhere."""
    from workbench.project import backup

    from workbench.export.destination import check_destination

    check_destination(destination, **{**_destination(destination), "force": True})  # an existing file: refused below
    store = _store(ctx)
    from workbench.cli.progress import working

    with working(f"Copying to {destination}"):
        copy = backup(store, destination)
    click.echo(f"Backed up to {copy}")


@cli.command("media")
@click.argument("transcript")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--coder", help="Recorded in the audit log.")
@click.pass_context
@handled
def media_cmd(ctx: click.Context, transcript: str, file: str | None, coder: str | None) -> None:
    """Link the recording (audio or video) of TRANSCRIPT, played in the workbench with mpv; without
    FILE, say which recording it has.

    A recording with the transcript's base name beside it, or named in a `media` column of the
    import's --metadata CSV, is linked at import."""
    from workbench.coding import resolve_transcript
    from workbench.media import media_for, set_media
    from workbench.project import current_coder

    store = _store(ctx)
    t = resolve_transcript(store, transcript)
    if file is None:
        path = media_for(store, t.id)
        click.echo(
            f"{t.title}: {path}" + ("" if path is None or path.exists() else " (missing)")
            if path
            else f"{t.title} has no recording; link one with `workbench media {transcript} FILE`."
        )
        return
    path = set_media(store, t.id, file, coder=current_coder(store, coder, remember=False))
    click.echo(f"{t.title}: recording {path}")
