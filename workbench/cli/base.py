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
@click.option("--pseudonymised", "pseudonymised", type=click.Path(exists=True, dir_okay=False), metavar="KEY",
              help="Work on a pseudonymised copy of the project made with this key: every listing and export "
                   "is written pseudonymised; the project itself is not changed.")
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
        ctx.invoke(cli.commands["open"])


def _use_pseudonymised_copy(ctx: click.Context, key: str) -> None:
    """Point this command at a read-only pseudonymised copy of the project, removed afterwards."""
    import tempfile

    from workbench.project import project_path
    from workbench.pseudonymise import pseudonymised_copy

    folder = tempfile.TemporaryDirectory(prefix="workbench-pseudonymised-")
    ctx.call_on_close(folder.cleanup)
    try:
        ctx.obj["project"] = str(pseudonymised_copy(project_path(ctx.obj["project"]), Path(key), Path(folder.name)))
    except WorkbenchError as exc:
        folder.cleanup()
        raise _fail(exc) from exc


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


