"""The undo history's records: typed and frozen, renumbered as a whole when a removed segment
comes back with a new id (the behaviour of each step is tested through the session in
test_session.py)."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.undo import Action, Correction, SegmentState, UndoError, UndoHistory


def segment(segment_id: int, code_id: int = 7, start: int = 0, end: int = 5) -> SegmentState:
    return SegmentState(segment_id, 1, code_id, "maria", start, end, memo="m", origin="suggested")


def test_records_are_frozen_and_a_correction_has_no_segment():
    action = Action("add", segment(3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.kind = "remove"
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.segment.id = 4
    with pytest.raises(UndoError, match="has no segment"):
        _ = Action("edit", Correction(1, 0, 3, "abc", "xyz")).segment


def test_renumbering_reaches_every_step_on_the_old_segment_and_no_other():
    history = UndoHistory()
    steps = [
        Action("add", segment(3)),
        Action("update", segment(3), segment(3, code_id=8)),
        Action("add", segment(4)),
        Action("edit", Correction(1, 0, 3, "abc", "xyz")),
    ]
    for step in steps:
        history.done(step)
    history.redo_stack.append(Action("remove", segment(3)))
    history._renumber(3, 9)
    assert [(a.kind, a.before.start, getattr(a.before, "id", None)) for a in history.undo_stack] == [
        ("add", 0, 9),
        ("update", 0, 9),
        ("add", 0, 4),
        ("edit", 0, None),
    ]
    assert history.undo_stack[1].after == segment(9, code_id=8)
    assert history.redo_stack == [Action("remove", segment(9))]
    assert steps[0].segment.id == 3  # the records handed in are not changed in place
    history.done(Action("add", segment(5)))
    assert history.redo_stack == []  # a new action clears what could be redone
