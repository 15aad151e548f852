"""Agreement coefficients, each with the formula it computes and its reference.

Data is a list of units; each unit holds one value per coder (None where the coder gave none),
and may carry a weight (how many identical units it stands for: a run of characters counts once
per character). A coefficient that is 0/0 (nobody used the code, or every value is the same) is
returned as None, meaning *undefined*: never 0, 1 or NaN.

- Percent agreement: agreeing pairs of values / all pairs of values within units.
- Cohen's kappa (two coders; units where both gave a value): kappa = (p_o - p_e) / (1 - p_e),
  p_e = sum over categories of the product of the two coders' marginal shares.
  Cohen, J. (1960). Educational and Psychological Measurement 20(1):37-46.
- Fleiss' kappa (any number of coders, units rated by all of them):
  P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P_bar = mean P_i, P_e = sum_j p_j^2,
  kappa = (P_bar - P_e) / (1 - P_e). Fleiss, J. L. (1971). Psychological Bulletin 76(5):378-382.
- Krippendorff's alpha (any number of coders, missing values, nominal or interval):
  alpha = 1 - D_o / D_e from the coincidence matrix o_ck built from units with at least two
  values: D_o = sum_ck o_ck delta_ck / n, D_e = sum_ck n_c n_k delta_ck / (n (n - 1)); delta is
  0/1 (nominal) or (c - k)^2 (interval). Krippendorff, K. (2011). Computing Krippendorff's
  alpha-reliability; Content Analysis, 4th ed. (2019), ch. 12.
- Pooling over codes (binary variable per code): alpha sums D_o and D_e over codes before
  dividing (1 - sum D_o / sum D_e); Cohen's and Fleiss' kappa average p_o and p_e over codes and
  then form one kappa (De Vries et al. 2008, Field Methods 20:272-282). Codes whose coefficient
  is undefined still add their (zero) disagreement to the pooled alpha.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Value = Hashable | None


@dataclass(slots=True, frozen=True)
class Unit:
    values: tuple[Value, ...]  # one per coder
    weight: int = 1


def as_units(rows: Sequence[Sequence[Value]]) -> list[Unit]:
    return [r if isinstance(r, Unit) else Unit(tuple(r)) for r in rows]


@dataclass(slots=True, frozen=True)
class Parts:
    """Numerator and denominator pieces, so that codes can be pooled the right way."""

    observed: float  # alpha: D_o; kappa: p_o
    expected: float  # alpha: D_e; kappa: p_e


def percent_agreement(units: Sequence[Unit]) -> float | None:
    """Share of agreeing pairs among all pairs of values given to the same unit."""
    agree = total = 0
    for unit in units:
        values = [v for v in unit.values if v is not None]
        n = len(values)
        if n < 2:
            continue
        counts = Counter(values)
        agree += unit.weight * sum(c * (c - 1) for c in counts.values())
        total += unit.weight * n * (n - 1)
    return agree / total if total else None


def _kappa(parts: Parts) -> float | None:
    if parts.expected >= 1.0 - 1e-12:
        return None
    return (parts.observed - parts.expected) / (1.0 - parts.expected)


def cohen_parts(units: Sequence[Unit]) -> Parts | None:
    pairs = [(u.values[0], u.values[1], u.weight) for u in units
             if len(u.values) >= 2 and u.values[0] is not None and u.values[1] is not None]
    total = sum(w for _, _, w in pairs)
    if not total:
        return None
    agree = sum(w for a, b, w in pairs if a == b)
    first, second = Counter(), Counter()
    for a, b, w in pairs:
        first[a] += w
        second[b] += w
    expected = sum(first[c] * second[c] for c in first) / (total * total)
    return Parts(agree / total, expected)


def cohen_kappa(units: Sequence[Sequence[Value]] | Sequence[Unit]) -> float | None:
    """Cohen's kappa for the first two coders (units where both gave a value)."""
    parts = cohen_parts(as_units(units))
    return _kappa(parts) if parts else None


def fleiss_parts(units: Sequence[Unit]) -> Parts | None:
    complete = [u for u in units if all(v is not None for v in u.values)]
    if not complete:
        return None
    n = len(complete[0].values)
    if n < 2:
        return None
    total_units = sum(u.weight for u in complete)
    per_category: Counter = Counter()
    p_bar = 0.0
    for unit in complete:
        counts = Counter(unit.values)
        p_bar += unit.weight * (sum(c * c for c in counts.values()) - n) / (n * (n - 1))
        for category, count in counts.items():
            per_category[category] += unit.weight * count
    p_bar /= total_units
    p_e = sum((count / (total_units * n)) ** 2 for count in per_category.values())
    return Parts(p_bar, p_e)


