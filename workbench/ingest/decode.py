"""Bytes to normalized text: encoding detection and the one-time normalization at import.

Normalization happens once, here: byte-order mark removed, line endings to LF, Unicode NFC.
Offsets into the stored text are only meaningful because the text never changes afterwards.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from workbench.errors import InputError

MAX_TEXT_BYTES = 50 * 1024 * 1024  # 50 MB of text is ~8 million words: far beyond any interview


def check_size(path: Path, data_size: int, limit: int | None = None) -> None:
    """Refuse empty files and files over the size limit, with the reason."""
    limit = MAX_TEXT_BYTES if limit is None else limit
    if data_size == 0:
        raise InputError("the file is empty.", path=path, hint="Check that the export finished writing.")
    if data_size > limit:
        raise InputError(
            f"the file is {data_size / 2**20:.1f} MB, over the {limit / 2**20:.0f} MB limit for a transcript.",
            path=path,
            hint="Split it into one file per interview.",
        )


def decode(data: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode transcript bytes, detecting the encoding when it is not UTF-8.

    Returns the text (not yet normalized) and a description of the encoding used (said in the
    import report). ``encoding`` forces one (``--encoding``). UTF-8 with a few stray bytes (a
    Windows apostrophe pasted in) stays UTF-8, the stray bytes read as Windows-1252; short Western
    text in a legacy encoding reads as Windows-1252 rather than a guess among look-alikes; UTF-16
    is recognized with or without a byte-order mark. Refuses binary data, because a binary file
    renamed ``.txt`` would otherwise import as garbage.
    """
    check_size(path, len(data))
    if encoding:
        return _forced(data, path, encoding)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"the file starts as UTF-16 but is not: {exc.reason}.", path=path) from exc
    if b"\x00" in data[:65536]:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise _binary(path)
        text, encoding = utf16
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _near_utf8(data) or _detect(data, path)
    if _control_share(text) > 0.05:
        raise _binary(path)
    return text, encoding


def _forced(data: bytes, path: Path, encoding: str) -> tuple[str, str]:
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise InputError(
            f"unknown encoding {encoding!r}.",
            path=path,
            hint="Use a name such as utf-8, cp1252, latin-1, utf-16 or cp1251.",
        ) from exc
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the file is not valid {name} (byte {exc.start}: {exc.reason}).",
            path=path,
            hint="Leave out --encoding to let the workbench detect it.",
        ) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if _control_share(text) > 0.05:
        raise _binary(path)
    return text, name


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: text in Latin script has a zero in every other byte."""
    sample = data[:65536]
    if len(sample) < 4 or len(data) % 2:
        return None
    pairs = len(sample) // 2
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    for zeros, others, codec in ((odd_zeros, even_zeros, "utf-16-le"), (even_zeros, odd_zeros, "utf-16-be")):
        if zeros >= 0.3 * pairs and others <= 0.02 * pairs:
            try:
                return data.decode(codec), f"{codec} (no byte-order mark)"
            except UnicodeDecodeError:
                return None
    return None


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _stray_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):  # registered for decoding only
        raise error
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("workbench-stray-cp1252", _stray_as_cp1252)


def _near_utf8(data: bytes) -> tuple[str, str] | None:
    """UTF-8 with a few bytes that are not (a Windows-1252 apostrophe, say): keep UTF-8 and read
    each stray byte as Windows-1252. None when the text has no UTF-8 sequences at all, or more
    stray bytes than UTF-8 sequences (then it is a legacy encoding)."""
    sequences = _UTF8_SEQUENCE.findall(data)
    if not sequences:
        return None
    high = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    stray = high - sum(len(seq) for seq in sequences)
    if stray > len(sequences):
        return None
    text = data.decode("utf-8", errors="workbench-stray-cp1252")
    return text, f"utf-8 ({stray} stray byte{'s' if stray != 1 else ''} read as cp1252)"


_WESTERN = ("cp1252", "latin_1", "iso8859_15", "iso8859_1")


def _binary(path: Path) -> InputError:
    return InputError(
        "this looks like a binary file, not text.",
        path=path,
        hint="Export the transcript as .txt, .docx, .vtt or .srt and import that file.",
    )


def _detect(data: bytes, path: Path) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:2_000_000])
    best = matches.best()
    if best is not None and best.encoding not in _WESTERN:
        # Short text fits many single-byte encodings equally well: prefer Windows-1252 when it
        # fits as well as the best guess (café in Latin-1 is not Central European).
        western = next((m for m in matches if m.encoding in _WESTERN), None)
        if western is not None and western.chaos <= best.chaos + 0.01 and western.coherence >= best.coherence - 0.01:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                pass
    if best is None:
        raise InputError(
            "the text encoding could not be recognized (and it is not UTF-8).",
            path=path,
            hint="Save the file as UTF-8 text and import it again.",
        )
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise InputError(f"the file could not be decoded as {best.encoding}.", path=path) from exc


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def _control_share(text: str) -> float:
    sample = text[:65536]
    return len(_CONTROL.findall(sample)) / len(sample) if sample else 0.0


def normalize(text: str) -> str:
    """BOM removed, CRLF and CR to LF, NFC, control characters (ESC, BEL, form feed...) each
    replaced by a space: the one normalization every transcript gets."""
    from workbench.textclean import clean_transcript

    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return clean_transcript(unicodedata.normalize("NFC", text))[0]


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Read, decode and normalize a text-like transcript file."""
    try:
        check_size(path, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", path=path) from exc
    text, encoding = decode(data, path, encoding)
    return normalize(text), encoding
