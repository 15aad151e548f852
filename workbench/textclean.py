"""Control characters out of project text.

ESC, BEL, VT, FF, SOH and friends have no place in a transcript, a code name or a memo: they make
exported XML ill-formed (XML 1.0 forbids C0 controls other than tab, newline and carriage return)
and a terminal interprets them when the text is printed. They are replaced at every import: in
transcripts by a space (so that positions into the text do not move), elsewhere removed.
"""

from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return; DEL and the C1 controls; the two
# non-characters XML forbids; lone surrogates.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# What XML 1.0 cannot carry at all (used by the REFI-QDA writer).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def has_controls(text: str | None) -> bool:
    return bool(text) and _CONTROLS.search(text or "") is not None


def clean_text(text: str) -> str:
    """Text without control characters (tab, newline and carriage return are kept)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def clean_line(text: str) -> str:
    """A name: control characters removed and runs of white space made one space."""
    return " ".join(clean_text(text).split())


def clean_transcript(text: str) -> tuple[str, int]:
    """A transcript with each control character replaced by a space (positions do not move),
    and how many were replaced."""
    count = len(_CONTROLS.findall(text))
    return (_CONTROLS.sub(" ", text), count) if count else (text, 0)


def xml_safe(text: str) -> str:
    """Text with only XML-legal characters (each illegal one becomes U+FFFD)."""
    return _XML_ILLEGAL.sub("\ufffd", text) if _XML_ILLEGAL.search(text) else text
