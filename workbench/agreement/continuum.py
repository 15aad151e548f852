"""``workbench agreement --unit continuum``: the unitizing alphas per code, per theme (semantic domain)
and pooled, on the character continuum of the transcripts every chosen coder coded, laid end to end."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from workbench.agreement import unitizing as ua
from workbench.agreement.compute import _round_id, _segments
from workbench.agreement.results import MAX_DISAGREEMENTS, AgreementReport, AgreementSpec, CodeAgreement, Disagreement
from workbench.analysis.columns import column_key, column_keys, excerpt
from workbench.errors import WorkbenchError
from workbench.models import Transcript
from workbench.store import Store


def compute_continuum(store: Store, spec: AgreementSpec) -> AgreementReport:
    round_id = _round_id(store, spec)
    codes = store.codes(counts=False)
    keys = column_keys(codes, spec.columns)
    domains = column_keys(codes, "theme")
    paths = {c.id: c.path for c in codes}
    coder_index = {name: i for i, name in enumerate(spec.coders)}
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    domain_segments: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    by_domain: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    used: list[str] = []
    skipped: list[str] = []
    placed: list[tuple[int, Transcript]] = []  # (offset, transcript) for mapping positions back
    offset = 0
    for transcript in store.transcripts():
        if spec.transcripts is not None and transcript.id not in spec.transcripts:
            continue
        segments = _segments(store, spec, transcript.id, coder_index, round_id)
        present = {s.coder for s in segments}
        if len(present) < 2:
            continue
        if len(present) < len(spec.coders):
            skipped.append(transcript.title)
            continue
        used.append(transcript.title)
        placed.append((offset, transcript))
        for s in segments:
            path = paths[s.code_id]
            start, end = offset + s.start, offset + s.end
            spans[(column_key(path, spec.columns), s.coder)].append((start, end))
            domain = column_key(path, "theme")
            domain_segments[(domain, s.coder)].append((start, end, path))
            by_domain[s.coder].append((start, end, domain))
        offset += int(transcript.length)
    if not used:
        raise WorkbenchError(
            "no transcript was coded by every one of these coders"
            + (f" in round {spec.round!r}" if spec.round is not None else "")
            + ".",
            hint="The unitizing alphas compare coders on the same continuum: choose coders "
            "(--coders) who coded the same transcripts.",
        )
    length = offset
    m = len(spec.coders)
    results: list[CodeAgreement] = []
    parts_list: list[ua.UParts | None] = []
    for key in keys:
        coder_spans = [ua.merge(spans.get((key, c), [])) for c in spec.coders]
        parts = ua.alpha_u_parts(length, coder_spans)
        parts_list.append(parts)
        binary = ua.u_alpha_binary(length, [[(a, b, 1) for a, b in s] for s in coder_spans])
        coded = sum(b - a for s in coder_spans for a, b in s)
        result = CodeAgreement(
            code=key,
            units=length,
            prevalence=coded / (m * length),
            percent_agreement=None,
            cohen_kappa=None,
            fleiss_kappa=None,
            krippendorff_alpha=None,
            continuum=True,
            alpha_u=parts.alpha if parts else None,
            alpha_u_binary=binary,
            u_alpha=binary,
        )
        result.flagged = result.alpha_u is not None and result.alpha_u < spec.threshold
        _continuum_undefined(result, coded, ("alpha_u", "alpha_u_binary", "u_alpha"))
        if result.flagged or (result.alpha_u is None and coded):
            result.disagreements = _stretches(coder_spans, spec.coders, placed, store)
        results.append(result)
    themes: list[CodeAgreement] = []
    for domain in domains:
        coder_segments = [domain_segments.get((domain, c), []) for c in spec.coders]
        merged = [ua.merge([(a, b) for a, b, _ in s]) for s in coder_segments]
        coded = sum(b - a for s in merged for a, b in s)
        parts = ua.alpha_u_parts(length, merged)
        theme = CodeAgreement(
            code=domain,
            units=length,
            prevalence=coded / (m * length),
            percent_agreement=None,
            cohen_kappa=None,
            fleiss_kappa=None,
            krippendorff_alpha=None,
            continuum=True,
            alpha_u=parts.alpha if parts else None,
            alpha_u_binary=ua.u_alpha_binary(length, coder_segments),
        )
        try:
            data = ua.coincidences(length, coder_segments)
        except ua.OverlapError:
            for name in ("u_alpha", "c_alpha_u"):
                theme.undefined[name] = "overlapping_codes_within_domain"
        else:
            theme.u_alpha = ua.u_alpha(data) if data else None
            cu = ua.cu_alpha(data) if data else None
            theme.c_alpha_u, theme.coverage = (cu.value, cu.coverage) if cu else (None, None)
        theme.flagged = theme.alpha_u is not None and theme.alpha_u < spec.threshold
        _continuum_undefined(theme, coded, ("alpha_u", "alpha_u_binary", "u_alpha", "c_alpha_u"))
        themes.append(theme)
    all_segments = [by_domain.get(c, []) for c in spec.coders]
    overall = CodeAgreement(
        code="(all codes, pooled)",
        units=length,
        prevalence=None,
        percent_agreement=None,
        cohen_kappa=None,
        fleiss_kappa=None,
        krippendorff_alpha=None,
        continuum=True,
        alpha_u=ua.pooled_alpha_u(parts_list),
        alpha_u_binary=ua.u_alpha_binary(length, all_segments),
    )
    try:
        data = ua.coincidences(length, all_segments)
    except ua.OverlapError:
        overall.undefined["C_alpha_u"] = "overlap_across_domains"
    else:
        cu = ua.cu_alpha(data) if data else None
        overall.C_alpha_u, overall.coverage = (cu.value, cu.coverage) if cu else (None, None)
    overall.flagged = overall.alpha_u is not None and overall.alpha_u < spec.threshold
    _continuum_undefined(overall, sum(b - a for s in all_segments for a, b, _ in s), ("alpha_u", "alpha_u_binary"))
    if overall.C_alpha_u is None and "C_alpha_u" not in overall.undefined:
        overall.undefined["C_alpha_u"] = "fewer_than_two_domains_coded_by_both"
    notes = [
        f"Continuum: the {len(used)} transcripts every coder coded, end to end ({length:,} characters); "
        "no unit is chosen, the coders' own segments are compared.",
        "alpha_u: Krippendorff (1995; Content Analysis 2nd ed. 2004), one value at a time (a code against "
        "everything else); pooled: 1 - sum D_o / sum D_e over codes.",
        "alpha_u_binary (|u-alpha), u_alpha, c_alpha_u (cu-alpha, within a theme, with its coverage) and C_alpha_u "
        "(Cu-alpha, which theme): Krippendorff, Mathet, Bouvry & Widlöcher (2016).",
        "A coder's overlapping segments of one code are merged; u_alpha and c_alpha_u of a theme need its codes "
        "to exclude each other within a coder, and C_alpha_u needs themes not to overlap within a coder "
        "(otherwise undefined).",
    ]
    if skipped:
        notes.append(f"Left out (not coded by every coder): {', '.join(skipped)}.")
    if spec.round is not None:
        notes.append(f"Only segments made in coding round {spec.round!r}.")
    report = AgreementReport(spec, used, results, overall, notes, themes=themes, skipped=skipped)
    return report


def _continuum_undefined(result: CodeAgreement, coded: int, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(result, name) is None and name not in result.undefined:
            result.undefined[name] = "nobody_coded_it" if not coded else "no_variation"


def _stretches(
    coder_spans: list[list[tuple[int, int]]], coders: list[str], placed: list[tuple[int, Transcript]], store: Store
) -> list[Disagreement]:
    """Stretches of the continuum where some coders marked the code and others did not."""
    points = sorted({p for spans in coder_spans for a, b in spans for p in (a, b)})
    out: list[Disagreement] = []
    texts: dict[int, str] = {}
    starts = [o for o, _ in placed]
    current: tuple[int, int, tuple[bool, ...]] | None = None
    pieces: list[tuple[int, int, tuple[bool, ...]]] = []
    cursors = [0] * len(coder_spans)
    for a, b in zip(points, points[1:]):
        marking: list[bool] = []
        for i, spans in enumerate(coder_spans):  # merged and sorted: one cursor per coder
            while cursors[i] < len(spans) and spans[cursors[i]][1] <= a:
                cursors[i] += 1
            marking.append(cursors[i] < len(spans) and spans[cursors[i]][0] <= a)
        marks = tuple(marking)
        if any(marks) and not all(marks):
            if current and current[1] == a and current[2] == marks:
                current = (current[0], b, marks)
            else:
                if current:
                    pieces.append(current)
                current = (a, b, marks)
    if current:
        pieces.append(current)
    for a, b, marks in pieces[:MAX_DISAGREEMENTS]:
        index = bisect_right(starts, a) - 1
        base, transcript = placed[index]
        if transcript.id not in texts:
            texts[transcript.id] = store.transcript_text(transcript.id) or ""
        start, end = a - base, b - base
        out.append(
            Disagreement(
                transcript=transcript.title,
                start=start,
                end=end,
                text=excerpt(texts[transcript.id][start:end], 200),
                coded_by=[c for c, v in zip(coders, marks) if v],
                not_coded_by=[c for c, v in zip(coders, marks) if not v],
            )
        )
    return out
