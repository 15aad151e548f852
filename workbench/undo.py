"""Undo and redo of coding actions and corrections, independent of any screen.

An :class:`Action` is what was done and to what: ``add`` (a segment made) and ``remove`` (a
segment removed) carry the segment as a :class:`SegmentState` (code, coder, passage, memo,
origin); ``update`` (a change of code, boundaries or memo) carries the segment before and after;
``edit`` and ``unedit`` (a correction of the text and its undoing) carry a :class:`Correction`.
Undoing carries out the opposite through the same use cases as the CLI (so each step is committed
and audited at once) and moves the opposite action to the other stack. A step runs in one
transaction: one that fails (another coder removed the segment meanwhile, say) changes nothing,
leaves the action where it was, and the error says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from workbench import coding
from workbench.errors import WorkbenchError
from workbench.models import Segment
from workbench.store import Store

Kind = Literal["add", "remove", "update", "edit", "unedit"]


class UndoError(WorkbenchError):
    """An undo or redo step could not be carried out; the action stays on its stack."""


@dataclass(frozen=True, slots=True)
class SegmentState:
    """A segment as undo needs it to make it again or put it back as it was."""

    id: int
    transcript_id: int
    code_id: int
    coder: str
    start: int
    end: int
    memo: str | None = None
    origin: str = "manual"
    created_code_ids: tuple[int, ...] = ()  # codes made for this coding, parents first (undo removes them)
    created_paths: tuple[str, ...] = ()  # codes that undo removed, parents first (redo makes them again)
    code_path: str | None = None  # the code's path when its id is gone with it

    @classmethod
    def of(cls, segment: Segment, created: tuple[int, ...] | list[int] = ()) -> SegmentState:
        return cls(
            segment.id,
            segment.transcript_id,
            segment.code_id,
            segment.coder,
            segment.start,
            segment.end,
            segment.memo,
            segment.origin,
            created_code_ids=tuple(created),
        )


@dataclass(frozen=True, slots=True)
class Correction:
    """A correction of a transcript's text: ``old`` at ``start`` became ``new`` (ending at ``end``)."""

    transcript_id: int
    start: int
    end: int
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Action:
    """One step of the history: what was done (``kind``) to what (``before``, and ``after`` for an
    update)."""

    kind: Kind
    before: SegmentState | Correction
    after: SegmentState | None = None

    @classmethod
    def added(cls, segment: Segment, created: tuple[int, ...] | list[int] = ()) -> Action:
        return cls("add", SegmentState.of(segment, created))

    @classmethod
    def removed(cls, segment: Segment) -> Action:
        return cls("remove", SegmentState.of(segment))

    @classmethod
    def updated(cls, before: Segment, after: Segment) -> Action:
        return cls("update", SegmentState.of(before), SegmentState.of(after))

    @property
    def segment(self) -> SegmentState:
        """The segment acted on (an :class:`UndoError` for a correction of the text)."""
        if not isinstance(self.before, SegmentState):
            raise UndoError(f"the {self.kind} of a passage has no segment.")
        return self.before

    def renumbered(self, old: int, new: int) -> Action:
        """This action with segment ``old`` read as ``new`` (a restored segment has a new id)."""
        before, after = self.before, self.after
        if isinstance(before, SegmentState) and before.id == old:
            before = replace(before, id=new)
        if after is not None and after.id == old:
            after = replace(after, id=new)
        return replace(self, before=before, after=after)


