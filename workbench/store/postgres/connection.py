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
import decimal
import functools
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from workbench.errors import WorkbenchError
from workbench.store.postgres.team import NotAllowedError, UnreachableError, _first_line, describe

# Tables without an ``id`` column: an INSERT into them reports no new id.
NO_ID = {"meta", "transcript_participants", "speakers", "key_quotes", "models", "team_roles", "team_settings",
         "schema_version"}
_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)", re.IGNORECASE)
_UPDATE_IGNORE = re.compile(r"^\s*UPDATE OR IGNORE (links) SET (\w+) = \? WHERE \2 = \? AND (\w+) != \?\s*$")
_NOCASE_EQ = re.compile(r"([\w.\"]+)\s*=\s*\?\s+COLLATE\s+NOCASE", re.IGNORECASE)


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by position or by column name (``dict(row)`` works)."""

    _names: tuple[str, ...] = ()

    def __new__(cls, names: tuple[str, ...], values: Sequence[Any]) -> "Row":
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"no column named {key}") from None
        return tuple.__getitem__(self, key)


def _value(value: Any) -> Any:
    """PostgreSQL values as the project file gives them: whole numbers for sums, 0/1 for truth."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())
    if "tsv" in names:  # the search index column, which a project file does not have (SELECT * FROM turns)
        keep = [i for i, name in enumerate(names) if name != "tsv"]
        kept = tuple(names[i] for i in keep)
        return lambda values: Row(kept, [_value(values[i]) for i in keep])

    def make(values: Sequence[Any]) -> Row:
        return Row(names, [_value(v) for v in values])
    return make


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of the call whose ``(`` is at ``start``, and the index after ``)``."""
    depth, args, current, i, quote = 0, [], [], start + 1, ""
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch == "(":
            depth += 1
            current.append(ch)
        elif ch == ")":
            if depth == 0:
                args.append("".join(current).strip())
                return args, i + 1
            depth -= 1
            current.append(ch)
        elif ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    raise WorkbenchError(f"unbalanced parentheses in a query: {text[:80]}")


def _functions(sql: str) -> str:
    """SQLite's functions with a different name or meaning on PostgreSQL, rewritten (innermost too)."""
    pattern = re.compile(r"\b(group_concat|json_group_array|max|min|ifnull)\s*\(", re.IGNORECASE)
    pos = 0
    while True:
        found = pattern.search(sql, pos)
        if not found:
            return sql
        name = found.group(1).lower()
        args, end = _split_args(sql, found.end() - 1)
        args = [_functions(a) for a in args]
        if name == "group_concat":
            first = args[0]
            distinct = first.upper().startswith("DISTINCT ")
            expr = first[9:].strip() if distinct else first
            sep = args[1] if len(args) > 1 else "','"
            new = f"string_agg({'DISTINCT ' if distinct else ''}({expr})::text, {sep})"
        elif name == "json_group_array":
            new = f"coalesce(json_agg({args[0]}), '[]')::text"
        elif name == "ifnull":
            new = f"coalesce({', '.join(args)})"
        elif len(args) > 1:
            new = f"{'greatest' if name == 'max' else 'least'}({', '.join(args)})"
        else:
            new = f"{found.group(1)}({args[0]})"
        sql = sql[:found.start()] + new + sql[end:]
        pos = found.start() + 1


