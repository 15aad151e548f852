"""Coding actions on a team database in one round trip (the team layer's server functions
``apply_code`` and ``add_memo``): what they write is what the step-by-step path writes, a failed check
falls back to it (and its errors), and the database still enforces who may write what. Statements are
counted on the coder's connection (work, not time)."""

from __future__ import annotations

import contextlib
import json
import uuid

import psycopg
import pytest
from psycopg import errors

from workbench import coding
from workbench.errors import InputError, NotFoundError, WorkbenchError
from workbench.store import Store
from workbench.store.postgres import team

NOW = "2026-11-29T10:00:00Z"
TEXT = "Interviewer: Why partner?\nCarol: We were running out of time and staff. \u00e9t\u00e9 \U0001f600 end."


class Setup:
    def __init__(self, cluster, database: str) -> None:
        tag = uuid.uuid4().hex[:6]
        self.cluster, self.db = cluster, database
        self.lead, self.alice, self.bob = f"lead_{tag}", f"alice_{tag}", f"bob_{tag}"
        team.init_server(cluster.url(database), lead=self.lead)
        team.add_coder(cluster.url(database), self.alice)
        team.add_coder(cluster.url(database), self.bob)
        with self.connect(self.lead) as cx:
            self.transcript = cx.execute(
                "INSERT INTO transcripts (guid, title, source_name, format, checksum, text, imported_at) "
                "VALUES ('g1', 'RB-01', 'rb-01.txt', 'txt', 'x', %s, %s) RETURNING id",
                (TEXT, NOW),
            ).fetchone()[0]
            self.code = cx.execute("INSERT INTO codes (guid, name) VALUES ('c1', 'Barriers') RETURNING id").fetchone()[
                0
            ]

    def connect(self, user: str) -> psycopg.Connection:
        return self.cluster.connect(self.db, user=user)

    def store(self, user: str) -> Store:
        return Store.open(self.cluster.url(self.db, user=user))


@pytest.fixture
def s(pg_cluster, pg_database):
    return Setup(pg_cluster, pg_database)


class Counted:
    """The round trips on a coder's connection: one per statement, one per pipeline of statements."""

    def __init__(self, store: Store) -> None:
        self.sent: list[str] = []
        batch: list[str] | None = None
        conn = store.conn  # type: ignore[attr-defined]
        raw = conn.raw
        counted = self

        class Spy:
            def __getattr__(self, name):
                return getattr(raw, name)

            @contextlib.contextmanager
            def pipeline(self):
                nonlocal batch
                batch = []
                with raw.pipeline():
                    yield
                counted.sent.append(" + ".join(batch))
                batch = None

            def execute(self, query, *args, **kwargs):
                name = " ".join(str(query).split("(")[0].split()[:2])
                (counted.sent if batch is None else batch).append(name)
                return raw.execute(query, *args, **kwargs)

        conn.raw = Spy()


def _audit(cx, entity_id: int, entity: str = "segment") -> tuple:
    return cx.execute(
        "SELECT coder, action, entity, before, after FROM audit WHERE entity = %s AND entity_id = %s",
        (entity, entity_id),
    ).fetchone()


def test_apply_a_code_in_one_statement_writes_what_step_by_step_writes(s):
    store = s.store(s.alice)
    try:
        warm = dict(transcript_id=s.transcript, code_id=s.code, coder=s.alice)
        coding.add_segment(store, **warm | {"start": 0, "end": 5})  # who am I, are the functions there: once
        counted = Counted(store)
        fast = coding.add_segment(store, **warm | {"start": 40, "end": TEXT.index(" end"), "memo": "a\x07b"})
        # the action and the record shown next, sent together: one round trip
        assert counted.sent == ["SELECT apply_code + SELECT g.id,"]
        assert fast == store.segment(fast.id)  # read again, on its own
        store._functions = False  # type: ignore[attr-defined]  # the step-by-step path, for comparison
        slow = coding.add_segment(store, **warm | {"start": 26, "end": TEXT.index(" end"), "memo": "a\x07b"})
        assert len(counted.sent) > 6  # what one round trip saves
        assert fast.text == TEXT[40 : TEXT.index(" end")] and fast.text.endswith("\U0001f600")
        assert slow.text == TEXT[26 : TEXT.index(" end")]
        for seg in (fast, slow):
            assert (seg.coder, seg.memo, seg.origin, seg.code_id) == (s.alice, "ab", "manual", s.code)
        with s.connect(s.lead) as cx:
            a, b = _audit(cx, fast.id), _audit(cx, slow.id)
            assert a[:4] == b[:4] == (s.alice, "segment.add", "segment", None)
            after_a, after_b = json.loads(a[4]), json.loads(b[4])
            assert after_a == {**after_b, "start": 40} and after_a["coder"] == s.alice and after_a["memo"] == "ab"
            assert a[4] == json.dumps(after_a, ensure_ascii=False, sort_keys=True)  # the same text as on a file
            rows = cx.execute(
                "SELECT coder_id, round_id, created_at = updated_at FROM segments WHERE id IN (%s, %s) ORDER BY id",
                (fast.id, slow.id),
            ).fetchall()
            assert rows[0] == rows[1]
            assert cx.execute("SELECT count(*) FROM segments").fetchone()[0] == 3
    finally:
        store.close()


