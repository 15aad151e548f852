"""`workbench check` (integrity, orphans, search index, schema objects), GUIDs for exchange, and
the rewrite of every text value (pseudonymisation)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

from workbench import models as m
from workbench.store.sqlite.base import Queries


class MaintenanceQueries(Queries):
    """Checks and repairs, GUIDs, and rewriting every text value."""

    # -- checks and repairs (`workbench check`) ---------------------------------------------------

    def integrity_problems(self, *, limit: int = 20) -> list[str]:
        """SQLite's full integrity check (empty for a sound file)."""
        try:
            rows = [row[0] for row in self.conn.execute(f"PRAGMA integrity_check({int(limit)})")]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == ["ok"] else rows

    def foreign_key_problems(self) -> list[m.ForeignKeyProblem]:
        """Rows pointing at rows that do not exist (table, row id, referred table)."""
        return [
            m.ForeignKeyProblem(table=row[0], rowid=row[1], parent=row[2])
            for row in self.conn.execute("PRAGMA foreign_key_check")
        ]

    def orphan_segments(self) -> list[m.OrphanSegment]:
        """Segments whose transcript, code or coder is missing, or that reach past their transcript's text."""
        return self._records(
            m.OrphanSegment,
            """
            SELECT g.id, g.transcript_id, g.code_id, g.coder_id, g.start, g."end",
                   CASE WHEN t.id IS NULL THEN 'no such transcript'
                        WHEN c.id IS NULL THEN 'no such code'
                        WHEN k.id IS NULL THEN 'no such coder'
                        ELSE 'past the end of the transcript' END AS problem
            FROM segments g
            LEFT JOIN transcripts t ON t.id = g.transcript_id
            LEFT JOIN codes c ON c.id = g.code_id
            LEFT JOIN coders k ON k.id = g.coder_id
            WHERE t.id IS NULL OR c.id IS NULL OR k.id IS NULL OR g."end" > length(t.text)
            ORDER BY g.id""",
        )

    def search_index_problems(self) -> list[str]:
        """Differences between the turns and their search index (missing, extra or stale entries)."""
        problems: list[str] = []
        try:
            self.conn.execute("INSERT INTO turns_fts(turns_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            if "readonly" not in str(exc):  # a read-only project cannot run this check; the rest still runs
                problems.append(f"the index structure is damaged ({exc})")
        indexed = dict(self.conn.execute("SELECT rowid, text FROM turns_fts").fetchall())
        seen: set[int] = set()
        stale = missing = 0
        for transcript_id, text in self.conn.execute("SELECT id, text FROM transcripts"):
            for turn_id, start, end in self.conn.execute(
                'SELECT id, start, "end" FROM turns WHERE transcript_id = ?', (transcript_id,)
            ).fetchall():
                seen.add(turn_id)
                if turn_id not in indexed:
                    missing += 1
                elif indexed[turn_id] != text[start:end]:
                    stale += 1
        extra = len(set(indexed) - seen)
        if missing:
            problems.append(f"{missing} turns are missing from the search index")
        if stale:
            problems.append(f"{stale} turns have stale text in the search index")
        if extra:
            problems.append(f"{extra} index entries belong to no turn")
        return problems

    def rebuild_search_index(self) -> int:
        """Index every turn afresh (inside a transaction); returns the number of turns indexed."""
        self.conn.execute("DELETE FROM turns_fts")
        count = 0
        for transcript_id, text in self.conn.execute("SELECT id, text FROM transcripts").fetchall():
            self._index_turns(transcript_id, text)
            count += self.conn.execute(
                "SELECT count(*) FROM turns WHERE transcript_id = ?", (transcript_id,)
            ).fetchone()[0]
        return count

    def break_code_cycle(self, cycle: list[int]) -> int:
        """Make the first code of a cycle a top-level code (inside a transaction); returns its id.
        The no-cycle trigger only refuses new cycles, so this update is allowed."""
        code_id = cycle[0]
        self.conn.execute("UPDATE codes SET parent_id = NULL WHERE id = ?", (code_id,))
        return code_id

    def _expected_schema(self) -> dict[str, tuple[str, str]]:
        """Every schema object the migrations make: name -> (type, SQL), built in memory."""
        from workbench.store.sqlite.opening import _statements
        from workbench.store.sqlite.schema import MIGRATIONS

        mem = sqlite3.connect(":memory:")
        try:
            for script in MIGRATIONS:
                for statement in _statements(script):
                    mem.execute(statement)
            return {
                name: (kind, sql)
                for kind, name, sql in mem.execute(
                    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'turns_fts_%'"
                )
            }
        finally:
            mem.close()

    def missing_schema_objects(self) -> list[str]:
        """Indexes, triggers and views of the schema that the file lacks (e.g. dropped by another tool)."""
        have = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master")}
        return sorted(f"{kind} {name}" for name, (kind, _) in self._expected_schema().items() if name not in have)

    def restore_schema_objects(self) -> list[str]:
        """Recreate missing indexes, triggers and views (inside a transaction); tables are not
        recreated (their rows would be gone anyway). Returns what was restored."""
        have = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master")}
        expected = self._expected_schema()
        restored = []
        for kind in ("view", "index", "trigger"):  # triggers may use the views
            for name, (k, sql) in expected.items():
                if k == kind and name not in have:
                    self.conn.execute(sql)
                    restored.append(f"{kind} {name}")
        return restored

    def code_names(self) -> dict[int, str]:
        return dict(self.conn.execute("SELECT id, name FROM codes").fetchall())

    # -- GUIDs for exchange ------------------------------------------------------------------------

    GUID_TABLES = ("coders", "segments", "memos", "sites", "participants")

    def guids_missing(self) -> bool:
        """Whether any coder, segment, memo, site or participant has no GUID yet."""
        return any(
            self.conn.execute(f"SELECT 1 FROM {table} WHERE guid IS NULL LIMIT 1").fetchone()
            for table in self.GUID_TABLES
        )

    def ensure_guids(self) -> None:
        """Give every coder, segment, memo, site and participant a GUID, once; exports then stay stable."""
        for table in self.GUID_TABLES:
            ids = [row[0] for row in self.conn.execute(f"SELECT id FROM {table} WHERE guid IS NULL")]
            self.conn.conn.executemany(
                f"UPDATE {table} SET guid = ? WHERE id = ?", [(str(uuid.uuid4()), i) for i in ids]
            )

    def guids(self, table: str) -> dict[int, str]:
        if table not in self.GUID_TABLES + ("codes", "transcripts"):
            raise ValueError(table)
        return {row[0]: row[1] for row in self.conn.execute(f"SELECT id, guid FROM {table}")}

    def set_guid(self, table: str, row_id: int, guid: str) -> None:
        if table not in self.GUID_TABLES:
            raise ValueError(table)
        self.conn.execute(f"UPDATE {table} SET guid = ? WHERE id = ? AND guid IS NULL", (guid, row_id))

    # -- pseudonymisation: every piece of text in the project ------------------------------------

    _NOT_TEXT = {
        "guid",
        "checksum",
        "created_at",
        "updated_at",
        "imported_at",
        "at",
        "origin",
        "review",
        "format",
        "action",
        "entity",
        "target",
        "choice",
        "colour",
        "source",
    }
    _REWRITTEN_ELSEWHERE = {("transcripts", "text"), ("segments", "text"), ("meta", "key")}

    def _text_tables(self) -> list[tuple[str, list[str]]]:
        """Every stored table (no virtual ones) with its text columns, by sqlite-utils' introspection
        (imported here only: it pulls in pandas, which no listing command should pay for)."""
        import sqlite_utils

        db = sqlite_utils.Database(self.conn.conn)
        tables = []
        for table in sorted(db.tables, key=lambda t: t.name):
            if table.name.startswith("sqlite_") or table.schema.upper().startswith("CREATE VIRTUAL"):
                continue
            tables.append((table.name, [c.name for c in table.columns if (c.type or "").upper() in ("TEXT", "")]))
        return tables

    def rewrite_text_columns(self, fn: Any) -> int:
        """Pass every text value of every table (JSON values walked, keys and strings) through
        ``fn``, except the transcripts' own text and the segments' quotes (carried over with their
        offsets elsewhere) and identifiers. The audit log's append-only triggers are lifted for the
        rewrite and put back. Trained suggestion models are removed (they hold the words they saw).
        Returns how many values changed. Runs inside the caller's transaction."""
        changed = 0
        triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
        ).fetchall()
        for name, _ in triggers:
            self.conn.execute(f'DROP TRIGGER "{name}"')
        self.conn.execute("DELETE FROM models")
        for table, columns in self._text_tables():
            if table.startswith("turns_fts") or table == "turns_vocab":
                continue
            wanted = [c for c in columns if c not in self._NOT_TEXT and (table, c) not in self._REWRITTEN_ELSEWHERE]
            if not wanted:
                continue
            quoted = ", ".join(f'"{c}"' for c in wanted)
            updates = []
            for row in self.conn.execute(f'SELECT rowid, {quoted} FROM "{table}"').fetchall():
                values = list(row[1:])
                new = [_rewrite_value(v, fn) for v in values]
                if new != values:
                    updates.append((*new, row[0]))
            if updates:
                sets = ", ".join(f'"{c}" = ?' for c in wanted)
                self.conn.conn.executemany(f'UPDATE "{table}" SET {sets} WHERE rowid = ?', updates)
                changed += len(updates)
        for _, sql in triggers:
            self.conn.execute(sql)
        return changed

    def purge_free_space(self) -> None:
        """Leave no trace of replaced text in the file: the search index merged, the file
        vacuumed (free pages dropped), the write-ahead log folded in."""
        self.conn.execute("INSERT INTO turns_fts(turns_fts) VALUES ('optimize')")
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def all_text(self) -> Iterator[tuple[str, str]]:
        """Every text value in the project, with where it is (table.column): for verification."""
        for table, columns in self._text_tables():
            if table == "turns_fts_data" or not columns:
                continue
            quoted = ", ".join(f'"{c}"' for c in columns)
            for row in self.conn.execute(f'SELECT {quoted} FROM "{table}"'):
                for column, value in zip(columns, row):
                    if isinstance(value, str) and value:
                        yield f"{table}.{column}", value


def _rewrite_value(value: Any, fn: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "{[":
        try:
            data = json.loads(value)
        except ValueError:
            return fn(value)
        walked = _walk_json(data, fn)
        return value if walked == data else json.dumps(walked, ensure_ascii=False, sort_keys=True, default=str)
    return fn(value)


def _walk_json(data: Any, fn: Any) -> Any:
    if isinstance(data, str):
        return fn(data)
    if isinstance(data, list):
        return [_walk_json(v, fn) for v in data]
    if isinstance(data, dict):
        return {fn(k) if isinstance(k, str) else k: _walk_json(v, fn) for k, v in data.items()}
    return data
