"""Agreement between coders on a project, per code and overall, with the disagreements behind it."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from workbench.agreement import bootstrap, stats
from workbench.agreement.results import (
    MAX_DISAGREEMENTS,
    UNIT_CHOICES,
    AgreementReport,
    AgreementSpec,
    CodeAgreement,
    Disagreement,
)
from workbench.agreement.units import OVERLAP_RULES, units_for
from workbench.analysis.columns import column_key, column_keys, excerpt
from workbench.errors import WorkbenchError
from workbench.models import SegmentSpan
from workbench.store import Store


def _check_spec(store: Store, spec: AgreementSpec) -> None:
    if spec.unit not in UNIT_CHOICES:
        raise WorkbenchError(f"unknown unit {spec.unit!r}.", hint="Use sentence, turn, character or continuum.")
    if spec.overlap is None and spec.unit != "continuum":
        spec.overlap = "any" if spec.unit == "turn" else "half"
    if spec.overlap is not None and spec.overlap not in OVERLAP_RULES:
        raise WorkbenchError(f"unknown overlap rule {spec.overlap!r}.", hint="Use any, half or all.")
    if spec.pairing not in stats.PAIRINGS:
        raise WorkbenchError(f"unknown pairing {spec.pairing!r}.", hint="Use per_unit_mean or pooled_pairs.")
    known = {c.name for c in store.coders()}
    missing = [c for c in spec.coders if c not in known]
    if len(set(spec.coders)) < len(spec.coders):
        raise WorkbenchError("a coder is named twice in the list of coders.", hint="Name each coder once.")
    if len(spec.coders) < 2 or missing:
        raise WorkbenchError(
            "agreement needs at least two coders of this project"
            + (f"; unknown: {', '.join(missing)}" if missing else "")
            + ".",
            hint="Coders here: " + ", ".join(sorted(known)) + ".",
        )


def _segments(
    store: Store, spec: AgreementSpec, transcript_id: int, coder_index: dict[str, int], round_id: int | None
) -> list[SegmentSpan]:
    segments = [s for s in store.segment_spans(transcript_id) if s.coder in coder_index]
    if spec.round is not None:
        segments = [s for s in segments if s.round_id == round_id]
    return segments


def _round_id(store: Store, spec: AgreementSpec) -> int | None:
    if spec.round is None:
        return None
    from workbench.agreement.rounds import resolve_round

    found = resolve_round(store, spec.round)
    spec.round = found.name
    return found.id


def compute_agreement(store: Store, spec: AgreementSpec) -> AgreementReport:
    """Agreement of ``spec.coders`` on every code, over the transcripts at least two of them coded."""
    _check_spec(store, spec)
    if spec.unit == "continuum":
        from workbench.agreement.continuum import compute_continuum

        return compute_continuum(store, spec)
    round_id = _round_id(store, spec)
    overlap = spec.overlap
    assert overlap is not None  # _check_spec gives every unit but the continuum its default rule
    codes = store.codes(counts=False)
    keys = column_keys(codes, spec.columns)
    paths = {c.id: c.path for c in codes}
    coder_index = {name: i for i, name in enumerate(spec.coders)}
    weighted = spec.unit == "character"
    # per code key: Counter of unit value tuples (weighted), and disagreement examples
    tallies: dict[str, Counter[tuple[stats.Value, ...]]] = {key: Counter() for key in keys}
    examples: dict[str, list[Disagreement]] = defaultdict(list)
    used_transcripts: list[str] = []
    notes: list[str] = []
    for transcript in store.transcripts():
        if spec.transcripts is not None and transcript.id not in spec.transcripts:
            continue
        segments = _segments(store, spec, transcript.id, coder_index, round_id)
        present = sorted({s.coder for s in segments}, key=lambda name: coder_index[name])
        if len(present) < 2:
            continue
        used_transcripts.append(transcript.title)
        text = store.transcript_text(transcript.id) or ""
        spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        boundaries: set[int] = set()
        for s in segments:
            spans[(column_key(paths[s.code_id], spec.columns), s.coder)].append((s.start, s.end))
            boundaries.update((s.start, s.end))
        units = sorted(units_for(spec.unit, text, store.turns(transcript.id), boundaries, transcript.checksum))
        starts = [u[0] for u in units]
        ends = [u[1] for u in units]
        lengths = [u[1] - u[0] for u in units]
        total_weight = sum(lengths) if weighted else len(units)
        blank = tuple(0 if coder in present else None for coder in spec.coders)
        for key in keys:
            marks: dict[int, list[Any]] = {}
            for coder in present:
                found = spans.get((key, coder))
                if not found:
                    continue
                position = coder_index[coder]
                for index in _carrying(units, starts, ends, found, overlap):
                    marks.setdefault(index, list(blank))[position] = 1
            tally = tallies[key]
            touched_weight = 0
            for index in sorted(marks):
                values = tuple(marks[index])
                weight = lengths[index] if weighted else 1
                tally[values] += weight
                touched_weight += weight
                if values != blank and 0 in values and len(examples[key]) < MAX_DISAGREEMENTS:
                    start, end = units[index]
                    examples[key].append(
                        Disagreement(
                            transcript=transcript.title,
                            start=start,
                            end=end,
                            text=excerpt(text[start:end], 200),
                            coded_by=[c for c, v in zip(spec.coders, values) if v == 1],
                            not_coded_by=[c for c, v in zip(spec.coders, values) if v == 0],
                        )
                    )
            if total_weight - touched_weight:
                tally[blank] += total_weight - touched_weight
    if not used_transcripts:
        raise WorkbenchError(
            "no transcript was coded by two or more of these coders"
            + (f" in round {spec.round!r}" if spec.round is not None else "")
            + ".",
            hint="Agreement compares coders on the transcripts they both coded.",
        )
    if spec.unit == "character":
        notes.append("Units are characters; a run of characters no segment boundary splits counts once per character.")
    if spec.unit == "sentence":
        notes.append("Sentences are the coding screen's sentences (end punctuation or a blank line, within a turn).")
    notes.append(f"A unit carries a code for a coder when that coder's segments cover {spec.overlap} of it.")
    if spec.round is not None:
        notes.append(f"Only segments made in coding round {spec.round!r}.")
    if len(spec.coders) == 2:
        notes.append(
            "Cohen's kappa and Scott's pi: units both coders rated. Fleiss' kappa is for three or more coders."
        )
    else:
        notes.append(
            "Fleiss' kappa, AC1 and Brennan-Prediger keep units a coder skipped (Gwet 2014): P_o over units "
            "rated by two or more, category shares over units rated at least once; alpha keeps them as "
            "missing values. Cohen's kappa and Scott's pi are for two coders."
        )
    notes.append(
        "Percent agreement: "
        + (
            "the mean over units of the share of agreeing coder pairs (Fleiss' P_o)."
            if spec.pairing == "per_unit_mean"
            else "all agreeing coder pairs / all coder pairs (pooled pairs)."
        )
    )
    notes.append(
        "Each code is a present/absent variable (q = 2 categories, also for Brennan-Prediger and AC1); "
        "ordinal and ratio alpha equal nominal alpha for such a variable."
    )
    results: list[CodeAgreement] = []
    pooled: dict[str, list[stats.Parts | None]] = defaultdict(list)
    two = len(spec.coders) == 2
    for key in keys:
        code_units = [stats.Unit(values, weight) for values, weight in tallies[key].items()]
        result = _code_result(key, code_units, two, spec, pooled)
        if result.flagged or result.krippendorff_alpha is None and result.prevalence:
            result.disagreements = examples.get(key, [])
        results.append(result)
    overall = CodeAgreement(
        code="(all codes, pooled)",
        units=max((r.units for r in results), default=0),
        prevalence=None,
        percent_agreement=_mean([r.percent_agreement for r in results]),
        percent_agreement_pooled_pairs=_mean([r.percent_agreement_pooled_pairs for r in results]),
        cohen_kappa=stats.pooled_kappa(pooled["cohen"]) if two else None,
        fleiss_kappa=stats.pooled_kappa(pooled["fleiss"]) if not two else None,
        scott_pi=stats.pooled_kappa(pooled["scott"]) if two else None,
        brennan_prediger=stats.pooled_kappa(pooled["brennan_prediger"]),
        gwet_ac1=stats.pooled_kappa(pooled["gwet_ac1"]),
        krippendorff_alpha=stats.pooled_alpha(pooled["alpha"]),
        krippendorff_alpha_ordinal=stats.pooled_alpha(pooled["alpha_ordinal"]),
        krippendorff_alpha_ratio=stats.pooled_alpha(pooled["alpha_ratio"]),
    )
    overall.units_pairable = max((r.units_pairable or 0 for r in results), default=0)
    overall.flagged = overall.krippendorff_alpha is not None and overall.krippendorff_alpha < spec.threshold
    if spec.bootstrap and overall.krippendorff_alpha is not None:
        overall.alpha_interval = bootstrap.bootstrap_pooled_alpha(
            [[stats.Unit(v, w) for v, w in tallies[key].items()] for key in keys],
            samples=spec.bootstrap,
            seed=spec.seed,
        )
    _undefined(overall, two)
    notes.append(
        "Overall: alpha sums observed and expected disagreements over codes; the kappa-type coefficients "
        "average observed and expected agreement over codes, then form one coefficient (De Vries et al. 2008); "
        "percent agreement is the mean over codes."
    )
    return AgreementReport(spec, used_transcripts, results, overall, notes)


def _carrying(
    units: list[tuple[int, int]], starts: list[int], ends: list[int], spans: list[tuple[int, int]], rule: str
) -> list[int]:
    """Indexes of the (sorted, disjoint) units that the union of ``spans`` covers by ``rule``.

    A unit inside one merged span is fully covered (carries by every rule); only the units at a
    span's two ends are partly covered, and their coverage is summed over spans.
    """
    from bisect import bisect_left, bisect_right

    from workbench.agreement.unitizing import merge

    out: list[int] = []
    partial: dict[int, int] = defaultdict(int)
    count = len(units)
    for start, end in merge(spans):
        first_full = bisect_left(starts, start)
        after_full = bisect_right(ends, end)
        if after_full > first_full:
            out.extend(range(first_full, after_full))
        before = first_full - 1
        if before >= 0 and ends[before] > start:
            partial[before] += min(end, ends[before]) - start
        if first_full <= after_full < count and starts[after_full] < end:
            partial[after_full] += end - max(start, starts[after_full])
    for index, amount in partial.items():
        length = ends[index] - starts[index]
        if rule == "any" or (rule == "half" and amount * 2 >= length) or (rule == "all" and amount >= length):
            out.append(index)
    return out


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _code_result(
    key: str, units: list[stats.Unit], two: bool, spec: AgreementSpec, pooled: dict[str, list[stats.Parts | None]]
) -> CodeAgreement:
    binary = (0, 1)
    a_parts = stats.alpha_parts(units)
    parts = {
        "alpha": a_parts,
        "alpha_ordinal": stats.alpha_parts(units, "ordinal"),
        "alpha_ratio": stats.alpha_parts(units, "ratio"),
        "cohen": stats.cohen_parts(units) if two else None,
        "fleiss": stats.fleiss_parts(units, binary) if not two else None,
        "scott": stats.chance_parts([stats.Unit(u.values[:2], u.weight) for u in units], "scott", binary)
        if two
        else None,
        "brennan_prediger": stats.chance_parts(units, "brennan_prediger", binary),
        "gwet_ac1": stats.chance_parts(units, "gwet_ac1", binary),
    }
    for name, value in parts.items():
        pooled[name].append(value)
    ones = sum(u.weight * sum(1 for v in u.values if v == 1) for u in units)
    given = sum(u.weight * sum(1 for v in u.values if v is not None) for u in units)
    alpha = _alpha(a_parts)

    def kappa(name: str) -> float | None:
        found = parts[name]
        return stats._kappa(found) if found else None

    result = CodeAgreement(
        code=key,
        units=sum(u.weight for u in units),
        prevalence=ones / given if given else None,
        percent_agreement=stats.percent_agreement(units, spec.pairing),
        percent_agreement_pooled_pairs=stats.percent_agreement(units, "pooled_pairs"),
        cohen_kappa=kappa("cohen"),
        fleiss_kappa=kappa("fleiss"),
        krippendorff_alpha=alpha,
        scott_pi=kappa("scott"),
        brennan_prediger=kappa("brennan_prediger"),
        gwet_ac1=kappa("gwet_ac1"),
        krippendorff_alpha_ordinal=_alpha(parts["alpha_ordinal"]),
        krippendorff_alpha_ratio=_alpha(parts["alpha_ratio"]),
        units_pairable=sum(u.weight for u in units if sum(v is not None for v in u.values) >= 2),
        flagged=alpha is not None and alpha < spec.threshold,
    )
    if spec.bootstrap and spec.bootstrap_codes and alpha is not None:
        result.alpha_interval = bootstrap.bootstrap_alpha(units, samples=spec.bootstrap, seed=spec.seed)
    _undefined(result, two)
    return result


def _alpha(parts: stats.Parts | None) -> float | None:
    return None if parts is None or parts.expected == 0 else 1 - parts.observed / parts.expected


def _undefined(result: CodeAgreement, two: bool) -> None:
    """Why each applicable coefficient that is None is undefined."""
    applicable = [
        "percent_agreement",
        "krippendorff_alpha",
        "krippendorff_alpha_ordinal",
        "krippendorff_alpha_ratio",
        "brennan_prediger",
        "gwet_ac1",
    ] + (["cohen_kappa", "scott_pi"] if two else ["fleiss_kappa"])
    for name in applicable:
        if getattr(result, name) is None:
            result.undefined[name] = "fewer_than_two_pairable_units" if not result.units_pairable else "no_variation"


# The records live in results.py; the front ends import them from here, with the computation.
__all__ = ["AgreementReport", "AgreementSpec", "CodeAgreement", "Disagreement", "compute_agreement"]
