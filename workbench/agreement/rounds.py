"""Coding rounds: a project phase (for instance "after codebook v2"). Every segment made after
``start_round`` carries that round, so agreement can be compared round by round; segments made
before the first round belong to no round (shown as "(before rounds)")."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import NotFoundError, WorkbenchError
from workbench.store import Store

BEFORE = "(before rounds)"


@dataclass(slots=True, frozen=True)
class Round:
    id: int | None  # None: before the first round
    name: str
    note: str | None
    started_at: str | None
    segments: int
    current: bool = False


def start_round(store: Store, name: str, *, note: str | None = None, coder: str | None = None) -> Round:
    """Start a new round: segments made from now on carry it (recorded in the audit log)."""
    name = " ".join(name.split())
    if not name or name == BEFORE:
        raise WorkbenchError(
            f"a round needs a name other than {BEFORE!r}.",
            hint='For example: workbench round start "after codebook v2"',
        )
    if any(r.name == name for r in store.rounds()):
        raise WorkbenchError(f"there is already a round named {name!r}.", hint="Give the new round another name.")
    with store.transaction():
        round_id = store.insert_round(name, note, coder)
        store.audit("start", "round", round_id, coder=coder, after={"name": name, "note": note})
    return next(r for r in list_rounds(store) if r.id == round_id)


def list_rounds(store: Store) -> list[Round]:
    """The rounds oldest first, after the segments made before any round (if there are any)."""
    rows = store.rounds()
    out = []
    before = store.segments_without_round()
    if before or not rows:
        out.append(Round(None, BEFORE, None, None, before, current=not rows))
    for i, row in enumerate(rows):
        out.append(Round(row.id, row.name, row.note, row.started_at, row.segments, current=i == len(rows) - 1))
    return out


def resolve_round(store: Store, name: str) -> Round:
    rounds = list_rounds(store)
    if name == BEFORE or name.strip().lower() in ("before", "none"):
        match = next((r for r in rounds if r.id is None), None)
        if match:
            return match
    for r in rounds:
        if r.name == name or r.name.lower() == name.strip().lower():
            return r
    raise NotFoundError(
        f"no round named {name!r}.",
        hint="Rounds here: " + ", ".join(repr(r.name) for r in rounds) + " (workbench round list).",
    )
