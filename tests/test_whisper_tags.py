"""Whisper JSON transcripts, transcriber tags, and captions without speakers as paragraphs."""

from __future__ import annotations

import json

import pytest

from workbench.errors import InputError
from workbench.ingest import read_transcript
from workbench.ingest.captions import Cue, cues_to_transcript
from workbench.ingest.tags import transcriber_tags
from workbench.project import import_transcripts

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


def whisper_file(tmp_path, segments, name="session.json", **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"text": " ".join(s["text"] for s in segments), "segments": segments, **extra}))
    return path


def test_whisper_with_speakers(tmp_path):
    path = whisper_file(
        tmp_path,
        [
            {"id": 0, "start": 0.0, "end": 2.5, "text": " Why did you partner?", "speaker": "SPEAKER_00"},
            {"id": 1, "start": 2.9, "end": 6.0, "text": " Mostly time.", "speaker": "SPEAKER_01"},
            {
                "id": 2,
                "start": 6.0,
                "end": 9.2,
                "text": " And money.",
                "words": [{"word": "And", "speaker": "SPEAKER_01"}],
            },
            {"id": 3, "start": 9.5, "end": 11.0, "text": " Thank you.", "speaker": "SPEAKER_00"},
        ],
        language="en",
    )
    parsed = read_transcript(path)
    assert parsed.format == "whisper" and parsed.speakers == ["SPEAKER_00", "SPEAKER_01"]
    assert [(t.speaker, parsed.text[t.start : t.end], t.start_time, t.end_time) for t in parsed.turns] == [
        ("SPEAKER_00", "Why did you partner?", 0.0, 2.5),
        ("SPEAKER_01", "Mostly time. And money.", 2.9, 9.2),
        ("SPEAKER_00", "Thank you.", 9.5, 11.0),
    ]


def test_whisper_without_speakers_splits_at_pauses(tmp_path):
    path = whisper_file(
        tmp_path,
        [
            {"start": 0.0, "end": 2.0, "text": "First thought."},
            {"start": 2.1, "end": 4.0, "text": "Still first."},
            {"start": 7.0, "end": 9.0, "text": "After a pause."},
        ],
    )
    parsed = read_transcript(path)
    assert [parsed.text[t.start : t.end] for t in parsed.turns] == ["First thought. Still first.", "After a pause."]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"note": "a clinical note"}', 'no "segments" list'),
        ("{not json", "not valid JSON"),
        ('{"segments": [{"start": "soon", "text": "x"}]}', "segment 1"),
        ('{"segments": []}', "no segments with text"),
    ],
)
def test_bad_whisper_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_transcript(path)


def test_folder_import_reads_whisper_and_names_other_json(store, tmp_path):
    folder = tmp_path / "Site A"
    folder.mkdir()
    whisper_file(folder, [{"start": 0.0, "end": 1.0, "text": "Hello there."}], name="a.json")
    (folder / "notes.json").write_text('{"note": "not a transcript"}')
    results = import_transcripts(store, [folder])
    status = {r.path.name: (r.status, r.message) for r in results}
    assert status["a.json"][0] == "imported"
    assert status["notes.json"][0] == "skipped" and "not a Whisper transcript" in status["notes.json"][1]


def test_transcriber_tags():
    text = "Okay. <UNSURE>Hello how</UNSURE> um. <UNIN/>, thanks. <INAUDIBLE_SPEECH/>"
    assert transcriber_tags(text) == "Okay. Hello how [?] um. [unintelligible], thanks. [inaudible]"
    assert transcriber_tags(text, "strip") == "Okay. Hello how um. , thanks. "
    assert transcriber_tags(text, "keep") == text
    assert transcriber_tags("&lt;UNSURE&gt;Oh&lt;/UNSURE&gt;") == "Oh [?]"
    assert transcriber_tags("<v Doctor>Hi</v>") == "<v Doctor>Hi</v>"  # caption markup is not a transcriber tag


def test_import_option_strips_tags(store, tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("Doctor: <UNSURE>Hello</UNSURE> there. <UNIN/> Fine.\n")
    result = import_transcripts(store, [path], tags="strip")[0]
    assert result.status == "imported"
    assert store.transcript_text(result.transcript_id) == "Doctor: Hello there. Fine."


def test_captions_without_speakers_become_paragraphs():
    sentence = "This is a sentence of about ten words in all. "
    cues = [Cue(float(i * 3), float(i * 3 + 3), sentence) for i in range(40)]  # contiguous, no pauses
    parsed = cues_to_transcript(cues, "srt")
    sizes = [len(parsed.text[t.start : t.end].split()) for t in parsed.turns]
    assert len(parsed.turns) > 1 and max(sizes) <= 250 and sum(sizes) == 40 * 10
    # with speakers nothing changes: one speaker's cues are one turn
    labelled = cues_to_transcript([Cue(c.start, c.end, "Ann: " + c.text) for c in cues], "srt")
    assert len(labelled.turns) == 1


@pytest.mark.parametrize("start", ['"nan"', '"inf"', "1e999", "true", "null", '"soon"'])
def test_whisper_times_must_be_finite_numbers(tmp_path, start):
    path = tmp_path / "w.json"
    path.write_text('{"segments": [{"start": ' + start + ', "end": 2.0, "text": "Hello there."}]}')
    with pytest.raises(InputError, match="segment 1 has a start or end that is not a number"):
        read_transcript(path)
