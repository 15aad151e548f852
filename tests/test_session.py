"""The coding session without any screen: moving the selection, and every coding action done,
undone and redone exactly (memo and origin included); a step that cannot be carried out keeps
its action and says why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.coding import add_segment, resolve_code
from workbench.errors import WorkbenchError
from workbench.project import import_codebook, import_transcripts
from workbench.session import CodingSession, UndoError
from workbench.store import Store

TEXT = (
    "---\nsite: Riverbend Family Medicine\nparticipant: RB-01\nrole: administrator\n---\n"
    "[00:00:05] Interviewer: What gets in the way of the partnership?\n\n"
    "[00:00:09] Carol: Time, mostly. Everybody is seeing patients back to back, and there is no hour in "
    "the week for a meeting. And money, honestly: the grant for the van ended in June.\n\n"
    "[00:00:31] Interviewer: How do you keep each other on track?\n\n"
    "[00:00:35] Carol: We don't have a contract for most of it. I text Jolene at Northside and she texts me "
    "back. That's the accountability, really. Trust.\n"
)


pytestmark = pytest.mark.both_engines  # each test's project: a file, then a team database


@pytest.fixture
def project(store, location, tmp_path, codebook_path):
    source = tmp_path / "rb-01.txt"
    source.write_text(TEXT)
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    return store, location


@pytest.fixture
def session(project):
    store, _ = project
    s = CodingSession(store, 1, "maria")
    s.open(s.read())
    return s


def selected(s: CodingSession) -> str:
    assert s.doc is not None
    return s.doc.text[slice(*s.selection)]


def code_id(s: CodingSession, path: str) -> int:
    return resolve_code(s.store, path).id


def state(store: Store) -> tuple:
    """Everything a coding action can change, without row ids (a restored segment has a new one)."""
    paths = {c.id: c.path for c in store.codes(counts=False)}
    segments = sorted((paths[g.code_id], g.coder, g.start, g.end, g.text, g.memo, g.origin) for g in store.segments())
    return (
        store.transcript_text(1),
        tuple(t.speaker for t in store.turns(1)),
        tuple(sorted(paths.values())),
        tuple(segments),
    )


def elsewhere(path, code: str) -> None:
    """Run ``code`` in another process on the same project (``store`` is open there)."""
    program = (
        "from workbench.store import Store\nfrom workbench import coding, transcript_edit\n"
        f"store = Store.open({str(path)!r})\n{code}\nstore.close()\n"
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)


# -- moving ----------------------------------------------------------------------------------------


def test_moves_by_sentence_turn_and_word(session):
    s = session
    assert selected(s) == "What gets in the way of the partnership?"
    assert s.sentence(1) and selected(s) == "Time, mostly."
    assert (
        s.extend_sentence(1)
        and selected(s)
        == "Time, mostly. Everybody is seeing patients back to back, and there is no hour in the week for a meeting."
    )
    assert s.extend_sentence(-1) and selected(s) == "Time, mostly."
    assert s.extend_sentence(-1) and selected(s) == "Time, mostly."  # never shorter than its first sentence
    assert s.extend_word(1) and selected(s) == "Time, mostly. Everybody"
    assert s.extend_word(1) and s.extend_word(-1) and selected(s) == "Time, mostly. Everybody"
    assert s.extend_turn() and selected(s).endswith("the grant for the van ended in June.")
    assert s.sentence(-1) and selected(s) == "What gets in the way of the partnership?"
    assert s.sentence(-1) and selected(s) == "What gets in the way of the partnership?"  # stays at the start
    assert s.turn(1) and s.turn(1) and selected(s) == "How do you keep each other on track?"
    assert s.turn(-1) and selected(s) == "Time, mostly."
    assert s.select_turn() and selected(s).startswith("Time, mostly.") and selected(s).endswith("June.")
    assert s.turn(9) and selected(s) == "We don't have a contract for most of it."  # the last turn, no further


def test_search_hits_uncoded_passages_and_the_words_for_the_selection(session):
    s = session
    assert s.search("TEXT") == [
        (s.doc.text.index("text Jolene"), s.doc.text.index("text Jolene") + 4),
        (s.doc.text.index("texts me"), s.doc.text.index("texts me") + 4),
    ]
    assert s.next_hit(1) and selected(s) == "text"
    assert s.next_hit(1) and selected(s) == "text" and s.selection[0] == s.doc.text.index("texts me")
    assert s.next_hit(1) and s.selection[0] == s.doc.text.index("text Jolene")  # wraps around
    assert s.next_hit(-1) and s.selection[0] == s.doc.text.index("texts me")
    assert s.search("zebra") == [] and not s.next_hit(1)
    s.move_to(0, 0)
    assert s.selection == (0, 1)  # at least one character
    s.move_to(5, 10**6)
    assert s.selection == (5, len(s.doc.text))
    s.move_to(*s.doc.sentences[1])
    assert s.describe_selection() == "turn 2/4 · 1 sentence, 2 words"
    s.apply(code_id(s, "Barriers/Time"))
    assert s.next_uncoded() and selected(s).startswith("Everybody is seeing")
    assert s.snippet(*s.selection) == "“Everybody is seeing patients back to…”"


def test_a_move_clears_what_the_last_action_said(session):
    s = session
    s.sentence(1)
    told = s.apply(code_id(s, "Barriers/Time"))
    assert told == "coded “Time, mostly.” as Barriers/Time" and s.told == told
    assert s.status() == f"maria · 1 segment · turn 2/4 · 1 sentence, 2 words · {told}"
    s.sentence(1)
    assert s.told == "" and s.status().endswith("c code · x remove · u undo · / search · ? keys")


# -- every action, undone and redone exactly --------------------------------------------------------


def _code_time(s):
    s.sentence(1)
    return s.apply(code_id(s, "Barriers/Time"))


def _code_new_with_parents(s):
    s.sentence(1)
    return s.apply(*s.code_for("new", "Scheduling/Clinic hours"))


def _code_in_vivo(s):
    s.sentence(1)
    return s.apply(*s.code_for("in-vivo", None))


def _remove(s):
    (segment,) = s.mine_here()
    return s.remove(segment)


def _change_code(s):
    (segment,) = s.mine_here()
    return s.update(segment, code_id=code_id(s, "Accountability mechanisms/Trust"))


def _memo(s):
    (segment,) = s.mine_here()
    return s.memo(segment, "the core complaint")


def _remove_memo(s):
    (segment,) = s.mine_here()
    return s.memo(segment, "")


def _bounds(s):
    (segment,) = s.mine_here()
    s.adjust(segment)
    s.extend_sentence(1)
    return s.set_bounds()


def _correct(s):
    start = s.doc.text.index("no hour")
    result = s.correct(start, start + len("no hour"), "not one hour")
    s.reopen(result[1])
    return result[0]


def _with_a_suggested_segment(s):
    """A segment with a memo and origin "suggested" (as accepting a suggestion makes)."""
    s.sentence(1)
    start, end = s.selection
    add_segment(
        s.store,
        transcript_id=1,
        code_id=code_id(s, "Barriers/Time"),
        coder="maria",
        start=start,
        end=end,
        memo="suggested (pattern, 0.80): no time",
        origin="suggested",
    )
    s.reload()


def _propose(s):
    from workbench.suggest import Suggestion

    start, end = s.doc.sentences[1]
    s.proposals = [
        Suggestion(1, start, end, code_id(s, "Barriers/Time"), "Barriers/Time", "pattern", 0.8, "no time"),
        Suggestion(
            1,
            start,
            end,
            code_id(s, "Accountability mechanisms/Trust"),
            "Accountability mechanisms/Trust",
            "keyword",
            0.5,
            "trust",
        ),
    ]


def _accept(s):
    assert s.next_proposal() and selected(s) == "Time, mostly."
    return s.accept_proposal()


ACTIONS = {
    "code": (None, _code_time, "coded “Time, mostly.” as Barriers/Time"),
    "code with new codes": (None, _code_new_with_parents, "coded “Time, mostly.” as Scheduling/Clinic hours"),
    "in-vivo code": (None, _code_in_vivo, "coded “Time, mostly.” as In vivo/Time, mostly"),
    "remove": (_with_a_suggested_segment, _remove, "Removed Barriers/Time from “Time, mostly.”."),
    "change code": (
        _with_a_suggested_segment,
        _change_code,
        "Changed Barriers/Time to Accountability mechanisms/Trust.",
    ),
    "memo": (_code_time, _memo, "Changed the memo on Barriers/Time."),
    "remove memo": (_with_a_suggested_segment, _remove_memo, "Removed the memo on Barriers/Time."),
    "boundaries": (
        _with_a_suggested_segment,
        _bounds,
        "Moved the boundaries of Barriers/Time: now “Time, mostly. Everybody is seeing…” (20 words).",
    ),
    "correction": (_code_time, _correct, None),
    "accept a suggestion": (_propose, _accept, "accepted Barriers/Time"),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_is_undone_and_redone_exactly(session, name):
    s = session
    setup, act, said = ACTIONS[name]
    if setup:
        setup(s)
    before = state(s.store)
    s.history.undo_stack.clear()
    told = act(s)
    after = state(s.store)
    assert after != before
    if said:
        assert told == said
    for _ in range(2):  # there and back twice: the second round acts on restored rows
        assert s.undo() is not None
        if s.history.redo_stack[-1].kind in ("edit", "unedit"):
            s.reopen()
        assert state(s.store) == before, name
        assert s.told.startswith("Undid: ")
        assert s.redo() is not None
        if s.history.undo_stack[-1].kind in ("edit", "unedit"):
            s.reopen()
        assert state(s.store) == after, name
        assert s.told.startswith("Redid: ")
    assert len(s.history.undo_stack) == 1 and s.history.redo_stack == []
    assert s.undo() is not None and s.undo() is None and s.redo() is not None and s.redo() is None


def test_undo_restores_memo_and_origin_and_the_view_of_the_coding(session):
    s = session
    _with_a_suggested_segment(s)
    (segment,) = s.mine_here()
    s.remove(segment)
    assert s.doc.segments == [] and s.use.get(segment.code_id, 0) == 0
    s.undo()
    assert s.told == "Undid: removed Barriers/Time from “Time, mostly.”."
    (restored,) = s.doc.segments
    assert (restored.memo, restored.origin) == ("suggested (pattern, 0.80): no time", "suggested")
    assert s.use[segment.code_id] == 1  # the quick-code counts follow


def test_an_accepted_suggestion_is_coded_as_suggested_and_a_rejected_one_is_gone(session):
    s = session
    _propose(s)
    _accept(s)
    (segment,) = s.doc.segments
    assert (segment.origin, segment.memo) == ("suggested", "suggested (pattern, 0.80): no time")
    assert [p.code for p in s.proposals] == ["Accountability mechanisms/Trust"]
    assert s.reject_proposal() == "rejected Accountability mechanisms/Trust; it will not be suggested again"
    assert s.proposals == [] and s.accept_proposal() is None and s.reject_proposal() is None
    assert len(s.history.undo_stack) == 1  # a rejection is not a coding action


def test_undo_of_new_codes_removes_them_and_redo_makes_them_again(session):
    s = session
    _code_new_with_parents(s)
    assert {"Scheduling", "Scheduling/Clinic hours"} <= set(c.path for c in s.codes.values())
    s.undo()
    assert not any(c.path.startswith("Scheduling") for c in s.store.codes(counts=False))
    assert not any(c.path.startswith("Scheduling") for c in s.codes.values())
    s.redo()
    (segment,) = s.doc.segments
    assert segment.code == "Scheduling/Clinic hours"


# -- steps that cannot be carried out --------------------------------------------------------------


def test_an_undo_that_fails_keeps_the_action_and_says_why(project, session):
    _, path = project
    s = session
    _code_time(s)
    _memo(s)
    stack = list(s.history.undo_stack)
    (segment,) = s.mine_here()
    elsewhere(path, f"coding.remove_segment(store, {segment.id}, coder='james')")  # another coder, meanwhile
    told = s.told
    for _ in range(2):  # as often as it is tried
        with pytest.raises(UndoError) as caught:
            s.undo()
        assert f"no segment {segment.id}" in str(caught.value) and "The action is kept" in str(caught.value)
        assert s.history.undo_stack == stack and s.history.redo_stack == []
    assert s.told == told
    assert s.doc.segments == []  # the coding as it is now


def test_a_redo_that_fails_half_way_changes_nothing(project, session):
    """Redoing a coding that made codes makes them again, then codes the passage; when the passage
    is gone (the text was shortened elsewhere), the codes are not left behind either."""
    _, path = project
    s = session
    s.move_to(*s.doc.sentences[-1])
    s.apply(*s.code_for("new", "Scheduling/Clinic hours"))
    s.undo()
    before = state(s.store)
    start = s.doc.text.index("Interviewer: How do")
    elsewhere(path, f"transcript_edit.replace_passage(store, 1, {start}, {len(s.doc.text)}, 'x', coder='james')")
    changed = state(s.store)
    assert changed != before
    with pytest.raises(UndoError, match="outside the transcript"):
        s.redo()
    assert state(s.store) == changed  # no code "Scheduling" made again
    assert len(s.history.redo_stack) == 1 and s.history.undo_stack == []


def test_refused_changes_change_nothing(session):
    s = session
    s.sentence(1)
    s.apply(code_id(s, "Barriers/Time"))
    before = state(s.store), list(s.history.undo_stack)
    with pytest.raises(WorkbenchError, match="already coded"):
        s.apply(code_id(s, "Barriers/Time"))
    with pytest.raises(WorkbenchError, match="already exists"):
        s.code_for("new", "Barriers/Time")
    assert s.set_bounds() is None  # nothing being adjusted
    assert s.memo_transcript("   ") is None
    assert s.correct(*s.selection, selected(s)) is None  # the same words: nothing to correct
    assert (state(s.store), s.history.undo_stack) == before


# -- the quick-code keys ---------------------------------------------------------------------------


def test_pins_come_first_are_kept_per_coder_and_stop_at_nine(project, session):
    store, _ = project
    s = session
    s.sentence(1)
    time, trust = code_id(s, "Barriers/Time"), code_id(s, "Accountability mechanisms/Trust")
    s.apply(time)
    s.apply(trust)
    s.count_use(time, 5)
    assert [c.id for c in s.frequent] == [time, trust] and s.quick_code(1).id == time
    segment = next(g for g in s.mine_here() if g.code_id == trust)
    assert s.pin(segment) == "Pinned Accountability mechanisms/Trust to key 1."
    assert [c.id for c in s.frequent] == [trust, time]
    again = CodingSession(store, 1, "maria")
    assert again.pinned == [trust] and CodingSession(store, 1, "james").pinned == []
    assert s.pin(segment) == "Unpinned Accountability mechanisms/Trust." and s.pinned == []
    s.pinned[:] = list(range(1000, 1009))
    with pytest.raises(WorkbenchError, match="Nine codes are pinned already"):
        s.pin(segment)
    assert s.quick_code(10) is None


@pytest.mark.sqlite_only("a read-only file")
def test_on_a_read_only_project_every_change_is_refused_and_nothing_is_kept(project, session):
    store, location = project
    path = Path(location)
    s = session
    s.sentence(1)
    s.apply(code_id(s, "Barriers/Time"))
    (segment,) = s.mine_here()
    path.chmod(0o444)
    try:
        ro = Store.open(path)
        assert ro.read_only
        r = CodingSession(ro, 1, "maria")
        r.open(r.read(), s.selection)
        for change in (
            lambda: r.pin(segment),
            lambda: r.apply(code_id(r, "Accountability mechanisms/Trust")),
            lambda: r.remove(segment),
            lambda: r.memo(segment, "a memo"),
        ):
            with pytest.raises(WorkbenchError, match="read-only"):
                change()
        assert r.pinned == [] and r.history.undo_stack == [] and len(r.doc.segments) == 1
        ro.close()
    finally:
        path.chmod(0o644)
