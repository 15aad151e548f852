"""The team layer of a team database: who may read and write what (grants by group, row-level
security), the blind phase, the coder of a change (always the database user), the coding actions in
one round trip, and change notifications. Not a numbered migration: applied again (as the owner
role, ``search_path`` set to the schema) at every ``server init`` and after every migration; it only
creates what is missing and replaces functions, triggers and policies. See schema.py for the
migrations and the schema's name (``workbench``, written out in the SQL below).
"""

from __future__ import annotations

# Tables only the lead writes (coders read them). Everything not named here or in CODER_WRITES
# is the lead's alone.
LEAD_WRITES = (
    "meta",
    "sites",
    "participants",
    "transcripts",
    "transcript_participants",
    "turns",
    "codes",
    "coders",
    "decisions",
    "models",
    "speakers",
    "rounds",
    "framework_summaries",
    "key_quotes",
    "links",
)
# Tables a coder writes, each row only their own (row-level security below).
CODER_WRITES = ("segments", "memos", "rejected_suggestions")
# Tables whose changes are announced on CHANNEL.
NOTIFIED = (
    "segments",
    "memos",
    "codes",
    "transcripts",
    "decisions",
    "framework_summaries",
    "key_quotes",
    "links",
    "rounds",
    "team_settings",
)

# Tables whose notifications carry no id (nor operation) while blind: coding and what refers to it.
BLIND_NOTIFIED = ("segments", "memos", "decisions", "key_quotes", "links")

