"""Retrieval: every segment of a code and its sub-codes across transcripts, filterable, with a
jump into the transcript at the segment."""

from __future__ import annotations

from rapidfuzz import fuzz
from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from workbench.coding import SegmentListing, code_ids_under
from workbench.models import as_dict
from workbench.tui.app import workbench_app
from workbench.tui.text import clip, lines_needed, plural


class RetrievalScreen(Screen[None]):
    """Segments of one code (and its sub-codes); Enter opens the transcript at the segment."""

    DEFAULT_CSS = """
    RetrievalScreen DataTable { height: 1fr; }
    RetrievalScreen #quote { height: auto; max-height: 10; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="retrieval.filter"),
        Binding("escape", "back", "Back", id="retrieval.back"),
    ]

    def __init__(
        self, code_id: int | None = None, *, segment_ids: list[int] | None = None, title: str | None = None
    ) -> None:
        super().__init__()
        self.code_id = code_id
        self.segment_ids = segment_ids
        self.title_text = title
        self.rows: list[SegmentListing] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="title")
        yield Input(placeholder="Filter by site, participant, coder, code or words (fuzzy)", id="filter")
        yield DataTable(id="segments", cursor_type="row", zebra_stripes=True)
        yield Static("", id="quote")
        yield Footer()

    def on_mount(self) -> None:
        store = workbench_app(self).store
        codes = {c.id: c for c in store.codes()}
        if self.segment_ids is not None:
            wanted = set(self.segment_ids)
            found = [row for row in store.segments() if row.id in wanted]
            title = f"[b]{self.title_text}[/b]: {plural(len(found), 'segment')}"
        else:
            assert self.code_id is not None, "a code or a list of segments to show"
            found = store.segments(code_ids=code_ids_under(store, self.code_id))
            title = f"[b]{codes[self.code_id].path}[/b] and its sub-codes: {plural(len(found), 'segment')}"
        from workbench.blind import notice, visible

        blind = notice(store, workbench_app(self).coder)
        if blind:  # only the coder's own coding while the project is blind
            found = visible(store, workbench_app(self).coder, found)
            title = title.split(": ")[0] + f": {plural(len(found), 'segment')}\n[i]{blind}[/i]"
        self.rows = [SegmentListing(**as_dict(row), code=codes[row.code_id].path) for row in found]
        self.query_one("#title", Static).update(title)
        self.fill("")
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        if self.rows:
            self.fill(self.query_one(Input).value)

    # (key, heading, width); narrow terminals leave out site and coder (the preview below names them)
    COLUMNS = (("site", "Site", 16), ("participant", "Id", 6), ("coder", "Coder", 8), ("code", "Code", 16))

    def fill(self, query: str) -> None:
        """Each passage wrapped over up to four lines; the preview below shows all of it."""
        table = self.query_one(DataTable)
        row_before = table.cursor_row
        table.clear(columns=True)
        width = self.app.size.width
        columns = [c for c in self.COLUMNS if width >= 120 or c[0] not in ("site", "coder")]
        room = max(24, width - sum(w + 2 for _, _, w in columns) - 6)
        for key, label, w in columns:
            table.add_column(label, key=key, width=w)
        table.add_column("Passage", key="text", width=room)
        query = query.strip().lower()
        for row in self.rows:
            hay = " ".join(str(getattr(row, k) or "") for k in ("site", "participant", "coder", "code", "text")).lower()
            if query and query not in hay and fuzz.partial_ratio(query, hay) < 80:
                continue
            cells = {
                "site": row.site or "",
                "participant": row.participant or "",
                "coder": row.coder,
                "code": (row.code or "").split("/")[-1],
            }
            height = lines_needed(row.text, room)
            table.add_row(
                *(Text(cells[key], no_wrap=True, overflow="ellipsis") for key, _, _ in columns),
                Text(clip(row.text, room, height)),
                key=str(row.id),
                height=height,
            )
        if row_before and table.row_count:
            table.move_cursor(row=min(row_before, table.row_count - 1))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowHighlighted)
    def show_quote(self, event: DataTable.RowHighlighted) -> None:
        row = next((r for r in self.rows if str(r.id) == event.row_key.value), None)
        if row:
            memo = f"\n[i]memo: {escape(row.memo)}[/i]" if row.memo else ""
            where = " · ".join(escape(str(x)) for x in (row.site, row.participant, row.coder, row.origin) if x)
            self.query_one("#quote", Static).update(
                f"[b]{escape(row.transcript)}[/b] · {where}\n[dim]{escape(row.code or '')}[/dim]\n"
                f"“{escape(' '.join(row.text.split()))}”{memo}"
            )

    @on(DataTable.RowSelected)
    def open_segment(self, event: DataTable.RowSelected) -> None:
        row = next(r for r in self.rows if str(r.id) == event.row_key.value)
        from workbench.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(row.transcript_id, (row.start, row.end)))

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
