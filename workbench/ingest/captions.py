"""WebVTT and SRT caption files (Zoom, Teams, YouTube, transcription services).

The WebVTT file parser follows the W3C WebVTT specification's parsing algorithm (blocks,
header, cue identifiers, timings, NUL replaced by U+FFFD) and is tested against the W3C
conformance files; it also accepts the non-standard timestamps that Teams writes
(``0:0:0.570``). Cue text is parsed by the specification's tokenizer rules to find the voice
(``<v Name>``) and the plain text (tags dropped, character references decoded).

Speakers: a cue's speaker is its voice span, else a ``Name:`` prefix. When most cues name their
speaker (Zoom, Teams), a cue without one is an unknown speaker; when only the first cue of a turn
does (captions cut into lines), the speaker carries forward until it changes. Consecutive cues of
one speaker become one turn with the start of the first and the end of the last.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.ingest.speakers import NAME, MAX_NAME_LENGTH
from workbench.ingest.timestamps import parse_timestamp
from workbench.models import ParsedTranscript, Turn

_SPEAKER_PREFIX = re.compile(rf"^[ \t]*(?:-[ \t]*)?(?P<name>{NAME})[ \t]*:(?:[ \t]+|$)")
# SRT has no markup of its own; players honour these HTML-like formatting tags only.
_SRT_TAG = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^>]*)?>", re.I)
_TAG = re.compile(r"<[^>]*>?")
_SRT_FORMAT_TAG = re.compile(r"\{\\[^}]*\}")
SHARE_LABELLED_FOR_EVERY_CUE = 0.9


@dataclass(slots=True)
class Cue:
    """One caption cue: timing, identifier and raw payload, with its line in the file."""

    start: float
    end: float
    text: str
    identifier: str = ""
    line: int = 0
    voice: str | None = None


def _split_lines(text: str) -> list[str]:
    # The specification's line terminators: CRLF, LF or CR. Normalized text only has LF, but
    # the parser is also used on raw text in tests.
    return re.split(r"\r\n|\n|\r", text)


def parse_timing(line: str) -> tuple[float, float] | None:
    """``start --> end [settings]`` to seconds; None when it is not a valid timing line."""
    match = re.match(r"([0-9:.,]+)[ \t]+-->[ \t]+([0-9:.,]+)(.*)$", line)
    if not match:
        return None
    start, end = parse_timestamp(match.group(1), fraction=True), parse_timestamp(match.group(2), fraction=True)
    rest = match.group(3)
    if start is None or end is None:
        return None
    # The specification's parser stops after a three-digit fraction, so anything may follow;
    # a shorter fraction (Teams) is accepted only when whitespace or nothing follows.
    if rest and rest[0] not in " \t" and len(re.split(r"[.,]", match.group(2))[-1]) != 3:
        return None
    return start, end


def parse_webvtt_cues(text: str, path: Path | None = None) -> list[Cue]:
    """The cues of a WebVTT file, per the W3C file-parsing algorithm (no styles or regions)."""
    text = text.replace("\x00", "\ufffd")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _split_lines(text)
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise InputError(
            "this is not a WebVTT file: the first line must be WEBVTT.",
            path=path,
            line=1,
            hint="If it is an SRT file, give it the .srt extension.",
        )
    i = 1
    # The header runs to the first blank line, unless a timing line comes first.
    while i < len(lines) and lines[i] != "" and "-->" not in lines[i]:
        i += 1
    cues: list[Cue] = []
    while i < len(lines):
        if lines[i] == "":
            i += 1
            continue
        block_start = i
        block: list[str] = [lines[i]]
        i += 1
        arrow_at = 0 if "-->" in block[0] else None
        while i < len(lines) and lines[i] != "":
            if "-->" in lines[i]:
                if arrow_at is None and len(block) == 1:
                    arrow_at = 1
                else:
                    break  # a timing line inside cue text starts the next block
            block.append(lines[i])
            i += 1
        if arrow_at is None:
            continue  # NOTE, STYLE, REGION or stray text
        timing = parse_timing(block[arrow_at])
        if timing is None:
            continue
        cues.append(
            Cue(
                start=timing[0],
                end=timing[1],
                text="\n".join(block[arrow_at + 1 :]),
                identifier=block[0] if arrow_at == 1 else "",
                line=block_start + 1,
            )
        )
    return cues


def parse_srt_cues(text: str, path: Path | None = None) -> tuple[list[Cue], list[str]]:
    """The cues of an SRT file, and warnings about blocks that had to be repaired."""
    lines = _split_lines(text.lstrip("\ufeff"))
    cues: list[Cue] = []
    warnings: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        start_line = i + 1
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        timing_at = next((k for k, line in enumerate(block[:2]) if "-->" in line), None)
        if timing_at is None:
            body = block[1:] if block[0].strip().isdigit() else block
            if cues and body:
                cues[-1].text += "\n" + "\n".join(body)
                warnings.append(f"line {start_line}: a subtitle without a timing line was joined to the one before")
            elif body:
                raise InputError(
                    "this SRT subtitle has no timing line (`00:00:01,000 --> 00:00:02,000`).",
                    path=path,
                    line=start_line,
                    hint="Check that the file is an SRT export.",
                )
            continue
        timing = parse_timing(block[timing_at].strip())
        if timing is None:
            raise InputError(
                f"the timing line {block[timing_at].strip()!r} cannot be read.",
                path=path,
                line=start_line + timing_at,
                hint="SRT timings look like `00:01:02,500 --> 00:01:04,000`.",
            )
        text_lines = [_SRT_TAG.sub("", _SRT_FORMAT_TAG.sub("", line)) for line in block[timing_at + 1 :]]
        cues.append(
            Cue(timing[0], timing[1], "\n".join(text_lines), block[0].strip() if timing_at == 1 else "", start_line)
        )
    return cues, warnings


def cue_text(payload: str) -> tuple[str, str | None]:
    """Plain text and voice of a cue payload, per the WebVTT cue-text tokenizer.

    Tags are dropped (``<c.x>``, ``<b>``, ``<00:01.000>``, ``<ruby>``...), character references
    are decoded, and the annotation of the first ``<v ...>`` tag is the voice.
    """
    voice: str | None = None
    out: list[str] = []
    pos = 0
    for match in _TAG.finditer(payload):
        out.append(payload[pos : match.start()])
        pos = match.end()
        tag = match.group(0)
        if voice is None and re.match(r"<v[\s.>]", tag + ">"):
            inner = tag[2:].rstrip(">")
            # <v.class.class annotation> : classes end at the first whitespace
            annotation = re.split(r"[ \t\n\f]", inner, maxsplit=1)
            title = " ".join(annotation[1].split()) if len(annotation) > 1 else ""
            if title:
                voice = title
    out.append(payload[pos:])
    text = html.unescape("".join(out))
    return text, voice


def _speaker_of(text: str) -> tuple[str | None, str]:
    match = _SPEAKER_PREFIX.match(text)
    if match and len(match.group("name")) <= MAX_NAME_LENGTH:
        return " ".join(match.group("name").split()), text[match.end() :]
    return None, text


def cues_to_transcript(cues: list[Cue], fmt: str, warnings: list[str] | None = None) -> ParsedTranscript:
    """Merge cues into speaker turns and lay them out as ``Speaker: text`` paragraphs."""
    items: list[tuple[str | None, str, float, float]] = []
    for cue in cues:
        text, voice = cue_text(cue.text) if fmt == "vtt" else (cue.text, None)
        text = " ".join(text.split())
        speaker = voice
        if speaker is None:
            speaker, text = _speaker_of(text)
        if text or speaker:
            items.append((speaker, text, cue.start, cue.end))
    return items_to_transcript(items, fmt, warnings)


PAUSE = 1.5  # seconds of silence that end a paragraph of captions without speakers
PARAGRAPH_WORDS = 120  # ... or this many words, at the end of a sentence
MAX_PARAGRAPH_WORDS = 250  # ... or this many, at the end of a cue


def new_paragraph(words: int, gap: float, previous: str) -> bool:
    """Where captions without speakers break into paragraphs: at a pause, else at the end of a
    sentence once a paragraph is long, else at a cue once it is very long."""
    return (
        gap >= PAUSE
        or (words >= PARAGRAPH_WORDS and previous.rstrip().endswith((".", "?", "!", "…")))
        or words >= MAX_PARAGRAPH_WORDS
    )


def items_to_transcript(
    items: list[tuple[str | None, str, float, float]], fmt: str, warnings: list[str] | None = None
) -> ParsedTranscript:
    """Timed pieces of text ``(speaker, text, start, end)`` as speaker turns and paragraphs."""
    labelled = sum(1 for item in items if item[0])
    every_cue = bool(items) and labelled / len(items) >= SHARE_LABELLED_FOR_EVERY_CUE

    merged: list[list[Any]] = []  # [speaker, [texts], start, end]
    current: str | None = None
    words = 0
    for speaker, text, start, end in items:
        if speaker is None and not every_cue:
            speaker = current
        same = bool(merged) and merged[-1][0] == speaker
        if (
            same
            and speaker is None
            and labelled == 0
            and new_paragraph(words, start - merged[-1][3], merged[-1][1][-1])
        ):
            same = False  # no speakers anywhere: paragraphs, not one turn
        if same:
            merged[-1][1].append(text)
            merged[-1][3] = max(merged[-1][3], end)
            words += len(text.split())
        else:
            merged.append([speaker, [text], start, end])
            words = len(text.split())
        current = speaker

    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for speaker, texts, start, end in merged:
        label = f"{speaker}: " if speaker else ""
        body = " ".join(t for t in texts if t)
        turns.append(Turn(speaker, pos + len(label), pos + len(label) + len(body), start, end))
        parts.append(label + body)
        pos += len(label) + len(body) + 2
    return ParsedTranscript("\n\n".join(parts), turns, fmt, warnings=list(warnings or []))


def read_webvtt(path: Path, text: str) -> ParsedTranscript:
    cues = parse_webvtt_cues(text, path)
    if not cues:
        raise InputError(
            "the WebVTT file has no cues with text.",
            path=path,
            hint="Check that the export finished and that timing lines look like `00:00:01.000 --> 00:00:02.000`.",
        )
    parsed = cues_to_transcript(cues, "vtt")
    if not parsed.text.strip():
        raise InputError("the WebVTT file's cues are all empty.", path=path)
    return parsed


def read_srt(path: Path, text: str) -> ParsedTranscript:
    cues, warnings = parse_srt_cues(text, path)
    if not cues:
        raise InputError("the SRT file has no subtitles.", path=path)
    parsed = cues_to_transcript(cues, "srt", warnings)
    if not parsed.text.strip():
        raise InputError("the SRT file's subtitles are all empty.", path=path)
    return parsed
