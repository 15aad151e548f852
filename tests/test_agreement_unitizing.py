"""The unitizing alphas (published examples and a self-computed vector), the continuum mode through the
CLI, the reader's sentences as agreement units, and per-unit tallies checked against a naive count."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter, defaultdict

import pytest
from click.testing import CliRunner

from workbench.agreement import stats
from workbench.agreement import unitizing as ua
from workbench.agreement.compute import AgreementSpec, compute_agreement
from workbench.agreement.units import carries, units_for
from workbench.cli import cli
from workbench.coding import add_segment, resolve_code
from workbench.project import import_codebook, import_transcripts
from workbench.reading import load_document

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


def test_krippendorff_2004_unitizing_example():
    # Content Analysis, 2nd ed. (2004), p. 254: continuum 150-450, two coders, values c and k.
    # Published: c: D_o .0144, D_e .0532, alpha .7286; k: alpha 1.000 (D_e .0490).
    shift = lambda spans: [(a - 150, b - 150) for a, b in spans]  # noqa: E731
    c = [shift([(225, 295), (370, 400)]), shift([(220, 300), (355, 375), (400, 420)])]
    k = [shift([(180, 240), (300, 350)]), shift([(180, 240), (300, 350)])]
    parts_c, parts_k = ua.alpha_u_parts(300, c), ua.alpha_u_parts(300, k)
    assert parts_c.observed == pytest.approx(0.0144, abs=5e-5)
    assert parts_c.expected == pytest.approx(0.0532, abs=5e-5)
    assert parts_c.alpha == pytest.approx(0.7286, abs=5e-5)
    assert parts_k.observed == 0 and parts_k.expected == pytest.approx(0.0490, abs=5e-5)
    assert parts_k.alpha == pytest.approx(1.0)
    # 1 - mean D_o / mean D_e (DKPro's overall; not a published figure of Krippendorff's): 0.8587
    assert ua.pooled_alpha_u([parts_c, parts_k]) == pytest.approx(0.8587, abs=5e-4)
    # the order of the coders and of their units does not matter
    assert ua.alpha_u(300, [c[1][::-1], c[0]]) == pytest.approx(parts_c.alpha)


def test_alpha_u_undefined_and_invalid():
    assert ua.alpha_u(100, [[], []]) is None  # nobody marked the value
    assert ua.alpha_u(100, [[(0, 10)]]) is None  # one coder
    with pytest.raises(ValueError, match="outside the continuum"):
        ua.alpha_u(100, [[(90, 120)], []])


def test_2016_family_regression_vector():
    # Self-computed (methods-reference 4.2; NOT a published value): L = 20, two coders.
    coders = [[(2, 8, "A"), (12, 16, "B")], [(3, 8, "A"), (12, 18, "B")]]
    data = ua.coincidences(20, coders)
    gap = ua.GAP
    assert data.l[("A", "A")] == 10 and data.l[("B", "B")] == 8 and data.l[(gap, gap)] == 16
    assert data.l[("A", gap)] == data.l[(gap, "A")] == 1 and data.l[("B", gap)] == data.l[(gap, "B")] == 2
    assert sum(data.l.values()) == data.total == 40
    assert ua.u_alpha(data) == pytest.approx(0.7837, abs=5e-5)
    assert ua.u_alpha_binary(20, coders) == pytest.approx(0.7241, abs=5e-5)
    cu = ua.cu_alpha(data)
    assert cu.value == pytest.approx(1.0) and cu.coverage == pytest.approx(0.45)
    same = ua.coincidences(20, [coders[0], coders[0]])
    assert ua.u_alpha(same) == 1.0 and ua.u_alpha_binary(20, [coders[0], coders[0]]) == 1.0
    swapped = ua.coincidences(20, [coders[0], [(2, 8, "B"), (12, 16, "A")]])
    assert ua.cu_alpha(swapped).value < 0  # same stretches, opposite values
    with pytest.raises(ua.OverlapError):
        ua.coincidences(20, [[(2, 8, "A"), (5, 9, "B")], []])
    # for a single value, |u-alpha and u-alpha are the same number
    single = [[(2, 8, 1)], [(3, 9, 1), (12, 14, 1)]]
    assert ua.u_alpha(ua.coincidences(20, single)) == pytest.approx(ua.u_alpha_binary(20, single))


def test_observed_coincidences_against_a_character_count():
    """l_ck from the sweep equals counting every character of every ordered coder pair."""
    rng = random.Random(3)
    for _ in range(30):
        length, m = rng.randint(20, 60), rng.randint(2, 4)
        coders = []
        for _ in range(m):
            cuts = sorted(rng.sample(range(1, length), 6))
            coders.append([(a, b, rng.choice("XY")) for a, b in zip(cuts[::2], cuts[1::2]) if rng.random() < 0.8])
        data = ua.coincidences(length, coders)
        labels = [[None] * length for _ in coders]
        for i, segments in enumerate(coders):
            for a, b, v in segments:
                for pos in range(a, b):
                    labels[i][pos] = v
        naive: Counter = Counter()
        for i in range(m):
            for j in range(m):
                if i != j:
                    for pos in range(length):
                        naive[(labels[i][pos], labels[j][pos])] += 1 / (m - 1)
        assert {k: round(v, 9) for k, v in data.l.items() if v} == {k: round(v, 9) for k, v in naive.items() if v}


TEXT = (
    "Interviewer: Why partner?\n\n"
    "Carol: We had no time. Nobody had time. The grant ended. We trusted them anyway. "
    "Dr. Reyes said so. It was hard!\n\n"
    "Interviewer: And then?\n\n"
    "Carol: Then we met again. We talked. It got better.\n"
)


@pytest.fixture
def project(store, tmp_path, codebook_path):
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.txt"
        path.write_text(TEXT + f"Interviewer: Thanks, {name}.\n")
        import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    return store


def test_sentences_are_the_readers(project):
    for transcript in project.transcripts():
        text = project.transcript_text(transcript.id)
        doc = load_document(project, transcript.id)
        assert units_for("sentence", text, project.turns(transcript.id), set(), transcript.checksum) == doc.sentences
        assert "Dr. Reyes said so." in [text[a:b] for a, b in doc.sentences]


def _random_coding(store, seed: int, coders=("maria", "james", "lee")) -> None:
    rng = random.Random(seed)
    codes = [c for c in store.codes(counts=False)][:6]
    for transcript in store.transcripts():
        length = len(store.transcript_text(transcript.id))
        for coder in coders:
            if transcript.title == "c" and coder == "lee":
                continue  # a missing coder
            for _ in range(rng.randint(2, 7)):
                start = rng.randrange(0, length - 5)
                end = min(length, start + rng.randint(1, 60))
                try:
                    add_segment(
                        store,
                        transcript_id=transcript.id,
                        code_id=rng.choice(codes).id,
                        coder=coder,
                        start=start,
                        end=end,
                    )
                except Exception:  # noqa: BLE001 - an identical random segment twice
                    pass


@pytest.mark.parametrize(
    "unit,overlap",
    [
        ("sentence", "half"),
        ("sentence", "any"),
        ("sentence", "all"),
        ("turn", "any"),
        ("turn", "half"),
        ("character", "half"),
    ],
)
def test_tallies_against_a_naive_count(project, unit, overlap):
    """Every unit's values recomputed unit by unit with ``carries`` (the direct definition)."""
    _random_coding(project, seed=len(unit) * 7 + len(overlap))
    coders = ["maria", "james", "lee"]
    report = compute_agreement(project, AgreementSpec(coders=coders, unit=unit, overlap=overlap))
    paths = {c.id: c.path for c in project.codes(counts=False)}
    tallies: dict[str, Counter] = defaultdict(Counter)
    for transcript in project.transcripts():
        segments = project.segments(transcript_id=transcript.id)
        present = {s.coder for s in segments}
        text = project.transcript_text(transcript.id)
        boundaries = {p for s in segments for p in (s.start, s.end)}
        units = units_for(unit, text, project.turns(transcript.id), boundaries)
        for key in paths.values():
            for u in units:
                values = tuple(
                    (
                        1
                        if carries(
                            u,
                            sorted((s.start, s.end) for s in segments if s.coder == c and paths[s.code_id] == key),
                            overlap,
                        )
                        else 0
                    )
                    if c in present
                    else None
                    for c in coders
                )
                tallies[key][values] += (u[1] - u[0]) if unit == "character" else 1
    for code in report.codes:
        units = [stats.Unit(v, w) for v, w in tallies[code.code].items()]
        assert code.units == sum(u.weight for u in units)
        assert code.krippendorff_alpha == stats.krippendorff_alpha(units) or code.krippendorff_alpha == pytest.approx(
            stats.krippendorff_alpha(units)
        )
        assert code.percent_agreement == pytest.approx(stats.percent_agreement(units))
        assert code.gwet_ac1 == pytest.approx(stats.gwet_ac1(units, (0, 1)))
        assert code.fleiss_kappa == stats.fleiss_kappa(units, (0, 1)) or code.fleiss_kappa == pytest.approx(
            stats.fleiss_kappa(units, (0, 1))
        )