def fleiss_kappa(units: Sequence[Sequence[Value]] | Sequence[Unit]) -> float | None:
    """Fleiss' kappa over the units every coder rated."""
    parts = fleiss_parts(as_units(units))
    return _kappa(parts) if parts else None


def fleiss_kappa_from_counts(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa from a subjects x categories table of how many raters chose each category."""
    units = []
    for row in table:
        values: list[Value] = []
        for category, count in enumerate(row):
            values.extend([category] * count)
        units.append(Unit(tuple(values)))
    return fleiss_kappa(units)


def _delta(level: str):  # noqa: ANN202
    if level == "nominal":
        return lambda a, b: 0.0 if a == b else 1.0
    if level == "interval":
        return lambda a, b: (float(a) - float(b)) ** 2
    raise ValueError(f"unknown level of measurement {level!r}")


def alpha_parts(units: Sequence[Unit], level: str = "nominal") -> Parts | None:
    """D_o and D_e of Krippendorff's alpha (None when fewer than two pairable values)."""
    delta = _delta(level)
    coincidence: Counter = Counter()
    for unit in units:
        values = [v for v in unit.values if v is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                if pairs:
                    coincidence[(c, k)] += unit.weight * pairs / (m - 1)
    n = sum(coincidence.values())
    if n <= 1:
        return None
    marginals: Counter = Counter()
    for (c, _), value in coincidence.items():
        marginals[c] += value
    observed = sum(value * delta(c, k) for (c, k), value in coincidence.items()) / n
    expected = sum(marginals[c] * marginals[k] * delta(c, k) for c in marginals for k in marginals) / (n * (n - 1))
    return Parts(observed, expected)


def krippendorff_alpha(units: Sequence[Sequence[Value]] | Sequence[Unit], level: str = "nominal") -> float | None:
    """Krippendorff's alpha; missing values allowed; undefined (None) when D_e is 0."""
    parts = alpha_parts(as_units(units), level)
    if parts is None or parts.expected == 0:
        return None
    return 1.0 - parts.observed / parts.expected


def pooled_alpha(parts: Sequence[Parts | None]) -> float | None:
    """Alpha over several codes: 1 - sum D_o / sum D_e."""
    present = [p for p in parts if p is not None]
    expected = sum(p.expected for p in present)
    return None if not present or expected == 0 else 1.0 - sum(p.observed for p in present) / expected


def pooled_kappa(parts: Sequence[Parts | None]) -> float | None:
    """Kappa over several codes: mean p_o and mean p_e, then one kappa (De Vries et al. 2008)."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    return _kappa(Parts(sum(p.observed for p in present) / len(present),
                        sum(p.expected for p in present) / len(present)))


def bootstrap_alpha(units: Sequence[Unit], level: str = "nominal", *, samples: int = 1000, seed: int = 20261123,
                    confidence: float = 0.95) -> tuple[float, float] | None:
    """A percentile interval for alpha from resampling units with replacement, with a fixed seed.

    Resampling units (rather than pairable values, as Hayes and Krippendorff 2007 do) keeps the
    coders' values of a unit together; intervals are approximate either way.
    """
    units = [u for u in units if sum(v is not None for v in u.values) >= 2]
    if not units:
        return None
    rng = random.Random(seed)
    # Weighted units are expanded by index so that a long run of characters is drawn by its weight.
    weights = [u.weight for u in units]
    total = sum(weights)
    estimates = []
    for _ in range(samples):
        drawn = rng.choices(range(len(units)), weights=weights, k=min(total, 5000))
        counts = Counter(drawn)
        scale = total / len(drawn)
        sample = [Unit(units[i].values, max(1, round(c * scale))) for i, c in counts.items()]
        value = krippendorff_alpha(sample, level)
        if value is not None:
            estimates.append(value)
    if len(estimates) < samples * 0.5:
        return None
    estimates.sort()
    low = estimates[int((1 - confidence) / 2 * (len(estimates) - 1))]
    high = estimates[int((1 + confidence) / 2 * (len(estimates) - 1))]
    return low, high
