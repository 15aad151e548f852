"""What the coding screen moves through, below the screen: sentences, search, wrapping."""

from __future__ import annotations

import pytest

from workbench.coding import add_segment, create_code, create_in_vivo_code, in_vivo_name
from workbench.errors import WorkbenchError
from workbench.project import import_codebook, import_transcripts, list_transcripts
from workbench.reading import load_document, next_uncoded, search_hits, split_sentences
from workbench.tui.widgets.transcript_view import snap_to_words, wrap

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


def test_sentences_respect_abbreviations_and_turns():
    text = "Hi, Mrs. Smith. I am Dr. Fields. Okay? Yes!\n\nNext para"
    assert [text[a:b] for a, b in split_sentences(text, [])] == [
        "Hi, Mrs. Smith.",
        "I am Dr. Fields.",
        "Okay?",
        "Yes!",
        "Next para",
    ]
    turns = [{"start": 0, "end": 15}, {"start": 16, "end": 32}]
    assert [text[a:b] for a, b in split_sentences(text, turns)] == ["Hi, Mrs. Smith.", "I am Dr. Fields."]


def test_search_hits_are_case_and_space_insensitive():
    text = "The Grant ended.\nThe grant\n ended again."
    assert search_hits(text, "grant ended") == [(4, 15), (21, 33)]
    assert search_hits(text, "  ") == []


def test_wrap_and_word_snapping():
    text = "Hello world this is a test\n\nSecond"
    spans = wrap(text, 0, len(text), 12)
    assert [text[a:b] for a, b in spans] == ["Hello world ", "this is a ", "test", "", "Second"]
    long = "x" * 30
    assert [b - a for a, b in wrap(long, 0, 30, 12)] == [12, 12, 6]
    assert snap_to_words("hello there world", 8, 9) == (6, 11)


@pytest.fixture
def project(store, tmp_path, codebook_path):
    path = tmp_path / "a.txt"
    path.write_text("Interviewer: One? Two.\n\nCarol: Three. Four. Five.\n")
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    return store


def test_next_uncoded_and_share_coded(project):
    doc = load_document(project, 1, "maria")
    three = doc.sentences[2]
    add_segment(project, transcript_id=1, code_id=project.codes()[1].id, coder="maria", start=three[0], end=three[1])
    add_segment(
        project, transcript_id=1, code_id=project.codes()[2].id, coder="maria", start=three[0], end=three[1] + 6
    )
    add_segment(project, transcript_id=1, code_id=project.codes()[3].id, coder="james", start=0, end=4)
    doc = load_document(project, 1, "maria")
    assert [doc.text[a:b] for a, b in [next_uncoded(doc, doc.sentences[1][0])]] == ["Five."]
    row = list_transcripts(project)[0]
    covered = (three[1] + 6 - three[0]) + 4  # the union of the overlapping segments, plus james's
    assert row.coded == round(covered / len(doc.text), 4)


def test_create_codes_while_coding(project):
    code = create_code(project, "Barriers/Parking", coder="maria")
    assert code.path == "Barriers/Parking" and code.colour == "#d62728"
    with pytest.raises(WorkbenchError, match="already exists"):
        create_code(project, "barriers/parking")
    with pytest.raises(WorkbenchError):
        create_code(project, "No such theme/Thing")
    vivo = create_in_vivo_code(project, "“We just trust they'll show up.”")
    assert vivo.path == "In vivo/We just trust they'll show up"
    assert in_vivo_name("word " * 40).endswith("…") and len(in_vivo_name("word " * 40)) <= 61
