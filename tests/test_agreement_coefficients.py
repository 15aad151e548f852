"""Percent agreement with several coders, Scott's pi, Brennan-Prediger, Gwet's AC1, Fleiss per category,
ordinal and ratio alpha: published worked examples, and an independent package where one installs."""

from __future__ import annotations

import random

import pytest

from workbench.agreement.stats import (
    Unit,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    fleiss_kappa_per_category,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    pooled_kappa,
    chance_parts,
    cohen_parts,
    scott_pi,
)

K = None
# Krippendorff (2011), the same data Gwet (2014) uses (irrCAC's cac.raw4raters): 4 coders x 12 units.
RELIABILITY = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, K, K, K],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, K, 3],
    "C": [K, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, K],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, K],
}
UNITS = [Unit(u) for u in zip(*RELIABILITY.values())]
FIVE = (1, 2, 3, 4, 5)


def table_units(table: list[list[int]], labels: list) -> list[Unit]:
    """Two coders' units from a contingency table (rows: coder 1, columns: coder 2)."""
    return [Unit((labels[i], labels[j]), count) for i, row in enumerate(table) for j, count in enumerate(row) if count]


def test_percent_agreement_three_coders_with_a_missing_rating():
    # methods-reference 1.2: A A A / A B - / A A B
    units = [Unit(("A", "A", "A")), Unit(("A", "B", None)), Unit(("A", "A", "B"))]
    assert percent_agreement(units) == pytest.approx(4 / 9, abs=5e-5)  # 0.4444, irrCAC's pa
    assert percent_agreement(units, "pooled_pairs") == pytest.approx(4 / 7, abs=5e-5)  # 0.5714
    assert percent_agreement(UNITS) == pytest.approx(0.81818, abs=5e-5)
    assert percent_agreement(UNITS, "pooled_pairs") == pytest.approx(0.7818, abs=5e-4)
    two = [Unit((1, 1), 50), Unit((1, 0), 100), Unit((0, 1), 50), Unit((0, 0), 800)]
    assert percent_agreement(two) == percent_agreement(two, "pooled_pairs") == pytest.approx(0.85)


def test_gwet_four_coders_with_missing_ratings():
    # Gwet (2014) / irrCAC: pa .818; AC1 .775 (pe .190); Fleiss .761 (pe .239); BP .773 (pe .200)
    ac1 = chance_parts(UNITS, "gwet_ac1", FIVE)
    fleiss = chance_parts(UNITS, "fleiss", FIVE)
    assert ac1.expected == pytest.approx(0.19032, abs=5e-5) and fleiss.expected == pytest.approx(0.23872, abs=5e-5)
    assert gwet_ac1(UNITS, FIVE) == pytest.approx(0.77544, abs=5e-5)
    assert fleiss_kappa(UNITS, FIVE) == pytest.approx(0.76117, abs=5e-5)
    assert brennan_prediger(UNITS, FIVE) == pytest.approx(0.77273, abs=5e-5)


def test_artstein_poesio_two_coders():
    # Artstein & Poesio (2008), p. 558: P_o .70; pi .341; S .40; kappa .348
    units = table_units([[20, 10], [20, 50]], ["a", "b"])
    assert percent_agreement(units) == pytest.approx(0.70)
    assert scott_pi(units) == pytest.approx(0.341, abs=1e-3)
    assert brennan_prediger(units) == pytest.approx(0.40, abs=1e-3)
    assert cohen_kappa(units) == pytest.approx(0.348, abs=1e-3)


def test_brennan_prediger_1981():
    # Brennan & Prediger (1981), p. 689: P_o .60; kappa .27; kappa_n .40 (proportions x 100)
    units = table_units([[50, 0, 0], [10, 10, 10], [20, 0, 0]], [1, 2, 3])
    assert percent_agreement(units) == pytest.approx(0.60)
    assert cohen_kappa(units) == pytest.approx(0.27, abs=5e-3)
    assert brennan_prediger(units, (1, 2, 3)) == pytest.approx(0.40, abs=5e-3)


