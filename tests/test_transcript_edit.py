"""Editing a transcript after coding: every segment is carried over, none is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench import coding, transcript_edit
from workbench.errors import WorkbenchError
from workbench.project import import_transcripts
from workbench.retext import OffsetMap, Replacement, diff_blocks, move_span, replacement_blocks
from workbench.store import Store

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

WORDS = [
    "care",
    "team",
    "clinic",
    "the",
    "referral",
    "food",
    "partner",
    "data",
    "we",
    "said",
    "Bayline",
    "naïve",
    "café",
    "한국",
    "trust",
    "x",
]


def _text(draw_words: list[str], seps: list[str]) -> str:
    out = []
    for word, sep in zip(draw_words, seps):
        out.append(word + sep)
    return "".join(out)


texts = st.builds(
    _text,
    st.lists(st.sampled_from(WORDS), min_size=3, max_size=40),
    st.lists(st.sampled_from([" ", " ", ", ", ". ", "\n\n", "? "]), min_size=40, max_size=40),
)


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, str, list[tuple[int, int]]]:
    old = draw(texts)
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", old)]
    spans = []
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(words) - 1))
        j = draw(st.integers(i, min(len(words) - 1, i + 5)))
        spans.append((words[i][0], words[j][1]))
    new = old
    for _ in range(draw(st.integers(1, 4))):  # random edits: replace, insert or delete a stretch
        if not new:
            break
        a = draw(st.integers(0, len(new)))
        b = draw(st.integers(a, min(len(new), a + 15)))
        new = new[:a] + draw(st.sampled_from(["", "word ", "Dr. X", "\n", "naïve ", "한"])) + new[b:]
    return old, new, spans


def _untouched(old: str, new: str, start: int, end: int, blocks) -> bool:  # noqa: ANN001
    """Independent check: the span lies inside one equal block of the diff."""
    return any(b.equal and b.a0 <= start and end <= b.a1 for b in blocks)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_every_untouched_segment_keeps_exactly_its_text(case: tuple[str, str, list[tuple[int, int]]]) -> None:
    old, new, spans = case
    blocks = diff_blocks(old, new)
    # The blocks reassemble both texts exactly.
    assert "".join(old[b.a0 : b.a1] for b in blocks) == old
    assert "".join(new[b.b0 : b.b1] for b in blocks) == new
    assert all(old[b.a0 : b.a1] == new[b.b0 : b.b1] for b in blocks if b.equal)
    mapping = OffsetMap(blocks, len(old), len(new))
    for start, end in spans:
        moved = move_span(mapping, old, new, start, end)
        assert 0 <= moved.start <= moved.end <= len(new)
        if _untouched(old, new, start, end, blocks):
            assert moved.status == "same"
            assert new[moved.start : moved.end] == old[start:end]
        if moved.status == "same":
            assert new[moved.start : moved.end] == old[start:end]


@settings(max_examples=200, deadline=None)
@given(texts, st.data())
def test_known_replacements_map_exactly(old: str, data: st.DataObject) -> None:
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", old)]
    chosen = sorted(set(data.draw(st.lists(st.sampled_from(words), max_size=5))))
    reps = [Replacement(a, b, "[Person]") for a, b in chosen]
    new, blocks = replacement_blocks(old, reps)
    expected = old
    for a, b in reversed(chosen):
        expected = expected[:a] + "[Person]" + expected[b:]
    assert new == expected
    mapping = OffsetMap(blocks, len(old), len(new))
    for a, b in chosen:  # a replaced word maps onto its pseudonym
        assert new[mapping.start(a) : mapping.end(b)] == "[Person]"


def test_diff_is_linear_enough_for_long_transcripts() -> None:
    """A one-word correction in a 200,000-word transcript is diffed from prefix and suffix."""
    old = " ".join(f"w{i}" for i in range(200_000))
    new = old.replace("w100000 ", "corrected ", 1)
    blocks = diff_blocks(old, new)
    assert sum(not b.equal for b in blocks) == 1


# -- through the store ---------------------------------------------------------------------------


@pytest.fixture
def coded(store: Store, tmp_path: Path) -> tuple[Store, int, int]:
    path = tmp_path / "site" / "interview.txt"
    path.parent.mkdir()
    path.write_text(
        "Interviewer: How did the partnership start?\n\n"
        "Dr. Natarajan: Bayline put all of its practices into Lakeshore in 2020. "
        "The food pantry on Division Street was where our patients went. "
        "Nobody had time for the data report.\n",
        encoding="utf-8",
    )
    (result,) = import_transcripts(store, [path])
    tid = result.transcript_id
    code = coding.create_code(store, "Mandates", coder="maria")
    return store, tid, code.id


def _add(store: Store, tid: int, code_id: int, quote: str, coder: str = "maria", memo: str | None = None) -> int:
    text = store.transcript_text(tid) or ""
    start = text.index(quote)
    return int(
        coding.add_segment(
            store, transcript_id=tid, code_id=code_id, coder=coder, start=start, end=start + len(quote), memo=memo
        ).id
    )


def test_an_edit_carries_segments_and_flags_the_changed_and_vanished(coded: tuple[Store, int, int]) -> None:
    store, tid, code_id = coded
    before = _add(store, tid, code_id, "Bayline put all of its practices")
    inside = _add(store, tid, code_id, "The food pantry on Division Street was where our patients went.", memo="key")
    gone = _add(store, tid, code_id, "Nobody had time", coder="james")
    after = _add(store, tid, code_id, "data report")
    text = store.transcript_text(tid) or ""
    new = text.replace("Division Street", "[Street]").replace("Nobody had time for", "").replace("How did", "When did")
    report = transcript_edit.edit_text(store, tid, new, coder="maria")
    assert report.segments == 4
    assert report.changed == [inside]
    assert report.vanished == [gone]
    segs = {s.id: s for s in store.segments(transcript_id=tid)}
    assert len(segs) == 4  # nothing dropped
    new_text = store.transcript_text(tid) or ""
    assert new_text[segs[before].start : segs[before].end] == "Bayline put all of its practices"
    assert new_text[segs[after].start : segs[after].end] == "data report"
    assert segs[inside].text == "The food pantry on [Street] was where our patients went."
    assert segs[inside].memo == "key"
    flagged = {s.id: s for s in transcript_edit.review_list(store, tid)}
    assert flagged[inside].review == "changed"
    assert flagged[gone].review == "vanished" and "Nobody had time" in flagged[gone].review_note
    # The search index follows the new text.
    assert store.search_turns('"Street"') and store.search_turns("Division") == []
    # One audited action, undone exactly.
    undo = transcript_edit.undo_last_edit(store, tid, coder="maria")
    assert undo.segments == 4
    assert store.transcript_text(tid) == text
    restored = {s.id: s for s in store.segments(transcript_id=tid)}
    for sid in (before, inside, gone, after):
        assert text[restored[sid].start : restored[sid].end] == restored[sid].text
    assert restored[gone].text == "Nobody had time"
    assert transcript_edit.review_list(store, tid) == []
    with pytest.raises(WorkbenchError, match="no edit to undo"):
        transcript_edit.undo_last_edit(store, tid, coder="maria")


def test_replace_a_selection_and_rename_a_speaker(coded: tuple[Store, int, int]) -> None:
    store, tid, code_id = coded
    seg = _add(store, tid, code_id, "Lakeshore in 2020")
    text = store.transcript_text(tid) or ""
    start = text.index("Bayline")
    report = transcript_edit.replace_passage(
        store, tid, start, start + len("Bayline"), "[Health System]", coder="maria"
    )
    assert report.changed == [] and report.moved == 1
    assert store.segment(seg).text == "Lakeshore in 2020"
    old = transcript_edit.set_speaker(store, tid, 2, "Physician A", coder="maria")
    assert old == "Dr. Natarajan"
    assert store.turns(tid)[1].speaker == "Physician A"
    with pytest.raises(WorkbenchError, match="no turn 9"):
        transcript_edit.set_speaker(store, tid, 9, "X", coder="maria")


def test_update_from_a_corrected_file(coded: tuple[Store, int, int], tmp_path: Path) -> None:
    store, tid, code_id = coded
    seg = _add(store, tid, code_id, "where our patients went")
    fixed = tmp_path / "fixed.txt"
    fixed.write_text(
        "Interviewer: How did the partnership start?\n\n"
        "Dr. Natarajan: Bayline put all its practices into Lakeshore in 2020. "
        "The food pantry on Division Street was where our patients went. "
        "Nobody had time for the data report.\n\nInterviewer: Thank you.\n",
        encoding="utf-8",
    )
    report = transcript_edit.update_from_file(store, tid, fixed, coder="maria")
    assert not report.unchanged
    assert store.segment(seg).text == "where our patients went"
    assert [t.speaker for t in store.turns(tid)] == ["Interviewer", "Dr. Natarajan", "Interviewer"]
    turns = store.turns(tid)
    text = store.transcript_text(tid) or ""
    assert text[turns[2].start : turns[2].end] == "Thank you."


def test_a_renamed_speaker_keeps_its_case(coded: tuple[Store, int, int]) -> None:
    store, tid, _ = coded
    before = {r.speaker: (r.participant, r.role) for r in store.speaker_rows(tid)}
    assert "Dr. Natarajan" in before
    transcript_edit.set_speaker(store, tid, 2, "Physician A", coder="maria")
    after = {r.speaker: (r.participant, r.role) for r in store.speaker_rows(tid)}
    assert "Dr. Natarajan" not in after  # no turn has that name any more
    assert after["Physician A"] == before["Dr. Natarajan"]
