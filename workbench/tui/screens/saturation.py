"""The saturation view (Guest, Namey & Chen 2020): new codes per interview, the runs after the
base and the accumulation curve; keys change the order, level, base, run and threshold."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.errors import WorkbenchError
from workbench.findings.saturation import ORDERS, SaturationSpec, compute_saturation, terminal_plot
from workbench.tui.app import workbench_app

THRESHOLDS = (0.0, 0.05, 0.10)


class SaturationScreen(Screen[None]):
    DEFAULT_CSS = """
    SaturationScreen #title { height: auto; padding: 0 1; }
    SaturationScreen DataTable { height: auto; max-height: 14; }
    SaturationScreen #plot { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("o", "order", "Order", id="saturation.order"),
        Binding("l", "level", "Codes / themes", id="saturation.level"),
        Binding("plus,b", "base(1)", "Base +1", id="saturation.base_up"),
        Binding("minus,B", "base(-1)", "Base -1", id="saturation.base_down"),
        Binding("r", "run(1)", "Run +1", id="saturation.run_up"),
        Binding("R", "run(-1)", "Run -1", id="saturation.run_down"),
        Binding("t", "threshold", "Threshold", id="saturation.threshold"),
        Binding("escape", "back", "Back", id="saturation.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.spec = SaturationSpec()
        self.blind: str | None = None  # the blind phase's notice: only the coder's own coding

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("", id="title")
            yield DataTable(id="interviews", cursor_type="row", zebra_stripes=True)
            yield Static("", id="plot")
        yield Footer()

    def on_mount(self) -> None:
        from workbench.blind import notice

        self.blind = notice(workbench_app(self).store, workbench_app(self).coder)
        if self.blind:  # only the coder's own coding while the project is blind
            self.spec.coders = [workbench_app(self).coder]
        table = self.query_one(DataTable)
        for key, label in (
            ("n", "#"),
            ("title", "Interview"),
            ("codes", "Codes"),
            ("new", "New"),
            ("total", "Total"),
            ("run", "Run ratio"),
            ("mark", ""),
        ):
            table.add_column(label, key=key)
        self.refresh_view()
        table.focus()

    def refresh_view(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        try:
            result = compute_saturation(workbench_app(self).store, self.spec)
        except WorkbenchError as exc:
            self.query_one("#title", Static).update(f"[b]Saturation[/b]: {exc}")
            self.query_one("#plot", Static).update("")
            return
        runs = {r.first: r for r in result.runs}
        for i in result.interviews:
            run = runs.get(i.position)
            ratio = "" if run is None else f"{run.first}-{run.last}: {run.ratio:.1%}" + (" ✓" if run.meets else "")
            mark = "base" if i.position <= self.spec.base else ("saturation" if i.position == result.point else "")
            table.add_row(str(i.position), i.title[:34], str(i.codes), str(i.new), str(i.cumulative), ratio, mark)
        from rich.markup import escape

        self.query_one("#title", Static).update(
            f"{escape(result.statement())}\n[dim]o order · l level · b/B base · r/R run · t threshold[/dim]"
            + (f"\n[i]{self.blind}[/i]" if self.blind else "")
        )
        width = max(40, min(self.size.width - 4, 100))
        self.query_one("#plot", Static).update(escape(terminal_plot(result, width=width, height=14)))

    def action_order(self) -> None:
        self.spec.order = ORDERS[(ORDERS.index(self.spec.order) + 1) % len(ORDERS)]
        self.refresh_view()

    def action_level(self) -> None:
        self.spec.level = "theme" if self.spec.level == "code" else "code"
        self.refresh_view()

    def action_base(self, delta: int) -> None:
        self.spec.base = max(1, self.spec.base + delta)
        self.refresh_view()

    def action_run(self, delta: int) -> None:
        self.spec.run = max(1, self.spec.run + delta)
        self.refresh_view()

    def action_threshold(self) -> None:
        index = THRESHOLDS.index(self.spec.threshold) if self.spec.threshold in THRESHOLDS else 0
        self.spec.threshold = THRESHOLDS[(index + 1) % len(THRESHOLDS)]
        self.refresh_view()

    def action_back(self) -> None:
        self.app.pop_screen()
