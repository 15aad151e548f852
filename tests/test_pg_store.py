"""The team engine through the workbench's own store and use cases, as each coder: what the
database refuses reads "not allowed", the blind phase, changes announced to other coders, and a
server that goes away and comes back."""

from __future__ import annotations

import threading

import pytest

from workbench.coding import add_segment, remove_segment, resolve_code
from workbench.errors import WorkbenchError
from workbench.project import current_coder, import_codebook, import_transcripts
from workbench.store import Store
from workbench.store.postgres import team

TEXT = "Interviewer: Why partner?\n\nCarol: We had no time. Nobody had time. We trusted them anyway.\n"


@pytest.fixture
def study(pg_cluster, pg_database, tmp_path, codebook_path):
    lead = f"lead_{pg_database}"
    team.init_server(pg_cluster.url(pg_database), lead=lead)
    names = {"lead": lead}
    for who in ("alice", "bob"):
        names[who] = f"{who}_{pg_database}"
        team.add_coder(pg_cluster.url(pg_database), names[who])
    store = Store.open(pg_cluster.url(pg_database, user=lead))
    path = tmp_path / "rb-01.txt"
    path.write_text(TEXT)
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    store.close()
    opened: list = []

    def open_as(who: str):
        s = Store.open(pg_cluster.url(pg_database, user=names[who]))
        opened.append(s)
        return s

    yield names, open_as
    for s in opened:
        s.close()


def apply(store, quote: str, coder: str) -> int:
    start = TEXT.index(quote)
    return add_segment(
        store,
        transcript_id=1,
        code_id=resolve_code(store, "Barriers/Time").id,
        coder=coder,
        start=start,
        end=start + len(quote),
    ).id


def test_a_coder_is_their_database_user_and_changes_only_their_own(study):
    names, open_as = study
    alice, bob = open_as("alice"), open_as("bob")
    assert current_coder(alice) == names["alice"]  # not the login name of the machine
    mine = apply(alice, "We had no time.", names["alice"])
    with pytest.raises(WorkbenchError, match="not allowed: .*you code as"):
        apply(bob, "Nobody had time.", names["alice"])
    with pytest.raises(WorkbenchError, match="not allowed: segment .* another coder's"):
        remove_segment(bob, mine, coder=names["bob"])
    assert [s.id for s in bob.segments()] == [mine]  # still there
    assert not [e for e in alice.audit_entries(limit=50) if e.action == "remove"]  # no audit of a refused removal
    with pytest.raises(WorkbenchError, match="not allowed"):
        with bob.transaction():
            bob.update_code(resolve_code(bob, "Barriers/Time").id, name="Renamed")
    remove_segment(alice, mine, coder=names["alice"])
    assert alice.segments() == []


def test_blind_phase_and_change_notification_through_the_store(study, pg_cluster, pg_database):
    names, open_as = study
    alice, bob, lead = open_as("alice"), open_as("bob"), open_as("lead")
    token = bob.change_token()
    apply(alice, "We had no time.", names["alice"])
    assert bob.changes_since(token)  # announced through LISTEN/NOTIFY
    assert not alice.changes_since(alice.change_token())
    team.set_phase(pg_cluster.url(pg_database, user=names["lead"]), True)
    apply(bob, "Nobody had time.", names["bob"])
    assert {s.coder for s in bob.segments()} == {names["bob"]}
    assert {s.coder for s in alice.segments()} == {names["alice"]}
    assert {s.coder for s in lead.segments()} == {names["alice"], names["bob"]}
    team.set_phase(pg_cluster.url(pg_database, user=names["lead"]), False)
    assert len(bob.segments()) == 2


def test_server_restart_is_unreachable_then_reconnects_and_loses_nothing(study, pg_cluster):
    names, open_as = study
    alice = open_as("alice")
    first = apply(alice, "We had no time.", names["alice"])
    restart = threading.Thread(target=pg_cluster.restart)
    restart.start()
    restart.join(60)
    try:
        apply(alice, "Nobody had time.", names["alice"])
        retried = False
    except WorkbenchError as exc:
        assert "server unreachable" in str(exc)
        retried = True
        apply(alice, "Nobody had time.", names["alice"])  # the same action again: it reconnects
    ids = [s.id for s in alice.segments()]
    assert first in ids and len(ids) == 2, retried
