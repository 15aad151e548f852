"""Undo and redo of coding actions and corrections, independent of any screen.

An action is ``(kind, first, second)``: ``("add", segment, None)`` for a segment made,
``("remove", segment, None)`` for a segment removed (the full row: code, coder, passage, memo,
origin), ``("update", before, after)`` for a change of code, boundaries or memo (``before``
carries the segment's id). Undoing carries out the opposite through the same use cases as the
CLI (so each step is committed and audited at once) and moves the opposite action to the other
stack. A step runs in one transaction: one that fails (another coder removed the segment
meanwhile, say) changes nothing, leaves the action where it was, and the error says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench import coding
from workbench.errors import WorkbenchError
from workbench.models import as_dict
from workbench.store import Store

Action = tuple[str, dict[str, Any], dict[str, Any] | None]
FIELDS = ("code_id", "start", "end", "memo")


class UndoError(WorkbenchError):
    """An undo or redo step could not be carried out; the action stays on its stack."""


@dataclass(slots=True)
class UndoHistory:
    undo_stack: list[Action] = field(default_factory=list)
    redo_stack: list[Action] = field(default_factory=list)

    def done(self, action: Action) -> None:
        """Record an action just carried out (a new action clears what could be redone). A segment
        record in it is kept as a dict of its fields (later steps renumber it in place)."""
        kind, first, second = action
        action = (kind, _fields(first), None if second is None else _fields(second))
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
        if action[0] == "remove":  # a restored segment has a new id
            self._renumber(action[1]["id"], inverse[1]["id"])
        return inverse

    def _renumber(self, old: int, new: int) -> None:
        """A restored segment has a new id: later steps on the old one act on the restored one."""
        for stack in (self.undo_stack, self.redo_stack):
            for _, first, second in stack:
                for part in (first, second):
                    if part is not None and part.get("id") == old:
                        part["id"] = new


def _fields(part: Any) -> dict[str, Any]:
    return part if isinstance(part, dict) else as_dict(part)


def _invert(store: Store, coder: str | None, action: Action) -> Action:
    """Carry out the opposite of ``action``; returns the action that would undo that."""
    kind, first, second = action
    if kind == "add":
        coding.remove_segment(store, first["id"], coder=coder)
        return ("remove", first | _drop_created(store, first, coder), None)
    if kind == "remove" and first.get("created_paths"):
        return ("add", _recreate(store, first, coder), None)
    if kind == "remove":
        restored = as_dict(
            coding.add_segment(
                store,
                transcript_id=first["transcript_id"],
                code_id=first["code_id"],
                coder=first["coder"],
                start=first["start"],
                end=first["end"],
                memo=first.get("memo"),
                origin=first.get("origin") or "manual",
            )
        )
        return ("add", restored, None)
    if kind == "edit":  # a correction of the text: undone exactly (text, turns, segments)
        from workbench.transcript_edit import undo_last_edit

        undo_last_edit(store, first["transcript_id"], coder=coder)
        return ("unedit", first | {"end": first["start"] + len(first["old"])}, None)
    if kind == "unedit":
        from workbench.transcript_edit import replace_passage

        replace_passage(
            store, first["transcript_id"], first["start"], first["start"] + len(first["old"]), first["new"], coder=coder
        )
        return ("edit", first | {"end": first["start"] + len(first["new"])}, None)
    if kind == "update":
        segment_id = first["id"]
        coding.update_segment(store, segment_id, coder=coder, **{k: first[k] for k in FIELDS})
        return ("update", (second or {}) | {"id": segment_id}, {k: first[k] for k in FIELDS})
    raise UndoError(f"unknown action {kind!r}.")


def _drop_created(store: Store, segment: dict[str, Any], coder: str | None) -> dict[str, Any]:
    """Undoing the first use of codes the picker made for it (``created_code_ids``, parents first)
    removes those codes again, when nothing else uses them; redo makes them again."""
    ids = segment.get("created_code_ids") or []
    if not ids:
        return {}
    paths = {c.id: c.path for c in store.codes(counts=False)}
    dropped = [paths[i] for i in reversed(ids) if i in paths and coding.remove_unused_code(store, i, coder=coder)]
    if not dropped:
        return {}
    return {"created_paths": dropped[::-1], "code_path": paths.get(segment["code_id"]), "created_code_ids": []}


def _recreate(store: Store, segment: dict[str, Any], coder: str | None) -> dict[str, Any]:
    before = {c.id for c in store.codes(counts=False)}
    for path in segment["created_paths"]:
        if not any(c.path.casefold() == path.casefold() for c in store.codes(counts=False)):
            coding.create_code(store, path, coder=coder)
    code = coding.resolve_code(store, segment.get("code_path") or segment["created_paths"][-1])
    restored = as_dict(
        coding.add_segment(
            store,
            transcript_id=segment["transcript_id"],
            code_id=code.id,
            coder=segment["coder"],
            start=segment["start"],
            end=segment["end"],
            memo=segment.get("memo"),
            origin=segment.get("origin") or "manual",
        )
    )
    restored["created_code_ids"] = [c.id for c in store.codes(counts=False) if c.id not in before]
    return restored


def _describe(action: Action) -> str:
    kind, first, _ = action
    what = {
        "add": "coding",
        "remove": "removal",
        "update": "change",
        "edit": "correction",
        "unedit": "undone correction",
    }.get(kind, kind)
    return f"the {what} of segment {first.get('id')}"
