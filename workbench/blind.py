"""The blind phase: each coder is shown only their own coding until the phase is opened; comparing
coders (agreement) and settling their differences (reconciliation) are the lead's.

One rule for every screen and command, here: :func:`restricted` says whether the person at hand
sees only their own coding now; :func:`visible_coder`, :func:`visible` and :func:`scoped` narrow
a listing, a list of segments or a table's selection to them; :func:`lead_only` refuses the lead's
work with the same words everywhere; :func:`notice` is the line a screen or command shows.

On a project file everyone is a coder (a file has no roles) and the rule is advisory: anyone can
open the file with another tool. A team database enforces it itself, with row-level security
(`workbench phase`): there the lead sees everything, and the rule only turns what the database
hides into a clear message instead of empty results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from workbench.errors import WorkbenchError
from workbench.store import Store

if TYPE_CHECKING:
    from workbench.analysis.frame import Selection

KEY = "blind_phase"
HINT = "The lead opens the phase with `workbench phase open` when coding is done."


class BlindPhaseError(WorkbenchError):
    """Refused because the project is in its blind phase (the message starts "blind phase:")."""


class _Coded(Protocol):
    @property
    def coder(self) -> str: ...


R = TypeVar("R", bound=_Coded)


def is_team(store: Store) -> bool:
    return hasattr(store, "url")


def is_blind(store: Store) -> bool:
    """Whether a project file is in its blind phase (a team database hides rows itself: False)."""
    return not is_team(store) and store.get_meta(KEY) == "on"


def set_blind(store: Store, blind: bool, coder: str | None) -> bool:
    """Start (``blind``) or end the blind phase of a project file, with an audit entry; returns the
    new state."""
    before = is_blind(store)
    if before != blind:
        with store.transaction():
            store.set_meta(KEY, "on" if blind else "off")
            store.audit("phase", "project", None, coder=coder, before={"blind": before}, after={"blind": blind})
    return blind


def restricted(store: Store) -> bool:
    """Whether whoever uses ``store`` sees only their own coding now: on a file, while it is blind;
    on a team database, while it is blind and they are not the lead."""
    if is_team(store):
        return bool(store.blind_phase()) and not store.is_lead()  # type: ignore[attr-defined]
    return is_blind(store)


def notice(store: Store, viewer: str | None) -> str | None:
    """What a screen or command says while the viewer sees only their own coding (None: open)."""
    if viewer is None or not restricted(store):
        return None
    return f"blind phase: only {viewer}'s own coding is shown until the lead opens the phase."


def visible_coder(store: Store, viewer: str | None, asked: str | None) -> str | None:
    """The coder whose coding a listing may show: while blind, only the viewer's own."""
    if viewer is None or not restricted(store):
        return asked
    if asked is not None and asked != viewer:
        raise BlindPhaseError(
            f"blind phase: {viewer} sees only their own coding, not {asked}'s, until the lead opens the phase.",
            hint=HINT,
        )
    return viewer


def visible(store: Store, viewer: str | None, rows: Sequence[R]) -> list[R]:
    """``rows`` (segments, listings: anything with a ``coder``) that the viewer may see."""
    if viewer is None or not restricted(store):
        return list(rows)
    return [row for row in rows if row.coder == viewer]


def scoped(store: Store, viewer: str | None, selection: Selection) -> Selection:
    """A table's selection of coding narrowed to the viewer's own while blind (naming other
    coders, or the consensus, is refused with the reason)."""
    if viewer is None or not restricted(store):
        return selection
    from dataclasses import replace

    from workbench.coders import CONSENSUS

    asked = [c for c in selection.coders or [] if c != viewer]
    if selection.origin == CONSENSUS:
        asked.append(CONSENSUS)
    if asked:
        raise BlindPhaseError(
            f"blind phase: {viewer} sees only their own coding, not {', '.join(asked)}'s, "
            "until the lead opens the phase.",
            hint=HINT,
        )
    return replace(selection, coders=[viewer])


def lead_only(store: Store, viewer: str | None, doing: str) -> None:
    """Refuse the lead's work (``doing``: "reconciles", "computes agreement") while the viewer
    sees only their own coding."""
    if not restricted(store):
        return
    if is_team(store):
        hint = "Ask the project lead; once the lead opens the phase (`workbench phase open`) everyone sees all coding."
    else:
        hint = (
            "A project file has no lead role: this waits until the phase is opened "
            "(`workbench phase open`), when everyone sees all coding."
        )
    who = f"{viewer} sees only their" if viewer else "you see only your"
    raise BlindPhaseError(f"blind phase: only the lead {doing}; {who} own coding until the phase is opened.", hint=hint)
