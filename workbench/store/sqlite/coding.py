"""The codebook, coders, segments, coding rounds, reconciliation decisions and memos."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from workbench import models as m
from workbench.errors import WorkbenchError
from workbench.store.sqlite.base import Queries, last_id, _json
from workbench.store.sqlite.db import now


class CodingQueries(Queries):
    """Codes, coders, segments, rounds, decisions and memos."""

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
            parts: list[str] = []
            seen: set[int] = set()
            node: dict[str, Any] | None = row
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

    def insert_code(
        self, *, name: str, parent_id: int | None, guid: str | None = None, position: int = 0, **fields: Any
    ) -> int:
        values = {key: fields.get(key) for key in ("definition", "when_to_use", "when_not_to_use", "example", "colour")}
        cur = self.conn.execute(
            """INSERT INTO codes(guid, parent_id, name, definition, when_to_use, when_not_to_use,
                   example, colour, keywords, patterns, position) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            (
                guid or str(uuid.uuid4()),
                parent_id,
                name,
                values["definition"],
                values["when_to_use"],
                values["when_not_to_use"],
                values["example"],
                values["colour"],
                _json(list(fields.get("keywords") or [])),
                _json(list(fields.get("patterns") or [])),
                position,
            ),
        )
        return last_id(cur)

    def update_code(self, code_id: int, **fields: Any) -> None:
        allowed = {
            "name",
            "parent_id",
            "definition",
            "when_to_use",
            "when_not_to_use",
            "example",
            "colour",
            "keywords",
            "patterns",
            "position",
        }
        values = {k: (_json(v) if k in ("keywords", "patterns") else v) for k, v in fields.items() if k in allowed}
        if "parent_id" in values:
            self.check_parent(code_id, fields["parent_id"])
        if values:
            self._update("codes", code_id, values)

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
                "check the codebook for a code that reuses its parent's GUID.",
            )

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
                loop = path[path.index(node) :]
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
            (source_id, target_id),
        ).rowcount
        moved = self.conn.execute(
            "UPDATE segments SET code_id = ?, updated_at = ? WHERE code_id = ?", (target_id, now(), source_id)
        ).rowcount
        return moved, dropped

    def delete_code(self, code_id: int) -> None:
        self.conn.execute("DELETE FROM codes WHERE id = ?", (code_id,))

    def code_raw(self, code_id: int) -> m.CodeRow | None:
        return self._record(m.CodeRow, "SELECT * FROM codes WHERE id = ?", (code_id,))

    def code_by_guid(self, guid: str) -> m.Code | None:
        """The code with this GUID, with its place in the tree."""
        row = self._one("SELECT id FROM codes WHERE guid = ?", (guid,))
        return self.code(int(row["id"])) if row else None

    # -- coders ----------------------------------------------------------------------------------

    def coder_id(self, name: str) -> int:
        row = self._one("SELECT id FROM coders WHERE name = ?", (name,))
        if row:
            return int(row["id"])
        cur = self.conn.execute("INSERT INTO coders(name, created_at) VALUES (?, ?)", (name, now()))
        return last_id(cur)

    def code_use(self, coder: str) -> dict[int, int]:
        """How many segments of ``coder`` carry each code."""
        rows = self.conn.execute(
            "SELECT g.code_id, count(*) FROM segments g JOIN coders k ON k.id = g.coder_id WHERE k.name = ? GROUP BY g.code_id",
            (coder,),
        ).fetchall()
        return {row[0]: row[1] for row in rows}

    def coders(self) -> list[m.Coder]:
        return self._records(
            m.Coder,
            """SELECT c.*, (SELECT count(*) FROM segments s WHERE s.coder_id = c.id) AS segments
                             FROM coders c ORDER BY c.name""",
        )

    # -- segments ----------------------------------------------------------------------------------

    def insert_segment(
        self,
        *,
        transcript_id: int,
        code_id: int,
        coder_id: int,
        start: int,
        end: int,
        text: str,
        memo: str | None,
        origin: str,
    ) -> int:
        stamp = now()
        cur = self.conn.execute(
            """INSERT INTO segments(transcript_id, code_id, coder_id, start, "end", text, memo, origin,
                   created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (transcript_id, code_id, coder_id, start, end, text, memo, origin, stamp, stamp),
        )
        return last_id(cur)

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
        return None  # a project file is on this machine: step by step costs no round trips

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

    def segments(
        self,
        *,
        transcript_id: int | None = None,
        code_ids: list[int] | None = None,
        coder: str | None = None,
        site: str | None = None,
    ) -> list[m.Segment]:
        where: list[str] = []
        params: list[Any] = []
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

    def segment_rows(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Every segment as plain rows, without joins (tables over the whole project map ids to
        names themselves). Returns column names and rows."""
        cur = self.conn.execute(
            'SELECT id, transcript_id, code_id, coder_id, start, "end", text, memo, origin FROM segments'
        )
        return [d[0] for d in cur.description], cur.fetchall()

    def segment(self, segment_id: int) -> m.Segment | None:
        return self._record(m.Segment, self._SEGMENT_LIST + " WHERE g.id = ?", (segment_id,))

    def segment_keys(
        self,
        *,
        coder_ids: list[int] | None = None,
        code_ids: list[int] | None = None,
        transcript_ids: list[int] | None = None,
        origin: str | None = None,
        detail: bool = False,
    ) -> Iterator[tuple[Any, ...]]:
        """Segments as plain tuples, streamed: (id, transcript, code, coder, start, end), and with
        ``detail`` also (text, memo, origin). Tables that only count leave the text out: then the
        rows come from the covering index ``segments_unique`` without reading the text (in its
        order, not by id); the coder filter is applied on that scan (``+coder_id``: looking up
        every row through the coder index would read the whole table)."""
        where: list[str] = []
        params: list[Any] = []
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

    # -- coding rounds ------------------------------------------------------------------------------

    def insert_round(self, name: str, note: str | None, coder: str | None) -> int:
        cur = self.conn.execute(
            "INSERT INTO rounds(name, note, coder, started_at) VALUES (?,?,?,?)", (name, note, coder, now())
        )
        return last_id(cur)

    def rounds(self) -> list[m.Round]:
        """Every round, oldest first, with how many segments each holds."""
        return self._records(
            m.Round,
            "SELECT r.*, (SELECT count(*) FROM segments g WHERE g.round_id = r.id) AS segments "
            "FROM rounds r ORDER BY r.id",
        )

    def segments_without_round(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM segments WHERE round_id IS NULL").fetchone()[0])

    def segment_spans(self, transcript_id: int) -> list[m.SegmentSpan]:
        """A transcript's segments with only what agreement needs (id, code, coder, offsets, round)."""
        return self._records(
            m.SegmentSpan,
            'SELECT g.id, g.code_id, k.name AS coder, g.start, g."end", g.round_id FROM segments g '
            'JOIN coders k ON k.id = g.coder_id WHERE g.transcript_id = ? ORDER BY g.start, g."end", g.id',
            (transcript_id,),
        )

    def segment_rounds(self, transcript_id: int) -> dict[int, int | None]:
        """Segment id -> round id (None: made before the first round) for one transcript."""
        rows = self.conn.execute("SELECT id, round_id FROM segments WHERE transcript_id = ?", (transcript_id,))
        return {row[0]: row[1] for row in rows}

    # -- reconciliation decisions ------------------------------------------------------------------

    def insert_decision(
        self,
        *,
        transcript_id: int,
        start: int,
        end: int,
        coders: list[str],
        choice: str,
        codes: list[str],
        note: str | None,
        coder: str | None,
        audit_id: int | None,
    ) -> int:
        cur = self.conn.execute(
            """INSERT INTO decisions(transcript_id, start, "end", coders, choice, codes, note, coder, audit_id, created_at)
               VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (transcript_id, start, end, _json(sorted(coders)), choice, _json(codes), note, coder, audit_id, now()),
        )
        return last_id(cur)

    def set_decision_note(self, decision_id: int, note: str | None) -> None:
        self.conn.execute("UPDATE decisions SET note = ? WHERE id = ?", (note, decision_id))

    def decisions(self, transcript_id: int | None = None) -> list[m.Decision]:
        where, params = ("WHERE transcript_id = ?", (transcript_id,)) if transcript_id is not None else ("", ())
        return self._records(
            m.Decision, f"SELECT * FROM decisions {where} ORDER BY id", params, parse=("coders", "codes")
        )

    # -- memos --------------------------------------------------------------------------------------

    def insert_memo_audited(
        self, target: str, target_id: int | None, coder: str, text: str, after: dict[str, Any]
    ) -> int | None:
        return None  # as insert_segment_audited

    def insert_memo(self, target: str, target_id: int | None, coder_id: int | None, text: str) -> int:
        stamp = now()
        cur = self.conn.execute(
            "INSERT INTO memos(target, target_id, coder_id, text, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (target, target_id, coder_id, text, stamp, stamp),
        )
        return last_id(cur)

    def memos(self, target: str | None = None, target_id: int | None = None) -> list[m.Memo]:
        where: list[str] = []
        params: list[Any] = []
        if target:
            where.append("m.target = ?")
            params.append(target)
        if target_id is not None:
            where.append("m.target_id = ?")
            params.append(target_id)
        sql = "SELECT m.*, c.name AS coder FROM memos m LEFT JOIN coders c ON c.id = m.coder_id"
        return self._records(
            m.Memo, sql + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY m.id", tuple(params)
        )
