"""The command line: thin commands over the use cases in ``project``, ``coding`` and ``sample``.

``workbench`` alone opens the coding workbench on the project; every other command works
without the terminal UI. Errors become a clear message and exit code 1.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench import __version__
from workbench.errors import WorkbenchError

FORMATS = click.Choice(["table", "json", "csv"])


def _fail(exc: WorkbenchError) -> click.ClickException:
    return click.ClickException(str(exc))


def handled(func: Callable) -> Callable:
    """Turn the project's errors into click errors (message, exit code 1)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WorkbenchError as exc:
            raise _fail(exc) from exc
    return wrapper


def _store(ctx: click.Context, create: bool = False):
    from workbench.project import open_store

    store = open_store(ctx.obj["project"], create=create)
    ctx.call_on_close(store.close)
    return store


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "-p", type=click.Path(dir_okay=False), envvar="WORKBENCH_PROJECT",
              help="Project file (default ./workbench.db, or $WORKBENCH_PROJECT).")
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, project: str | None) -> None:
    """Code qualitative interview transcripts in the terminal.

    Run `workbench` alone to open the coding workbench on the project, or `workbench demo` to
    try it on the bundled sample study.
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    if ctx.invoked_subcommand is None:
        ctx.invoke(open_cmd)


@cli.command("init")
@click.pass_context
@handled
def init_cmd(ctx: click.Context) -> None:
    """Create an empty project file."""
    from workbench.project import project_path

    path = project_path(ctx.obj["project"])
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
    from workbench.project import current_coder, project_path

    store = _store(ctx)
    name = current_coder(store, coder)
    store.close()
    from workbench.tui.app import run

    run(project_path(ctx.obj["project"]), name)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--metadata", type=click.Path(exists=True, dir_okay=False),
              help="CSV of file, site, participant, role and other attributes.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
@handled
def import_cmd(ctx: click.Context, paths: tuple[str, ...], metadata: str | None, fmt: str) -> None:
    """Import transcripts (.txt .md .docx .odt .vtt .srt), files or folders.

    The site defaults to the folder holding a file; front matter in a text file and the
    --metadata CSV fill in site, participant, role and attributes. Re-importing an unchanged file
    does nothing; a changed one is reported, not replaced.
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
    interactive = sys.stderr.isatty() and fmt == "table"

    def progress(done: int, total: int, name: str) -> None:
        if interactive:
            click.echo(f"\r[{done}/{total}] {name[:60]:<60}", err=True, nl=not name)

    results = import_transcripts(store, paths, metadata=metadata, progress=progress)
    rows = [{"file": str(r.path), "status": r.status, "transcript_id": r.transcript_id, "title": r.title,
             "site": r.site, "turns": r.turns, "speakers": r.speakers, "words": r.words,
             "message": r.message, "warnings": r.warnings} for r in results]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(rows, list(rows[0]) if rows else ["file"]), nl=False)
    else:
        ok = [r for r in rows if r["status"] not in ("failed", "skipped")]
        if ok:
            click.echo(to_table(ok, [("status", "status"), ("title", "title"), ("site", "site"),
                                     ("turns", "turns"), ("speakers", "speakers"), ("words", "words")]), nl=False)
        for r in results:
            if r.status in ("changed", "skipped"):
                click.echo(f"{r.status}: " + r.message, err=True)
            for warning in r.warnings:
                click.echo(f"warning: {r.path}: {warning}", err=True)
        failed = [r for r in results if r.status == "failed"]
        counts = {s: sum(r.status == s for r in results) for s in ("imported", "unchanged", "changed", "skipped", "failed")}
        click.echo(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no transcript files found", err=True)
        for r in failed:
            click.echo("error: " + r.message, err=True)
    if any(r.status == "failed" for r in results) or not results:
        ctx.exit(1)


def _import_refi(store, paths: list[str]) -> None:  # noqa: ANN001 - a Store
    """Projects from other tools (.qdpx; a bare .qde brings its codebook)."""
    from workbench.project import apply_codebook
    from workbench.refi.reader import import_qdpx, read_codebook

    for name in paths:
        if Path(name).suffix.lower() == ".qde":
            book, repairs = read_codebook(name)
            changes = apply_codebook(store, book)
            click.echo(f"{name}: a project file without its sources; its codebook was imported "
                       f"({len(changes.added)} codes added, {len(changes.updated)} updated).")
        else:
            report = import_qdpx(store, name)
            click.echo(f"{name} ({report.origin or 'unknown tool'}): {report.codes} codes, {report.users} users, "
                       f"{len(report.sources)} text sources.")
            for source in report.sources:
                unit = f", positions counted in {source.unit}" if source.unit else ""
                click.echo(f"  {source.name}: {source.imported} of {source.selections} selections imported{unit}")
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
@click.pass_context
@handled
def export_qdpx_cmd(ctx: click.Context, file: str) -> None:
    """A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA and QualCoder: codebook, transcripts,
    every coder's segments, sites and participants as cases, memos as notes."""
    from workbench.refi.writer import export_qdpx

    report = export_qdpx(_store(ctx), file)
    click.echo(f"Wrote {report.path}: {report.sources} sources, {report.codes} codes, {report.selections} "
               f"coded selections, {report.users} users, {report.cases} cases, {report.notes} notes.")


@cli.command("transcripts")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_context
@handled
def transcripts_cmd(ctx: click.Context, fmt: str) -> None:
    """List transcripts with site, participant, role, words, turns and share coded."""
    from workbench.output import to_csv, to_json, to_table
    from workbench.project import list_transcripts

    rows = list_transcripts(_store(ctx))
    keys = ["id", "title", "site", "participant", "role", "date", "interviewer", "format", "words",
            "turns", "segments", "coded", "source_name"]
    rows = [{k: r.get(k) for k in keys} for r in rows]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    elif fmt == "csv":
        click.echo(to_csv(rows, keys), nl=False)
    else:
        click.echo(to_table(rows, [("id", "id"), ("title", "title"), ("site", "site"), ("participant", "participant"),
                                   ("role", "role"), ("format", "format"), ("words", "words"), ("turns", "turns"),
                                   ("segments", "segments"), ("coded", "coded")]), nl=False)


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
        from workbench.refi.reader import read_codebook

        book, repairs = read_codebook(file)
        changes = apply_codebook(store, book, coder=coder)
        for note in repairs:
            click.echo(f"repaired: {note}", err=True)
    else:
        changes = import_codebook(store, file, coder=coder)
    click.echo(f"{len(changes.added)} codes added, {len(changes.updated)} updated, "
               f"{len(changes.unchanged)} unchanged.")
    if changes.kept:
        click.echo(f"{len(changes.kept)} codes of the project are not in {file} and were kept: "
                   + "; ".join(changes.kept), err=True)


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
            node = {k: c[k] for k in ("id", "guid", "name", "path", "definition", "when_to_use", "when_not_to_use",
                                      "example", "colour", "keywords", "segments")}
            node["children"] = []
            by_id[c["id"]] = node
            (by_id[c["parent_id"]]["children"] if c["parent_id"] else roots).append(node)
        click.echo(to_json(roots), nl=False)
        return
    if not codes:
        click.echo("The project has no codes yet: load some with `workbench codebook import FILE`.")
    for c in codes:
        click.echo(f"{'  ' * c['depth']}{c['name']} ({c['segments']})")


@codebook_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["yaml", "md", "qdc"]), default="yaml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.pass_context
@handled
def codebook_export(ctx: click.Context, fmt: str, output: str | None) -> None:
    """Export the codebook as YAML (re-importable), Markdown (for a paper's appendix) or REFI-QDA
    .qdc (for NVivo, ATLAS.ti, MAXQDA, QualCoder)."""
    from workbench.codebook import to_markdown, to_yaml
    from workbench.project import project_codebook

    store = _store(ctx)
    if fmt == "qdc":
        from workbench.refi.writer import codebook_xml

        data = codebook_xml(store)
        if output:
            Path(output).write_bytes(data)
            click.echo(f"Wrote {output}", err=True)
        else:
            click.echo(data.decode("utf-8"), nl=False)
        return
    book = project_codebook(store)
    if fmt == "yaml":
        text = to_yaml(book)
    else:
        text = to_markdown(book, {c["path"]: c["segments"] for c in store.codes()})
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

    click.echo(f"Renamed to {rename_code(_store(ctx), code, new_name, coder=coder)['path']}.")


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
def codebook_reword(ctx: click.Context, code: str, coder: str | None, **fields: str | None) -> None:
    """Change a code's definition, when to use, when not to use, example or colour."""
    from workbench.codebook_edits import reword_code

    click.echo(f"Updated {reword_code(_store(ctx), code, coder=coder, **fields)['path']}.")


