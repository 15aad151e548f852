"""WebVTT and SRT: the W3C conformance files, the webvtt-py fixtures and real exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.ingest import read_transcript
from workbench.ingest.captions import cue_text, parse_srt_cues, parse_webvtt_cues, parse_timestamp
from workbench.ingest.timestamps import format_timestamp


def turns_of(parsed):
    return [(t.speaker, " ".join(parsed.text[t.start : t.end].split())) for t in parsed.turns]


def raw(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


# -- W3C file parsing: expected results from the upstream assertions --------------------------


@pytest.mark.parametrize(
    "name, count",
    [
        ("newlines", 4),
        ("signature-bom", 0),
        ("timings-omitted-hours", 3),
        ("settings-multiple", 2),
        ("header-garbage", 1),
        ("arrows", 6),
        ("nulls", 7),
        ("ids", 5),
        ("stylesheets", 2),
    ],
)
def test_w3c_file_parsing_cue_counts(real, name, count):
    cues = parse_webvtt_cues(raw(real / "vtt_srt" / "w3c_wpt" / f"file-parsing_{name}.vtt"))
    assert len(cues) == count


def test_w3c_newlines_ids(real):
    cues = parse_webvtt_cues(raw(real / "vtt_srt/w3c_wpt/file-parsing_newlines.vtt"))
    assert [c.identifier for c in cues] == ["cr", "lf", "crlf", "lfcr"]


def test_w3c_ids_keep_spaces(real):
    cues = parse_webvtt_cues(raw(real / "vtt_srt/w3c_wpt/file-parsing_ids.vtt"))
    assert [c.identifier for c in cues] == [" leading space", "trailing space ", "-- >", "->", " "]


def test_w3c_arrows_have_empty_ids(real):
    cues = parse_webvtt_cues(raw(real / "vtt_srt/w3c_wpt/file-parsing_arrows.vtt"))
    assert [c.identifier for c in cues] == [""] * 6


def test_w3c_omitted_hours(real):
    cues = parse_webvtt_cues(raw(real / "vtt_srt/w3c_wpt/file-parsing_timings-omitted-hours.vtt"))
    assert [(c.start, c.end) for c in cues] == [(0.0, 1.0)] * 3


def test_w3c_nulls_become_replacement_characters(real):
    cues = parse_webvtt_cues(raw(real / "vtt_srt/w3c_wpt/file-parsing_nulls.vtt"))
    assert cues[2].text == "\ufffdtext\ufffd2"
    assert all(c.text.startswith(("text", "\ufffd")) for c in cues)


def _expected_text_and_voice(tree: str) -> tuple[str, str | None]:
    texts, voice, pending = [], None, None
    for line in tree.split("\n"):
        body = line[2:] if pending is None else None
        if pending is not None:
            pending += "\n" + line
            if line.endswith('"'):
                texts.append(pending[1:-1])
                pending = None
            continue
        stripped = body.lstrip() if body is not None else ""
        if stripped.startswith('title="') and voice is None:
            voice = stripped[7:-1]
        elif stripped.startswith('"'):
            if len(stripped) >= 2 and stripped.endswith('"'):
                texts.append(stripped[1:-1])
            else:
                pending = stripped
    return "".join(texts), voice or None


@pytest.mark.parametrize("name", ["tags", "entities", "tree-building", "timestamps"])
def test_w3c_cue_text_parsing(real, name):
    cases = json.loads((real / "vtt_srt/w3c_wpt" / f"cue-parsing_{name}.expected.json").read_text())
    failures = []
    for case in cases:
        expected_text, expected_voice = _expected_text_and_voice(case["expectedTree"])
        text, voice = cue_text(case["text"].rstrip("\n"))
        if (text, voice) != (expected_text, expected_voice):
            failures.append((case["text"], text, voice, expected_text, expected_voice))
    assert not failures


# -- webvtt-py fixtures -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cues",
    [
        ("captions_with_bom.vtt", 4),
        ("comments.vtt", 3),
        ("cue_tags.vtt", 3),
        ("styles.vtt", 1),
        ("styles2.vtt", 6),
        ("using_identifiers.vtt", 6),
        ("youtube_dl.vtt", 4),
        ("metadata_headers_multiline.vtt", 2),
        ("invalid_timeframe_in_cue_text.vtt", 4),
        ("teams_timeframe.vtt", 2),
    ],
)
def test_webvtt_py_fixtures(real, name, cues):
    assert len(parse_webvtt_cues(raw(real / "vtt_srt/webvtt_py" / name))) == cues
    parsed = read_transcript(real / "vtt_srt/webvtt_py" / name)
    assert parsed.text.strip()
    assert not any(tag in parsed.text for tag in ("<c", "</", "<b>", "<v ", "-->"))


def test_cue_tags_are_dropped(real):
    parsed = read_transcript(real / "vtt_srt/webvtt_py/cue_tags.vtt")
    assert "When the moon hits your eye" in parsed.text and "<c" not in parsed.text and "00:17" not in parsed.text


def test_teams_timestamps_and_voices(real):
    parsed = read_transcript(real / "vtt_srt/webvtt_py/teams_timeframe.vtt")
    assert parsed.speakers == ["Yuri Bakulin", "Adrian Petrescu"]
    assert parsed.turns[0].start_time == 0.0 and parsed.turns[0].end_time == pytest.approx(0.57)


def test_srt_missing_timing_is_repaired_and_reported(real):
    parsed = read_transcript(real / "vtt_srt/webvtt_py/missing_timeframe.srt")
    assert "Caption text #2" in parsed.text
    assert parsed.warnings and "line" in parsed.warnings[0]


def test_srt_empty_payload(real):
    parsed = read_transcript(real / "vtt_srt/webvtt_py/empty_caption_text.srt")
    assert "Caption text #1" in parsed.text


# -- real transcripts ---------------------------------------------------------------------------


def test_podcast_dialects_give_the_same_turns(real):
    folder = real / "vtt_srt/podcast_namespace"
    parsed = [
        read_transcript(folder / name)
        for name in (
            "example_2021_bom_colon-speakers.vtt",
            "example_2024_mixed-voice-tags-and-colon.vtt",
            "example.srt",
        )
    ]
    first = turns_of(parsed[0])
    assert len(first) == 10 and {s for s, _ in first} == {"Travis", "Sarah", "Gilon"}
    assert all(turns_of(p) == first for p in parsed[1:])
    assert not first[0][1].startswith("Travis")


def test_podcast_2025_voice_every_cue_and_entities(real):
    parsed = read_transcript(real / "vtt_srt/podcast_namespace/example_2025_crlf_voice-every-cue.vtt")
    assert parsed.speakers == ["Sarah", "Gillian"]
    assert "Q&A" in parsed.text and "&amp;" not in parsed.text


def test_zoom_transcript_five_speakers_and_unlabelled_cue(real):
    parsed = read_transcript(real / "transcripts/zoom_workshop/GMT20240124-202901_Recording.transcript.vtt")
    assert parsed.speakers == ["Srijani Ghosh", "Conor Healy", "Dr. Melissa Ko", "Shreeharsh Kelkar", "Ryan Sloan"]
    unknown = [t for t in parsed.turns if t.speaker is None]
    assert len(unknown) == 1 and parsed.text[unknown[0].start : unknown[0].end] == "Hmm."


def test_zoom_closed_captions_without_speakers(real):
    parsed = read_transcript(real / "transcripts/zoom_workshop/GMT20240124-202901_Recording.cc.vtt")
    assert parsed.speakers == [] and parsed.words > 1000
    # no speakers: paragraphs at pauses or sentence ends, not one 1,860-word turn
    sizes = [len(parsed.text[t.start : t.end].split()) for t in parsed.turns]
    assert len(parsed.turns) >= 8 and max(sizes) <= 250 and sum(sizes) == parsed.words
    assert all(t.start_time is not None for t in parsed.turns)
    assert "\r" not in parsed.text


@pytest.mark.parametrize("consultation", ["day1_consultation01"])
def test_primock_consultation_same_turns_in_vtt_srt_txt(real, consultation):
    folder = real / "transcripts/primock57"
    vtt, srt, txt = (read_transcript(folder / f"{consultation}.{ext}") for ext in ("vtt", "srt", "txt"))
    assert turns_of(vtt) == turns_of(srt) == turns_of(txt)
    assert vtt.speakers == ["Doctor", "Patient"]
    assert len(vtt.turns) == 89
    # Overlapping cues keep their times; a merged turn spans its cues.
    assert all(t.start_time is not None and t.end_time >= t.start_time for t in vtt.turns)


@pytest.mark.parametrize(
    "name", ["day2_consultation05.vtt", "day3_consultation03.vtt", "day4_consultation02.vtt", "day5_consultation04.srt"]
)
def test_primock_other_consultations(real, name):
    parsed = read_transcript(real / "transcripts/primock57" / name)
    assert parsed.speakers == ["Doctor", "Patient"] and len(parsed.turns) > 50
    # transcriber tags are rendered by default, kept on request
    assert "[?]" in parsed.text or "[unintelligible]" in parsed.text or "[inaudible]" in parsed.text
    assert "<UNSURE>" not in parsed.text and "&lt;" not in parsed.text
    kept = read_transcript(real / "transcripts/primock57" / name, tags="keep")
    assert "<UNSURE>" in kept.text or "<UNIN/>" in kept.text or name.endswith("srt")


def test_day3_vtt_and_txt_agree(real):
    folder = real / "transcripts/primock57"
    assert turns_of(read_transcript(folder / "day3_consultation03.vtt")) == turns_of(
        read_transcript(folder / "day3_consultation03.txt")
    )


# -- errors ---------------------------------------------------------------------------------------


def test_not_webvtt_is_a_clear_error(tmp_path):
    path = tmp_path / "x.vtt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nhello\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert "x.vtt, line 1" in str(err.value) and "WEBVTT" in str(err.value)


def test_bad_srt_timing_names_the_line(tmp_path):
    path = tmp_path / "x.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n00:00:0x --> soon\nworld\n")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert "x.srt, line 6" in str(err.value)


def test_timestamps():
    assert parse_timestamp("0:0:0.570") == pytest.approx(0.57)
    assert parse_timestamp("01:02:03.500") == pytest.approx(3723.5)
    assert parse_timestamp("00:01,250") == pytest.approx(1.25)
    assert parse_timestamp("aa:00.000") is None


def test_timestamps_are_shown_as_hh_mm_ss_and_read_back():
    assert [format_timestamp(s) for s in (0, 59.99, 61, 3723.5, 360000)] == [
        "00:00:00",
        "00:00:59",
        "00:01:01",
        "01:02:03",
        "100:00:00",
    ]
    for seconds in range(0, 200000, 997):
        assert parse_timestamp(format_timestamp(seconds + 0.4)) == seconds


def test_srt_voice_tags_in_srt_are_kept_as_text():
    cues, _ = parse_srt_cues("1\n00:00:01,000 --> 00:00:02,000\n<i>Doctor:</i> <UNIN/> hi\n")
    assert cues[0].text == "Doctor: <UNIN/> hi"
