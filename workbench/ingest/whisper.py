"""Whisper JSON: the transcripts local speech-to-text tools write (openai-whisper, faster-whisper,
WhisperX and the tools built on them).

The file is an object with a ``segments`` list; each segment has ``start`` and ``end`` (seconds)
and ``text``, and, after diarization (WhisperX), a ``speaker`` (also taken from the segment's
words when only they carry it). Consecutive segments of one speaker become one turn; without
speakers, segments are joined into paragraphs at pauses (see ``captions.paragraphs``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.ingest.captions import Cue, items_to_transcript
from workbench.models import ParsedTranscript


def looks_like_whisper(path: Path, limit: int = 50 * 1024 * 1024) -> bool:
    """Whether a .json file found in a folder is a Whisper transcript (others are skipped)."""
    try:
        if path.stat().st_size > limit:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("segments"), list)


def _speaker(segment: dict[str, Any]) -> str | None:
    speaker = segment.get("speaker")
    if not speaker:
        words = [w.get("speaker") for w in segment.get("words") or [] if isinstance(w, dict) and w.get("speaker")]
        speaker = max(set(words), key=words.count) if words else None
    return " ".join(str(speaker).split()) or None if speaker else None


def read_whisper(path: Path, text: str) -> ParsedTranscript:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(
            f"not valid JSON: {exc}.",
            path=path,
            hint="A Whisper transcript is the .json file the transcription tool wrote.",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise InputError(
            'not a Whisper transcript: the JSON has no "segments" list.',
            path=path,
            hint="Import the .json that Whisper (or WhisperX, faster-whisper) wrote, or its .vtt/.srt.",
        )
    items: list[tuple[str | None, str, float, float]] = []
    for number, segment in enumerate(data["segments"], 1):
        if not isinstance(segment, dict):
            raise InputError(f"segment {number} is not an object.", path=path)
        try:
            start = _seconds(segment.get("start", 0.0))
            end = _seconds(segment.get("end", segment.get("start", 0.0)))
        except (TypeError, ValueError) as exc:
            raise InputError(f"segment {number} has a start or end that is not a number.", path=path) from exc
        words = " ".join(str(segment.get("text") or "").split())
        if words:
            items.append((_speaker(segment), words, start, end))
    if not items:
        raise InputError("the Whisper transcript has no segments with text.", path=path)
    parsed = items_to_transcript(items, "whisper")
    if data.get("language"):
        parsed.metadata.setdefault("attributes", {})
        parsed.metadata["attributes"]["language"] = str(data["language"])
    return parsed


def _seconds(value: object) -> float:
    """A time in seconds as JSON gives it (a number, or a number in a string); TypeError or
    ValueError when it is not a finite number."""
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        seconds = float(value)
        if math.isfinite(seconds):
            return seconds
        raise ValueError(f"not a finite number: {value!r}")
    raise TypeError(f"not a number: {value!r}")


__all__ = ["Cue", "looks_like_whisper", "read_whisper"]
