"""The code picker: type to match code names, paths, definitions and keywords (fuzzy)."""

from __future__ import annotations

from typing import Final

from rapidfuzz import fuzz
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from workbench.models import Code
from workbench.session import CodeAnswer


def rank_codes(codes: list[Code], query: str, recent: list[int]) -> list[Code]:
    """Codes in the order the picker shows them: recent first when nothing is typed, else by how
    well the query matches the path (weighted most), the definition and the keywords."""
    if not query.strip():
        order = {code_id: i for i, code_id in enumerate(recent)}
        return sorted(codes, key=lambda c: (order.get(c.id, len(order)), 0))
    query = query.strip().lower()
    scored = []
    for code in codes:
        path = code.path.lower()
        score = max(fuzz.WRatio(query, path), fuzz.partial_ratio(query, code.name.lower()) + 5)
        extra = " ".join([code.definition or "", " ".join(code.keywords or [])]).lower()
        if extra:
            score = max(score, fuzz.partial_ratio(query, extra) - 15)
        if score >= 70:
            scored.append((score, -code.depth, code))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [code for _, _, code in scored]


NEW: Final = "new"
IN_VIVO: Final = "in-vivo"


class CodePicker(ModalScreen[CodeAnswer | None]):
    """Choose a code for the selected passage.

    Returns ``("code", id)``, ``("new", path)`` for a new code named by what was typed (a path
    such as "Barriers/Parking" puts it under that theme), ``("in-vivo", None)`` for a code named
    after the selected words, or None when cancelled.
    """

    DEFAULT_CSS = """
    CodePicker { align: center middle; }
    CodePicker > Vertical { width: 80%; max-width: 100; height: 80%; border: thick $accent; background: $panel; }
    CodePicker Input { margin: 0 0 1 0; }
    CodePicker #definition { height: auto; max-height: 6; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, codes: list[Code], recent: list[int], passage: str) -> None:
        super().__init__()
        self.codes = codes
        self.recent = recent
        self.passage = passage
        self.shown: list[Code] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            preview = " ".join(self.passage.split())
            yield Static(f"Code: “{preview[:120]}{'…' if len(preview) > 120 else ''}”")
            yield Input(placeholder="Type part of a code, its definition or a keyword", id="query")
            yield OptionList(id="codes")
            yield Static("", id="definition")

    def on_mount(self) -> None:
        self.refresh_options("")
        self.query_one(Input).focus()

    def refresh_options(self, query: str) -> None:
        self.shown = rank_codes(self.codes, query, self.recent)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(("  " * c.depth if not query else "") + c.path, id=str(c.id)) for c in self.shown])
        if query.strip():
            options.add_option(Option(f"+ New code “{query.strip()}”", id=NEW))
        options.add_option(Option("+ In-vivo code from the selected words", id=IN_VIVO))
        if options.option_count:
            options.highlighted = 0  # Enter picks the highlighted row, even when no code matches
        self.show_definition()

    def show_definition(self) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted
        text = ""
        if index is not None and 0 <= index < len(self.shown):
            code = self.shown[index]
            text = code.definition or ""
            if code.when_not_to_use:
                text += f"\nNot for: {code.when_not_to_use}"
        self.query_one("#definition", Static).update(text)

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self.refresh_options(event.value)

    @on(Input.Submitted, "#query")
    def choose_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option.id)

    def choose(self, option_id: str | None) -> None:
        if option_id == NEW:
            self.dismiss((NEW, self.query_one(Input).value.strip()))
        elif option_id == IN_VIVO:
            self.dismiss((IN_VIVO, None))
        elif option_id is not None:
            self.dismiss(("code", int(option_id)))

    @on(OptionList.OptionHighlighted)
    def highlighted(self) -> None:
        self.show_definition()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def action_cancel(self) -> None:
        self.dismiss(None)
