"""Coding from the command line: code add/remove, segments, memos, search, suggestions."""

from __future__ import annotations

import click

from workbench.cli.base import FORMATS, _emit, _store, cli, force_option, handled
from workbench.errors import WorkbenchError


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
def code_add(
    ctx: click.Context,
    transcript: str,
    code_ref: str,
    coder: str | None,
    quote: str | None,
    occurrence: int | None,
    start: int | None,
    end: int | None,
    memo: str | None,
    fmt: str,
) -> None:
    """Code a passage of TRANSCRIPT (its id, title or file name) by offsets or by quoted text."""
    from workbench.coding import add_segment, find_quote, resolve_code, resolve_transcript
    from workbench.models import as_dict
    from workbench.output import to_json
    from workbench.project import current_coder

    store = _store(ctx)
    if (quote is None) == (start is None or end is None):
        raise WorkbenchError('say which passage: either --text "..." or both --start and --end.')
    t = resolve_transcript(store, transcript)
    code = resolve_code(store, code_ref)
    if quote is not None:
        start, end = find_quote(store.transcript_text(t.id) or "", quote, occurrence)
    assert start is not None and end is not None  # given, or found from the quote (checked above)
    segment = add_segment(
        store, transcript_id=t.id, code_id=code.id, coder=current_coder(store, coder), start=start, end=end, memo=memo
    )
    if fmt == "json":
        click.echo(to_json({**as_dict(segment), "code": code.path}), nl=False)
    else:
        click.echo(f"Segment {segment.id}: {code.path} on {t.title} [{start}-{end}] by {segment.coder}")


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
    click.echo(f"Removed segment {segment_id} ({before.transcript}, {before.start}-{before.end}).")


SEGMENT_KEYS = [
    "id",
    "transcript_id",
    "transcript",
    "site",
    "participant",
    "role",
    "code",
    "coder",
    "start",
    "end",
    "text",
    "memo",
    "origin",
    "created_at",
    "updated_at",
]


