"""Retrieval: every segment of a code and its sub-codes across transcripts, filterable, with a
jump into the transcript at the segment."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from workbench.tui.text import plural
from workbench.coding import code_ids_under


class RetrievalScreen(Screen):
    """Segments of one code (and its sub-codes); Enter opens the transcript at the segment."""

    DEFAULT_CSS = """
    RetrievalScreen DataTable { height: 1fr; }
    RetrievalScreen #quote { height: auto; max-height: 8; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="retrieval.filter"),
        Binding("escape", "back", "Back", id="retrieval.back"),
    ]

    def __init__(self, code_id: int | None = None, *, segment_ids: list[int] | None = None,
                 title: str | None = None) -> None:
        super().__init__()
        self.code_id = code_id
        self.segment_ids = segment_ids
        self.title_text = title
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="title")
        yield Input(placeholder="Filter by site, participant, coder, code or words (fuzzy)", id="filter")
        yield DataTable(id="segments", cursor_type="row", zebra_stripes=True)
        yield Static("", id="quote")
        yield Footer()

    def on_mount(self) -> None:
        store = self.app.store
        codes = {c["id"]: c for c in store.codes()}
        if self.segment_ids is not None:
            wanted = set(self.segment_ids)
            self.rows = [row for row in store.segments() if row["id"] in wanted]
            title = f"[b]{self.title_text}[/b]: {plural(len(self.rows), 'segment')}"
        else:
            self.rows = store.segments(code_ids=code_ids_under(store, self.code_id))
            title = f"[b]{codes[self.code_id]['path']}[/b] and its sub-codes: {plural(len(self.rows), 'segment')}"
        for row in self.rows:
            row["code"] = codes[row["code_id"]]["path"]
        self.query_one("#title", Static).update(title)
        table = self.query_one(DataTable)
        for key, label in (("site", "Site"), ("participant", "Id"), ("coder", "Coder"), ("code", "Code"), ("text", "Passage")):
            table.add_column(label, key=key)
        self.fill("")
        table.focus()

    def fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        query = query.strip().lower()
        for row in self.rows:
            hay = " ".join(str(row.get(k) or "") for k in ("site", "participant", "coder", "code", "text")).lower()
            if query and query not in hay and fuzz.partial_ratio(query, hay) < 80:
                continue
            text = " ".join(row["text"].split())
            table.add_row(row["site"] or "", row["participant"] or "", row["coder"], row["code"].split("/")[-1],
                          text[:70] + ("…" if len(text) > 70 else ""), key=str(row["id"]))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowHighlighted)
    def show_quote(self, event: DataTable.RowHighlighted) -> None:
        row = next((r for r in self.rows if str(r["id"]) == event.row_key.value), None)
        if row:
            memo = f"\n[i]memo: {row['memo']}[/i]" if row.get("memo") else ""
            self.query_one("#quote", Static).update(
                f"[b]{row['transcript']}[/b] · {row['coder']} · {row['origin']}\n“{' '.join(row['text'].split())}”{memo}")

    @on(DataTable.RowSelected)
    def open_segment(self, event: DataTable.RowSelected) -> None:
        row = next(r for r in self.rows if str(r["id"]) == event.row_key.value)
        from workbench.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(row["transcript_id"], (row["start"], row["end"])))

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
