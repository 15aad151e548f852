"""Charting one cell of the framework matrix: the researcher's summary (and a separate note)
beside the cell's coded segments, any of which can be flagged as a key quote."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static, TextArea

from workbench.coding import SegmentListing
from workbench.errors import WorkbenchError
from workbench.findings.framework import flag_quote, set_summary
from workbench.tui.app import workbench_app


class SummaryEditor(Screen[bool]):
    """Edit the summary of ``row`` x ``column``; dismisses with True when it was saved."""

    DEFAULT_CSS = """
    SummaryEditor #title { height: auto; padding: 0 1; }
    SummaryEditor #body { height: 1fr; }
    SummaryEditor #segments-pane { width: 1fr; }
    SummaryEditor #editor-pane { width: 1fr; }
    SummaryEditor DataTable { height: 1fr; }
    SummaryEditor #quote { height: auto; max-height: 7; border-top: solid $primary; padding: 0 1; }
    SummaryEditor TextArea { height: 1fr; }
    SummaryEditor #note { height: 3; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="summary.save", priority=True),
        Binding("f", "flag", "Key quote on/off", id="summary.flag"),
        Binding("escape", "cancel", "Cancel", id="summary.cancel"),
    ]

    def __init__(self, row_kind: str, row: str, column: str, segment_ids: list[int]) -> None:
        super().__init__()
        self.row_kind, self.row, self.column = row_kind, row, column
        self.segment_ids = segment_ids
        self.rows: dict[str, SegmentListing] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="title")
        with Horizontal(id="body"):
            with Vertical(id="segments-pane"):
                yield DataTable(id="segments", cursor_type="row", zebra_stripes=True)
                yield Static("", id="quote")
            with Vertical(id="editor-pane"):
                yield TextArea(id="summary", soft_wrap=True, tab_behavior="focus")
                yield Input(placeholder="Analyst's note (kept apart from the summary)", id="note")
        yield Footer()

    def on_mount(self) -> None:
        store = workbench_app(self).store
        from workbench.coding import SegmentListing, resolve_code
        from workbench.models import as_dict

        code = resolve_code(store, self.column)
        self.code_id = code.id
        saved = store.framework_summary(self.row_kind, self.row, self.code_id)
        self.query_one(TextArea).text = saved.summary if saved else ""
        self.query_one("#note", Input).value = (saved.note if saved else None) or ""
        wanted = set(self.segment_ids)
        paths = {c.id: c.path for c in store.codes(counts=False)}
        from workbench.blind import visible

        for segment in visible(store, workbench_app(self).coder, store.segments()):
            if segment.id in wanted:
                self.rows[str(segment.id)] = SegmentListing(**as_dict(segment), code=paths.get(segment.code_id, ""))
        table = self.query_one(DataTable)
        for key, label in (("flag", "★"), ("participant", "Id"), ("code", "Code"), ("text", "Passage")):
            table.add_column(label, key=key)
        self.fill()
        self.query_one("#title", Static).update(
            f"[b]{escape(self.row)}[/b] × [b]{escape(self.column)}[/b]: {len(self.rows)} segments · "
            "write the summary on the right · f flags a key quote · ctrl+s saves · Esc cancels"
        )
        self.query_one(TextArea).focus()

    def fill(self) -> None:
        table = self.query_one(DataTable)
        flagged = workbench_app(self).store.key_quote_ids()
        table.clear()
        for key, row in self.rows.items():
            text = " ".join(row.text.split())
            table.add_row(
                "★" if row.id in flagged else "",
                row.participant or "",
                (row.code or "").split("/")[-1],
                text[:60] + ("…" if len(text) > 60 else ""),
                key=key,
            )

    @on(DataTable.RowHighlighted)
    def show(self, event: DataTable.RowHighlighted) -> None:
        row = self.rows.get(event.row_key.value or "")
        if row:
            self.query_one("#quote", Static).update(
                f"[b]{escape(row.transcript)}[/b] · {escape(row.coder)} · segment {row.id}\n"
                f"“{escape(' '.join(row.text.split()))}”"
            )

    def action_flag(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count or not table.has_focus:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return
        segment_id = int(key)
        flagged = segment_id in workbench_app(self).store.key_quote_ids()
        flag_quote(workbench_app(self).store, segment_id, coder=workbench_app(self).coder, flagged=not flagged)
        row = table.cursor_row
        self.fill()
        table.move_cursor(row=row)
        self.notify("Key quote flagged." if not flagged else "Flag removed.", timeout=2)

    def action_save(self) -> None:
        try:
            set_summary(
                workbench_app(self).store,
                self.row_kind,
                self.row,
                self.code_id,
                self.query_one(TextArea).text,
                note=self.query_one("#note", Input).value,
                coder=workbench_app(self).coder,
            )
        except WorkbenchError as exc:
            self.notify(str(exc), severity="error")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
