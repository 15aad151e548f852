"""A coding session: one coder reading and coding one transcript, without any screen.

The coding screen draws a :class:`CodingSession` and binds keys to it; what a key does to the
selection (:mod:`workbench.selection`) or to the project happens here, through the same use cases
as the CLI, so every step is committed and audited at once, and undone and redone exactly
(:mod:`workbench.undo`). A method that changes the project returns what to tell the coder (also
kept in ``told``, the status line's words) and raises a :class:`WorkbenchError` when the change
cannot be made; nothing is changed then.

The session uses one store on one thread (the screen's). Reading a transcript can run elsewhere:
:func:`read_transcript` takes any store (a worker's own) and :meth:`CodingSession.open` takes
what it read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workbench import coding
from workbench.errors import WorkbenchError
from workbench.models import Code
from workbench.reading import Document, ShownSegment, load_document, load_segments, other_coders_spans
from workbench.selection import Selection, Span
from workbench.undo import Action, Correction, SegmentState, UndoError, UndoHistory
from workbench.wording import plural

if TYPE_CHECKING:
    from workbench.store import Store
    from workbench.suggest import Suggestion

__all__ = [
    "Action",
    "CodeAnswer",
    "CodingSession",
    "Correction",
    "Opened",
    "SegmentState",
    "UndoError",
    "UndoHistory",
    "read_transcript",
]

HINTS = "c code · x remove · u undo · / search · ? keys"

# What the code picker answers: an existing code, a new code by its path, or an in-vivo code.
CodeAnswer = tuple[Literal["code"], int] | tuple[Literal["new"], str] | tuple[Literal["in-vivo"], None]


@dataclass(slots=True)
class Opened:
    """What a session needs to show a transcript: read in one go, on any thread."""

    doc: Document
    codes: list[Code]
    use: dict[int, int]


def read_transcript(store: Store, transcript_id: int, coder: str, *, all_coders: bool = False) -> Opened:
    """The transcript, the codebook and the coder's code counts (for the quick-code keys)."""
    doc = load_document(store, transcript_id, coder, all_coders=all_coders)
    return Opened(doc, store.codes(counts=False), store.code_use(coder))


