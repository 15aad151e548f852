"""Agreement coefficients against published values."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from workbench.agreement.bootstrap import bootstrap_alpha
from workbench.agreement.stats import (
    Unit,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    percent_agreement,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders x 12 units, missing values.
K = None
RELIABILITY = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, K, K, K],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, K, 3],
    "C": [K, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, K],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, K],
}
UNITS = list(zip(*RELIABILITY.values()))


def test_krippendorff_published_example():
    assert krippendorff_alpha(UNITS, "nominal") == pytest.approx(0.743, abs=0.0005)
    assert krippendorff_alpha(UNITS, "interval") == pytest.approx(0.849, abs=0.0005)


def test_cohen_grant_proposals():
    # 50 proposals: both yes 20, A yes B no 5, A no B yes 10, both no 15 -> kappa 0.4.
    units = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(units) == pytest.approx(0.4)
    assert percent_agreement([Unit(u) for u in units]) == pytest.approx(0.7)


def test_fleiss_published_example():
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
    assert fleiss_kappa_from_counts(table) == pytest.approx(0.210, abs=0.0005)


def test_nvivo_character_example_with_weights():
    # 1,000 characters: 50 coded by both, 100 by A only, 50 by B only, 800 by neither.
    units = [Unit((1, 1), 50), Unit((1, 0), 100), Unit((0, 1), 50), Unit((0, 0), 800)]
    assert percent_agreement(units) == pytest.approx(0.85)
    assert cohen_kappa(units) == pytest.approx(0.318, abs=0.0005)


def test_undefined_cases_are_none_not_numbers():
    nobody = [(0, 0)] * 10
    assert cohen_kappa(nobody) is None and krippendorff_alpha(nobody) is None and fleiss_kappa(nobody) is None
    assert percent_agreement([Unit(u) for u in nobody]) == 1.0
    one_constant = [(1, 1)] * 9 + [(1, 0)]
    assert cohen_kappa(one_constant) == pytest.approx(0.0) and percent_agreement([Unit(u) for u in one_constant]) == 0.9
    assert krippendorff_alpha([(1, None), (2, None)]) is None


def test_annomi_ten_coders(real):
    """The real 10-coder data: therapist behaviour and client talk type."""
    path = real / "coded/annomi_icr/AnnoMI-full_multiannotator_subset.csv"
    data: dict[str, dict[tuple[str, str], dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            unit = (row["transcript_id"], row["utterance_id"])
            for column in ("main_therapist_behaviour", "client_talk_type"):
                if row[column] not in ("", "n/a"):
                    data[column][unit][int(row["annotator_id"])] = row[column]
    expected = {"main_therapist_behaviour": (216, 0.737, 0.703), "client_talk_type": (212, 0.467, 0.550)}
    for column, (count, fleiss, cohen) in expected.items():
        units = [tuple(values.get(a) for a in range(10)) for values in data[column].values()]
        assert len(units) == count
        assert fleiss_kappa(units) == pytest.approx(fleiss, abs=0.0005)
        assert krippendorff_alpha(units) == pytest.approx(fleiss, abs=0.001)
        assert cohen_kappa([(u[0], u[1]) for u in units]) == pytest.approx(cohen, abs=0.0005)


def test_bootstrap_properties():
    interval = bootstrap_alpha([Unit(u) for u in UNITS], samples=300)
    alpha = krippendorff_alpha(UNITS)
    assert interval is not None and interval[0] <= alpha <= interval[1]
    assert bootstrap_alpha([Unit(u) for u in UNITS], samples=300) == interval  # fixed seed
    perfect = [Unit((c, c, c)) for c in [1, 2, 3] * 10]
    assert bootstrap_alpha(perfect, samples=100) == (1.0, 1.0)
    small = bootstrap_alpha([Unit(u) for u in UNITS * 1], samples=300)
    large = bootstrap_alpha([Unit(u) for u in UNITS * 8], samples=300)
    assert large[1] - large[0] < small[1] - small[0]
