"""The study report: from the coded interviews to a draft results section.

``workbench report -o study.md`` writes Markdown that pandoc and Quarto render (pipe tables,
headings, block quotes); ``--format html`` writes one self-contained HTML file (no scripts, no
network) with the saturation curve as inline SVG. Every piece of project text is escaped.

Sections: the data, the codebook, per theme its definition, prevalence by site (segments, and the
share of the site's participants who raised it), key quotes, framework summaries; then the
methods (inter-coder agreement, thematic saturation) and a data appendix.

Key quotes. Segments flagged as key quotes come first (all of them). When a theme has fewer than
``quotes_per_theme`` flagged quotes, the rest is a documented selection: segments of the theme
between ``QUOTE_MIN`` and ``QUOTE_MAX`` characters, at most one per participant, taking
participants from sites not yet quoted first (diverse participants), and for each participant the
segment whose length is closest to ``QUOTE_TARGET``; passages overlapping a quote already chosen
are skipped; ties go to the earlier passage. The rule is printed in the report.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.coders import pooled_coders
from workbench.codes import codes_within
from workbench.errors import WorkbenchError
from workbench.models import Code, Coder, Participant, Segment, Transcript
from workbench.store import Store

if TYPE_CHECKING:
    from workbench.findings.saturation import Saturation

QUOTE_MIN, QUOTE_MAX, QUOTE_TARGET = 60, 600, 220
QUOTE_RULE = (
    f"Key quotes: the segments the researchers flagged come first; the rest are chosen by a fixed rule: "
    f"segments of the theme of {QUOTE_MIN}-{QUOTE_MAX} characters, at most one per participant, "
    f"participants from sites not yet quoted first, for each the passage closest to {QUOTE_TARGET} "
    f"characters."
)


@dataclass(slots=True)
class ReportSpec:
    selection: Any = None  # analysis.frame.Selection; None = all coders pooled
    quotes_per_theme: int = 3
    agreement_unit: str = "sentence"
    saturation: Any = None  # findings.saturation.SaturationSpec


@dataclass(slots=True)
class Quote:
    segment_id: int
    text: str
    participant: str | None
    role: str | None
    site: str | None
    transcript: str
    start: int
    end: int
    flagged: bool

    def attribution(self) -> str:
        who = ", ".join(v for v in (self.participant or self.transcript, self.role, self.site) if v)
        return who


@dataclass(slots=True)
class SitePrevalence:
    site: str
    segments: int
    participants: int  # participants who raised the theme
    of_participants: int  # participants at the site
    share: float | None


@dataclass(slots=True)
class ThemeSection:
    path: str
    definition: str | None
    sub_codes: list[tuple[str, str | None]]
    prevalence: list[SitePrevalence]
    quotes: list[Quote]
    summaries: list[tuple[str, str, str | None, list[str]]] = field(default_factory=list)  # row, summary, note, Q refs


def select_quotes(candidates: list[Segment], flagged: set[int], n: int) -> list[Quote]:
    """The report's quote rule (see the module docstring); ``candidates`` are segment rows."""

    def quote(s: Segment) -> Quote:
        return Quote(
            segment_id=s.id,
            text=" ".join(s.text.split()),
            participant=s.participant,
            role=s.role,
            site=s.site,
            transcript=s.transcript,
            start=s.start,
            end=s.end,
            flagged=s.id in flagged,
        )

    chosen = [quote(s) for s in sorted(candidates, key=lambda s: (s.participant or "", s.start)) if s.id in flagged]

    def overlaps(s: Segment) -> bool:
        return any(q.transcript == s.transcript and q.start < s.end and s.start < q.end for q in chosen)

    pool: dict[str, list[Segment]] = {}
    for s in candidates:
        length = len(" ".join(s.text.split()))
        if s.id in flagged or not QUOTE_MIN <= length <= QUOTE_MAX:
            continue
        pool.setdefault(s.participant or s.transcript, []).append(s)
    quoted_people = {q.participant or q.transcript for q in chosen}
    quoted_sites = {q.site for q in chosen}
    while len(chosen) < n:
        people = sorted((p for p in pool if p not in quoted_people), key=lambda p: (pool[p][0].site in quoted_sites, p))
        best = None
        for person in people:
            options = [s for s in pool[person] if not overlaps(s)]
            if options:
                best = min(
                    options, key=lambda s: (abs(len(" ".join(s.text.split())) - QUOTE_TARGET), s.transcript, s.start)
                )
                break
            quoted_people.add(person)
        if best is None:
            break
        chosen.append(quote(best))
        quoted_people.add(best.participant or best.transcript)
        quoted_sites.add(best.site)
    return chosen


