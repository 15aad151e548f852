"""Search every transcript, review the hits, and code the chosen ones in one step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from workbench.tui.app import workbench_app
from workbench.tui.text import hit_window, plural
from workbench.tui.workers import run_in_thread

if TYPE_CHECKING:
    from workbench.search import Hit
    from workbench.session import CodeAnswer
    from workbench.store import Store


class SearchScreen(Screen[None]):
    """Enter searches; space picks hits; c codes the picked hits' sentences; Enter on a hit opens it."""

    DEFAULT_CSS = """
    SearchScreen DataTable { height: 1fr; }
    SearchScreen #info { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("space", "pick", "Pick", id="search.pick"),
        Binding("A", "toggle_all", "Pick all", id="search.pick_all"),
        Binding("c", "code", "Code picked", id="search.code"),
        Binding("f", "fuzzy", "Fuzzy spelling", id="search.fuzzy"),
        Binding("slash", "focus_query", "Query", id="search.query"),
        Binding("escape", "back", "Back", id="search.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[Hit] = []
        self.picked: set[int] = set()
        self.fuzzy = False
        self.texts: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder='Search every transcript: words, "phrases", prefix*, AND / OR / NOT', id="query")
        yield DataTable(id="hits", cursor_type="row", zebra_stripes=True)
        yield Static("Type a search and press Enter.", id="info")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_resize(self) -> None:
        if self.hits:
            self.fill()

    @on(Input.Submitted, "#query")
    def run_search(self) -> None:
        self.search(self.query_one(Input).value)

    def search(self, query: str) -> None:
        fuzzy = self.fuzzy

        def job(store: Store) -> tuple[list[Hit], dict[int, str]]:
            from workbench.search import search

            hits = search(store, query, fuzzy=fuzzy) if query.strip() else []
            texts: dict[int, str] = {}  # the passages around the hits, to show them whole
            for hit in hits:
                if hit.transcript_id not in texts:
                    texts[hit.transcript_id] = store.transcript_text(hit.transcript_id) or ""
            return hits, texts

        run_in_thread(
            self,
            job,
            lambda found: self.show(*found),
            group="search",
            failed=lambda exc: self.query_one("#info", Static).update(str(exc)),
        )

    def show(self, hits: list[Hit], texts: dict[int, str] | None = None) -> None:
        self.hits, self.picked = hits, set()
        self.texts = texts or {}
        self.fill()
        self.query_one(DataTable).focus()

    def fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        # the hit in the middle of three lines of its passage, highlighted
        wide = self.app.size.width >= 120
        label_width = 24 if wide else 14
        room = max(24, self.app.size.width - label_width - 3 - 10)
        table.add_column("", width=1)
        table.add_column("Who", width=label_width)
        table.add_column("Passage", width=room)
        for index, hit in enumerate(self.hits):
            mark = Text("✓", style="bold green") if index in self.picked else Text(" ")
            who = Text(f"{hit.participant or hit.transcript}\n{hit.speaker or ''}", overflow="ellipsis")
            text = self.texts.get(hit.transcript_id, "")
            lo, hi = text.rfind("\n", 0, hit.start) + 1, text.find("\n", hit.end)  # within the turn
            passage = (
                hit_window(text, hit.start, hit.end, room * 3 - 6, lo=lo, hi=hi if hi >= 0 else None)
                if text
                else Text(hit.context)
            )
            table.add_row(mark, who, passage, key=str(index), height=3)
        if self.hits:
            table.move_cursor(row=min(row, len(self.hits) - 1))
        fuzzy = " · fuzzy spelling on" if self.fuzzy else ""
        self.query_one("#info", Static).update(
            f"{plural(len(self.hits), 'hit')} · {len(self.picked)} picked{fuzzy} · space picks · c codes the picked sentences"
        )

    def action_pick(self) -> None:
        table = self.query_one(DataTable)
        if self.hits:
            self.picked ^= {table.cursor_row}
            self.fill()

    def action_toggle_all(self) -> None:
        self.picked = set() if len(self.picked) == len(self.hits) else set(range(len(self.hits)))
        self.fill()

    def action_fuzzy(self) -> None:
        self.fuzzy = not self.fuzzy
        self.run_search()

    def action_focus_query(self) -> None:
        self.query_one(Input).focus()

    def action_code(self) -> None:
        chosen = [self.hits[i] for i in sorted(self.picked)]
        if not chosen:
            self.notify("Pick hits with space first (A picks all).", severity="warning")
            return
        from workbench.tui.screens.picker import CodePicker

        def apply(result: CodeAnswer | None) -> None:
            if not result or result[0] != "code":
                return
            from workbench.search import code_hits

            path = next(c.path for c in workbench_app(self).store.codes() if c.id == result[1])
            added = code_hits(workbench_app(self).store, chosen, path, coder=workbench_app(self).coder)
            self.notify(f"{plural(added, 'sentence')} coded as {path}.")
            self.picked = set()
            self.fill()

        self.app.push_screen(
            CodePicker(workbench_app(self).store.codes(), [], plural(len(chosen), "picked hit")), apply
        )

    @on(DataTable.RowSelected)
    def open_hit(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        hit = self.hits[int(event.row_key.value)]
        from workbench.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(hit.transcript_id, (hit.start, hit.end)))

    def action_back(self) -> None:
        self.app.pop_screen()
