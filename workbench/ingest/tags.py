"""Transcriber tags such as ``<UNSURE>Hello how</UNSURE>``, ``<UNIN/>`` and
``<INAUDIBLE_SPEECH/>`` (the PriMock57 conventions, and many transcription services'): rendered
in brackets (the default), stripped, or kept as they are."""

from __future__ import annotations

import re

MODES = ("render", "strip", "keep")
_PAIR = re.compile(r"<(?P<tag>[A-Z][A-Z_]*)>(?P<body>.*?)</(?P=tag)>", re.S)
_EMPTY = re.compile(r"<(?P<tag>[A-Z][A-Z_]*)\s*/>")
NAMES = {"UNIN": "unintelligible", "INAUDIBLE_SPEECH": "inaudible", "UNSURE": "unsure"}


def _name(tag: str) -> str:
    return NAMES.get(tag, tag.lower().replace("_", " "))


_ESCAPED = re.compile(r"&lt;(/?[A-Z][A-Z_]*\s*/?)&gt;")


def transcriber_tags(text: str, mode: str = "render") -> str:
    """``render``: ``words [?]`` for unsure words, ``[unintelligible]`` for an empty tag;
    ``strip``: the words without tags, empty tags removed; ``keep``: unchanged. Tags escaped as
    entities (``&lt;UNSURE&gt;``, as WebVTT files carry them) count too."""
    if mode == "keep":
        return text
    if "&lt;" in text:
        text = _ESCAPED.sub(lambda m: f"<{m.group(1)}>", text)
    if "<" not in text:
        return text
    if mode == "strip":
        text = _PAIR.sub(lambda m: m.group("body"), text)
        return re.sub(r"[ \t]{2,}", " ", _EMPTY.sub("", text))
    text = _PAIR.sub(
        lambda m: m.group("body") + (" [?]" if m.group("tag") == "UNSURE" else f" [{_name(m.group('tag'))}]"), text
    )
    return _EMPTY.sub(lambda m: f"[{_name(m.group('tag'))}]", text)