# The team layer, applied (again) after the migrations, as the owner role, with search_path set to
# SCHEMA. Who is the lead and who a coder is the membership of the group roles named in
# team_roles (filled in by `server init`); the person is always session_user, never a name the
# client sends.
TEAM = """
CREATE TABLE IF NOT EXISTS team_roles (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    owner_role text NOT NULL,
    lead_role text NOT NULL,
    coder_role text NOT NULL
);
CREATE TABLE IF NOT EXISTS team_settings (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    blind boolean NOT NULL DEFAULT false,
    changed_by text NOT NULL DEFAULT session_user,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO team_settings DEFAULT VALUES ON CONFLICT (id) DO NOTHING;

-- Functions that run with the owner's rights (SECURITY DEFINER) list pg_temp last in their
-- search_path: otherwise a coder's temporary table named like one of ours (team_roles) would be
-- read first, and make them the lead. They are plpgsql, whose plans are kept for the session (a
-- SQL function's body is planned again in every transaction, and RLS calls these in each one).
CREATE OR REPLACE FUNCTION is_lead() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = workbench, pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT pg_has_role(session_user, r.lead_role, 'MEMBER') FROM team_roles r), false);
END $$;
CREATE OR REPLACE FUNCTION blind_phase() RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = workbench, pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT s.blind FROM team_settings s WHERE s.id = 1), false);
END $$;
CREATE OR REPLACE FUNCTION session_coder_id() RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = workbench, pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT c.id FROM coders c WHERE c.name = session_user);
END $$;
CREATE OR REPLACE FUNCTION ensure_session_coder() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = workbench, pg_catalog, pg_temp AS $$
DECLARE
    found bigint;
BEGIN
    SELECT id INTO found FROM coders WHERE name = session_user;
    IF found IS NULL THEN
        INSERT INTO coders(name, created_at)
        VALUES (session_user, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        ON CONFLICT (name) DO NOTHING;
        SELECT id INTO found FROM coders WHERE name = session_user;
    END IF;
    RETURN found;
END $$;
-- The coder of a new row is the database user: filled in when left out; a coder cannot name
-- another (the policies refuse it), the lead may (consensus segments, copies of a project).
CREATE OR REPLACE FUNCTION fill_coder_id() RETURNS trigger
    LANGUAGE plpgsql SET search_path = workbench, pg_catalog AS $$
BEGIN
    IF NEW.coder_id IS NULL AND (TG_TABLE_NAME = 'segments' OR NOT is_lead()) THEN
        NEW.coder_id := ensure_session_coder();
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION fill_coder_name() RETURNS trigger
    LANGUAGE plpgsql SET search_path = workbench, pg_catalog AS $$
BEGIN
    -- a copy of a whole project (the lead's, `workbench copy`) keeps entries without a coder as they were
    IF NOT is_lead() OR (NEW.coder IS NULL AND current_setting('workbench.copying', true) IS DISTINCT FROM 'on') THEN
        NEW.coder := session_user;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS segments_coder ON segments;
CREATE TRIGGER segments_coder BEFORE INSERT ON segments FOR EACH ROW EXECUTE FUNCTION fill_coder_id();
DROP TRIGGER IF EXISTS memos_coder ON memos;
CREATE TRIGGER memos_coder BEFORE INSERT ON memos FOR EACH ROW EXECUTE FUNCTION fill_coder_id();
DROP TRIGGER IF EXISTS audit_coder ON audit;
CREATE TRIGGER audit_coder BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION fill_coder_name();
DROP TRIGGER IF EXISTS rejected_suggestions_coder ON rejected_suggestions;
CREATE TRIGGER rejected_suggestions_coder BEFORE INSERT OR UPDATE ON rejected_suggestions
    FOR EACH ROW EXECUTE FUNCTION fill_coder_name();

-- Row-level security, forced on the owner too. Superusers bypass it: the lead and the coders
-- must be ordinary roles. Each function is called as a scalar subquery, which PostgreSQL runs once
-- per statement rather than once per row (a count over 100,000 segments: milliseconds, not seconds).
ALTER TABLE segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE segments FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS segments_read ON segments;
CREATE POLICY segments_read ON segments FOR SELECT USING ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()) OR NOT (SELECT blind_phase()));
DROP POLICY IF EXISTS segments_add ON segments;
CREATE POLICY segments_add ON segments FOR INSERT
    WITH CHECK ((SELECT is_lead()) OR (coder_id = (SELECT session_coder_id()) AND origin <> 'consensus'));
DROP POLICY IF EXISTS segments_change ON segments;
CREATE POLICY segments_change ON segments FOR UPDATE
    USING ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()))
    WITH CHECK ((SELECT is_lead()) OR (coder_id = (SELECT session_coder_id()) AND origin <> 'consensus'));
DROP POLICY IF EXISTS segments_remove ON segments;
CREATE POLICY segments_remove ON segments FOR DELETE USING ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()));

ALTER TABLE memos ENABLE ROW LEVEL SECURITY;
ALTER TABLE memos FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS memos_read ON memos;
CREATE POLICY memos_read ON memos FOR SELECT USING ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()) OR NOT (SELECT blind_phase()));
DROP POLICY IF EXISTS memos_add ON memos;
CREATE POLICY memos_add ON memos FOR INSERT WITH CHECK ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()));
DROP POLICY IF EXISTS memos_change ON memos;
CREATE POLICY memos_change ON memos FOR UPDATE
    USING ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id())) WITH CHECK ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()));
DROP POLICY IF EXISTS memos_remove ON memos;
CREATE POLICY memos_remove ON memos FOR DELETE USING ((SELECT is_lead()) OR coder_id = (SELECT session_coder_id()));

ALTER TABLE rejected_suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE rejected_suggestions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS rejected_read ON rejected_suggestions;
CREATE POLICY rejected_read ON rejected_suggestions FOR SELECT USING ((SELECT is_lead()) OR coder = session_user OR NOT (SELECT blind_phase()));
DROP POLICY IF EXISTS rejected_write ON rejected_suggestions;
CREATE POLICY rejected_write ON rejected_suggestions FOR ALL
    USING ((SELECT is_lead()) OR coder = session_user) WITH CHECK ((SELECT is_lead()) OR coder = session_user);

-- The audit log: everyone appends (as themselves), nobody changes or removes (triggers of
-- migration 1, and no UPDATE/DELETE/TRUNCATE grants); a coder reads their own entries while blind.
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS audit_read ON audit;
CREATE POLICY audit_read ON audit FOR SELECT USING ((SELECT is_lead()) OR coder = session_user OR NOT (SELECT blind_phase()));
DROP POLICY IF EXISTS audit_append ON audit;
CREATE POLICY audit_append ON audit FOR INSERT WITH CHECK ((SELECT is_lead()) OR coder = session_user);

-- Reconciliation is the lead's; while blind, a coder does not see its decisions.
ALTER TABLE decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE decisions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS decisions_read ON decisions;
CREATE POLICY decisions_read ON decisions FOR SELECT USING ((SELECT is_lead()) OR NOT (SELECT blind_phase()));
DROP POLICY IF EXISTS decisions_write ON decisions;
CREATE POLICY decisions_write ON decisions FOR ALL USING ((SELECT is_lead())) WITH CHECK ((SELECT is_lead()));

-- After a copy of a whole project (explicit ids), new rows continue after the copied ones: the
-- lead may move every id counter forward (the sequences are the owner's).
CREATE OR REPLACE FUNCTION reset_ids() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = workbench, pg_catalog, pg_temp AS $$
DECLARE
    item record;
BEGIN
    IF NOT is_lead() THEN
        RAISE EXCEPTION 'only the lead resets id counters' USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR item IN SELECT c.table_name FROM information_schema.columns c
                WHERE c.table_schema = 'workbench' AND c.column_name = 'id' AND c.is_identity = 'YES' LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), max(id)) FROM %I HAVING max(id) IS NOT NULL',
                       'workbench.' || item.table_name, item.table_name);
    END LOOP;
END $$;

-- Coding actions in one round trip: each function does what the step-by-step path of the core
-- does (its checks, the write, the audit entry) as the calling coder (SECURITY INVOKER: the same
-- row-level security, triggers and notifications apply). A failed check writes nothing and
-- returns NULL: the caller then goes step by step, and its own checks say what is wrong. The
-- audit entry's content is the caller's (the same JSON as on a project file).
CREATE OR REPLACE FUNCTION apply_code(p_transcript bigint, p_code bigint, p_start integer, p_end integer,
                                      p_memo text, p_origin text, p_at text, p_after text) RETURNS bigint
    LANGUAGE plpgsql SET search_path = workbench, pg_catalog AS $$
DECLARE
    body text;
    me bigint;
    made bigint;
BEGIN
    PERFORM set_config('workbench.made_segment', '', false);
    SELECT t.text INTO body FROM transcripts t WHERE t.id = p_transcript;
    IF body IS NULL OR p_start < 0 OR p_end <= p_start OR p_end > length(body)
       OR NOT EXISTS (SELECT 1 FROM codes c WHERE c.id = p_code) THEN
        RETURN NULL;
    END IF;
    me := ensure_session_coder();
    IF me IS NULL OR EXISTS (SELECT 1 FROM segments s WHERE s.transcript_id = p_transcript AND s.code_id = p_code
                             AND s.coder_id = me AND s.start = p_start AND s."end" = p_end) THEN
        RETURN NULL;
    END IF;
    INSERT INTO segments(transcript_id, code_id, coder_id, start, "end", text, memo, origin, created_at, updated_at)
    VALUES (p_transcript, p_code, me, p_start, p_end, substr(body, p_start + 1, p_end - p_start), p_memo, p_origin,
            p_at, p_at)
    RETURNING id INTO made;
    INSERT INTO audit(at, coder, action, entity, entity_id, after)
    VALUES (p_at, session_user, 'segment.add', 'segment', made, p_after);
    PERFORM set_config('workbench.made_segment', made::text, false);  -- read by the statement sent with this one
    RETURN made;
END $$;
CREATE OR REPLACE FUNCTION add_memo(p_target text, p_target_id bigint, p_text text, p_at text, p_after text)
    RETURNS bigint LANGUAGE plpgsql SET search_path = workbench, pg_catalog AS $$
DECLARE
    me bigint;
    made bigint;
BEGIN
    me := ensure_session_coder();
    IF me IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO memos(target, target_id, coder_id, text, created_at, updated_at)
    VALUES (p_target, p_target_id, me, p_text, p_at, p_at)
    RETURNING id INTO made;
    INSERT INTO audit(at, coder, action, entity, entity_id, after)
    VALUES (p_at, session_user, 'memo.add', 'memo', made, p_after);
    RETURN made;
END $$;

-- Changes are announced (table, operation, id; never content) to LISTEN workbench_changes. Anyone
-- connected may LISTEN, whatever row-level security hides: while blind, a change to coding (tables
-- in BLIND_TABLES) names only its table, so that no coder learns the ids of others' segments or memos
-- (listeners reload that table).
CREATE OR REPLACE FUNCTION notify_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = workbench, pg_catalog, pg_temp AS $$
DECLARE
    item jsonb;
BEGIN
    IF TG_TABLE_NAME IN (BLIND_TABLES) AND blind_phase() THEN
        PERFORM pg_notify('workbench_changes', json_build_object('table', TG_TABLE_NAME)::text);
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        item := to_jsonb(OLD);
    ELSE
        item := to_jsonb(NEW);
    END IF;
    PERFORM pg_notify('workbench_changes', json_build_object(
        'table', TG_TABLE_NAME, 'op', lower(TG_OP),
        'id', coalesce(item ->> 'id', item ->> 'segment_id'))::text);
    RETURN NULL;
END $$;
"""

TEAM = TEAM.replace("(BLIND_TABLES)", "(" + ", ".join(f"'{t}'" for t in BLIND_NOTIFIED) + ")")


def notify_triggers() -> str:
    """The statements that (re)create the change-notification trigger of each NOTIFIED table."""
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {t}_notify ON {t};\n"
        f"CREATE TRIGGER {t}_notify AFTER INSERT OR UPDATE OR DELETE ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION notify_change();"
        for t in NOTIFIED
    )
