"""Small dialogs that return typed results: a memo editor, choosers and a one-line prompt."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option

from workbench.reading import ShownSegment


class MemoDialog(ModalScreen[str | None]):
    """Write or edit a memo; Ctrl+S saves, Escape cancels."""

    DEFAULT_CSS = """
    MemoDialog { align: center middle; }
    MemoDialog > Vertical { width: 80%; max-width: 100; height: 60%; border: thick $accent; background: $panel; }
    MemoDialog TextArea { height: 1fr; }
    MemoDialog .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="memo.save"),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{self.title_text}[/b]")
            yield TextArea(self.text, id="memo", soft_wrap=True)
            yield Static("Ctrl+S saves · Escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SegmentChooser(ModalScreen[int | None]):
    """Pick one of several segments under the selection; returns its id."""

    DEFAULT_CSS = """
    SegmentChooser { align: center middle; }
    SegmentChooser > Vertical { width: 80%; max-width: 100; height: auto; max-height: 70%; border: thick $accent; background: $panel; }
    SegmentChooser OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="chooser.cancel")]

    def __init__(self, prompt: str, segments: Sequence[ShownSegment]) -> None:
        super().__init__()
        self.prompt = prompt
        self.segments = segments

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt)
            yield OptionList(
                *[
                    Option(f"{s.code} · {s.coder} · “{' '.join(s.text.split())[:60]}”", id=str(s.id))
                    for s in self.segments
                ]
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CoderChooser(ModalScreen[list[str] | None]):
    """Pick two or more coders; Enter confirms, Escape cancels."""

    DEFAULT_CSS = """
    CoderChooser { align: center middle; }
    CoderChooser > Vertical { width: 60; height: auto; max-height: 80%; border: thick $accent; background: $panel; }
    CoderChooser SelectionList { height: auto; max-height: 16; }
    """
    BINDINGS = [
        Binding("enter", "confirm", "Confirm", id="coders.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="coders.cancel"),
    ]

    def __init__(self, coders: list[str], chosen: list[str]) -> None:
        super().__init__()
        self.coders = coders
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Coders to compare (space toggles, Enter confirms):")
            yield SelectionList[str](*[(name, name, name in self.chosen) for name in self.coders])

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_confirm(self) -> None:
        selected = list(self.query_one(SelectionList).selected)
        if len(selected) < 2:
            self.notify("Pick at least two coders.", severity="warning")
            return
        self.dismiss(selected)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y or Enter confirms, n or Escape declines."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical { width: 70%; max-width: 80; height: auto; border: thick $accent; background: $panel;
                               padding: 0 1; }
    ConfirmDialog .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            yield Static("y or Enter: yes · n or Escape: no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a file name, a correction, a pseudonym); Enter confirms, Escape cancels.
    The given value is selected, so typing replaces it."""

    DEFAULT_CSS = """
    TextPrompt { align: center middle; }
    TextPrompt > Vertical { width: 80%; max-width: 90; height: auto; border: thick $accent; background: $panel;
                            padding: 0 1; }
    TextPrompt .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, prompt: str, value: str = "", hint: str | None = None) -> None:
        super().__init__()
        self.prompt, self.value, self.hint = prompt, value, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt)
            yield Input(self.value, id="answer")
            if self.hint:
                yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
