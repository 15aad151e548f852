"""Full-text search, suggestions and their models, and findings: first uses, framework summaries,
key quotes, links."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from workbench import models as m
from workbench.store.base import QueryError
from workbench.store.sqlite.base import Queries, last_id, _json
from workbench.store.sqlite.db import now


class FindingQueries(Queries):
    """Search, suggestions and findings."""

    # -- search and suggestions ------------------------------------------------------------------

    def search_turns(self, match: str, limit: int = 5000, transcript_id: int | None = None) -> list[m.TurnHit]:
        """Turns matching a query (words, "phrases", prefix*, AND/OR/NOT: FTS5's own syntax here)
        of one transcript, if given, with the matches marked by \x01 ... \x02 in ``marked``."""
        only = "AND u.transcript_id = ?" if transcript_id is not None else ""
        params = (match, transcript_id, limit) if transcript_id is not None else (match, limit)
        try:
            return self._search(match, only, params)
        except sqlite3.OperationalError as exc:
            raise QueryError(str(exc)) from exc  # the engine's reason; the use case says which search

    def _search(self, match: str, only: str, params: tuple[Any, ...]) -> list[m.TurnHit]:
        return self._records(
            m.TurnHit,
            f"""SELECT u.id AS turn_id, u.transcript_id, u.speaker, u.start, u."end", u.start_time,
                      highlight(turns_fts, 0, char(1), char(2)) AS marked, bm25(turns_fts) AS rank
               FROM turns_fts JOIN turns u ON u.id = turns_fts.rowid
               WHERE turns_fts MATCH ? {only} ORDER BY u.transcript_id, u.start LIMIT ?""",
            params,
        )

    def vocabulary(self) -> list[str]:
        """Every indexed term (stemmed), for forgiving spelling."""
        return [row[0] for row in self.conn.execute("SELECT term FROM turns_vocab")]

    def reject_suggestion(
        self, transcript_id: int, start: int, end: int, code_id: int, coder: str, source: str
    ) -> None:
        self.conn.execute(
            """INSERT OR IGNORE INTO rejected_suggestions(transcript_id, start, "end", code_id, coder, source, created_at)
               VALUES (?,?,?,?,?,?,?)""",
            (transcript_id, start, end, code_id, coder, source, now()),
        )

    def rejected_suggestions(self, coder: str) -> set[tuple[int, int, int, int]]:
        rows = self.conn.execute(
            'SELECT transcript_id, start, "end", code_id FROM rejected_suggestions WHERE coder = ?', (coder,)
        )
        return {tuple(row) for row in rows}

    def save_model(self, name: str, data: bytes, details: dict[str, Any]) -> None:
        self.conn.execute(
            """INSERT INTO models(name, created_at, data, details) VALUES (?,?,?,?)
               ON CONFLICT(name) DO UPDATE SET created_at = excluded.created_at, data = excluded.data,
               details = excluded.details""",
            (name, now(), data, _json(details)),
        )

    def model(self, name: str) -> m.SavedModel | None:
        return self._record(m.SavedModel, "SELECT * FROM models WHERE name = ?", (name,), parse=("details",))

    # -- findings: first uses, framework summaries, key quotes, links ------------------------------

    def code_first_uses(self) -> list[m.FirstUse]:
        """Per transcript, code, coder and origin: when the code was first applied there (saturation)."""
        return self._records(
            m.FirstUse,
            """
            SELECT g.transcript_id, g.code_id, k.name AS coder, g.origin, min(g.created_at) AS first_at,
                   count(*) AS segments
            FROM segments g JOIN coders k ON k.id = g.coder_id
            GROUP BY g.transcript_id, g.code_id, k.name, g.origin""",
        )

    def framework_summary(self, row_kind: str, row_key: str, code_id: int) -> m.FrameworkSummary | None:
        return self._record(
            m.FrameworkSummary,
            "SELECT * FROM framework_summaries WHERE row_kind = ? AND row_key = ? AND code_id = ?",
            (row_kind, row_key, code_id),
        )

    def set_framework_summary(
        self, row_kind: str, row_key: str, code_id: int, summary: str, note: str | None, coder: str | None
    ) -> int:
        stamp = now()
        self.conn.execute(
            """INSERT INTO framework_summaries(row_kind, row_key, code_id, summary, note, coder, created_at, updated_at)
               VALUES (?,?,?,?,?,?,?,?)
               ON CONFLICT(row_kind, row_key, code_id) DO UPDATE SET summary = excluded.summary,
                   note = excluded.note, coder = excluded.coder, updated_at = excluded.updated_at""",
            (row_kind, row_key, code_id, summary, note, coder, stamp, stamp),
        )
        row = self.framework_summary(row_kind, row_key, code_id)
        return row.id if row else 0

    def delete_framework_summary(self, summary_id: int) -> None:
        self.conn.execute("DELETE FROM framework_summaries WHERE id = ?", (summary_id,))

    def framework_summaries(self, row_kind: str | None = None) -> list[m.FrameworkSummary]:
        where, params = ("WHERE f.row_kind = ?", (row_kind,)) if row_kind else ("", ())
        return self._records(
            m.FrameworkSummary,
            f"""SELECT f.*, c.guid AS code_guid FROM framework_summaries f
                              JOIN codes c ON c.id = f.code_id {where} ORDER BY f.row_kind, f.row_key, f.code_id""",
            params,
        )

    def flag_key_quote(self, segment_id: int, coder: str | None) -> bool:
        """Flag a segment as a key quote; False when it was flagged already."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO key_quotes(segment_id, coder, created_at) VALUES (?,?,?)", (segment_id, coder, now())
        )
        return cur.rowcount > 0

    def unflag_key_quote(self, segment_id: int) -> bool:
        return self.conn.execute("DELETE FROM key_quotes WHERE segment_id = ?", (segment_id,)).rowcount > 0

    def key_quote_ids(self) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT segment_id FROM key_quotes")}

    def insert_link(
        self,
        *,
        relation: str,
        direction: str,
        memo: str | None,
        coder: str | None,
        source_code_id: int | None = None,
        target_code_id: int | None = None,
        source_segment_id: int | None = None,
        target_segment_id: int | None = None,
        guid: str | None = None,
    ) -> int:
        cur = self.conn.execute(
            """INSERT INTO links(guid, source_code_id, target_code_id, source_segment_id, target_segment_id,
                   relation, direction, memo, coder, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            (
                guid or str(uuid.uuid4()),
                source_code_id,
                target_code_id,
                source_segment_id,
                target_segment_id,
                relation,
                direction,
                memo,
                coder,
                now(),
            ),
        )
        return last_id(cur)

    def find_link(
        self,
        *,
        relation: str,
        source_code_id: int | None = None,
        target_code_id: int | None = None,
        source_segment_id: int | None = None,
        target_segment_id: int | None = None,
    ) -> m.Link | None:
        return self._record(
            m.Link,
            """SELECT * FROM links WHERE source_code_id IS ? AND target_code_id IS ? AND source_segment_id IS ?
                   AND target_segment_id IS ? AND relation = ?""",
            (source_code_id, target_code_id, source_segment_id, target_segment_id, relation),
        )

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
            self.conn.execute(
                "UPDATE framework_summaries SET summary = ?, note = ?, updated_at = ? WHERE id = ?",
                (joined, note, now(), other.id),
            )
            self.conn.execute("DELETE FROM framework_summaries WHERE id = ?", (row["id"],))
        for end, other_end in (("source_code_id", "target_code_id"), ("target_code_id", "source_code_id")):
            self.conn.execute(
                f"""UPDATE OR IGNORE links SET {end} = ? WHERE {end} = ? AND {other_end} != ?""",
                (target_id, source_id, target_id),
            )
