"""Reconciliation: walk through the units where coders disagree and settle each into the consensus.

Each disagreement shows the passage in its turn, every coder's codes side by side, and the
definitions of those codes. Keys take one coder's coding, both, neither, or other codes from the
picker, with an optional note; progress and the consensus's agreement with each coder update as
decisions are made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from workbench import reconcile
from workbench.coders import CONSENSUS, pooled_coders
from workbench.errors import WorkbenchError
from workbench.tui.app import workbench_app
from workbench.tui.workers import run_in_thread

if TYPE_CHECKING:
    from workbench.session import CodeAnswer
    from workbench.store import Store


class ReconcileScreen(Screen[None]):
    """Settle disagreements one at a time."""

    DEFAULT_CSS = """
    ReconcileScreen #progress { height: auto; padding: 0 1; background: $boost; }
    ReconcileScreen #passage { height: 1fr; padding: 0 1; }
    ReconcileScreen #coders { height: 1fr; border-top: solid $primary; }
    ReconcileScreen .coder { width: 1fr; height: 100%; overflow-y: auto; padding: 0 1; border-right: solid $primary; }
    """
    BINDINGS = [
        Binding("1", "take(0)", "Take coder 1", id="reconcile.take1"),
        Binding("2", "take(1)", "Take coder 2", id="reconcile.take2"),
        Binding("3", "take(2)", "Take coder 3", show=False, id="reconcile.take3"),
        Binding("b", "take_both", "Both", id="reconcile.both"),
        Binding("n", "take_neither", "Neither", id="reconcile.neither"),
        Binding("e", "take_other", "Other code", id="reconcile.other"),
        Binding("m", "note", "Note why", id="reconcile.note"),
        Binding("j,down", "step(1)", "Next", id="reconcile.next"),
        Binding("k,up", "step(-1)", "Previous", show=False, id="reconcile.prev"),
        Binding("A", "accept_agreed", "Accept agreed", id="reconcile.accept_agreed"),
        Binding("c", "choose_coders", "Coders", id="reconcile.coders"),
        Binding("escape", "back", "Back", id="reconcile.back"),
    ]

    def __init__(self, transcript_ids: list[int] | None = None) -> None:
        super().__init__()
        self.transcript_ids = transcript_ids
        self.coders: list[str] = []
        self.items: list[reconcile.Disagreement] = []
        self.index = 0
        self.note: str | None = None
        self.agreement = ""
        self.last: int | None = None  # the disagreement just decided: m notes on it

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Finding disagreements…", id="progress")
        with VerticalScroll(id="passage"):
            yield Static("", id="text")
        with Horizontal(id="coders"):  # one column per coder (up to three), filled in place
            for number in range(3):
                yield Static("", classes="coder", id=f"coder{number}")
        yield Footer()

    def on_mount(self) -> None:
        from workbench.blind import BlindPhaseError, lead_only

        try:
            lead_only(workbench_app(self).store, workbench_app(self).coder, "reconciles")
        except BlindPhaseError as exc:  # the blind phase: said here, nothing is computed
            self.query_one("#progress", Static).update(f"{exc.message}\n{exc.hint} · Escape goes back")
            return
        counts = {c.name: c.segments for c in workbench_app(self).store.coders() if c.segments}
        self.coders = sorted(pooled_coders(counts), key=lambda name: -counts[name])[:3]
        self.load()

    def load(self) -> None:
        def job(store: Store) -> tuple[Any, str]:
            items = reconcile.find_disagreements(store, self.coders, transcript_ids=self.transcript_ids)
            return items, self.consensus_agreement(store)

        run_in_thread(
            self,
            job,
            lambda found: self.show(*found),
            group="reconcile",
            failed=lambda exc: self.query_one("#progress", Static).update(str(exc)),
        )

    def consensus_agreement(self, store: Store) -> str:
        """Agreement of the consensus with each coder, by turn (recomputed after decisions)."""
        from workbench.agreement.compute import AgreementSpec, compute_agreement

        if not any(c.name == CONSENSUS for c in store.coders()):
            return "no consensus coding yet"
        parts = []
        for coder in self.coders:
            try:
                report = compute_agreement(
                    store, AgreementSpec(coders=[CONSENSUS, coder], unit="turn", columns="theme")
                )
            except WorkbenchError:
                continue
            alpha = report.overall.krippendorff_alpha
            if alpha is not None and abs(alpha) < 0.005:
                alpha = 0.0  # never "-0.00"
            parts.append(
                f"consensus vs {coder}: α {alpha:.2f}" if alpha is not None else f"consensus vs {coder}: α undefined"
            )
        return " · ".join(parts) or "consensus not yet comparable with the coders"

    def show(self, items: list[reconcile.Disagreement], agreement: str) -> None:
        self.items, self.agreement = items, agreement
        open_items = [i for i, d in enumerate(items) if not d.settled]
        self.index = open_items[0] if open_items else 0
        self.render_current()

    def render_current(self) -> None:
        settled = sum(d.settled for d in self.items)
        scope = "this transcript" if self.transcript_ids else "all transcripts"
        head = (
            f"[b]{settled} of {len(self.items)} disagreements settled[/b] between {', '.join(self.coders)} "
            f"(by sentence, {scope})" + (f" · {self.agreement}" if self.agreement else "") + " · c coders"
        )
        self.query_one("#progress", Static).update(head)
        columns = [self.query_one(f"#coder{number}", Static) for number in range(3)]
        for column in columns:
            column.display = False
        if not self.items:
            self.query_one("#text", Static).update("No disagreements: the coders agree everywhere they both coded.")
            return
        item = self.items[self.index]
        store = workbench_app(self).store
        text = store.transcript_text(item.transcript_id) or ""
        turn = next((t for t in store.turns(item.transcript_id) if t.start <= item.start < t.end + 1), None)
        lo, hi = (turn.start, turn.end) if turn else (max(0, item.start - 300), item.end + 300)
        passage = Text()
        passage.append(f"{self.index + 1}. {item.transcript}", Style(bold=True))
        if turn and turn.speaker:
            passage.append(f" · {turn.speaker}", Style(dim=True))
        passage.append("\n\n" + text[lo : item.start])
        passage.append(text[item.start : item.end], Style(reverse=True, bold=True))
        passage.append(text[item.end : hi] + "\n")
        if item.settled and item.decision is not None:
            decision = item.decision
            passage.append(
                f"\nSettled: {decision.choice} → {'; '.join(decision.codes or []) or 'no code'}",
                Style(color="green", bold=True),
            )
            if decision.note:
                passage.append(f" ({decision.note})", Style(italic=True))
        if self.note:
            passage.append(f"\nNote for the decision: {self.note}", Style(italic=True, color="yellow"))
        done = self.items[self.last].decision if self.last is not None and self.last < len(self.items) else None
        if done is not None:
            passage.append(
                f"\n\nDecided #{(self.last or 0) + 1}: {done.choice} → "
                f"{'; '.join(done.codes or []) or 'no code'}"
                + (f" ({done.note})" if done.note else " · m adds a note to it"),
                Style(dim=True),
            )
        self.query_one("#text", Static).update(passage)
        codes = {c.path: c for c in store.codes()}
        segments = store.segments(transcript_id=item.transcript_id)
        paths_by_id = {c.id: c.path for c in codes.values()}
        for number, (coder, paths) in enumerate(item.codes.items(), 1):
            body = Text()
            body.append(f"{number}  {coder}\n", Style(bold=True))
            # codes on part of the unit that fall short of the rule (e.g. under half a sentence)
            partly = sorted(
                {
                    paths_by_id.get(s.code_id, "?")
                    for s in segments
                    if s.coder == coder and s.start < item.end and s.end > item.start
                }
                - set(paths)
            )
            if not paths:
                body.append("(no code on this sentence)\n" if partly else "(no code here)\n", Style(dim=True))
            for path in paths:
                code = codes.get(path)
                body.append("■ ", Style(color=(code.colour if code else None) or "#888888"))
                body.append(path + "\n")
                if code and code.definition:
                    body.append(f"{code.definition}\n", Style(dim=True))
            if partly:
                body.append("coded on part of it only (not counted):\n", Style(italic=True))
                for path in partly:
                    body.append(f"□ {path}\n", Style(dim=True))
            if number <= len(columns):
                columns[number - 1].update(body)
                columns[number - 1].display = True

    def decide(self, choice: str, codes: list[str] | None = None) -> None:
        if not self.items:
            return
        item = self.items[self.index]
        try:
            reconcile.decide(
                workbench_app(self).store, item, choice, codes=codes, note=self.note, coder=workbench_app(self).coder
            )
        except WorkbenchError as exc:
            self.notify(str(exc), severity="error")
            return
        self.note = None
        self.last = self.index
        self.agreement = self.consensus_agreement(workbench_app(self).store)
        later = [i for i in range(self.index + 1, len(self.items)) if not self.items[i].settled]
        earlier = [i for i in range(self.index) if not self.items[i].settled]
        self.index = (later or earlier or [self.index])[0]
        self.render_current()

    def action_take(self, number: int) -> None:
        if self.items and number < len(self.items[self.index].codes):
            self.decide(list(self.items[self.index].codes)[number])

    def action_take_both(self) -> None:
        self.decide("both")

    def action_take_neither(self) -> None:
        self.decide("neither")

    def action_take_other(self) -> None:
        if not self.items:
            return
        from workbench.tui.screens.picker import CodePicker

        item = self.items[self.index]

        def chosen(result: CodeAnswer | None) -> None:
            if result and result[0] == "code":
                path = next(c.path for c in workbench_app(self).store.codes() if c.id == result[1])
                self.decide("codes", [path])

        self.app.push_screen(CodePicker(workbench_app(self).store.codes(), [], item.text), chosen)

    def action_note(self) -> None:
        """A note on the decision just taken (or on the one shown, when settled), else on the next."""
        from workbench.tui.screens.dialogs import MemoDialog

        if not self.items:
            return
        current = self.items[self.index]
        target = current if current.settled else (self.items[self.last] if self.last is not None else None)
        if target is not None and target.settled:
            number = self.items.index(target) + 1

            def save(text: str | None) -> None:
                if text is None:
                    return
                try:
                    reconcile.annotate(
                        workbench_app(self).store, target, text.strip() or None, coder=workbench_app(self).coder
                    )
                except WorkbenchError as exc:
                    self.notify(str(exc), severity="error")
                    return
                self.notify(f"Note saved on decision #{number}.", timeout=3)
                self.render_current()

            self.app.push_screen(
                MemoDialog(
                    f"Why? (the note of decision #{number})", (target.decision.note if target.decision else None) or ""
                ),
                save,
            )
            return

        def keep(text: str | None) -> None:
            if text is not None:
                self.note = text.strip() or None
                self.render_current()

        self.app.push_screen(MemoDialog("Why? (saved with the next decision)", self.note or ""), keep)

    def action_step(self, step: int) -> None:
        self.last = None
        if self.items:
            self.index = (self.index + step) % len(self.items)
            self.render_current()

    def action_choose_coders(self) -> None:
        from workbench.tui.screens.dialogs import CoderChooser

        names = pooled_coders(c.name for c in workbench_app(self).store.coders() if c.segments)

        def chosen(selected: list[str] | None) -> None:
            if selected:
                self.coders = selected
                self.load()

        self.app.push_screen(CoderChooser(names, self.coders), chosen)

    def action_accept_agreed(self) -> None:
        added = reconcile.accept_agreed(
            workbench_app(self).store, self.coders, coder=workbench_app(self).coder, transcript_ids=self.transcript_ids
        )
        self.notify(f"{added} consensus segments added from what the coders agree on.")
        self.agreement = self.consensus_agreement(workbench_app(self).store)
        self.render_current()

    def action_back(self) -> None:
        self.app.pop_screen()
