"""The project schema, as numbered migrations.

The schema is only ever created or changed here. ``PRAGMA user_version`` holds the number of the
last migration applied; :func:`workbench.store.sqlite.opening.migrate` applies the missing ones in order, each
in its own transaction, after taking a backup of an existing project.

Offsets (``turns.start``/``end``, ``segments.start``/``end``) are Unicode code points into
``transcripts.text``, end exclusive, as REFI-QDA counts them.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the foundation.
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes))
    );

    CREATE TABLE participants (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL UNIQUE,
        role TEXT,
        site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,
        attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes))
    );

    CREATE TABLE transcripts (
        id INTEGER PRIMARY KEY,
        guid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,
        date TEXT,
        interviewer TEXT,
        source_name TEXT NOT NULL,
        format TEXT NOT NULL,
        checksum TEXT NOT NULL,
        text TEXT NOT NULL,
        words INTEGER NOT NULL DEFAULT 0,
        attributes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
        imported_at TEXT NOT NULL
    );
    CREATE INDEX transcripts_source ON transcripts(source_name);
    CREATE INDEX transcripts_checksum ON transcripts(checksum);

    CREATE TABLE transcript_participants (
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
        position INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (transcript_id, participant_id)
    );

    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        speaker TEXT,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        start_time REAL,
        end_time REAL,
        CHECK (start >= 0 AND "end" >= start)
    );
    CREATE INDEX turns_transcript ON turns(transcript_id, start);

    CREATE TABLE codes (
        id INTEGER PRIMARY KEY,
        guid TEXT NOT NULL UNIQUE,
        parent_id INTEGER REFERENCES codes(id) ON DELETE RESTRICT,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0 AND instr(name, '/') = 0),
        definition TEXT,
        when_to_use TEXT,
        when_not_to_use TEXT,
        example TEXT,
        colour TEXT,
        keywords TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords)),
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX codes_sibling_name ON codes(ifnull(parent_id, 0), name);

    CREATE TABLE coders (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );

    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE RESTRICT,
        coder_id INTEGER NOT NULL REFERENCES coders(id) ON DELETE RESTRICT,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        memo TEXT,
        origin TEXT NOT NULL DEFAULT 'manual'
            CHECK (origin IN ('manual', 'imported', 'suggested', 'consensus')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (start >= 0 AND "end" > start)
    );
    CREATE INDEX segments_transcript ON segments(transcript_id, start);
    CREATE INDEX segments_code ON segments(code_id);
    CREATE UNIQUE INDEX segments_unique
        ON segments(transcript_id, code_id, coder_id, start, "end");

    CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL CHECK (target IN ('project', 'transcript', 'code')),
        target_id INTEGER,
        coder_id INTEGER REFERENCES coders(id) ON DELETE SET NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX memos_target ON memos(target, target_id);

    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        coder TEXT,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        before TEXT CHECK (before IS NULL OR json_valid(before)),
        after TEXT CHECK (after IS NULL OR json_valid(after))
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 2: the coding screen's quick codes count a coder's segments by code.
    """
    CREATE INDEX segments_coder_code ON segments(coder_id, code_id);
    """,
    # 3: reconciliation decisions (each also in the audit log; consensus segments point to them).
    """
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        coders TEXT NOT NULL CHECK (json_valid(coders)),
        choice TEXT NOT NULL,
        codes TEXT NOT NULL CHECK (json_valid(codes)),
        note TEXT,
        coder TEXT,
        audit_id INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE INDEX decisions_unit ON decisions(transcript_id, start, "end");
    """,
    # 4: stable GUIDs for REFI-QDA exchange (filled in when first exported or imported).
    """
    ALTER TABLE coders ADD COLUMN guid TEXT;
    ALTER TABLE segments ADD COLUMN guid TEXT;
    ALTER TABLE memos ADD COLUMN guid TEXT;
    ALTER TABLE sites ADD COLUMN guid TEXT;
    ALTER TABLE participants ADD COLUMN guid TEXT;
    CREATE UNIQUE INDEX coders_guid ON coders(guid);
    CREATE UNIQUE INDEX segments_guid ON segments(guid);
    """,
    # 5: full-text search over turns (porter stemming: inflection-forgiving), token patterns on
    # codes, rejected suggestions, and trained suggestion models.
    """
    CREATE VIRTUAL TABLE turns_fts USING fts5(text, tokenize='porter unicode61');
    INSERT INTO turns_fts(rowid, text)
        SELECT u.id, substr(t.text, u.start + 1, u."end" - u.start) FROM turns u JOIN transcripts t ON t.id = u.transcript_id;
    CREATE VIRTUAL TABLE turns_vocab USING fts5vocab(turns_fts, 'row');
    CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
        DELETE FROM turns_fts WHERE rowid = old.id;
    END;
    ALTER TABLE codes ADD COLUMN patterns TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE rejected_suggestions (
        id INTEGER PRIMARY KEY,
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
        coder TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (transcript_id, start, "end", code_id, coder)
    );
    CREATE TABLE models (
        name TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        data BLOB NOT NULL,
        details TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 6: one coder's segments of one transcript (what the coding screen reads after every action).
    """
    CREATE INDEX segments_transcript_coder ON segments(transcript_id, coder_id, start);
    """,
    # 7: speakers as cases: each transcript's speaker (as its turns name it; '' for unlabelled
    # turns) is a participant, an interviewer/moderator, or not mapped yet. Filled in for existing
    # projects: interviewer labels and the transcript's interviewer are interviewers; in a
    # transcript with one participant every other speaker is that participant (so its counts stay
    # as they were); with several, a speaker named like one of them is that one.
    """
    CREATE TABLE speakers (
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        speaker TEXT NOT NULL,
        participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
        role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'interviewer')),
        PRIMARY KEY (transcript_id, speaker)
    );
    CREATE INDEX speakers_participant ON speakers(participant_id);
    INSERT INTO speakers(transcript_id, speaker, participant_id, role)
    SELECT x.transcript_id, x.speaker,
           CASE WHEN x.interviewer THEN NULL
                WHEN (SELECT count(*) FROM transcript_participants tp WHERE tp.transcript_id = x.transcript_id) = 1
                THEN (SELECT tp.participant_id FROM transcript_participants tp WHERE tp.transcript_id = x.transcript_id)
                ELSE (SELECT p.id FROM transcript_participants tp JOIN participants p ON p.id = tp.participant_id
                      WHERE tp.transcript_id = x.transcript_id AND p.label = x.speaker COLLATE NOCASE)
           END,
           CASE WHEN x.interviewer THEN 'interviewer' ELSE 'participant' END
    FROM (SELECT DISTINCT u.transcript_id, coalesce(u.speaker, '') AS speaker,
                 (lower(trim(coalesce(u.speaker, ''))) IN ('interviewer', 'moderator', 'facilitator', 'int', 'i',
                                                           'q', 'host', 'researcher')
                  OR lower(coalesce(u.speaker, '')) GLOB 'interviewer [0-9]*'
                  OR lower(coalesce(u.speaker, '')) GLOB 'moderator [0-9]*'
                  OR (t.interviewer IS NOT NULL AND lower(u.speaker) = lower(t.interviewer))) AS interviewer
          FROM turns u JOIN transcripts t ON t.id = u.transcript_id) x;
    """,
    # 8: coding rounds: every segment made after `round start` carries that round (a trigger sets
    # it, so every way of coding does); segments made before the first round have none.
    """
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
        note TEXT,
        coder TEXT,
        started_at TEXT NOT NULL
    );
    ALTER TABLE segments ADD COLUMN round_id INTEGER REFERENCES rounds(id) ON DELETE RESTRICT;
    CREATE INDEX segments_round ON segments(round_id);
    CREATE TRIGGER segments_current_round AFTER INSERT ON segments
        WHEN NEW.round_id IS NULL AND EXISTS (SELECT 1 FROM rounds)
        BEGIN UPDATE segments SET round_id = (SELECT max(id) FROM rounds) WHERE id = NEW.id; END;
    """,
    # 9: findings: framework summaries of cells (row x theme), key-quote flags on segments, and typed
    # links between codes and between segments (REFI-QDA Links).
    """
    CREATE TABLE framework_summaries (
        id INTEGER PRIMARY KEY,
        row_kind TEXT NOT NULL CHECK (row_kind IN ('participant', 'site')),
        row_key TEXT NOT NULL CHECK (length(trim(row_key)) > 0),
        code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
        summary TEXT NOT NULL,
        note TEXT,
        coder TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (row_kind, row_key, code_id)
    );
    CREATE TABLE key_quotes (
        segment_id INTEGER PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
        coder TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE links (
        id INTEGER PRIMARY KEY,
        guid TEXT NOT NULL UNIQUE,
        source_code_id INTEGER REFERENCES codes(id) ON DELETE CASCADE,
        target_code_id INTEGER REFERENCES codes(id) ON DELETE CASCADE,
        source_segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,
        target_segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,
        relation TEXT NOT NULL CHECK (length(trim(relation)) > 0),
        direction TEXT NOT NULL DEFAULT 'OneWay' CHECK (direction IN ('Associative', 'OneWay', 'Bidirectional')),
        memo TEXT,
        coder TEXT,
        created_at TEXT NOT NULL,
        CHECK ((source_code_id IS NOT NULL AND target_code_id IS NOT NULL
                AND source_segment_id IS NULL AND target_segment_id IS NULL)
            OR (source_segment_id IS NOT NULL AND target_segment_id IS NOT NULL
                AND source_code_id IS NULL AND target_code_id IS NULL))
    );
    CREATE UNIQUE INDEX links_unique ON links(ifnull(source_code_id, 0), ifnull(target_code_id, 0),
        ifnull(source_segment_id, 0), ifnull(target_segment_id, 0), relation);
    """,
    # 10: editing a transcript after coding: a segment whose own text changed or vanished through an
    # edit is flagged for review (``review`` is 'changed' or 'vanished', the note keeps the old text).
    """
    ALTER TABLE segments ADD COLUMN review TEXT CHECK (review IS NULL OR review IN ('changed', 'vanished'));
    ALTER TABLE segments ADD COLUMN review_note TEXT;
    """,
    # 11: no cycles in the code tree: a code can never become its own ancestor (a codebook whose
    # child reused its parent's GUID made every walk up the tree loop forever).
    """
    CREATE VIEW code_cycles AS
        WITH RECURSIVE up(id, ancestor, depth) AS (
            SELECT id, parent_id, 1 FROM codes WHERE parent_id IS NOT NULL
            UNION ALL
            SELECT up.id, c.parent_id, up.depth + 1 FROM up JOIN codes c ON c.id = up.ancestor
            WHERE c.parent_id IS NOT NULL AND up.ancestor <> up.id
              AND up.depth <= (SELECT count(*) FROM codes))
        SELECT DISTINCT id FROM up WHERE ancestor = id;
    CREATE TRIGGER codes_no_cycle_update AFTER UPDATE OF parent_id ON codes
        WHEN new.parent_id IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'code tree cycle: a code cannot be its own ancestor')
            WHERE EXISTS (SELECT 1 FROM code_cycles WHERE id = new.id);
        END;
    CREATE TRIGGER codes_no_cycle_insert AFTER INSERT ON codes
        WHEN new.parent_id IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'code tree cycle: a code cannot be its own ancestor')
            WHERE EXISTS (SELECT 1 FROM code_cycles WHERE id = new.id);
        END;
    """,
]

LATEST = len(MIGRATIONS)
