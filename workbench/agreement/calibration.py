"""Calibration against a gold standard: a trainee's coding compared with a gold coder's (a named coder
or the consensus) on the same transcripts, per code, with the trainee's misses and extras listed beside
the code's definition, when to use it and when not to.

Each code is a present/absent variable on units (sentences by default). Per code: TP (both), FN (a
miss: gold only), FP (an extra: trainee only), TN; Cohen's kappa (the two are not interchangeable, so
each keeps its own marginal: Cohen 1960), recall TP/(TP+FN), precision TP/(TP+FP), positive specific
agreement 2TP/(2TP+FP+FN) (= F1; Hripcsak & Rothschild 2005, JAMIA 12:296-298). Overall: pooled kappa
(mean p_o and p_e over codes, De Vries et al. 2008) and micro-averaged recall and precision. A code
the gold coder applied fewer than ``FEW`` times is flagged "too few instances to judge" (a heuristic).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from workbench.agreement import stats
from workbench.agreement.units import UNITS, units_for
from workbench.analysis.columns import excerpt
from workbench.errors import WorkbenchError
from workbench.store import Store

FEW = 5
MAX_LISTED = 50


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(slots=True, frozen=True)
class Instance:
    transcript: str
    transcript_id: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class CodeCalibration:
    code: str
    definition: str | None
    when_to_use: str | None
    when_not_to_use: str | None
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    kappa: float | None = None
    misses: list[Instance] = field(default_factory=list)
    extras: list[Instance] = field(default_factory=list)

    @property
    def gold_positive(self) -> int:
        return self.tp + self.fn

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def positive_agreement(self) -> float | None:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None

    @property
    def flags(self) -> list[str]:
        out = []
        if self.gold_positive == 0:
            out.append("gold_never_applied")
        if self.gold_positive < FEW:
            out.append("too_few_instances")
        return out

    def as_dict(self) -> dict[str, Any]:
        r = _rounded

        def listed(items: list[Instance]) -> list[dict[str, Any]]:
            return [
                {"transcript": i.transcript, "start": i.start, "end": i.end, "text": i.text} for i in items[:MAX_LISTED]
            ]

        return {
            "code": self.code,
            "definition": self.definition,
            "when_to_use": self.when_to_use,
            "when_not_to_use": self.when_not_to_use,
            "agreements": self.tp,
            "misses": self.fn,
            "extras": self.fp,
            "agreements_on_absence": self.tn,
            "gold_positive": self.gold_positive,
            "cohen_kappa": r(self.kappa),
            "recall": r(self.recall),
            "precision": r(self.precision),
            "positive_agreement": r(self.positive_agreement),
            "flags": self.flags,
            "missed": listed(self.misses),
            "extra": listed(self.extras),
        }


@dataclass(slots=True)
class Calibration:
    gold: str
    trainee: str
    unit: str
    overlap: str
    transcripts: list[str]
    codes: list[CodeCalibration]
    pooled_kappa: float | None

    @property
    def misses(self) -> int:
        return sum(c.fn for c in self.codes)

    @property
    def extras(self) -> int:
        return sum(c.fp for c in self.codes)

    @property
    def recall(self) -> float | None:
        tp = sum(c.tp for c in self.codes)
        return tp / (tp + self.misses) if tp + self.misses else None

    @property
    def precision(self) -> float | None:
        tp = sum(c.tp for c in self.codes)
        return tp / (tp + self.extras) if tp + self.extras else None

    def as_dict(self) -> dict[str, Any]:
        r = _rounded
        return {
            "gold": self.gold,
            "trainee": self.trainee,
            "unit": self.unit,
            "overlap_rule": self.overlap,
            "transcripts": self.transcripts,
            "pooled_kappa": r(self.pooled_kappa),
            "recall": r(self.recall),
            "precision": r(self.precision),
            "misses": self.misses,
            "extras": self.extras,
            "codes": [c.as_dict() for c in self.codes],
        }


def calibrate(
    store: Store,
    gold: str,
    trainee: str,
    *,
    transcript_ids: list[int] | None = None,
    unit: str = "sentence",
    overlap: str | None = None,
) -> Calibration:
    """The trainee's coding against the gold coder's, on the transcripts both coded (or those given)."""
    from workbench.agreement.compute import _carrying

    if unit not in UNITS:
        raise WorkbenchError(f"unknown unit {unit!r}.", hint="Use sentence, turn or character.")
    overlap = overlap or ("any" if unit == "turn" else "half")
    known = {c.name for c in store.coders()}
    for role, name in (("gold", gold), ("trainee", trainee)):
        if name not in known:
            raise WorkbenchError(
                f"there is no coder {name!r} (the {role}).", hint="Coders here: " + ", ".join(sorted(known)) + "."
            )
    if gold == trainee:
        raise WorkbenchError("the gold coder and the trainee are the same coder.", hint="Name two different coders.")
    codes = store.codes(counts=False)
    by_id = {c.id: c for c in codes}
    results = {c.id: CodeCalibration(c.path, c.definition, c.when_to_use, c.when_not_to_use) for c in codes}
    used: list[str] = []
    for transcript in store.transcripts():
        if transcript_ids is not None and transcript.id not in transcript_ids:
            continue
        segments = [s for s in store.segment_spans(transcript.id) if s.coder in (gold, trainee)]
        coders_here = {s.coder for s in segments}
        if transcript_ids is None and len(coders_here) < 2:
            continue
        if gold not in coders_here:
            raise WorkbenchError(
                f"{gold} (the gold coder) did not code {transcript.title!r}.",
                hint="Choose transcripts the gold coder coded (--transcript).",
            )
        used.append(transcript.title)
        text = store.transcript_text(transcript.id) or ""
        boundaries = {p for s in segments for p in (s.start, s.end)}
        units = sorted(units_for(unit, text, store.turns(transcript.id), boundaries, transcript.checksum))
        starts, ends = [u[0] for u in units], [u[1] for u in units]
        spans: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        for s in segments:
            spans[(s.code_id, s.coder)].append((s.start, s.end))
        weight = (lambda i, s=starts, e=ends: e[i] - s[i]) if unit == "character" else (lambda i: 1)  # noqa: E731
        total = sum(weight(i) for i in range(len(units)))
        for code_id, result in results.items():
            g = set(_carrying(units, starts, ends, spans.get((code_id, gold), []), overlap))
            t = set(_carrying(units, starts, ends, spans.get((code_id, trainee), []), overlap))
            for index in sorted(g | t):
                instance = None
                if index in g and index in t:
                    result.tp += weight(index)
                    continue
                instance = Instance(
                    transcript.title,
                    transcript.id,
                    starts[index],
                    ends[index],
                    excerpt(text[starts[index] : ends[index]], 300),
                )
                if index in g:
                    result.fn += weight(index)
                    result.misses.append(instance)
                else:
                    result.fp += weight(index)
                    result.extras.append(instance)
            result.tn += total - sum(weight(i) for i in g | t)
    if not used:
        raise WorkbenchError(
            f"no transcript was coded by both {gold} and {trainee}.",
            hint="The trainee codes the gold coder's transcripts; name them with --transcript.",
        )
    parts = []
    for result in results.values():
        units_ = [
            stats.Unit((1, 1), result.tp),
            stats.Unit((1, 0), result.fn),
            stats.Unit((0, 1), result.fp),
            stats.Unit((0, 0), result.tn),
        ]
        part = stats.cohen_parts([u for u in units_ if u.weight])
        parts.append(part)
        result.kappa = stats._kappa(part) if part else None
    ordered = [results[c.id] for c in codes if c.id in by_id]
    return Calibration(gold, trainee, unit, overlap, used, ordered, stats.pooled_kappa(parts))


def calibration_text(report: Calibration, *, only_problems: bool = True) -> str:
    """The report for people: a per-code table, then each code's misses and extras with its definition."""

    def fmt(v: float | None, pct: bool = False) -> str:
        return "undefined" if v is None else (f"{v:.0%}" if pct else f"{v:.3f}")

    lines = [
        f"Calibration of {report.trainee} against {report.gold} on {len(report.transcripts)} transcripts, "
        f"by {report.unit} (overlap rule: {report.overlap})",
        f"Pooled kappa {fmt(report.pooled_kappa)} · recall {fmt(report.recall, True)} · precision "
        f"{fmt(report.precision, True)} · {report.misses} misses, {report.extras} extras",
        "",
    ]
    head = ["code", "gold", "agree", "miss", "extra", "kappa", "recall", "precision", "note"]
    rows = []
    for c in report.codes:
        if c.tp + c.fn + c.fp == 0:
            continue
        rows.append(
            [
                c.code,
                str(c.gold_positive),
                str(c.tp),
                str(c.fn),
                str(c.fp),
                fmt(c.kappa),
                fmt(c.recall, True),
                fmt(c.precision, True),
                "the gold coder never applied it"
                if "gold_never_applied" in c.flags
                else "too few instances to judge"
                if "too_few_instances" in c.flags
                else "",
            ]
        )
    widths = [min(60, max(len(r[i]) for r in rows + [head])) for i in range(len(head))]
    for row in [head, ["-" * w for w in widths], *rows]:
        lines.append(
            "  ".join(
                (v[: widths[i] - 1] + "…" if len(v) > widths[i] else v).ljust(widths[i]) for i, v in enumerate(row)
            ).rstrip()
        )
    if not rows:
        lines.append("(neither coder applied any code on these transcripts)")
    for c in report.codes:
        if not (c.misses or c.extras):
            continue
        lines += ["", f"== {c.code} (kappa {fmt(c.kappa)})"]
        for label, value in (
            ("Definition", c.definition),
            ("When to use", c.when_to_use),
            ("When not to use", c.when_not_to_use),
        ):
            if value:
                lines.append(f"   {label}: {' '.join(value.split())}")
        for label, items in (
            ("Missed (the gold coder applied it, you did not)", c.misses),
            ("Extra (you applied it, the gold coder did not)", c.extras),
        ):
            if items:
                lines.append(f"   {label}:")
                for item in items[:10]:
                    lines.append(f"     {item.transcript} [{item.start}-{item.end}] “{item.text}”")
                if len(items) > 10:
                    lines.append(f"     … {len(items) - 10} more (see --format json)")
    return "\n".join(lines)
