"""A screen that lists every key of the screen underneath, generated from its bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.tui.keys import keys_label


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 70; max-height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, below: object | None = None) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        below = self.below
        lines = [Text("Keys", style="bold"), Text("")]
        seen = set()
        for source in (below, self.app):
            for binding in getattr(source, "BINDINGS", []):
                if not isinstance(binding, Binding) or (binding.description or binding.action) in seen:
                    continue
                seen.add(binding.description or binding.action)
                keys = keys_label(binding.key)
                line = Text("  ")
                line.append(f"{keys:<18}", style="bold")
                line.append(f" {binding.description or binding.action}")
                lines.append(line)
        lines += [
            Text(""),
            Text("Every change is saved at once. Ctrl+P opens the command palette."),
            Text("Escape closes this help."),
        ]
        with VerticalScroll():
            yield Static(Text("\n").join(lines))
