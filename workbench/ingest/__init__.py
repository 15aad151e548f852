"""Transcript readers: one per format, each returning a :class:`~workbench.models.ParsedTranscript`.

:func:`read_transcript` picks the reader by extension. Readers never touch the project.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbench.errors import InputError
from workbench.ingest.captions import read_srt, read_webvtt
from workbench.ingest.decode import read_text
from workbench.ingest.documents import read_docx, read_odt
from workbench.ingest.plaintext import read_plaintext
from workbench.models import ParsedTranscript


def _text_reader(fmt: str) -> Callable[..., ParsedTranscript]:
    def read(path: Path, encoding: str | None = None) -> ParsedTranscript:
        text, used = read_text(path, encoding)
        parsed = read_plaintext(path, text, fmt)
        parsed.encoding = used
        return parsed
    return read


def _caption_reader(parse: Callable[[Path, str], ParsedTranscript]) -> Callable[..., ParsedTranscript]:
    def read(path: Path, encoding: str | None = None) -> ParsedTranscript:
        text, used = read_text(path, encoding)
        parsed = parse(path, text)
        parsed.encoding = used
        return parsed
    return read


READERS: dict[str, Callable[..., ParsedTranscript]] = {
    ".txt": _text_reader("text"),
    ".text": _text_reader("text"),
    ".md": _text_reader("markdown"),
    ".markdown": _text_reader("markdown"),
    ".vtt": _caption_reader(read_webvtt),
    ".srt": _caption_reader(read_srt),
    ".docx": read_docx,
    ".odt": read_odt,
}

SUPPORTED = tuple(sorted(READERS))


TEXT_FORMATS = (".txt", ".text", ".md", ".markdown", ".vtt", ".srt")


def read_transcript(path: str | Path, encoding: str | None = None) -> ParsedTranscript:
    """Read one transcript file of any supported format (``encoding`` forces the text encoding
    of a text or caption file; Word and OpenDocument files carry their own)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputError(
            f"unsupported file type {path.suffix or '(none)'}.",
            path=path,
            hint="Supported: " + ", ".join(SUPPORTED) + ". Export other formats to one of these.",
        )
    if not path.is_file():
        raise InputError("no such file.", path=path)
    if path.suffix.lower() in TEXT_FORMATS:
        return reader(path, encoding)
    return reader(path)
