"""What every command shares as a user meets it: ``--project`` before or after the command name,
examples at the end of ``--help``, and shell completion of transcript, code and coder names.

:class:`WorkbenchCommand` and :class:`WorkbenchGroup` are the classes of every command and group
under ``workbench`` (set on the root group in ``base.py``), so a command written with
``@cli.command`` or ``@group.command`` gets all three without saying so.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click
from click.shell_completion import CompletionItem

PROJECT_HELP = "Project file (default ./workbench.db, or $WORKBENCH_PROJECT); also accepted before the command."

# The command's path below `workbench` -> one or two examples shown at the end of its --help.
EXAMPLES: dict[str, list[str]] = {
    "init": ["workbench init --project study.db"],
    "open": ["workbench open --coder maria", "workbench --project study.db"],
    "import": [
        "workbench import interviews/ --metadata interviews/metadata.csv",
        "workbench import --update interviews/hv-01-corrected.txt",
    ],
    "check": ["workbench check", "workbench check --repair"],
    "speakers": ["workbench speakers ZOOM-01", 'workbench speakers map ZOOM-01 "Dr. Lee" P-07'],
    "round": ['workbench round start "after codebook v2"', "workbench round list"],
    "round start": ['workbench round start "after codebook v2" --note "Barriers split into three codes"'],
    "round list": ["workbench round list"],
    "calibrate": [
        "workbench calibrate --gold consensus --trainee lee",
        "workbench calibrate --gold maria --trainee lee --transcript HV-01 --unit turn",
    ],
    "saturation": ["workbench saturation", "workbench saturation --order date --base 6 --run 3 --permutations 1000"],
    "memos": ["workbench memos --by code -o memos.md", "workbench memos --by transcript --format html -o memos.html"],
    "framework": [
        "workbench framework --rows site -o framework.xlsx --format xlsx",
        'workbench framework set RB-01 Barriers "Time is the main barrier"',
    ],
    "framework set": ['workbench framework set RB-01 Barriers "Time is the main barrier" --note "compare RB-02"'],
    "quote": ["workbench quote flag 423", "workbench quote list"],
    "quote flag": ["workbench quote flag 423 512"],
    "quote unflag": ["workbench quote unflag 423"],
    "quote list": ["workbench quote list"],
    "report": ["workbench report -o study.md", "workbench report --format html -o study.html --unit turn"],
    "link": ['workbench link add "Barriers/Time" "leads to" "Barriers/Staffing"', "workbench link list"],
    "link add": ['workbench link add "Barriers/Time" "leads to" "Barriers/Staffing" --memo "seen at every site"'],
    "link list": ["workbench link list"],
    "link remove": ["workbench link remove 3"],
    "transcript": [
        "workbench transcript edit HV-01",
        'workbench transcript replace HV-01 --text "Bay line" --with Bayline',
    ],
    "transcript edit": ["workbench transcript edit HV-01", "workbench transcript edit 3 --from-file corrected.txt"],
    "transcript replace": ['workbench transcript replace HV-01 --text "Bay line" --with Bayline'],
    "transcript speaker": ['workbench transcript speaker HV-01 4 "Dr. Natarajan"'],
    "transcript undo-edit": ["workbench transcript undo-edit HV-01"],
    "transcript review": ["workbench transcript review", "workbench transcript review HV-01 --done 12 --done 15"],
    "pseudonymise": [
        "workbench pseudonymise --find --key study-key.yaml --accept-known",
        "workbench pseudonymise --apply --key study-key.yaml -o study-pseudonymised.db",
    ],
    "transcripts": ["workbench transcripts", "workbench transcripts --format csv > transcripts.csv"],
    "demo": ["workbench demo", "workbench demo --no-tui --project /tmp/demo.db"],
    "backup": ["workbench backup study-2026-11-29.db"],
    "export": ["workbench export qdpx study.qdpx"],
    "export qdpx": ["workbench export qdpx study.qdpx --project study.db"],
    "codebook": ["workbench codebook import codebook.yaml", "workbench codebook show"],
    "codebook import": ["workbench codebook import codebooks/partnerships.yaml"],
    "codebook show": ["workbench codebook show", "workbench codebook show --format json"],
    "codebook export": [
        "workbench codebook export -o codebook.yaml",
        "workbench codebook export --format md -o appendix.md",
    ],
    "codebook rename": ['workbench codebook rename "Barriers/Time" "Lack of time"'],
    "codebook reword": ['workbench codebook reword "Barriers/Time" --definition "..."'],
    "codebook move": ['workbench codebook move "Barriers/Time" --to Resources'],
    "codebook merge": ['workbench codebook merge "Barriers/Staffing" "Barriers/Time"'],
    "codebook split": ['workbench codebook split "Barriers/Time" "Barriers/Clinic time" "Barriers/Staff time"'],
    "codebook history": ["workbench codebook history"],
    "code": ['workbench code add RB-01 --code "Barriers/Time" --text "no time"'],
    "code add": [
        'workbench code add RB-01 --code "Barriers/Time" --text "no time and no staff"',
        "workbench code add 3 --code Trust --start 120 --end 188 --coder james",
    ],
    "code remove": ["workbench code remove 42"],
    "segments": [
        'workbench segments --code "Barriers" --site Riverbend',
        "workbench segments --coder maria --format csv -o maria.csv",
    ],
    "memo": [
        'workbench memo "Ask about the 2019 merger" --transcript RB-01',
        'workbench memo "Overlaps with Trust" --code "Barriers/Time"',
    ],
    "search": [
        'workbench search "no time" --role administrator',
        'workbench search staffing --apply "Barriers/Staffing" --pick 1,3-5',
    ],
    "suggest": ["workbench suggest RB-01", "workbench suggest --train"],
    "matrix": [
        "workbench matrix --rows role --value participants",
        "workbench matrix --value excerpts --format html -o matrix.html",
    ],
    "frequencies": ["workbench frequencies", "workbench frequencies --columns code --format csv"],
    "cooccurrence": ["workbench cooccurrence --unit turn"],
    "merge": ["workbench merge james.db --project maria.db"],
    "reconcile": [
        "workbench reconcile --coders maria,james --accept-agreed",
        'workbench reconcile --decide 3 --take maria --note "Quote is about time, not staff"',
    ],
    "import-codings": ["workbench import-codings coding.xlsx --coder james --create-codes"],
    "agreement": [
        "workbench agreement --coders maria,james --unit turn",
        "workbench agreement --bootstrap 1000 --format xlsx -o agreement.xlsx",
    ],
    "media": ["workbench media RB-01 recordings/rb-01.m4a"],
    "server": [
        "workbench server init postgresql://admin@db.example.org/study --lead carol",
        "workbench server add-coder maria --password --project postgresql://admin@db.example.org/study",
    ],
    "server init": [
        "workbench server init postgresql://admin@db.example.org/study --lead carol --lead-password",
        "workbench server init service=study",
    ],
    "server add-coder": [
        "workbench server add-coder maria --password --project postgresql://admin@db/study",
        "workbench server add-coder james --lead --project service=study",
    ],
    "copy": [
        "workbench copy study.db postgresql://carol@db.example.org/study",
        "workbench copy service=study study-copy.db",
    ],
    "phase": [
        "workbench phase blind --project postgresql://carol@db.example.org/study",
        "workbench phase --project service=study",
    ],
    "serve": ["workbench serve --project study.db", "workbench serve --project study.db --port 8080 --coder maria"],
}


def _project_of(ctx: click.Context) -> str:
    """The project named on the command line so far (either position), else the default."""
    current: click.Context | None = ctx
    while current is not None:
        value = current.meta.get("workbench.project") or current.params.get("project")
        if value:
            return str(value)
        current = current.parent
    return os.environ.get("WORKBENCH_PROJECT") or "workbench.db"


def _names(ctx: click.Context, kind: str) -> list[str]:
    """Names of this kind in the project; nothing when there is no readable project."""
    from pathlib import Path

    from workbench.team import is_team_database

    path = _project_of(ctx)
    if not is_team_database(path) and not Path(path).is_file():  # a team database's URL is no file name
        return []
    try:
        from workbench.project import open_store

        store = open_store(path)
    except Exception:  # noqa: BLE001 - completion never fails loudly
        return []
    try:
        if kind == "transcript":
            names: list[str] = []
            for t in store.transcripts():
                names.append(str(t.id))
                for value in (t.participant, t.title):
                    if value:
                        names.append(str(value))
            return list(dict.fromkeys(names))
        if kind == "code":
            return [c.path for c in store.codes(counts=False)]
        return [c.name for c in store.coders()]
    except Exception:  # noqa: BLE001
        return []
    finally:
        store.close()


def _completer(kind: str, *, comma: bool = False) -> Callable[..., list[CompletionItem]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        prefix, _, word = incomplete.rpartition(",") if comma else ("", "", incomplete)
        lead = prefix + "," if prefix else ""
        folded = word.casefold()
        return [CompletionItem(lead + name) for name in _names(ctx, kind) if name.casefold().startswith(folded)]

    return complete


# parameter name -> what it names
COMPLETE: dict[str, Callable[..., list[CompletionItem]]] = {
    "transcript": _completer("transcript"),
    "transcripts": _completer("transcript"),
    "code_ref": _completer("code"),
    "code_filter": _completer("code"),
    "codes": _completer("code"),
    "code": _completer("code"),
    "source": _completer("code"),
    "target": _completer("code"),
    "apply_code": _completer("code"),
    "coder": _completer("coder"),
    "coders": _completer("coder", comma=True),
}


def _remember_project(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value:
        ctx.meta["workbench.project"] = value
        if isinstance(ctx.obj, dict):
            ctx.obj["project"] = value
    return value


class WorkbenchCommand(click.Command):
    """A command that takes --project after its name, shows examples and completes names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        _examples(ctx, formatter)


class WorkbenchGroup(click.Group):
    """A group whose commands and sub-groups are WorkbenchCommand / WorkbenchGroup."""

    command_class = WorkbenchCommand
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dress(self)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        _examples(ctx, formatter)


def _dress(command: click.Command) -> None:
    names = {p.name for p in command.params}
    if "project" not in names:
        command.params.append(
            click.Option(
                ["--project"],
                type=click.Path(dir_okay=False),
                expose_value=False,
                is_eager=True,
                callback=_remember_project,
                help=PROJECT_HELP,
            )
        )
    for param in command.params:
        if param.name in COMPLETE and getattr(param, "_custom_shell_complete", None) is None:
            param._custom_shell_complete = COMPLETE[param.name]


def _examples(ctx: click.Context, formatter: click.HelpFormatter) -> None:
    parts = []
    current: click.Context | None = ctx
    while current is not None and current.parent is not None:
        parts.append(current.info_name or "")
        current = current.parent
    examples = EXAMPLES.get(" ".join(reversed(parts)))
    if examples:
        formatter.write_paragraph()
        formatter.write_text("Examples:")
        with formatter.indentation():
            for line in examples:
                formatter.write(" " * formatter.current_indent + line + "\n")
