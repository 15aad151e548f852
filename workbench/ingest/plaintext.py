"""Plain text and Markdown transcripts: optional YAML front matter, speaker turns by label.

Turns: a line that starts with a speaker label (see :mod:`workbench.ingest.speakers`) starts a
turn; unlabelled lines continue the current speaker. One exception: when a file labels only one
speaker (a moderator, say) and has unlabelled lines, those lines belong to the other, unlabelled
speaker, called "Participant" (usability sessions are transcribed this way).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import InputError
from workbench.ingest.speakers import find_label
from workbench.models import ParsedTranscript, Turn
from workbench.safeyaml import check_yaml

UNLABELLED_SPEAKER = "Participant"
MAX_FRONT_MATTER_BYTES = 64 * 1024  # front matter is a few lines of metadata
MAX_FRONT_MATTER_DEPTH = 20
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str, int]:
    """Front matter as a dict, the body, and how many lines the front matter took."""
    match = _FRONT.match(text)
    if not match:
        return {}, text, 0
    raw = match.group(1) or ""
    if len(raw.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise InputError(
            f"the YAML front matter is {len(raw.encode('utf-8')) / 1024:.0f} KB, over the "
            f"{MAX_FRONT_MATTER_BYTES // 1024} KB limit for front matter.",
            path=path,
            line=1,
            hint="Keep a few `key: value` lines of metadata between the two --- lines.",
        )
    try:
        check_yaml(raw, path, what="the YAML front matter", max_depth=MAX_FRONT_MATTER_DEPTH, line_offset=1)
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for the --- line
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"the YAML front matter is not valid: {problem}.",
            path=path,
            line=line,
            hint="Fix the front matter between the two --- lines (key: value, one per line).",
        ) from exc
    if not isinstance(meta, dict):
        raise InputError("the front matter must be a list of `key: value` lines.", path=path, line=2)
    consumed = match.group(0)
    return meta, text[len(consumed) :], consumed.count("\n")


def parse_turns(text: str) -> list[Turn]:
    """Speaker turns of a normalized text (offsets are into ``text``)."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    labels = [find_label(line) if line.strip() else None for _, line in lines]
    counts = Counter(label.speaker for label in labels if label)
    content = sum(1 for _, line in lines if line.strip())
    unlabelled = content - sum(counts.values())
    recurring = [name for name, n in counts.items() if n > 1]
    single_labelled = unlabelled > 0 and (len(counts) == 1 or (len(recurring) == 1 and unlabelled > 0.3 * content))
    if single_labelled and len(counts) > 1:
        # "Location: Cork." read out once by the participant is speech, not a speaker.
        labels = [lab if lab is None or lab.speaker in recurring else None for lab in labels]
    named = {label.speaker for label in labels if label}

    turns: list[Turn] = []
    current: Turn | None = None
    for (offset, line), label in zip(lines, labels):
        if not line.strip():
            continue
        if label is not None:
            speech = line[label.end :]
            start = offset + label.end + (len(speech) - len(speech.lstrip()))
            end = offset + len(line.rstrip())
            current = Turn(label.speaker, start, max(start, end), label.time)
            turns.append(current)
            continue
        start = offset + (len(line) - len(line.lstrip()))
        end = offset + len(line.rstrip())
        if current is None or (single_labelled and current.speaker in named):
            speaker = UNLABELLED_SPEAKER if single_labelled else (current.speaker if current else None)
            current = Turn(speaker, start, end)
            turns.append(current)
        else:
            current.end = end
    for turn, following in zip(turns, turns[1:]):
        if turn.start_time is not None and (following.start_time or -1) >= turn.start_time:
            turn.end_time = following.start_time
    return turns


def read_plaintext(path: Path, text: str, fmt: str = "text") -> ParsedTranscript:
    """Parse a normalized plain-text or Markdown transcript."""
    meta, body, _ = split_front_matter(text, path)
    body = body.strip("\n")
    if not body.strip():
        raise InputError("the transcript has no text (only front matter or blank lines).", path=path)
    return ParsedTranscript(text=body, turns=parse_turns(body), format=fmt, metadata=meta)
