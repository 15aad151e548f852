"""The framework matrix on screen: a colour-scaled table, a switch between values, drill-down
into the segments of a cell, and export to a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.coders import CONSENSUS, pooled_coders
from workbench.errors import WorkbenchError
from workbench.tui.app import workbench_app
from workbench.tui.text import plural
from workbench.tui.workers import run_in_thread

if TYPE_CHECKING:
    from workbench.analysis.matrix import Matrix, MatrixSpec

VALUES = ("segments", "transcripts", "participants", "share", "excerpts")
ROWS = ("site", "participant", "role", "transcript", "coder")
COLUMNS = ("theme", "level2", "code")


def heat(count: int, top: int) -> Style:
    """Background from pale to deep blue by segment count."""
    if count <= 0 or top <= 0:
        return Style(dim=True)
    strength = count / top
    r, g, b = int(30 + 20 * strength), int(50 + 60 * strength), int(80 + 150 * strength)
    return Style(bgcolor=f"#{r:02x}{g:02x}{b:02x}", color="#ffffff", bold=strength > 0.6)


def two_line_width(label: str, most: int = 20) -> int:
    """The narrowest column (up to ``most``) in which ``label`` wraps onto at most two lines."""
    import textwrap

    for width in range(max((len(w) for w in label.split()), default=1), most):
        if len(textwrap.wrap(label, width)) <= 2:
            return width
    return most


class MatrixScreen(Screen[None]):
    """Sites (or other rows) x themes (or codes); Enter lists a cell's segments."""

    DEFAULT_CSS = """
    MatrixScreen DataTable { height: 1fr; }
    MatrixScreen #title { height: auto; padding: 0 1; }
    MatrixScreen #cell { height: auto; max-height: 6; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("v", "cycle('value')", "Value", id="matrix.value"),
        Binding("r", "cycle('rows')", "Rows", id="matrix.rows"),
        Binding("c", "cycle('columns')", "Columns", id="matrix.columns"),
        Binding("o", "cycle('coder')", "Coder", id="matrix.coder"),
        Binding("t", "transpose", "Transpose", id="matrix.transpose"),
        Binding("x", "export", "Export", id="matrix.export"),
        Binding("e", "edit_summary", "Summary", id="matrix.summary"),
        Binding("escape", "back", "Back", id="matrix.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.value, self.rows, self.columns, self.transposed = "segments", "site", "theme", False
        self.coders: list[str | None] = [None]
        self.coder_index = 0
        self.matrix: Matrix | None = None
        self.blind: str | None = None  # the blind phase's notice: only the coder's own coding

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Computing…", id="title")
        yield DataTable(id="matrix", cursor_type="cell")
        yield Static("", id="cell")
        yield Footer()

    def on_mount(self) -> None:
        # None: all coders pooled (the consensus apart); then each coder; the consensus last, on its own.
        from workbench.blind import notice

        names = [c.name for c in workbench_app(self).store.coders() if c.segments]
        self.coders = [None] + pooled_coders(names) + [CONSENSUS] * (CONSENSUS in names)
        self.blind = notice(workbench_app(self).store, workbench_app(self).coder)
        if self.blind:
            self.coders = [workbench_app(self).coder]
        self.compute()

    def spec(self) -> MatrixSpec:  # imported lazily with pandas
        from workbench.analysis.frame import Selection
        from workbench.analysis.matrix import MatrixSpec

        coder = self.coders[self.coder_index]
        selection = Selection(origin=CONSENSUS) if coder == CONSENSUS else Selection(coders=[coder] if coder else None)
        if self.blind:
            from workbench.blind import scoped

            selection = scoped(workbench_app(self).store, workbench_app(self).coder, selection)
        return MatrixSpec(
            rows=self.rows, columns=self.columns, value=self.value, transpose=self.transposed, selection=selection
        )

    def compute(self) -> None:
        """pandas and the matrix are built on a worker thread with its own connection."""
        from workbench.analysis.matrix import build_matrix

        spec = self.spec()
        run_in_thread(
            self,
            lambda store: build_matrix(store, spec),
            self.show,
            group="matrix",
            failed=lambda exc: self.notify(str(exc), severity="error"),
        )

    def show(self, matrix: Matrix) -> None:
        self.matrix = matrix
        table = self.query_one(DataTable)
        table.clear(columns=True)
        top = int(matrix.counts.values.max()) if matrix.counts.size else 0
        # Row labels are cut to a quarter of the screen and stay put while the columns scroll;
        # column headings wrap onto two lines, so a column is as wide as its numbers need.
        names = [str(n) for n in matrix.table.index]
        label_width = max(8, min(max((len(n) for n in names), default=8), 24, self.app.size.width // 4))
        table.fixed_columns = 1
        table.header_height = 2
        table.add_column(
            Text(f"{matrix.table.index.name} \\ {matrix.table.columns.name}", style="bold", overflow="ellipsis"),
            key="__row",
            width=label_width,
        )
        formatted = {column: [self.format(v) for v in matrix.table[column]] for column in matrix.table.columns}
        for column in matrix.table.columns:
            label = str(column).split("/")[-1] if self.columns != "theme" else str(column)
            widest = max((len(v) for v in formatted[column]), default=1)
            width = max(widest, two_line_width(label), 4)
            table.add_column(Text(label, style="bold", overflow="ellipsis"), key=str(column), width=width)
        for index, (name, row) in enumerate(matrix.table.iterrows()):
            cells = [Text(str(name), style="bold", no_wrap=True, overflow="ellipsis")]
            for column, _value in row.items():
                count = int(matrix.counts.at[name, column])
                cells.append(
                    Text(
                        formatted[column][index],
                        style=heat(count, top),
                        justify="right",
                        no_wrap=True,
                        overflow="ellipsis",
                    )
                )
            table.add_row(*cells, key=str(name))
        self.query_one("#title", Static).update(
            f"[b]{matrix.title}[/b]   v value · r rows · c columns · o coder · t transpose · Enter segments · x export"
            + (f"\n[i]{self.blind}[/i]" if self.blind else "")
        )
        table.focus()

    def format(self, value: Any) -> str:
        if value is None or value != value:  # NaN: a row without participants
            return "–"
        if self.value == "excerpts":
            first = str(value).split("\n")[0]
            return first[:40] + ("…" if len(first) > 40 else "")
        from workbench.export.tables import format_number

        return format_number(value, share=self.value == "share")

    def current_cell(self) -> tuple[str, str] | None:
        table = self.query_one(DataTable)
        if self.matrix is None or not table.row_count:
            return None
        row_key, column_key = table.coordinate_to_cell_key(table.cursor_coordinate)
        if column_key.value == "__row" or row_key.value is None or column_key.value is None:
            return None
        return row_key.value, column_key.value

    @on(DataTable.CellHighlighted)
    def highlighted(self) -> None:
        cell = self.current_cell()
        if cell is None or self.matrix is None:
            self.query_one("#cell", Static).update("")
            return
        row, column = cell
        ids = self.matrix.cells.get((row, column), [])
        text = f"[b]{row}[/b] × [b]{column}[/b]: {plural(len(ids), 'segment')}"
        if self.value == "excerpts":
            text += "\n" + str(self.matrix.table.at[row, column])
        self.query_one("#cell", Static).update(text)

    @on(DataTable.CellSelected)
    def drill_down(self) -> None:
        cell = self.current_cell()
        if cell is None or self.matrix is None:
            return
        ids = self.matrix.cells.get(cell, [])
        if not ids:
            self.notify("No segments in this cell.", timeout=2)
            return
        from workbench.tui.screens.retrieval import RetrievalScreen

        self.app.push_screen(RetrievalScreen(segment_ids=ids, title=f"{cell[0]} × {cell[1]}"))

    def action_cycle(self, what: str) -> None:
        if what == "value":
            self.value = VALUES[(VALUES.index(self.value) + 1) % len(VALUES)]
        elif what == "rows":
            self.rows = ROWS[(ROWS.index(self.rows) + 1) % len(ROWS)] if self.rows in ROWS else "site"
        elif what == "columns":
            self.columns = COLUMNS[(COLUMNS.index(self.columns) + 1) % len(COLUMNS)]
        else:
            self.coder_index = (self.coder_index + 1) % len(self.coders)
        self.compute()

    def action_transpose(self) -> None:
        self.transposed = not self.transposed
        self.compute()

    def action_export(self) -> None:
        if self.matrix is None:
            return
        from workbench.tui.screens.dialogs import TextPrompt

        self.app.push_screen(
            TextPrompt(
                "Export the matrix to (.xlsx, .csv, .md, .html or .json):",
                f"matrix-{self.rows}-{self.columns}-{self.value}.xlsx",
                hint=f"Relative paths are in {Path.cwd()}",
            ),
            self.export_to,
        )

    def export_to(self, name: str | None) -> None:
        if not name or self.matrix is None:
            return
        from workbench.export.tables import write_matrix
        from workbench.project import project_codebook

        path = Path(name).expanduser().resolve()
        fmt = {".xlsx": "xlsx", ".csv": "csv", ".md": "md", ".html": "html", ".htm": "html", ".json": "json"}.get(
            path.suffix.lower()
        )
        if fmt is None:
            self.notify("Give the file an extension: .xlsx, .csv, .md, .html or .json.", severity="warning")
            return
        try:
            write_matrix(
                self.matrix,
                fmt,
                path,
                book=project_codebook(workbench_app(self).store),
                project=workbench_app(self).store.get_meta("title") or workbench_app(self).project.name,
            )
        except WorkbenchError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Wrote {path}", title="Exported", timeout=8)

    def action_edit_summary(self) -> None:
        """Chart the cell: the researcher's summary beside its segments (Framework Method)."""
        cell = self.current_cell()
        if cell is None or self.matrix is None:
            return
        row, column = (cell[1], cell[0]) if self.transposed else cell
        if self.rows not in ("participant", "site"):
            self.notify("Summaries are written for participant or site rows: press r to switch.", timeout=4)
            return
        from workbench.tui.screens.framework import SummaryEditor

        ids = self.matrix.cells.get(cell, [])

        def saved(done: bool | None) -> None:
            if done:
                self.notify(f"Summary of {row} × {column} saved.", timeout=3)

        self.app.push_screen(SummaryEditor(self.rows, row, column, list(ids)), saved)

    def action_back(self) -> None:
        self.app.pop_screen()
