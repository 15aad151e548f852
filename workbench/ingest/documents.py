"""Word (.docx) and OpenDocument (.odt) transcripts.

Both become plain text, one paragraph per block separated by a blank line, and then go through
the same turn parser as plain text. Word specifics: a bold label at the start of a paragraph is
a speaker label even without a colon; tables of speaker/text rows (optionally with a time
column) become one turn per row.

The files are ZIP archives from strangers: their size and the unpacked size are checked before
any XML is parsed.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.ingest.decode import check_size, normalize
from workbench.ingest.plaintext import parse_turns
from workbench.ingest.speakers import NAME, TS, find_label
from workbench.models import ParsedTranscript

MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed: beyond this an archive is a decompression bomb
_BOLD_LABEL = re.compile(rf"^\s*(?P<name>{NAME})\s*:?\s*$")
_TIME_CELL = re.compile(rf"^\s*\[?{TS}\]?\s*$")
_HEADER_WORDS = {"speaker", "name", "who", "text", "transcript", "utterance", "time", "timestamp", "content"}


def check_archive(path: Path, kind: str) -> None:
    """Refuse archives that are not ZIP files, are too large, or unpack to absurd sizes."""
    size = path.stat().st_size
    check_size(path, size, MAX_ARCHIVE_BYTES)
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"this is not a {kind} file (it is not a ZIP archive).",
            path=path,
            hint=f"Open it in a word processor and save it again as {kind}.",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"the {kind} archive is damaged: {exc}.", path=path) from exc
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * max(size, 1) + 10_000_000:
        raise InputError(
            f"the {kind} file would unpack to {unpacked / 1e6:.0f} MB; refused as a likely decompression bomb.",
            path=path,
        )
    _refuse_dtd(path, kind)


_DTD_MARKS = tuple(
    mark.encode(enc) for mark in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be")
)


def _refuse_dtd(path: Path, kind: str) -> None:
    """Refuse a package whose XML declares a DTD or entities: Word and LibreOffice never write
    one, and the parsers would drop the text an entity stands for without a word."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                tail = b""
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        window = tail + chunk
                        if any(mark in window for mark in _DTD_MARKS):
                            raise InputError(
                                f"the {kind} file declares a DTD or entities in {info.filename}, which are "
                                "refused for safety (text behind an entity would be lost).",
                                path=path,
                                hint=f"Open it in a word processor and save it again as {kind}.",
                            )
                        tail = chunk[-32:]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, zlib.error) as exc:
        raise InputError(f"the {kind} archive is damaged: {exc}.", path=path) from exc


def _docx_paragraph_text(paragraph: Any) -> str:  # a python-docx Paragraph (untyped library)
    """Paragraph text, with a bold leading label turned into ``Label:``."""
    runs = [run for run in paragraph.runs if run.text]
    text: str = paragraph.text
    if not runs or find_label(text):
        return text
    bold = ""
    for run in runs:
        if run.bold:
            bold += run.text
        else:
            break
    rest = text[len(bold) :]
    match = _BOLD_LABEL.match(bold)
    if bold and rest.strip() and match:
        return f"{match.group('name')}: {rest.lstrip(' :')}"
    return text


def _table_rows(table: Any) -> list[str]:  # a python-docx Table
    """Rows of a speaker/text table as ``Speaker: text`` lines (other tables as plain text)."""
    lines: list[str] = []
    for index, row in enumerate(table.rows):
        cells: list[str] = []
        for cell in row.cells:
            value = " ".join(cell.text.split())
            if not cells or value != cells[-1]:  # merged cells repeat their text
                cells.append(value)
        cells = [c for c in cells if c]
        if not cells:
            continue
        if index == 0 and all(c.lower() in _HEADER_WORDS for c in cells):
            continue
        times = [c for c in cells if _TIME_CELL.match(c)]
        words = [c for c in cells if not _TIME_CELL.match(c)]
        if len(words) == 2 and len(words[0]) <= 40 and re.fullmatch(NAME, words[0].rstrip(":")):
            stamp = f"[{times[0].strip('[]')}] " if times else ""
            lines.append(f"{stamp}{words[0].rstrip(':')}: {words[1]}")
        else:
            lines.append(" ".join(cells))
    return lines


def read_docx(path: Path) -> ParsedTranscript:
    """A Word transcript: paragraphs and speaker tables in document order."""
    check_archive(path, ".docx")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise InputError(
            f"the Word file cannot be opened: {exc}.",
            path=path,
            hint="Open it in Word or LibreOffice and save it again as .docx.",
        ) from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = _docx_paragraph_text(item)
            if text.strip():
                blocks.append(text)
        elif isinstance(item, Table):
            blocks.extend(_table_rows(item))
    return _from_blocks(path, blocks, "docx", _docx_metadata(document))


def _docx_metadata(document: Any) -> dict[str, Any]:  # a python-docx Document
    props = document.core_properties
    meta: dict[str, Any] = {}
    if props.title:
        meta["title"] = props.title
    return meta


def read_odt(path: Path) -> ParsedTranscript:
    """An OpenDocument text transcript: headings and paragraphs in order."""
    check_archive(path, ".odt")
    try:
        from odf import teletype, text as odftext
        from odf.opendocument import load

        document = load(str(path))
        elements = document.text.getElementsByType(odftext.P) + document.text.getElementsByType(odftext.H)
    except Exception as exc:  # odfpy raises many types for a damaged package
        raise InputError(
            f"the OpenDocument file cannot be opened: {exc}.",
            path=path,
            hint="Open it in LibreOffice and save it again as .odt.",
        ) from exc
    # getElementsByType returns each kind separately; restore document order.
    order = {id(node): i for i, node in enumerate(_walk(document.text))}
    elements.sort(key=lambda node: order.get(id(node), 0))
    blocks: list[str] = []
    for element in elements:
        if element.parentNode is not None and element.parentNode.qname == element.qname:
            continue
        value = teletype.extractText(element)
        if value.strip():
            blocks.append(value)
    return _from_blocks(path, blocks, "odt", {})


def _walk(root: Any) -> Iterator[Any]:
    """An odfpy element and everything under it, in document order (without recursion: a
    deeply nested file cannot exhaust the stack)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.childNodes))


def _from_blocks(path: Path, blocks: list[str], fmt: str, meta: dict[str, Any]) -> ParsedTranscript:
    text = normalize("\n\n".join(block.strip("\n") for block in blocks)).strip("\n")
    if not text.strip():
        raise InputError(f"the {fmt} file has no text.", path=path)
    return ParsedTranscript(text=text, turns=parse_turns(text), format=fmt, metadata=meta)
