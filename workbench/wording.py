"""Small wording helpers shared by the core and the screens."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 word', '2 words', '1,204 hits'."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"
