"""The team engine's access rules, enforced by PostgreSQL itself: each test connects as a role
directly in SQL (psycopg, not through the workbench), tries what that role must not do and checks
that it is refused or invisible, and that what it may do works.

One team database for the module: a lead, coders alice and bob (names made unique, since roles
belong to the whole server), a transcript, a code, and one segment and memo by each coder.
"""

from __future__ import annotations

import json
import time
import uuid

import psycopg
import pytest
from psycopg import errors

from workbench.store.postgres import team
from workbench.store.postgres.schema import CHANNEL, LATEST

NOW = "2026-11-29T10:00:00Z"


class Team:
    def __init__(self, cluster, database: str) -> None:
        self.cluster, self.db = cluster, database
        tag = uuid.uuid4().hex[:6]
        self.lead, self.alice, self.bob = f"lead_{tag}", f"alice_{tag}", f"bob_{tag}"
        self.report = team.init_server(cluster.url(database), lead=self.lead)
        team.add_coder(cluster.url(database), self.alice)
        team.add_coder(cluster.url(database), self.bob)
        self.roles = self.report.roles

    def connect(self, user: str) -> psycopg.Connection:
        return self.cluster.connect(self.db, user=user)

    def url(self, user: str) -> str:
        return self.cluster.url(self.db, user=user)


def one(cx, query: str, params=()):
    row = cx.execute(query, params).fetchone()
    return row[0] if row else None


def add_segment(cx, transcript: int, code: int, start: int, end: int, **extra) -> int:
    cols = ["transcript_id", "code_id", "start", '"end"', "text", "created_at", "updated_at", *extra]
    values = [transcript, code, start, end, "text", NOW, NOW, *extra.values()]
    marks = ", ".join(["%s"] * len(values))
    return one(cx, f"INSERT INTO segments ({', '.join(cols)}) VALUES ({marks}) RETURNING id", values)


def add_memo(cx, text: str, **extra) -> int:
    cols = ["target", "text", "created_at", "updated_at", *extra]
    values = ["project", text, NOW, NOW, *extra.values()]
    marks = ", ".join(["%s"] * len(values))
    return one(cx, f"INSERT INTO memos ({', '.join(cols)}) VALUES ({marks}) RETURNING id", values)


@pytest.fixture(scope="module")
def t(pg_cluster):
    database = pg_cluster.create_database()
    setup = Team(pg_cluster, database)
    with setup.connect(setup.lead) as cx:
        setup.transcript = one(
            cx,
            "INSERT INTO transcripts (guid, title, source_name, format, checksum, text, "
            "imported_at) VALUES ('g1', 'RB-01', 'rb-01.txt', 'txt', 'x', %s, %s) RETURNING id",
            ("Interviewer: Why partner?\nCarol: We were running out of time and staff.", NOW),
        )
        cx.execute(
            'INSERT INTO turns (transcript_id, position, speaker, start, "end") VALUES '
            "(%s, 0, 'Interviewer', 0, 25), (%s, 1, 'Carol', 26, 73)",
            (setup.transcript, setup.transcript),
        )
        setup.code = one(cx, "INSERT INTO codes (guid, name) VALUES ('c1', 'Barriers') RETURNING id")
        setup.consensus = one(cx, "INSERT INTO coders (name, created_at) VALUES ('consensus', %s) RETURNING id", (NOW,))
    with setup.connect(setup.alice) as cx:
        setup.alice_seg = add_segment(cx, setup.transcript, setup.code, 0, 10)
        setup.alice_memo = add_memo(cx, "alice's memo")
        setup.alice_id = one(cx, "SELECT session_coder_id()")
    with setup.connect(setup.bob) as cx:
        setup.bob_seg = add_segment(cx, setup.transcript, setup.code, 26, 40)
        setup.bob_memo = add_memo(cx, "bob's memo")
        setup.bob_id = one(cx, "SELECT session_coder_id()")
    yield setup
    pg_cluster.drop_database(database)