def test_a_failed_check_falls_back_to_the_same_errors(s):
    store = s.store(s.alice)
    try:
        add = dict(transcript_id=s.transcript, code_id=s.code, coder=s.alice)
        with pytest.raises(InputError, match="outside the transcript"):
            coding.add_segment(store, **add | {"start": 5, "end": len(TEXT) + 1})
        with pytest.raises(NotFoundError, match="no transcript"):
            coding.add_segment(store, **add | {"transcript_id": 999, "start": 0, "end": 3})
        with pytest.raises(NotFoundError, match="no code"):
            coding.add_segment(store, **add | {"code_id": 999, "start": 0, "end": 3})
        coding.add_segment(store, **add | {"start": 0, "end": 3})
        with pytest.raises(WorkbenchError, match="already coded"):
            coding.add_segment(store, **add | {"start": 0, "end": 3})
        # naming another coder goes step by step, where it is refused
        with pytest.raises(WorkbenchError, match="not allowed"):
            coding.add_segment(store, **add | {"coder": s.bob, "start": 0, "end": 3})
    finally:
        store.close()
    with s.connect(s.lead) as cx:
        assert cx.execute("SELECT count(*) FROM segments").fetchone()[0] == 1
        assert cx.execute("SELECT count(*) FROM audit WHERE action = 'segment.add'").fetchone()[0] == 1


def test_a_memo_in_one_statement(s):
    store = s.store(s.bob)
    try:
        coding.add_memo(store, "project", None, "warm-up", coder=s.bob)
        counted = Counted(store)
        memo_id = coding.add_memo(store, "transcript", s.transcript, "first\x00 thoughts", coder=s.bob)
        assert counted.sent == ["SELECT add_memo"]
    finally:
        store.close()
    with s.connect(s.lead) as cx:
        row = cx.execute(
            "SELECT c.name, m.text, m.target, m.target_id FROM memos m JOIN coders c ON c.id = m.coder_id WHERE m.id = %s",
            (memo_id,),
        ).fetchone()
        assert row == (s.bob, "first thoughts", "transcript", s.transcript)
        coder, action, _entity, before, after = _audit(cx, memo_id, "memo")
        assert (coder, action, before) == (s.bob, "memo.add", None)
        assert json.loads(after) == {"target": "transcript", "target_id": s.transcript, "text": "first thoughts"}


def test_the_server_functions_keep_the_database_rules(s, pg_cluster):
    """Called directly in SQL as the wrong role: the functions run as their caller."""
    with s.connect(s.alice) as cx:
        # a coder cannot make consensus coding through the function either
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            cx.execute("SELECT apply_code(%s, %s, 0, 5, NULL, 'consensus', %s, '{}')", (s.transcript, s.code, NOW))
        made = cx.execute(
            "SELECT apply_code(%s, %s, 0, 5, NULL, 'manual', %s, '{}')", (s.transcript, s.code, NOW)
        ).fetchone()[0]
        # the audit entry and the segment are the caller's, whatever the content says
        assert (
            cx.execute("SELECT coder FROM audit WHERE entity_id = %s AND entity = 'segment'", (made,)).fetchone()[0]
            == s.alice
        )
        assert (
            cx.execute(
                "SELECT c.name FROM segments g JOIN coders c ON c.id = g.coder_id WHERE g.id = %s", (made,)
            ).fetchone()[0]
            == s.alice
        )
        # the audit log stays append-only, the lead's tables stay the lead's
        with pytest.raises(errors.InsufficientPrivilege):
            cx.execute("DELETE FROM audit")
    stranger = f"stranger_{uuid.uuid4().hex[:6]}"
    with pg_cluster.connect() as admin:
        admin.execute(f'CREATE ROLE "{stranger}" LOGIN')
        admin.execute(f'GRANT CONNECT ON DATABASE "{s.db}" TO "{stranger}"')
    with s.connect(stranger) as cx:
        with pytest.raises(errors.InsufficientPrivilege):
            cx.execute(
                "SELECT workbench.apply_code(%s, %s, 6, 9, NULL, 'manual', %s, '{}')", (s.transcript, s.code, NOW)
            )
    with s.connect(s.lead) as cx:
        assert cx.execute("SELECT count(*) FROM segments").fetchone()[0] == 1


