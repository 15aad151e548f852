"""The key bar at the bottom of a screen: the screen's keys, drawn as one widget.

It shows what Textual's Footer shows (each shown binding's key and description, the command
palette's key on the right) and looks the same, but it is a single widget that renders one line
of text. Textual's Footer mounts one widget per key and restyles each of them whenever the
bindings change (every focus change), which on the coding screen cost more than everything else
that opening a transcript does. Clicking a key presses it, as in the Footer.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    """A one-line footer of the screen's shown key bindings."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--item", "keybar--border"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keybar--item { background: $footer-item-background; }
        & > .keybar--border { color: $foreground 20%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str]] = []  # (from x, to x, key) for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def _keys(self) -> tuple[list[tuple[str, str, str, bool]], tuple[str, str, str, bool] | None]:
        """(key, shown key, description, enabled) of each shown binding, one per action, in the
        screen's order; and the command palette's key, if the app has one."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        keys = []
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = (binding.key, self.app.get_key_display(binding), binding.description, enabled)
        return keys, palette

    def render(self) -> Text:
        keys, palette = self._keys()
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        description_style = self.get_component_rich_style("keybar--description", partial=True)
        item_style = self.get_component_rich_style("keybar--item", partial=True)
        width = self.size.width
        right = Text()
        if palette is not None:
            key, shown, description, enabled = palette
            dim = Style(dim=not enabled)
            background = self.styles.background + self.get_component_styles("keybar--item").background
            border = background + self.get_component_styles("keybar--border").color  # a 20% tint, blended
            right.append("▏", item_style + Style(color=border.rich_color))
            right.append(shown, item_style + key_style + dim)
            right.append(f" {description}" if description else "", item_style + description_style + dim)
            right.append(" ", item_style)
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        room = width - right.cell_len
        for key, shown, description, enabled in keys:
            if line.cell_len >= room:
                break
            dim = Style(dim=not enabled)
            start = line.cell_len
            line.append(f" {shown} ", item_style + key_style + dim)
            if description:
                line.append(f"{description} ", item_style + description_style + dim)
            self._spans.append((start, min(line.cell_len, room), key))
        line.truncate(max(0, room))
        line.pad_right(max(0, room - line.cell_len))
        if palette is not None and right.cell_len <= width:
            self._spans.append((room, width, palette[0]))
            line.append_text(right)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
