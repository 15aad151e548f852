"""Progress on the terminal for steps that can take more than a second (rich, imported only when
standard error is a terminal, so scripts and pipes see nothing of it)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any


def _console(console: Any = None) -> Any:
    if console is not None:
        return console
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    return Console(stderr=True)


@contextlib.contextmanager
def progress_bar(label: str, *, console: Any = None) -> Iterator[Callable[[int, int, str], None]]:
    """A bar for a counted step; yields the ``progress(done, total, name)`` callback the use
    cases take. Nothing is drawn when standard error is not a terminal."""
    console = _console(console)
    if console is None:
        yield lambda done, total, name: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[name]}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, name="")

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, name=name[:40])

        yield update


@contextlib.contextmanager
def working(label: str, *, console: Any = None) -> Iterator[None]:
    """A spinner with the time elapsed, for a step whose length is not counted."""
    console = _console(console)
    if console is None:
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as spinner:
        spinner.add_task(label, total=None)
        yield
