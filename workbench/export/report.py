"""A self-contained HTML report of a matrix: one file, no network, opens in any browser.

The matrix as a heat map (shaded by segment counts), a summary per column (theme) with key
excerpts per row, and the codebook. Every piece of project text goes through ``escape`` (markup
and quotes as entities), colours are used only when they are ``#rrggbb``, and the page loads
nothing and runs no script (a Content-Security-Policy says so to the browser as well).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from workbench.analysis.columns import excerpt
from workbench.export.tables import _clean, escape, format_number

if TYPE_CHECKING:
    import pandas as pd

    from workbench.analysis.matrix import Matrix
    from workbench.models import Codebook

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #1d2330; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccd; }
.meta { color: #667; font-size: .9rem; }
table.matrix { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
table.matrix th, table.matrix td { border: 1px solid #d5d9e2; padding: .35rem .6rem; }
table.matrix th { background: #eef1f6; text-align: left; vertical-align: bottom; }
table.matrix td { text-align: right; min-width: 4rem; }
table.matrix td.text { text-align: left; white-space: pre-line; min-width: 12rem; font-size: .85rem; }
.legend { font-size: .85rem; color: #667; }
blockquote { margin: .4rem 0 .8rem 0; padding: .2rem .8rem; border-left: 3px solid #9ab; background: #f7f8fb; }
.who { color: #667; font-size: .85rem; }
dl.code dt { font-weight: 600; margin-top: .8rem; } dl.code dd { margin-left: 1.2rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: middle; }
"""
# The page needs no script, no network and no frames: say so to the browser too.
CSP = (
    "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'\">"
)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")


def _shade(count: int, top: int) -> str:
    if top <= 0 or count <= 0:
        return "background:#ffffff"
    strength = count / top
    # From pale to deep blue; text turns white on dark cells.
    r, g, b = (int(247 - 200 * strength), int(251 - 150 * strength), int(255 - 80 * strength))
    colour = "#fff" if strength > 0.6 else "#1d2330"
    return f"background:rgb({r},{g},{b});color:{colour}"


def _cell(value: Any, value_kind: str) -> str:
    if value_kind == "excerpts":
        value = _clean(value)
        return "–" if value is None else escape(value)
    return escape(format_number(value, share=value_kind == "share"))


def matrix_report(matrix: Matrix, book: Codebook | None, meta: dict[str, Any]) -> str:
    table, counts = matrix.table, matrix.counts
    top = int(counts.values.max()) if counts.size else 0
    text_cells = matrix.spec.value == "excerpts"
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{CSP}<title>{escape(matrix.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(meta.get('project') or 'Framework matrix')}</h1>",
        f"<p class='meta'>{escape(matrix.title)}<br>Made by {escape(meta['made_by'])} on {escape(meta['made_at'])}</p>",
        "<h2>Matrix</h2><table class='matrix'><thead><tr>",
        f"<th>{escape(table.index.name)} \\ {escape(table.columns.name)}</th>",
    ]
    parts += [f"<th>{escape(c)}</th>" for c in table.columns]
    parts.append("</tr></thead><tbody>")
    for name, row in table.iterrows():
        parts.append(f"<tr><th>{escape(name)}</th>")
        for column, value in row.items():
            count = int(counts.at[name, column]) if name in counts.index and column in counts.columns else 0
            css = "text" if text_cells else ""
            parts.append(
                f"<td class='{css}' style='{_shade(count, top)}' title='{count} segments'>"
                f"{_cell(value, matrix.spec.value)}</td>"
            )
        parts.append("</tr>")
    parts.append("</tbody></table>")
    parts.append(
        f"<p class='legend'>Shading: number of segments (darkest = {top}). Empty cells are shown: "
        "a row that never raises a column is a finding.</p>"
    )
    parts.append(_summaries(matrix))
    if book is not None:
        parts.append(_codebook(book))
    parts.append("</body></html>")
    return "".join(parts)


def _summaries(matrix: Matrix) -> str:
    """Per column (theme or code): how many segments, and up to two excerpts per row."""
    frame = matrix.frame.sort_values(["transcript", "start"], kind="stable")
    transposed = matrix.spec.transpose
    out = ["<h2>Summaries with excerpts</h2>"]
    groups = frame.groupby("row" if transposed else "column", sort=False)
    order = list(matrix.table.index if transposed else matrix.table.columns)
    row_count = len(matrix.table.columns if transposed else matrix.table.index)
    for key in order:
        if key not in groups.groups:
            out.append(f"<h3>{escape(key)}</h3><p class='meta'>No segments.</p>")
            continue
        group = groups.get_group(key)
        per = group.groupby("column" if transposed else "row")
        out.append(
            f"<h3>{escape(key)}</h3><p class='meta'>{group['id'].nunique()} segments from "
            f"{group['transcript_id'].nunique()} transcripts; raised in {per.ngroups} of {row_count} rows.</p>"
        )
        for name, rows in per:
            out.append(f"<p><b>{escape(name)}</b> ({rows['id'].nunique()})</p>")
            for _, seg in rows.head(2).iterrows():
                who = ", ".join(str(x) for x in (seg.get("participant"), seg.get("transcript"), seg.get("coder")) if x)
                out.append(
                    f"<blockquote>{escape(excerpt(seg['text'], 300))}<br><span class='who'>{escape(who)}</span></blockquote>"
                )
    return "".join(out)


def _codebook(book: Codebook) -> str:
    out = [f"<h2>Codebook: {escape(book.name)}</h2><dl class='code'>"]
    for path, code in book.walk():
        colour = code.colour if code.colour and _COLOUR.fullmatch(code.colour) else None
        swatch = f"<span class='swatch' style='background:{colour}'></span>" if colour else ""
        out.append(f"<dt>{swatch}{escape(path)}</dt>")
        for label, value in (
            ("Definition", code.definition),
            ("When to use", code.when_to_use),
            ("When not to use", code.when_not_to_use),
            ("Example", code.example),
        ):
            if value:
                out.append(f"<dd><i>{label}.</i> {escape(value)}</dd>")
    out.append("</dl>")
    return "".join(out)


def _plain_cell(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.2f}"
    return escape(value)


def table_report(table: pd.DataFrame, title: str, meta: dict[str, Any] | None = None) -> str:
    """One table (frequencies, co-occurrence) as a self-contained HTML page."""
    meta = meta or {}
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{CSP}<title>{escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(meta.get('project') or title)}</h1>",
        f"<p class='meta'>{escape(title)}"
        + (f"<br>Made by {escape(meta['made_by'])} on {escape(meta['made_at'])}" if meta.get("made_by") else "")
        + "</p><table class='matrix'><thead><tr>",
        f"<th>{escape(table.index.name)}</th>",
    ]
    parts += [f"<th>{escape(c)}</th>" for c in table.columns]
    parts.append("</tr></thead><tbody>")
    for name, row in table.iterrows():
        parts.append(f"<tr><th>{escape(name)}</th>" + "".join(f"<td>{_plain_cell(v)}</td>" for v in row) + "</tr>")
    parts.append("</tbody></table></body></html>")
    return "".join(parts)
