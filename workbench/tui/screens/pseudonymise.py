"""Reviewing pseudonymisation candidates: accept, reject, change a pseudonym, add a missed term.

The candidates come from :func:`workbench.pseudonymise.find_candidates` (on a worker with its own
connection); every decision is written to the key file at once, so a second review proposes only
new terms. Accepting a term replaces every occurrence of it when the key is applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench import pseudonymise as ps
from workbench.tui.app import workbench_app
from workbench.tui.screens.dialogs import TextPrompt
from workbench.tui.workers import run_in_thread

if TYPE_CHECKING:
    from workbench.store import Store


def default_key_path(project: Path) -> Path:
    """Where the key lives unless the user says otherwise: beside the project, not inside it."""
    return project.with_name(f"{project.stem}.pseudonymisation-key.yaml")


class PseudonymiseScreen(Screen[None]):
    """Walk through the terms that may identify someone, and decide each."""

    DEFAULT_CSS = """
    PseudonymiseScreen #candidates { height: 1fr; }
    PseudonymiseScreen #context { height: 4; padding: 0 1; border-top: solid $primary; }
    PseudonymiseScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("a", "decide('accept')", "Accept", id="pseudo.accept"),
        Binding("x", "decide('reject')", "Reject", id="pseudo.reject"),
        Binding("e", "rename", "Change pseudonym", id="pseudo.rename"),
        Binding("n", "add", "Add a term", id="pseudo.add"),
        Binding("escape", "back", "Back", id="pseudo.back"),
    ]

    def __init__(self, key_path: Path | None = None) -> None:
        super().__init__()
        self.key_path = key_path
        self.key: ps.Key | None = None
        self.rows: list[ps.KeyEntry] = []
        self.contexts: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
        yield Static("", id="context")
        yield Static("Looking for names, places, dates and numbers…", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.key_path = self.key_path or default_key_path(workbench_app(self).project)
        table = self.query_one(DataTable)
        table.add_columns("Status", "Term", "Category", "Pseudonym", "Count", "Found by")
        self.find()

    def find(self) -> None:
        assert self.key_path is not None
        key_path = self.key_path

        def job(store: Store) -> tuple[ps.Key, dict[str, str], dict[str, int], int]:
            key = ps.load_key(key_path, must_exist=False)
            if not key.project:
                key.project = ps.project_fingerprint(store)
            found = ps.find_candidates(store, key=key)
            ps.add_to_key(key, found, status="proposed")
            ps.save_key(key, key_path)
            return key, {c.term: c.context for c in found}, {c.term: c.count for c in found}, len(found)

        run_in_thread(
            self,
            job,
            lambda result: self.show(*result),
            group="pseudonymise",
            failed=lambda exc: self.notify(str(exc), severity="error"),
        )

    def show(self, key: ps.Key, contexts: dict[str, str], counts: dict[str, int], new: int) -> None:
        self.key, self.contexts, self.counts = key, contexts, counts
        order = {"proposed": 0, "accept": 1, "reject": 2}
        self.rows = sorted(key.entries, key=lambda e: (order.get(e.status, 3), e.category, e.term.casefold()))
        self.refresh_table()
        todo = sum(e.status == "proposed" for e in key.entries)
        self.query_one("#status", Static).update(
            f"{new} new term{'s' if new != 1 else ''} found; {todo} to review. Key: {self.key_path}"
        )

    def refresh_table(self, keep: int | None = None) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row if keep is None else keep
        table.clear()
        for entry in self.rows:
            table.add_row(
                entry.status,
                entry.term,
                entry.category,
                entry.pseudonym,
                str(self.counts.get(entry.term, "")) if hasattr(self, "counts") else "",
                entry.source,
            )
        if self.rows:
            table.move_cursor(row=min(max(row, 0), len(self.rows) - 1))

    def current(self) -> ps.KeyEntry | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowHighlighted)
    def highlighted(self) -> None:
        entry = self.current()
        context = self.contexts.get(entry.term, "") if entry else ""
        self.query_one("#context", Static).update(f"… {context} …" if context else "")

    def save(self, message: str) -> None:
        assert self.key is not None and self.key_path is not None
        try:
            ps.save_key(self.key, self.key_path)
        except OSError as exc:
            self.notify(f"The key could not be saved: {exc}", severity="error")
            return
        self.notify(message)
        self.refresh_table()

    def action_decide(self, status: str) -> None:
        entry = self.current()
        if entry is None:
            return
        if status == "accept" and not entry.pseudonym:
            self.notify("Give it a pseudonym first (e).", severity="warning")
            return
        entry.status = status
        word = "accepted: every occurrence will be replaced" if status == "accept" else "rejected: kept as it is"
        self.save(f"{entry.term!r} {word}.")
        self.query_one(DataTable).action_cursor_down()

    def action_rename(self) -> None:
        entry = self.current()
        if entry is None:
            return

        def done(value: str | None) -> None:
            if value:
                entry.pseudonym, entry.status = value, "accept"
                self.save(f"{entry.term!r} will read {value!r} everywhere.")

        self.app.push_screen(TextPrompt(f"Pseudonym for {entry.term!r}:", entry.pseudonym), done)

    def action_add(self) -> None:
        def done(value: str | None) -> None:
            if not value or self.key is None:
                return
            term, _, pseudonym = value.partition("=")
            term, pseudonym = term.strip(), pseudonym.strip() or "[Redacted]"
            if term.casefold() in self.key.terms():
                self.notify(f"{term!r} is already in the key.", severity="warning")
                return
            entry = ps.KeyEntry(term, "name", pseudonym, "accept", "added by hand")
            self.key.entries.append(entry)
            self.rows.insert(0, entry)
            self.save(f"{term!r} added; it will read {pseudonym!r}.")

        self.app.push_screen(TextPrompt("A term the search missed, as TERM = PSEUDONYM:"), done)

    def action_back(self) -> None:
        self.app.pop_screen()