@codebook_group.command("move")
@click.argument("code")
@click.option("--to", "parent", help="The new parent code (omit for the top level).")
@click.option("--coder", help="Recorded in the codebook's history.")
@click.pass_context
@handled
def codebook_move(ctx: click.Context, code: str, parent: str | None, coder: str | None) -> None:
    """Move a code and its sub-codes under another code, or to the top level."""
    from workbench.codebook_edits import move_code

    click.echo(f"Moved to {move_code(_store(ctx), code, parent, coder=coder)['path']}.")


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
    click.echo(f"Merged into {result['target']}: {result['moved']} segments moved, "
               f"{result['dropped']} duplicates dropped.")


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
    click.echo("Made " + ", ".join(m["path"] for m in made) + ". Recode its segments with the retrieval screen.")


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
        click.echo(to_table(rows, [("at", "when"), ("coder", "who"), ("action", "change"), ("before", "before"),
                                   ("after", "after")]), nl=False)


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

    report = merge_project(_store(ctx), other, coder=coder)
    click.echo(f"Merged {other}: {report.transcripts_added} transcripts, {report.codes_added} codes, "
               f"{report.segments_added} segments added ({report.segments_already} already here), "
               f"{report.memos_added} memos.")
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
def reconcile_cmd(ctx: click.Context, coders: str | None, transcripts: tuple[str, ...], unit: str,
                  accept_agreed: bool, decide_index: int | None, take: str | None, codes: tuple[str, ...],
                  note: str | None, fmt: str) -> None:
    """List the coders' disagreements, accept what they agree on, or settle one disagreement.

    Decisions become segments of the coder "consensus" (origin consensus), linked to the decision in
    the audit log. The reconciliation screen of the workbench walks through them one by one.
    """
    from workbench import reconcile
    from workbench.coding import resolve_transcript
    from workbench.output import to_json

    store = _store(ctx)
    names = [c.strip() for c in coders.split(",")] if coders else [
        c["name"] for c in store.coders() if c["name"] != reconcile.CONSENSUS]
    ids = [resolve_transcript(store, t)["id"] for t in transcripts] or None
    options = {"unit": unit, "transcript_ids": ids}
    if accept_agreed:
        added = reconcile.accept_agreed(store, names, **options)
        click.echo(f"{added} consensus segments added from what {', '.join(names)} agree on.")
    found = reconcile.find_disagreements(store, names, **options)
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
        click.echo(to_json([{"number": i, "transcript": d.transcript, "start": d.start, "end": d.end, "text": d.text,
                             "codes": d.codes, "settled": d.settled, "decision": d.decision}
                            for i, d in enumerate(found, 1)]), nl=False)
        return
    click.echo(f"{len(found)} disagreements between {', '.join(names)} by {unit}; {settled} settled.")
    for i, d in enumerate(found, 1):
        mark = "settled" if d.settled else "open"
        click.echo(f"\n{i}. [{mark}] {d.transcript} [{d.start}-{d.end}] “{' '.join(d.text.split())[:160]}”")
        for who, paths in d.codes.items():
            click.echo(f"   {who}: {'; '.join(paths) or '(nothing)'}")


