"""The one timestamp parser: caption cue timings (WebVTT, SRT) and the times in speaker labels
(``[00:01:02] Name:``, ``Name (1:02):``) read the same way; and the one way a time is shown
(``hh:mm:ss``, :func:`format_timestamp`).

``hh:mm:ss``, ``mm:ss``, each with an optional fraction after ``.`` or ``,``; lenient about digit
counts (Teams writes ``0:0:0.5``); minutes and seconds above 59 are not a time.
"""

from __future__ import annotations

import re

_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d+):(\d+)(?:[.,](\d+))?")


def parse_timestamp(value: str, *, fraction: bool = False) -> float | None:
    """``value`` in seconds, or None when it is not a timestamp (with ``fraction``, one without a
    fractional part is not one either: cue timings must have it)."""
    match = _TIMESTAMP.fullmatch(value.strip())
    if not match:
        return None
    hours, minutes, seconds, part = match.groups()
    if part is None and fraction:
        return None
    if int(minutes) > 59 and hours is not None or int(seconds) > 59:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + (int(part) / 10 ** len(part) if part else 0.0)


def format_timestamp(seconds: float) -> str:
    """``seconds`` as ``hh:mm:ss`` (whole seconds, cut, not rounded), as a turn's time is shown."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