def test_a_temporary_table_cannot_make_a_coder_the_lead(s):
    """The owner's functions (is_lead, blind_phase, ...) list pg_temp last: a coder's temporary tables
    named like the team's own are never read in their place."""
    with s.connect(s.lead) as cx:
        cx.execute("UPDATE team_settings SET blind = true WHERE id = 1")
        roles = cx.execute("SELECT owner_role, lead_role, coder_role FROM team_roles").fetchone()
    with s.connect(s.bob) as cx:
        theirs = cx.execute(
            "SELECT apply_code(%s, %s, 0, 5, NULL, 'manual', %s, '{}')", (s.transcript, s.code, NOW)
        ).fetchone()[0]
    with s.connect(s.alice) as cx:
        cx.execute("CREATE TEMP TABLE team_roles (id int, owner_role text, lead_role text, coder_role text)")
        cx.execute("INSERT INTO team_roles VALUES (1, %s, %s, %s)", (roles[0], roles[2], roles[2]))
        cx.execute("CREATE TEMP TABLE team_settings (id int, blind boolean)")
        cx.execute("INSERT INTO team_settings VALUES (1, false)")
        cx.execute("CREATE TEMP TABLE coders (id bigint, name text)")
        cx.execute("INSERT INTO coders SELECT id, %s FROM workbench.coders WHERE name = %s", (s.alice, s.bob))
        cx.execute("GRANT SELECT ON team_roles, team_settings, coders TO PUBLIC")
        assert cx.execute("SELECT is_lead(), blind_phase()").fetchone() == (False, True)
        assert cx.execute("SELECT count(*) FROM workbench.segments WHERE id = %s", (theirs,)).fetchone()[0] == 0
        assert cx.execute("DELETE FROM workbench.segments WHERE id = %s", (theirs,)).rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            cx.execute("SELECT apply_code(%s, %s, 0, 5, NULL, 'consensus', %s, '{}')", (s.transcript, s.code, NOW))


def test_an_older_team_layer_is_refused_until_server_init(s):
    """A database whose owner-rights functions still search a coder's temporary tables first (the
    team layer before the fix) is refused with what to do; `server init` mends it in place."""
    from workbench.errors import ProjectError

    with s.cluster.connect(s.db) as cx:  # the cluster's superuser, as an older workbench left it
        cx.execute("ALTER FUNCTION workbench.is_lead() RESET search_path")
    with pytest.raises(ProjectError) as caught:
        s.store(s.alice)
    assert "older team layer" in caught.value.message and "server init" in caught.value.hint
    team.init_server(s.cluster.url(s.db))
    store = s.store(s.alice)
    try:
        segment = coding.add_segment(store, transcript_id=s.transcript, code_id=s.code, coder=s.alice, start=0, end=12)
        assert segment.coder == s.alice
    finally:
        store.close()


def test_team_connections_notice_a_silent_network(s):
    """TCP keepalives and a send timeout on every team connection (a dropped network says "server
    unreachable" in seconds, not hours); a value the connection string gives wins."""
    raw = team.connect(s.cluster.url(s.db, user=s.alice))
    try:
        given = raw.info.get_parameters()
        assert given["keepalives_idle"] == "10" and given["tcp_user_timeout"] == "30000"
    finally:
        raw.close()
    raw = team.connect(s.cluster.url(s.db, user=s.alice) + "&keepalives_idle=60")
    try:
        assert raw.info.get_parameters()["keepalives_idle"] == "60"
    finally:
        raw.close()
