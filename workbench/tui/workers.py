"""Long work off the UI thread, with its own connection, and its result or error posted back.

The one way the screens run work on a thread (the threading rule of ARCHITECTURE.md): the job
gets a store of its own (``workbench.project.open_store`` on the app's project, closed after),
and never touches widgets or ``app.store``; what it returns goes to ``done`` on the UI thread. A
:class:`~workbench.errors.WorkbenchError` goes to ``failed`` on the UI thread when given, else to
the app's handler (a notification); anything else goes to the app's handler (logged and
notified). The app keeps running either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.worker import Worker, get_current_worker

from workbench.errors import WorkbenchError
from workbench.project import open_store
from workbench.tui.app import workbench_app

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from workbench.store import Store

T = TypeVar("T")


def run_in_thread(
    node: DOMNode,
    job: Callable[[Store], T],
    done: Callable[[T], Any] | None = None,
    *,
    group: str,
    failed: Callable[[WorkbenchError], Any] | None = None,
) -> Worker[None]:
    """Run ``job(store)`` on a thread worker of ``node`` (one at a time per ``group``: a newer
    run cancels the older, whose result is then dropped), then ``done(result)`` on the UI thread.
    Nothing is posted to a screen that was closed meanwhile."""
    app = workbench_app(node)
    project = app.project

    def deliver(callback: Callable[..., Any], *args: Any) -> None:  # on the UI thread
        if worker.is_cancelled or not node.is_attached:
            return
        try:
            callback(*args)
        except Exception as exc:  # noqa: BLE001 - every error reaches the app's handler
            app.report_error(exc)

    def work() -> None:  # on the worker's thread
        try:
            store = open_store(project)
            try:
                result = job(store)
            finally:
                store.close()
        except WorkbenchError as exc:
            post(deliver, failed or app.report_error, exc)
            return
        except Exception as exc:  # noqa: BLE001
            post(deliver, app.report_error, exc)
            return
        if done is not None:
            post(deliver, done, result)

    def post(callback: Callable[..., Any], *args: Any) -> None:
        if get_current_worker().is_cancelled:
            return
        try:
            app.call_from_thread(callback, *args)
        except RuntimeError as exc:  # the app is closing: nobody to tell
            if "not running" not in str(exc):
                raise

    worker: Worker[None] = node.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)
    return worker


def post_from_thread(node: DOMNode, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """From inside a job: show something on the UI thread before the job ends (a first part of
    the result, a warning); dropped when the screen was closed meanwhile."""

    def guarded() -> None:
        if node.is_attached:
            callback(*args, **kwargs)

    try:
        node.app.call_from_thread(guarded)
    except RuntimeError as exc:  # the app is closing: nobody to tell
        if "not running" not in str(exc):
            raise
