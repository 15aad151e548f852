"""Escaping project text for Markdown and HTML output.

Everything a researcher or a participant wrote (transcript text, memos, code names, summaries,
titles) may contain markup. In HTML it is escaped with :func:`html.escape`; in Markdown it is
escaped the same way (so raw HTML in a memo never reaches a browser through pandoc or Quarto) and
the characters Markdown would read as formatting, links or tables are backslash-escaped.
"""

from __future__ import annotations

import html
import re

_INLINE = re.compile(r"([\\`*_\[\]|~!{}$])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)


def h(value: object) -> str:
    """Text for HTML (element content and attribute values)."""
    return html.escape("" if value is None else str(value), quote=True)


def md(value: object) -> str:
    """Text for Markdown inline content: HTML-escaped, formatting characters neutralized, and
    newlines kept as spaces (for table cells and headings use :func:`md_line`)."""
    text = html.escape("" if value is None else str(value), quote=False)
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def md_line(value: object) -> str:
    """One line of Markdown (headings, table cells, list items): whitespace collapsed."""
    return md(" ".join(("" if value is None else str(value)).split()))


def md_block(value: object, prefix: str = "") -> str:
    """A paragraph block keeping the writer's paragraphs; each line gets ``prefix`` (e.g. "> ")."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", "" if value is None else str(value))]
    lines: list[str] = []
    for paragraph in paragraphs:
        if not paragraph:
            continue
        if lines:
            lines.append(prefix.rstrip())
        lines.append(prefix + md(paragraph))
    return "\n".join(lines)


def h_block(value: object) -> str:
    """Paragraphs for HTML, escaped."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", "" if value is None else str(value))]
    return "".join(f"<p>{h(p)}</p>" for p in paragraphs if p)


HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 58rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
h1, h2, h3 { line-height: 1.2; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
blockquote { margin: 0.6rem 0 0.6rem 1rem; padding-left: 0.8rem; border-left: 3px solid #9ecae1; }
.meta { color: #666; font-size: 0.88rem; }
.note { color: #555; font-style: italic; }
"""


def html_page(title: str, body: str) -> str:
    """A self-contained page: no scripts, no external resources (a CSP forbids them too)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{h(title)}</title><style>{HTML_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
