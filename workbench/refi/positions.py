"""Where a REFI-QDA selection's positions fall in the stored text.

The standard counts Unicode code points, but NVivo for Windows counts UTF-16 code units and CRLF
as two characters. :func:`detect_unit` tries each way of counting and keeps the one under which
the selections fit the text best; :func:`_normalized_index` maps a position in the file's text to
the same place in the stored (normalized) text, or None where normalization joins characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from workbench.ingest.decode import normalize

UNITS = ("code points", "UTF-16 units", "code points, CRLF as two", "UTF-16 units, CRLF as two")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each


def _unit_maps(raw: str) -> dict[str, list[int]]:
    """For each way of counting, a map from position to code-point index in ``raw`` (BOM removed).
    A text without CRLF and without characters outside the Basic Multilingual Plane counts the
    same under every unit: one identity map serves them all."""
    if "\r\n" not in raw and not _ASTRAL.search(raw):
        same = list(range(len(raw) + 1))
        return dict.fromkeys(UNITS, same)
    return _counted_maps(raw)


def _counted_maps(raw: str) -> dict[str, list[int]]:
    maps: dict[str, list[int]] = {}
    lf = raw.replace("\r\n", "\n")
    cp_lf_to_raw: list[int] = []
    i = 0
    while i < len(raw):
        cp_lf_to_raw.append(i)
        i += 2 if raw.startswith("\r\n", i) else 1
    cp_lf_to_raw.append(len(raw))
    for unit, text, to_raw in (("code points", lf, cp_lf_to_raw), ("code points, CRLF as two", raw, None)):
        positions = list(range(len(text) + 1)) if to_raw is None else to_raw
        maps[unit] = positions
        utf16: list[int] = []
        for index, ch in enumerate(text):
            target = positions[index]
            utf16.append(target)
            if ord(ch) > 0xFFFF:
                utf16.append(target)  # the second unit of a surrogate pair: inside the character
        utf16.append(positions[len(text)])
        maps["UTF-16 units" + (", CRLF as two" if to_raw is None else "")] = utf16
    return maps


def _boundary_score(raw: str, start: int, end: int) -> float:
    if not 0 <= start < end <= len(raw):
        return 0.0
    before = raw[start - 1] if start > 0 else " "
    after = raw[end] if end < len(raw) else " "
    score = 0.5 * (not (before.isalnum() and raw[start].isalnum()))
    score += 0.5 * (not (raw[end - 1].isalnum() and after.isalnum()))
    return score


def detect_unit(raw: str, selections: list[tuple[int, int, str]]) -> tuple[str, list[int], float]:
    """The counting unit under which the selections fit ``raw`` best; returns (unit, map, score)."""
    maps = _unit_maps(raw)
    best: tuple[str, list[int], float] = (UNITS[0], maps[UNITS[0]], -1.0)
    for unit in UNITS:
        positions = maps[unit]
        score = 0.0
        for start, end, name in selections:
            if not (0 <= start < end < len(positions)):
                continue
            a, b = positions[start], positions[end]
            label = " ".join(name.split())
            if label and not label.startswith("line:") and len(label) > 3:
                score += 1.0 if " ".join(raw[a:b].split()).startswith(label[:40]) else 0.0
            else:
                score += _boundary_score(raw, a, b)
        score /= max(len(selections), 1)
        if score > best[2] + 1e-9:
            best = (unit, positions, score)
    return best


_MAX_CHUNK = 4096  # longer runs without a safe boundary are mapped at their ends only


def _safe_boundary(ch: str) -> bool:
    """Can a normalization chunk start at ``ch``? ASCII never composes with what precedes it; any
    other starter is checked afterwards (a few scripts have starters that compose)."""
    if ch < "\x80":
        return True
    return unicodedata.combining(ch) == 0 and not "\u1160" <= ch <= "\u11ff"


def _nfc_map(lf: str, chunk_at: Callable[[str], bool]) -> tuple[str, list[int | None]] | None:
    pieces: list[str] = []
    mapping: list[int | None] = []
    out = 0
    start = 0
    n = len(lf)
    while start < n:
        end = start + 1
        while end < n and not chunk_at(lf[end]):
            end += 1
        chunk = lf[start:end]
        if unicodedata.is_normalized("NFC", chunk):
            mapping.extend(range(out, out + len(chunk)))
            pieces.append(chunk)
            out += len(chunk)
        else:
            full = unicodedata.normalize("NFC", chunk)
            mapping.append(out)
            for m in range(1, len(chunk)):
                if len(chunk) > _MAX_CHUNK:
                    mapping.append(None)
                    continue
                head = unicodedata.normalize("NFC", chunk[:m])
                exact = full.startswith(head) and unicodedata.normalize("NFC", chunk[m:]) == full[len(head) :]
                mapping.append(out + len(head) if exact else None)
            pieces.append(full)
            out += len(full)
        start = end
    mapping.append(out)
    text = "".join(pieces)
    return (text, mapping) if text == unicodedata.normalize("NFC", lf) else None


def _normalized_index(raw: str) -> tuple[str, list[int | None]]:
    """The stored (normalized) text and a map from each position in ``raw`` to the same place in
    the stored text, through exactly the steps of :func:`normalize`: BOM removed, CRLF and CR to
    LF, NFC, control characters to spaces (one for one). A position inside a character that NFC
    composes (between a letter and its accent, between Hangul jamo) has no exact place: None."""
    text = normalize(raw)
    if (
        not raw.startswith("\ufeff")
        and "\r" not in raw
        and len(text) == len(raw)
        and unicodedata.is_normalized("NFC", raw)
    ):
        return text, list(range(len(raw) + 1))  # nothing moves: control characters become spaces in place
    return text, _mapped_index(raw, text)


def _mapped_index(raw: str, text: str) -> list[int | None]:
    """The map of :func:`_normalized_index` for a text that normalization changes, step by step."""
    to_lf: list[int] = []
    lf_chars: list[str] = []
    i = 0
    if raw.startswith("\ufeff"):
        to_lf.append(0)
        i = 1
    while i < len(raw):
        to_lf.append(len(lf_chars))
        if raw[i] == "\r":
            lf_chars.append("\n")
            if raw.startswith("\r\n", i):
                to_lf.append(len(lf_chars) - 1)  # between CR and LF: the line break itself
                i += 2
                continue
        else:
            lf_chars.append(raw[i])
        i += 1
    to_lf.append(len(lf_chars))
    lf = "".join(lf_chars)
    if unicodedata.is_normalized("NFC", lf) and len(lf) == len(text):  # only the line breaks moved
        return [k for k in to_lf]
    mapped = _nfc_map(lf, _safe_boundary) or _nfc_map(lf, lambda ch: ch < "\x80")
    if mapped is None or len(mapped[0]) != len(text):  # cannot happen; refuse to guess if it does
        return [0] + [None] * (len(raw) - 1) + [len(text)] if raw else [0]
    nfc_of = mapped[1]
    return [nfc_of[k] for k in to_lf]