class CodingSession(Selection):
    """One coder on one transcript: the selection, the codes at hand, undo and redo."""

    def __init__(self, store: Store, transcript_id: int, coder: str) -> None:
        self.store = store
        self.transcript_id = transcript_id
        self.coder = coder
        self.doc: Document | None = None
        self.selection: Span = (0, 0)
        self.editing: ShownSegment | None = None  # the segment whose boundaries are being adjusted
        self.history = UndoHistory()
        self.recent: list[int] = []  # codes applied, latest first (the picker lists them first)
        self.all_coders = False
        self.hits: list[Span] = []
        self.proposals: list[Suggestion] = []
        self.others: list[tuple[int, int, str]] = []  # other coders' passages
        self.codes: dict[int, Code] = {}
        self.use: dict[int, int] = {}
        self.frequent: list[Code] = []
        self.told = ""
        self.pinned = self.load_pins()  # codes pinned to the first number keys, kept per coder

    # -- opening and reading again -------------------------------------------------------------

    def read(self) -> Opened:
        """Read the transcript on this session's own store (a screen reads on a worker instead)."""
        return read_transcript(self.store, self.transcript_id, self.coder, all_coders=self.all_coders)

    def open(self, opened: Opened, selection: Span | None = None) -> None:
        """Show what was read; the selection is ``selection``, else the first sentence."""
        self.doc = opened.doc
        self.codes = {c.id: c for c in opened.codes}
        self.use = opened.use
        self.rank_frequent()
        self.others = other_coders_spans(self.store, self.transcript_id, self.coder)
        if selection:
            self.selection = selection
        elif self.doc.sentences:
            self.selection = self.doc.sentences[0]

    def reload(self, *, codes: bool = False) -> None:
        """Re-read this transcript's segments (and with ``codes``, the codebook, the coder's code
        counts and other coders' passages) after a change; the text, sentences and layout stay."""
        if self.doc is None:
            return
        if codes:
            self.codes = {c.id: c for c in self.store.codes(counts=False)}
            self.use = self.store.code_use(self.coder)
            self.rank_frequent()
            self.others = other_coders_spans(self.store, self.transcript_id, self.coder)
        self.doc.segments = load_segments(
            self.store, self.transcript_id, self.coder, all_coders=self.all_coders, codes=self.codes
        )

    def toggle_all_coders(self) -> str:
        from workbench.blind import HINT, BlindPhaseError, restricted

        if not self.all_coders and restricted(self.store):
            raise BlindPhaseError(
                "blind phase: other coders' coding stays hidden until the lead opens the phase.", hint=HINT
            )
        self.all_coders = not self.all_coders
        self.reload()
        return "Showing all coders' segments." if self.all_coders else f"Showing {self.coder}'s segments."

    # -- the quick-code keys -------------------------------------------------------------------

    def count_use(self, code_id: int, step: int) -> None:
        """Keep the coder's code counts (for the quick-code keys) without asking the database."""
        self.use[code_id] = max(0, self.use.get(code_id, 0) + step)
        self.rank_frequent()

    def rank_frequent(self) -> None:
        """The keys 1-9: pinned codes first, in the order pinned, then the most used."""
        pinned = [i for i in self.pinned if i in self.codes][:9]
        ranked = sorted(
            (i for i, n in self.use.items() if n > 0 and i in self.codes and i not in pinned),
            key=lambda i: (-self.use[i], i),
        )
        self.frequent = [self.codes[i] for i in (pinned + ranked)[:9]]

    def load_pins(self) -> list[int]:
        try:
            return [int(i) for i in json.loads(self.store.get_meta(f"pinned_codes:{self.coder}") or "[]")]
        except (ValueError, TypeError):
            return []

    def pin(self, segment: ShownSegment) -> str:
        """Pin the code of ``segment`` to the next number key, or unpin it; kept per coder."""
        code_id = segment.code_id
        if code_id in self.pinned:
            pinned = [i for i in self.pinned if i != code_id]
            said = f"Unpinned {segment.code}."
        elif len(self.pinned) >= 9:
            raise WorkbenchError("Nine codes are pinned already: unpin one first (= on it).")
        else:
            pinned = [*self.pinned, code_id]
            said = f"Pinned {segment.code} to key {len(pinned)}."
        with self.store.transaction():
            self.store.set_meta(f"pinned_codes:{self.coder}", json.dumps(pinned))
        self.pinned[:] = pinned
        self.rank_frequent()
        self.told = said
        return said

    def quick_code(self, number: int) -> Code | None:
        """The code on the number key ``number`` (1-9), if any."""
        return self.frequent[number - 1] if 1 <= number <= len(self.frequent) else None

    # -- coding --------------------------------------------------------------------------------

    def mine_here(self) -> list[ShownSegment]:
        """The coder's own segments under the selection."""
        if not self.doc:
            return []
        return [s for s in self.doc.covering(*self.selection) if s.coder == self.coder]

    def code_for(self, kind: str, value: int | str | None) -> tuple[int, list[int]]:
        """The code a picker's answer names: ``("code", id)``, ``("new", path)`` (made with any
        missing parents) or ``("in-vivo", _)`` (named after the selection). Returns its id and the
        ids of the codes made for it, parents first (undoing the coding removes them again)."""
        before = set(self.codes) or {c.id for c in self.store.codes(counts=False)}
        if kind == "new" and isinstance(value, str):
            code = coding.create_code(self.store, value, coder=self.coder, parents=True)
        elif kind == "in-vivo":
            text = self.doc.text[slice(*self.selection)] if self.doc else ""
            code = coding.create_in_vivo_code(self.store, text, coder=self.coder)
        elif kind == "code" and isinstance(value, int):
            return value, []
        else:
            raise WorkbenchError(f"no code is named by {kind} {value!r}.")
        self.codes = {c.id: c for c in self.store.codes()}
        return code.id, [i for i in self.codes if i not in before]

    def apply(self, code_id: int, created: list[int] | None = None) -> str:
        """Code the selection with ``code_id``."""
        start, end = self.selection
        segment = coding.add_segment(
            self.store, transcript_id=self.transcript_id, code_id=code_id, coder=self.coder, start=start, end=end
        )
        action = Action.added(segment, created or ())  # undoing this coding removes the codes made for it
        self.recent = [code_id] + [c for c in self.recent if c != code_id]
        self.told = self.describe(action)
        self.done(action)
        return self.told

    def remove(self, segment: ShownSegment) -> str:
        """Remove ``segment`` (one of the coder's own)."""
        action = Action.removed(coding.remove_segment(self.store, segment.id, coder=self.coder))
        said = self.describe(action)
        self.told = said[:1].upper() + said[1:] + "."
        self.done(action)
        return self.told

    def update(self, segment: ShownSegment, **changes: Any) -> str:
        """Change the code, boundaries or memo of ``segment``."""
        after = coding.update_segment(self.store, segment.id, coder=self.coder, **changes)
        action = Action.updated(segment, after)
        said = self.describe(action)
        self.told = said[:1].upper() + said[1:] + "."
        self.done(action)
        return self.told

    def memo(self, segment: ShownSegment, text: str) -> str:
        """Write (or with an empty text, remove) the memo on ``segment``."""
        return self.update(segment, memo=text or None)

    def adjust(self, segment: ShownSegment) -> None:
        """Start adjusting the boundaries of ``segment``: it is selected; :meth:`set_bounds` saves."""
        self.editing = segment
        self.move_to(segment.start, segment.end)

    def set_bounds(self) -> str | None:
        """The segment being adjusted takes the selection as its boundaries (None: none is)."""
        if not self.editing:
            return None
        segment, self.editing = self.editing, None
        return self.update(segment, start=self.selection[0], end=self.selection[1])

    def memo_transcript(self, text: str | None) -> str | None:
        """A memo on the transcript (nothing for an empty text)."""
        if not text or not text.strip():
            return None
        coding.add_memo(self.store, "transcript", self.transcript_id, text, coder=self.coder)
        return "Memo saved on the transcript."

    def done(self, action: Action) -> None:
        """Record an action just carried out, and re-read the segments."""
        self.track(action)
        self.history.done(action)
        self.reload()

    def track(self, action: Action) -> None:
        first, second = action.before, action.after
        if not isinstance(first, SegmentState):
            return
        if action.kind == "add":
            self.count_use(first.code_id, 1)
        elif action.kind == "remove":
            self.count_use(first.code_id, -1)
        elif action.kind == "update" and second and first.code_id != second.code_id:
            self.count_use(first.code_id, -1)
            self.count_use(second.code_id, 1)

    # -- suggestions ---------------------------------------------------------------------------

    def accept_proposal(self) -> str | None:
        """Code the suggestion under the selection (None: there is none)."""
        from workbench.suggest import accept

        proposal = self.proposal_here()
        if proposal is None:
            return None
        segment = accept(self.store, proposal, self.coder)
        self.proposals = [p for p in self.proposals if p is not proposal]
        self.told = f"accepted {proposal.code}"
        self.done(Action.added(segment))
        return self.told

    def reject_proposal(self) -> str | None:
        """Reject the suggestion under the selection for good (None: there is none)."""
        from workbench.suggest import reject

        proposal = self.proposal_here()
        if proposal is None:
            return None
        reject(self.store, proposal, self.coder)
        self.proposals = [p for p in self.proposals if p is not proposal]
        self.told = f"rejected {proposal.code}; it will not be suggested again"
        return self.told

    # -- correcting the transcript -------------------------------------------------------------

    def correct(self, start: int, end: int, value: str) -> tuple[str, Span] | None:
        """Replace ``text[start:end]`` with ``value``; the coding is carried over. Returns what to
        say and the span of the new words, to select once the transcript is read again (None:
        nothing to change)."""
        from workbench import transcript_edit

        if self.doc is None or value == self.doc.text[start:end]:
            return None
        old = self.doc.text[start:end]
        report = transcript_edit.replace_passage(self.store, self.transcript_id, start, end, value, coder=self.coder)
        new = self.store.transcript_text(self.transcript_id) or ""
        after = start + len(new) - len(self.doc.text) + (end - start)
        self.history.done(Action("edit", Correction(self.transcript_id, start, after, old, new[start:after])))
        self.told = (
            f"Corrected {self.snippet(start, end)} to “{new[start:after]}”; " + report.summary().split(": ", 1)[-1]
        )
        return self.told, (start, after)

    def rename_speaker(self, index: int, name: str) -> str:
        """Name the speaker of turn ``index`` (from 0)."""
        from workbench import transcript_edit

        old = transcript_edit.set_speaker(self.store, self.transcript_id, index + 1, name, coder=self.coder)
        self.told = f"Turn {index + 1} is now spoken by {name} (was {old or 'unnamed'})."
        return self.told

    # -- undo and redo -------------------------------------------------------------------------

    def undo(self) -> Action | None:
        """Undo the latest action; returns the action that would redo it (None: nothing to undo).
        Raises :class:`UndoError`, keeping the action, when it cannot be undone."""
        if not self.history.undo_stack:
            return None
        said = self.describe(self.history.undo_stack[-1])  # undo names the action undone
        inverse = self._step(self.history.undo)
        self.told = f"Undid: {said}."
        return inverse

    def redo(self) -> Action | None:
        """Redo the latest undone action (None: nothing to redo); as :meth:`undo`."""
        if not self.history.redo_stack:
            return None
        inverse = self._step(self.history.redo)
        self.told = f"Redid: {self.describe(inverse)}."
        return inverse

    def _step(self, step: Callable[[Store, str | None], Action]) -> Action:
        try:
            inverse = step(self.store, self.coder)
        except UndoError:
            self.reload()  # show the coding as it is now
            raise
        self.codes = {c.id: c for c in self.store.codes(counts=False)}  # a code may be gone or back
        self.rank_frequent()
        self.track(inverse)
        if inverse.kind not in ("edit", "unedit"):  # a changed text is read again whole (reopen)
            self.reload()
        return inverse

    def reopen(self, selection: Span | None = None) -> None:
        """Read the transcript again after its text changed (on this session's store)."""
        self.open(self.read(), selection)

    # -- in words ------------------------------------------------------------------------------

    def describe(self, action: Action) -> str:
        """A coding action in words, for the status line after doing, undoing or redoing it."""
        kind, first, after = action.kind, action.before, action.after
        if isinstance(first, Correction):
            return (
                f"corrected “{first.old}” to “{first.new}”"
                if kind == "edit"
                else f"put back “{first.old}” for “{first.new}”"
            )

        def path(code_id: int) -> str:
            code = self.codes.get(code_id)
            return code.path if code is not None else "a removed code"

        if kind == "add":
            return f"coded {self.snippet(first.start, first.end)} as {path(first.code_id)}"
        if kind == "remove":
            return f"removed {path(first.code_id)} from {self.snippet(first.start, first.end)}"
        after = after or first
        if after.code_id != first.code_id:
            return f"changed {path(first.code_id)} to {path(after.code_id)}"
        if (after.start, after.end) != (first.start, first.end):
            words = len(self.doc.text[after.start : after.end].split()) if self.doc else 0
            return (
                f"moved the boundaries of {path(first.code_id)}: now "
                f"{self.snippet(after.start, after.end)} ({plural(words, 'word')})"
            )
        return f"{'changed' if after.memo else 'removed'} the memo on {path(first.code_id)}"

    def status(self) -> str:
        """The status line: whose coding, how much, where the selection is, what was just done."""
        mine = sum(1 for s in self.doc.segments if s.mine) if self.doc else 0
        extra = f" · {plural(len(self.hits), 'hit')}" if self.hits else ""
        shown = "all coders" if self.all_coders else self.coder
        return f"{shown} · {plural(mine, 'segment')} · {self.describe_selection()}{extra} · " + (self.told or HINTS)