def test_init_is_idempotent_and_applies_every_migration(t):
    again = team.init_server(t.cluster.url(t.db), lead=t.lead)
    assert again.applied == [] and t.report.applied == list(range(1, LATEST + 1))
    with t.connect(t.lead) as cx:
        assert [v for (v,) in cx.execute("SELECT version FROM schema_version ORDER BY 1")] == list(range(1, LATEST + 1))
        owners = {o for (o,) in cx.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'workbench'")}
        assert owners == {t.roles.owner}
        assert one(cx, "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (t.roles.owner,)) is False


def test_the_coder_recorded_is_the_database_user(t):
    with t.connect(t.alice) as cx:
        assert one(cx, "SELECT coder_id FROM segments WHERE id = %s", (t.alice_seg,)) == t.alice_id
        assert one(cx, "SELECT name FROM coders WHERE id = %s", (t.alice_id,)) == t.alice
        # naming another coder, or the consensus coder, is refused
        for coder in (t.bob_id, t.consensus):
            with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
                add_segment(cx, t.transcript, t.code, 1, 5, coder_id=coder)
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            add_segment(cx, t.transcript, t.code, 1, 6, origin="consensus")
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            add_memo(cx, "forged", coder_id=t.bob_id)
        # an audit entry names its real author whatever the client sends
        cx.execute("INSERT INTO audit (action, entity, coder) VALUES ('add', 'segment', %s)", (t.bob,))
        assert one(cx, "SELECT coder FROM audit ORDER BY id DESC LIMIT 1") == t.alice


def test_a_coder_changes_and_removes_only_their_own_rows(t):
    with t.connect(t.alice) as cx:
        for table, theirs in (("segments", t.bob_seg), ("memos", t.bob_memo)):
            column = "memo" if table == "segments" else "text"
            assert cx.execute(f"UPDATE {table} SET {column} = 'hijacked' WHERE id = %s", (theirs,)).rowcount == 0
            assert cx.execute(f"DELETE FROM {table} WHERE id = %s", (theirs,)).rowcount == 0
        assert cx.execute("UPDATE segments SET memo = 'mine' WHERE id = %s", (t.alice_seg,)).rowcount == 1
        assert cx.execute("UPDATE memos SET text = 'mine too' WHERE id = %s", (t.alice_memo,)).rowcount == 1
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            cx.execute("UPDATE segments SET coder_id = %s WHERE id = %s", (t.bob_id, t.alice_seg))
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            cx.execute("UPDATE segments SET origin = 'consensus' WHERE id = %s", (t.alice_seg,))
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            cx.execute("UPDATE memos SET coder_id = %s WHERE id = %s", (t.bob_id, t.alice_memo))
        mine = add_segment(cx, t.transcript, t.code, 50, 60)
        assert cx.execute("DELETE FROM segments WHERE id = %s", (mine,)).rowcount == 1
        with pytest.raises(errors.InsufficientPrivilege):
            cx.execute("TRUNCATE segments")
    with t.connect(t.bob) as cx:
        assert one(cx, "SELECT memo FROM segments WHERE id = %s", (t.bob_seg,)) is None
        assert one(cx, "SELECT text FROM memos WHERE id = %s", (t.bob_memo,)) == "bob's memo"


# Writes only the lead may make: (statement, parameters from the team).
LEAD_ONLY = {
    "codebook: add a code": ("INSERT INTO codes (guid, name) VALUES (%s, 'Trust')", lambda t: (uuid.uuid4().hex,)),
    "codebook: rename": ("UPDATE codes SET name = 'Renamed' WHERE id = %s", lambda t: (t.code,)),
    "codebook: delete": ("DELETE FROM codes WHERE id = %s", lambda t: (t.code,)),
    "coders: add one": ("INSERT INTO coders (name, created_at) VALUES ('mallory', 'x')", lambda t: ()),
    "consensus coder": (
        'INSERT INTO segments (transcript_id, code_id, coder_id, start, "end", text, origin, '
        "created_at, updated_at) VALUES (%s, %s, %s, 30, 35, 'x', 'consensus', 'x', 'x')",
        lambda t: (t.transcript, t.code, t.consensus),
    ),
    "decisions": (
        'INSERT INTO decisions (transcript_id, start, "end", coders, choice, codes, created_at) '
        "VALUES (%s, 0, 10, '[]', 'take', '[]', 'x')",
        lambda t: (t.transcript,),
    ),
    "framework summaries": (
        "INSERT INTO framework_summaries (row_kind, row_key, code_id, summary, created_at, "
        "updated_at) VALUES ('site', %s, %s, 'x', 'x', 'x')",
        lambda t: (uuid.uuid4().hex, t.code),
    ),
    "key quotes": (
        "INSERT INTO key_quotes (segment_id, created_at) VALUES (%s, 'x') ON CONFLICT DO NOTHING",
        lambda t: (t.alice_seg,),
    ),
    "links": (
        "INSERT INTO links (guid, source_code_id, target_code_id, relation, created_at) VALUES (%s, %s, %s, 'x', 'x')",
        lambda t: (uuid.uuid4().hex, t.code, t.code),
    ),
    "transcripts": ("UPDATE transcripts SET title = 'x' WHERE id = %s", lambda t: (t.transcript,)),
    "turns": ("DELETE FROM turns WHERE transcript_id = %s", lambda t: (-1,)),
    "rounds": ("INSERT INTO rounds (name, started_at) VALUES (%s, 'x')", lambda t: (uuid.uuid4().hex,)),
    "project settings (meta)": ("INSERT INTO meta VALUES (%s, 'x')", lambda t: (uuid.uuid4().hex,)),
    "blind phase": ("UPDATE team_settings SET blind = NOT blind", lambda t: ()),
    "team roles": ("UPDATE team_roles SET lead_role = current_user", lambda t: ()),
}


@pytest.mark.parametrize("what", list(LEAD_ONLY))
def test_lead_only_writes_are_refused_to_a_coder(t, what):
    statement, params = LEAD_ONLY[what]
    with t.connect(t.alice) as cx:
        with pytest.raises(errors.InsufficientPrivilege):
            cx.execute(statement, params(t))


def test_the_lead_makes_the_lead_only_writes(t):
    allowed = [w for w in LEAD_ONLY if w not in ("codebook: delete", "team roles", "blind phase")]
    with t.connect(t.lead) as cx, cx.transaction(force_rollback=True):
        for what in allowed:
            statement, params = LEAD_ONLY[what]
            cx.execute(statement, params(t))
        assert one(cx, "SELECT count(*) FROM segments WHERE coder_id = %s", (t.consensus,)) == 1
        # the lead edits any coder's segment
        assert cx.execute("UPDATE segments SET memo = 'reviewed' WHERE id = %s", (t.bob_seg,)).rowcount == 1
    with t.connect(t.lead) as cx:  # team roles are the admin's: not even the lead changes them
        with pytest.raises(errors.InsufficientPrivilege):
            cx.execute("UPDATE team_roles SET lead_role = current_user")


def test_a_coder_cannot_become_the_lead(t):
    with t.connect(t.alice) as cx:
        for role in (t.roles.lead, t.roles.owner, t.bob):
            with pytest.raises(errors.InsufficientPrivilege):
                cx.execute(f'SET ROLE "{role}"')
        with pytest.raises(errors.InsufficientPrivilege):
            cx.execute(f'GRANT "{t.roles.lead}" TO "{t.alice}"')


def test_the_audit_log_is_append_only_for_everyone(t):
    with t.connect(t.lead) as cx:
        cx.execute("INSERT INTO audit (action, entity) VALUES ('note', 'project')")
        entry = one(cx, "SELECT max(id) FROM audit")
    for user in (t.alice, t.lead):
        with t.connect(user) as cx:
            for statement in (
                "UPDATE audit SET action = 'forged'",
                f"DELETE FROM audit WHERE id = {entry}",
                "TRUNCATE audit",
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    cx.execute(statement)
    # not even the table's owner (the migrations' role: row-level security hides every row from its
    # UPDATE and DELETE) nor the server's superuser (who bypasses row-level security: the triggers refuse)
    with t.cluster.connect(t.db) as cx:
        for statement in ("UPDATE audit SET action = 'forged'", "DELETE FROM audit", "TRUNCATE audit"):
            with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
                cx.execute(statement)
        cx.execute(f'SET ROLE "{t.roles.owner}"')
        assert cx.execute("UPDATE audit SET action = 'forged'").rowcount == 0
        assert cx.execute("DELETE FROM audit").rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            cx.execute("TRUNCATE audit")
    with t.connect(t.lead) as cx:
        assert one(cx, "SELECT action FROM audit WHERE id = %s", (entry,)) == "note"


def _visible(cx, table: str) -> set[int]:
    return {i for (i,) in cx.execute(f"SELECT id FROM {table}")}


def test_blind_phase_hides_other_coders_work_from_every_query(t):
    with t.connect(t.lead) as cx:
        decision = one(
            cx,
            'INSERT INTO decisions (transcript_id, start, "end", coders, choice, codes, '
            "created_at) VALUES (%s, 0, 10, '[]', 'take', '[]', 'x') RETURNING id",
            (t.transcript,),
        )
    with pytest.raises(team.NotAllowedError, match="only the project lead"):
        team.set_phase(t.url(t.alice), True)
    assert team.set_phase(t.url(t.lead), True).blind
    try:
        with t.connect(t.alice) as cx:
            assert t.alice_seg in _visible(cx, "segments") and t.bob_seg not in _visible(cx, "segments")
            assert t.bob_memo not in _visible(cx, "memos") and t.alice_memo in _visible(cx, "memos")
            assert one(cx, "SELECT count(*) FROM segments WHERE coder_id = %s", (t.bob_id,)) == 0
            assert (
                one(
                    cx, "SELECT count(*) FROM segments s JOIN coders c ON c.id = s.coder_id WHERE c.name = %s", (t.bob,)
                )
                == 0
            )
            assert decision not in _visible(cx, "decisions")
            assert {c for (c,) in cx.execute("SELECT DISTINCT coder FROM audit")} <= {t.alice}
            # a view or function made by the coder runs with the coder's rights: still nothing
            cx.execute("CREATE TEMP VIEW peek AS SELECT * FROM segments")
            assert one(cx, "SELECT count(*) FROM peek WHERE coder_id = %s", (t.bob_id,)) == 0
            with pytest.raises(errors.InsufficientPrivilege):
                cx.execute("SET row_security = off; SELECT * FROM segments")
        with t.connect(t.bob) as cx:
            assert t.alice_seg not in _visible(cx, "segments") and t.bob_seg in _visible(cx, "segments")
        with t.connect(t.lead) as cx:
            assert {t.alice_seg, t.bob_seg} <= _visible(cx, "segments")
            assert {t.alice_memo, t.bob_memo} <= _visible(cx, "memos")
        assert team.get_phase(t.url(t.alice)).blind  # a coder may know the phase
    finally:
        assert not team.set_phase(t.url(t.lead), False).blind
    with t.connect(t.alice) as cx:  # open: everyone sees everything, and still changes only their own
        assert {t.alice_seg, t.bob_seg} <= _visible(cx, "segments")
        assert {t.alice_memo, t.bob_memo} <= _visible(cx, "memos")
        assert decision in _visible(cx, "decisions")
        assert cx.execute("UPDATE segments SET memo = 'x' WHERE id = %s", (t.bob_seg,)).rowcount == 0
    with t.connect(t.lead) as cx:
        phases = [json.loads(a) for (a,) in cx.execute("SELECT after FROM audit WHERE action = 'phase' ORDER BY id")]
        assert phases[-2:] == [{"blind": True}, {"blind": False}]


def test_a_listener_hears_another_roles_change_within_a_second(t):
    with t.connect(t.bob) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        with t.connect(t.alice) as cx:
            segment = add_segment(cx, t.transcript, t.code, 60, 70)
        sent = time.monotonic()
        heard = [json.loads(n.payload) for n in listener.notifies(timeout=1.0, stop_after=1)]
        assert time.monotonic() - sent < 1.5  # a guard against a hang, not a speed test
    assert heard == [{"table": "segments", "op": "insert", "id": str(segment)}]
    with t.connect(t.alice) as cx:
        cx.execute("DELETE FROM segments WHERE id = %s", (segment,))


def test_full_text_search_stems_english_with_a_gin_index(t):
    with t.connect(t.alice) as cx:
        hits = [
            s
            for (s,) in cx.execute(
                "SELECT speaker FROM turns WHERE tsv @@ websearch_to_tsquery('english', %s)", ("run",)
            )
        ]
        assert hits == ["Carol"]  # "running" matched by its stem
        assert [
            s for (s,) in cx.execute("SELECT speaker FROM turns WHERE tsv @@ to_tsquery('english', 'partn:*')")
        ] == ["Interviewer"]
        assert one(cx, "SELECT indexdef FROM pg_indexes WHERE indexname = 'turns_tsv_index'").endswith(
            "USING gin (tsv)"
        )
    with t.connect(t.lead) as cx, cx.transaction(force_rollback=True):  # an edited text is indexed again
        cx.execute("UPDATE transcripts SET text = replace(text, 'running', 'walking') WHERE id = %s", (t.transcript,))
        assert one(cx, "SELECT count(*) FROM turns WHERE tsv @@ to_tsquery('english', 'walk')") == 1


def test_clear_errors_for_unreachable_server_wrong_password_and_missing_rights(t, tmp_path):
    from pgcluster import PASSWORD, PASSWORD_ROLE

    from workbench.errors import ProjectError

    with pytest.raises(ProjectError, match="server unreachable"):
        team.init_server(f"postgresql://postgres@/{t.db}?host={tmp_path}")
    sock = t.cluster.socket_dir
    with pytest.raises(ProjectError, match=f"wrong password for user {PASSWORD_ROLE}"):
        team.connect(f"postgresql://{PASSWORD_ROLE}:nope@/postgres?host={sock}")
    with pytest.raises(ProjectError, match="asks for a password"):
        team.connect(f"postgresql://{PASSWORD_ROLE}@/postgres?host={sock}", passfile="/dev/null")
    team.connect(f"postgresql://{PASSWORD_ROLE}:{PASSWORD.replace(' ', '%20')}@/postgres?host={sock}").close()
    with pytest.raises(team.NotAllowedError, match="cannot create roles"):
        team.init_server(t.url(t.alice))
    with pytest.raises(team.NotAllowedError, match="cannot create roles"):
        team.add_coder(t.url(t.lead), "carol")
    with pytest.raises(ProjectError, match="does not exist"):
        team.connect(t.cluster.url("no_such_study"))


def test_the_change_feed_resyncs_after_the_server_comes_back(t):
    """What the app will use: resync on connecting, each change, "unreachable" while the server is
    away, and resync again when it is back (notifications sent meanwhile are lost)."""
    from workbench.store.postgres.listen import RESYNC, UNREACHABLE, Change, changes

    feed = changes(t.url(t.bob), poll=0.2)
    try:
        assert next(feed) == Change("*", RESYNC)
        with t.connect(t.alice) as cx:
            segment = add_segment(cx, t.transcript, t.code, 61, 71)
        assert next(feed) == Change("segments", "insert", segment)
        t.cluster.restart()
        assert next(feed) == Change("*", UNREACHABLE)
        assert next(feed) == Change("*", RESYNC)
        with t.connect(t.alice) as cx:
            cx.execute("DELETE FROM segments WHERE id = %s", (segment,))
        assert next(feed) == Change("segments", "delete", segment)
    finally:
        feed.close()


def test_the_change_feed_retries_an_unreachable_server_but_not_a_refusal(t, tmp_path):
    import threading

    from pgcluster import PASSWORD_ROLE

    from workbench.errors import ProjectError
    from workbench.store.postgres.listen import UNREACHABLE, Change, changes

    stop = threading.Event()
    feed = changes(f"postgresql://{t.bob}@/{t.db}?host={tmp_path}", stop=stop, backoff=(0.01, 0.02))
    assert next(feed) == Change("*", UNREACHABLE)
    stop.set()
    assert list(feed) == []  # said once, then quiet until it stops
    wrong = changes(f"postgresql://{PASSWORD_ROLE}:nope@/{t.db}?host={t.cluster.socket_dir}")
    with pytest.raises(ProjectError, match="wrong password"):
        next(wrong)


def test_policies_ask_who_you_are_once_per_query_not_once_per_row(t):
    """Row-level security evaluated per row made a count over 100,000 segments take seconds: each
    policy function must run once per statement, whatever the number of rows."""
    with t.connect(t.lead) as cx:
        cx.execute(
            'INSERT INTO segments (transcript_id, code_id, coder_id, start, "end", text, created_at, '
            "updated_at) SELECT %s, %s, %s, g, g + 1, 'x', 'x', 'x' FROM generate_series(100, 699) g",
            (t.transcript, t.code, t.bob_id),
        )
    try:
        for blind in (False, True):
            team.set_phase(t.url(t.lead), blind)
            with t.connect(t.alice) as cx, cx.transaction():
                rows = one(cx, "SELECT count(*) FROM segments")
                calls = {
                    f: one(cx, "SELECT pg_stat_get_xact_function_calls(%s::regprocedure)", (f"workbench.{f}()",))
                    for f in ("is_lead", "session_coder_id", "blind_phase")
                }
            assert rows >= (1 if blind else 600)
            assert all(1 <= n <= 2 for n in calls.values()), calls
    finally:
        team.set_phase(t.url(t.lead), False)
        with t.connect(t.lead) as cx:
            cx.execute("DELETE FROM segments WHERE coder_id = %s AND start >= 100 AND start < 700", (t.bob_id,))


def test_rejected_suggestions_are_each_coders_own(t):
    insert = (
        'INSERT INTO rejected_suggestions (transcript_id, start, "end", code_id, coder, source, created_at) '
        "VALUES (%s, %s, %s, %s, %s, 'rules', 'x') RETURNING id, coder"
    )
    with t.connect(t.bob) as cx:
        bobs = cx.execute(insert, (t.transcript, 0, 5, t.code, t.bob)).fetchone()[0]
    with t.connect(t.alice) as cx:
        mine, recorded = cx.execute(insert, (t.transcript, 0, 5, t.code, t.bob)).fetchone()  # sent as bob
        assert recorded == t.alice
        assert cx.execute("DELETE FROM rejected_suggestions WHERE id = %s", (bobs,)).rowcount == 0
        assert cx.execute("UPDATE rejected_suggestions SET source = 'x' WHERE id = %s", (bobs,)).rowcount == 0
    team.set_phase(t.url(t.lead), True)
    try:
        with t.connect(t.alice) as cx:
            assert _visible(cx, "rejected_suggestions") == {mine}
    finally:
        team.set_phase(t.url(t.lead), False)
    with t.connect(t.alice) as cx:
        assert {mine, bobs} <= _visible(cx, "rejected_suggestions")
        assert cx.execute("DELETE FROM rejected_suggestions WHERE id = %s", (mine,)).rowcount == 1
