"""A team database connection: transactions, savepoints and batches as on a project file, the
store's queries (written once, in the dialect both engines share) adapted to PostgreSQL, and
PostgreSQL's refusals in the user's terms ("not allowed: ...", "server unreachable: ...").

The adaptation is small and mechanical: ``?`` placeholders, ``INSERT OR IGNORE``, ``COLLATE
NOCASE`` comparisons, ``LIKE`` (case-insensitive on SQLite), ``group_concat``/``json_group_array``
and the two-argument ``max``/``min``; everything else is the same SQL. The search index of the
project file (``turns_fts``) is a column kept by triggers here, so statements writing it are
skipped. Rows support both positions and names, as SQLite's rows do.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from workbench.errors import WorkbenchError
from workbench.store.postgres.dialect import Row, _no_limit, _row_factory, adapt
from workbench.store.postgres.roles import NotAllowedError, UnreachableError, _first_line, describe


class Cursor:
    """What the store's queries read from an executed statement (like sqlite3.Cursor)."""

    def __init__(self, rows: list[Row] | None, rowcount: int, lastrowid: int | None, description: Any = None) -> None:
        self._rows = rows or []
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.description = description
        self.row_factory: Any = None

    def fetchone(self) -> Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Row]:
        rest = self._rows[self._next :]
        self._next = len(self._rows)
        return rest

    def fetchmany(self, size: int = 1000) -> list[Row]:
        rest = self._rows[self._next : self._next + size]
        self._next += len(rest)
        return rest

    def __iter__(self) -> Iterator[Row]:
        while (row := self.fetchone()) is not None:
            yield row


def refusal(exc: Exception, where: str) -> WorkbenchError | None:
    """The user's error for a PostgreSQL refusal or a lost connection, or None."""
    import psycopg
    from psycopg import errors

    if isinstance(exc, errors.InsufficientPrivilege):
        reason = _first_line(exc)
        if "row-level security" in reason:
            reason = f"this change belongs to another coder or to the lead ({reason})"
        return NotAllowedError(
            f"not allowed: {reason}.",
            hint="Coders change only their own coding and memos; the codebook, decisions and "
            "settings are the lead's. Ask the project lead.",
        )
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return NotAllowedError(f"not allowed: the server is read-only ({_first_line(exc)}).")
    if isinstance(exc, psycopg.OperationalError) and not isinstance(
        exc, (errors.QueryCanceled, errors.LockNotAvailable, errors.SerializationFailure, errors.DeadlockDetected)
    ):
        return UnreachableError(
            f"server unreachable, retrying on the next action: {where} ({_first_line(exc)}); "
            "the last change was not saved.",
            hint="It reconnects by itself when the server is back; do the last action again.",
        )
    return None


