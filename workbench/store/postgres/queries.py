"""Where the team database answers differently from a project file: full-text search (tsquery,
ts_headline), the checks of `workbench check`, the coder of a change (always the database user for a
coder), and what a file does with its own bytes (pseudonymisation in place, vacuum)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workbench import models as m
from workbench.errors import WorkbenchError
from workbench.store.base import QueryError
from workbench.store.postgres.connection import PgConnection
from workbench.store.postgres.team import NotAllowedError
from workbench.store.sqlite.base import Queries, _json
from workbench.store.sqlite.db import now


# The segment apply_code made last on this connection (a session setting the function sets).
MADE_SEGMENT = "nullif(current_setting('workbench.made_segment', true), '')::bigint"


class PgQueries(Queries):
    """Overrides of the shared queries for PostgreSQL (mixed in before them)."""

    conn: PgConnection  # type: ignore[assignment]
    _SEGMENT_LIST: str  # the shared segment listing (SQLite's coding queries)

    # -- who is coding -----------------------------------------------------------------------------

    def session_user(self) -> str:
        """The database user this connection logs in as (fixed for the connection's life)."""
        if not getattr(self, "_me", None):
            row = self.conn.execute("SELECT session_user").fetchone()
            self._me = str(row[0]) if row else ""
        return self._me

    def is_lead(self) -> bool:
        row = self.conn.execute("SELECT is_lead()").fetchone()
        return bool(row and row[0])

    def blind_phase(self) -> bool:
        """Whether the project is in its blind phase (what row-level security hides then)."""
        row = self.conn.execute("SELECT blind_phase()").fetchone()
        return bool(row and row[0])

    def coder_id(self, name: str) -> int:
        """A coder's id. On a team database a coder codes as their database user: naming someone
        else is refused; the lead may name any coder (consensus, copied projects)."""
        me = self.session_user()
        if name == me:
            if self.conn.my_coder_id is None:  # kept until a rollback (which may undo the coder's row)
                found = self.conn.execute("SELECT ensure_session_coder()").fetchone()
                if found is None or found[0] is None:
                    raise NotAllowedError(f"not allowed: {me!r} cannot be recorded as a coder here.")
                self.conn.my_coder_id = int(found[0])
            return self.conn.my_coder_id
        row = self.conn.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        if not self.is_lead():
            raise NotAllowedError(
                f"not allowed: on this team database you code as {me!r} (your database user), not as {name!r}.",
                hint="Leave out --coder and $WORKBENCH_CODER, or connect as that coder's user.",
            )
        if row:
            return int(row[0])
        cur = self.conn.execute("INSERT INTO coders(name, created_at) VALUES (?, ?)", (name, now()))
        assert cur.lastrowid is not None
        return int(cur.lastrowid)

    # -- coding actions in one round trip (server functions of the team layer) -----------------------

    def _one_step(self, coder: str) -> bool:
        """Whether the server functions may do the action: the coder is this connection's database user
        (the lead naming another coder goes step by step) and the database has them (`server init`
        of an older workbench did not make them)."""
        if getattr(self, "_functions", None) is None:
            row = self.conn.execute("SELECT to_regproc('apply_code') IS NOT NULL").fetchone()
            self._functions = bool(row and row[0])
        return bool(self._functions) and coder == self.session_user()

    def insert_segment_audited(
        self,
        *,
        transcript_id: int,
        code_id: int,
        coder: str,
        start: int,
        end: int,
        memo: str | None,
        origin: str,
        after: dict[str, Any],
    ) -> int | None:
        if not self._one_step(coder):
            return None
        # the action and the new segment's record (what the caller shows next), in one round trip
        made, record = self.conn.pipeline(
            [
                (
                    "SELECT apply_code(?::bigint, ?::bigint, ?::integer, ?::integer, ?::text, ?::text, ?::text, ?::text)",
                    (transcript_id, code_id, start, end, memo, origin, now(), _json(after)),
                ),
                (self._SEGMENT_LIST + f" WHERE g.id = {MADE_SEGMENT}", ()),
            ]
        )
        row = made.fetchone()
        if row is None or row[0] is None:
            return None
        found = record.fetchone()
        self.conn.just_made = m.Segment(**dict(found)) if found else None
        return int(row[0])

    def insert_memo_audited(
        self, target: str, target_id: int | None, coder: str, text: str, after: dict[str, Any]
    ) -> int | None:
        if not self._one_step(coder):
            return None
        row = self.conn.execute(
            "SELECT add_memo(?::text, ?::bigint, ?::text, ?::text, ?::text)",
            (target, target_id, text, now(), _json(after)),
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    # -- search ------------------------------------------------------------------------------------

    def search_turns(self, match: str, limit: int = 5000, transcript_id: int | None = None) -> list[m.TurnHit]:
        """Turns matching a query (the same forms as on a file: words, "phrases", prefix*, AND/OR/NOT),
        with every match marked \x01 ... \x02 in ``marked``. English stemming; stop words are dropped."""
        from psycopg import sql

        from workbench.store.postgres import search

        try:
            query = search.tsquery(match)
        except WorkbenchError as exc:
            raise QueryError(str(exc)) from exc
        turn_text = sql.SQL('substr(t.text, u.start + 1, u."end" - u.start)')
        only = (
            sql.SQL("AND u.transcript_id = {}").format(sql.Literal(transcript_id))
            if transcript_id is not None
            else sql.SQL("")
        )
        statement = sql.SQL(
            """SELECT u.id AS turn_id, u.transcript_id, u.speaker, u.start, u."end", u.start_time,
                      {marked} AS marked, -ts_rank_cd(u.tsv, x.q) AS rank
               FROM turns u JOIN transcripts t ON t.id = u.transcript_id, (SELECT {query} AS q) AS x
               WHERE u.tsv @@ x.q {only} ORDER BY u.transcript_id, u.start LIMIT {limit}"""
        ).format(
            marked=search.headline(turn_text, sql.SQL("x.q")),
            query=query,
            only=only,
            limit=sql.Literal(limit if limit >= 0 else None),
        )
        raw = self.conn._live()
        rows = raw.execute(statement).fetchall()
        return [m.TurnHit(**dict(row)) for row in rows]

    def vocabulary(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT term FROM turns_vocab")]

    def _index_turns(self, transcript_id: int, text: str) -> None:
        """Nothing to do: triggers keep each turn's tsvector."""

    def _tuples(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(sql, params)

    def delete_segment(self, segment_id: int) -> None:
        cur = self.conn.execute("DELETE FROM segments WHERE id = ?", (segment_id,))
        self._refused_if_untouched(cur.rowcount, "segments", segment_id)

    def _refused_if_untouched(self, count: int, table: str, row_id: int) -> None:
        """Row-level security skips rows a user may not change without an error: say so, rather than
        report a change that did not happen (the transaction, and its audit entry, roll back)."""
        if (
            count == 0
            and table in ("segments", "memos")
            and self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone()
        ):
            what = "segment" if table == "segments" else "memo"
            raise NotAllowedError(
                f"not allowed: {what} {row_id} is another coder's; a coder changes and removes only their own.",
                hint="Ask its coder, or the project lead.",
            )

    def _update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        from psycopg import errors

        columns = ", ".join(f'"{key}" = ?' for key in values)
        try:
            cur = self.conn.execute(f"UPDATE {table} SET {columns} WHERE id = ?", (*values.values(), row_id))
            self._refused_if_untouched(cur.rowcount, table, row_id)
        except errors.CheckViolation as exc:
            if "cycle" in str(exc):
                raise WorkbenchError(
                    f"the code tree would have a cycle ({str(exc).splitlines()[0]}).",
                    hint="A code cannot be moved under itself or under one of its sub-codes.",
                ) from exc
            raise

    def coded_lengths(self) -> dict[int, int]:
        rows = self.conn.execute("""
            SELECT transcript_id, sum(greatest(0, "end" - greatest(start, coalesce(reach, start))))
            FROM (SELECT transcript_id, start, "end",
                         max("end") OVER (PARTITION BY transcript_id ORDER BY start, "end"
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                  FROM segments) AS spans
            GROUP BY transcript_id""").fetchall()
        return {row[0]: row[1] for row in rows}

    # -- checks (`workbench check`) ------------------------------------------------------------------

    def integrity_problems(self, *, limit: int = 20) -> list[str]:
        """The server keeps its own files sound (and checks its pages); nothing to report from here."""
        return []

    def foreign_key_problems(self) -> list[m.ForeignKeyProblem]:
        return []  # always enforced by PostgreSQL

    def search_index_problems(self) -> list[str]:
        row = self.conn.execute("""SELECT count(*) FROM turns u JOIN transcripts t ON t.id = u.transcript_id
            WHERE u.tsv IS DISTINCT FROM to_tsvector('english', substr(t.text, u.start + 1, u."end" - u.start))
            """).fetchone()
        stale = int(row[0]) if row else 0
        return [f"{stale} turns have stale text in the search index"] if stale else []

    def rebuild_search_index(self) -> int:
        cur = self.conn.execute("UPDATE turns SET start = start")  # the trigger recomputes every tsvector
        return int(cur.rowcount)

    def missing_schema_objects(self) -> list[str]:
        return []  # `workbench server init` restores the schema

    def restore_schema_objects(self) -> list[str]:
        return []

    def _text_tables(self) -> list[tuple[str, list[str]]]:
        from workbench.store.postgres.schema import SCHEMA

        tables: dict[str, list[str]] = {}
        for table, column, kind in self.conn.execute(
            """SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
                   JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                   WHERE c.table_schema = ? AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position""",
            (SCHEMA,),
        ).fetchall():
            tables.setdefault(table, [])
            if kind == "text":
                tables[table].append(column)
        return sorted(tables.items())

    def rewrite_text_columns(self, fn: Any) -> int:
        raise WorkbenchError(
            "pseudonymising a team database in place is not possible: its audit log cannot be "
            "rewritten, not even by the lead.",
            hint="Copy it to a file (`workbench copy URL FILE.db`), pseudonymise the file, and "
            "share the file (or copy it to a new team database).",
        )

    def purge_free_space(self) -> None:
        """The server reclaims space itself (autovacuum)."""

    def all_text(self) -> Iterator[tuple[str, str]]:
        for table, columns in self._text_tables():
            if not columns:
                continue
            quoted = ", ".join(f'"{c}"' for c in columns)
            for row in self.conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall():
                for column, value in zip(columns, row):
                    if isinstance(value, str) and value:
                        yield f"{table}.{column}", value
