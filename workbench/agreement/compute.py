"""Agreement between coders on a project, per code and overall, with the disagreements behind it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from workbench.agreement import stats
from workbench.agreement.units import OVERLAP_RULES, UNITS, carries, units_for
from workbench.analysis.matrix import column_key, column_keys, excerpt
from workbench.errors import WorkbenchError
from workbench.store import Store

TENTATIVE = 0.667  # Krippendorff's minimum for tentative conclusions
FIRM = 0.800
MAX_DISAGREEMENTS = 40


@dataclass(slots=True)
class AgreementSpec:
    coders: list[str]
    unit: str = "sentence"
    overlap: str | None = None  # default: half of a sentence, any of a turn
    columns: str = "code"
    transcripts: list[int] | None = None
    threshold: float = TENTATIVE
    bootstrap: int = 0
    seed: int = 20261123


@dataclass(slots=True)
class CodeAgreement:
    code: str
    units: int
    prevalence: float | None
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None
    alpha_interval: tuple[float, float] | None = None
    flagged: bool = False
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "units": self.units, "prevalence": _r(self.prevalence),
                "percent_agreement": _r(self.percent_agreement), "cohen_kappa": _r(self.cohen_kappa),
                "fleiss_kappa": _r(self.fleiss_kappa), "krippendorff_alpha": _r(self.krippendorff_alpha),
                "alpha_interval": [_r(v) for v in self.alpha_interval] if self.alpha_interval else None,
                "flagged": self.flagged, "disagreements": self.disagreements}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(slots=True)
class AgreementReport:
    spec: AgreementSpec
    transcripts: list[str]
    codes: list[CodeAgreement]
    overall: CodeAgreement
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"coders": self.spec.coders, "unit": self.spec.unit, "overlap_rule": self.spec.overlap,
                "columns": self.spec.columns, "threshold": self.spec.threshold, "transcripts": self.transcripts,
                "overall": self.overall.as_dict(), "codes": [c.as_dict() for c in self.codes], "notes": self.notes}


def compute_agreement(store: Store, spec: AgreementSpec) -> AgreementReport:
    """Agreement of ``spec.coders`` on every code, over the transcripts at least two of them coded."""
    if spec.unit not in UNITS:
        raise WorkbenchError(f"unknown unit {spec.unit!r}.", hint="Use sentence, turn or character.")
    if spec.overlap is None:
        spec.overlap = "any" if spec.unit == "turn" else "half"
    if spec.overlap not in OVERLAP_RULES:
        raise WorkbenchError(f"unknown overlap rule {spec.overlap!r}.", hint="Use any, half or all.")
    known = {c["name"] for c in store.coders()}
    missing = [c for c in spec.coders if c not in known]
    if len(spec.coders) < 2 or missing:
        raise WorkbenchError(
            "agreement needs at least two coders of this project" + (f"; unknown: {', '.join(missing)}" if missing else "") + ".",
            hint="Coders here: " + ", ".join(sorted(known)) + ".")
    codes = store.codes(counts=False)
    keys = column_keys(codes, spec.columns)
    paths = {c["id"]: c["path"] for c in codes}
    coder_index = {name: i for i, name in enumerate(spec.coders)}
    # per code key: Counter of unit value tuples (weighted), and disagreement examples
    tallies: dict[str, Counter] = {key: Counter() for key in keys}
    examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
    used_transcripts: list[str] = []
    notes: list[str] = []
    transcripts = store.transcripts()
    for transcript in transcripts:
        if spec.transcripts is not None and transcript["id"] not in spec.transcripts:
            continue
        segments = [s for s in store.segments(transcript_id=transcript["id"]) if s["coder"] in coder_index]
        present = sorted({s["coder"] for s in segments}, key=coder_index.get)
        if len(present) < 2:
            continue
        used_transcripts.append(transcript["title"])
        text = store.transcript_text(transcript["id"]) or ""
        spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        boundaries: set[int] = set()
        for s in segments:
            spans[(column_key(paths[s["code_id"]], spec.columns), s["coder"])].append((s["start"], s["end"]))
            boundaries.update((s["start"], s["end"]))
        for value in spans.values():
            value.sort()
        units = units_for(spec.unit, text, store.turns(transcript["id"]), boundaries)
        for key in keys:
            for unit in units:
                values = tuple(
                    (1 if carries(unit, spans.get((key, coder), []), spec.overlap) else 0) if coder in present else None
                    for coder in spec.coders)
                tallies[key][values] += unit[1] - unit[0] if spec.unit == "character" else 1
                given = [v for v in values if v is not None]
                if len(set(given)) > 1 and len(examples[key]) < MAX_DISAGREEMENTS:
                    examples[key].append({
                        "transcript": transcript["title"], "start": unit[0], "end": unit[1],
                        "text": excerpt(text[unit[0]:unit[1]], 200),
                        "coded_by": [c for c, v in zip(spec.coders, values) if v == 1],
                        "not_coded_by": [c for c, v in zip(spec.coders, values) if v == 0]})
    if not used_transcripts:
        raise WorkbenchError("no transcript was coded by two or more of these coders.",
                             hint="Agreement compares coders on the transcripts they both coded.")
    if spec.unit == "character":
        notes.append("Units are characters; a run of characters no segment boundary splits counts once per character.")
    notes.append(f"A unit carries a code for a coder when that coder's segments cover {spec.overlap} of it.")
    if len(spec.coders) == 2:
        notes.append("Cohen's kappa: units both coders rated. Fleiss' kappa is for three or more coders.")
    else:
        notes.append("Fleiss' kappa: units every coder rated (transcripts one coder skipped are left out); "
                     "alpha keeps them as missing values. Cohen's kappa is for two coders.")
    results: list[CodeAgreement] = []
    alpha_parts, cohen_parts, fleiss_parts = [], [], []
    agree_total = pairs_total = 0.0
    for key in keys:
        units = [stats.Unit(values, weight) for values, weight in tallies[key].items()]
        a_parts = stats.alpha_parts(units)
        c_parts = stats.cohen_parts(units) if len(spec.coders) == 2 else None
        f_parts = stats.fleiss_parts(units) if len(spec.coders) > 2 else None
        alpha_parts.append(a_parts)
        cohen_parts.append(c_parts)
        fleiss_parts.append(f_parts)
        percent = stats.percent_agreement(units)
        weight = sum(u.weight * _pairs(u) for u in units)
        if percent is not None:
            agree_total += percent * weight
            pairs_total += weight
        ones = sum(u.weight * sum(1 for v in u.values if v == 1) for u in units)
        given = sum(u.weight * sum(1 for v in u.values if v is not None) for u in units)
        alpha = None if a_parts is None or a_parts.expected == 0 else 1 - a_parts.observed / a_parts.expected
        result = CodeAgreement(
            code=key, units=sum(u.weight for u in units), prevalence=ones / given if given else None,
            percent_agreement=percent,
            cohen_kappa=stats._kappa(c_parts) if c_parts else None,
            fleiss_kappa=stats._kappa(f_parts) if f_parts else None,
            krippendorff_alpha=alpha,
            flagged=alpha is not None and alpha < spec.threshold)
        if spec.bootstrap and alpha is not None:
            result.alpha_interval = stats.bootstrap_alpha(units, samples=spec.bootstrap, seed=spec.seed)
        if result.flagged or alpha is None and ones:
            result.disagreements = examples.get(key, [])
        results.append(result)
    overall = CodeAgreement(
        code="(all codes, pooled)", units=max((r.units for r in results), default=0), prevalence=None,
        percent_agreement=agree_total / pairs_total if pairs_total else None,
        cohen_kappa=stats.pooled_kappa(cohen_parts) if len(spec.coders) == 2 else None,
        fleiss_kappa=stats.pooled_kappa(fleiss_parts) if len(spec.coders) > 2 else None,
        krippendorff_alpha=stats.pooled_alpha(alpha_parts))
    overall.flagged = overall.krippendorff_alpha is not None and overall.krippendorff_alpha < spec.threshold
    notes.append("Overall: alpha sums observed and expected disagreements over codes; kappa averages observed and "
                 "expected agreement over codes, then forms one kappa (De Vries et al. 2008).")
    return AgreementReport(spec, used_transcripts, results, overall, notes)


def _pairs(unit: stats.Unit) -> int:
    n = sum(1 for v in unit.values if v is not None)
    return n * (n - 1) if n >= 2 else 0
