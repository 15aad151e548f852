"""Thematic saturation after Guest, Namey & Chen (2020), and the code accumulation curve.

Guest, G., Namey, E., Chen, M. (2020). A simple method to assess and report thematic saturation in
qualitative research. PLOS ONE 15(5): e0232076.

The interviews are put in an order (the order they were first coded, their interview date, or the
order they were imported). For interview j, ``new_j`` is the number of codes applied in it that no
earlier interview had. The *base* is the first ``b`` interviews; ``B`` is the number of distinct
codes in it. A *run* is ``r`` consecutive interviews after the base, starting at ``s``; its
new-information ratio is ``(new_s + ... + new_{s+r-1}) / B`` (the denominator stays the base's
count). Runs start at ``b + 1`` and advance by ``run_step`` interviews (1: overlapping runs). The
first run whose ratio is at or below the threshold θ gives the saturation point ``s - 1``, reported
as "(s-1)+r" together with b, r, θ, the order and the step; when no run qualifies the result says
"not reached", never nothing.

Codes are the codes of the final codebook (merges and renames are already applied to every
segment), at the chosen level: every code, or themes (sub-codes rolled up into their theme).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.errors import WorkbenchError
from workbench.findings.saturation_views import (  # the tables and plots: imported from here too
    ORDER_LABELS,
    permutation_summary,
    saturation_table,
    svg_curve,
    terminal_plot,
)
from workbench.store import Store

ORDERS = ("coded", "date", "import")
LEVELS = ("code", "theme")


@dataclass(slots=True)
class SaturationSpec:
    base: int = 4
    run: int = 2
    threshold: float = 0.05
    step: int = 1
    order: str = "coded"
    level: str = "code"
    coders: list[str] | None = None  # None: every coder pooled
    origin: str | None = None  # e.g. "consensus"
    permutations: int = 0  # order-robustness: saturation points over random orders
    seed: int = 20200505

    def check(self) -> None:
        if self.base < 1:
            raise WorkbenchError(
                f"the base size must be at least 1 (got {self.base}).", hint="Use --base 4, for example."
            )
        if self.run < 1:
            raise WorkbenchError(
                f"the run length must be at least 1 (got {self.run}).", hint="Use --run 2, for example."
            )
        if self.step < 1:
            raise WorkbenchError(f"the run step must be at least 1 (got {self.step}).")
        if not 0 <= self.threshold < 1:
            raise WorkbenchError(
                f"the threshold must be a share between 0 and 1 (got {self.threshold}).", hint="5% is --threshold 0.05."
            )
        if self.order not in ORDERS:
            raise WorkbenchError(f"unknown order {self.order!r}.", hint="Use " + ", ".join(ORDERS) + ".")
        if self.level not in LEVELS:
            raise WorkbenchError(f"unknown level {self.level!r}.", hint="Use " + ", ".join(LEVELS) + ".")


@dataclass(slots=True)
class SaturationRun:
    """One run of interviews after the base: positions first..last (1-based), its new codes."""

    first: int
    last: int
    new: int
    ratio: float
    meets: bool


@dataclass(slots=True)
class Interview:
    """One interview in the chosen order, with what it added."""

    position: int
    transcript_id: int
    title: str
    participant: str | None
    site: str | None
    key: str | None  # the date or first-coding time that put it here
    codes: int  # distinct codes applied in it
    new: int  # codes no earlier interview had
    cumulative: int
    new_codes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Saturation:
    """The result: the inputs that reproduce it, the per-interview table and the runs."""

    spec: SaturationSpec
    interviews: list[Interview]
    base_codes: int
    runs: list[SaturationRun]
    point: int | None  # the saturation point (interviews), None when not reached
    notes: list[str] = field(default_factory=list)
    permutation_points: list[int | None] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        return self.point is not None

    @property
    def total_codes(self) -> int:
        return self.interviews[-1].cumulative if self.interviews else 0

    @property
    def share_at_point(self) -> float | None:
        """Share of all codes found by the saturation point (only known after the fact)."""
        if self.point is None or not self.total_codes:
            return None
        return self.interviews[self.point - 1].cumulative / self.total_codes

    def statement(self) -> str:
        """The claim as Guest et al. ask it to be reported: point + run, with b, r, θ, order, step."""
        spec = self.spec
        params = (
            f"base {spec.base}, run {spec.run}, new-information threshold {spec.threshold:.0%}, "
            f"run step {spec.step}, order: {ORDER_LABELS[spec.order]}, {spec.level}s"
        )
        if self.point is None:
            return f"Saturation not reached in {len(self.interviews)} interviews ({params})."
        return (
            f"Saturation at {self.point}+{spec.run} interviews ({params}): the {spec.run} interviews "
            f"after interview {self.point} added at most {spec.threshold:.0%} new {spec.level}s "
            f"relative to the {self.base_codes} of the base."
        )

    def as_dict(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "method": "saturation_guest2020",
            "base_size": spec.base,
            "run_length": spec.run,
            "threshold": spec.threshold,
            "run_step": spec.step,
            "order": spec.order,
            "level": spec.level,
            "coders": spec.coders or "all",
            "origin": spec.origin,
            "base_codes": self.base_codes,
            "total_codes": self.total_codes,
            "saturation_point": self.point,
            "reached": self.reached,
            "statement": self.statement(),
            "share_of_codes_at_point": None if self.share_at_point is None else round(self.share_at_point, 4),
            "interviews": [
                {
                    "position": i.position,
                    "transcript": i.title,
                    "participant": i.participant,
                    "site": i.site,
                    "key": i.key,
                    "codes": i.codes,
                    "new": i.new,
                    "cumulative": i.cumulative,
                    "new_codes": i.new_codes,
                }
                for i in self.interviews
            ],
            "runs": [
                {"first": r.first, "last": r.last, "new": r.new, "ratio": round(r.ratio, 4), "meets": r.meets}
                for r in self.runs
            ],
            "permutations": spec.permutations,
            "permutation_points": self.permutation_points,
            "notes": self.notes,
        }


# -- the method, on plain numbers -----------------------------------------------------------------


def new_counts(code_sets: list[set[str]]) -> list[int]:
    """``new_j``: how many codes of interview j no earlier interview had."""
    seen: set[str] = set()
    out = []
    for codes in code_sets:
        out.append(len(codes - seen))
        seen |= codes
    return out


def guest_runs(
    new: list[int], base: int, run: int, threshold: float, step: int = 1
) -> tuple[int, list[SaturationRun], int | None]:
    """Base count B, the runs examined (up to the first that qualifies), and the saturation point.

    ``new`` is new_j in order. A run counts only when it is complete (all r interviews exist).
    """
    if base > len(new):
        raise WorkbenchError(
            f"the base ({base} interviews) is larger than the {len(new)} coded interviews.",
            hint="Use a smaller --base, or code more interviews.",
        )
    base_codes = sum(new[:base])
    if base_codes == 0:
        raise WorkbenchError(
            f"the first {base} interviews have no codes, so the base is empty and no ratio can be computed.",
            hint="Use a larger --base or another --order.",
        )
    runs: list[SaturationRun] = []
    start = base + 1  # 1-based position of the run's first interview
    while start + run - 1 <= len(new):
        added = sum(new[start - 1 : start - 1 + run])
        ratio = added / base_codes
        meets = ratio <= threshold + 1e-12
        runs.append(SaturationRun(first=start, last=start + run - 1, new=added, ratio=ratio, meets=meets))
        if meets:
            return base_codes, runs, start - 1
        start += step
    return base_codes, runs, None


def saturation_point(new: list[int], base: int, run: int, threshold: float, step: int = 1) -> int | None:
    return guest_runs(new, base, run, threshold, step)[2]


# -- on a project --------------------------------------------------------------------------------


def compute_saturation(store: Store, spec: SaturationSpec | None = None) -> Saturation:
    """Saturation over the project's coded interviews (the selection's coders), in the chosen order."""
    spec = spec or SaturationSpec()
    spec.check()
    codes = {c.id: c for c in store.codes(counts=False)}
    uses = store.code_first_uses()
    known = {row.coder for row in uses}
    if spec.coders:
        missing = [c for c in spec.coders if c not in known]
        if missing:
            raise WorkbenchError(
                f"no segments by {', '.join(missing)} in this project.",
                hint="Coders here: " + (", ".join(sorted(known)) or "none") + ".",
            )
        uses = [u for u in uses if u.coder in spec.coders]
    if spec.origin:
        uses = [u for u in uses if u.origin == spec.origin]
    by_transcript: dict[int, dict[str, Any]] = {}
    for use in uses:
        code = codes.get(use.code_id)
        if code is None:
            continue
        key = code.path if spec.level == "code" else code.path.split("/")[0]
        entry = by_transcript.setdefault(use.transcript_id, {"codes": set(), "first": use.first_at})
        entry["codes"].add(key)
        entry["first"] = min(entry["first"], use.first_at)
    transcripts = {t.id: t for t in store.transcripts()}
    notes = []
    uncoded = [t for tid, t in transcripts.items() if tid not in by_transcript]
    if uncoded:
        notes.append(
            f"{len(uncoded)} of {len(transcripts)} transcripts have no coding in this selection and are left out."
        )
    ids = list(by_transcript)
    if not ids:
        raise WorkbenchError(
            "no coded interviews in this selection.", hint="Code some transcripts first, or choose other coders."
        )
    if spec.order == "coded":
        ids.sort(key=lambda t: (by_transcript[t]["first"], t))
        keys = {t: by_transcript[t]["first"] for t in ids}
        if len(set(keys.values())) < len(ids):
            notes.append(
                "some interviews were first coded at the same moment (an import); those are in the "
                "order they were imported."
            )
    elif spec.order == "date":
        undated = [transcripts[t].title for t in ids if not transcripts[t].date]
        if undated:
            raise WorkbenchError(
                f"{len(undated)} coded transcripts have no interview date: "
                + "; ".join(undated[:5])
                + ("…" if len(undated) > 5 else "")
                + ".",
                hint="Give them a date (metadata CSV) or use --order coded or import.",
            )
        ids.sort(key=lambda t: (str(transcripts[t].date), t))
        keys = {t: transcripts[t].date for t in ids}
        if len(set(keys.values())) < len(ids):
            notes.append("interviews with the same date are in the order they were imported.")
    else:
        ids.sort()
        keys = {t: transcripts[t].imported_at for t in ids}
    seen: set[str] = set()
    interviews = []
    for position, tid in enumerate(ids, 1):
        found = by_transcript[tid]["codes"]
        new = sorted(found - seen)
        seen |= found
        t = transcripts[tid]
        interviews.append(
            Interview(
                position=position,
                transcript_id=tid,
                title=t.title,
                participant=t.participant,
                site=t.site,
                key=keys[tid],
                codes=len(found),
                new=len(new),
                cumulative=len(seen),
                new_codes=new,
            )
        )
    new = [i.new for i in interviews]
    base_codes, runs, point = guest_runs(new, spec.base, spec.run, spec.threshold, spec.step)
    if len(interviews) < spec.base + spec.run:
        notes.append(
            f"only {len(interviews)} coded interviews: no complete run of {spec.run} after a base of {spec.base}."
        )
    result = Saturation(spec=spec, interviews=interviews, base_codes=base_codes, runs=runs, point=point, notes=notes)
    if spec.permutations:
        result.permutation_points = permuted_points([by_transcript[t]["codes"] for t in ids], spec)
    return result


def permuted_points(code_sets: list[set[str]], spec: SaturationSpec) -> list[int | None]:
    """Saturation points over random orders of the same interviews (a fixed seed): how much the
    claim depends on the order. Orders whose base holds no code count as not reached."""
    import random

    rng = random.Random(spec.seed)
    points: list[int | None] = []
    order = list(range(len(code_sets)))
    for _ in range(spec.permutations):
        rng.shuffle(order)
        new = new_counts([code_sets[i] for i in order])
        if sum(new[: spec.base]) == 0:
            points.append(None)
            continue
        points.append(saturation_point(new, spec.base, spec.run, spec.threshold, spec.step))
    return points


# -- presentation -------------------------------------------------------------------------------


__all__ = [
    "LEVELS",
    "ORDERS",
    "ORDER_LABELS",
    "Interview",
    "Saturation",
    "SaturationRun",
    "SaturationSpec",
    "compute_saturation",
    "guest_runs",
    "new_counts",
    "permutation_summary",
    "permuted_points",
    "saturation_point",
    "saturation_table",
    "svg_curve",
    "terminal_plot",
]
