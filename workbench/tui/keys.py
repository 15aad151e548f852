"""Key names as people type them: `]` and `?`, not `right_square_bracket` and `question_mark`."""

from __future__ import annotations

from textual.keys import format_key

NAMES = {
    "escape": "Escape",
    "enter": "Enter",
    "space": "Space",
    "tab": "Tab",
    "backspace": "Backspace",
    "delete": "Delete",
    "home": "Home",
    "end": "End",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}


def key_label(key: str) -> str:
    """One key ("ctrl+z" -> "Ctrl+Z", "right_square_bracket" -> "]")."""
    *modifiers, base = key.strip().split("+")
    name = NAMES.get(base) or format_key(base)
    if modifiers:
        if len(name) == 1:
            name = name.upper()
        return "+".join([m.capitalize() for m in modifiers] + [name])
    return name


def keys_label(keys: str) -> str:
    """A binding's keys ("u,ctrl+z" -> "u, Ctrl+Z")."""
    return ", ".join(key_label(k) for k in keys.split(",") if k.strip())