@dataclass(slots=True)
class UndoHistory:
    undo_stack: list[Action] = field(default_factory=list)
    redo_stack: list[Action] = field(default_factory=list)

    def done(self, action: Action) -> None:
        """Record an action just carried out (a new action clears what could be redone)."""
        self.undo_stack.append(action)
        self.redo_stack.clear()

    def undo(self, store: Store, coder: str | None) -> Action:
        """Undo the latest action; returns the action carried out. Raises :class:`UndoError`
        (and keeps the action) when it cannot be undone."""
        return self._step(store, coder, self.undo_stack, self.redo_stack, "undo")

    def redo(self, store: Store, coder: str | None) -> Action:
        return self._step(store, coder, self.redo_stack, self.undo_stack, "redo")

    def _step(self, store: Store, coder: str | None, source: list[Action], target: list[Action], verb: str) -> Action:
        if not source:
            raise UndoError(f"nothing to {verb}.")
        action = source[-1]
        try:
            with store.transaction():  # all of the step or none of it (codes made again, say)
                inverse = _invert(store, coder, action)
        except WorkbenchError as exc:
            raise UndoError(
                f"could not {verb} ({_describe(action)}): {exc.message} The action is kept; "
                "reload the transcript to see the current coding.",
                hint=exc.hint,
            ) from exc
        source.pop()
        target.append(inverse)
        if action.kind == "remove":  # a restored segment has a new id
            self._renumber(action.segment.id, inverse.segment.id)
        return inverse

    def _renumber(self, old: int, new: int) -> None:
        """A restored segment has a new id: later steps on the old one act on the restored one."""
        for stack in (self.undo_stack, self.redo_stack):
            stack[:] = [action.renumbered(old, new) for action in stack]


def _invert(store: Store, coder: str | None, action: Action) -> Action:
    """Carry out the opposite of ``action``; returns the action that would undo that."""
    kind, first, second = action.kind, action.before, action.after
    if isinstance(first, Correction):
        from workbench.transcript_edit import replace_passage, undo_last_edit

        if kind == "edit":  # a correction of the text: undone exactly (text, turns, segments)
            undo_last_edit(store, first.transcript_id, coder=coder)
            return Action("unedit", replace(first, end=first.start + len(first.old)))
        if kind == "unedit":
            replace_passage(
                store, first.transcript_id, first.start, first.start + len(first.old), first.new, coder=coder
            )
            return Action("edit", replace(first, end=first.start + len(first.new)))
        raise UndoError(f"unknown action {kind!r}.")
    if kind == "add":
        coding.remove_segment(store, first.id, coder=coder)
        return Action("remove", _drop_created(store, first, coder))
    if kind == "remove" and first.created_paths:
        return Action("add", _recreate(store, first, coder))
    if kind == "remove":
        return Action("add", SegmentState.of(_add(store, first, first.code_id)))
    if kind == "update":
        restored = coding.update_segment(
            store, first.id, coder=coder, code_id=first.code_id, start=first.start, end=first.end, memo=first.memo
        )
        return Action("update", replace(second or first, id=first.id), SegmentState.of(restored))
    raise UndoError(f"unknown action {kind!r}.")


def _add(store: Store, segment: SegmentState, code_id: int) -> Segment:
    return coding.add_segment(
        store,
        transcript_id=segment.transcript_id,
        code_id=code_id,
        coder=segment.coder,
        start=segment.start,
        end=segment.end,
        memo=segment.memo,
        origin=segment.origin or "manual",
    )


def _drop_created(store: Store, segment: SegmentState, coder: str | None) -> SegmentState:
    """Undoing the first use of codes the picker made for it (``created_code_ids``, parents first)
    removes those codes again, when nothing else uses them; redo makes them again."""
    ids = segment.created_code_ids
    if not ids:
        return segment
    paths = {c.id: c.path for c in store.codes(counts=False)}
    dropped = [paths[i] for i in reversed(ids) if i in paths and coding.remove_unused_code(store, i, coder=coder)]
    if not dropped:
        return segment
    return replace(
        segment, created_paths=tuple(dropped[::-1]), code_path=paths.get(segment.code_id), created_code_ids=()
    )


def _recreate(store: Store, segment: SegmentState, coder: str | None) -> SegmentState:
    before = {c.id for c in store.codes(counts=False)}
    for path in segment.created_paths:
        if not any(c.path.casefold() == path.casefold() for c in store.codes(counts=False)):
            coding.create_code(store, path, coder=coder)
    code = coding.resolve_code(store, segment.code_path or segment.created_paths[-1])
    restored = _add(store, segment, code.id)
    return SegmentState.of(restored, [c.id for c in store.codes(counts=False) if c.id not in before])


def _describe(action: Action) -> str:
    what = {
        "add": "coding",
        "remove": "removal",
        "update": "change",
        "edit": "correction",
        "unedit": "undone correction",
    }.get(action.kind, action.kind)
    about = action.before
    return f"the {what} of segment {about.id if isinstance(about, SegmentState) else None}"
