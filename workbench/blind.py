"""The blind phase on a project file: each coder is shown only their own coding (in the CLI and the
coding screen) until the phase is opened. A file cannot enforce it (anyone can open the file with
another tool); a team database enforces it itself, with row-level security (`workbench phase`)."""

from __future__ import annotations

from workbench.errors import WorkbenchError
from workbench.store import Store

KEY = "blind_phase"


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


def visible_coder(store: Store, viewer: str | None, asked: str | None) -> str | None:
    """The coder whose coding a listing may show: while blind, only the viewer's own."""
    if not is_blind(store) or viewer is None:
        return asked
    if asked is not None and asked != viewer:
        raise WorkbenchError(
            f"the project is in its blind phase: {viewer} sees only their own coding, not {asked}'s.",
            hint="The lead opens the phase with `workbench phase open` when coding is done.",
        )
    return viewer
