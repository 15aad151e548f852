"""Plain-text transcripts: speaker label styles, front matter, encodings and refusals."""

from __future__ import annotations

import pytest

from workbench.errors import InputError
from workbench.ingest import read_transcript
from workbench.ingest.speakers import find_label


@pytest.mark.parametrize(
    "line, speaker, time",
    [
        ("Interviewer: So tell me", "Interviewer", None),
        ("INTERVIEWER: So tell me", "INTERVIEWER", None),
        ("DR. WHITAKER: Well", "DR. WHITAKER", None),
        ("[Erin] We started", "Erin", None),
        ("[Erin]: We started", "Erin", None),
        ("Rachel Stern (00:00:09): Sure", "Rachel Stern", 9.0),
        ("[00:01:02] Dr. Natarajan: Yes", "Dr. Natarajan", 62.0),
        ("00:01:02 Speaker 2: Yes", "Speaker 2", 62.0),
        ("**Interviewer:** hello", "Interviewer", None),
        ("I: And then?", "I", None),
        ("Dr. Melissa Ko: hi", "Dr. Melissa Ko", None),
    ],
)
def test_label_styles(line, speaker, time):
    label = find_label(line)
    assert label is not None and label.speaker == speaker and label.time == time


@pytest.mark.parametrize(
    "line",
    [
        "the thing is: nobody came",
        "[inaudible] and then",
        "[crosstalk]",
        "It was 10:30 when we met",
        "So here's what happened: we met",
        "",
    ],
)
def test_not_labels(line):
    assert find_label(line) is None


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def test_front_matter_and_turns(tmp_path):
    path = write(
        tmp_path,
        "a.txt",
        "---\nsite: Riverbend\nparticipant: RB-01\nrole: administrator\n"
        "date: 2025-03-14\n---\nInterviewer: How did it start?\n\nCarol: Well, um.\n\nIt was 2019.\n",
    )
    parsed = read_transcript(path)
    assert parsed.metadata["site"] == "Riverbend" and parsed.metadata["participant"] == "RB-01"
    assert [t.speaker for t in parsed.turns] == ["Interviewer", "Carol"]
    carol = parsed.turns[1]
    assert parsed.text[carol.start : carol.end] == "Well, um.\n\nIt was 2019."
    assert not parsed.text.startswith("---")


def test_bad_front_matter_names_the_line(tmp_path):
    path = write(tmp_path, "a.txt", "---\nsite: Riverbend\nrole: [unclosed\n---\nInterviewer: hi\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert "a.txt, line" in str(err.value) and "front matter" in str(err.value)


def test_crlf_bom_and_nfc(tmp_path):
    path = write(tmp_path, "a.txt", "\ufeffInterviewer: Cafe\u0301?\r\nJos\u00e9: S\u00ed.\r\n".encode("utf-8"))
    parsed = read_transcript(path)
    assert "\r" not in parsed.text and not parsed.text.startswith("\ufeff")
    assert "Caf\u00e9" in parsed.text and parsed.speakers == ["Interviewer", "Jos\u00e9"]


def test_legacy_encoding_is_detected(tmp_path):
    text = "Interviewer: Où est la pharmacie préférée des élèves?\n\nRosa: Près de l'école, à côté du marché.\n" * 5
    parsed = read_transcript(write(tmp_path, "a.txt", text, "cp1252"))
    assert "préférée" in parsed.text and parsed.speakers == ["Interviewer", "Rosa"]


def test_utf16_with_bom(tmp_path):
    parsed = read_transcript(write(tmp_path, "a.txt", "Interviewer: hello\nR: hi\n".encode("utf-16")))
    assert parsed.speakers == ["Interviewer", "R"]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 50, "binary"),
        (b"---\ntitle: x\n---\n\n", "no text"),
    ],
    ids=["empty", "png", "front-matter-only"],
)
def test_refusals(tmp_path, content, reason):
    with pytest.raises(InputError) as err:
        read_transcript(write(tmp_path, "bad.txt", content))
    assert reason in str(err.value) and "bad.txt" in str(err.value)


def test_oversized_file_refused(tmp_path, monkeypatch):
    import workbench.ingest.decode as decode

    monkeypatch.setattr(decode, "MAX_TEXT_BYTES", 100)
    with pytest.raises(InputError) as err:
        read_transcript(write(tmp_path, "big.txt", "Interviewer: " + "word " * 100))
    assert "limit" in str(err.value)


def test_unsupported_extension(tmp_path):
    with pytest.raises(InputError) as err:
        read_transcript(write(tmp_path, "a.pdf", b"%PDF-1.4"))
    assert "unsupported" in str(err.value) and ".docx" in str(err.value)


def test_usability_sessions_where_only_the_moderator_is_labelled(real):
    parsed = read_transcript(real / "transcripts/serdif_usability/P3_GMT20211125.txt")
    assert set(parsed.speakers) == {"Participant", "MODERATOR"}
    moderator = [t for t in parsed.turns if t.speaker == "MODERATOR"]
    assert parsed.text[moderator[0].start : moderator[0].end].startswith("It is weird because for me it is working")
    # Every MODERATOR turn is followed by the participant.
    for turn, nxt in zip(parsed.turns, parsed.turns[1:]):
        assert turn.speaker != nxt.speaker


def test_usability_location_line_is_speech_not_a_speaker(real):
    parsed = read_transcript(real / "transcripts/serdif_usability/P6_GMT20211126.txt")
    assert set(parsed.speakers) == {"Participant", "MODERATOR"}
    assert "Location: Cork." in parsed.text


def test_counselling_sessions(real):
    for path in sorted((real / "transcripts/annomi_counselling").glob("*.txt")):
        parsed = read_transcript(path)
        assert set(parsed.speakers) == {"Therapist", "Client"}, path.name
        assert all(t.start_time is not None for t in parsed.turns)


def test_zoom_chat_export(real):
    parsed = read_transcript(real / "transcripts/zoom_workshop/GMT20240124-202901_RecordingnewChat.txt")
    assert "Dr. Melissa Ko" in parsed.speakers and "\r" not in parsed.text
