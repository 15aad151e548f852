"""Pseudonymisation: candidates, the key, a pseudonymised project with every segment kept, verify."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench import pseudonymise as ps
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.sample import build_demo
from workbench.store import Store

# Gold set, listed by hand from two sample transcripts: every name of a person, a site or an
# organisation that a reader could use to find who spoke (places and dates are measured apart).
GOLD = {
    "hv-01-medical-director": {
        "person": ["Natarajan", "Marcus Bell", "Daniel Osei", "Joan Lassiter", "Denise Porter", "Priya"],
        "site": ["Harborview", "Northside", "Northside Neighbors Alliance", "Lakeshore", "Keystone", "Maple Street"],
        "organisation": ["Bayline", "Bayline Medical Pavilion"],
    },
    "nn-01-executive-director": {
        "person": [
            "Angela",
            "Brooks",
            "Marisol",
            "Gloria",
            "Gloria Estrada",
            "Rosa",
            "Luis",
            "Rachel Stern",
            "Jolene Haines",
            "Sam Whitaker",
            "Kevin",
        ],
        "site": ["Northside Neighbors Alliance", "Keystone", "Maple Street", "Riverbend", "Harborview"],
        "organisation": ["Grace Lutheran", "Alcott", "Bayline"],
    },
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pseudo") / "study.db"
    store = Store.open(path, create=True)
    try:
        build_demo(store)
    finally:
        store.close()
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), obj={})
    return result.exit_code, result.output


def _segments(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            'SELECT g.id, c.guid, k.name, g.origin, g.text, substr(t.text, g.start + 1, g."end" - g.start) '
            "FROM segments g JOIN codes c ON c.id = g.code_id JOIN coders k ON k.id = g.coder_id "
            "JOIN transcripts t ON t.id = g.transcript_id ORDER BY g.id"
        ).fetchall()
    finally:
        conn.close()


def test_recall_on_the_gold_set(sample: Path) -> None:
    store = Store.open(sample)
    try:
        found = ps.find_candidates(store)
        texts = {Path(r.source_name).stem: store.transcript_text(r.id) or "" for r in store.transcripts()}
    finally:
        store.close()
    key = ps.Key([ps.KeyEntry(c.term, c.category, c.pseudonym or "[X]", "accept") for c in found])
    matcher = ps.Matcher(key.entries)
    for stem, gold in GOLD.items():
        text = texts[stem]
        covered = [(s, e) for s, e, _ in matcher.find(text)]
        for category, names in gold.items():
            for name in names:
                spots = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
                assert spots, f"gold term {name!r} is not in {stem}"
                for spot in spots:  # every occurrence lies inside a replaced span
                    assert any(s <= spot and spot + len(name) <= e for s, e in covered), (
                        f"{category} {name!r} at {spot} of {stem} is missed"
                    )


def test_the_sample_study_pseudonymised_keeps_every_segment(sample: Path, tmp_path: Path) -> None:
    key = tmp_path / "key.yaml"
    code, out = _run("--project", str(sample), "pseudonymise", "--find", "--key", str(key), "--accept-known")
    assert code == 0, out
    text = key.read_text(encoding="utf-8")
    assert "status: proposed" in text and "status: accept" in text
    key.write_text(text.replace("status: proposed", "status: accept"), encoding="utf-8")
    before = sample.read_bytes()
    dest = tmp_path / "study-pseudonymised.db"
    code, out = _run("--project", str(sample), "pseudonymise", "--apply", "--key", str(key), "-o", str(dest))
    assert code == 0, out
    assert "Verified" in out
    assert sample.read_bytes() == before  # the original is never changed
    old, new = _segments(sample), _segments(dest)
    assert len(old) == len(new) == 509
    assert [(r[0], r[1], r[2], r[3]) for r in old] == [(r[0], r[1], r[2], r[3]) for r in new]
    assert all(r[4] == r[5] for r in new)  # each quote is its transcript's text at its offsets
    code, out = _run("pseudonymise", "--verify", str(key), str(dest))
    assert code == 0, out
    code, out = _run("--project", str(dest), "pseudonymise", "--verify", str(key))
    assert code == 0, out
    # Nothing identifying in the raw file either (search index and free pages included).
    raw = dest.read_bytes().decode("utf-8", "replace")
    for name in ("Natarajan", "Bayline", "Harborview", "Angela Brooks", "Hannah Reyes"):
        assert name not in raw
    # ... while the original still has them, and verify says so.
    code, out = _run("--project", str(sample), "pseudonymise", "--verify", str(key))
    assert code == 1 and "remain" in out
    # The same counts by code and coder in the matrix of both projects.
    _, m_old = _run("--project", str(sample), "frequencies", "--format", "csv")
    _, m_new = _run("--project", str(dest), "frequencies", "--format", "csv")
    assert [line.split(",")[1:] for line in m_old.splitlines()] == [line.split(",")[1:] for line in m_new.splitlines()]


@pytest.mark.both_engines
def test_exports_written_pseudonymised_from_the_original(built_project, tmp_path: Path) -> None:
    sample = built_project("demo", build_demo)  # a file, then a team database
    key = tmp_path / "key.csv"
    key.write_text(
        "term,category,pseudonym\nNatarajan,person,[Physician A]\nBayline,organisation,[Health System]\n",
        encoding="utf-8",
    )
    code, out = _run("--project", str(sample), "--pseudonymised", str(key), "segments", "--format", "csv")
    assert code == 0, out
    assert "Natarajan" not in out and "Bayline" not in out
    qdpx = tmp_path / "study.qdpx"
    code, out = _run("--project", str(sample), "--pseudonymised", str(key), "export", "qdpx", str(qdpx))
    assert code == 0, out
    import zipfile

    with zipfile.ZipFile(qdpx) as archive:
        content = " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    assert "[Physician A]" in content and "Natarajan" not in content
    code, out = _run("pseudonymise", "--verify", str(key), str(qdpx))
    assert code == 0, out
    code, out = _run("--project", str(sample), "segments", "--format", "csv")
    assert "Natarajan" in out or "Bayline" in out


def test_overlapping_terms_longest_wins_and_boundaries_reported(tmp_path: Path) -> None:
    key = ps.Key(
        [
            ps.KeyEntry("Bayline", "organisation", "[Org]", "accept"),
            ps.KeyEntry("Bayline Medical Pavilion", "location", "[Building]", "accept"),
            ps.KeyEntry("Dr. Natarajan", "person", "[Physician A]", "accept"),
            ps.KeyEntry("NATARAJAN", "person", "[Physician A]", "accept"),
        ]
    )
    text = "Dr. Natarajan works at the Bayline Medical Pavilion for Bayline. NATARAJAN: yes. Natarajanesque."
    matches = ps.Matcher(key.entries).find(text)
    assert [text[s:e] for s, e, _ in matches] == ["Dr. Natarajan", "Bayline Medical Pavilion", "Bayline", "NATARAJAN"]
    assert ps.replace_in(text, ps.Matcher(key.entries)).startswith("[Physician A] works at the [Building] for [Org].")


def test_bad_keys_get_clear_messages(sample: Path, tmp_path: Path) -> None:
    def key_file(name: str, body: str) -> Path:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    out_db = str(tmp_path / "out.db")
    cases = {
        "empty": (key_file("empty.yaml", ""), "empty"),
        "alias": (
            key_file("alias.yaml", "terms:\n - &a {term: X, category: name, pseudonym: '[A]'}\n - *a\n"),
            "alias",
        ),
        "no pseudonym": (
            key_file("nop.yaml", "terms:\n - {term: Bayline, category: organisation, status: accept}\n"),
            "no pseudonym",
        ),
        "self": (
            key_file(
                "self.yaml",
                "terms:\n - {term: Bayline, category: organisation, pseudonym: Harborview}\n"
                " - {term: Harborview, category: site, pseudonym: '[Site 1]'}\n",
            ),
            "itself a term",
        ),
        "other project": (
            key_file(
                "other.yaml",
                "project: '2001-01-01T00:00:00.000+00:00'\n"
                "terms:\n - {term: Bayline, category: org, pseudonym: '[O]'}\n",
            ),
            "another project",
        ),
        "duplicate": (
            key_file(
                "dup.yaml", "terms:\n - {term: Bayline, pseudonym: '[O]'}\n - {term: bayline, pseudonym: '[P]'}\n"
            ),
            "already entry 1",
        ),
        "nothing accepted": (
            key_file("none.yaml", "terms:\n - {term: Bayline, pseudonym: '[O]', status: reject}\n"),
            "accepts no term",
        ),
    }
    before = sample.read_bytes()
    for label, (path, message) in cases.items():
        code, out = _run("--project", str(sample), "pseudonymise", "--apply", "--key", str(path), "-o", out_db)
        assert code == 1, (label, out)
        assert message in out, (label, out)
        assert "Traceback" not in out and not Path(out_db).exists()
    assert sample.read_bytes() == before
    huge = tmp_path / "huge.csv"
    huge.write_text(
        "term,category,pseudonym\n" + "".join(f"t{i},name,[N]\n" for i in range(ps.MAX_TERMS + 1)), encoding="utf-8"
    )
    with pytest.raises(WorkbenchError, match="the limit is"):
        ps.load_key(huge)


def test_in_place_takes_a_backup_first(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    try:
        build_demo(store)
    finally:
        store.close()
    key = tmp_path / "k.csv"
    key.write_text("term,category,pseudonym\nNatarajan,person,[Physician A]\n", encoding="utf-8")
    code, out = _run("--project", str(path), "pseudonymise", "--apply", "--in-place", "--key", str(key))
    assert code == 0, out
    backups = list(tmp_path.glob("p.before-pseudonymisation-*.db"))
    assert len(backups) == 1
    assert b"Natarajan" in backups[0].read_bytes()
    code, out = _run("--project", str(path), "pseudonymise", "--verify", str(key))
    assert code == 0, out


@pytest.mark.slow
def test_named_ner_pipeline_adds_entities(tmp_path: Path) -> None:
    """The NER path, with a tiny pipeline trained here on generated sentences (nothing downloaded)."""
    import random

    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    ner.add_label("PERSON")
    ner.add_label("ORG")
    names, orgs = ["Zorblat", "Quimby", "Fennick", "Oddvar"], ["Trellisco", "Vantmore", "Glimmerworks"]
    rng = random.Random(1)
    data = []
    for _ in range(60):
        name, org = rng.choice(names), rng.choice(orgs)
        text = f"yesterday {name} went to {org} for the meeting"
        s1 = text.index(name)
        s2 = text.index(org)
        data.append((text, {"entities": [(s1, s1 + len(name), "PERSON"), (s2, s2 + len(org), "ORG")]}))
    optimizer = nlp.initialize(lambda: [Example.from_dict(nlp.make_doc(t), a) for t, a in data])
    for _ in range(15):
        rng.shuffle(data)
        for text, ann in data:
            nlp.update([Example.from_dict(nlp.make_doc(text), ann)], sgd=optimizer, drop=0.1)
    model = tmp_path / "tiny-ner"
    nlp.to_disk(model)
    project = tmp_path / "p.db"
    source = tmp_path / "site" / "i.txt"
    source.parent.mkdir()
    source.write_text(
        "Interviewer: who came?\n\nRespondent: yesterday Quimby went to Vantmore for the meeting\n", encoding="utf-8"
    )
    assert _run("--project", str(project), "import", str(source))[0] == 0
    code, out = _run(
        "--project", str(project), "pseudonymise", "--find", "--no-rules", "--model", str(model), "--format", "json"
    )
    assert code == 0, out
    import json

    rows, _ = json.JSONDecoder().raw_decode(out[out.index("[") :])
    found = {c["term"]: c for c in rows}
    assert found["Quimby"]["category"] == "person" and found["Quimby"]["source"] == "model: PERSON"
    assert found["Vantmore"]["category"] == "organisation"
    code, out = _run("--project", str(project), "pseudonymise", "--find", "--model", "no_such_pipeline_here")
    assert code == 1 and "not installed" in out


def test_transcript_edit_cli(sample: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy.db"
    shutil.copy(sample, copy)
    fixed = tmp_path / "fixed.txt"
    store = Store.open(copy)
    try:
        row = next(r for r in store.transcripts() if r.source_name == "hv-01-medical-director.txt")
        text = store.transcript_text(row.id) or ""
        segs = Counter(s.coder for s in store.segments(transcript_id=row.id))
    finally:
        store.close()
    fixed.write_text(text.replace("Chicago", "Boston"), encoding="utf-8")
    code, out = _run("--project", str(copy), "transcript", "edit", str(row.id), "--from-file", str(fixed))
    assert code == 0, out
    assert "characters replaced or added" in out
    store = Store.open(copy)
    try:
        assert Counter(s.coder for s in store.segments(transcript_id=row.id)) == segs
        assert "Boston" in (store.transcript_text(row.id) or "")
    finally:
        store.close()
    code, out = _run("--project", str(copy), "transcript", "undo-edit", str(row.id))
    assert code == 0, out
    code, out = _run(
        "--project", str(copy), "transcript", "replace", str(row.id), "--text", "no such words here", "--with", "x"
    )
    assert code == 1 and "Traceback" not in out


def test_refi_export_after_an_edit_and_after_pseudonymisation_validates_and_round_trips(
    sample: Path, tmp_path: Path, fixtures: Path
) -> None:
    import shutil
    import zipfile

    import xmlschema

    from workbench import transcript_edit
    from workbench.refi_import import import_qdpx
    from workbench.refi_export import export_qdpx

    copy = tmp_path / "edited.db"
    shutil.copy(sample, copy)
    key = tmp_path / "k.csv"
    key.write_text(
        "term,category,pseudonym\nNatarajan,person,[Physician A]\nBayline,organisation,[Health System]\n",
        encoding="utf-8",
    )
    store = Store.open(copy)
    try:
        tid = next(r.id for r in store.transcripts() if r.source_name == "hv-01-medical-director.txt")
        text = store.transcript_text(tid) or ""
        report = transcript_edit.edit_text(
            store, tid, text.replace("Chicago", "Boston").replace("sticky note", "yellow note"), coder="maria"
        )
        assert not report.unchanged
        ps.pseudonymise_store(store, ps.load_key(key), coder="maria")
        for name, project in (("after-edit", store),):
            out = tmp_path / f"{name}.qdpx"
            export_qdpx(project, out)
            (tmp_path / "project.qde").write_bytes(zipfile.ZipFile(out).read("project.qde"))
            xmlschema.XMLSchema(str(fixtures / "refi/Project.xsd")).validate(str(tmp_path / "project.qde"))
            other = Store.open(tmp_path / f"{name}-back.db", create=True)
            try:
                back = import_qdpx(other, out)
                assert not back.repairs
                quotes = lambda s: sorted(
                    (q.transcript, q.code_guid, q.coder, q.start, q.end, q.text) for q in s.segments()
                )
                assert quotes(other) == quotes(project)
                assert "Natarajan" not in str(quotes(other))
            finally:
                other.close()
    finally:
        store.close()