class PgConnection:
    """A team database connection with the project file's transaction interface."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = describe(url)
        self.read_only = False
        self.read_only_reason: str | None = None
        self._depth = 0
        self._tx: Any = None
        self.changes = 0
        self.my_coder_id: int | None = None  # the database user's coder row, once known
        self.just_made: Any = None  # a record read in the same round trip as its write, until the next statement
        self.raw: Any = None
        self.conn = self  # the store's parts reach the raw connection as conn.conn
        self.connect()

    # -- connecting ------------------------------------------------------------------------------

    def connect(self) -> None:
        from workbench.store.postgres import team
        from workbench.store.postgres.schema import CHANNEL, SCHEMA

        raw = team.connect(self.url)
        raw.row_factory = _row_factory
        try:
            raw.execute(f"SET search_path TO {SCHEMA}, public")
            raw.execute(f"LISTEN {CHANNEL}")
        except Exception as exc:
            raw.close()
            raise refusal(exc, self.where) or exc from exc
        pid = raw.info.backend_pid
        raw.add_notify_handler(lambda n: self._noticed(n.pid, pid))
        self.raw = raw

    def _noticed(self, sender: int, own: int) -> None:
        if sender != own:
            self.changes += 1

    def _live(self) -> Any:
        if self.raw is None or self.raw.closed or self.raw.broken:
            if self._depth:
                raise UnreachableError(
                    f"server unreachable: {self.where}: the connection was lost in the middle "
                    "of a change, which was not saved."
                )
            self.connect()
        return self.raw

    def poll(self) -> int:
        """Read what the server announced (other coders' commits) and return the change count."""
        if not self._depth:
            with contextlib.suppress(Exception):
                self._live().execute("SELECT 1")
        return self.changes

    # -- statements ------------------------------------------------------------------------------

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        self.just_made = None
        text, wants_id = adapt(sql)
        if text is None:
            return Cursor([], 0, None)
        if "LIMIT %s" in text and isinstance(params, (tuple, list)):
            params = _no_limit(text, params)
        raw = self._live()
        try:
            cur = raw.execute(text, params if params else None)
            rows = cur.fetchall() if cur.description else []
        except Exception as exc:
            known = refusal(exc, self.where)
            if known is not None:
                raise known from exc
            raise
        if wants_id:
            return Cursor([], cur.rowcount, int(rows[-1][0]) if rows else None)
        return Cursor(rows, cur.rowcount, None, cur.description)

    def pipeline(self, statements: list[tuple[str, Any]]) -> list[Cursor]:
        """Several statements in one round trip (psycopg's pipeline mode): sent together, run in order;
        the first error stops the rest and is raised (outside a transaction they are one implicit
        transaction: all or nothing)."""
        self.just_made = None
        adapted = [(adapt(sql)[0], params) for sql, params in statements]
        raw = self._live()
        try:
            with raw.pipeline():
                sent = [raw.execute(text, params or None) for text, params in adapted]
            return [Cursor(c.fetchall() if c.description else [], c.rowcount, None, c.description) for c in sent]
        except Exception as exc:
            known = refusal(exc, self.where)
            if known is not None:
                raise known from exc
            raise

    def executemany(self, sql: str, seq: Any) -> Cursor:
        text, _ = adapt(sql)
        if text is None:
            return Cursor([], 0, None)
        if text.endswith(" RETURNING id"):
            text = text[: -len(" RETURNING id")]
        raw = self._live()
        try:
            with raw.cursor() as cur:
                cur.executemany(text, list(seq))
                return Cursor([], cur.rowcount, None)
        except Exception as exc:
            known = refusal(exc, self.where)
            if known is not None:
                raise known from exc
            raise

    def cursor(self) -> PgConnection:
        return self

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # -- transactions ----------------------------------------------------------------------------

    def _begin(self) -> None:
        raw = self._live()
        try:
            raw.execute("BEGIN")
        except Exception as exc:
            raise refusal(exc, self.where) or exc from exc

    def _commit(self) -> None:
        try:
            self.raw.execute("COMMIT")
        except Exception as exc:
            self._rollback()
            raise refusal(exc, self.where) or exc from exc

    def _rollback(self) -> None:
        self.my_coder_id = None
        if self.raw is not None and not self.raw.closed and not self.raw.broken:
            with contextlib.suppress(Exception):
                self.raw.execute("ROLLBACK")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """One transaction; an inner block joins the outer one (as on a project file)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        else:
            self._depth = 0
            self._commit()

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[PgConnection]:
        if not self._depth:
            with self.transaction() as c:
                yield c
            return
        name = f"unit{self._depth}"
        self.raw.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self.raw is not None and not self.raw.broken:
                with contextlib.suppress(Exception):
                    self.raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.raw.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self._depth -= 1
            self.raw.execute(f"RELEASE SAVEPOINT {name}")

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> PgBatch:
        return PgBatch(self, seconds=seconds, units=units)

    def close(self) -> None:
        if self.raw is not None:
            with contextlib.suppress(Exception):
                self.raw.close()
            self.raw = None


class PgBatch:
    """Units of work committed together, each in a savepoint (see the project file's Batch)."""

    def __init__(self, conn: PgConnection, *, seconds: float, units: int) -> None:
        self.conn, self.seconds, self.units = conn, seconds, units
        self._own = False
        self._count = 0
        self._started = 0.0

    @contextlib.contextmanager
    def unit(self) -> Iterator[PgConnection]:
        if not self._own and not self.conn._depth:
            self.conn._begin()
            self.conn._depth = 1
            self._own, self._count, self._started = True, 0, time.monotonic()
        with self.conn.savepoint() as c:
            yield c
        self._count += 1

    @property
    def due(self) -> bool:
        return self._own and (self._count >= self.units or time.monotonic() - self._started >= self.seconds)

    def commit(self, *, let_others_in: bool = False) -> None:
        if self._own:
            self._own = False
            self.conn._depth = 0
            self.conn._commit()

    @property
    def open(self) -> bool:
        return self._own

    def rollback(self) -> None:
        if self._own:
            self._own = False
            self.conn._depth = 0
            self.conn._rollback()

    def __enter__(self) -> PgBatch:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.commit()