def test_gwet_three_by_three():
    # Gwet (2014), irrCAC cont3x3abstractors: pi .796; BP .835; AC1 .849; kappa .796; alpha .797
    units = table_units([[13, 0, 0], [0, 20, 7], [0, 4, 56]], [1, 2, 3])
    assert scott_pi(units) == pytest.approx(0.796, abs=1e-3)
    assert brennan_prediger(units) == pytest.approx(0.835, abs=1e-3)
    assert gwet_ac1(units) == pytest.approx(0.849, abs=1e-3)
    assert cohen_kappa(units) == pytest.approx(0.796, abs=1e-3)
    assert krippendorff_alpha(units) == pytest.approx(0.797, abs=1e-3)


def test_randolph_examples():
    # Randolph (2005), p. 17: example 1 Fleiss .33, free-marginal .33; example 2 Fleiss -.20, free .33
    first = [tuple(s) for s in ("YYY", "YYN", "NNY", "NNN")]
    second = [tuple(s) for s in ("YYY", "YYN", "YYN", "YYY")]
    assert fleiss_kappa(first) == pytest.approx(1 / 3, abs=5e-3) and brennan_prediger(first) == pytest.approx(
        1 / 3, abs=5e-3
    )
    assert gwet_ac1(first) == pytest.approx(0.3333, abs=5e-4)
    assert fleiss_kappa(second) == pytest.approx(-0.20, abs=5e-3)
    assert brennan_prediger(second, ("N", "Y")) == pytest.approx(1 / 3, abs=5e-3)
    assert gwet_ac1(second, ("N", "Y")) == pytest.approx(0.5385, abs=5e-4)


def test_rare_codes_and_undefined_cases():
    # methods-reference 2.4 (self-computed, not published): codes X, Y, Z of two coders on ten segments
    codes = {"X": ("1111000000", "1110000001"), "Y": ("0000110000", "0000110000"), "Z": ("0000000000", "0000000010")}
    expected = {"X": (0.5833, 0.6154, 0.6, 0.5833), "Y": (1, 1, 1, 1), "Z": (-0.0526, 0.8895, 0.8, 0.0)}
    parts = {name: [] for name in ("scott", "gwet_ac1", "brennan_prediger", "cohen")}
    for code, (a, b) in codes.items():
        units = [Unit((int(x), int(y))) for x, y in zip(a, b)]
        scott, ac1, bp, cohen = expected[code]
        assert scott_pi(units, (0, 1)) == pytest.approx(scott, abs=5e-4)
        assert gwet_ac1(units, (0, 1)) == pytest.approx(ac1, abs=5e-4)
        assert brennan_prediger(units, (0, 1)) == pytest.approx(bp, abs=5e-4)
        assert cohen_kappa(units) == pytest.approx(cohen, abs=5e-4)
        for name in ("scott", "gwet_ac1", "brennan_prediger"):
            parts[name].append(chance_parts(units, name, (0, 1)))
        parts["cohen"].append(cohen_parts(units))
    assert pooled_kappa(parts["scott"]) == pytest.approx(0.6648, abs=5e-4)
    assert pooled_kappa(parts["gwet_ac1"]) == pytest.approx(0.8575, abs=5e-4)
    assert pooled_kappa(parts["brennan_prediger"]) == pytest.approx(0.8, abs=5e-4)
    assert pooled_kappa(parts["cohen"]) == pytest.approx(0.6667, abs=5e-4)
    nobody = [Unit((0, 0))] * 10
    assert scott_pi(nobody, (0, 1)) is None and fleiss_kappa(nobody, (0, 1)) is None
    assert gwet_ac1(nobody, (0, 1)) == 1.0 and brennan_prediger(nobody, (0, 1)) == 1.0
    assert gwet_ac1(nobody) is None and brennan_prediger(nobody) is None  # one category declared: q < 2
    assert gwet_ac1([Unit((1, None)), Unit((None, 0))], (0, 1)) is None  # nothing pairable