@cli.group("code")
def code_group() -> None:
    """Add or remove coded segments."""


@code_group.command("add")
@click.argument("transcript")
@click.option("--code", "code_ref", required=True, help='Code path, e.g. "Barriers/Time".')
@click.option("--coder", help="Who is coding (default: remembered for the project).")
@click.option("--text", "quote", help="The passage, quoted as it stands in the transcript.")
@click.option("--occurrence", type=int, help="Which occurrence of --text, when it occurs more than once.")
@click.option("--start", type=int, help="Start offset (characters from 0).")
@click.option("--end", type=int, help="End offset (exclusive).")
@click.option("--memo", help="A memo on the segment.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def code_add(ctx: click.Context, transcript: str, code_ref: str, coder: str | None, quote: str | None,
             occurrence: int | None, start: int | None, end: int | None, memo: str | None, fmt: str) -> None:
    """Code a passage of TRANSCRIPT (its id, title or file name) by offsets or by quoted text."""
    from workbench.coding import add_segment, find_quote, resolve_code, resolve_transcript
    from workbench.output import to_json
    from workbench.project import current_coder

    store = _store(ctx)
    if (quote is None) == (start is None or end is None):
        raise WorkbenchError("say which passage: either --text \"...\" or both --start and --end.")
    t = resolve_transcript(store, transcript)
    code = resolve_code(store, code_ref)
    if quote is not None:
        start, end = find_quote(store.transcript_text(t["id"]) or "", quote, occurrence)
    segment = add_segment(store, transcript_id=t["id"], code_id=code["id"], coder=current_coder(store, coder),
                          start=start, end=end, memo=memo)
    segment["code"] = code["path"]
    if fmt == "json":
        click.echo(to_json(segment), nl=False)
    else:
        click.echo(f"Segment {segment['id']}: {code['path']} on {t['title']} [{start}-{end}] by {segment['coder']}")


