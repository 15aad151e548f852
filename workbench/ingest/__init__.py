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
from workbench.ingest.tags import transcriber_tags
from workbench.ingest.whisper import read_whisper
from workbench.models import ParsedTranscript


def _text_reader(fmt: str) -> Callable[..., ParsedTranscript]:
    def read(path: Path, encoding: str | None = None, tags: str = "render") -> ParsedTranscript:
        text, used = read_text(path, encoding)
        parsed = read_plaintext(path, transcriber_tags(text, tags), fmt)
        parsed.encoding = used
        return parsed

    return read


def _caption_reader(parse: Callable[[Path, str], ParsedTranscript]) -> Callable[..., ParsedTranscript]:
    def read(path: Path, encoding: str | None = None, tags: str = "render") -> ParsedTranscript:
        text, used = read_text(path, encoding)
        parsed = parse(path, text if parse is read_whisper else transcriber_tags(text, tags))
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
    ".json": _caption_reader(read_whisper),
}

SUPPORTED = tuple(sorted(READERS))


def read_transcript(path: str | Path, encoding: str | None = None, *, tags: str = "render") -> ParsedTranscript:
    """Read one transcript file of any supported format (``encoding`` forces the text encoding
    of a text or caption file; Word and OpenDocument files carry their own); ``tags`` says what
    becomes of transcriber tags such as <UNSURE>...</UNSURE> in text and SRT files (see
    ``ingest.tags``)."""
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
    if reader in (read_docx, read_odt):
        return reader(path)
    return reader(path, encoding, tags=tags)
