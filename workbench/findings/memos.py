"""Memo reports: every memo of the project (on the project, a transcript, a code or a segment) with
its context, grouped by code or by transcript, as Markdown or HTML."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.errors import WorkbenchError
from workbench.findings.text import h, h_block, html_page, md_block, md_line
from workbench.store import Store

KINDS = ("project", "transcript", "code", "segment")
GROUPINGS = ("code", "transcript")


@dataclass(slots=True)
class MemoItem:
    """One memo with what it is about."""

    kind: str  # project, transcript, code or segment
    text: str
    coder: str | None
    at: str | None
    memo_id: int | None = None  # memos table; segment memos live on the segment
    segment_id: int | None = None
    transcript_id: int | None = None
    transcript: str | None = None
    site: str | None = None
    participant: str | None = None
    code_id: int | None = None
    code: str | None = None  # code path
    code_definition: str | None = None
    quote: str | None = None
    start: int | None = None
    end: int | None = None

    @property
    def target(self) -> str:
        if self.kind == "project":
            return "the project"
        if self.kind == "transcript":
            return self.transcript or "?"
        if self.kind == "code":
            return self.code or "?"
        return f"{self.transcript} [{self.start}-{self.end}], {self.code}"


@dataclass(slots=True)
class MemoGroup:
    title: str
    kind: str  # "project", "code", "transcript", "other"
    about: str | None = None  # a code's definition, a transcript's site and participant
    items: list[MemoItem] = field(default_factory=list)


def collect_memos(store: Store) -> list[MemoItem]:
    """Every memo, in a stable order (project, transcripts, codes, segments)."""
    codes = {c.id: c for c in store.codes(counts=False)}
    transcripts = {t.id: t for t in store.transcripts()}
    items: list[MemoItem] = []
    for memo in store.memos():
        item = MemoItem(kind=memo.target, text=memo.text, coder=memo.coder, at=memo.updated_at, memo_id=memo.id)
        if memo.target == "transcript":
            t = transcripts.get(memo.target_id or 0)
            if t is None:
                continue  # its transcript was removed
            item.transcript_id, item.transcript = t.id, t.title
            item.site, item.participant = t.site, t.participant
        elif memo.target == "code":
            c = codes.get(memo.target_id or 0)
            if c is None:
                continue
            item.code_id, item.code, item.code_definition = c.id, c.path, c.definition
        items.append(item)
    for segment in store.segments():
        if not (segment.memo or "").strip():
            continue
        c = codes.get(segment.code_id)
        items.append(
            MemoItem(
                kind="segment",
                text=segment.memo or "",
                coder=segment.coder,
                at=segment.updated_at,
                segment_id=segment.id,
                transcript_id=segment.transcript_id,
                transcript=segment.transcript,
                site=segment.site,
                participant=segment.participant,
                code_id=segment.code_id,
                code=c.path if c else None,
                code_definition=c.definition if c else None,
                quote=segment.text,
                start=segment.start,
                end=segment.end,
            )
        )
    order = {kind: i for i, kind in enumerate(KINDS)}
    items.sort(key=lambda m: (order[m.kind], m.transcript or "", m.code or "", m.start or 0, m.memo_id or 0))
    return items


def group_memos(store: Store, items: list[MemoItem], by: str = "code") -> list[MemoGroup]:
    """Project memos first, then one group per code (in codebook order) or per transcript (by site
    and title), then the memos that belong to no group of that kind."""
    if by not in GROUPINGS:
        raise WorkbenchError(f"unknown grouping {by!r}.", hint="Use --by code or --by transcript.")
    groups: list[MemoGroup] = []
    project = [m for m in items if m.kind == "project"]
    if project:
        groups.append(MemoGroup("Project", "project", items=project))
    if by == "code":
        for code in store.codes(counts=False):
            mine = [m for m in items if m.code_id == code.id and m.kind in ("code", "segment")]
            if mine:
                mine.sort(key=lambda m: (m.kind != "code", m.site or "", m.transcript or "", m.start or 0))
                groups.append(MemoGroup(code.path, "code", about=code.definition, items=mine))
        rest = [m for m in items if m.kind == "transcript"]
        if rest:
            groups.append(MemoGroup("Memos on transcripts", "other", items=rest))
    else:
        for t in store.transcripts():
            mine = [m for m in items if m.transcript_id == t.id and m.kind in ("transcript", "segment")]
            if mine:
                mine.sort(key=lambda m: (m.kind != "transcript", m.start or 0))
                about = ", ".join(v for v in (t.site, t.participant, t.date) if v)
                groups.append(MemoGroup(t.title, "transcript", about=about or None, items=mine))
        rest = [m for m in items if m.kind == "code"]
        if rest:
            groups.append(MemoGroup("Memos on codes", "other", items=rest))
    return groups


def _context(item: MemoItem, by: str) -> str:
    """What the memo is about, leaving out what the group heading already says."""
    if item.kind == "project":
        return "on the project"
    if item.kind == "transcript":
        where = ", ".join(v for v in (item.site, item.participant) if v)
        return "on the transcript" if by == "transcript" else f"on {item.transcript}" + (f" ({where})" if where else "")
    if item.kind == "code":
        return "on the code" if by == "code" else f"on the code {item.code}"
    who = ", ".join(v for v in (item.participant, item.site) if v)
    if by == "code":
        return (
            f"on a passage of {item.transcript}"
            + (f" ({who})" if who else "")
            + f", characters {item.start}-{item.end}"
        )
    return f"on a passage coded {item.code}, characters {item.start}-{item.end}"


def memos_markdown(groups: list[MemoGroup], *, title: str, by: str) -> str:
    count = sum(len(g.items) for g in groups)
    lines = [f"# Memos: {md_line(title)}", "", f"{count} memos, grouped by {by}.", ""]
    if not groups:
        lines += ["No memos yet.", ""]
    for group in groups:
        lines += [f"## {md_line(group.title)}", ""]
        if group.about:
            lines += [f"*{md_line(group.about)}*", ""]
        for item in group.items:
            meta = ", ".join(v for v in (item.coder, (item.at or "")[:10]) if v)
            lines.append(f"- **{md_line(_context(item, by))}**" + (f" ({md_line(meta)})" if meta else ""))
            lines.append("")
            if item.quote:
                lines += [md_block(item.quote, "  > "), ""]
            lines += [md_block(item.text, "  "), ""]
    return "\n".join(lines).rstrip() + "\n"


def memos_html(groups: list[MemoGroup], *, title: str, by: str) -> str:
    count = sum(len(g.items) for g in groups)
    parts = [f"<h1>Memos: {h(title)}</h1>", f'<p class="meta">{count} memos, grouped by {h(by)}.</p>']
    if not groups:
        parts.append("<p>No memos yet.</p>")
    for group in groups:
        parts.append(f"<section><h2>{h(group.title)}</h2>")
        if group.about:
            parts.append(f'<p class="meta">{h(group.about)}</p>')
        for item in group.items:
            meta = ", ".join(v for v in (item.coder, (item.at or "")[:10]) if v)
            parts.append(
                f'<div class="memo"><h3>{h(_context(item, by))}</h3>'
                + (f'<p class="meta">{h(meta)}</p>' if meta else "")
                + (f"<blockquote>{h_block(item.quote)}</blockquote>" if item.quote else "")
                + h_block(item.text)
                + "</div>"
            )
        parts.append("</section>")
    return html_page(f"Memos: {title}", "\n".join(parts))


def memo_report(store: Store, *, by: str = "code", fmt: str = "md") -> str:
    items = collect_memos(store)
    groups = group_memos(store, items, by)
    title = store.get_meta("title") or store.path.stem
    if fmt == "md":
        return memos_markdown(groups, title=title, by=by)
    if fmt == "html":
        return memos_html(groups, title=title, by=by)
    raise WorkbenchError(f"unknown format {fmt!r}.", hint="Use md or html.")
