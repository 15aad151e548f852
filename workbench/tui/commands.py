"""Command palette: every key binding of the current screen and the app, found by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.tui.keys import keys_label


class ScreenActions(Provider):
    """Offers the actions of the screen underneath the palette (and the app's own)."""

    def _actions(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        out: list[tuple[str, str, Callable[[], Any]]] = []
        seen: set[str] = set()
        for source in (screen, self.app):
            for binding in getattr(source, "BINDINGS", []):
                if not isinstance(binding, Binding) or not binding.description or binding.description in seen:
                    continue
                seen.add(binding.description)
                keys = keys_label(binding.key)
                out.append((binding.description, keys, partial(source.run_action, binding.action)))
        return out

    async def discover(self) -> Hits:
        for description, keys, run in self._actions():
            yield DiscoveryHit(description, run, help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, keys, run in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), run, help=f"key: {keys}")
