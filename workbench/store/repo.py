"""Queries and writes on a project. Every write method expects to run inside
``store.transaction()`` so that a use case's writes and its audit entry commit together."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from workbench import models as m
from workbench.errors import WorkbenchError
from workbench.store.db import Connection, now, open_project


R = TypeVar("R")


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return m.as_dict(value)
    return str(value)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


class Store:
    """A project opened on this thread. Not to be shared across threads (see ARCHITECTURE.md)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> "Store":
        """Open a project (see :func:`~workbench.store.db.open_project`): a project that cannot
        be written is opened read-only, and ``read_only`` asks for that (no migration then)."""
        return cls(open_project(path, create=create, read_only=read_only))

    @classmethod
    def open_other(cls, path: str | Path) -> "Store":
        """Another project to read from (a colleague's file to merge): opened read-only, never
        migrated or written in place (an older one is read through an upgraded temporary copy)."""
        return cls(open_project(path, read_only=True, upgrade_copy=True))

    @property
    def db(self):  # noqa: ANN201 - sqlite_utils.Database, imported only if used (it pulls in pandas)
        import sqlite_utils

        return sqlite_utils.Database(self.conn.conn)

    def is_project_file(self, candidate: str | Path) -> bool:
        """Whether a path is this project's file (or its -wal/-shm): never read or write it as a
        plain file while the project is open (that would drop this process's SQLite locks)."""
        from workbench.store.db import is_project_file

        return is_project_file(candidate, self.conn.path)

    @property
    def read_only(self) -> bool:
        """Whether the project is open read-only (then ``read_only_reason`` says why)."""
        return self.conn.read_only

    @property
    def read_only_reason(self) -> str | None:
        return self.conn.read_only_reason

    def savepoint(self):  # noqa: ANN201 - a context manager
        """A block an error undoes alone, inside a transaction (see Connection.savepoint)."""
        return self.conn.savepoint()

    def batch(self, *, seconds: float = 0.5, units: int = 200):  # noqa: ANN201 - a Batch
        """Units of work committed together, each in a savepoint (see Connection.batch)."""
        return self.conn.batch(seconds=seconds, units=units)

    @property
    def path(self) -> Path:
        return self.conn.path_shown

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.conn.transaction() as c:
            yield c

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def _one(self, sql: str, params: tuple | dict = ()) -> dict[str, Any] | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row else None

    def _records(self, cls: type[R], sql: str, params: tuple | dict = (), *,
                 parse: tuple[str, ...] = ()) -> list[R]:
        """Rows as records of ``cls`` (columns by name; the ``parse`` columns are JSON text)."""
        out = []
        for row in self.conn.execute(sql, params).fetchall():
            values = dict(row)
            for key in parse:
                values[key] = json.loads(values[key]) if values[key] is not None else None
            out.append(cls(**values))
        return out

    def _record(self, cls: type[R], sql: str, params: tuple | dict = (), *,
                parse: tuple[str, ...] = ()) -> R | None:
        rows = self._records(cls, sql, params, parse=parse)
        return rows[0] if rows else None

    # -- meta and audit -------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def audit(self, action: str, entity: str, entity_id: int | None, *, coder: str | None = None,
              before: Any = None, after: Any = None) -> int:
        """Append to the audit log (append-only: triggers refuse updates and deletes)."""
        cur = self.conn.execute(
            "INSERT INTO audit(at, coder, action, entity, entity_id, before, after) VALUES (?,?,?,?,?,?,?)",
            (now(), coder, action, entity, entity_id, _json(before), _json(after)),
        )
        return int(cur.lastrowid)

    def audit_entries(self, limit: int = 100, entity: str | None = None) -> list[m.AuditEntry]:
        where, params = ("WHERE entity = ?", (entity, limit)) if entity else ("", (limit,))
        return self._records(m.AuditEntry, f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", params)

    # -- sites and participants ------------------------------------------------------------

    def site_id(self, name: str, attributes: dict[str, Any] | None = None) -> int:
        """The id of the named site, created if new; given attributes are merged in."""
        row = self._one("SELECT id, attributes FROM sites WHERE name = ?", (name,))
        if row is None:
            cur = self.conn.execute("INSERT INTO sites(name, attributes) VALUES (?, ?)",
                                    (name, _json(attributes or {})))
            return int(cur.lastrowid)
        if attributes:
            merged = {**json.loads(row["attributes"]), **attributes}
            self.conn.execute("UPDATE sites SET attributes = ? WHERE id = ?", (_json(merged), row["id"]))
        return int(row["id"])

    def participant_id(self, label: str, *, role: str | None, site_id: int | None,
                       attributes: dict[str, Any] | None = None) -> int:
        """The id of the participant, created if new; role, site and attributes filled in."""
        row = self._one("SELECT * FROM participants WHERE label = ?", (label,))
        if row is None:
            cur = self.conn.execute(
                "INSERT INTO participants(label, role, site_id, attributes) VALUES (?,?,?,?)",
                (label, role, site_id, _json(attributes or {})),
            )
            return int(cur.lastrowid)
        merged = {**json.loads(row["attributes"]), **(attributes or {})}
        self.conn.execute(
            "UPDATE participants SET role = coalesce(?, role), site_id = coalesce(?, site_id), attributes = ? WHERE id = ?",
            (role, site_id, _json(merged), row["id"]),
        )
        return int(row["id"])

    def sites(self) -> list[m.Site]:
        return self._records(m.Site, """
            SELECT s.*, (SELECT count(*) FROM transcripts t WHERE t.site_id = s.id) AS transcripts
            FROM sites s ORDER BY s.name""", parse=("attributes",))

    def transcript_participant_links(self) -> list[m.ParticipantLink]:
        return self._records(m.ParticipantLink, """
            SELECT tp.transcript_id, p.label, p.role FROM transcript_participants tp
            JOIN participants p ON p.id = tp.participant_id ORDER BY tp.transcript_id, tp.position""")

    def participants(self) -> list[m.Participant]:
        return self._records(m.Participant, """
            SELECT p.*, s.name AS site FROM participants p LEFT JOIN sites s ON s.id = p.site_id
            ORDER BY p.label""", parse=("attributes",))

    # -- transcripts -------------------------------------------------------------------------

    def transcript_by_guid(self, guid: str) -> m.TranscriptRef | None:
        return self._record(m.TranscriptRef, "SELECT id FROM transcripts WHERE guid = ?", (guid,))

    def transcript_by_checksum(self, checksum: str) -> m.TranscriptRef | None:
        return self._record(m.TranscriptRef, "SELECT id, title, source_name FROM transcripts WHERE checksum = ?",
                            (checksum,))

    def transcript_by_source(self, source_name: str, site_id: int | None) -> m.TranscriptRef | None:
        return self._record(m.TranscriptRef, 
            "SELECT id, title, checksum FROM transcripts WHERE source_name = ? AND site_id IS ?",
            (source_name, site_id),
        )

    def insert_transcript(self, *, title: str, site_id: int | None, date: str | None,
                          interviewer: str | None, source_name: str, format: str, checksum: str,
                          text: str, attributes: dict[str, Any], participant_ids: list[int],
                          turns: Iterable[tuple], guid: str | None = None) -> int:
        cur = self.conn.execute(
            """INSERT INTO transcripts(guid, title, site_id, date, interviewer, source_name, format,
                   checksum, text, words, attributes, imported_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
            (guid or str(uuid.uuid4()), title, site_id, date, interviewer, source_name, format, checksum,
             text, len(text.split()), _json(attributes), now()),
        )
        transcript_id = int(cur.lastrowid)
        self.conn.conn.executemany(
            "INSERT INTO transcript_participants(transcript_id, participant_id, position) VALUES (?,?,?)",
            [(transcript_id, pid, i) for i, pid in enumerate(participant_ids)],
        )
        self.conn.conn.executemany(
            """INSERT INTO turns(transcript_id, position, speaker, start, "end", start_time, end_time)
               VALUES (?,?,?,?,?,?,?)""",
            [(transcript_id, i, *turn) for i, turn in enumerate(turns)],
        )
        self._index_turns(transcript_id, text)
        return transcript_id

    def _index_turns(self, transcript_id: int, text: str) -> None:
        """Fill the search index with the transcript's turns. The text of each turn is cut in
        Python (constant time per turn): SQLite's substr() counts characters from the start of the
        text for every turn, which made importing a long transcript quadratic."""
        rows = self.conn.execute('SELECT id, start, "end" FROM turns WHERE transcript_id = ?', (transcript_id,))
        self.conn.conn.executemany("INSERT INTO turns_fts(rowid, text) VALUES (?, ?)",
                                   ((tid, text[start:end]) for tid, start, end in rows.fetchall()))

    _TRANSCRIPT_LIST = """
        SELECT t.id, t.guid, t.title, t.date, t.interviewer, t.source_name, t.format, t.words,
               t.checksum, t.attributes, t.imported_at, length(t.text) AS length,
               s.name AS site,
               (SELECT group_concat(p.label, ', ') FROM transcript_participants tp
                  JOIN participants p ON p.id = tp.participant_id
                  WHERE tp.transcript_id = t.id ORDER BY tp.position) AS participant,
               (SELECT group_concat(DISTINCT p.role) FROM transcript_participants tp
                  JOIN participants p ON p.id = tp.participant_id
                  WHERE tp.transcript_id = t.id) AS role,
               (SELECT count(*) FROM turns u WHERE u.transcript_id = t.id) AS turns,
               (SELECT count(*) FROM segments g WHERE g.transcript_id = t.id) AS segments
        FROM transcripts t LEFT JOIN sites s ON s.id = t.site_id
    """

    def transcripts(self) -> list[m.Transcript]:
        return self._records(m.Transcript, self._TRANSCRIPT_LIST + " ORDER BY s.name, t.title", parse=("attributes",))

    def transcript(self, transcript_id: int) -> m.Transcript | None:
        return self._record(m.Transcript, self._TRANSCRIPT_LIST.replace("t.imported_at,", "t.imported_at, t.text,")
                            + " WHERE t.id = ?", (transcript_id,), parse=("attributes",))

    def transcript_text(self, transcript_id: int) -> str | None:
        row = self._one("SELECT text FROM transcripts WHERE id = ?", (transcript_id,))
        return row["text"] if row else None

    def find_transcripts(self, ref: str) -> list[m.TranscriptRef]:
        """Transcripts whose id, title or source file name is ``ref`` (case-insensitive)."""
        params: tuple = (ref, ref, ref, Path(ref).stem)
        return self._records(m.TranscriptRef, 
            """SELECT id, title, source_name FROM transcripts
               WHERE CAST(id AS TEXT) = ? OR title = ? COLLATE NOCASE OR source_name = ? COLLATE NOCASE
                  OR source_name LIKE ? || '.%' COLLATE NOCASE ORDER BY id""",
            params,
        )

    def turns(self, transcript_id: int) -> list[m.TurnRecord]:
        return self._records(m.TurnRecord, 'SELECT * FROM turns WHERE transcript_id = ? ORDER BY position',
                             (transcript_id,))

    def turn_starts(self) -> list[tuple[int, int, int]]:
        """(transcript, turn id, start) of every turn: to place segments in turns."""
        return self.conn.execute("SELECT transcript_id, id, start FROM turns").fetchall()

    def coded_lengths(self) -> dict[int, int]:
        """Characters covered by at least one segment, by transcript (the union of the segments:
        each segment adds what reaches past the furthest end of the segments before it)."""
        rows = self.conn.execute("""
            SELECT transcript_id, sum(max(0, "end" - max(start, coalesce(reach, start))))
            FROM (SELECT transcript_id, start, "end",
                         max("end") OVER (PARTITION BY transcript_id ORDER BY start, "end"
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                  FROM segments)
            GROUP BY transcript_id""").fetchall()
        return {row[0]: row[1] for row in rows}

    # -- codes ---------------------------------------------------------------------------------

    def codes(self, *, counts: bool = True) -> list[m.Code]:
        """All codes, each with its path ("Theme/Sub-code") and, with ``counts``, its number of
        segments (a scan of the segments: leave it out where the count is not shown), in tree order."""
        count = "(SELECT count(*) FROM segments s WHERE s.code_id = c.id)" if counts else "NULL"
        rows = self._rows(f"""
            SELECT c.*, {count} AS segments
            FROM codes c ORDER BY c.position, c.id""")
        for row in rows:
            row["patterns"] = json.loads(row["patterns"])
        by_id = {row["id"]: row for row in rows}
        for row in rows:
            parts, node, seen = [], row, set()
            while node is not None and node["id"] not in seen:  # a damaged project may have a cycle
                seen.add(node["id"])
                parts.append(node["name"])
                node = by_id.get(node["parent_id"])
            row["path"] = "/".join(reversed(parts))
            row["keywords"] = json.loads(row["keywords"])
        children: dict[int | None, list[dict[str, Any]]] = {}
        for row in rows:
            children.setdefault(row["parent_id"], []).append(row)
        ordered: list[dict[str, Any]] = []
        placed: set[int] = set()
        # Iterative, so any depth works; codes a damaged project has in a cycle (or under a missing
        # parent) are not reachable from the top and follow at the end, each cycle entered once.
        for root in children.get(None, []) + rows:
            stack = [(root, 0)] if root["id"] not in placed else []
            while stack:
                row, depth = stack.pop()
                if row["id"] in placed:
                    continue
                placed.add(row["id"])
                row["depth"] = depth
                ordered.append(row)
                stack.extend((child, depth + 1) for child in reversed(children.get(row["id"], [])))
        return [m.Code(**row) for row in ordered]

    def code_parents(self) -> list[tuple[int, int | None, str]]:
        """Every code as (id, parent id, name), straight from the table (cycle checks)."""
        return [(row[0], row[1], row[2]) for row in self.conn.execute("SELECT id, parent_id, name FROM codes")]

    def code(self, code_id: int) -> m.Code | None:
        return next((c for c in self.codes() if c.id == code_id), None)

    def insert_code(self, *, name: str, parent_id: int | None, guid: str | None = None,
                    position: int = 0, **fields: Any) -> int:
        values = {key: fields.get(key) for key in ("definition", "when_to_use", "when_not_to_use", "example", "colour")}
        cur = self.conn.execute(
            """INSERT INTO codes(guid, parent_id, name, definition, when_to_use, when_not_to_use,
                   example, colour, keywords, patterns, position) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            (guid or str(uuid.uuid4()), parent_id, name, values["definition"], values["when_to_use"],
             values["when_not_to_use"], values["example"], values["colour"],
             _json(list(fields.get("keywords") or [])), _json(list(fields.get("patterns") or [])), position),
        )
        return int(cur.lastrowid)

    def update_code(self, code_id: int, **fields: Any) -> None:
        allowed = {"name", "parent_id", "definition", "when_to_use", "when_not_to_use", "example",
                   "colour", "keywords", "patterns", "position"}
        values = {k: (_json(v) if k in ("keywords", "patterns") else v) for k, v in fields.items() if k in allowed}
        if "parent_id" in values:
            self.check_parent(code_id, values["parent_id"])
        if values:
            self._update("codes", code_id, values)

    def _update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        columns = ", ".join(f'"{key}" = ?' for key in values)
        try:
            self.conn.execute(f"UPDATE {table} SET {columns} WHERE id = ?", (*values.values(), row_id))
        except sqlite3.IntegrityError as exc:
            if "cycle" in str(exc):
                raise WorkbenchError(f"the code tree would have a cycle ({exc}).",
                                     hint="A code cannot be moved under itself or under one of its sub-codes.") from exc
            raise

    def code_ancestors(self, code_id: int) -> list[int]:
        """The ids from a code's parent up to its theme (stops at a cycle, if the project has one)."""
        out: list[int] = []
        seen = {code_id}
        parent = self.conn.execute("SELECT parent_id FROM codes WHERE id = ?", (code_id,)).fetchone()
        node = parent[0] if parent else None
        while node is not None and node not in seen:
            out.append(node)
            seen.add(node)
            row = self.conn.execute("SELECT parent_id FROM codes WHERE id = ?", (node,)).fetchone()
            node = row[0] if row else None
        return out

    def check_parent(self, code_id: int, parent_id: int | None) -> None:
        """Refuse a parent that would make a code its own ancestor, naming the codes involved."""
        if parent_id is None:
            return
        if parent_id == code_id or code_id in self.code_ancestors(parent_id):
            names = dict(self.conn.execute("SELECT id, name FROM codes").fetchall())
            chain = [parent_id] + [c for c in self.code_ancestors(parent_id)]
            chain = chain[: chain.index(code_id) + 1] if code_id in chain else chain
            path = " < ".join(repr(names.get(c, c)) for c in chain)
            raise WorkbenchError(
                f"the code {names.get(code_id, code_id)!r} cannot go under {names.get(parent_id, parent_id)!r}: "
                f"it would become its own ancestor ({path}).",
                hint="A code cannot be moved under itself or under one of its sub-codes; "
                     "check the codebook for a code that reuses its parent's GUID.")

    def code_cycles(self) -> list[list[int]]:
        """Every cycle in the code tree (each a list of code ids, smallest first); none in a sound project."""
        parents = dict(self.conn.execute("SELECT id, parent_id FROM codes").fetchall())
        cycles: list[list[int]] = []
        done: set[int] = set()
        for start in parents:
            path: list[int] = []
            on_path: set[int] = set()
            node = start
            while node is not None and node not in done and node not in on_path:
                path.append(node)
                on_path.add(node)
                node = parents.get(node)
            if node is not None and node in on_path:
                loop = path[path.index(node):]
                i = loop.index(min(loop))
                cycles.append(loop[i:] + loop[:i])
            done.update(path)
        return cycles

    def reassign_segments(self, source_id: int, target_id: int) -> tuple[int, int]:
        """Move segments from one code to another; returns (moved, dropped as duplicates)."""
        dropped = self.conn.execute(
            """DELETE FROM segments WHERE code_id = ? AND EXISTS (
                   SELECT 1 FROM segments t WHERE t.code_id = ? AND t.transcript_id = segments.transcript_id
                   AND t.coder_id = segments.coder_id AND t.start = segments.start AND t."end" = segments."end")""",
            (source_id, target_id)).rowcount
        moved = self.conn.execute("UPDATE segments SET code_id = ?, updated_at = ? WHERE code_id = ?",
                                  (target_id, now(), source_id)).rowcount
        return moved, dropped

    def delete_code(self, code_id: int) -> None:
        self.conn.execute("DELETE FROM codes WHERE id = ?", (code_id,))

    def code_raw(self, code_id: int) -> m.CodeRow | None:
        return self._record(m.CodeRow, "SELECT * FROM codes WHERE id = ?", (code_id,))

    def code_by_guid(self, guid: str) -> m.CodeRow | None:
        return self._record(m.CodeRow, "SELECT * FROM codes WHERE guid = ?", (guid,))

    # -- coders ----------------------------------------------------------------------------------

    def coder_id(self, name: str) -> int:
        row = self._one("SELECT id FROM coders WHERE name = ?", (name,))
        if row:
            return int(row["id"])
        cur = self.conn.execute("INSERT INTO coders(name, created_at) VALUES (?, ?)", (name, now()))
        return int(cur.lastrowid)

    def code_use(self, coder: str) -> dict[int, int]:
        """How many segments of ``coder`` carry each code."""
        rows = self.conn.execute(
            "SELECT g.code_id, count(*) FROM segments g JOIN coders k ON k.id = g.coder_id WHERE k.name = ? GROUP BY g.code_id",
            (coder,),
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def data_version(self) -> int:
        """Changes when another connection commits (another coder, another workbench)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def coders(self) -> list[m.Coder]:
        return self._records(m.Coder, """SELECT c.*, (SELECT count(*) FROM segments s WHERE s.coder_id = c.id) AS segments
                             FROM coders c ORDER BY c.name""")

    # -- segments ----------------------------------------------------------------------------------

    def insert_segment(self, *, transcript_id: int, code_id: int, coder_id: int, start: int, end: int,
                       text: str, memo: str | None, origin: str) -> int:
        stamp = now()
        cur = self.conn.execute(
            """INSERT INTO segments(transcript_id, code_id, coder_id, start, "end", text, memo, origin,
                   created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (transcript_id, code_id, coder_id, start, end, text, memo, origin, stamp, stamp),
        )
        return int(cur.lastrowid)

    def find_segment(self, transcript_id: int, code_id: int, coder_id: int, start: int, end: int) -> int | None:
        row = self._one(
            'SELECT id FROM segments WHERE transcript_id=? AND code_id=? AND coder_id=? AND start=? AND "end"=?',
            (transcript_id, code_id, coder_id, start, end),
        )
        return int(row["id"]) if row else None

    def delete_segment(self, segment_id: int) -> None:
        self.conn.execute("DELETE FROM segments WHERE id = ?", (segment_id,))

    def update_segment(self, segment_id: int, **fields: Any) -> None:
        allowed = {"code_id", "start", "end", "text", "memo"}
        values = {k: v for k, v in fields.items() if k in allowed}
        values["updated_at"] = now()
        self._update("segments", segment_id, values)

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

    def segments(self, *, transcript_id: int | None = None, code_ids: list[int] | None = None,
                 coder: str | None = None, site: str | None = None) -> list[m.Segment]:
        where, params = [], []
        if transcript_id is not None:
            where.append("g.transcript_id = ?")
            params.append(transcript_id)
        if code_ids is not None:
            where.append(f"g.code_id IN ({','.join('?' * len(code_ids)) or 'NULL'})")
            params.extend(code_ids)
        if coder is not None:
            where.append("k.name = ?")
            params.append(coder)
        if site is not None:
            where.append("s.name = ? COLLATE NOCASE")
            params.append(site)
        sql = self._SEGMENT_LIST + (" WHERE " + " AND ".join(where) if where else "")
        return self._records(m.Segment, sql + ' ORDER BY s.name, t.title, g.start, g."end", g.id', tuple(params))

    def segment_rows(self) -> tuple[list[str], list[tuple]]:
        """Every segment as plain rows, without joins (tables over the whole project map ids to
        names themselves). Returns column names and rows."""
        cur = self.conn.execute('SELECT id, transcript_id, code_id, coder_id, start, "end", text, memo, origin FROM segments')
        return [d[0] for d in cur.description], cur.fetchall()

    def segment(self, segment_id: int) -> m.Segment | None:
        return self._record(m.Segment, self._SEGMENT_LIST + " WHERE g.id = ?", (segment_id,))

    # -- search and suggestions ------------------------------------------------------------------

    def search_turns(self, match: str, limit: int = 5000, transcript_id: int | None = None) -> list[m.TurnHit]:
        """Turns matching an FTS5 query (of one transcript, if given), with the matches marked by
        \x01 ... \x02 in ``marked``."""
        only = "AND u.transcript_id = ?" if transcript_id is not None else ""
        params = (match, transcript_id, limit) if transcript_id is not None else (match, limit)
        return self._records(m.TurnHit,
            f"""SELECT u.id AS turn_id, u.transcript_id, u.speaker, u.start, u."end", u.start_time,
                      highlight(turns_fts, 0, char(1), char(2)) AS marked, bm25(turns_fts) AS rank
               FROM turns_fts JOIN turns u ON u.id = turns_fts.rowid
               WHERE turns_fts MATCH ? {only} ORDER BY u.transcript_id, u.start LIMIT ?""",
            params)

    def vocabulary(self) -> list[str]:
        """Every indexed term (stemmed), for forgiving spelling."""
        return [row[0] for row in self.conn.execute("SELECT term FROM turns_vocab")]

    def reject_suggestion(self, transcript_id: int, start: int, end: int, code_id: int, coder: str, source: str) -> None:
        self.conn.execute(
            """INSERT OR IGNORE INTO rejected_suggestions(transcript_id, start, "end", code_id, coder, source, created_at)
               VALUES (?,?,?,?,?,?,?)""", (transcript_id, start, end, code_id, coder, source, now()))

    def rejected_suggestions(self, coder: str) -> set[tuple[int, int, int, int]]:
        rows = self.conn.execute('SELECT transcript_id, start, "end", code_id FROM rejected_suggestions WHERE coder = ?',
                                 (coder,))
        return {tuple(row) for row in rows}

    def save_model(self, name: str, data: bytes, details: dict[str, Any]) -> None:
        self.conn.execute(
            """INSERT INTO models(name, created_at, data, details) VALUES (?,?,?,?)
               ON CONFLICT(name) DO UPDATE SET created_at = excluded.created_at, data = excluded.data,
               details = excluded.details""", (name, now(), data, _json(details)))

    def model(self, name: str) -> m.SavedModel | None:
        return self._record(m.SavedModel, "SELECT * FROM models WHERE name = ?", (name,), parse=("details",))

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
        return [m.ForeignKeyProblem(table=row[0], rowid=row[1], parent=row[2])
                for row in self.conn.execute("PRAGMA foreign_key_check")]

    def orphan_segments(self) -> list[m.OrphanSegment]:
        """Segments whose transcript, code or coder is missing, or that reach past their transcript's text."""
        return self._records(m.OrphanSegment, """
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
            ORDER BY g.id""")

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
                    'SELECT id, start, "end" FROM turns WHERE transcript_id = ?', (transcript_id,)).fetchall():
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
            count += self.conn.execute("SELECT count(*) FROM turns WHERE transcript_id = ?", (transcript_id,)).fetchone()[0]
        return count

    def break_code_cycle(self, cycle: list[int]) -> int:
        """Make the first code of a cycle a top-level code (inside a transaction); returns its id.
        The no-cycle trigger only refuses new cycles, so this update is allowed."""
        code_id = cycle[0]
        self.conn.execute("UPDATE codes SET parent_id = NULL WHERE id = ?", (code_id,))
        return code_id

    def _expected_schema(self) -> dict[str, tuple[str, str]]:
        """Every schema object the migrations make: name -> (type, SQL), built in memory."""
        from workbench.store.db import _statements
        from workbench.store.schema import MIGRATIONS

        mem = sqlite3.connect(":memory:")
        try:
            for script in MIGRATIONS:
                for statement in _statements(script):
                    mem.execute(statement)
            return {name: (kind, sql) for kind, name, sql in mem.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'turns_fts_%'")}
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
        return any(self.conn.execute(f"SELECT 1 FROM {table} WHERE guid IS NULL LIMIT 1").fetchone()
                   for table in self.GUID_TABLES)

    def ensure_guids(self) -> None:
        """Give every coder, segment, memo, site and participant a GUID, once; exports then stay stable."""
        for table in self.GUID_TABLES:
            ids = [row[0] for row in self.conn.execute(f"SELECT id FROM {table} WHERE guid IS NULL")]
            self.conn.conn.executemany(f"UPDATE {table} SET guid = ? WHERE id = ?",
                                       [(str(uuid.uuid4()), i) for i in ids])

    def guids(self, table: str) -> dict[int, str]:
        if table not in self.GUID_TABLES + ("codes", "transcripts"):
            raise ValueError(table)
        return {row[0]: row[1] for row in self.conn.execute(f"SELECT id, guid FROM {table}")}

    def set_guid(self, table: str, row_id: int, guid: str) -> None:
        if table not in self.GUID_TABLES:
            raise ValueError(table)
        self.conn.execute(f"UPDATE {table} SET guid = ? WHERE id = ? AND guid IS NULL", (guid, row_id))

    # -- reconciliation decisions ------------------------------------------------------------------

    def insert_decision(self, *, transcript_id: int, start: int, end: int, coders: list[str], choice: str,
                        codes: list[str], note: str | None, coder: str | None, audit_id: int | None) -> int:
        cur = self.conn.execute(
            """INSERT INTO decisions(transcript_id, start, "end", coders, choice, codes, note, coder, audit_id, created_at)
               VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (transcript_id, start, end, _json(sorted(coders)), choice, _json(codes), note, coder, audit_id, now()))
        return int(cur.lastrowid)

    def set_decision_note(self, decision_id: int, note: str | None) -> None:
        self.conn.execute("UPDATE decisions SET note = ? WHERE id = ?", (note, decision_id))

    def decisions(self, transcript_id: int | None = None) -> list[m.Decision]:
        where, params = ("WHERE transcript_id = ?", (transcript_id,)) if transcript_id is not None else ("", ())
        return self._records(m.Decision, f"SELECT * FROM decisions {where} ORDER BY id", params,
                             parse=("coders", "codes"))

    # -- memos --------------------------------------------------------------------------------------

    def insert_memo(self, target: str, target_id: int | None, coder_id: int | None, text: str) -> int:
        stamp = now()
        cur = self.conn.execute(
            "INSERT INTO memos(target, target_id, coder_id, text, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (target, target_id, coder_id, text, stamp, stamp),
        )
        return int(cur.lastrowid)

    def memos(self, target: str | None = None, target_id: int | None = None) -> list[m.Memo]:
        where, params = [], []
        if target:
            where.append("m.target = ?")
            params.append(target)
        if target_id is not None:
            where.append("m.target_id = ?")
            params.append(target_id)
        sql = "SELECT m.*, c.name AS coder FROM memos m LEFT JOIN coders c ON c.id = m.coder_id"
        return self._records(m.Memo, sql + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.id",
                             tuple(params))

    # -- speakers as cases (who is speaking in each turn: a participant or an interviewer) ---------

    def speaker_rows(self, transcript_id: int | None = None) -> list[m.SpeakerRow]:
        """Every transcript's speakers with their turns, participant and role, in order of first turn."""
        where, params = ("WHERE x.transcript_id = ?", (transcript_id,)) if transcript_id is not None else ("", ())
        return self._records(m.SpeakerRow, f"""
            SELECT x.transcript_id, t.title AS transcript, s.name AS site, x.speaker, x.role,
                   x.participant_id, p.label AS participant, p.role AS participant_role,
                   (SELECT count(*) FROM turns u WHERE u.transcript_id = x.transcript_id
                      AND coalesce(u.speaker, '') = x.speaker) AS turns,
                   (SELECT min(u.position) FROM turns u WHERE u.transcript_id = x.transcript_id
                      AND coalesce(u.speaker, '') = x.speaker) AS first_turn
            FROM speakers x JOIN transcripts t ON t.id = x.transcript_id
            LEFT JOIN sites s ON s.id = t.site_id
            LEFT JOIN participants p ON p.id = x.participant_id
            {where} ORDER BY s.name, t.title, x.transcript_id, first_turn""", params)

    def transcript_speakers(self, transcript_id: int) -> list[str]:
        """The distinct speakers of a transcript's turns ('' for unlabelled turns), in order."""
        rows = self.conn.execute(
            "SELECT coalesce(speaker, '') FROM turns WHERE transcript_id = ? GROUP BY 1 ORDER BY min(position)",
            (transcript_id,)).fetchall()
        return [row[0] for row in rows]

    def set_speaker(self, transcript_id: int, speaker: str, participant_id: int | None, role: str) -> None:
        self.conn.execute(
            """INSERT INTO speakers(transcript_id, speaker, participant_id, role) VALUES (?,?,?,?)
               ON CONFLICT(transcript_id, speaker) DO UPDATE SET participant_id = excluded.participant_id,
               role = excluded.role""", (transcript_id, speaker, participant_id, role))

    def link_participant(self, transcript_id: int, participant_id: int) -> None:
        """Make the participant one of the transcript's participants (appended), if not already."""
        self.conn.execute(
            """INSERT OR IGNORE INTO transcript_participants(transcript_id, participant_id, position)
               VALUES (?, ?, (SELECT coalesce(max(position) + 1, 0) FROM transcript_participants
                              WHERE transcript_id = ?))""", (transcript_id, participant_id, transcript_id))

    def unlink_participant(self, transcript_id: int, participant_id: int) -> None:
        self.conn.execute("DELETE FROM transcript_participants WHERE transcript_id = ? AND participant_id = ?",
                          (transcript_id, participant_id))

    def participant_by_label(self, label: str) -> m.Participant | None:
        return self._record(m.Participant,
                            "SELECT p.*, s.name AS site FROM participants p LEFT JOIN sites s ON s.id = p.site_id "
                            "WHERE p.label = ? COLLATE NOCASE ORDER BY p.label = ? DESC LIMIT 1", (label, label),
                            parse=("attributes",))

    def transcript_site_id(self, transcript_id: int) -> int | None:
        row = self._one("SELECT site_id FROM transcripts WHERE id = ?", (transcript_id,))
        return row["site_id"] if row else None

    def speaker_map(self) -> list[tuple[int, str, str | None, str]]:
        """(transcript, speaker, participant label or None, role) of every speaker of the project."""
        return self._tuples(
            """SELECT x.transcript_id, x.speaker, p.label, x.role FROM speakers x
               LEFT JOIN participants p ON p.id = x.participant_id""").fetchall()

    def turn_spans(self) -> list[tuple[int, int, int, str]]:
        """(transcript, start, end, speaker or '') of every turn, by transcript and start."""
        return self._tuples(
            """SELECT transcript_id, start, "end", coalesce(speaker, '') FROM turns
               ORDER BY transcript_id, start""").fetchall()

    def segment_keys(self, *, coder_ids: list[int] | None = None, code_ids: list[int] | None = None,
                     transcript_ids: list[int] | None = None, origin: str | None = None,
                     detail: bool = False) -> Iterator[tuple]:
        """Segments as plain tuples, streamed: (id, transcript, code, coder, start, end), and with
        ``detail`` also (text, memo, origin). Tables that only count leave the text out: then the
        rows come from the covering index ``segments_unique`` without reading the text (in its
        order, not by id); the coder filter is applied on that scan (``+coder_id``: looking up
        every row through the coder index would read the whole table)."""
        where, params = [], []
        for column, values in (("+coder_id", coder_ids), ("code_id", code_ids), ("transcript_id", transcript_ids)):
            if values is not None:
                where.append(f"{column} IN ({','.join('?' * len(values)) or 'NULL'})")
                params.extend(values)
        if origin is not None:
            where.append("origin = ?")
            params.append(origin)
        extra = ", text, memo, origin" if detail else ""
        sql = f'SELECT id, transcript_id, code_id, coder_id, start, "end"{extra} FROM segments'
        return iter(self._tuples(sql + (" WHERE " + " AND ".join(where) if where else ""), tuple(params)))

    def _tuples(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        """A cursor that yields plain tuples (lighter than rows with names, for large reads)."""
        cur = self.conn.conn.cursor()
        cur.row_factory = None
        return cur.execute(sql, params)

    def transcripts_without_speakers(self) -> list[m.UnmappedTranscript]:
        """Transcripts with turns but no speakers mapped (brought in by a merge or a REFI-QDA import)."""
        return self._records(m.UnmappedTranscript, """
            SELECT t.id, t.title, t.interviewer,
                   (SELECT json_group_array(tp.participant_id) FROM transcript_participants tp
                      WHERE tp.transcript_id = t.id) AS participant_ids
            FROM transcripts t WHERE EXISTS (SELECT 1 FROM turns u WHERE u.transcript_id = t.id)
              AND NOT EXISTS (SELECT 1 FROM speakers x WHERE x.transcript_id = t.id) ORDER BY t.id""",
            parse=("participant_ids",))

    # -- coding rounds ------------------------------------------------------------------------------

    def insert_round(self, name: str, note: str | None, coder: str | None) -> int:
        cur = self.conn.execute("INSERT INTO rounds(name, note, coder, started_at) VALUES (?,?,?,?)",
                                (name, note, coder, now()))
        return int(cur.lastrowid)

    def rounds(self) -> list[m.Round]:
        """Every round, oldest first, with how many segments each holds."""
        return self._records(m.Round, "SELECT r.*, (SELECT count(*) FROM segments g WHERE g.round_id = r.id) AS segments "
                          "FROM rounds r ORDER BY r.id")

    def segments_without_round(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM segments WHERE round_id IS NULL").fetchone()[0])

    def segment_spans(self, transcript_id: int) -> list[m.SegmentSpan]:
        """A transcript's segments with only what agreement needs (id, code, coder, offsets, round)."""
        return self._records(m.SegmentSpan, 'SELECT g.id, g.code_id, k.name AS coder, g.start, g."end", g.round_id FROM segments g '
                          'JOIN coders k ON k.id = g.coder_id WHERE g.transcript_id = ? ORDER BY g.start, g."end", g.id',
                          (transcript_id,))

    def segment_rounds(self, transcript_id: int) -> dict[int, int | None]:
        """Segment id -> round id (None: made before the first round) for one transcript."""
        rows = self.conn.execute("SELECT id, round_id FROM segments WHERE transcript_id = ?", (transcript_id,))
        return {row[0]: row[1] for row in rows}

    # -- findings: first uses, framework summaries, key quotes, links ------------------------------

    def code_first_uses(self) -> list[m.FirstUse]:
        """Per transcript, code, coder and origin: when the code was first applied there (saturation)."""
        return self._records(m.FirstUse, """
            SELECT g.transcript_id, g.code_id, k.name AS coder, g.origin, min(g.created_at) AS first_at,
                   count(*) AS segments
            FROM segments g JOIN coders k ON k.id = g.coder_id
            GROUP BY g.transcript_id, g.code_id, k.name, g.origin""")

    def framework_summary(self, row_kind: str, row_key: str, code_id: int) -> m.FrameworkSummary | None:
        return self._record(m.FrameworkSummary, "SELECT * FROM framework_summaries WHERE row_kind = ? AND row_key = ? AND code_id = ?",
                         (row_kind, row_key, code_id))

    def set_framework_summary(self, row_kind: str, row_key: str, code_id: int, summary: str,
                              note: str | None, coder: str | None) -> int:
        stamp = now()
        self.conn.execute(
            """INSERT INTO framework_summaries(row_kind, row_key, code_id, summary, note, coder, created_at, updated_at)
               VALUES (?,?,?,?,?,?,?,?)
               ON CONFLICT(row_kind, row_key, code_id) DO UPDATE SET summary = excluded.summary,
                   note = excluded.note, coder = excluded.coder, updated_at = excluded.updated_at""",
            (row_kind, row_key, code_id, summary, note, coder, stamp, stamp))
        row = self.framework_summary(row_kind, row_key, code_id)
        return row.id if row else 0

    def delete_framework_summary(self, summary_id: int) -> None:
        self.conn.execute("DELETE FROM framework_summaries WHERE id = ?", (summary_id,))

    def framework_summaries(self, row_kind: str | None = None) -> list[m.FrameworkSummary]:
        where, params = ("WHERE f.row_kind = ?", (row_kind,)) if row_kind else ("", ())
        return self._records(m.FrameworkSummary, f"""SELECT f.*, c.guid AS code_guid FROM framework_summaries f
                              JOIN codes c ON c.id = f.code_id {where} ORDER BY f.row_kind, f.row_key, f.code_id""",
                          params)

    def flag_key_quote(self, segment_id: int, coder: str | None) -> bool:
        """Flag a segment as a key quote; False when it was flagged already."""
        cur = self.conn.execute("INSERT OR IGNORE INTO key_quotes(segment_id, coder, created_at) VALUES (?,?,?)",
                                (segment_id, coder, now()))
        return cur.rowcount > 0

    def unflag_key_quote(self, segment_id: int) -> bool:
        return self.conn.execute("DELETE FROM key_quotes WHERE segment_id = ?", (segment_id,)).rowcount > 0

    def key_quote_ids(self) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT segment_id FROM key_quotes")}

    def insert_link(self, *, relation: str, direction: str, memo: str | None, coder: str | None,
                    source_code_id: int | None = None, target_code_id: int | None = None,
                    source_segment_id: int | None = None, target_segment_id: int | None = None,
                    guid: str | None = None) -> int:
        cur = self.conn.execute(
            """INSERT INTO links(guid, source_code_id, target_code_id, source_segment_id, target_segment_id,
                   relation, direction, memo, coder, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (guid or str(uuid.uuid4()), source_code_id, target_code_id, source_segment_id, target_segment_id,
             relation, direction, memo, coder, now()))
        return int(cur.lastrowid)

    def find_link(self, *, relation: str, source_code_id: int | None = None, target_code_id: int | None = None,
                  source_segment_id: int | None = None, target_segment_id: int | None = None) -> m.Link | None:
        return self._record(m.Link, 
            """SELECT * FROM links WHERE source_code_id IS ? AND target_code_id IS ? AND source_segment_id IS ?
                   AND target_segment_id IS ? AND relation = ?""",
            (source_code_id, target_code_id, source_segment_id, target_segment_id, relation))

    def link(self, link_id: int) -> m.Link | None:
        return self._record(m.Link, "SELECT * FROM links WHERE id = ?", (link_id,))

    def link_by_guid(self, guid: str) -> m.Link | None:
        return self._record(m.Link, "SELECT * FROM links WHERE guid = ?", (guid,))

    def delete_link(self, link_id: int) -> None:
        self.conn.execute("DELETE FROM links WHERE id = ?", (link_id,))

    def links(self) -> list[m.Link]:
        return self._records(m.Link, "SELECT * FROM links ORDER BY id")

    def segment_id_by_guid(self, guid: str) -> int | None:
        row = self._one("SELECT id FROM segments WHERE guid = ? COLLATE NOCASE", (guid,))
        return int(row["id"]) if row else None

    def reassign_findings(self, source_id: int, target_id: int) -> None:
        """Before a code merges into another: its framework summaries and links move to the target
        (a summary both codes have for the same row is joined; a link that would join the target to
        itself or repeat one is dropped), so deleting the source loses none of the researchers' text."""
        for row in self._rows("SELECT * FROM framework_summaries WHERE code_id = ?", (source_id,)):
            other = self.framework_summary(row["row_kind"], row["row_key"], target_id)
            if other is None:
                self.conn.execute("UPDATE framework_summaries SET code_id = ? WHERE id = ?", (target_id, row["id"]))
                continue
            joined = other.summary + "\n\n" + row["summary"]
            note = "\n\n".join(n for n in (other.note, row["note"]) if n) or None
            self.conn.execute("UPDATE framework_summaries SET summary = ?, note = ?, updated_at = ? WHERE id = ?",
                              (joined, note, now(), other.id))
            self.conn.execute("DELETE FROM framework_summaries WHERE id = ?", (row["id"],))
        for end, other_end in (("source_code_id", "target_code_id"), ("target_code_id", "source_code_id")):
            self.conn.execute(f"""UPDATE OR IGNORE links SET {end} = ? WHERE {end} = ? AND {other_end} != ?""",
                              (target_id, source_id, target_id))

    # -- editing a transcript's text -------------------------------------------------------------

    def transcript_content(self, transcript_id: int) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        """A transcript's text, its turns and every segment on it (all coders), raw: what an edit
        carries over to a new text."""
        text = self.transcript_text(transcript_id)
        if text is None:
            raise KeyError(transcript_id)
        turns = self._rows('SELECT id, position, speaker, start, "end", start_time, end_time FROM turns '
                           "WHERE transcript_id = ? ORDER BY position", (transcript_id,))
        segments = self._rows('SELECT id, code_id, coder_id, start, "end", text, review, review_note FROM segments '
                              'WHERE transcript_id = ? ORDER BY start, "end", id', (transcript_id,))
        return text, turns, segments

    def rewrite_transcript(self, transcript_id: int, *, text: str, checksum: str,
                           turns: list[dict[str, Any]], segments: list[dict[str, Any]]) -> None:
        """Store a transcript's new text with its turns and segments carried over (each a dict with
        the keys of :meth:`transcript_content`; a turn without ``id`` is new, a stored turn left
        out is removed). The search index of the transcript's turns is rebuilt from the new text."""
        self.conn.execute("UPDATE transcripts SET text = ?, checksum = ?, words = ? WHERE id = ?",
                          (text, checksum, len(text.split()), transcript_id))
        keep = {t["id"] for t in turns if t.get("id") is not None}
        stored = [row[0] for row in self.conn.execute("SELECT id FROM turns WHERE transcript_id = ?", (transcript_id,))]
        gone = [(turn_id,) for turn_id in stored if turn_id not in keep]
        self.conn.conn.executemany("DELETE FROM turns WHERE id = ?", gone)
        self.conn.conn.executemany("DELETE FROM turns_fts WHERE rowid = ?", [(i,) for i in keep])
        # Move the segments out of the way first (one uniform shift past every final offset): the
        # unique index on (transcript, code, coder, start, end) must hold for the final positions,
        # not for every step between.
        shift = len(text) + 1 + (self.conn.execute('SELECT max("end") FROM segments WHERE transcript_id = ?',
                                                   (transcript_id,)).fetchone()[0] or 0)
        self.conn.execute('UPDATE segments SET start = start + ?, "end" = "end" + ? WHERE transcript_id = ?',
                          (shift, shift, transcript_id))
        for turn in turns:
            if turn.get("id") is None:
                cur = self.conn.execute(
                    'INSERT INTO turns(transcript_id, position, speaker, start, "end", start_time, end_time) '
                    "VALUES (?,?,?,?,?,?,?)",
                    (transcript_id, turn["position"], turn["speaker"], turn["start"], turn["end"],
                     turn.get("start_time"), turn.get("end_time")))
                turn_id = int(cur.lastrowid)
            else:
                turn_id = turn["id"]
                self.conn.execute('UPDATE turns SET position = ?, speaker = ?, start = ?, "end" = ? WHERE id = ?',
                                  (turn["position"], turn["speaker"], turn["start"], turn["end"], turn_id))
            self.conn.execute("INSERT INTO turns_fts(rowid, text) VALUES (?, ?)",
                              (turn_id, text[turn["start"]:turn["end"]]))
        stamp = now()
        self.conn.conn.executemany(
            'UPDATE segments SET start = ?, "end" = ?, text = ?, review = ?, review_note = ?, updated_at = ? '
            "WHERE id = ?",
            [(s["start"], s["end"], s["text"], s.get("review"), s.get("review_note"), stamp, s["id"])
             for s in segments])

    def set_turn_speaker(self, turn_id: int, speaker: str | None) -> None:
        """Name a turn's speaker. The new name takes over the old name's place as a case (its
        participant or interviewer role) unless the transcript already maps it; the old name's
        mapping goes when no turn of the transcript has that speaker any more."""
        row = self._one("SELECT transcript_id, coalesce(speaker, '') AS speaker FROM turns WHERE id = ?", (turn_id,))
        self.conn.execute("UPDATE turns SET speaker = ? WHERE id = ?", (speaker, turn_id))
        if row is None:
            return
        transcript_id, old, new = row["transcript_id"], row["speaker"], speaker or ""
        self.conn.execute(
            """INSERT OR IGNORE INTO speakers(transcript_id, speaker, participant_id, role)
               SELECT transcript_id, ?, participant_id, role FROM speakers WHERE transcript_id = ? AND speaker = ?""",
            (new, transcript_id, old))
        self.conn.execute(
            """DELETE FROM speakers WHERE transcript_id = ? AND speaker = ? AND NOT EXISTS
               (SELECT 1 FROM turns WHERE transcript_id = ? AND coalesce(speaker, '') = ?)""",
            (transcript_id, old, transcript_id, old))

    def segments_for_review(self, transcript_id: int | None = None) -> list[m.ReviewSegment]:
        """Segments an edit flagged for review, with their context."""
        sql = self._SEGMENT_LIST.replace("g.created_at,", "g.review, g.review_note, g.created_at,")
        where = " WHERE g.review IS NOT NULL" + (" AND g.transcript_id = ?" if transcript_id is not None else "")
        params = (transcript_id,) if transcript_id is not None else ()
        return self._records(m.ReviewSegment, sql + where + ' ORDER BY t.title, g.start, g.id', params)

    def clear_review(self, segment_id: int) -> None:
        self.conn.execute("UPDATE segments SET review = NULL, review_note = NULL WHERE id = ?", (segment_id,))

    # -- pseudonymisation: every piece of text in the project ------------------------------------

    _NOT_TEXT = {"guid", "checksum", "created_at", "updated_at", "imported_at", "at", "origin", "review", "format",
                 "action", "entity", "target", "choice", "colour", "source"}
    _REWRITTEN_ELSEWHERE = {("transcripts", "text"), ("segments", "text"), ("meta", "key")}

    def _text_tables(self) -> list[tuple[str, list[str]]]:
        tables = []
        for (name,) in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").fetchall():
            columns = [row[1] for row in self.conn.execute(f'PRAGMA table_info("{name}")')
                       if (row[2] or "").upper() in ("TEXT", "")]
            tables.append((name, columns))
        return tables

    def rewrite_text_columns(self, fn: Any) -> int:
        """Pass every text value of every table (JSON values walked, keys and strings) through
        ``fn``, except the transcripts' own text and the segments' quotes (carried over with their
        offsets elsewhere) and identifiers. The audit log's append-only triggers are lifted for the
        rewrite and put back. Trained suggestion models are removed (they hold the words they saw).
        Returns how many values changed. Runs inside the caller's transaction."""
        changed = 0
        triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'").fetchall()
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
