"""Sites, participants, transcripts, turns, speakers as cases, and edits of a transcript's text."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workbench import models as m
from workbench.store.sqlite.base import Queries, last_id, _json
from workbench.store.sqlite.db import now


class TranscriptQueries(Queries):
    """Sites, participants, transcripts and their turns and speakers."""

    # -- sites and participants ------------------------------------------------------------

    def site_id(self, name: str, attributes: dict[str, Any] | None = None) -> int:
        """The id of the named site, created if new; given attributes are merged in."""
        row = self._one("SELECT id, attributes FROM sites WHERE name = ?", (name,))
        if row is None:
            cur = self.conn.execute(
                "INSERT INTO sites(name, attributes) VALUES (?, ?)", (name, _json(attributes or {}))
            )
            return last_id(cur)
        if attributes:
            merged = {**json.loads(row["attributes"]), **attributes}
            self.conn.execute("UPDATE sites SET attributes = ? WHERE id = ?", (_json(merged), row["id"]))
        return int(row["id"])

    def participant_id(
        self, label: str, *, role: str | None, site_id: int | None, attributes: dict[str, Any] | None = None
    ) -> int:
        """The id of the participant, created if new; role, site and attributes filled in."""
        row = self._one("SELECT * FROM participants WHERE label = ?", (label,))
        if row is None:
            cur = self.conn.execute(
                "INSERT INTO participants(label, role, site_id, attributes) VALUES (?,?,?,?)",
                (label, role, site_id, _json(attributes or {})),
            )
            return last_id(cur)
        merged = {**json.loads(row["attributes"]), **(attributes or {})}
        self.conn.execute(
            "UPDATE participants SET role = coalesce(?, role), site_id = coalesce(?, site_id), attributes = ? WHERE id = ?",
            (role, site_id, _json(merged), row["id"]),
        )
        return int(row["id"])

    def sites(self) -> list[m.Site]:
        return self._records(
            m.Site,
            """
            SELECT s.*, (SELECT count(*) FROM transcripts t WHERE t.site_id = s.id) AS transcripts
            FROM sites s ORDER BY s.name""",
            parse=("attributes",),
        )

    def transcript_participant_links(self) -> list[m.ParticipantLink]:
        return self._records(
            m.ParticipantLink,
            """
            SELECT tp.transcript_id, p.label, p.role FROM transcript_participants tp
            JOIN participants p ON p.id = tp.participant_id ORDER BY tp.transcript_id, tp.position""",
        )

    def participants(self) -> list[m.Participant]:
        return self._records(
            m.Participant,
            """
            SELECT p.*, s.name AS site FROM participants p LEFT JOIN sites s ON s.id = p.site_id
            ORDER BY p.label""",
            parse=("attributes",),
        )

    # -- transcripts -------------------------------------------------------------------------

    def transcript_by_guid(self, guid: str) -> m.TranscriptRef | None:
        return self._record(m.TranscriptRef, "SELECT id FROM transcripts WHERE guid = ?", (guid,))

    def transcript_by_checksum(self, checksum: str) -> m.TranscriptRef | None:
        return self._record(
            m.TranscriptRef, "SELECT id, title, source_name FROM transcripts WHERE checksum = ?", (checksum,)
        )

    def transcript_by_source(self, source_name: str, site_id: int | None) -> m.TranscriptRef | None:
        return self._record(
            m.TranscriptRef,
            "SELECT id, title, checksum FROM transcripts WHERE source_name = ? AND site_id IS ?",
            (source_name, site_id),
        )

    def insert_transcript(
        self,
        *,
        title: str,
        site_id: int | None,
        date: str | None,
        interviewer: str | None,
        source_name: str,
        format: str,
        checksum: str,
        text: str,
        attributes: dict[str, Any],
        participant_ids: list[int],
        turns: Iterable[tuple[Any, ...]],
        guid: str | None = None,
    ) -> int:
        cur = self.conn.execute(
            """INSERT INTO transcripts(guid, title, site_id, date, interviewer, source_name, format,
                   checksum, text, words, attributes, imported_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                guid or str(uuid.uuid4()),
                title,
                site_id,
                date,
                interviewer,
                source_name,
                format,
                checksum,
                text,
                len(text.split()),
                _json(attributes),
                now(),
            ),
        )
        transcript_id = last_id(cur)
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
        return self._record(
            m.Transcript,
            self._TRANSCRIPT_LIST.replace("t.imported_at,", "t.imported_at, t.text,") + " WHERE t.id = ?",
            (transcript_id,),
            parse=("attributes",),
        )

    def transcript_text(self, transcript_id: int) -> str | None:
        row = self._one("SELECT text FROM transcripts WHERE id = ?", (transcript_id,))
        return row["text"] if row else None

    def find_transcripts(self, ref: str) -> list[m.TranscriptRef]:
        """Transcripts whose id, title or source file name is ``ref`` (case-insensitive)."""
        params: tuple[str, ...] = (ref, ref, ref, Path(ref).stem)
        return self._records(
            m.TranscriptRef,
            """SELECT id, title, source_name FROM transcripts
               WHERE CAST(id AS TEXT) = ? OR title = ? COLLATE NOCASE OR source_name = ? COLLATE NOCASE
                  OR source_name LIKE ? || '.%' COLLATE NOCASE ORDER BY id""",
            params,
        )

    def turns(self, transcript_id: int) -> list[m.TurnRecord]:
        return self._records(
            m.TurnRecord, "SELECT * FROM turns WHERE transcript_id = ? ORDER BY position", (transcript_id,)
        )

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

    # -- speakers as cases (who is speaking in each turn: a participant or an interviewer) ---------

    def speaker_rows(self, transcript_id: int | None = None) -> list[m.SpeakerRow]:
        """Every transcript's speakers with their turns, participant and role, in order of first turn."""
        where, params = ("WHERE x.transcript_id = ?", (transcript_id,)) if transcript_id is not None else ("", ())
        return self._records(
            m.SpeakerRow,
            f"""
            SELECT x.transcript_id, t.title AS transcript, s.name AS site, x.speaker, x.role,
                   x.participant_id, p.label AS participant, p.role AS participant_role,
                   (SELECT count(*) FROM turns u WHERE u.transcript_id = x.transcript_id
                      AND coalesce(u.speaker, '') = x.speaker) AS turns,
                   (SELECT min(u.position) FROM turns u WHERE u.transcript_id = x.transcript_id
                      AND coalesce(u.speaker, '') = x.speaker) AS first_turn
            FROM speakers x JOIN transcripts t ON t.id = x.transcript_id
            LEFT JOIN sites s ON s.id = t.site_id
            LEFT JOIN participants p ON p.id = x.participant_id
            {where} ORDER BY s.name, t.title, x.transcript_id, first_turn""",
            params,
        )

    def transcript_speakers(self, transcript_id: int) -> list[str]:
        """The distinct speakers of a transcript's turns ('' for unlabelled turns), in order."""
        rows = self.conn.execute(
            "SELECT coalesce(speaker, '') FROM turns WHERE transcript_id = ? GROUP BY 1 ORDER BY min(position)",
            (transcript_id,),
        ).fetchall()
        return [row[0] for row in rows]

    def set_speaker(self, transcript_id: int, speaker: str, participant_id: int | None, role: str) -> None:
        self.conn.execute(
            """INSERT INTO speakers(transcript_id, speaker, participant_id, role) VALUES (?,?,?,?)
               ON CONFLICT(transcript_id, speaker) DO UPDATE SET participant_id = excluded.participant_id,
               role = excluded.role""",
            (transcript_id, speaker, participant_id, role),
        )

    def link_participant(self, transcript_id: int, participant_id: int) -> None:
        """Make the participant one of the transcript's participants (appended), if not already."""
        self.conn.execute(
            """INSERT OR IGNORE INTO transcript_participants(transcript_id, participant_id, position)
               VALUES (?, ?, (SELECT coalesce(max(position) + 1, 0) FROM transcript_participants
                              WHERE transcript_id = ?))""",
            (transcript_id, participant_id, transcript_id),
        )

    def unlink_participant(self, transcript_id: int, participant_id: int) -> None:
        self.conn.execute(
            "DELETE FROM transcript_participants WHERE transcript_id = ? AND participant_id = ?",
            (transcript_id, participant_id),
        )

    def participant_by_label(self, label: str) -> m.Participant | None:
        return self._record(
            m.Participant,
            "SELECT p.*, s.name AS site FROM participants p LEFT JOIN sites s ON s.id = p.site_id "
            "WHERE p.label = ? COLLATE NOCASE ORDER BY p.label = ? DESC LIMIT 1",
            (label, label),
            parse=("attributes",),
        )

    def transcript_site_id(self, transcript_id: int) -> int | None:
        row = self._one("SELECT site_id FROM transcripts WHERE id = ?", (transcript_id,))
        return row["site_id"] if row else None

    def speaker_map(self) -> list[tuple[int, str, str | None, str]]:
        """(transcript, speaker, participant label or None, role) of every speaker of the project."""
        return self._tuples(
            """SELECT x.transcript_id, x.speaker, p.label, x.role FROM speakers x
               LEFT JOIN participants p ON p.id = x.participant_id"""
        ).fetchall()

    def turn_spans(self) -> list[tuple[int, int, int, str]]:
        """(transcript, start, end, speaker or '') of every turn, by transcript and start."""
        return self._tuples(
            """SELECT transcript_id, start, "end", coalesce(speaker, '') FROM turns
               ORDER BY transcript_id, start"""
        ).fetchall()

    def transcripts_without_speakers(self) -> list[m.UnmappedTranscript]:
        """Transcripts with turns but no speakers mapped (brought in by a merge or a REFI-QDA import)."""
        return self._records(
            m.UnmappedTranscript,
            """
            SELECT t.id, t.title, t.interviewer,
                   (SELECT json_group_array(tp.participant_id) FROM transcript_participants tp
                      WHERE tp.transcript_id = t.id) AS participant_ids
            FROM transcripts t WHERE EXISTS (SELECT 1 FROM turns u WHERE u.transcript_id = t.id)
              AND NOT EXISTS (SELECT 1 FROM speakers x WHERE x.transcript_id = t.id) ORDER BY t.id""",
            parse=("participant_ids",),
        )

    # -- editing a transcript's text -------------------------------------------------------------

    def transcript_content(self, transcript_id: int) -> tuple[str, list[m.StoredTurn], list[m.StoredSegment]]:
        """A transcript's text, its turns and every segment on it (all coders), raw: what an edit
        carries over to a new text."""
        text = self.transcript_text(transcript_id)
        if text is None:
            raise KeyError(transcript_id)
        turns = self._records(
            m.StoredTurn,
            'SELECT id, position, speaker, start, "end", start_time, end_time '
            "FROM turns WHERE transcript_id = ? ORDER BY position",
            (transcript_id,),
        )
        segments = self._records(
            m.StoredSegment,
            'SELECT id, code_id, coder_id, start, "end", text, review, '
            'review_note FROM segments WHERE transcript_id = ? ORDER BY start, "end", id',
            (transcript_id,),
        )
        return text, turns, segments

    def rewrite_transcript(
        self,
        transcript_id: int,
        *,
        text: str,
        checksum: str,
        turns: Sequence[m.StoredTurn],
        segments: Sequence[m.StoredSegment],
    ) -> None:
        """Store a transcript's new text with its turns and segments carried over (as
        :meth:`transcript_content` gives them; a turn without ``id`` is new, a stored turn left
        out is removed). The search index of the transcript's turns is rebuilt from the new text."""
        self.conn.execute(
            "UPDATE transcripts SET text = ?, checksum = ?, words = ? WHERE id = ?",
            (text, checksum, len(text.split()), transcript_id),
        )
        keep = {t.id for t in turns if t.id is not None}
        stored = [row[0] for row in self.conn.execute("SELECT id FROM turns WHERE transcript_id = ?", (transcript_id,))]
        gone = [(turn_id,) for turn_id in stored if turn_id not in keep]
        self.conn.conn.executemany("DELETE FROM turns WHERE id = ?", gone)
        self.conn.conn.executemany("DELETE FROM turns_fts WHERE rowid = ?", [(i,) for i in keep])
        # Move the segments out of the way first (one uniform shift past every final offset): the
        # unique index on (transcript, code, coder, start, end) must hold for the final positions,
        # not for every step between.
        shift = (
            len(text)
            + 1
            + (
                self.conn.execute(
                    'SELECT max("end") FROM segments WHERE transcript_id = ?', (transcript_id,)
                ).fetchone()[0]
                or 0
            )
        )
        self.conn.execute(
            'UPDATE segments SET start = start + ?, "end" = "end" + ? WHERE transcript_id = ?',
            (shift, shift, transcript_id),
        )
        for turn in turns:
            if turn.id is None:
                cur = self.conn.execute(
                    'INSERT INTO turns(transcript_id, position, speaker, start, "end", start_time, end_time) '
                    "VALUES (?,?,?,?,?,?,?)",
                    (transcript_id, turn.position, turn.speaker, turn.start, turn.end, turn.start_time, turn.end_time),
                )
                turn_id = last_id(cur)
            else:
                turn_id = turn.id
                self.conn.execute(
                    'UPDATE turns SET position = ?, speaker = ?, start = ?, "end" = ? WHERE id = ?',
                    (turn.position, turn.speaker, turn.start, turn.end, turn_id),
                )
            self.conn.execute(
                "INSERT INTO turns_fts(rowid, text) VALUES (?, ?)", (turn_id, text[turn.start : turn.end])
            )
        stamp = now()
        self.conn.conn.executemany(
            'UPDATE segments SET start = ?, "end" = ?, text = ?, review = ?, review_note = ?, updated_at = ? '
            "WHERE id = ?",
            [(s.start, s.end, s.text, s.review, s.review_note, stamp, s.id) for s in segments],
        )

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
            (new, transcript_id, old),
        )
        self.conn.execute(
            """DELETE FROM speakers WHERE transcript_id = ? AND speaker = ? AND NOT EXISTS
               (SELECT 1 FROM turns WHERE transcript_id = ? AND coalesce(speaker, '') = ?)""",
            (transcript_id, old, transcript_id, old),
        )

    def segments_for_review(self, transcript_id: int | None = None) -> list[m.ReviewSegment]:
        """Segments an edit flagged for review, with their context."""
        sql = self._SEGMENT_LIST.replace("g.created_at,", "g.review, g.review_note, g.created_at,")
        where = " WHERE g.review IS NOT NULL" + (" AND g.transcript_id = ?" if transcript_id is not None else "")
        params = (transcript_id,) if transcript_id is not None else ()
        return self._records(m.ReviewSegment, sql + where + " ORDER BY t.title, g.start, g.id", params)

    def clear_review(self, segment_id: int) -> None:
        self.conn.execute("UPDATE segments SET review = NULL, review_note = NULL WHERE id = ?", (segment_id,))
