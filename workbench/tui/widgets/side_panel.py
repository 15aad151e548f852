"""The coding screen's side panel: the transcript, the codes under the selection (coder, origin,
memo) with the code's definition, suggestions here, which stripe is which, and the quick codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from workbench.session import CodingSession
    from workbench.tui.widgets.transcript_view import TranscriptView

SUGGESTED = "#ffd75f"


class SidePanel(Static):
    """Drawn from a :class:`~workbench.session.CodingSession` and the transcript view beside it."""

    def show(self, session: CodingSession, view: TranscriptView) -> None:
        if session.doc is None:
            return
        self.update(panel_text(session, view), layout=False)  # a fixed size: no layout pass


def panel_text(session: CodingSession, view: TranscriptView) -> Text:
    doc = session.doc
    assert doc is not None
    start, end = session.selection
    t = doc.transcript
    out = Text()
    out.append(f"{t.title}\n", Style(bold=True))
    out.append(" · ".join(x for x in (t.site, t.participant, t.role) if x) + "\n", Style(dim=True))
    out.append(f"#{t.id} {t.source_name or ''}\n\n", Style(dim=True))
    if session.editing:
        out.append("Adjusting a segment: extend or shrink, then b to save.\n\n", Style(bold=True, color="yellow"))
    covering = doc.covering(start, end)
    if covering:
        out.append("Codes here\n", Style(bold=True))
        for segment in covering:
            out.append("■ ", Style(color=segment.colour or "#888888"))
            out.append(f"{segment.code}\n")
            out.append(f"  {segment.coder} · {segment.origin}\n", Style(dim=True))
            if segment.memo:
                out.append(f"  memo: {segment.memo}\n", Style(italic=True))
        code = session.codes.get(covering[0].code_id)
        if code:
            for value, label in (
                (code.definition, ""),
                (code.when_to_use, "Use when: "),
                (code.when_not_to_use, "Not for: "),
            ):
                if value:
                    out.append(f"\n{label}" if label else f"\n{code.name}: ", Style(bold=True))
                    out.append(value + "\n")
    else:
        out.append("Not coded here.\n", Style(dim=True))
    proposed = [p for p in session.proposals if p.start < end and p.end > start]
    if proposed:
        out.append("\nSuggested here (y accept, X reject)\n", Style(bold=True, color=SUGGESTED))
        for p in proposed:
            out.append(f"? {p.code}\n", Style(italic=True, color=SUGGESTED))
            out.append(f"  {p.source} · {p.score:.2f} · {p.why}\n", Style(dim=True))
    others = sorted({who for a, b, who in view.others if a < end and b > start})
    if others and not session.all_coders:
        out.append(f"\n◦ also coded here by {', '.join(others)} (a shows)\n", Style(color="#8a8a8a"))
    legend(out, session, view)
    if session.frequent:
        out.append("\nQuick codes", Style(bold=True))
        out.append(" (= pins)\n", Style(dim=True))
        for number, code in enumerate(session.frequent, 1):
            out.append(f" {number} ", Style(reverse=True))
            out.append(f" {code.path.split('/')[-1]}")
            out.append(" (pinned)\n" if code.id in session.pinned else "\n", Style(dim=True))
    return out


def legend(out: Text, session: CodingSession, view: TranscriptView) -> None:
    """Which stripe is which: the codes on the lines in view."""
    assert session.doc is not None
    low, high = view.visible_span()
    seen: dict[str, str | None] = {}
    for segment in sorted(session.doc.segments, key=lambda s: s.code_id):
        if segment.start < high and segment.end > low and segment.code is not None and segment.code not in seen:
            seen[segment.code] = segment.colour
    if not seen:
        return
    out.append("\nIn view\n", Style(bold=True))
    for code, colour in seen.items():
        mark = view.letter_of.get(code or "", "▌") if view.letters else "▌"
        out.append(f" {mark} ", Style(color=colour or "#888888", bold=True))
        out.append(f"{(code or '').split('/')[-1]}\n")
