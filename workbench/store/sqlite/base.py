"""What every part of the SQLite store shares: the connection, rows as records, JSON columns."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import is_dataclass
from typing import Any, TypeVar

from workbench import models as m
from workbench.errors import WorkbenchError
from workbench.store.sqlite.db import Connection, Params

R = TypeVar("R")


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return m.as_dict(value)
    return str(value)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def last_id(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made."""
    if cur.lastrowid is None:
        raise WorkbenchError("the project did not report the new row's id.")
    return int(cur.lastrowid)


class Queries:
    """The connection and the helpers the store's parts (transcripts, coding, findings,
    maintenance) use; :class:`~workbench.store.sqlite.store.Store` combines them."""

    conn: Connection

    def _rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def _one(self, sql: str, params: Params = ()) -> dict[str, Any] | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row else None

    def _records(self, cls: type[R], sql: str, params: Params = (), *, parse: tuple[str, ...] = ()) -> list[R]:
        """Rows as records of ``cls`` (columns by name; the ``parse`` columns are JSON text)."""
        out = []
        for row in self.conn.execute(sql, params).fetchall():
            values = dict(row)
            for key in parse:
                values[key] = json.loads(values[key]) if values[key] is not None else None
            out.append(cls(**values))
        return out

    def _record(self, cls: type[R], sql: str, params: Params = (), *, parse: tuple[str, ...] = ()) -> R | None:
        rows = self._records(cls, sql, params, parse=parse)
        return rows[0] if rows else None

    def _update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        columns = ", ".join(f'"{key}" = ?' for key in values)
        try:
            self.conn.execute(f"UPDATE {table} SET {columns} WHERE id = ?", (*values.values(), row_id))
        except sqlite3.IntegrityError as exc:
            if "cycle" in str(exc):
                raise WorkbenchError(
                    f"the code tree would have a cycle ({exc}).",
                    hint="A code cannot be moved under itself or under one of its sub-codes.",
                ) from exc
            raise

    def _tuples(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """A cursor that yields plain tuples (lighter than rows with names, for large reads)."""
        cur = self.conn.conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, params)

    def _index_turns(self, transcript_id: int, text: str) -> None:
        """Fill the search index with the transcript's turns. The text of each turn is cut in
        Python (constant time per turn): SQLite's substr() counts characters from the start of the
        text for every turn, which made importing a long transcript quadratic."""
        rows = self.conn.execute('SELECT id, start, "end" FROM turns WHERE transcript_id = ?', (transcript_id,))
        self.conn.conn.executemany(
            "INSERT INTO turns_fts(rowid, text) VALUES (?, ?)",
            ((tid, text[start:end]) for tid, start, end in rows.fetchall()),
        )

    _SEGMENT_LIST = """
        SELECT g.id, g.transcript_id, t.title AS transcript, t.source_name, s.name AS site,
               (SELECT group_concat(p.label, ', ') FROM transcript_participants tp
                  JOIN participants p ON p.id = tp.participant_id WHERE tp.transcript_id = t.id) AS participant,
               (SELECT group_concat(DISTINCT p.role) FROM transcript_participants tp
                  JOIN participants p ON p.id = tp.participant_id WHERE tp.transcript_id = t.id) AS role,
               g.code_id, c.guid AS code_guid, k.name AS coder, g.start, g."end", g.text, g.memo, g.origin,
               g.created_at, g.updated_at
        FROM segments g
        JOIN transcripts t ON t.id = g.transcript_id
        LEFT JOIN sites s ON s.id = t.site_id
        JOIN codes c ON c.id = g.code_id
        JOIN coders k ON k.id = g.coder_id
    """
