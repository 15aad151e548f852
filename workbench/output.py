"""Writing listings for people (aligned tables) and for scripts (CSV, JSON), and the one place
where project text is made safe for where it goes:

- :func:`printable` for a terminal: control characters (C0, DEL, C1, bidirectional overrides)
  become visible escapes such as ``\\x1b``, so a name can never move the cursor, retitle the
  window or ring the bell;
- :func:`neutralize` for spreadsheets (CSV, XLSX): text a spreadsheet would run as a formula, at
  the start of a cell or after any line break inside it, gets a leading quote;
- :func:`csv_line` quotes every field holding a comma, a quote, a carriage return or a line feed;
- :func:`html_text` and :func:`md_text` for HTML pages and Markdown documents.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A formula start right after a line break inside a cell: some programs split cells at CR or LF.
_INNER_FORMULA = re.compile(r"(?<=[\r\n])(?=[=+\-@\t])")
# Characters a terminal acts on: C0 controls (tab and line feed are kept where allowed), DEL, C1
# controls (0x9b is an escape introducer on some terminals) and bidirectional overrides.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CSV_SPECIAL = re.compile('[,"\r\n]')


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: Any, *, newlines: bool = True) -> str:
    """Text for a terminal: control characters become visible escapes (``\\x1b``, ``\\x07``);
    tab and line feed stay unless ``newlines`` is false."""
    text = "" if text is None else str(text)
    return (_CONTROLS if newlines else _CONTROLS_ALL).sub(_visible, text)


def neutralize(value: Any) -> Any:
    """Stop a spreadsheet from running a cell as a formula: prefix risky text with a quote, at the
    start of the cell and after every line break inside it."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if "\r" in value or "\n" in value:
            value = _INNER_FORMULA.sub("'", value)
    return value


def csv_field(value: Any) -> str:
    """One CSV field: quoted when it holds a comma, a quote, CR or LF (RFC 4180)."""
    text = "" if value is None else str(value)
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[Any]) -> str:
    """One CSV record ending in a line feed; the values are written as they are (neutralize first)."""
    fields = [csv_field(v) for v in values]
    if fields == [""]:
        fields = ['""']  # a lone empty field must not read as an empty line
    return ",".join(fields) + "\n"


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document for spreadsheets: every field neutralized and quoted as needed."""
    parts = [csv_line(neutralize(h) for h in header)]
    parts += [csv_line(neutralize(v) for v in row) for row in rows]
    return "".join(parts)


Row = Mapping[str, Any] | Any  # a dict, or a record of workbench.models


def _value(row: Row, key: str) -> Any:
    """A column of a row: a dict's key or a record's field (None when it has neither)."""
    if isinstance(row, Mapping):
        return row.get(key)
    return getattr(row, key, None)


def _json_default(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    return str(value)


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    return csv_text(columns, ([_plain(_value(row, column)) for column in columns] for row in rows))


def json_text(data: Any, *, indent: int | None = 2, default: Any = _json_default) -> str:
    """JSON with C1 controls and bidirectional overrides escaped as well (JSON escapes C0 itself),
    so printing it to a terminal is safe; parsing gives the same text back."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, default=default)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def to_json(data: Any) -> str:
    return json_text(data)


def html_text(value: Any) -> str:
    """Project text inside an HTML page: markup characters and both quotes as entities, control
    characters as visible escapes. The only way project text goes into HTML."""
    return html.escape(printable("" if value is None else value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_text(value: Any) -> str:
    """Project text inside Markdown: HTML characters as entities (no raw tags or comments reach a
    renderer), Markdown punctuation escaped (no links, images or table cells from the text), line
    breaks as ``<br>``."""
    text = printable("" if value is None else value)
    text = html.escape(text, quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return "<br>".join(line.strip() for line in text.split("\n")) if "\n" in text else text


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if 0 < value < 0.005:
            return "<1%"
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.2f}"
    return printable(" ".join(str(_plain(value)).split()), newlines=False)


def to_table(rows: Sequence[Row], columns: Sequence[tuple[str, str]], *, width: int | None = None) -> str:
    """An aligned text table; the widest column gives way when the terminal is narrow.

    ``columns`` are (key, heading) pairs.
    """
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    cells = [[_cell(_value(row, key)) for key, _ in columns] for row in rows]
    widths = [max([len(heading)] + [len(r[i]) for r in cells]) for i, (_, heading) in enumerate(columns)]
    while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def line(values: Sequence[str]) -> str:
        out = []
        for value, w in zip(values, widths):
            out.append(value if len(value) <= w else value[: max(w - 1, 0)] + "…")
        return "  ".join(v.ljust(w) for v, w in zip(out, widths)).rstrip()

    lines = [line([h for _, h in columns]), line(["-" * w for w in widths])]
    lines += [line(r) for r in cells]
    return "\n".join(lines) + "\n"


class _TerminalText:
    """A text stream in front of a terminal: whatever is written shows control characters as
    visible escapes (a leading carriage return, used to redraw a progress line, is kept)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("a terminal stream takes text")
        lead = "\r" if text.startswith("\r") else ""
        self._stream.write(lead + printable(text[len(lead) :]))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, errors...
        if name == "buffer":  # no raw byte path around the filter
            raise AttributeError(name)
        return getattr(self._stream, name)


def guard_terminal() -> None:
    """Put the filter in front of standard output and error when they are terminals, so no text
    from a project (names, memos, transcripts, error messages) can send escape sequences."""
    import sys

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            interactive = stream is not None and stream.isatty()
        except (AttributeError, ValueError):
            interactive = False
        if interactive and not isinstance(stream, _TerminalText):
            setattr(sys, name, _TerminalText(stream))
