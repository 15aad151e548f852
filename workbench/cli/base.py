"""The command group, its shared options and helpers, and the entry point.

``workbench`` alone opens the coding workbench on the project; every other command works
without the terminal UI. Errors become a clear message and exit code 1.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from workbench import __version__
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.store import Store

FORMATS = click.Choice(["table", "json", "csv"])


def _fail(exc: WorkbenchError) -> click.ClickException:
    from workbench.output import printable

    return click.ClickException(printable(str(exc)))


P = ParamSpec("P")
R = TypeVar("R")


def handled(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors into click errors (message, exit code 1)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except WorkbenchError as exc:
            raise _fail(exc) from exc
        except Exception as exc:  # disk full, read-only, damaged file... met outside a transaction
            from workbench.project import storage_error

            obj = click.get_current_context(silent=True)
            project = (obj.obj or {}).get("project") if obj else None
            known = storage_error(exc, Path(project or "the project"))
            if known is None:
                raise
            raise _fail(known) from exc

    return wrapper


def _store(ctx: click.Context, create: bool = False) -> Store:
    from workbench.project import open_store

    store = open_store(ctx.obj["project"], create=create)
    ctx.call_on_close(store.close)
    if not ctx.obj.get("location_warned"):  # once per command
        from workbench.project import location_warning

        ctx.obj["location_warned"] = True
        warning = location_warning(store.path)
        if warning:
            click.echo(warning, err=True)
    return store


def _set_force(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["workbench.force"] = value
    return value


# Every command that writes a file takes --force; without it an existing file is never replaced.
force_option = click.option(
    "--force", is_flag=True, expose_value=False, callback=_set_force, help="Replace the output file if it exists."
)


def _destination(output: str | Path) -> dict[str, Any]:
    """How to write the file the user named: --force given or not, and the project to protect."""
    ctx = click.get_current_context(silent=True)
    force = bool(ctx and ctx.meta.get("workbench.force"))
    project = ctx.find_root().obj.get("project") if ctx and isinstance(ctx.find_root().obj, dict) else None
    from workbench.project import project_path

    return {"force": force, "protect": (project_path(project),)}


def _emit(text: str, output: str | None) -> None:
    if output:
        from workbench.export.destination import write_file

        write_file(output, text, **_destination(output))
        click.echo(f"Wrote {output}", err=True)
    else:
        if sys.stdout.isatty():  # a terminal acts on control characters: show them instead
            from workbench.output import printable

            text = printable(text)
        click.echo(text, nl=False)


class LazyGroup(click.Group):
    """A group whose commands' modules are imported when a command is looked up (see
    ``workbench.cli.COMMANDS``), so one command does not pay for the imports of all the others."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            from workbench.cli import load

            load(cmd_name)
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        from workbench.cli import load_all

        load_all()
        return sorted(self.commands)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "-p",
    type=click.Path(dir_okay=False),
    envvar="WORKBENCH_PROJECT",
    help="Project file (default ./workbench.db, or $WORKBENCH_PROJECT).",
)
@click.option(
    "--pseudonymised",
    "pseudonymised",
    type=click.Path(exists=True, dir_okay=False),
    metavar="KEY",
    help="Work on a pseudonymised copy of the project made with this key: every listing and export "
    "is written pseudonymised; the project itself is not changed.",
)
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, project: str | None, pseudonymised: str | None = None) -> None:
    """Code qualitative interview transcripts in the terminal.

    Run `workbench` alone to open the coding workbench on the project, or `workbench demo` to
    try it on the bundled sample study.
    """
    ctx.ensure_object(dict)
    ctx.obj["project"] = project
    if pseudonymised:
        _use_pseudonymised_copy(ctx, pseudonymised)
    if ctx.invoked_subcommand is None:
        opener = cli.get_command(ctx, "open")
        assert opener is not None  # registered in COMMANDS
        ctx.invoke(opener)


# Commands and groups under `workbench`: --project after the command name too, examples, completion.
from workbench.cli.usage import WorkbenchCommand, WorkbenchGroup  # noqa: E402

cli.command_class = WorkbenchCommand
cli.group_class = WorkbenchGroup


def _use_pseudonymised_copy(ctx: click.Context, key: str) -> None:
    """Point this command at a read-only pseudonymised copy of the project, removed afterwards."""
    import tempfile

    from workbench.project import project_location
    from workbench.pseudonymise import pseudonymised_copy

    folder = tempfile.TemporaryDirectory(prefix="workbench-pseudonymised-")
    ctx.call_on_close(folder.cleanup)
    try:
        ctx.obj["project"] = str(pseudonymised_copy(project_location(ctx.obj["project"]), Path(key), Path(folder.name)))
    except WorkbenchError as exc:
        folder.cleanup()
        raise _fail(exc) from exc


def main() -> None:
    """Entry point: no traceback ever reaches the user unless WORKBENCH_DEBUG is set."""
    from workbench.output import guard_terminal

    guard_terminal()
    try:
        cli(obj={})
    except KeyboardInterrupt:
        click.echo("Interrupted; everything acknowledged so far is saved.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        click.echo(
            f"workbench: unexpected error ({type(exc).__name__}: {exc}).\n"
            "  This is a bug. Run again with WORKBENCH_DEBUG=1 to see the details, and report it.",
            err=True,
        )
        sys.exit(2)