@cli.command("segments")
@click.option("--transcript", help="Only this transcript (id, title or file name).")
@click.option("--code", "code_ref", help="Only this code and its sub-codes.")
@click.option("--coder", help="Only this coder's segments.")
@click.option("--site", help="Only this site.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@force_option
@click.pass_context
@handled
def segments_cmd(
    ctx: click.Context,
    transcript: str | None,
    code_ref: str | None,
    coder: str | None,
    site: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """List or export coded segments, one row per segment with its context."""
    from workbench.blind import notice, visible_coder
    from workbench.coding import list_segments
    from workbench.output import to_csv, to_json, to_table
    from workbench.project import current_coder

    store = _store(ctx)
    said = notice(store, current_coder(store, remember=False))
    if said:  # only the coder's own coding while the project is blind (said apart from the rows)
        coder = visible_coder(store, current_coder(store, remember=False), coder)
        click.echo(said, err=True)
    rows = [
        {k: getattr(r, k) for k in SEGMENT_KEYS}
        for r in list_segments(store, transcript=transcript, code=code_ref, coder=coder, site=site)
    ]
    if fmt == "json":
        _emit(to_json(rows), output)
    elif fmt == "csv":
        _emit(to_csv(rows, SEGMENT_KEYS), output)
    else:
        _emit(
            to_table(
                rows,
                [
                    ("id", "id"),
                    ("transcript", "transcript"),
                    ("site", "site"),
                    ("code", "code"),
                    ("coder", "coder"),
                    ("start", "start"),
                    ("end", "end"),
                    ("text", "text"),
                ],
            ),
            output,
        )


@cli.command("memo")
@click.argument("text")
@click.option("--transcript", help="Write the memo on this transcript.")
@click.option("--code", "code_ref", help="Write the memo on this code.")
@click.option("--segment", type=int, help="Set the memo of this segment.")
@click.option("--coder", help="Who writes it.")
@click.pass_context
@handled
def memo_cmd(
    ctx: click.Context, text: str, transcript: str | None, code_ref: str | None, segment: int | None, coder: str | None
) -> None:
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
        add_memo(store, "transcript", resolve_transcript(store, transcript).id, text, coder=who)
        click.echo("Memo added to the transcript.")
    elif code_ref:
        add_memo(store, "code", resolve_code(store, code_ref).id, text, coder=who)
        click.echo("Memo added to the code.")
    else:
        add_memo(store, "project", None, text, coder=who)
        click.echo("Memo added to the project.")


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
@click.option("--limit", type=click.IntRange(min=1), help="List only the first N hits (and say how many there are).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def search_cmd(
    ctx: click.Context,
    query: str,
    site: tuple[str, ...],
    role: tuple[str, ...],
    speaker: tuple[str, ...],
    code_filter: str | None,
    fuzzy: bool,
    apply_code: str | None,
    pick: str | None,
    coder: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """Search every transcript: words, "exact phrases", prefix* and AND / OR / NOT.

    Words match their inflections (partner, partners, partnering); --fuzzy also matches misspellings.
    """
    from workbench.output import to_json, to_table
    from workbench.project import current_coder
    from workbench.search import code_hits, search

    store = _store(ctx)
    hits = search(
        store,
        query,
        sites=list(site) or None,
        roles=list(role) or None,
        speakers=list(speaker) or None,
        code=code_filter,
        fuzzy=fuzzy,
        limit=None if apply_code else limit,
    )
    if apply_code:
        chosen = list(hits)
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
        click.echo(
            to_table(rows, [("n", "#"), ("transcript", "transcript"), ("speaker", "speaker"), ("context", "context")]),
            nl=False,
        )
    if hits.cut or fmt != "json":
        click.echo(f"first {len(hits):,} of {hits.total:,} hits" if hits.cut else f"{hits.total:,} hits", err=True)


@cli.command("suggest")
@click.argument("transcript", required=False)
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(["keyword", "pattern", "learned"]),
    help="Only these sources (default: all).",
)
@click.option("--coder", help="Whose coding the proposals complete (default: remembered for the project).")
@click.option("--accept", "accept_numbers", help="Accept proposals by number, e.g. 1,4.")
@click.option("--reject", "reject_numbers", help="Reject proposals by number; they do not come back.")
@click.option("--train", is_flag=True, help="Learn from the project's coding (and keep the model in the project).")
@click.option("--evaluate", is_flag=True, help="With --train, or alone: precision and recall on held-out transcripts.")
@click.option(
    "--test", "test_refs", multiple=True, help="Held-out transcripts for --evaluate (default: 30%% at random)."
)
@click.option("--columns", default="code", show_default=True, help="Learn codes, or themes (theme).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def suggest_cmd(
    ctx: click.Context,
    transcript: str | None,
    sources: tuple[str, ...],
    coder: str | None,
    accept_numbers: str | None,
    reject_numbers: str | None,
    train: bool,
    evaluate: bool,
    test_refs: tuple[str, ...],
    columns: str,
    fmt: str,
) -> None:
    """Code suggestions for a transcript: from the codebook's keywords and patterns, and learned
    from the team's coding. A suggestion is only applied when you accept it."""
    from workbench import suggest as sg
    from workbench.coding import resolve_transcript
    from workbench.output import to_json, to_table
    from workbench.project import current_coder

    store = _store(ctx)
    if train or evaluate:
        test_ids = [resolve_transcript(store, t).id for t in test_refs] or None
        from workbench.classifier import train_and_store
        from workbench.cli.progress import progress_bar

        with progress_bar("Training") as bar:
            details = train_and_store(
                store,
                columns=columns,
                test_ids=test_ids,
                progress=lambda epoch, total, loss: bar(epoch, total, f"loss {loss:.3f}"),
            )
        rows = [{"code": k, **v.as_dict()} for k, v in details.evaluation.items()]
        if fmt == "json":
            click.echo(to_json(details.as_dict()), nl=False)
        else:
            click.echo(
                f"Learned {len(details.labels)} codes; evaluated on {details.test_transcripts} held-out "
                f"transcripts at threshold {details.threshold}:"
            )
            click.echo(
                to_table(
                    rows,
                    [
                        ("code", "code"),
                        ("precision", "precision"),
                        ("recall", "recall"),
                        ("support", "sentences"),
                        ("suggested", "suggested"),
                    ],
                ),
                nl=False,
            )
        return
    if not transcript:
        raise WorkbenchError("say which transcript, or use --train / --evaluate.")
    t = resolve_transcript(store, transcript)
    who = current_coder(store, coder)
    found = sg.suggestions(store, t.id, who, sources=tuple(sources) or ("keyword", "pattern", "learned"))
    text = store.transcript_text(t.id) or ""

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
    rows = [{"n": i, **s.as_dict(), "text": " ".join(text[s.start : s.end].split())} for i, s in enumerate(found, 1)]
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    else:
        click.echo(
            to_table(
                rows, [("n", "#"), ("code", "code"), ("source", "source"), ("score", "score"), ("text", "sentence")]
            ),
            nl=False,
        )