@code_group.command("remove")
@click.argument("segment_id", type=int)
@click.option("--coder", help="Recorded in the audit log.")
@click.pass_context
@handled
def code_remove(ctx: click.Context, segment_id: int, coder: str | None) -> None:
    """Remove a coded segment (the audit log keeps it)."""
    from workbench.coding import remove_segment
    from workbench.project import current_coder

    store = _store(ctx)
    before = remove_segment(store, segment_id, coder=current_coder(store, coder, remember=False))
    click.echo(f"Removed segment {segment_id} ({before['transcript']}, {before['start']}-{before['end']}).")


SEGMENT_KEYS = ["id", "transcript_id", "transcript", "site", "participant", "role", "code", "coder", "start", "end",
                "text", "memo", "origin", "created_at", "updated_at"]


@cli.command("segments")
@click.option("--transcript", help="Only this transcript (id, title or file name).")
@click.option("--code", "code_ref", help="Only this code and its sub-codes.")
@click.option("--coder", help="Only this coder's segments.")
@click.option("--site", help="Only this site.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.pass_context
@handled
def segments_cmd(ctx: click.Context, transcript: str | None, code_ref: str | None, coder: str | None,
                 site: str | None, fmt: str, output: str | None) -> None:
    """List or export coded segments, one row per segment with its context."""
    from workbench.coding import list_segments
    from workbench.output import to_csv, to_json, to_table

    rows = [{k: r.get(k) for k in SEGMENT_KEYS}
            for r in list_segments(_store(ctx), transcript=transcript, code=code_ref, coder=coder, site=site)]
    if fmt == "json":
        _emit(to_json(rows), output)
    elif fmt == "csv":
        _emit(to_csv(rows, SEGMENT_KEYS), output)
    else:
        _emit(to_table(rows, [("id", "id"), ("transcript", "transcript"), ("site", "site"), ("code", "code"),
                              ("coder", "coder"), ("start", "start"), ("end", "end"), ("text", "text")]), output)


@cli.command("memo")
@click.argument("text")
@click.option("--transcript", help="Write the memo on this transcript.")
@click.option("--code", "code_ref", help="Write the memo on this code.")
@click.option("--segment", type=int, help="Set the memo of this segment.")
@click.option("--coder", help="Who writes it.")
@click.pass_context
@handled
def memo_cmd(ctx: click.Context, text: str, transcript: str | None, code_ref: str | None,
             segment: int | None, coder: str | None) -> None:
    """Write a memo on the project, a transcript, a code or a segment."""
    from workbench.coding import add_memo, resolve_code, resolve_transcript, update_segment
    from workbench.project import current_coder

    store = _store(ctx)
    who = current_coder(store, coder)
    if sum(x is not None for x in (transcript, code_ref, segment)) > 1:
        raise WorkbenchError("a memo goes on one thing: give only one of --transcript, --code, --segment.")
    if segment is not None:
        update_segment(store, segment, coder=who, memo=text)
        click.echo(f"Memo set on segment {segment}.")
    elif transcript:
        add_memo(store, "transcript", resolve_transcript(store, transcript)["id"], text, coder=who)
        click.echo("Memo added to the transcript.")
    elif code_ref:
        add_memo(store, "code", resolve_code(store, code_ref)["id"], text, coder=who)
        click.echo("Memo added to the code.")
    else:
        add_memo(store, "project", None, text, coder=who)
        click.echo("Memo added to the project.")


def _selection(coder: tuple[str, ...], code: tuple[str, ...], site: tuple[str, ...], role: tuple[str, ...],
               origin: str | None):
    from workbench.analysis.frame import Selection

    return Selection(coders=list(coder) or None, codes=list(code) or None, sites=list(site) or None,
                     roles=list(role) or None, origin=origin)


def selection_options(func: Callable) -> Callable:
    """The options that choose which coding goes into a table."""
    for option in reversed([
        click.option("--coder", multiple=True, help="Only this coder (repeat for several; default: all pooled)."),
        click.option("--consensus", "origin", flag_value="consensus", default=None,
                     help="Only the consensus coding."),
        click.option("--code", "code_filter", multiple=True, help="Only this code and its sub-codes (repeatable)."),
        click.option("--site", multiple=True, help="Only this site (repeatable)."),
        click.option("--role", multiple=True, help="Only participants with this role (repeatable)."),
    ]):
        func = option(func)
    return func


TABLE_FORMATS = click.Choice(["table", "csv", "tidy", "json", "md", "xlsx", "html"])


def _write_table(ctx: click.Context, table, fmt: str, output: str | None, title: str, value: str) -> None:
    from workbench.export.tables import table_to_csv, table_to_json, table_to_markdown, table_to_tidy, write_xlsx

    path = Path(output) if output else None
    if fmt == "table":
        click.echo(title)
        click.echo(table.to_string(), nl=True)
        return
    if fmt in ("xlsx", "html") and path is None:
        raise WorkbenchError(f"a .{fmt} file needs a name.", hint=f"Add -o FILE.{fmt}.")
    if fmt == "xlsx":
        write_xlsx(path, [(value.capitalize(), table)])
        click.echo(f"Wrote {path}", err=True)
        return
    text = {"csv": lambda: table_to_csv(table), "tidy": lambda: table_to_tidy(table, value),
            "json": lambda: table_to_json(table, {"title": title}), "md": lambda: table_to_markdown(table, title),
            "html": lambda: table_to_markdown(table, title)}[fmt]()
    _emit(text, output)


@cli.command("matrix")
@click.option("--rows", default="site", show_default=True,
              help="site, participant, role, transcript, coder, site:ATTRIBUTE or participant:ATTRIBUTE.")
@click.option("--columns", default="theme", show_default=True, help="theme, code, or level2, level3...")
@click.option("--value", type=click.Choice(["segments", "transcripts", "participants", "share", "excerpts"]),
              default="segments", show_default=True)
@click.option("--transpose", is_flag=True, help="Swap rows and columns.")
@selection_options
@click.option("--format", "fmt", type=TABLE_FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.pass_context
@handled
def matrix_cmd(ctx: click.Context, rows: str, columns: str, value: str, transpose: bool, coder: tuple[str, ...],
               origin: str | None, code_filter: tuple[str, ...], site: tuple[str, ...], role: tuple[str, ...],
               fmt: str, output: str | None) -> None:
    """The framework matrix: sites (or other rows) x themes (or codes).

    Values: number of segments, of transcripts, of participants who raised it, the share of the
    row's participants who raised it, or excerpts. Every row and column is shown, empty or not.
    XLSX has sheets for the matrix, the counts, the excerpts behind them, the codebook; HTML is a
    self-contained report with a heat map, summaries with excerpts and the codebook.
    """
    from workbench.analysis.matrix import MatrixSpec, build_matrix
    from workbench.export.tables import write_matrix
    from workbench.project import project_codebook

    store = _store(ctx)
    spec = MatrixSpec(rows=rows, columns=columns, value=value, transpose=transpose,
                      selection=_selection(coder, code_filter, site, role, origin))
    matrix = build_matrix(store, spec)
    if fmt == "table":
        import pandas as pd

        with pd.option_context("display.max_columns", None, "display.width", 200, "display.max_colwidth", 40):
            click.echo(matrix.title)
            click.echo(matrix.table.to_string())
        return
    text = write_matrix(matrix, fmt, Path(output) if output else None, book=project_codebook(store),
                        project=store.get_meta("title") or store.path.name)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {output}", err=True)


@cli.command("frequencies")
@click.option("--columns", default="code", show_default=True, help="theme, code, or level2, level3...")
@selection_options
@click.option("--format", "fmt", type=TABLE_FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.pass_context
@handled
def frequencies_cmd(ctx: click.Context, columns: str, coder: tuple[str, ...], origin: str | None,
                    code_filter: tuple[str, ...], site: tuple[str, ...], role: tuple[str, ...], fmt: str,
                    output: str | None) -> None:
    """Code frequencies: segments, transcripts, participants and coders per code."""
    from workbench.analysis.matrix import frequencies

    selection = _selection(coder, code_filter, site, role, origin)
    table = frequencies(_store(ctx), selection, columns)
    _write_table(ctx, table, fmt, output, f"Code frequencies ({selection.describe()})", "frequencies")


@cli.command("cooccurrence")
@click.option("--columns", default="code", show_default=True, help="theme, code, or level2, level3...")
@click.option("--unit", type=click.Choice(["overlap", "turn"]), default="overlap", show_default=True,
              help="Codes meet when their segments overlap, or fall in the same speaker turn.")
@selection_options
@click.option("--format", "fmt", type=TABLE_FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.pass_context
@handled
def cooccurrence_cmd(ctx: click.Context, columns: str, unit: str, coder: tuple[str, ...], origin: str | None,
                     code_filter: tuple[str, ...], site: tuple[str, ...], role: tuple[str, ...], fmt: str,
                     output: str | None) -> None:
    """Code co-occurrence: how often two codes' segments overlap or share a turn."""
    from workbench.analysis.matrix import cooccurrence

    selection = _selection(coder, code_filter, site, role, origin)
    table = cooccurrence(_store(ctx), selection, columns, unit)
    _write_table(ctx, table, fmt, output, f"Co-occurrence by {unit} ({selection.describe()})", "cooccurrence")


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
    click.echo(f"{report.added} segments imported, {report.already} already there"
               + (f", {len(report.created_codes)} codes created" if report.created_codes else "") + ".")


@cli.command("agreement")
@click.option("--coders", "coders", required=False, help="Comma-separated coders (default: every coder but consensus).")
@click.option("--unit", type=click.Choice(["sentence", "turn", "character"]), default="sentence", show_default=True)
@click.option("--overlap", type=click.Choice(["any", "half", "all"]),
              help="How much of a unit a coder's segments must cover (default: half a sentence, any of a turn).")
@click.option("--columns", default="code", show_default=True, help="code, theme, or level2, level3...")
@click.option("--transcript", "transcripts", multiple=True, help="Only these transcripts (repeatable).")
@click.option("--threshold", type=float, default=0.667, show_default=True,
              help="Flag codes with alpha below this (0.667 tentative, 0.800 firm conclusions).")
@click.option("--bootstrap", type=int, default=0, help="Bootstrap samples for a 95%% interval of alpha (0: none).")
@click.option("--seed", type=int, default=20261123, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.pass_context
@handled
def agreement_cmd(ctx: click.Context, coders: str | None, unit: str, overlap: str | None, columns: str,
                  transcripts: tuple[str, ...], threshold: float, bootstrap: int, seed: int, fmt: str,
                  output: str | None) -> None:
    """Inter-coder agreement per code and overall: percent agreement, Cohen's kappa (two coders),
    Fleiss' kappa (three or more), Krippendorff's alpha (any number, missing data allowed).

    Undefined coefficients (nobody used the code; one value only) are shown as undefined, never as
    0 or 1. Codes below the threshold are flagged, with their disagreements listed.
    """
    from workbench.agreement.compute import AgreementSpec, compute_agreement
    from workbench.agreement.report import agreement_table, write_agreement
    from workbench.coding import resolve_transcript

    store = _store(ctx)
    names = [c.strip() for c in coders.split(",")] if coders else [
        c["name"] for c in store.coders() if c["name"] != "consensus"]
    ids = [resolve_transcript(store, t)["id"] for t in transcripts] or None
    report = compute_agreement(store, AgreementSpec(coders=names, unit=unit, overlap=overlap, columns=columns,
                                                    transcripts=ids, threshold=threshold, bootstrap=bootstrap,
                                                    seed=seed))
    if fmt == "table":
        click.echo(agreement_table(report))
        return
    text = write_agreement(report, fmt, Path(output) if output else None)
    if text is not None:
        _emit(text, output)
    else:
        click.echo(f"Wrote {output}", err=True)


@cli.command("search")
@click.argument("query")
@click.option("--site", multiple=True, help="Only this site (repeatable).")
@click.option("--role", multiple=True, help="Only participants with this role (repeatable).")
@click.option("--speaker", multiple=True, help="Only turns of this speaker (repeatable).")
@click.option("--code", "code_filter", help="Only sentences coded with this code (or its sub-codes).")
@click.option("--fuzzy", is_flag=True, help="Also match words spelled nearly the same (transcription errors).")
@click.option("--apply", "apply_code", help="Code the sentence of every hit (or of --pick) with this code.")
@click.option("--pick", help="With --apply: the hit numbers to code, e.g. 1,3,5-7.")
@click.option("--coder", help="With --apply: who codes (default: remembered for the project).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def search_cmd(ctx: click.Context, query: str, site: tuple[str, ...], role: tuple[str, ...], speaker: tuple[str, ...],
               code_filter: str | None, fuzzy: bool, apply_code: str | None, pick: str | None, coder: str | None,
               fmt: str) -> None:
    """Search every transcript: words, "exact phrases", prefix* and AND / OR / NOT.

    Words match their inflections (partner, partners, partnering); --fuzzy also matches misspellings.
    """
    from workbench.output import to_json, to_table
    from workbench.project import current_coder
    from workbench.search import code_hits, search

    store = _store(ctx)
    hits = search(store, query, sites=list(site) or None, roles=list(role) or None, speakers=list(speaker) or None,
                  code=code_filter, fuzzy=fuzzy)
    if apply_code:
        chosen = hits
        if pick:
            numbers: set[int] = set()
            for part in pick.split(","):
                a, _, b = part.strip().partition("-")
                numbers.update(range(int(a), int(b or a) + 1))
            chosen = [h for i, h in enumerate(hits, 1) if i in numbers]
        added = code_hits(store, chosen, apply_code, coder=current_coder(store, coder))
        click.echo(f"{added} sentences coded with {apply_code} ({len(chosen)} hits).")
        return
    rows = [{"n": i, **h.as_dict()} for i, h in enumerate(hits, 1)]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    else:
        click.echo(to_table(rows, [("n", "#"), ("transcript", "transcript"), ("speaker", "speaker"),
                                   ("context", "context")]), nl=False)
        click.echo(f"{len(hits)} hits", err=True)


@cli.command("suggest")
@click.argument("transcript", required=False)
@click.option("--source", "sources", multiple=True, type=click.Choice(["keyword", "pattern", "learned"]),
              help="Only these sources (default: all).")
@click.option("--coder", help="Whose coding the proposals complete (default: remembered for the project).")
@click.option("--accept", "accept_numbers", help="Accept proposals by number, e.g. 1,4.")
@click.option("--reject", "reject_numbers", help="Reject proposals by number; they do not come back.")
@click.option("--train", is_flag=True, help="Learn from the project's coding (and keep the model in the project).")
@click.option("--evaluate", is_flag=True, help="With --train, or alone: precision and recall on held-out transcripts.")
@click.option("--test", "test_refs", multiple=True, help="Held-out transcripts for --evaluate (default: 30%% at random).")
@click.option("--columns", default="code", show_default=True, help="Learn codes, or themes (theme).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def suggest_cmd(ctx: click.Context, transcript: str | None, sources: tuple[str, ...], coder: str | None,
                accept_numbers: str | None, reject_numbers: str | None, train: bool, evaluate: bool,
                test_refs: tuple[str, ...], columns: str, fmt: str) -> None:
    """Code suggestions for a transcript: from the codebook's keywords and patterns, and learned
    from the team's coding. A suggestion is only applied when you accept it."""
    from workbench import suggest as sg
    from workbench.coding import resolve_transcript
    from workbench.output import to_json, to_table
    from workbench.project import current_coder

    store = _store(ctx)
    if train or evaluate:
        test_ids = [resolve_transcript(store, t)["id"] for t in test_refs] or None
        interactive = sys.stderr.isatty()

        def progress(epoch: int, total: int, loss: float) -> None:
            if interactive:
                click.echo(f"\rtraining: epoch {epoch}/{total}, loss {loss:.3f}", err=True, nl=epoch == total)

        details = sg.train_and_store(store, columns=columns, test_ids=test_ids, progress=progress)
        rows = [{"code": k, **v} for k, v in details["evaluation"].items()]
        if fmt == "json":
            click.echo(to_json(details), nl=False)
        else:
            click.echo(f"Learned {len(details['labels'])} codes; evaluated on {details['test_transcripts']} held-out "
                       f"transcripts at threshold {details['threshold']}:")
            click.echo(to_table(rows, [("code", "code"), ("precision", "precision"), ("recall", "recall"),
                                       ("support", "sentences"), ("suggested", "suggested")]), nl=False)
        return
    if not transcript:
        raise WorkbenchError("say which transcript, or use --train / --evaluate.")
    t = resolve_transcript(store, transcript)
    who = current_coder(store, coder)
    found = sg.suggestions(store, t["id"], who, sources=tuple(sources) or ("keyword", "pattern", "learned"))
    text = store.transcript_text(t["id"]) or ""

    def numbered(spec: str) -> list[sg.Suggestion]:
        wanted = {int(x) for x in spec.split(",") if x.strip()}
        return [s for i, s in enumerate(found, 1) if i in wanted]
    if accept_numbers or reject_numbers:
        accepted = [sg.accept(store, s, who) for s in numbered(accept_numbers or "")]
        rejected = numbered(reject_numbers or "")
        for s in rejected:
            sg.reject(store, s, who)
        click.echo(f"{len(accepted)} accepted, {len(rejected)} rejected.")
        return
    rows = [{"n": i, **s.as_dict(), "text": " ".join(text[s.start:s.end].split())} for i, s in enumerate(found, 1)]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    else:
        click.echo(to_table(rows, [("n", "#"), ("code", "code"), ("source", "source"), ("score", "score"),
                                   ("text", "sentence")]), nl=False)


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
    from workbench.project import current_coder
    from workbench.sample import build_demo, default_demo_path
    from workbench.store import Store

    path = Path(ctx.obj["project"]) if ctx.obj["project"] else default_demo_path()
    store = Store.open(path, create=True)
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, name: str) -> None:
        if interactive:
            click.echo(f"\rImporting the sample study [{done}/{total}] {name[:40]:<40}", err=True, nl=not name)

    report = build_demo(store, progress=progress)
    if report.built:
        click.echo(f"Built the sample study in {path}: {report.transcripts} transcripts, {report.codes} codes, "
                   f"{report.segments} coded segments.", err=True)
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
    from workbench.store import backup_project

    store = _store(ctx)
    click.echo(f"Backed up to {backup_project(store.conn, destination)}")


def main() -> None:
    """Entry point: no traceback ever reaches the user unless WORKBENCH_DEBUG is set."""
    try:
        cli(obj={})
    except KeyboardInterrupt:
        click.echo("Interrupted; everything acknowledged so far is saved.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        click.echo(f"workbench: unexpected error ({type(exc).__name__}: {exc}).\n"
                   "  This is a bug. Run again with WORKBENCH_DEBUG=1 to see the details, and report it.", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
