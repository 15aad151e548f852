"""Every number a researcher could publish from the matrix family, checked against independent
counts: pooled coding without the consensus, a code with exactly its sub-codes, segments credited
to the speaker whose turn they are in, numbers printed as counts or shares, no silent search cap."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

from workbench import reconcile
from workbench.analysis.frame import Selection
from workbench.analysis.frequencies import cooccurrence, frequencies
from workbench.analysis.matrix import MatrixSpec, build_matrix
from workbench.cli import cli
from workbench.coding import add_segment, create_code, list_segments, resolve_code, resolve_transcript
from workbench.project import import_transcripts
from workbench.sample import build_demo
from workbench.search import code_hits, search
from workbench.store import Store

from conftest import SHARED_FIXTURES
from pilot import work_done

pytestmark = pytest.mark.both_engines  # `demo` and `store`: a project file, then a team database

ZOOM = SHARED_FIXTURES / "real/transcripts/zoom_workshop/GMT20240124-202901_Recording.transcript.vtt"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The sample study, built once and closed (tests work on copies)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store.open(path, create=True)
    build_demo(store)
    store.close()
    return path


@pytest.fixture
def demo(built_project):
    """A copy of the sample study: a file, then (both_engines) a team database."""
    store = Store.open(built_project("demo", build_demo))
    yield store
    store.close()


def invoke(project, *args):
    result = CliRunner().invoke(cli, ["--project", str(project), *args], obj={})
    assert result.exit_code == 0, result.output
    return result.output


def cells(matrix):
    return {(r, c): matrix.value(r, c) for r in matrix.rows for c in matrix.columns}


# -- 1. pooled coding never includes the consensus ------------------------------------------------


def test_reconciling_changes_no_pooled_count(demo):
    """Found in the demo: after reconciling two decisions, Harborview x Motivations went from 9 to 11."""
    spec = MatrixSpec()
    before = cells(build_matrix(demo, spec))
    freq_before = frequencies(demo).to_dict()
    co_before = cooccurrence(demo).to_dict()
    found = reconcile.find_disagreements(demo, ["james", "maria"])
    made = []
    for disagreement in found[:2]:
        made += reconcile.decide(demo, disagreement, "james")
    assert made, "the decisions made consensus segments"
    assert cells(build_matrix(demo, spec)) == before
    assert frequencies(demo).to_dict() == freq_before
    assert cooccurrence(demo).to_dict() == co_before
    assert "consensus" not in build_matrix(demo, MatrixSpec(rows="coder")).rows
    consensus = build_matrix(demo, MatrixSpec(selection=Selection(origin="consensus")))
    assert sum(consensus.segment_counts.values()) == len(made)
    out = invoke(demo.path, "matrix", "--consensus", "--format", "csv")
    assert sum(int(v) for line in out.splitlines()[1:] for v in line.split(",")[1:]) == len(made)


def test_one_rule_for_all_coders():
    from workbench.coders import pooled_coders

    assert pooled_coders(["james", "consensus", "maria"]) == ["james", "maria"]


def test_coders_and_consensus_together_is_an_error(demo):
    result = CliRunner().invoke(cli, ["--project", str(demo.path), "matrix", "--coder", "maria", "--consensus"], obj={})
    assert result.exit_code == 1 and "either coders or the consensus" in result.output


# -- 2. a code includes exactly its sub-codes ---------------------------------------------------------


def test_code_filter_takes_no_sibling_with_the_same_prefix(demo):
    """Found: --code Barriers/Time added a phantom Barriers/Timeline column."""
    timeline = create_code(demo, "Barriers/Timeline")
    transcript = demo.transcripts()[0]
    add_segment(demo, transcript_id=transcript.id, code_id=timeline.id, coder="maria", start=0, end=20)
    time_id = resolve_code(demo, "Barriers/Time").id
    expected = sum(1 for s in list_segments(demo) if s.code_id == time_id and s.coder != "consensus")
    matrix = build_matrix(demo, MatrixSpec(columns="code", selection=Selection(codes=["Barriers/Time"])))
    assert matrix.columns == ["Barriers/Time"]
    assert sum(matrix.segment_counts.values()) == expected
    table = frequencies(demo, Selection(codes=["Barriers/Time"]))
    assert int(table["segments"].sum()) == expected
    theme = build_matrix(demo, MatrixSpec(selection=Selection(codes=["Barriers"])))
    assert sum(theme.segment_counts.values()) == sum(1 for s in list_segments(demo) if s.code.startswith("Barriers"))


def test_unknown_code_is_an_error_not_an_empty_table(demo):
    result = CliRunner().invoke(cli, ["--project", str(demo.path), "matrix", "--code", "Barriers/Tim"], obj={})
    assert result.exit_code == 1 and "no code" in result.output


# -- 3. speakers as cases ------------------------------------------------------------------------------


def naive_participant_counts(store):
    """Segments per (participant, code) where each interview has one participant: by hand."""
    links = {}
    for link in store.transcript_participant_links():
        links.setdefault(link.transcript_id, []).append(link.label)
    counts = Counter()
    for segment in list_segments(store):
        if segment.coder == "consensus":
            continue
        (person,) = links[segment.transcript_id]
        counts[(person, segment.code)] += 1
    return counts


def test_sample_study_by_participant_is_unchanged(demo):
    """One participant per interview plus an interviewer: every segment is that participant's."""
    matrix = build_matrix(demo, MatrixSpec(rows="participant", columns="code"))
    got = Counter({k: v for k, v in matrix.segment_counts.items() if v})
    assert got == naive_participant_counts(demo)
    from workbench.cases import list_speakers

    interviewers = {s.speaker for s in list_speakers(demo) if s.role == "interviewer"}
    assert "Interviewer" in interviewers


