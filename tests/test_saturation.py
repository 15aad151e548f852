"""Saturation (Guest, Namey & Chen 2020): the worked example of the methods reference, an
independent naive computation over random studies, and the command on a real project."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import add_segment
from workbench.errors import WorkbenchError
from workbench.findings.saturation import (
    SaturationSpec,
    compute_saturation,
    guest_runs,
    new_counts,
    saturation_point,
    svg_curve,
)
from workbench.project import import_transcripts

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

# methods-reference.md §6.2: a base of 4 interviews with 37 themes, first run (5-6) adds 7.
WORKED_NEW = [20, 9, 5, 3, 4, 3, 2, 1, 1, 0, 0, 1]


def test_worked_example_of_the_methods_reference():
    base, runs, point = guest_runs(WORKED_NEW, base=4, run=2, threshold=0.05)
    assert base == 37
    assert [(r.first, r.last) for r in runs] == [(5, 6), (6, 7), (7, 8), (8, 9), (9, 10)]
    assert [round(r.ratio, 3) for r in runs] == [0.189, 0.135, 0.081, 0.054, 0.027]
    assert runs[0].new == 7 and not runs[0].meets and runs[-1].meets
    assert point == 8  # "8 + 2"
    assert saturation_point(WORKED_NEW, 4, 2, 0.05, step=2) == 8  # non-overlapping runs: same here
    assert saturation_point(WORKED_NEW, 4, 2, 0.0) == 9  # strict: interviews 10-11 add nothing: 9+2


def test_strict_threshold_finds_two_empty_interviews():
    assert saturation_point([5, 2, 1, 0, 0, 3], base=2, run=2, threshold=0.0) == 3  # 4-5 add nothing


def _naive(code_sets, base, run, threshold, step):
    """Straight from the definition, with sets only: no counts carried between runs."""
    base_set = set().union(*code_sets[:base])
    if not base_set:
        return "empty"
    s = base + 1
    while s + run - 1 <= len(code_sets):
        before = set().union(*code_sets[: s - 1])
        within = set().union(*code_sets[s - 1 : s - 1 + run])
        if len(within - before) / len(base_set) <= threshold:
            return s - 1
        s += step
    return None


def test_agrees_with_a_naive_computation_on_random_studies():
    rng = random.Random(7)
    for _ in range(400):
        pool = [f"c{i}" for i in range(rng.randint(3, 40))]
        sets = [set(rng.sample(pool, rng.randint(0, min(12, len(pool))))) for _ in range(rng.randint(2, 16))]
        base, run = rng.randint(1, len(sets)), rng.randint(1, 3)
        threshold, step = rng.choice([0.0, 0.05, 0.1, 0.25]), rng.randint(1, 2)
        expected = _naive(sets, base, run, threshold, step)
        if expected == "empty":
            with pytest.raises(WorkbenchError):
                guest_runs(new_counts(sets), base, run, threshold, step)
            continue
        assert saturation_point(new_counts(sets), base, run, threshold, step) == expected


def test_bad_parameters_are_clear_errors():
    with pytest.raises(WorkbenchError, match="larger than"):
        guest_runs([1, 2], base=4, run=2, threshold=0.05)
    for spec in (
        SaturationSpec(base=0),
        SaturationSpec(run=0),
        SaturationSpec(threshold=5),
        SaturationSpec(order="random"),
    ):
        with pytest.raises(WorkbenchError):
            spec.check()


@pytest.fixture
def study(store, tmp_path, codebook_path):
    """Five interviews with dates out of import order; codes chosen so the answer is known."""
    from workbench.project import import_codebook

    import_codebook(store, codebook_path)
    dates = ["2025-01-05", "2025-01-01", "2025-01-03", "2025-01-02", "2025-01-04"]
    for n, date in enumerate(dates, 1):
        path = tmp_path / f"i{n}.txt"
        path.write_text(f"---\ndate: {date}\nparticipant: P{n}\nsite: S\n---\nA: one two three four five six\n")
        import_transcripts(store, [path])
    plan = {  # transcript id -> codes (paths)
        1: ["Barriers/Time", "Barriers/Lack of buy-in"],
        2: ["Barriers/Time", "Barriers/Funding and material resources", "Barriers/Lack of buy-in"],
        3: ["Barriers/Technical capacity"],
        4: ["Barriers/Time"],
        5: ["Barriers/Time", "Barriers/Funding and material resources"],
    }
    codes = {c.path: c.id for c in store.codes(counts=False)}
    for tid, paths in plan.items():
        for k, path in enumerate(paths):
            add_segment(store, transcript_id=tid, code_id=codes[path], coder="maria", start=k, end=k + 5)
    return store


def test_on_a_project_in_date_and_import_order(study):
    by_date = compute_saturation(study, SaturationSpec(base=2, run=2, threshold=0.0, order="date"))
    # date order: 2 (3 codes), 4 (0 new), 3 (1 new), 5 (0), 1 (0)
    assert [i.transcript_id for i in by_date.interviews] == [2, 4, 3, 5, 1]
    assert [i.new for i in by_date.interviews] == [3, 0, 1, 0, 0]
    assert by_date.base_codes == 3 and by_date.point == 3  # run 4-5 adds nothing
    assert by_date.total_codes == 4 and by_date.share_at_point == 1.0
    by_import = compute_saturation(study, SaturationSpec(base=2, run=2, threshold=0.0, order="import"))
    assert [i.new for i in by_import.interviews] == [2, 1, 1, 0, 0]
    assert by_import.point == 3
    themes = compute_saturation(study, SaturationSpec(base=1, run=1, threshold=0.0, level="theme"))
    assert [i.new for i in themes.interviews] == [1, 0, 0, 0, 0] and themes.point == 1


def test_the_command(study):
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(study.path), "saturation", *args], obj={})
    result = run("--base", "2", "--run", "2", "--threshold", "0", "--order", "date")
    assert result.exit_code == 0, result.output
    assert "Saturation at 3+2 interviews" in result.output and "order: interview date" in result.output
    assert "line: total codes" in result.output  # the terminal plot
    data = json.loads(
        run("--base", "2", "--order", "date", "--threshold", "0", "--format", "json", "--permutations", "50").output
    )
    assert data["saturation_point"] == 3 and data["base_size"] == 2 and data["run_step"] == 1
    assert len(data["permutation_points"]) == 50
    bad = run("--base", "9")
    assert bad.exit_code == 1 and "larger than the 5 coded interviews" in bad.output
    assert run("--coder", "nobody").exit_code == 1
    assert "<script" not in svg_curve(compute_saturation(study, SaturationSpec(base=2)))