def test_fleiss_per_category():
    # Fleiss (1971): kappa_j = 1 - sum_i n_ij (n - n_ij) / (N n (n-1) p_j q_j), and the overall kappa is
    # the p_j q_j-weighted mean of the kappa_j; computed here straight from the table.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    n, subjects = 14, len(table)
    units = [Unit(tuple(j for j, count in enumerate(row) for _ in range(count))) for row in table]
    per = fleiss_kappa_per_category(units)
    weighted = total = 0.0
    for j in range(5):
        p = sum(row[j] for row in table) / (subjects * n)
        kappa_j = 1 - sum(row[j] * (n - row[j]) for row in table) / (subjects * n * (n - 1) * p * (1 - p))
        assert per[j] == pytest.approx(kappa_j, abs=1e-12)
        weighted += p * (1 - p) * kappa_j
        total += p * (1 - p)
    assert weighted / total == pytest.approx(fleiss_kappa_from_counts(table), abs=1e-12)
    assert fleiss_kappa_per_category([("a", "a"), ("a", "a")]) == {"a": None}


def test_krippendorff_ordinal_and_ratio_published():
    # Krippendorff (2011): nominal .743, ordinal .815, interval .849, ratio .797
    for level, value in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)):
        assert krippendorff_alpha(UNITS, level) == pytest.approx(value, abs=1e-3)
    assert krippendorff_alpha(UNITS, "ordinal") == pytest.approx(0.8154, abs=5e-4)
    assert krippendorff_alpha(UNITS, "ratio") == pytest.approx(0.7974, abs=5e-4)
    binary = [Unit((1, 0, 1)), Unit((0, 0, 0)), Unit((1, 1, None)), Unit((0, 1, 1))]
    nominal = krippendorff_alpha(binary)
    assert all(
        krippendorff_alpha(binary, level) == pytest.approx(nominal) for level in ("ordinal", "interval", "ratio")
    )
    with pytest.raises(ValueError, match="0 or more"):
        krippendorff_alpha([(-1, 2), (2, 2)], "ratio")


def test_against_the_krippendorff_package():
    krippendorff = pytest.importorskip("krippendorff")
    import numpy as np

    rng = random.Random(7)
    for trial in range(25):
        coders, units = rng.randint(2, 5), rng.randint(5, 30)
        data = [
            [rng.choice([None, 1, 2, 2, 3, 4, 7]) if rng.random() < 0.9 else None for _ in range(units)]
            for _ in range(coders)
        ]
        matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
        ours_units = list(zip(*data))
        for level in ("nominal", "ordinal", "interval", "ratio"):
            ours = krippendorff_alpha(ours_units, level)
            try:
                theirs = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
            except (ValueError, ZeroDivisionError):
                theirs = float("nan")
            if ours is None:
                assert not np.isfinite(theirs), (trial, level, theirs)
            else:
                assert ours == pytest.approx(theirs, abs=1e-9), (trial, level)


def test_pooled_bootstrap_properties():
    from workbench.agreement.bootstrap import bootstrap_pooled_alpha
    from workbench.agreement.stats import alpha_parts, pooled_alpha

    rng = random.Random(5)
    codes = []
    for _ in range(4):
        units = [(rng.random() < 0.3, None) for _ in range(60)]
        codes.append([Unit((int(a), int(a) if rng.random() < 0.85 else 1 - int(a))) for a, _ in units])
    pooled = pooled_alpha([alpha_parts(u) for u in codes])
    interval = bootstrap_pooled_alpha(codes, samples=300)
    assert interval[0] <= pooled <= interval[1] and interval[0] < interval[1]
    assert bootstrap_pooled_alpha(codes, samples=300) == interval  # seeded
    bigger = bootstrap_pooled_alpha([[Unit(u.values, u.weight * 10) for u in c] for c in codes], samples=300)
    assert bigger[1] - bigger[0] < interval[1] - interval[0]
    perfect = [[Unit((1, 1))] * 5 + [Unit((0, 0))] * 20]
    assert bootstrap_pooled_alpha(perfect, samples=100) == (1.0, 1.0)
    assert bootstrap_pooled_alpha([[Unit((1, None))]], samples=10) is None