def test_migration_maps_speakers_of_an_existing_project(demo_file, tmp_path):
    """A project made before speakers were stored gets them from the migration, same counts."""
    from workbench.store.sqlite.opening import _statements
    from workbench.store.sqlite.schema import MIGRATIONS

    migration = next(m for m in MIGRATIONS if "CREATE TABLE speakers" in m)
    path = tmp_path / "old.db"
    shutil.copy(demo_file, path)
    store = Store.open(path)
    before = build_matrix(store, MatrixSpec(rows="participant", columns="code")).segment_counts
    with store.transaction() as conn:  # the project as it was before the speakers migration, then migrated
        conn.execute("DROP TABLE speakers")
        for statement in _statements(migration):
            conn.execute(statement)
    store.close()
    store = Store.open(path)
    try:
        assert store.speaker_map(), "the migration filled in the speakers"
        assert build_matrix(store, MatrixSpec(rows="participant", columns="code")).segment_counts == before
    finally:
        store.close()


@pytest.fixture
def zoom(tmp_path):
    if not ZOOM.is_file():
        pytest.skip("../shared/fixtures is absent (real-data fixtures are not part of the clone)")
    store = Store.open(tmp_path / "zoom.db", create=True)
    (result,) = import_transcripts(store, [ZOOM])
    assert result.status == "imported"
    create_code(store, "Talk")
    yield store, result.transcript_id
    store.close()


def test_focus_group_segments_go_to_each_speaker(zoom):
    """The Zoom workshop (several named speakers): each speaker's row holds their own segments."""
    store, transcript_id = zoom
    code = resolve_code(store, "Talk").id
    turns = store.turns(transcript_id)
    expected = Counter()
    for turn in turns:
        add_segment(store, transcript_id=transcript_id, code_id=code, coder="a", start=turn.start, end=turn.end)
        expected[turn.speaker or "(none)"] += 1
    matrix = build_matrix(store, MatrixSpec(rows="participant"))
    got = {row: matrix.value(row, "Talk") for row in matrix.rows}
    assert got == dict(expected)
    assert {"Conor Healy", "Srijani Ghosh", "Dr. Melissa Ko"} <= set(got)
    participants = build_matrix(store, MatrixSpec(rows="site", value="participants"))
    assert participants.value("zoom_workshop", "Talk") == len([s for s in expected if s != "(none)"])


def test_a_segment_across_two_turns_counts_once_for_each_speaker(zoom):
    store, transcript_id = zoom
    code = resolve_code(store, "Talk").id
    turns = store.turns(transcript_id)
    i = next(
        i
        for i in range(len(turns) - 1)
        if turns[i].speaker and turns[i + 1].speaker and turns[i].speaker != turns[i + 1].speaker
    )
    a, b = turns[i], turns[i + 1]
    add_segment(store, transcript_id=transcript_id, code_id=code, coder="a", start=a.end - 5, end=b.start + 5)
    by_person = build_matrix(store, MatrixSpec(rows="participant"))
    assert by_person.value(a.speaker, "Talk") == 1 and by_person.value(b.speaker, "Talk") == 1
    assert build_matrix(store, MatrixSpec(rows="site")).value("zoom_workshop", "Talk") == 1


