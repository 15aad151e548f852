"""`workbench pseudonymise`: find identifying terms, keep a key, write a pseudonymised project."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.base import _store, cli, handled
from workbench.cli.edit_cmds import safe_text
from workbench.errors import WorkbenchError


@cli.command("pseudonymise")
@click.option("--find", "find", is_flag=True, help="List terms that may identify someone (new ones only).")
@click.option("--apply", "apply", is_flag=True, help="Write a pseudonymised project (-o FILE, or --in-place).")
@click.option(
    "--verify",
    "verify_key",
    type=click.Path(dir_okay=False),
    metavar="KEY",
    help="Check that no original term of KEY remains (in the project, or in TARGET).",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False),
    help="The key file (YAML): original -> pseudonym. Keep it apart from what you share.",
)
@click.option(
    "--terms",
    type=click.Path(exists=True, dir_okay=False),
    help="Your team's word list (YAML or CSV: term, category, pseudonym).",
)
@click.option("--model", help="An installed spaCy pipeline with NER to find more names (nothing is downloaded).")
@click.option("--no-rules", is_flag=True, help="Leave out the rule-based detectors.")
@click.option(
    "--accept-known",
    is_flag=True,
    help="With --find --key: accept at once what the project itself knows (speakers, participants, "
    "sites, interviewers, your word list); rules and models are proposed for review.",
)
@click.option("--accept", "accept", multiple=True, metavar="TERM", help="Accept a term of the key (repeatable).")
@click.option("--reject", "reject", multiple=True, metavar="TERM", help="Reject a term of the key (repeatable).")
@click.option("--set", "set_", multiple=True, metavar="TERM=PSEUDONYM", help="Change a term's pseudonym (accepts it).")
@click.option(
    "--add",
    "add",
    multiple=True,
    metavar="TERM=PSEUDONYM",
    help="Add a term the search missed, with its pseudonym (accepted).",
)
@click.option("--category", default="name", show_default=True, help="Category of the terms given with --add.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="The pseudonymised project to write.")
@click.option("--in-place", is_flag=True, help="Pseudonymise this project itself (a backup is taken first).")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.argument("target", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
@handled
def pseudonymise_cmd(
    ctx: click.Context,
    find: bool,
    apply: bool,
    verify_key: str | None,
    key_path: str | None,
    terms: str | None,
    model: str | None,
    no_rules: bool,
    accept_known: bool,
    accept: tuple[str, ...],
    reject: tuple[str, ...],
    set_: tuple[str, ...],
    add: tuple[str, ...],
    category: str,
    output: str | None,
    in_place: bool,
    force: bool,
    target: str | None,
    fmt: str,
) -> None:
    """Pseudonymise the project for sharing or archiving, keeping every coded segment.

    \b
    1. Find candidates and write them to a key file outside the project:
         workbench pseudonymise --find --key study-key.yaml --accept-known
    2. Review the key (edit it, or --accept/--reject/--set/--add TERM on the command line):
         workbench pseudonymise --key study-key.yaml --accept "Bayline" --set "Chicago=[City]"
    3. Write the pseudonymised project and check it:
         workbench pseudonymise --apply --key study-key.yaml -o study-pseudonymised.db
         workbench pseudonymise --verify study-key.yaml study-pseudonymised.db

    Any command can also write pseudonymised output from the original project:
    `workbench --pseudonymised study-key.yaml matrix -o matrix.csv`.
    """
    from workbench import pseudonymise as ps

    modes = sum(bool(x) for x in (find, apply, verify_key, accept or reject or set_ or add))
    if modes != 1:
        raise WorkbenchError(
            "say what to do: --find, --apply, --verify KEY, or review the key with --accept/--reject/--set/--add.",
            hint="See `workbench pseudonymise --help`.",
        )
    if verify_key:
        key = ps.load_key(verify_key)
        if target:
            hits = ps.verify(target, key)
            where = target
        else:
            store = _store(ctx)
            hits = ps.verify(store, key)
            where = str(store.path)
        if hits:
            shown = sorted({f"{term!r} in {place}" for place, term in hits})
            for line in shown[:50]:
                click.echo("remains: " + safe_text(line))
            raise WorkbenchError(
                f"{where}: {len(hits)} occurrence(s) of {len({t for _, t in hits})} original term(s) remain.",
                hint="Apply the key again, or add the missed terms to it.",
            )
        click.echo(f"{where}: none of the key's {len(key.accepted())} accepted terms remains.")
        return
    if find:
        store = _store(ctx)
        find_key = ps.load_key(key_path, must_exist=False) if key_path else None
        if find_key is not None and not find_key.project:
            find_key.project = ps.project_fingerprint(store)
        found = ps.find_candidates(store, terms=terms, model=model, key=find_key, rules=not no_rules)
        if fmt == "json":
            from workbench.output import to_json

            click.echo(
                to_json(
                    [
                        {
                            "term": c.term,
                            "category": c.category,
                            "pseudonym": c.pseudonym,
                            "count": c.count,
                            "transcripts": len(c.transcripts),
                            "source": c.source,
                            "context": c.context,
                        }
                        for c in found
                    ]
                ),
                nl=False,
            )
        else:
            for c in found:
                click.echo(
                    f"{safe_text(c.term)[:40]:<40} {c.category:<12} {c.pseudonym or '':<18} {c.count:>5}x "
                    f"{len(c.transcripts):>3} tr.  {c.source}"
                )
                if c.context:
                    click.echo(f"    … {safe_text(c.context)[:110]} …")
        if find_key is not None and key_path:
            added = ps.add_to_key(find_key, found, status="auto" if accept_known else "proposed")
            ps.save_key(find_key, key_path)
            decided = sum(e.status == "accept" for e in find_key.entries)
            click.echo(
                f"{added} new term(s) written to {key_path} ({decided} accepted, "
                f"{sum(e.status == 'proposed' for e in find_key.entries)} to review).",
                err=True,
            )
        else:
            click.echo(f"{len(found)} candidate(s). Add --key FILE to keep them in a key for review.", err=True)
        return
    if accept or reject or set_ or add:
        if not key_path:
            raise WorkbenchError("name the key file with --key.")
        key = ps.load_key(key_path)
        by_term = {e.term.casefold(): e for e in key.entries}

        def entry(term: str) -> ps.KeyEntry:
            found = by_term.get(" ".join(term.split()).casefold())
            if found is None:
                raise WorkbenchError(f"the key has no term {term!r}.", hint="Add it with --add TERM=PSEUDONYM.")
            return found

        for term in accept:
            entry(term).status = "accept"
        for term in reject:
            entry(term).status = "reject"
        for pair in set_ + add:
            if "=" not in pair:
                raise WorkbenchError(f"{pair!r} should be TERM=PSEUDONYM.")
            term, pseudonym = (part.strip() for part in pair.split("=", 1))
            if not term or not pseudonym:
                raise WorkbenchError(f"{pair!r} should be TERM=PSEUDONYM, both non-empty.")
            if pair in add and term.casefold() not in by_term:
                new = ps.KeyEntry(term, category.lower(), pseudonym, "accept", "added by hand")
                key.entries.append(new)
                by_term[term.casefold()] = new
            else:
                known = entry(term)
                known.pseudonym, known.status = pseudonym, "accept"
        ps.save_key(key, key_path)
        click.echo(
            f"{key_path}: {sum(e.status == 'accept' for e in key.entries)} accepted, "
            f"{sum(e.status == 'reject' for e in key.entries)} rejected, "
            f"{sum(e.status == 'proposed' for e in key.entries)} to review."
        )
        return
    # --apply
    if not key_path:
        raise WorkbenchError("name the key file with --key.")
    if bool(output) == in_place:
        raise WorkbenchError("say where: -o NEW-PROJECT.db, or --in-place (with a backup first).")
    key = ps.load_key(key_path)
    store = _store(ctx)
    from workbench.project import current_coder

    coder = current_coder(store, None, remember=False)
    if in_place:
        report, backup = ps.apply_in_place(store, key, coder=coder)
        click.echo(f"Backed up the original to {backup}", err=True)
        where = str(store.path)
    else:
        assert output is not None  # either -o or --in-place, checked above
        report = ps.write_pseudonymised(store, key, Path(output), coder=coder, force=force)
        where = str(output)
    cats = ", ".join(f"{n} {c}" for c, n in report.by_category.most_common())
    click.echo(
        f"Wrote {where}: {report.replacements} replacement(s) in {report.transcripts} transcripts"
        f"{' (' + cats + ')' if cats else ''}, {report.fields} other field(s) changed; "
        f"{report.segments} segments kept with their codes and coders."
    )
    for line in report.boundary_moves[:20]:
        click.echo("note: " + line, err=True)
    remaining = ps.verify(Path(where), key)
    if remaining:
        raise WorkbenchError(
            f"{len(remaining)} original term(s) still remain in {where}.",
            hint="Run `workbench pseudonymise --verify` to list them.",
        )
    click.echo(f"Verified: no accepted original term remains in {where}.")
