"""Agreement report on screen: per code, the coefficients, flags, and the disagreements behind them."""

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

from workbench.coders import pooled_coders
from workbench.tui.app import workbench_app
from workbench.tui.text import plural
from workbench.tui.workers import run_in_thread

UNITS = ("sentence", "turn", "character")
LEVELS = ("code", "theme")


class AgreementScreen(Screen[None]):
    """Coders' agreement per code; Enter on a code lists its disagreements; Enter on one opens it."""

    DEFAULT_CSS = """
    AgreementScreen #summary { height: auto; padding: 0 1; }
    AgreementScreen DataTable { height: 2fr; }
    AgreementScreen #disagreements { height: 1fr; border-top: solid $primary; padding: 0 1; }
    """
    BINDINGS = [
        Binding("u", "cycle_unit", "Unit", id="agreement.unit"),
        Binding("l", "cycle_level", "Codes/themes", id="agreement.level"),
        Binding("o", "cycle_round", "Round", id="agreement.round"),
        Binding("k", "calibrate", "Calibrate", id="agreement.calibrate"),
        Binding("escape", "back", "Back", id="agreement.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.unit, self.level = "sentence", "code"
        self.report: Any = None
        self.round: str | None = None  # coding round (None: every segment)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Computing agreement…", id="summary")
        yield DataTable(id="codes", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="disagreements"):
            yield Static("", id="details")
        yield Footer()

    def on_mount(self) -> None:
        from workbench.blind import BlindPhaseError, lead_only

        try:
            lead_only(workbench_app(self).store, workbench_app(self).coder, "computes agreement")
        except BlindPhaseError as exc:  # the blind phase: said here, nothing is computed
            self.query_one("#summary", Static).update(f"{exc.message}\n{exc.hint} · Escape goes back")
            return
        self.compute()

    def compute(self) -> None:
        """The report is computed on a worker thread with its own connection."""
        unit, level, round_ = self.unit, self.level, self.round

        def job(store: Any) -> Any:
            from workbench.agreement.compute import AgreementSpec, compute_agreement

            coders = pooled_coders(c.name for c in store.coders() if c.segments)
            return compute_agreement(store, AgreementSpec(coders=coders, unit=unit, columns=level, round=round_))

        run_in_thread(
            self,
            job,
            self.show,
            group="agreement",
            failed=lambda exc: self.query_one("#summary", Static).update(str(exc)),
        )

    def show(self, report: Any) -> None:
        from workbench.agreement.report import fmt

        self.report = report
        spec = report.spec
        self.query_one("#summary", Static).update(
            f"[b]{', '.join(spec.coders)}[/b] on {plural(len(report.transcripts), 'transcript')}, by {spec.unit} "
            f"(overlap: {spec.overlap}) · pooled α = {fmt(report.overall.krippendorff_alpha)}, "
            f"agreement {fmt(report.overall.percent_agreement, True)} · flagged: α below {spec.threshold:.3f} "
            f"· u unit · l codes/themes"
        )
        self.fill()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        if self.report is not None:
            self.fill()

    def fill(self) -> None:
        """The numbers first (α and its flag), the code's name last, cut to the room that is left."""
        from workbench.agreement.report import fmt

        report = self.report
        two = len(report.spec.coders) == 2
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        numbers = (
            ("α", 9),
            ("Flag", 5),
            ("Cohen κ" if two else "Fleiss κ", 9),
            ("AC1", 5),
            ("B-P κ", 5),
            ("Agree", 6),
            ("Prev.", 6),
        )
        room = max(16, self.size.width - sum(w + 2 for _, w in numbers) - 4)
        for label, width in numbers:
            table.add_column(label, width=width)
        table.add_column("Code", width=room)
        previous = ""
        for code in report.codes + [report.overall]:
            kappa = code.cohen_kappa if two else code.fleiss_kappa
            alpha = code.krippendorff_alpha
            style = Style(color="red", bold=True) if code.flagged else (Style(dim=True) if alpha is None else Style())
            name = code.code
            if previous and name.startswith(previous + "/"):
                name = "  " + name[len(previous) + 1 :]  # a sub-code under the theme above it
            else:
                previous = code.code
            if code is report.overall:
                name = "(pooled over all codes)"
            table.add_row(
                Text(fmt(alpha), style=style, justify="right"),
                Text("below" if code.flagged else "", style=style),
                Text(fmt(kappa), justify="right"),
                Text(fmt(code.gwet_ac1), justify="right"),
                Text(fmt(code.brennan_prediger), justify="right"),
                Text(fmt(code.percent_agreement, True), justify="right"),
                Text("-" if code is report.overall else fmt(code.prevalence, True), justify="right"),
                Text(name, no_wrap=True, overflow="ellipsis"),
                key=code.code,
            )
        if row:
            table.move_cursor(row=min(row, table.row_count - 1))

    @on(DataTable.RowHighlighted)
    def show_disagreements(self, event: DataTable.RowHighlighted) -> None:
        if self.report is None:
            return
        code = next((c for c in self.report.codes if c.code == event.row_key.value), None)
        out = Text()
        if code is not None:
            out.append(f"{code.code}\n", Style(bold=True))  # the whole name, cut in the table
        if code is None:
            out.append("\n".join(self.report.notes), Style(dim=True))
        elif not code.disagreements:
            out.append("No disagreements listed for this code (they are listed for flagged codes).", Style(dim=True))
        else:
            out.append("Disagreements\n", Style(bold=True))
            for d in code.disagreements:
                out.append(f"{d.transcript}  ", Style(dim=True))
                out.append(
                    f"coded by {', '.join(d.coded_by) or 'nobody'}, not by {', '.join(d.not_coded_by)}\n",
                    Style(italic=True),
                )
                out.append(f"  “{d.text}”\n")
        self.query_one("#details", Static).update(out)

    def action_cycle_unit(self) -> None:
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)]
        self.compute()

    def action_cycle_level(self) -> None:
        self.level = LEVELS[(LEVELS.index(self.level) + 1) % len(LEVELS)]
        self.compute()

    def action_cycle_round(self) -> None:
        from workbench.agreement.rounds import list_rounds

        names = [None] + [r.name for r in list_rounds(workbench_app(self).store)]
        self.round = names[(names.index(self.round) + 1) % len(names)] if self.round in names else None
        self.notify(f"Round: {self.round or 'all segments'}")
        self.compute()

    def action_calibrate(self) -> None:
        from workbench.tui.screens.calibration import CalibrationScreen

        coders = [c.name for c in workbench_app(self).store.coders() if c.segments]  # not members who have not coded
        if len(coders) < 2:
            self.notify("Calibration needs two coders (a gold coder and a trainee).", severity="warning")
            return
        self.app.push_screen(CalibrationScreen(coders))

    def action_back(self) -> None:
        self.app.pop_screen()