def test_speakers_command_maps_marks_and_merges(zoom, tmp_path):
    store, transcript_id = zoom
    code = resolve_code(store, "Talk").id
    turns = store.turns(transcript_id)
    for turn in turns:
        add_segment(store, transcript_id=transcript_id, code_id=code, coder="a", start=turn.start, end=turn.end)
    out = invoke(store.path, "speakers", str(transcript_id))
    assert "Conor Healy" in out and "Dr. Melissa Ko" in out
    ko = sum(1 for t in turns if t.speaker == "Dr. Melissa Ko")
    invoke(store.path, "speakers", "map", str(transcript_id), "Dr. Melissa Ko", "--interviewer")
    matrix = build_matrix(store, MatrixSpec(rows="participant"))
    assert "Dr. Melissa Ko" not in matrix.rows  # an interviewer is not a participant
    assert matrix.value("(none)", "Talk") == ko + sum(1 for t in turns if not t.speaker)
    # The same person under two names: map both to one participant.
    invoke(store.path, "speakers", "map", str(transcript_id), "Srijani Ghosh", "Conor Healy")
    merged = build_matrix(store, MatrixSpec(rows="participant"))
    assert "Srijani Ghosh" not in merged.rows
    assert merged.value("Conor Healy", "Talk") == sum(1 for t in turns if t.speaker in ("Conor Healy", "Srijani Ghosh"))
    bad = CliRunner().invoke(
        cli, ["--project", str(store.path), "speakers", "map", str(transcript_id), "Nobody", "X"], obj={}
    )
    assert bad.exit_code == 1 and "no speaker 'Nobody'" in bad.output


def test_front_matter_maps_speakers(tmp_path):
    text = (
        "---\nsite: North\nparticipants: [N-1, N-2]\nspeakers:\n  Ann: N-1\n  Bo: N-2\n  Mod: interviewer\n---\n"
        "Mod: What brought you here?\n\nAnn: The budget did.\n\nBo: For me it was the people.\n"
    )
    (tmp_path / "fg.txt").write_text(text, encoding="utf-8")
    store = Store.open(tmp_path / "p.db", create=True)
    try:
        (result,) = import_transcripts(store, [tmp_path / "fg.txt"])
        assert result.status == "imported" and not result.warnings
        code = create_code(store, "Why").id
        t = resolve_transcript(store, "fg").id
        body = store.transcript_text(t)
        for word in ("budget", "people"):
            start = body.index(word)
            add_segment(store, transcript_id=t, code_id=code, coder="a", start=start, end=start + len(word))
        matrix = build_matrix(store, MatrixSpec(rows="participant"))
        assert matrix.value("N-1", "Why") == 1 and matrix.value("N-2", "Why") == 1
        assert matrix.rows == ["N-1", "N-2"]
    finally:
        store.close()


# -- 4. numbers print as counts and shares ----------------------------------------------------------


def test_markdown_and_html_print_counts_as_integers_and_shares_as_percentages(demo, tmp_path):
    """Found: frequencies in Markdown printed 1 segment as 100% and 21 segments as 21.00."""
    out = invoke(demo.path, "frequencies", "--format", "md")
    table = frequencies(demo)
    for code, row in table.iterrows():
        line = next(line for line in out.splitlines() if line.startswith(f"| {code} |"))
        cells_ = [c.strip() for c in line.strip("|").split("|")]
        assert cells_[1:5] == [str(int(row[k])) for k in ("segments", "transcripts", "participants", "coders")]
        assert cells_[5] == f"{row['share_of_transcripts']:.0%}"
    assert ".00" not in out
    invoke(demo.path, "frequencies", "--format", "html", "-o", str(tmp_path / "f.html"))
    html = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and ".00" not in html and "<td>100%</td>" not in html
    md = invoke(demo.path, "matrix", "--rows", "transcript", "--value", "transcripts", "--format", "md")
    assert "%" not in md and "| 1 |" in md
    share = invoke(demo.path, "matrix", "--rows", "role", "--value", "share", "--format", "md")
    assert "%" in share


def test_format_number():
    from workbench.export.tables import format_number

    assert format_number(1.0) == "1" and format_number(21.0) == "21" and format_number(1) == "1"
    assert format_number(0.5, share=True) == "50%" and format_number(1.0, share=True) == "100%"
    assert format_number(float("nan")) == "–" and format_number(None, share=True) == "–"


