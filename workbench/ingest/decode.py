"""Bytes to normalized text: encoding detection and the one-time normalization at import.

Normalization happens once, here: byte-order mark removed, line endings to LF, Unicode NFC.
Offsets into the stored text are only meaningful because the text never changes afterwards.
"""

from __future__ import annotations

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


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode transcript bytes, detecting the encoding when it is not UTF-8.

    Returns the text (not yet normalized) and the name of the encoding used. Refuses binary
    data, because a binary file renamed ``.txt`` would otherwise import as garbage.
    """
    check_size(path, len(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"the file starts as UTF-16 but is not: {exc.reason}.", path=path) from exc
    if b"\x00" in data[:65536]:
        raise _binary(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _detect(data, path)
    if _control_share(text) > 0.05:
        raise _binary(path)
    return text, encoding


def _binary(path: Path) -> InputError:
    return InputError(
        "this looks like a binary file, not text.",
        path=path,
        hint="Export the transcript as .txt, .docx, .vtt or .srt and import that file.",
    )


def _detect(data: bytes, path: Path) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()
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
    """BOM removed, CRLF and CR to LF, NFC: the one normalization every transcript gets."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def read_text(path: Path) -> tuple[str, str]:
    """Read, decode and normalize a text-like transcript file."""
    try:
        check_size(path, path.stat().st_size)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", path=path) from exc
    text, encoding = decode(data, path)
    return normalize(text), encoding
