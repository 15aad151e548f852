"""Agreement coefficients, each with the formula it computes and its reference.

Data is a list of units; each unit holds one value per coder (None where the coder gave none),
and may carry a weight (how many identical units it stands for: a run of characters counts once
per character). A coefficient that is 0/0 (nobody used the code, or every value is the same) is
returned as None, meaning *undefined*: never 0, 1 or NaN.

- Percent agreement (``pairing="per_unit_mean"``, the default): the mean over units rated by at
  least two coders of the unit's share of agreeing pairs, P_o = (1/|U2|) sum_u sum_k r_uk (r_uk - 1)
  / (r_u (r_u - 1)). This is Fleiss' (1971) P-bar and Gwet's p_a, as R's irr and irrCAC report it,
  and the P_o that Fleiss' kappa, Brennan-Prediger and AC1 below use. ``pairing="pooled_pairs"``
  divides all agreeing pairs by all pairs instead (units with many coders weigh more); with two
  coders both are the same number.
- Cohen's kappa (two coders; units where both gave a value): kappa = (p_o - p_e) / (1 - p_e),
  p_e = sum over categories of the product of the two coders' marginal shares.
  Cohen, J. (1960). Educational and Psychological Measurement 20(1):37-46.
- Chance-corrected coefficients of the Gwet (2014) form, for any number of coders with missing
  ratings (units rated once count in the category shares, not in P_o): with r_uk the number of
  coders who put unit u in category k, r_u the ratings of u, U1 the units rated at least once,
  pi_k = (1/|U1|) sum_{u in U1} r_uk / r_u, and q the number of declared categories (2 for a
  code's presence/absence, whether or not anyone used it):
  - Fleiss' kappa, P_e = sum_k pi_k^2 (the multi-coder form of Scott's pi). Fleiss, J. L. (1971).
    Psychological Bulletin 76(5):378-382; missing ratings as in Gwet (2014) and irrCAC.
  - Scott's pi (two coders): the same formula with two coders. Scott, W. A. (1955). Public
    Opinion Quarterly 19(3):321-325.
  - Brennan-Prediger (Bennett et al.'s S, free-marginal kappa, Randolph's multirater kappa_free,
    the chance term MAXQDA uses): P_e = 1/q. Brennan, R. L., Prediger, D. J. (1981). Educational
    and Psychological Measurement 41(3):687-699; Randolph, J. J. (2005).
  - Gwet's AC1: P_e = (1/(q - 1)) sum_k pi_k (1 - pi_k). Gwet, K. L. (2008). British Journal of
    Mathematical and Statistical Psychology 61:29-48; Handbook of Inter-Rater Reliability, 4th
    ed. (2014).
  Each is (P_o - P_e) / (1 - P_e), undefined when P_e = 1 (or q < 2).
- Fleiss' kappa per category j (Fleiss 1971): kappa_j = 1 - sum_u r_uj (r_u - r_uj) / (N n (n-1)
  p_j (1 - p_j)), which is Fleiss' kappa of the dichotomy "j or not j"; computed that way here so
  that missing ratings follow the rule above.
- Krippendorff's alpha (any number of coders, missing values; nominal, ordinal, interval, ratio):
  alpha = 1 - D_o / D_e from the coincidence matrix o_ck built from units with at least two
  values: D_o = sum_ck o_ck delta_ck / n, D_e = sum_ck n_c n_k delta_ck / (n (n - 1)); delta is
  0/1 (nominal), (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 over the ordered categories with the
  coincidence margins n_g (ordinal), (c - k)^2 (interval) or ((c - k)/(c + k))^2 (ratio, values
  >= 0). For a 0/1 code variable all four metrics give the same alpha. Krippendorff, K. (2011). Computing Krippendorff's
  alpha-reliability; Content Analysis, 4th ed. (2019), ch. 12.
- Pooling over codes (binary variable per code): alpha sums D_o and D_e over codes before
  dividing (1 - sum D_o / sum D_e); the kappa-type coefficients (Cohen, Fleiss, Scott,
  Brennan-Prediger, AC1) average p_o and p_e over codes and then form one coefficient (De Vries et al. 2008, Field Methods 20:272-282). Codes whose coefficient
  is undefined still add their (zero) disagreement to the pooled alpha.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

Value = Hashable | None


@dataclass(slots=True, frozen=True)
class Unit:
    values: tuple[Value, ...]  # one per coder
    weight: int = 1


def as_units(rows: Sequence[Sequence[Value]] | Sequence[Unit]) -> list[Unit]:
    return [r if isinstance(r, Unit) else Unit(tuple(r)) for r in rows]


@dataclass(slots=True, frozen=True)
class Parts:
    """Numerator and denominator pieces, so that codes can be pooled the right way."""

    observed: float  # alpha: D_o; kappa: p_o
    expected: float  # alpha: D_e; kappa: p_e


PAIRINGS = ("per_unit_mean", "pooled_pairs")


def percent_agreement(units: Sequence[Unit], pairing: str = "per_unit_mean") -> float | None:
    """Percent agreement over units rated by at least two coders (undefined when there are none).

    ``per_unit_mean`` (default): the mean over those units of each unit's share of agreeing pairs
    (Fleiss' P_o); ``pooled_pairs``: all agreeing pairs / all pairs.
    """
    if pairing not in PAIRINGS:
        raise ValueError(f"unknown pairing {pairing!r}")
    agree = total = 0.0
    for unit in units:
        values = [v for v in unit.values if v is not None]
        n = len(values)
        if n < 2:
            continue
        agreeing = sum(c * (c - 1) for c in Counter(values).values())
        if pairing == "per_unit_mean":
            agree += unit.weight * agreeing / (n * (n - 1))
            total += unit.weight
        else:
            agree += unit.weight * agreeing
            total += unit.weight * n * (n - 1)
    return agree / total if total else None


@dataclass(slots=True, frozen=True)
class Shares:
    """What the Gwet-form coefficients need: P_o (per-unit mean) and the category shares pi_k."""

    p_o: float
    pi: dict[Value, float]  # category -> share over units rated at least once
    q: int
    pairable: float  # weighted units with two or more ratings


def shares(units: Sequence[Unit], categories: Sequence[Value] | None = None) -> Shares | None:
    """P_o over units rated twice or more and pi_k over units rated at least once (Gwet 2014).

    ``categories`` is the declared category set (its size is q); by default the values observed.
    None when no unit has two ratings.
    """
    p_o = percent_agreement(units)
    if p_o is None:
        return None
    pi: defaultdict[Value, float] = defaultdict(float)
    rated = pairable = 0.0
    for unit in units:
        values = [v for v in unit.values if v is not None]
        if not values:
            continue
        rated += unit.weight
        if len(values) >= 2:
            pairable += unit.weight
        for category, count in Counter(values).items():
            pi[category] += unit.weight * count / len(values)
    declared = list(categories) if categories is not None else sorted(pi, key=repr)
    unknown = set(pi) - set(declared)
    if unknown:
        raise ValueError(f"values outside the declared categories: {sorted(unknown, key=repr)}")
    return Shares(p_o, {k: pi.get(k, 0.0) / rated for k in declared}, len(declared), pairable)


def chance_agreement(data: Shares, coefficient: str) -> float | None:
    """P_e of ``fleiss`` (= ``scott``), ``brennan_prediger`` or ``gwet_ac1``; None when q < 2."""
    if data.q < 2:
        return None
    if coefficient in ("fleiss", "scott"):
        return float(sum(p * p for p in data.pi.values()))
    if coefficient == "brennan_prediger":
        return 1.0 / data.q
    if coefficient == "gwet_ac1":
        return float(sum(p * (1 - p) for p in data.pi.values())) / (data.q - 1)
    raise ValueError(f"unknown coefficient {coefficient!r}")


def chance_parts(units: Sequence[Unit], coefficient: str, categories: Sequence[Value] | None = None) -> Parts | None:
    data = shares(units, categories)
    if data is None:
        return None
    expected = chance_agreement(data, coefficient)
    return None if expected is None else Parts(data.p_o, expected)


def _coefficient(
    units: Sequence[Sequence[Value]] | Sequence[Unit], coefficient: str, categories: Sequence[Value] | None
) -> float | None:
    parts = chance_parts(as_units(units), coefficient, categories)
    return _kappa(parts) if parts else None


def gwet_ac1(
    units: Sequence[Sequence[Value]] | Sequence[Unit], categories: Sequence[Value] | None = None
) -> float | None:
    """Gwet's AC1, any number of coders, missing ratings allowed."""
    return _coefficient(units, "gwet_ac1", categories)


def brennan_prediger(
    units: Sequence[Sequence[Value]] | Sequence[Unit], categories: Sequence[Value] | None = None
) -> float | None:
    """Brennan-Prediger (free-marginal) kappa: chance agreement 1/q, q the declared categories."""
    return _coefficient(units, "brennan_prediger", categories)


def scott_pi(
    units: Sequence[Sequence[Value]] | Sequence[Unit], categories: Sequence[Value] | None = None
) -> float | None:
    """Scott's pi of the first two coders (units where at least one of them gave a value)."""
    two = [Unit(u.values[:2], u.weight) for u in as_units(units)]
    return _coefficient(two, "scott", categories)


def fleiss_kappa_per_category(units: Sequence[Sequence[Value]] | Sequence[Unit]) -> dict[Value, float | None]:
    """Fleiss' kappa of each category (that category against all others); None where undefined."""
    rows = as_units(units)
    categories = sorted({v for u in rows for v in u.values if v is not None}, key=repr)
    out: dict[Value, float | None] = {}
    for category in categories:
        binary = [Unit(tuple(None if v is None else int(v == category) for v in u.values), u.weight) for u in rows]
        out[category] = _coefficient(binary, "fleiss", (0, 1))
    return out


def _kappa(parts: Parts) -> float | None:
    if parts.expected >= 1.0 - 1e-12:
        return None
    return (parts.observed - parts.expected) / (1.0 - parts.expected)


def cohen_parts(units: Sequence[Unit]) -> Parts | None:
    pairs = [
        (u.values[0], u.values[1], u.weight)
        for u in units
        if len(u.values) >= 2 and u.values[0] is not None and u.values[1] is not None
    ]
    total = sum(w for _, _, w in pairs)
    if not total:
        return None
    agree = sum(w for a, b, w in pairs if a == b)
    first: Counter[Value] = Counter()
    second: Counter[Value] = Counter()
    for a, b, w in pairs:
        first[a] += w
        second[b] += w
    expected = sum(first[c] * second[c] for c in first) / (total * total)
    return Parts(agree / total, expected)


def cohen_kappa(units: Sequence[Sequence[Value]] | Sequence[Unit]) -> float | None:
    """Cohen's kappa for the first two coders (units where both gave a value)."""
    parts = cohen_parts(as_units(units))
    return _kappa(parts) if parts else None


def fleiss_parts(units: Sequence[Unit], categories: Sequence[Value] | None = None) -> Parts | None:
    """P_o and P_e of Fleiss' kappa; units rated by fewer coders than others are kept (Gwet 2014)."""
    return chance_parts(units, "fleiss", categories)


def fleiss_kappa(
    units: Sequence[Sequence[Value]] | Sequence[Unit], categories: Sequence[Value] | None = None
) -> float | None:
    """Fleiss' kappa; missing ratings allowed (as irrCAC's fleiss.raw)."""
    parts = fleiss_parts(as_units(units), categories)
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


LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _delta(level: str, marginals: dict[Any, float]) -> Callable[[Any, Any], float]:
    """The distance of two values; at the ordered levels the values are numbers (interval, ratio)
    or comparable (ordinal), which the caller vouches for by choosing the level."""
    if level == "nominal":
        return lambda a, b: 0.0 if a == b else 1.0
    if level == "interval":
        return lambda a, b: (float(a) - float(b)) ** 2
    if level == "ratio":
        if any(float(v) < 0 for v in marginals):
            raise ValueError("the ratio metric needs values of 0 or more")
        return lambda a, b: 0.0 if float(a) + float(b) == 0 else ((float(a) - float(b)) / (float(a) + float(b))) ** 2
    if level == "ordinal":
        order = sorted(marginals)
        cumulative: dict[Any, float] = {}
        running = 0.0
        for value in order:
            cumulative[value] = running  # sum of n_g before value
            running += marginals[value]

        def ordinal(a: Any, b: Any) -> float:
            lo, hi = (a, b) if a <= b else (b, a)
            between = cumulative[hi] + marginals[hi] - cumulative[lo]  # sum n_g for g = lo..hi
            return (between - (marginals[lo] + marginals[hi]) / 2) ** 2

        return ordinal
    raise ValueError(f"unknown level of measurement {level!r}")


def alpha_parts(units: Sequence[Unit], level: str = "nominal") -> Parts | None:
    """D_o and D_e of Krippendorff's alpha (None when fewer than two pairable values)."""
    coincidence: defaultdict[tuple[Value, Value], float] = defaultdict(float)
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
    marginals: defaultdict[Value, float] = defaultdict(float)
    for (c, _), value in coincidence.items():
        marginals[c] += value
    delta = _delta(level, marginals)
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
    return _kappa(
        Parts(sum(p.observed for p in present) / len(present), sum(p.expected for p in present) / len(present))
    )