# -- 5. search has no silent cap --------------------------------------------------------------------


def test_search_reports_every_hit_and_apply_codes_them_all(tmp_path):
    """Found: search stopped at 1,000 hits and --apply coded only those."""
    lines = [f"P1: Sentence {i} is about the budget." for i in range(1200)]
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "long.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    store = Store.open(tmp_path / "p.db", create=True)
    try:
        import_transcripts(store, [tmp_path / "site" / "long.txt"])
        create_code(store, "Money")
        hits = search(store, "budget")
        assert len(hits) == hits.total == 1200
        first = search(store, "budget", limit=1000)
        assert len(first) == 1000 and first.total == 1200 and first.cut
        assert code_hits(store, hits, "Money", coder="a") == 1200
    finally:
        store.close()
    result = CliRunner().invoke(
        cli, ["--project", str(tmp_path / "p.db"), "search", "budget", "--limit", "1000"], obj={}
    )
    assert result.exit_code == 0 and "first 1,000 of 1,200 hits" in result.output


# -- 7. a count-only matrix reads no text --------------------------------------------------------------


def test_count_only_matrix_reads_no_text_and_no_pandas(demo):
    import subprocess
    import sys

    # pandas and numpy cannot be imported at all in this process (a library that only tries them
    # carries on): the count-only matrix must not need them.
    code = (
        "import sys\n"
        "sys.modules['pandas'] = sys.modules['numpy'] = None\n"
        "from workbench.cli import main\n"
        f"sys.argv = ['workbench', '--project', {str(demo.path)!r}, 'matrix', '--rows', 'participant']\n"
        "main()\n"
    )
    demo.close()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HV-01" in done.stdout
    matrix = build_matrix(Store.open(demo.path), MatrixSpec(), detail=False)
    with pytest.raises(Exception, match="without its segments"):
        matrix.frame  # noqa: B018


# -- the matrix screen pools the coders without the consensus --------------------------------------


def test_matrix_screen_pools_without_the_consensus(tmp_path, codebook_path):
    import asyncio

    from workbench.project import import_codebook
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.matrix import MatrixScreen

    (tmp_path / "North").mkdir()
    (tmp_path / "North" / "n1.txt").write_text(
        "---\nparticipant: N-1\n---\nInterviewer: Why?\n\nN-1: Because the budget ran out in the spring.\n",
        encoding="utf-8",
    )
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    import_transcripts(store, [tmp_path / "North" / "n1.txt"])
    import_codebook(store, codebook_path)
    code = resolve_code(store, "Barriers/Time").id
    for coder in ("maria", "consensus"):
        add_segment(store, transcript_id=1, code_id=code, coder=coder, start=30, end=50)
    store.close()

    async def scenario():
        app = WorkbenchApp(path, "maria")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await work_done(app)
            await pilot.press("m")
            await pilot.pause()
            await work_done(app)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MatrixScreen)
            assert screen.matrix.value("North", "Barriers") == 1  # maria only, not maria + consensus
            assert screen.coders[-1] == "consensus"
            for _ in range(len(screen.coders) - 1):  # cycle to the consensus, the last choice
                await pilot.press("o")
                await pilot.pause()
                await work_done(app)
                await pilot.pause()
            assert "consensus coding" in screen.matrix.title
            assert screen.matrix.value("North", "Barriers") == 1

    asyncio.run(scenario())


def test_transcripts_without_stored_speakers_are_credited_by_name():
    """A transcript merged in from another project has no speakers stored until they are mapped:
    a speaker named like one of its participants is that participant, the rest nobody's."""
    from workbench.cases import Attribution

    turns = [(1, 0, 10, "Mod"), (1, 10, 20, "Ann"), (1, 20, 30, "bo"), (2, 0, 10, "Interviewer"), (2, 10, 30, "X")]
    who = Attribution(turns, [], {1: ["Ann", "Bo"], 2: ["P2"]})
    assert who.credit(1, 12, 25) == ("Ann", "Bo")
    assert who.credit(1, 0, 5) == ()
    assert who.credit(2, 0, 5) == ("P2",)  # an interview: its one participant
    stored = Attribution(turns, [(1, "Ann", "Ann", "participant"), (1, "bo", None, "participant")], {1: ["Ann", "Bo"]})
    assert stored.credit(1, 12, 25) == ("Ann",)  # stored speakers decide: bo is not mapped
