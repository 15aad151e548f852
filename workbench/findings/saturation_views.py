"""Saturation for people: the table of interviews, the permutation summary, the curve in the
terminal (plotext) and as SVG for the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.findings.saturation import Saturation

ORDER_LABELS = {"coded": "order first coded", "date": "interview date", "import": "order imported"}


def saturation_table(result: Saturation) -> str:
    """The per-interview table and the runs, as text."""
    from workbench.output import to_table

    rows = []
    run_by_first = {r.first: r for r in result.runs}
    for i in result.interviews:
        run = run_by_first.get(i.position)
        rows.append(
            {
                "position": i.position,
                "transcript": i.title,
                "participant": i.participant or "",
                "key": (i.key or "")[:19],
                "codes": i.codes,
                "new": i.new,
                "cumulative": i.cumulative,
                "run": ""
                if run is None
                else f"{run.first}-{run.last}: {run.new}/{result.base_codes} = "
                f"{run.ratio:.1%}" + (" ✓" if run.meets else ""),
                "mark": "base"
                if i.position <= result.spec.base
                else ("saturation" if result.point == i.position else ""),
            }
        )
    key_heading = {"coded": "first coded", "date": "date", "import": "imported"}[result.spec.order]
    text = to_table(
        rows,
        [
            ("position", "#"),
            ("transcript", "transcript"),
            ("participant", "participant"),
            ("key", key_heading),
            ("codes", result.spec.level + "s"),
            ("new", "new"),
            ("cumulative", "total"),
            ("run", "run ratio"),
            ("mark", ""),
        ],
    )
    lines = [text, result.statement()]
    if result.share_at_point is not None:
        lines.append(
            f"By interview {result.point}, {result.share_at_point:.0%} of all "
            f"{result.total_codes} {result.spec.level}s had appeared."
        )
    if result.permutation_points:
        lines.append(permutation_summary(result))
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def permutation_summary(result: Saturation) -> str:
    points = result.permutation_points
    reached = sorted(p for p in points if p is not None)
    if not reached:
        return f"Over {len(points)} random orders (seed {result.spec.seed}) saturation was never reached."

    def q(share: float) -> int:
        return reached[min(len(reached) - 1, int(share * (len(reached) - 1) + 0.5))]

    return (
        f"Over {len(points)} random orders of the same interviews (seed {result.spec.seed}): reached in "
        f"{len(reached)} ({len(reached) / len(points):.0%}), median point {q(0.5)}, range {reached[0]}-{reached[-1]}, "
        f"middle 95% {q(0.025)}-{q(0.975)}."
    )


def terminal_plot(result: Saturation, width: int = 78, height: int = 18) -> str:
    """The accumulation curve (line: total codes) with bars of new codes per interview, drawn with
    plotext in plain characters (no colour codes, so it can go to a file). The base's last interview
    is marked ``b`` on the axis, the saturation point ``s``."""
    import plotext as plt

    figure = plt.figure
    figure.clear()
    figure.plot_size(width, height)
    figure.theme("colorless")
    x = [i.position for i in result.interviews]
    figure.draw(figure.bar(x, [i.new for i in result.interviews], width=0.5))
    line = figure.signal(x, [i.cumulative for i in result.interviews])
    line.lines()
    figure.draw(line)
    labels = []
    for position in x:
        mark = "b" if position == result.spec.base else ""
        mark += "s" if position == result.point else ""
        labels.append(f"{position}{mark}")
    figure.ruler("x").ticks(x, labels)
    level = result.spec.level
    figure.title(
        f"bars: new {level}s per interview; line: total {level}s; "
        + (f"saturation {result.point}+{result.spec.run}" if result.point else "saturation not reached")
    )
    figure.label("interview (" + ORDER_LABELS[result.spec.order] + "; b: end of base, s: saturation point)", axis="x")
    text: str = plt.uncolorize(figure.build())
    figure.clear()
    return text.rstrip() + "\n"


def svg_curve(result: Saturation, width: int = 640, height: int = 300) -> str:
    """The accumulation curve as inline SVG (no scripts, no external references)."""
    from html import escape

    items = result.interviews
    if not items:
        return ""
    left, right, top, bottom = 48, 16, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(i.cumulative for i in items) or 1
    n = len(items)
    step = plot_w / n

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Code accumulation curve">',
        f"<title>{escape(result.statement())}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>',
    ]
    for k in range(0, top_value + 1, max(1, top_value // 5)):
        parts.append(f'<text x="{left - 6}" y="{y(k) + 4:.1f}" font-size="11" text-anchor="end">{k}</text>')
    points = []
    for idx, item in enumerate(items):
        cx = left + step * idx + step / 2
        bar_h = plot_h * item.new / top_value
        parts.append(
            f'<rect x="{cx - step * 0.3:.1f}" y="{top + plot_h - bar_h:.1f}" width="{step * 0.6:.1f}" '
            f'height="{bar_h:.1f}" fill="#9ecae1"><title>{escape(item.title)}: {item.new} new</title></rect>'
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 14}" font-size="11" text-anchor="middle">{item.position}</text>'
        )
        points.append(f"{cx:.1f},{y(item.cumulative):.1f}")
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#08519c" stroke-width="2"/>')
    for mark, label in ((result.spec.base, "base"), (result.point, "saturation")):
        if mark is not None and mark <= n:
            mx = left + step * mark
            parts.append(
                f'<line x1="{mx:.1f}" y1="{top}" x2="{mx:.1f}" y2="{top + plot_h}" stroke="#d62728" '
                f'stroke-dasharray="4 3"/><text x="{mx + 3:.1f}" y="{top + 10}" font-size="11" '
                f'fill="#d62728">{label}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" font-size="12" text-anchor="middle">'
        f"interview ({escape(ORDER_LABELS[result.spec.order])}); bars: new {result.spec.level}s, "
        f"line: total</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)
