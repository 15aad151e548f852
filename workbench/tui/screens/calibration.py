"""Calibration against a gold coder on screen: per code the trainee's agreement with the gold coder,
and for the highlighted code its definition, when to use and when not, and the trainee's misses and
extras."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.tui.workers import run_in_thread


class CalibrationScreen(Screen[None]):
    """A trainee against a gold coder; g and t change who is who."""

    DEFAULT_CSS = """
    CalibrationScreen #calibration-summary { height: auto; padding: 0 1; }
    CalibrationScreen DataTable { height: 1fr; }
    CalibrationScreen #calibration-details { height: 1fr; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("g", "cycle_gold", "Gold", id="calibration.gold"),
        Binding("t", "cycle_trainee", "Trainee", id="calibration.trainee"),
        Binding("escape", "back", "Back", id="calibration.back"),
    ]

    def __init__(self, coders: list[str], gold: str | None = None, trainee: str | None = None) -> None:
        super().__init__()
        self.coders = coders
        self.gold = gold or ("consensus" if "consensus" in coders else coders[0] if coders else "")
        others = [c for c in coders if c != self.gold]
        self.trainee = trainee or (others[0] if others else "")
        self.report: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Comparing…", id="calibration-summary")
        yield DataTable(id="calibration-codes", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="calibration-details"):
            yield Static("", id="calibration-text")
        yield Footer()

    def on_mount(self) -> None:
        self.compute()

    def compute(self) -> None:
        from workbench.agreement.calibration import calibrate

        gold, trainee = self.gold, self.trainee
        run_in_thread(
            self,
            lambda store: calibrate(store, gold, trainee),
            self.show,
            group="calibration",
            failed=lambda exc: self.show_error(str(exc)),
        )

    def show_error(self, message: str) -> None:
        self.report = None
        self.query_one("#calibration-summary", Static).update(f"{message}  · g gold · t trainee")
        self.query_one(DataTable).clear(columns=True)

    def show(self, report: Any) -> None:
        def fmt(v: float | None, pct: bool = False) -> str:
            return "undefined" if v is None else (f"{v:.0%}" if pct else f"{v:.3f}")

        self.report = report
        self.query_one("#calibration-summary", Static).update(
            f"[b]{report.trainee}[/b] against gold [b]{report.gold}[/b] on {len(report.transcripts)} transcripts, by "
            f"{report.unit} · pooled κ {fmt(report.pooled_kappa)} · recall {fmt(report.recall, True)} · precision "
            f"{fmt(report.precision, True)} · {report.misses} misses, {report.extras} extras · g gold · t trainee"
        )
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label in ("Code", "Gold", "Miss", "Extra", "κ", "Recall"):
            table.add_column(label)
        for code in report.codes:
            if code.tp + code.fn + code.fp == 0:
                continue
            weak = code.kappa is not None and code.kappa < 0.6
            style = Style(color="red", bold=True) if weak else Style()
            table.add_row(
                Text(code.code),
                str(code.gold_positive),
                str(code.fn),
                str(code.fp),
                Text(fmt(code.kappa), style=style),
                fmt(code.recall, True),
                key=code.code,
            )
        if not table.row_count:
            self.query_one("#calibration-text", Static).update("Neither coder applied a code on these transcripts.")
        table.focus()

    @on(DataTable.RowHighlighted)
    def show_code(self, event: DataTable.RowHighlighted) -> None:
        if self.report is None or event.row_key is None:
            return
        code = next((c for c in self.report.codes if c.code == event.row_key.value), None)
        if code is None:
            return
        out = Text()
        out.append(f"{code.code}\n", Style(bold=True))
        for label, value in (
            ("Definition", code.definition),
            ("When to use", code.when_to_use),
            ("When not to use", code.when_not_to_use),
        ):
            if value:
                out.append(f"{label}: ", Style(italic=True))
                out.append(" ".join(value.split()) + "\n")
        for label, items in (
            ("Missed (gold applied it, trainee did not)", code.misses),
            ("Extra (trainee applied it, gold did not)", code.extras),
        ):
            if items:
                out.append(f"\n{label}\n", Style(bold=True))
                for item in items[:30]:
                    out.append(f"{item.transcript}  ", Style(dim=True))
                    out.append(f"“{item.text}”\n")
        self.query_one("#calibration-text", Static).update(out)

    def _cycle(self, current: str, avoid: str) -> str:
        choices = [c for c in self.coders if c != avoid] or self.coders
        return choices[(choices.index(current) + 1) % len(choices)] if current in choices else choices[0]

    def action_cycle_gold(self) -> None:
        self.gold = self._cycle(self.gold, self.trainee)
        self.compute()

    def action_cycle_trainee(self) -> None:
        self.trainee = self._cycle(self.trainee, self.gold)
        self.compute()

    def action_back(self) -> None:
        self.app.pop_screen()
