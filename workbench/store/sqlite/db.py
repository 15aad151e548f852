"""A project connection: transactions, savepoints, batches, and SQLite errors in the user's terms.

Threading rule: a :class:`Connection` belongs to the thread that opened it. A worker thread
opens its own with :func:`open_project` on the same path; SQLite's WAL mode lets readers and one
writer work at once, and the busy timeout makes a second writer wait instead of failing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.errors import ProjectError, WorkbenchError
from workbench.store.sqlite.files import _OPEN, _identity, _read_only_reason


APPLICATION_ID = 0x51434F44  # "QCOD": marks a SQLite file as a workbench project
Params = tuple[Any, ...] | dict[str, Any]  # SQL parameters: positional or named
# How long a writer waits for another writer before saying the project is busy.
BUSY_TIMEOUT_MS = int(os.environ.get("WORKBENCH_BUSY_TIMEOUT_MS", "5000"))


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the millisecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Connection:
    """A project's SQLite connection with explicit, nestable transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0
        self.read_only = False
        self.read_only_reason: str | None = None
        self._identity: tuple[int, int] | None = None
        self._cleanup: Path | None = None  # a temporary copy's folder, removed on close
        self.path_shown = path

    def _register(self) -> None:
        self._identity = _identity(self.path)
        if self._identity is not None:
            _OPEN[self._identity] = _OPEN.get(self._identity, 0) + 1

    def _begin(self) -> None:
        started = time.monotonic()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _locked_or(exc, self.path, time.monotonic() - started) from exc

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # SQLite has already rolled back after some errors (disk full)
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _commit(self) -> None:
        started = time.monotonic()
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise _locked_or(exc, self.path, time.monotonic() - started) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction; an inner block joins the outer one.

        ``BEGIN IMMEDIATE`` takes the write lock at once, so a second writer waits (busy
        timeout) here rather than failing half-way through.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:
            self._depth = 0
            self._rollback()
            known = translate(exc, self.path)
            if known is not None:
                raise known from exc
            raise
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        else:
            self._depth = 0
            self._commit()

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[sqlite3.Connection]:
        """Inside a transaction: a block that an error undoes alone (the error still propagates);
        outside one: a transaction of its own."""
        if not self._depth:
            with self.transaction() as c:
                yield c
            return
        name = f"unit{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException as exc:
            self._depth -= 1
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
            known = translate(exc, self.path) if isinstance(exc, sqlite3.OperationalError) else None
            if known is not None:
                raise known from exc
            raise
        else:
            self._depth -= 1
            self.conn.execute(f"RELEASE {name}")

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> Batch:
        """Many small units of work (files of an import) committed together, each in a savepoint,
        committing every ``units`` units or ``seconds`` seconds so other writers are never kept
        waiting long."""
        return Batch(self, seconds=seconds, units=units)

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        """Close. The last connection to close (in any process) folds the write-ahead log into the
        file and removes it, so that a closed project is one self-contained file that can be
        copied or sent to a colleague for `workbench merge`; a passive checkpoint first moves what
        it can without waiting for anyone."""
        if self._identity is not None and _OPEN.get(self._identity):
            _OPEN[self._identity] -= 1
            if not _OPEN[self._identity]:
                del _OPEN[self._identity]
            self._identity = None
        if not self.read_only:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.conn.close()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)  # a temporary copy, closed just above
            self._cleanup = None


class Batch:
    """See :meth:`Connection.batch`. ``unit()`` wraps one unit; ``commit()`` commits what is done
    (call it when ``due``); leaving the ``with`` block commits the rest."""

    def __init__(self, conn: Connection, *, seconds: float, units: int) -> None:
        self.conn, self.seconds, self.units = conn, seconds, units
        self._own = False
        self._count = 0
        self._started = 0.0

    @contextlib.contextmanager
    def unit(self) -> Iterator[sqlite3.Connection]:
        if not self._own and not self.conn._depth:
            self.conn._begin()
            self.conn._depth = 1
            self._own, self._count, self._started = True, 0, time.monotonic()
        try:
            with self.conn.savepoint() as c:
                yield c
        except BaseException:
            if self._own and not self.conn.conn.in_transaction:  # SQLite rolled back everything
                self._own = False
                self.conn._depth = 0
            raise
        self._count += 1

    @property
    def due(self) -> bool:
        """Whether it is time to commit (enough units, or the write lock held long enough)."""
        return self._own and (self._count >= self.units or time.monotonic() - self._started >= self.seconds)

    # After a commit the importer would take the lock again within microseconds, while a waiting
    # writer polls (SQLite's busy handler) only every 100 ms: a pause that long lets it in.
    PAUSE = 0.1

    def commit(self, *, let_others_in: bool = False) -> None:
        """Commit the units done so far (raises the project's error if that fails: they are then
        lost); ``let_others_in`` then pauses so that a waiting writer gets its turn."""
        if self._own and let_others_in:
            try:
                self.commit()
            finally:
                time.sleep(self.PAUSE)
            return
        if self._own:
            self._own = False
            self.conn._depth = 0
            try:
                self.conn._commit()
            except sqlite3.OperationalError as exc:
                known = translate(exc, self.conn.path)
                if known is None:
                    raise
                raise known from exc

    @property
    def open(self) -> bool:
        """Whether units are waiting for the batch's commit."""
        return self._own

    def rollback(self) -> None:
        if self._own:
            self._own = False
            self.conn._depth = 0
            self.conn._rollback()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.commit()  # units are whole: what finished is kept even when the batch is interrupted


def _locked_or(exc: sqlite3.OperationalError, path: Path, waited: float | None = None) -> Exception:
    return translate(exc, path, waited=waited) or exc


def translate(exc: BaseException, path: Path, *, waited: float | None = None) -> WorkbenchError | None:
    """The project's own error for an SQLite error a user can act on (busy, read-only, disk full,
    I/O error, damaged file), or None for anything else."""
    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        wait = f"{waited:.1f} s" if waited is not None else f"up to {BUSY_TIMEOUT_MS / 1000:g} s"
        return ProjectError(
            f"{path}: the project is busy: another workbench is writing to it (waited {wait}).",
            hint="Wait for the other import or merge to finish, then try again.",
        )
    if "readonly" in text or "read-only" in text:
        return ProjectError(
            f"{path}: the project is read-only here ({_read_only_reason(path) or 'opened read-only'}); "
            "nothing was changed.",
            hint="Commands that only read work on it. To change it, copy it to a folder you can write to "
            "(or make the file writable), or merge it into your own project with `workbench merge`.",
        )
    if "disk is full" in text or "database or disk is full" in text:
        return ProjectError(
            f"{path}: disk full: the change was not saved (the project is unchanged).",
            hint="Free some space on that disk (or move the project to another one) and try again.",
        )
    if "disk i/o error" in text:
        return ProjectError(
            f"{path}: the disk reported an input/output error; the change was not saved.",
            hint="Check the disk or network folder holding the project; run `workbench check` once it is reachable.",
        )
    if "malformed" in text or "not a database" in text or "file is encrypted" in text:
        return ProjectError(
            f"{path} is damaged ({exc}).",
            hint="Run `workbench check` for details; restore it from a backup (`workbench backup` makes one).",
        )
    return None


# -- where the project lives ---------------------------------------------------------------------
