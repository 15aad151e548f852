"""Krippendorff's alphas for unitized continua: coders mark stretches of a text themselves, and the
coefficients compare the stretches on the character continuum, with no unit chosen by the analyst.

Positions are integer offsets (characters) on a continuum [0, L); every coder covers the same
continuum. Undefined values are None (never 0, 1 or NaN).

1. ``alpha_u`` (one value at a time; Krippendorff 1995, "On the reliability of unitizing
   continuous data", Sociological Methodology 25:47-76; Content Analysis, 2nd ed., 2004, p. 251-256,
   the form implemented here). For a value k each coder's continuum is a sequence of sections:
   units of k and gaps (everything else). The squared difference of section g (coder i) and h
   (coder j != i) is (b_g - b_h)^2 + (e_g - e_h)^2 when both are units and overlap, l_g^2 when unit
   g lies inside gap h, l_h^2 when unit h lies inside gap g, else 0.
     D_o = sum_i sum_{j != i} sum_g sum_h delta^2(g, h) / (m (m - 1) L^2)
     D_e = (2/L) sum_{units g} [ (N - 1)(2 l_g^3 - 3 l_g^2 + l_g)/3 + l_g^2 sum_{gaps h: l_h >= l_g}(l_h - l_g + 1) ]
           / ( m L (m L - 1) - sum_{units g} l_g (l_g - 1) )
   with N the number of units of k over all coders and the gap sum over every coder's gaps;
   alpha_u = 1 - D_o / D_e. Several values are pooled as 1 - sum D_o / sum D_e.

2. The 2016 family (Krippendorff, Mathet, Bouvry & Widlöcher 2016, "On the reliability of
   unitizing textual continua: Further developments", Quality & Quantity 50:2347-2364; as in
   Content Analysis, 4th ed., 2019, section 12.6). Each coder partitions [0, L) into segments with a
   value or a gap (empty value); a coder's segments may not overlap (codes of one semantic domain
   are mutually exclusive). With l.. = m L:
     l_ck = (1/(m-1)) sum_i sum_{j != i} sum_{g of i valued c} sum_{h of j valued k} |g & h|
     Q_c = sum over segments valued c of l_g^2 (for gaps: of l_g, gaps count as length-1 pieces)
     e_ck = l.. (l_c. l_.k - [c = k] Q_c) / (l..^2 - sum_c Q_c)
   - u-alpha (``u_alpha``): 1 - (l.. - sum_c l_cc) / (l.. - sum_c e_cc), gaps included, nominal;
   - |u-alpha (``alpha_u_binary``): the valued segments merged into one "relevant" value against
     the gaps: 1 - (l_g. - l_gg) / (e_g. - e_gg), g the gap (merging first, so a coder's adjacent
     segments of different values become one; for a single code it equals u-alpha);
   - c-u-alpha (``c_alpha_u``): values only where both coders of a pair marked valued matter:
     n_c = sum_{k valued} l_ck, n = sum n_c, X_c = (1/(m-1)) sum_i sum_{j != i} sum_{g of i valued c}
     |g & V_j|^2 (V_j: coder j's valued matter), eps_ck = n (n_c n_k - [c = k] X_c) / (n^2 - sum X_c),
     c-u-alpha = 1 - sum_{c != k} l_ck / sum_{c != k} eps_ck, with its coverage n / l..;
   - C-u-alpha (``C_alpha_u``): c-u-alpha whose values are the semantic domains (themes).
   ATLAS.ti's alpha-binary, cu-alpha and Cu-alpha build on these (equivalence not verified).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

GAP = None
Pair = tuple[Hashable, Hashable]  # (c, k): two values, GAP among them


@dataclass(slots=True, frozen=True)
class UParts:
    observed: float  # D_o
    expected: float  # D_e

    @property
    def alpha(self) -> float | None:
        return None if self.expected <= 0 else 1.0 - self.observed / self.expected


def merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ``spans`` as sorted, disjoint, non-adjacent intervals."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _sections(units: list[tuple[int, int]], length: int) -> list[tuple[int, int, bool]]:
    out, pos = [], 0
    for start, end in units:
        if start > pos:
            out.append((pos, start, False))
        out.append((start, end, True))
        pos = end
    if length > pos:
        out.append((pos, length, False))
    return out


def _check(
    length: int, coders: Sequence[Sequence[tuple[int, int]]] | Sequence[Sequence[tuple[int, int, Hashable]]]
) -> None:
    if length <= 0:
        raise ValueError("the continuum is empty")
    for spans in coders:
        for span in spans:
            if span[0] < 0 or span[1] > length:
                raise ValueError(f"segment {span[:2]} lies outside the continuum [0, {length})")


def alpha_u_parts(length: int, coders: Sequence[Sequence[tuple[int, int]]]) -> UParts | None:
    """D_o and D_e of alpha_u (1995/2004) for one value; ``coders`` holds each coder's units of it.
    A coder's overlapping units are merged first. None with fewer than two coders."""
    m = len(coders)
    if m < 2:
        return None
    _check(length, coders)
    units = [merge(c) for c in coders]
    sections = [_sections(u, length) for u in units]
    observed = 0.0
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            observed += _pair_difference(sections[i], sections[j])
    d_o = observed / (m * (m - 1) * length**2)
    lengths = [e - b for u in units for b, e in u]
    gaps = sorted(e - b for s in sections for b, e, is_unit in s if not is_unit)
    suffix = [0] * (len(gaps) + 1)  # suffix[i] = sum of (gap + 1) for gaps[i:]
    for index in range(len(gaps) - 1, -1, -1):
        suffix[index] = suffix[index + 1] + gaps[index] + 1
    n_units = len(lengths)
    numerator = 0.0
    for ell in lengths:
        first = bisect_left(gaps, ell)
        fits = suffix[first] - ell * (len(gaps) - first)
        numerator += (n_units - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3 + ell**2 * fits
    denominator = m * length * (m * length - 1) - sum(ell * (ell - 1) for ell in lengths)
    d_e = (2 / length) * numerator / denominator if denominator > 0 else 0.0
    return UParts(d_o, d_e)


def _pair_difference(first: list[tuple[int, int, bool]], second: list[tuple[int, int, bool]]) -> float:
    """Sum of delta^2 over the overlapping sections of two coders (only overlapping ones count)."""
    total, j = 0.0, 0
    for bg, eg, unit_g in first:
        while j < len(second) and second[j][1] <= bg:
            j += 1
        k = j
        while k < len(second) and second[k][0] < eg:
            bh, eh, unit_h = second[k]
            if unit_g and unit_h:
                total += (bg - bh) ** 2 + (eg - eh) ** 2
            elif unit_g and bh <= bg and eg <= eh:
                total += (eg - bg) ** 2
            elif unit_h and bg <= bh and eh <= eg:
                total += (eh - bh) ** 2
            k += 1
    return total


def alpha_u(length: int, coders: Sequence[Sequence[tuple[int, int]]]) -> float | None:
    parts = alpha_u_parts(length, coders)
    return None if parts is None else parts.alpha


def pooled_alpha_u(parts: Sequence[UParts | None]) -> float | None:
    present = [p for p in parts if p is not None]
    expected = sum(p.expected for p in present)
    return None if not present or expected <= 0 else 1.0 - sum(p.observed for p in present) / expected


# -- the 2016 family ----------------------------------------------------------------------------


class OverlapError(ValueError):
    """A coder gave one stretch two values of the same variable (they must exclude each other)."""


def partition(length: int, segments: Sequence[tuple[int, int, Hashable]]) -> list[tuple[int, int, Hashable]]:
    """One coder's segments as a partition of [0, L) with gaps; a value's own overlaps are merged,
    overlaps of different values raise OverlapError."""
    by_value: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
    for start, end, value in segments:
        by_value[value].append((start, end))
    pieces = sorted((a, b, v) for v, spans in by_value.items() for a, b in merge(spans))
    out: list[tuple[int, int, Hashable]] = []
    pos = 0
    for start, end, value in pieces:
        if start < pos:
            raise OverlapError(f"[{start}, {end}) overlaps a segment with another value")
        if start > pos:
            out.append((pos, start, GAP))
        out.append((start, end, value))
        pos = end
    if length > pos:
        out.append((pos, length, GAP))
    return out


@dataclass(slots=True)
class Coincidences:
    length: int  # L
    coders: int  # m
    l: dict[Pair, float]  # (c, k) -> observed coincidence length
    q: dict[Hashable, float]  # c -> Q_c
    x: dict[Hashable, float]  # c -> X_c (valued only)

    @property
    def total(self) -> float:
        return float(self.coders * self.length)

    def expected(self) -> dict[Pair, float]:
        total = self.total
        rows: dict[Hashable, float] = defaultdict(float)
        for (c, _), value in self.l.items():
            rows[c] += value
        denominator = total * total - sum(self.q.values())
        if denominator <= 0:
            return {}
        return {
            (c, k): total * (rows[c] * rows[k] - (self.q.get(c, 0.0) if c == k else 0.0)) / denominator
            for c in rows
            for k in rows
        }


def coincidences(length: int, coders: Sequence[Sequence[tuple[int, int, Hashable]]]) -> Coincidences | None:
    m = len(coders)
    if m < 2:
        return None
    _check(length, coders)
    parts = [partition(length, c) for c in coders]
    observed: dict[Pair, float] = defaultdict(float)
    x: dict[Hashable, float] = defaultdict(float)
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            _intersect(parts[i], parts[j], observed, x)
    q: dict[Hashable, float] = defaultdict(float)
    for part in parts:
        for start, end, value in part:
            q[value] += (end - start) if value is GAP else (end - start) ** 2
    scale = 1.0 / (m - 1)
    return Coincidences(
        length, m, {k: v * scale for k, v in observed.items()}, dict(q), {k: v * scale for k, v in x.items()}
    )


def _intersect(
    first: list[tuple[int, int, Hashable]],
    second: list[tuple[int, int, Hashable]],
    observed: dict[Pair, float],
    x: dict[Hashable, float],
) -> None:
    """Add the intersection lengths of two partitions to ``observed`` and the squared valued
    overlap of each of ``first``'s valued segments with ``second``'s valued matter to ``x``."""
    j = 0
    for start, end, value in first:
        while second[j][1] <= start:
            j += 1
        k, valued = j, 0
        while k < len(second) and second[k][0] < end:
            overlap = min(end, second[k][1]) - max(start, second[k][0])
            if overlap > 0:
                observed[(value, second[k][2])] += overlap
                if second[k][2] is not GAP:
                    valued += overlap
            k += 1
        if value is not GAP:
            x[value] += valued**2


def u_alpha(data: Coincidences) -> float | None:
    expected = data.expected()
    if not expected:
        return None
    total = data.total
    d_e = total - sum(v for (c, k), v in expected.items() if c == k)
    if d_e <= 1e-12:
        return None
    return 1.0 - (total - sum(v for (c, k), v in data.l.items() if c == k)) / d_e


def binary_coders(coders: Sequence[Sequence[tuple[int, int, Hashable]]]) -> list[list[tuple[int, int, Hashable]]]:
    """Every valued segment as the one value "relevant" (a coder's own overlaps merged)."""
    return [[(a, b, 1) for a, b in merge([(s[0], s[1]) for s in c])] for c in coders]


def u_alpha_binary(length: int, coders: Sequence[Sequence[tuple[int, int, Hashable]]]) -> float | None:
    """|u-alpha: relevant (any value) against gaps."""
    data = coincidences(length, binary_coders(coders))
    if data is None:
        return None
    expected = data.expected()
    if not expected:
        return None
    observed_off = sum(v for (c, k), v in data.l.items() if c is GAP and k is not GAP)
    expected_off = sum(v for (c, k), v in expected.items() if c is GAP and k is not GAP)
    return None if expected_off <= 1e-12 else 1.0 - observed_off / expected_off


@dataclass(slots=True, frozen=True)
class CuAlpha:
    value: float | None
    coverage: float  # n / l..: share of the continuum the coefficient rests on


def cu_alpha(data: Coincidences) -> CuAlpha:
    valued = {(c, k): v for (c, k), v in data.l.items() if c is not GAP and k is not GAP}
    n_c: dict[Hashable, float] = defaultdict(float)
    for (c, _), value in valued.items():
        n_c[c] += value
    n = sum(n_c.values())
    coverage = n / data.total if data.total else 0.0
    denominator = n * n - sum(data.x.get(c, 0.0) for c in n_c)
    if n <= 0 or len([c for c in n_c if n_c[c] > 0]) < 2 or denominator <= 1e-12:
        return CuAlpha(None, coverage)
    expected_off = sum(n * n_c[c] * n_c[k] / denominator for c in n_c for k in n_c if c != k)
    observed_off = sum(v for (c, k), v in valued.items() if c != k)
    return CuAlpha(None if expected_off <= 1e-12 else 1.0 - observed_off / expected_off, coverage)