def test_continuum_through_the_cli(project):
    code = lambda t, path, coder, quote: add_segment(  # noqa: E731
        project,
        transcript_id=t,
        code_id=resolve_code(project, path).id,
        coder=coder,
        start=project.transcript_text(t).index(quote),
        end=project.transcript_text(t).index(quote) + len(quote),
    )
    code(1, "Barriers/Time", "maria", "We had no time.")
    code(1, "Barriers/Time", "james", "We had no time. Nobody had time.")
    code(1, "Accountability mechanisms/Trust", "maria", "We trusted them anyway.")
    code(1, "Accountability mechanisms/Trust", "james", "We trusted them anyway.")
    code(2, "Barriers/Time", "maria", "Nobody had time.")  # transcript b: james coded nothing
    run = lambda *a: CliRunner().invoke(cli, ["--project", str(project.path), *a], obj={})  # noqa: E731
    result = run("agreement", "--coders", "maria,james", "--unit", "continuum", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unit"] == "continuum" and data["transcripts"] == ["a"]
    by_code = {c["code"]: c for c in data["codes"]}
    time, trust = by_code["Barriers/Time"], by_code["Accountability mechanisms/Trust"]
    for key in ("alpha_u", "alpha_u_binary", "c_alpha_u", "C_alpha_u", "percent_agreement", "krippendorff_alpha"):
        assert key in time
    assert trust["alpha_u"] == 1.0 and trust["alpha_u_binary"] == 1.0
    text = project.transcript_text(1)
    maria = [(text.index("We had no time."), text.index("We had no time.") + 15)]
    james = [(maria[0][0], text.index("Nobody had time.") + 16)]
    assert time["alpha_u"] == pytest.approx(ua.alpha_u(len(text), [maria, james]), abs=5e-5)
    assert time["undefined"] == {}
    assert by_code["Barriers/Lack of buy-in"]["alpha_u"] is None
    assert by_code["Barriers/Lack of buy-in"]["undefined"]["alpha_u"] == "nobody_coded_it"
    themes = {t["code"]: t for t in data["themes"]}
    assert themes["Barriers"]["c_alpha_u"] is None  # one value used: no variation in the values
    assert data["overall"]["C_alpha_u"] == 1.0  # Barriers vs Accountability: both coders agree where both coded
    table = run("agreement", "--coders", "maria,james", "--unit", "continuum")
    assert "alpha_u" in table.output and "By theme" in table.output


def test_agreement_does_not_load_spacy(project, tmp_path):
    """Sentence units come from the reader's splitter: no spaCy import on an agreement run."""
    _random_coding(project, seed=1)
    code = (
        "import sys; from workbench.store import Store; "
        "from workbench.agreement.compute import AgreementSpec, compute_agreement; "
        f"s = Store.open({str(project.path)!r}); "
        "compute_agreement(s, AgreementSpec(coders=['maria', 'james'])); "
        "print('spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