def _agreement_paragraph(store: Store, unit: str) -> str:
    """The methods paragraph on inter-coder agreement, from the agreement module's own paragraph
    when it has one, else written here from its computation."""
    from workbench.agreement import compute as agreement_compute
    from workbench.agreement import report as agreement_report

    # every coder's independent coding, whichever coding the rest of the report draws on
    coders = pooled_coders(c.name for c in store.coders() if c.segments)
    if len(coders) < 2:
        return (
            "Inter-coder agreement was not assessed: the project holds the coding of "
            f"{len(coders)} coder{'s' if len(coders) != 1 else ''}."
        )
    spec = agreement_compute.AgreementSpec(coders=coders, unit=unit, columns="theme")
    try:
        result = agreement_compute.compute_agreement(store, spec)
    except WorkbenchError as exc:
        return f"Inter-coder agreement could not be computed: {exc.message}"
    for name in ("methods_paragraph", "agreement_paragraph", "report_paragraph"):
        writer = getattr(agreement_report, name, None)
        if callable(writer):
            try:
                return str(writer(result))
            except TypeError:
                break
    overall = result.overall

    def f(v: float | None) -> str:
        return "undefined" if v is None else f"{v:.2f}"

    kappa = (
        f"Cohen's kappa {f(overall.cohen_kappa)}" if len(coders) == 2 else f"Fleiss' kappa {f(overall.fleiss_kappa)}"
    )
    per_theme = "; ".join(f"{c.code} {f(c.krippendorff_alpha)}" for c in result.codes)
    low = [c.code for c in result.codes if c.flagged]
    text = (
        f"{len(coders)} coders ({', '.join(coders)}) coded {len(result.transcripts)} transcripts independently. "
        f"Agreement was computed per theme (sub-codes rolled up) over {spec.unit}s as units; a unit carried a "
        f"theme for a coder when that coder's segments covered {spec.overlap} of it. Pooled over themes, "
        f"percent agreement was {overall.percent_agreement:.1%}, {kappa} and Krippendorff's alpha "
        f"{f(overall.krippendorff_alpha)} (pooled alpha sums disagreements over themes; pooled kappa follows "
        f"De Vries et al. 2008). Alpha per theme: {per_theme}."
    )
    if low:
        text += (
            f" Below Krippendorff's minimum of {spec.threshold} for tentative conclusions: {', '.join(low)}; "
            "these disagreements were discussed and reconciled."
        )
    return text


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the report shows, computed once (then written as Markdown or HTML)."""

    title: str
    generated: str  # the date, ISO
    selection: str  # which coding, in words
    transcripts: list[Transcript]
    coded_transcripts: int
    sites: list[str]
    participants: list[Participant]
    coders: list[Coder]  # those with segments
    segments: int
    codes: list[Code]
    themes: list[ThemeSection]
    agreement: str  # the methods paragraph
    saturation: Saturation | None
    saturation_error: str | None  # why saturation could not be assessed


def build_report(store: Store, spec: ReportSpec | None = None) -> ReportData:
    """Everything the report shows, computed once (then written as Markdown or HTML)."""
    from workbench.analysis.frame import Selection, load_context
    from workbench.analysis.matrix import MatrixSpec, build_matrix, participants_per_row
    from workbench.findings.framework import build_framework
    from workbench.findings.saturation import SaturationSpec, compute_saturation

    spec = spec or ReportSpec()
    selection = spec.selection or Selection()
    codes = store.codes(counts=False)
    context = load_context(store)
    counts = build_matrix(store, MatrixSpec(rows="site", columns="theme", value="segments", selection=selection))
    raised = build_matrix(store, MatrixSpec(rows="site", columns="theme", value="participants", selection=selection))
    people = participants_per_row("site", context)
    flagged = store.key_quote_ids()
    framework = build_framework(store, "participant", "theme", selection)
    site_framework = build_framework(store, "site", "theme", selection)
    segments = {s.id: s for s in store.segments()}
    themes: list[ThemeSection] = []
    for code in codes:
        if code.parent_id is not None:
            continue
        theme = code.path
        within = set(codes_within(codes, [code.id]))
        ids = sorted({i for (row, column), cell_ids in counts.cells.items() if column == theme for i in cell_ids})
        prevalence = []
        for site in counts.table.index:
            site = str(site)
            total = len(people.get(site, set()))
            n_raised = int(raised.table.at[site, theme]) if theme in raised.table.columns else 0
            prevalence.append(
                SitePrevalence(
                    site=site,
                    segments=int(counts.table.at[site, theme]),
                    participants=n_raised,
                    of_participants=total,
                    share=n_raised / total if total else None,
                )
            )
        section = ThemeSection(
            path=theme,
            definition=code.definition,
            sub_codes=[(c.path.split("/", 1)[1], c.definition) for c in codes if c.id in within and c.id != code.id],
            prevalence=prevalence,
            quotes=select_quotes([segments[i] for i in ids if i in segments], flagged, spec.quotes_per_theme),
        )
        for fm in (framework, site_framework):
            for row in fm.rows:
                cell = fm.cells.get((row, theme))
                if cell is not None and cell.summary:
                    section.summaries.append((row, cell.summary, cell.note, [q.label for q in cell.quotes]))
        themes.append(section)
    try:
        saturation = compute_saturation(
            store, spec.saturation or SaturationSpec(coders=selection.coders, origin=selection.origin)
        )
        saturation_error = None
    except WorkbenchError as exc:
        saturation, saturation_error = None, exc.message
    transcripts = store.transcripts()
    coded = {s.transcript_id for s in segments.values()}
    return ReportData(
        title=store.get_meta("title") or store.path.stem,
        generated=_dt.date.today().isoformat(),
        selection=selection.describe(),
        transcripts=transcripts,
        coded_transcripts=len(coded),
        sites=sorted({t.site for t in transcripts if t.site}),
        participants=store.participants(),
        coders=[c for c in store.coders() if c.segments],
        segments=len(counts.frame),
        codes=codes,
        themes=themes,
        agreement=_agreement_paragraph(store, spec.agreement_unit),
        saturation=saturation,
        saturation_error=saturation_error,
    )


def write_report(store: Store, fmt: str = "md", spec: ReportSpec | None = None) -> str:
    from workbench.findings.report_text import report_html, report_markdown

    data = build_report(store, spec)
    if fmt == "md":
        return report_markdown(data)
    if fmt == "html":
        return report_html(data)
    raise WorkbenchError(f"unknown format {fmt!r}.", hint="Use md or html.")