def _placeholders(sql: str) -> str:
    """``?`` outside string literals becomes ``%s``; every literal ``%`` is doubled."""
    out, quote = [], ""
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def adapt(sql: str) -> tuple[str | None, bool]:
    """The statement in PostgreSQL's dialect (None: nothing to do here), and whether it is an
    INSERT that should report its new row's id."""
    if "turns_fts" in sql:
        return None, False  # the search index is a column kept by triggers
    ignore = _UPDATE_IGNORE.match(sql)
    if ignore:  # rows the update would make duplicates are left as they are (SQLite's UPDATE OR IGNORE)
        table, column, other = ignore.groups()
        sql = (f"WITH v AS (SELECT ?::bigint AS new, ?::bigint AS old, ?::bigint AS other) "
               f"UPDATE {table} AS l SET {column} = v.new FROM v WHERE l.{column} = v.old AND l.{other} != v.other "
               f"AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.{column} = v.new "
               f"AND o.{other} IS NOT DISTINCT FROM l.{other} AND o.relation = l.relation)")
    text = _NOCASE_EQ.sub(lambda m_: f"lower({m_.group(1)}) = lower(?)", sql)
    text = re.sub(r"\s+LIKE\s+(\?(?:\s*\|\|\s*'[^']*')?)\s+COLLATE\s+NOCASE", r" ILIKE \1", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+COLLATE\s+NOCASE", "", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<!I)\bLIKE\b", "ILIKE", text)
    text = re.sub(r"\bIS\s+NOT\s+\?", "IS DISTINCT FROM ?", text, flags=re.IGNORECASE)
    text = re.sub(r"\bIS\s+\?", "IS NOT DISTINCT FROM ?", text, flags=re.IGNORECASE)
    # SQLite's group_concat follows its subquery's ORDER BY; PostgreSQL orders inside the aggregate.
    text = re.sub(r"(group_concat\([^()]*)\)([^()]*?)\s+ORDER BY\s+([\w.]+)\)", r"\1 ORDER BY \3)\2)", text,
                  flags=re.IGNORECASE)
    text = _functions(text)
    insert = _INSERT.match(text)
    wants_id = False
    if insert:
        mode, table = insert.group(1), insert.group(2).lower()
        if mode:
            text = re.sub(r"\s+OR\s+(IGNORE|REPLACE)\s+", " ", text, count=1, flags=re.IGNORECASE)
            if mode.upper() == "IGNORE":
                text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        if table not in NO_ID and "RETURNING" not in text.upper():
            text = text.rstrip().rstrip(";") + " RETURNING id"
            wants_id = True
    return _placeholders(text), wants_id


def _no_limit(text: str, params: Sequence[Any]) -> list[Any]:
    """SQLite reads a negative LIMIT as "no limit"; PostgreSQL's is LIMIT NULL."""
    values = list(params)
    at = text.find("LIMIT %s")
    while at >= 0:
        index = text.count("%s", 0, at)
        if index < len(values) and isinstance(values[index], int) and values[index] < 0:
            values[index] = None
        at = text.find("LIMIT %s", at + 1)
    return values


class Cursor:
    """What the store's queries read from an executed statement (like sqlite3.Cursor)."""

    def __init__(self, rows: list[Row] | None, rowcount: int, lastrowid: int | None,
                 description: Any = None) -> None:
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
        rest = self._rows[self._next:]
        self._next = len(self._rows)
        return rest

    def fetchmany(self, size: int = 1000) -> list[Row]:
        rest = self._rows[self._next:self._next + size]
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
        return NotAllowedError(f"not allowed: {reason}.",
                               hint="Coders change only their own coding and memos; the codebook, decisions and "
                                    "settings are the lead's. Ask the project lead.")
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return NotAllowedError(f"not allowed: the server is read-only ({_first_line(exc)}).")
    if isinstance(exc, psycopg.OperationalError) and not isinstance(
            exc, (errors.QueryCanceled, errors.LockNotAvailable, errors.SerializationFailure,
                  errors.DeadlockDetected)):
        return UnreachableError(f"server unreachable, retrying on the next action: {where} ({_first_line(exc)}); "
                                "the last change was not saved.",
                                hint="It reconnects by itself when the server is back; do the last action again.")
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
                raise UnreachableError(f"server unreachable: {self.where}: the connection was lost in the middle "
                                       "of a change, which was not saved.")
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

    def executemany(self, sql: str, seq: Any) -> Cursor:
        text, _ = adapt(sql)
        if text is None:
            return Cursor([], 0, None)
        if text.endswith(" RETURNING id"):
            text = text[:-len(" RETURNING id")]
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

    def cursor(self) -> "PgConnection":
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
    def transaction(self) -> Iterator["PgConnection"]:
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
    def savepoint(self) -> Iterator["PgConnection"]:
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

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> "PgBatch":
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

    def __enter__(self) -> "PgBatch":
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self.commit()
