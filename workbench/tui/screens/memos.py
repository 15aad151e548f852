"""The memo list: every memo of the project with what it is about, grouped by code or by
transcript; Enter goes to the memo's passage, transcript or code."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.findings.memos import MemoItem, collect_memos, group_memos
from workbench.tui.app import workbench_app


class MemoListScreen(Screen[None]):
    """Memos on the project, transcripts, codes and segments."""

    DEFAULT_CSS = """
    MemoListScreen DataTable { height: 1fr; }
    MemoListScreen #title { height: auto; padding: 0 1; }
    MemoListScreen #memo { height: auto; max-height: 10; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("g", "regroup", "By code / transcript", id="memos.group"),
        Binding("escape", "back", "Back", id="memos.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by = "code"
        self.items: dict[str, MemoItem] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="title")
        yield DataTable(id="memos", cursor_type="row", zebra_stripes=True)
        yield Static("", id="memo")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("group", "Group"), ("about", "About"), ("coder", "Coder"), ("text", "Memo")):
            table.add_column(label, key=key)
        self.fill()
        table.focus()

    def fill(self) -> None:
        store = workbench_app(self).store
        items = collect_memos(store)
        groups = group_memos(store, items, self.by)
        table = self.query_one(DataTable)
        table.clear()
        self.items = {}
        for g, group in enumerate(groups):
            for n, item in enumerate(group.items):
                key = f"{g}.{n}"
                self.items[key] = item
                if item.kind == "segment":
                    about = f"“{' '.join((item.quote or '').split())[:30]}”"
                elif item.kind == "project":
                    about = "project"
                else:
                    about = f"{item.kind}"
                heading = group.title.split("/")[-1] if self.by == "code" else group.title
                text = " ".join(item.text.split())
                table.add_row(
                    Text(heading[:28] if n == 0 else "", style="bold"),
                    about,
                    item.coder or "",
                    text[:60] + ("…" if len(text) > 60 else ""),
                    key=key,
                )
        self.query_one("#title", Static).update(
            f"[b]{len(self.items)} memos[/b] grouped by {self.by}   g regroup · Enter go to it · Esc back"
        )
        if not self.items:
            self.query_one("#memo", Static).update(
                "No memos yet: m on a segment, M on a transcript, m in the codebook."
            )

    @on(DataTable.RowHighlighted)
    def show(self, event: DataTable.RowHighlighted) -> None:
        item = self.items.get(event.row_key.value or "")
        if item is None:
            return
        lines = [f"[b]{escape(item.target)}[/b] · {escape(item.coder or '')} · {escape((item.at or '')[:16])}"]
        if item.quote:
            lines.append(f"[i]“{escape(' '.join(item.quote.split()))}”[/i]")
        lines.append(escape(item.text))
        self.query_one("#memo", Static).update("\n".join(lines))

    @on(DataTable.RowSelected)
    def open_item(self, event: DataTable.RowSelected) -> None:
        item = self.items.get(event.row_key.value or "")
        if item is None or item.kind == "project":
            return
        if item.kind == "code":
            from workbench.tui.screens.retrieval import RetrievalScreen

            self.app.push_screen(RetrievalScreen(item.code_id))
            return
        from workbench.tui.screens.reader import ReaderScreen

        if item.transcript_id is None:
            return
        where = (
            (item.start, item.end)
            if item.kind == "segment" and item.start is not None and item.end is not None
            else None
        )
        self.app.push_screen(ReaderScreen(item.transcript_id, where) if where else ReaderScreen(item.transcript_id))

    def action_regroup(self) -> None:
        self.by = "transcript" if self.by == "code" else "code"
        self.fill()

    def action_back(self) -> None:
        self.app.pop_screen()
