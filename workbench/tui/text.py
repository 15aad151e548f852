"""Small wording helpers shared by the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.wording import plural as plural  # the screens import it from here

if TYPE_CHECKING:
    from rich.text import Text


def lines_needed(text: str, width: int, most: int = 4) -> int:
    """How many lines ``text`` wraps onto at ``width`` (at least 1, at most ``most``)."""
    import textwrap

    return max(1, min(most, len(textwrap.wrap(text, max(width, 1), break_on_hyphens=False) or [""])))


def clip(text: str, width: int, lines: int) -> str:
    """``text`` (whitespace collapsed) cut at a word to fit ``lines`` lines of ``width``."""
    import textwrap

    flat = " ".join(text.split())
    wrapped = textwrap.wrap(flat, max(width, 1), break_on_hyphens=False)
    if len(wrapped) <= lines:
        return flat
    kept = " ".join(wrapped[:lines])
    return kept[: max(0, len(kept) - 1)].rsplit(" ", 1)[0] + "…"


def hit_window(text: str, start: int, end: int, room: int, *, lo: int = 0, hi: int | None = None) -> Text:
    """A passage of about ``room`` characters with the hit ``[start, end)`` in its middle and
    highlighted (a rich Text); ``lo``/``hi`` bound it (the speaker turn)."""
    from rich.text import Text

    hi = len(text) if hi is None else hi
    hit = " ".join(text[start:end].split())
    side = max(10, (room - len(hit)) // 2)
    before = " ".join(text[max(lo, start - side * 2) : start].split())
    after = " ".join(text[end : min(hi, end + side * 2)].split())
    if len(before) > side:
        before = "…" + before[len(before) - side + 1 :].split(" ", 1)[-1]
    elif start - len(before) > lo and text[lo:start].strip() != before:
        before = "…" + before
    if len(after) > side:
        after = after[: side - 1].rsplit(" ", 1)[0] + "…"
    out = Text(before + (" " if before and text[start - 1 : start].isspace() else ""))
    out.append(hit, style="bold reverse")
    out.append((" " if after and text[end : end + 1].isspace() else "") + after)
    return out
