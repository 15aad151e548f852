"""Word and OpenDocument transcripts."""

from __future__ import annotations

import zipfile

import docx
import pytest

from workbench.errors import InputError
from workbench.ingest import read_transcript


def make_docx(path, build):
    document = docx.Document()
    build(document)
    document.save(path)
    return path


def test_bold_labels_with_and_without_colon(tmp_path):
    def build(d):
        d.add_paragraph("Interview transcript, site visit 3")
        p = d.add_paragraph()
        p.add_run("INTERVIEWER:").bold = True
        p.add_run(" How did it start?")
        p = d.add_paragraph()
        p.add_run("Dr. Whitaker").bold = True
        p.add_run("\tWith a phone call.")
        d.add_paragraph("And a lot of coffee.")

    parsed = read_transcript(make_docx(tmp_path / "a.docx", build))
    assert [t.speaker for t in parsed.turns] == [None, "INTERVIEWER", "Dr. Whitaker"]
    last = parsed.turns[-1]
    assert parsed.text[last.start : last.end] == "With a phone call.\n\nAnd a lot of coffee."


def test_speaker_table_rows(tmp_path):
    def build(d):
        table = d.add_table(rows=1, cols=3)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text, table.rows[0].cells[2].text = (
            "Time",
            "Speaker",
            "Text",
        )
        for stamp, who, said in [
            ("00:00:05", "Interviewer", "Tell me about the pantry."),
            ("00:00:09", "Kevin", "We started in a church basement."),
        ]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = stamp, who, said

    parsed = read_transcript(make_docx(tmp_path / "t.docx", build))
    assert parsed.speakers == ["Interviewer", "Kevin"]
    assert parsed.turns[1].start_time == 9.0
    assert "Time" not in parsed.text


def test_not_a_zip(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_text("Interviewer: this is really text")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert "fake.docx" in str(err.value) and "not a .docx" in str(err.value)


def test_damaged_package(tmp_path):
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "no word document here")
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert "cannot be opened" in str(err.value)


def test_decompression_bomb_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\x00" * (60 * 1024 * 1024))
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert "decompression bomb" in str(err.value)


def test_odt_matches_the_text_version(real):
    folder = real / "transcripts/serdif_usability"
    for stem in ("P1_GMT20211118", "P2_GMT20211119"):
        odt, txt = read_transcript(folder / f"{stem}.odt"), read_transcript(folder / f"{stem}.txt")
        assert odt.speakers and set(odt.speakers) == set(txt.speakers)
        assert odt.text.split() == txt.text.split()


def test_generated_docx_export_reads(real):
    parsed = read_transcript(real / "coded/serdif_taguette/all_tags_20220303.docx")
    assert parsed.words > 50000 and parsed.format == "docx"
