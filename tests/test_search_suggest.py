"""Search over all transcripts, coding hits, and suggestions (codebook and learned)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.project import import_codebook, import_transcripts
from workbench.search import code_hits, search
from workbench.store import Store
from workbench import classifier, suggest as sg

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

TEXTS = {
    "Riverbend/rb-01.txt": (
        "---\nparticipant: RB-01\nrole: administrator\n---\n"
        "Interviewer: What gets in the way?\n\n"
        "Carol: There is no time. The partners meet weekly. Partnering took years. "
        "We faxed everything to the pantry.\n"
    ),
    "Harborview/hv-01.txt": (
        "---\nparticipant: HV-01\nrole: clinician\n---\n"
        "Interviewer: And trust?\n\n"
        "Dr. Natarajan: We trusted them. The partnership has a dashboard and a parntership charter.\n"
    ),
}


@pytest.fixture
def project(store, tmp_path, codebook_path):
    for name, text in TEXTS.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    import_transcripts(store, [tmp_path / "Riverbend", tmp_path / "Harborview"])
    import_codebook(store, codebook_path)
    return store


def test_stemming_phrases_prefixes_and_booleans(project):
    texts = lambda hits: sorted(project.transcript_text(h.transcript_id)[h.start : h.end] for h in hits)
    assert texts(search(project, "partner")) == ["Partnering", "partners"]
    assert texts(search(project, '"meet weekly"')) == ["meet weekly"]
    assert texts(search(project, "fax*")) == ["faxed"]
    assert len(search(project, "trust AND dashboard")) == 2  # "trusted" and "dashboard" in one turn
    assert [h.speaker for h in search(project, "trust NOT dashboard")] == ["Interviewer"]


def test_filters_and_fuzzy(project):
    assert {h.site for h in search(project, "partner OR partnership")} == {"Riverbend", "Harborview"}
    assert {h.site for h in search(project, "partnership", sites=["Harborview"])} == {"Harborview"}
    assert [h.speaker for h in search(project, "time", speakers=["carol"])] == ["Carol"]
    assert search(project, "time", roles=["clinician"]) == []
    assert len(search(project, "partnership")) == 1
    assert len(search(project, "partnership", fuzzy=True)) == 2  # "parntership" too


def test_bad_query_is_a_clear_error(project):
    with pytest.raises(WorkbenchError, match="cannot be read"):
        search(project, 'AND "')


def test_code_all_hits_codes_sentences_once(project):
    hits = search(project, "partner OR partnership OR weekly")
    added = code_hits(project, hits, "Shared learning journey/Frequent interactions", coder="maria")
    texts = sorted(s.text for s in project.segments())
    assert added == 3 and "The partners meet weekly." in texts
    assert code_hits(project, hits, "Shared learning journey/Frequent interactions", coder="maria") == 0
    coded = search(project, "partner", code="Shared learning journey")
    assert len(coded) == 2


def test_codebook_suggestions_keywords_and_patterns(project):
    found = sg.suggestions(project, 1, "maria", sources=("keyword", "pattern"))
    by_code = {(s.code, s.source) for s in found}
    assert ("Barriers/Time", "pattern") in by_code  # "no time"
    assert ("Shared learning journey/Frequent interactions", "keyword") in by_code  # "weekly"
    assert ("Barriers/Technical capacity", "pattern") in by_code  # "faxed"
    trust = sg.suggestions(project, 2, "maria", sources=("pattern",))
    assert [s.code for s in trust] == ["Accountability mechanisms/Trust"]
    accepted = sg.accept(project, trust[0], "maria")
    assert accepted.origin == "suggested" and "pattern" in accepted.memo
    assert sg.suggestions(project, 2, "maria", sources=("pattern",)) == []  # now coded
    time = next(s for s in found if s.code == "Barriers/Time")
    sg.reject(project, time, "maria")
    again = sg.suggestions(project, 1, "maria", sources=("keyword", "pattern"))
    assert not any(s.code == "Barriers/Time" and s.start == time.start for s in again)  # rejections stick


@pytest.mark.slow  # about a minute: trains the text classifier on real coding
def test_learned_suggestions_on_real_coding(real, tmp_path):
    """Train on some SERDIF participants, evaluate on others: honest precision and recall."""
    import csv

    coded = real / "coded/serdif_taguette"
    with (coded / "gold_segments_derived.csv").open(encoding="utf-8") as fh:
        pairs = sorted({(r["document"], r["participant"]) for r in csv.DictReader(fh)})
    meta = tmp_path / "meta.csv"
    meta.write_text("file,participant\n" + "".join(f"{d},{p}\n" for d, p in pairs))
    store = Store.open(tmp_path / "serdif.db", create=True)
    import_transcripts(store, sorted((real / "transcripts/serdif_usability").glob("P*.txt")), metadata=meta)
    from workbench.codings import import_codings

    import_codings(store, coded / "gold_segments_derived.csv", coder="serdif", create_codes=True)
    ids = {t.participant: t.id for t in store.transcripts()}
    test = [ids[p] for p in ("P3", "P7", "P11", "P14", "P17")]
    details = classifier.train_and_store(store, test_ids=test)
    overall = details.evaluation["(all codes, micro-averaged)"]
    assert details.test_transcripts == 5 and len(details.labels) == 22
    assert overall.precision > 0.4 and 0.05 < overall.recall < 0.6
    proposals = classifier.learned_suggestions(store, test[0])
    assert proposals and all(p.source == "learned" and p.score >= details.threshold for p in proposals)
    store.close()


def test_cli_search_and_suggest(project):
    run = lambda *a: CliRunner().invoke(cli, ["--project", str(project.path), *a], obj={})
    data = json.loads(run("search", "partner", "--format", "json").output)
    assert len(data) == 2 and {"transcript", "speaker", "context", "start", "end"} <= set(data[0])
    result = run("search", "partner", "--apply", "Motivations to partner", "--pick", "1", "--coder", "maria")
    assert "1 sentences coded" in result.output
    listing = json.loads(run("suggest", "rb-01", "--format", "json", "--coder", "james").output)
    assert any(s["source"] == "pattern" for s in listing)
    assert (
        "1 accepted, 1 rejected" in run("suggest", "rb-01", "--accept", "1", "--reject", "2", "--coder", "james").output
    )
