"""The change feed while blind: anyone connected may LISTEN on the channel (PostgreSQL has no
rights on channels), so while blind a change to coding names only its table. Checked in SQL, as a
coder listening for another coder's work; after the phase opens, ids come back."""

from __future__ import annotations

import json
import uuid

import pytest

from workbench.store.postgres import team
from workbench.store.postgres.listen import CHANGED, Change, parse
from workbench.store.postgres.schema import BLIND_NOTIFIED, CHANNEL, NOTIFIED

NOW = "2026-11-29T10:00:00Z"


@pytest.fixture
def t(pg_cluster, pg_database):
    tag = uuid.uuid4().hex[:6]
    names = {"lead": f"lead_{tag}", "alice": f"alice_{tag}", "bob": f"bob_{tag}"}
    team.init_server(pg_cluster.url(pg_database), lead=names["lead"])
    team.add_coder(pg_cluster.url(pg_database), names["alice"])
    team.add_coder(pg_cluster.url(pg_database), names["bob"])

    def connect(who: str):
        return pg_cluster.connect(pg_database, user=names[who])

    with connect("lead") as cx:
        transcript = cx.execute(
            "INSERT INTO transcripts (guid, title, source_name, format, checksum, text, imported_at) "
            "VALUES ('g1', 'RB-01', 'rb-01.txt', 'txt', 'x', 'We ran out of time and staff.', %s) RETURNING id",
            (NOW,),
        ).fetchone()[0]
        code = cx.execute("INSERT INTO codes (guid, name) VALUES ('c1', 'Barriers') RETURNING id").fetchone()[0]
    return connect, names, transcript, code


def _heard(listener) -> list[dict]:
    return [json.loads(n.payload) for n in listener.notifies(timeout=0.5)]


def _coding(cx, transcript: int, code: int, start: int) -> list[int]:
    """What a coder does: a segment applied, recoded, removed; a memo written and changed. Returns the ids."""
    seg = cx.execute(
        "SELECT apply_code(%s, %s, %s, %s, NULL, 'manual', %s, '{}')", (transcript, code, start, start + 4, NOW)
    ).fetchone()[0]
    other = cx.execute(
        'INSERT INTO segments (transcript_id, code_id, start, "end", text, created_at, updated_at) '
        "VALUES (%s, %s, %s, %s, 'x', %s, %s) RETURNING id",
        (transcript, code, start + 1, start + 6, NOW, NOW),
    ).fetchone()[0]
    cx.execute("UPDATE segments SET memo = 'why' WHERE id = %s", (seg,))
    cx.execute("DELETE FROM segments WHERE id = %s", (other,))
    memo = cx.execute("SELECT add_memo('transcript', %s, 'a thought', %s, '{}')", (transcript, NOW)).fetchone()[0]
    cx.execute("UPDATE memos SET text = 'second thought' WHERE id = %s", (memo,))
    return [seg, other, memo]


def test_while_blind_the_feed_reveals_nothing_of_others_coding(t):
    connect, _names, transcript, code = t
    with connect("lead") as cx:
        cx.execute("UPDATE team_settings SET blind = true WHERE id = 1")
    with connect("alice") as alice, connect("bob") as bob:
        alice.execute(f"LISTEN {CHANNEL}")
        ids = _coding(bob, transcript, code, 0)
        heard = _heard(alice)
        # every change is announced (alice's screen reloads), as its table alone
        assert heard == [{"table": "segments"}] * 4 + [{"table": "memos"}] * 2
        assert all(str(i) not in json.dumps(heard) for i in ids)
        assert [parse(json.dumps(h)) for h in heard[:1]] == [Change("segments", CHANGED)]
        # and what she may not read stays unreadable
        assert alice.execute("SELECT count(*) FROM segments").fetchone()[0] == 0
    with connect("lead") as cx:
        cx.execute("UPDATE team_settings SET blind = false WHERE id = 1")
    with connect("alice") as alice, connect("bob") as bob:
        alice.execute(f"LISTEN {CHANNEL}")
        seg, other, memo = _coding(bob, transcript, code, 10)
        heard = _heard(alice)
        assert heard[0] == {"table": "segments", "op": "insert", "id": str(seg)}
        assert {"table": "segments", "op": "delete", "id": str(other)} in heard
        assert {"table": "memos", "op": "update", "id": str(memo)} in heard


def test_the_blind_tables_are_all_announced():
    assert set(BLIND_NOTIFIED) <= set(NOTIFIED)
    assert {"segments", "memos"} <= set(BLIND_NOTIFIED)
