"""Speaker labels at the start of a line, in the styles transcription services and tools use.

Recognized (``TS`` is ``hh:mm:ss``, ``mm:ss`` or ``h:mm:ss.mmm``):

- ``Name: text`` and ``NAME: text`` (also ``**Name:** text`` in Markdown)
- ``[Name] text`` and ``[Name]: text``
- ``Name (TS): text``
- ``[TS] Name: text`` and ``TS Name: text``

A name is one to five words, each starting with a capital letter or a digit (``Dr. Melissa Ko``,
``Speaker 2``, ``P3``, ``I``, ``R``), with a few lower-case particles (``de``, ``van``...). That
keeps sentences such as ``the thing is: ...`` from being read as labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.ingest.timestamps import parse_timestamp

_WORD = r"(?:[A-Z\u00C0-\u00DE\u0100-\u024F][\w.'\u2019\-]*|\d+[A-Za-z]?)"
_PARTICLE = r"(?:de|da|del|della|di|du|van|von|der|den|la|le|bin|al|y)"
NAME = rf"{_WORD}(?:[ \t]+(?:{_WORD}|{_PARTICLE})){{0,4}}"
TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"

# Bracketed words that are transcription notes, not speakers.
NOT_SPEAKERS = {
    "inaudible",
    "crosstalk",
    "laughs",
    "laughter",
    "pause",
    "silence",
    "music",
    "unclear",
    "overlapping",
    "background noise",
    "break",
    "end",
    "end of transcript",
    "redacted",
    "sic",
}

_PATTERNS = [
    # [00:01:02] Name: text   /   00:01:02 Name: text
    re.compile(rf"^[ \t]*(?:\[(?P<ts>{TS})\]|(?P<ts2>{TS}))[ \t]+(?P<name>{NAME})[ \t]*:(?:[ \t]+|$)"),
    # Name (00:01:02): text
    re.compile(rf"^[ \t]*(?P<name>{NAME})[ \t]*\((?P<ts>{TS})\)[ \t]*:?(?:[ \t]+|$)"),
    # [Name] text  /  [Name]: text
    re.compile(rf"^[ \t]*\[(?P<name>{NAME})\][ \t]*:?(?:[ \t]+|$)"),
    # Name: text  /  **Name:** text  /  **Name**: text
    re.compile(rf"^[ \t]*(?:\*\*|__)?(?P<name>{NAME})[ \t]*(?::(?:\*\*|__)?|(?:\*\*|__):)(?:[ \t]+|$)"),
]

MAX_NAME_LENGTH = 40


@dataclass(slots=True, frozen=True)
class Label:
    """A speaker label found at the start of a line."""

    speaker: str
    end: int  # where the speech starts, relative to the line
    time: float | None = None


def find_label(line: str) -> Label | None:
    """The speaker label at the start of ``line``, or None."""
    for pattern in _PATTERNS:
        match = pattern.match(line)
        if not match:
            continue
        name = " ".join(match.group("name").split())
        if len(name) > MAX_NAME_LENGTH or name.lower() in NOT_SPEAKERS:
            return None
        groups = match.groupdict()
        stamp = groups.get("ts") or groups.get("ts2")
        return Label(name, match.end(), parse_timestamp(stamp) if stamp else None)
    return None
