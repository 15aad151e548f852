"""Hostile and broken input at the exchange entrances (codebooks, transcripts, REFI-QDA, merge,
codebook edits, undo): each generated input ends in the right result or a clear error, in bounded
time, with nothing of it left behind."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import InputError, WorkbenchError
from workbench.store import Store


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""

    def expired(signum, frame):  # noqa: ANN001
        raise TimeoutError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def wb(project: Path | str, *args: str, seconds: float = 60):
    with deadline(seconds):
        result = CliRunner().invoke(cli, ["--project", str(project), *args], obj={})
    assert "This is a bug" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


pytestmark = pytest.mark.both_engines  # `project` and `store`: a project file, then a team database

G1, G2, G3 = (str(uuid.UUID(int=i)) for i in (0x1111, 0x2222, 0x3333))
U1 = str(uuid.UUID(int=0xAAAA))


def qdpx(
    path: Path,
    codes: str,
    sources: list[tuple[str, str, bytes | None, str]] = (),
    *,
    users: str | None = None,
    extra: str = "",
    name: str = "hostile",
) -> Path:
    """A .qdpx archive: ``sources`` are (guid, name, text bytes or None for a missing file, inner XML)."""
    users = users if users is not None else f'<Users><User guid="{U1}" name="ana"/></Users>'
    src = "".join(
        f'<TextSource guid="{g}" name="{n}" plainTextPath="internal://{g}.txt">{inner}</TextSource>'
        for g, n, _, inner in sources
    )
    qde = (
        f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="{name}">'
        f"{users}<CodeBook><Codes>{codes}</Codes></CodeBook>"
        + (f"<Sources>{src}</Sources>" if sources else "")
        + extra
        + "</Project>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for g, _, data, _ in sources:
            if data is not None:
                archive.writestr(f"sources/{g}.txt", data)
    return path


def selection(guid: str, start: int, end: int, code: str, name: str = "", codes: tuple[str, ...] = ()) -> str:
    codings = "".join(
        f'<Coding guid="{uuid.uuid4()}" creatingUser="{U1}"><CodeRef targetGUID="{c}"/></Coding>'
        for c in (code, *codes)
    )
    return (
        f'<PlainTextSelection guid="{guid}" name="{name}" startPosition="{start}" endPosition="{end}" '
        f'creatingUser="{U1}">{codings}</PlainTextSelection>'
    )


def opened(path: Path | str):
    return contextlib.closing(Store.open(path))


def counts(project: Path | str) -> tuple[int, int, int]:
    with opened(project) as store:
        return len(store.codes()), len(store.transcripts()), len(store.segments())


@pytest.fixture
def project(location):
    wb(location, "init")
    return location


# -- 1. a code that is its own ancestor -----------------------------------------------------------

SELF_YAML = f"""name: hostile
codes:
  - name: Theme
    guid: {G1}
    children:
      - name: Sub
        guid: {G1}
"""


def test_yaml_code_reusing_its_parents_guid_is_refused_with_the_line(project, tmp_path):
    book = tmp_path / "self.yaml"
    book.write_text(SELF_YAML)
    result = wb(project, "codebook", "import", str(book))
    assert result.exit_code != 0
    assert "line 6" in result.output and "cannot contain itself" in result.output
    assert counts(project) == (0, 0, 0)
    assert wb(project, "codebook", "show", seconds=20).exit_code == 0


def test_yaml_two_codes_sharing_a_guid_are_refused_with_both_lines(project, tmp_path):
    book = tmp_path / "dup.yaml"
    book.write_text(f"codes:\n  - name: A\n    guid: {G1}\n  - name: B\n    guid: {G1}\n")
    result = wb(project, "codebook", "import", str(book))
    assert result.exit_code != 0 and "line 4" in result.output and "(line 2)" in result.output
    assert counts(project) == (0, 0, 0)


def test_qdc_code_reusing_its_parents_guid_is_refused(project, tmp_path):
    book = tmp_path / "self.qdc"
    book.write_text(
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="{G1}" name="A" isCodable="true">'
        f'<Code guid="{{{G1.upper()}}}" name="B" isCodable="true"/></Code></Codes></CodeBook>'
    )
    result = wb(project, "codebook", "import", str(book))
    assert result.exit_code != 0 and "cannot contain itself" in result.output
    assert counts(project) == (0, 0, 0)


def test_qdpx_code_reusing_its_parents_guid_is_refused_and_nothing_is_left(project, tmp_path):
    path = qdpx(
        tmp_path / "self.qdpx",
        f'<Code guid="{G1}" name="A" isCodable="true"><Code guid="{G1}" name="B" isCodable="true"/></Code>',
        [(G2, "one", b"Hello world", selection(G3, 0, 5, G1))],
    )
    result = wb(project, "import", str(path), seconds=30)
    assert result.exit_code != 0 and "cannot contain itself" in result.output
    assert counts(project) == (0, 0, 0)


def test_a_guid_matching_another_code_by_path_never_makes_a_code_its_own_parent(store, tmp_path):
    from workbench.codebook import parse_codebook
    from workbench.codetree import find_cycles
    from workbench.project import apply_codebook

    apply_codebook(store, parse_codebook(f"codes:\n  - name: X\n    guid: {G1}\n", Path("a.yaml")))
    # X is matched by path, while its sub-code carries X's GUID: one project code for two codebook codes
    book = parse_codebook(
        f"codes:\n  - name: X\n    guid: {G2}\n    children:\n      - name: Y\n        guid: {G1}\n", Path("b.yaml")
    )
    with deadline(20), pytest.raises(InputError, match="one code cannot be two"):
        apply_codebook(store, book)
    assert [(c.path, c.guid) for c in store.codes()] == [("X", G1)]  # nothing changed
    assert not find_cycles((i, p) for i, p, _ in store.code_parents())


def _damage(project: Path) -> None:
    """Make two codes each other's parent, as a project from before cycles were refused could be."""
    conn = sqlite3.connect(project)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'codes'"):
        conn.execute(f'DROP TRIGGER "{name}"')  # a project made before the store refused cycles
    child, parent = conn.execute("SELECT id, parent_id FROM codes WHERE parent_id IS NOT NULL LIMIT 1").fetchone()
    conn.execute("UPDATE codes SET parent_id = ? WHERE id = ?", (child, parent))
    conn.commit()
    conn.close()


@pytest.fixture
def damaged(tmp_path, codebook_path):
    path = tmp_path / "damaged.db"
    wb(path, "init")
    wb(path, "codebook", "import", str(codebook_path))
    (tmp_path / "Site").mkdir()
    (tmp_path / "Site" / "t.txt").write_text("Interviewer: Why?\n\nAna: We had no time and no staff at all.\n")
    wb(path, "import", str(tmp_path / "Site"))
    assert wb(path, "code", "add", "t", "--code", "Barriers/Time", "--text", "no time", "--coder", "ana").exit_code == 0
    _damage(path)
    return path


def test_an_existing_project_with_a_cycle_never_hangs(damaged, tmp_path, codebook_path):
    total = counts(damaged)[0]
    for args in (
        ["codebook", "show"],
        ["codebook", "show", "--format", "json"],
        ["segments"],
        ["matrix"],
        ["codebook", "export"],
        ["codebook", "export", "--format", "qdc"],
        ["frequencies"],
        ["export", "qdpx", str(tmp_path / "out.qdpx")],
    ):
        result = wb(damaged, *args, seconds=30)
        assert result.exit_code == 0, (args, result.output)
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        qde = ET.fromstring(archive.read("project.qde"))
    assert len(qde.findall(".//{urn:QDA-XML:project:1.0}Code")) == total  # every code still exported
    # entrances that change codes refuse, saying why
    for args in (
        ["codebook", "import", str(codebook_path)],
        ["codebook", "move", "Barriers/Time", "--to", "Facilitators"],
        ["codebook", "split", "Barriers", "A", "B"],
    ):
        result = wb(damaged, *args, seconds=30)
        assert result.exit_code != 0 and "cycle" in result.output, (args, result.output)


def test_merging_from_a_project_with_a_cycle_is_refused(damaged, project):
    result = wb(project, "merge", str(damaged), seconds=30)
    assert result.exit_code != 0 and "cycle" in result.output and str(damaged) in result.output
    assert counts(project) == (0, 0, 0)


def test_moving_a_code_under_its_own_sub_code_is_refused(project, codebook_path):
    wb(project, "codebook", "import", str(codebook_path))
    result = wb(project, "codebook", "move", "Barriers", "--to", "Barriers/Time")
    assert result.exit_code != 0 and "under itself" in result.output


# -- 2. YAML aliases, sizes, deep nesting ------------------------------------------------------------


def _alias_bomb(levels: int = 27) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines)


def test_front_matter_alias_bomb_is_refused_quickly(project, tmp_path):
    path = tmp_path / "Site" / "bomb.txt"
    path.parent.mkdir()
    path.write_text("---\n" + _alias_bomb() + "\n---\nInterviewer: hi\n\nAna: hello\n")
    assert path.stat().st_size < 2048
    result = wb(project, "import", str(path), seconds=10)
    assert result.exit_code != 0 and "alias" in result.output and "line 3" in result.output
    assert counts(project) == (0, 0, 0)


def test_front_matter_over_the_size_limit_is_refused_saying_the_limit(project, tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("---\n" + "".join(f"key{i}: {'x' * 60}\n" for i in range(1200)) + "---\nAna: hello\n")
    result = wb(project, "import", str(path), seconds=20)
    assert result.exit_code != 0 and "64 KB" in result.output
    assert counts(project) == (0, 0, 0)


def test_codebook_alias_bomb_is_refused(project, tmp_path):
    book = tmp_path / "bomb.yaml"
    book.write_text(_alias_bomb() + "\ncodes:\n  - name: A\n    definition: *a26\n")
    result = wb(project, "codebook", "import", str(book), seconds=10)
    assert result.exit_code != 0 and "alias" in result.output


def _nested_yaml(levels: int) -> str:
    lines, indent = ["codes:"], "  "
    for i in range(levels):
        lines += [f"{indent}- name: c{i}", f"{indent}  children:"]
        indent += "    "
    lines.append(f"{indent}- name: leaf")
    return "\n".join(lines) + "\n"


def test_400_levels_of_yaml_codes_are_refused_clearly(project, tmp_path):
    book = tmp_path / "deep.yaml"
    book.write_text(_nested_yaml(400))
    result = wb(project, "codebook", "import", str(book), seconds=20)
    assert result.exit_code != 0 and "at most 100 levels" in result.output and "line" in result.output


def test_deep_but_allowed_nesting_imports_lists_and_exports(project, tmp_path):
    book = tmp_path / "deep.yaml"
    book.write_text(_nested_yaml(80))
    assert wb(project, "codebook", "import", str(book), seconds=30).exit_code == 0
    assert counts(project)[0] == 81
    shown = wb(project, "codebook", "show", seconds=20).output
    assert "leaf" in shown
    assert wb(project, "codebook", "export", "--format", "qdc", seconds=20).exit_code == 0


def test_3000_levels_of_qdpx_codes_are_refused_clearly(project, tmp_path):
    guids = [str(uuid.uuid4()) for _ in range(3000)]
    codes = "".join(f'<Code guid="{g}" name="c{i}" isCodable="true">' for i, g in enumerate(guids)) + "</Code>" * 3000
    path = qdpx(tmp_path / "deep.qdpx", codes)
    result = wb(project, "import", str(path), seconds=20)
    assert result.exit_code != 0 and "at most 100 levels" in result.output
    assert counts(project) == (0, 0, 0)


# -- 3. control characters -----------------------------------------------------------------------

CONTROLS = "\x1b[31m\x07\x0b\x0c\x01"


def test_control_characters_are_replaced_at_import_and_exports_stay_well_formed(project, tmp_path):
    site = tmp_path / "Site"
    site.mkdir()
    (site / "ctl.txt").write_text(
        f"Interviewer: bell{CONTROLS}here\n\nAna: we had no time{CONTROLS}at all\n"
        + "Ana: and the rest of the interview is ordinary talk about the clinic.\n" * 5
    )
    book = tmp_path / "ctl.yaml"
    book.write_text('codes:\n  - name: "Time\\e[31m\\a pressure"\n    definition: "Busy\\x01 days"\n')
    assert wb(project, "codebook", "import", str(book)).exit_code == 0
    assert wb(project, "import", str(site)).exit_code == 0
    assert wb(project, "memo", f"Memo{CONTROLS}end", "--transcript", "ctl", "--coder", "ana").exit_code == 0
    with opened(project) as store:
        text = store.transcript_text(store.transcripts()[0].id)
        code = store.codes()[0]
        memo = store.memos()[0].text
    assert not any(ch in text + code.name + code.definition + memo for ch in "\x1b\x07\x0b\x0c\x01")
    assert "bell" + " " * 5 + "[31m" not in text and text.count("[31m") == 2  # one space per control
    assert code.name == "Time[31m pressure" and memo == "Memo[31mend"
    _export_is_well_formed(project, tmp_path)


def _export_is_well_formed(project: Path | str, tmp_path: Path) -> None:
    assert wb(project, "export", "qdpx", str(tmp_path / "out.qdpx")).exit_code == 0
    with zipfile.ZipFile(tmp_path / "out.qdpx") as archive:
        ET.fromstring(archive.read("project.qde"))
    qdc = tmp_path / "out.qdc"
    assert wb(project, "codebook", "export", "--format", "qdc", "-o", str(qdc)).exit_code == 0
    ET.fromstring(qdc.read_bytes())


def test_an_existing_project_with_control_characters_exports_well_formed_xml(project, tmp_path):
    with opened(project) as store, store.transaction():
        code_id = store.insert_code(name=f"Bad{CONTROLS}name", parent_id=None, definition=f"def{CONTROLS}")
        transcript_id = store.insert_transcript(
            title=f"T{CONTROLS}",
            site_id=None,
            date=None,
            interviewer=None,
            source_name="t.txt",
            format="text",
            checksum="x",
            text=f"Ana: text{CONTROLS} more text",
            attributes={},
            participant_ids=[],
            turns=[],
        )
        store.insert_segment(
            transcript_id=transcript_id,
            code_id=code_id,
            coder_id=store.coder_id(f"c{CONTROLS}"),
            start=5,
            end=12,
            text="text\x1b[3",
            memo=f"memo{CONTROLS}",
            origin="manual",
        )
        store.insert_memo("code", code_id, None, f"code memo{CONTROLS}")
    _export_is_well_formed(project, tmp_path)


def test_control_characters_in_a_qdpx_are_removed_and_reported(store, tmp_path):
    from workbench.refi_import import import_qdpx

    text = (f"Hello{CONTROLS} world, hello again" + " and an ordinary sentence" * 8).encode()
    # XML 1.0 cannot carry C0 controls at all (such a file is refused as not well formed), but it
    # can carry C1 controls such as CSI (U+009B), which terminals read as an escape sequence
    path = qdpx(
        tmp_path / "ctl.qdpx",
        f'<Code guid="{G1}" name="Bad&#x9b;31mname" isCodable="true"/>',
        [(G2, "one", text, selection(G3, 0, 5, G1))],
    )
    report = import_qdpx(store, path)
    assert store.codes()[0].name == "Bad31mname"
    assert "\x1b" not in store.transcript_text(store.transcripts()[0].id)
    assert store.segments()[0].text == "Hello" and any("control" in r for r in report.repairs)


# -- 4. .docx with a DTD ------------------------------------------------------------------------------


def test_docx_with_a_dtd_is_refused_not_silently_shortened(project, tmp_path):
    import docx

    plain = tmp_path / "plain.docx"
    document = docx.Document()
    document.add_paragraph("Interviewer: hello &x; after the entity")
    document.save(plain)
    hostile = tmp_path / "dtd.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?>\n<!DOCTYPE w:document [<!ENTITY x "X">]>', 1).replace(
                    b"&amp;x;", b"&x;"
                )
            out.writestr(info, data)
    result = wb(project, "import", str(hostile))
    assert result.exit_code != 0 and "DTD" in result.output
    assert counts(project) == (0, 0, 0)
    assert wb(project, "import", str(plain)).exit_code == 0


# -- 6. positions through normalization (CRLF, NFD, decomposed Hangul) -----------------------------


def _selections_for(raw: str, words: list[str], *, crlf_as_two: bool) -> str:
    """Selections of each word, positions in code points of ``raw`` (CRLF counted as one or two)."""
    out = []
    for word in words:
        start = raw.index(word)
        end = start + len(word)
        if not crlf_as_two:
            start -= raw[:start].count("\r\n")
            end -= raw[:end].count("\r\n")
        out.append(selection(str(uuid.uuid4()), start, end, G1, name=word))
    return "".join(out)


@pytest.mark.parametrize("crlf_as_two", [True, False], ids=["crlf-two", "crlf-one"])
@pytest.mark.parametrize("script", ["latin-nfd", "hangul-nfd"])
def test_crlf_and_decomposed_text_give_exact_passages(store, tmp_path, crlf_as_two, script):
    from workbench.ingest.decode import normalize
    from workbench.refi_import import import_qdpx

    if script == "latin-nfd":
        words = ["Café", "target", "naïve", "résumé", "world"]
        raw = "Interviewer: Café olé?\r\nAna: the target was naïve,\r\nthe résumé too.\r\nEnd of world.\r\n"
    else:
        words = ["한국어", "target", "서울", "word"]
        raw = "면담자: 한국어 target 입니다\r\n참여자: 서울에서 왔어요\r\n참여자: word 끝\r\n"
    raw = unicodedata.normalize("NFD", raw)
    nfd_words = [unicodedata.normalize("NFD", w) for w in words]
    assert raw != unicodedata.normalize("NFC", raw)
    path = qdpx(
        tmp_path / "nfd.qdpx",
        f'<Code guid="{G1}" name="A" isCodable="true"/>',
        [(G2, "nfd", raw.encode(), _selections_for(raw, nfd_words, crlf_as_two=crlf_as_two))],
    )
    report = import_qdpx(store, path)
    assert report.sources[0].imported == len(words), report.sources[0].skipped
    stored = sorted(s.text for s in store.segments())
    assert stored == sorted(unicodedata.normalize("NFC", w) for w in words)
    text = store.transcript_text(store.transcripts()[0].id)
    assert text == normalize(raw)
    for segment in store.segments():
        assert text[segment.start : segment.end] == segment.text


def test_a_selection_inside_a_composed_character_is_reported_not_shifted(store, tmp_path):
    from workbench.refi_import import import_qdpx

    raw = unicodedata.normalize("NFD", "the café is open\nand the target is here\n")
    inside = raw.index("\u0301")  # between the e and its accent
    good = raw.index("target")
    sel = selection(str(uuid.uuid4()), inside, inside + 8, G1) + selection(str(uuid.uuid4()), good, good + 6, G1)
    path = qdpx(
        tmp_path / "inside.qdpx", f'<Code guid="{G1}" name="A" isCodable="true"/>', [(G2, "x", raw.encode(), sel)]
    )
    report = import_qdpx(store, path)
    source = report.sources[0]
    assert (source.imported, source.selections) == (1, 2)
    assert any("cannot be placed exactly" in s for s in source.skipped)
    assert [s.text for s in store.segments()] == ["target"]


def test_offset_map_agrees_with_normalizing_the_prefix():
    """Property: wherever the map gives a place, normalizing the raw prefix gives the stored prefix."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from workbench.ingest.decode import normalize
    from workbench.refi.reader import _normalized_index

    alphabet = st.sampled_from(
        list("ab \n\r")
        + [
            "\r\n",
            "e\u0301",
            "\u0301",
            "\u0327",
            "\u1100",
            "\u1161",
            "\u11a8",
            "\u00e9",
            "\x1b",
            "\ufeff",
            "\u0b47\u0b3e",
            "ﬁ",
        ]
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(alphabet, max_size=30).map("".join))
    def check(raw):
        text, mapping = _normalized_index(raw)
        assert text == normalize(raw) and len(mapping) == len(raw) + 1
        assert mapping[0] == 0 and mapping[-1] == len(text)
        for position, place in enumerate(mapping):
            if place is not None and not raw[:position].endswith("\r"):
                assert normalize(raw[:position]) == text[:place], (raw, position)

    check()


# -- 7. duplicate GUIDs and honest counts -----------------------------------------------------------


def test_two_codes_sharing_a_guid_are_both_kept_and_reported(store, tmp_path):
    from workbench.refi_import import import_qdpx

    path = qdpx(
        tmp_path / "dup.qdpx",
        f'<Code guid="{G1}" name="A" isCodable="true"/><Code guid="{G1}" name="B" isCodable="true"/>',
    )
    report = import_qdpx(store, path)
    assert sorted(c.path for c in store.codes()) == ["A", "B"]
    assert len({c.guid for c in store.codes()}) == 2
    assert any("shared the GUID" in r for r in report.repairs)


def test_duplicate_selection_guids_import_and_are_reported(store, tmp_path):
    from workbench.refi_import import import_qdpx

    sel = selection(G3, 0, 5, G1) + selection(G3, 6, 11, G1)
    path = qdpx(
        tmp_path / "dupsel.qdpx", f'<Code guid="{G1}" name="A" isCodable="true"/>', [(G2, "one", b"Hello world", sel)]
    )
    report = import_qdpx(store, path)
    assert sorted(s.text for s in store.segments()) == ["Hello", "world"]
    assert any("used more than once" in r for r in report.repairs)


def test_selections_and_codings_are_counted_apart_and_missing_texts_say_so(project, tmp_path):
    sel = selection(G3, 0, 5, G1, codes=(G2,)) + selection(str(uuid.uuid4()), 6, 11, G1)
    missing = str(uuid.uuid4())
    path = qdpx(
        tmp_path / "count.qdpx",
        f'<Code guid="{G1}" name="A" isCodable="true"/><Code guid="{G2}" name="B" isCodable="true"/>',
        [
            (str(uuid.uuid4()), "one", b"Hello world", sel),
            (missing, "gone", None, selection(str(uuid.uuid4()), 0, 3, G1)),
        ],
    )
    result = wb(project, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "one: 2 of 2 selections imported (3 of 3 codings)" in result.output
    assert "gone: 0 of 1 selections imported" in result.output and "1 selections skipped" in result.output


def test_merge_reports_codes_with_the_same_path_and_another_definition(tmp_path):
    mine, theirs = tmp_path / "mine.db", tmp_path / "theirs.db"
    for path, definition in ((mine, "Lack of time"), (theirs, "Not enough hours")):
        wb(path, "init")
        book = tmp_path / f"{path.stem}.yaml"
        book.write_text(f"codes:\n  - name: Time\n    definition: {definition}\n")
        wb(path, "codebook", "import", str(book))
    result = wb(mine, "merge", str(theirs))
    assert result.exit_code == 0 and "'Time' has a different definition" in result.output
    with opened(mine) as store:
        assert [c.definition for c in store.codes()] == ["Lack of time"]


# -- 8. encodings ---------------------------------------------------------------------------------

ENCODED = [
    (
        "utf8-stray-byte",
        "Ana: It’s naïve.\n".encode() + b"I don\x92t know.\n",
        "Ana: It’s naïve.\nI don’t know.\n",
        "utf-8 (1 stray byte read as cp1252)",
    ),
    (
        "short-latin-1",
        "Ana: Was the café open? Sí, the crème was très bon, señor.\n".encode("latin-1"),
        "Ana: Was the café open? Sí, the crème was très bon, señor.\n",
        "cp1252",
    ),
    (
        "utf16-le-no-bom",
        "Ana: hello there, café\n".encode("utf-16-le"),
        "Ana: hello there, café\n",
        "utf-16-le (no byte-order mark)",
    ),
    (
        "utf16-be-no-bom",
        "Ana: hello there, café\n".encode("utf-16-be"),
        "Ana: hello there, café\n",
        "utf-16-be (no byte-order mark)",
    ),
    (
        "cp1251",
        "Ана: Я работаю учителем в школе уже десять лет.\n".encode("cp1251"),
        "Ана: Я работаю учителем в школе уже десять лет.\n",
        "cp1251",
    ),
]


@pytest.mark.parametrize(("data", "text", "encoding"), [e[1:] for e in ENCODED], ids=[e[0] for e in ENCODED])
def test_encodings_are_detected(data, text, encoding):
    from workbench.ingest.decode import decode

    assert decode(data, Path("t.txt")) == (text, encoding)


def test_import_reports_the_encoding_and_accepts_encoding(project, tmp_path):
    import json

    path = tmp_path / "latin.txt"
    path.write_bytes("Ana: Où êtes-vous né? À Genève.\n".encode("latin-1"))
    result = wb(project, "import", str(path), "--format", "json")
    row = json.loads(result.output[result.output.index("[") : result.output.rindex("]") + 1])[0]
    assert row["encoding"] == "cp1252" and row["status"] == "imported"
    other = tmp_path / "o.db"
    wb(other, "init")
    forced = wb(other, "import", str(path), "--encoding", "latin-1")
    assert forced.exit_code == 0
    with opened(other) as store:
        assert "Genève" in store.transcript_text(store.transcripts()[0].id)
    bad = wb(other, "import", str(path), "--encoding", "klingon")
    assert bad.exit_code != 0 and "unknown encoding" in bad.output


def test_binary_is_still_refused():
    from workbench.ingest.decode import decode

    with pytest.raises(InputError, match="binary"):
        decode(bytes(range(256)) * 20, Path("x.txt"))


# -- 9. undo --------------------------------------------------------------------------------------


@pytest.fixture
def coded_store(store):
    from workbench.coding import create_code

    with store.transaction():
        transcript_id = store.insert_transcript(
            title="t",
            site_id=None,
            date=None,
            interviewer=None,
            source_name="t.txt",
            format="text",
            checksum="c",
            text="Ana: we had no time and no staff.",
            attributes={},
            participant_ids=[],
            turns=[],
        )
    code = create_code(store, "Time")
    return store, transcript_id, code.id


def test_undo_restores_a_removed_segment_with_its_memo_and_origin(coded_store):
    from workbench import coding
    from workbench.session import Action, UndoHistory

    store, transcript_id, code_id = coded_store
    history = UndoHistory()
    made = coding.add_segment(
        store,
        transcript_id=transcript_id,
        code_id=code_id,
        coder="ana",
        start=5,
        end=19,
        memo="the core complaint",
        origin="suggested",
    )
    history.done(Action.added(made))
    removed = coding.remove_segment(store, made.id, coder="ana")
    history.done(Action.removed(removed))
    assert store.segments() == []
    history.undo(store, "ana")
    (restored,) = store.segments()
    keys = ("transcript_id", "code_id", "coder", "start", "end", "text", "memo", "origin")
    assert {k: getattr(restored, k) for k in keys} == {k: getattr(made, k) for k in keys}
    assert restored.memo == "the core complaint" and restored.origin == "suggested"
    # the earlier "add" now refers to the restored segment: undoing it removes that one
    history.undo(store, "ana")
    assert store.segments() == []
    history.redo(store, "ana")
    history.redo(store, "ana")
    assert store.segments() == [] and not history.redo_stack and len(history.undo_stack) == 2


def test_a_failed_undo_keeps_the_action_and_says_why(coded_store):
    from workbench import coding
    from workbench.session import Action, UndoError, UndoHistory

    store, transcript_id, code_id = coded_store
    history = UndoHistory()
    made = coding.add_segment(store, transcript_id=transcript_id, code_id=code_id, coder="ana", start=5, end=19)
    history.done(Action.added(made))
    with store.transaction():
        store.delete_segment(made.id)  # another coder removed it meanwhile
    with pytest.raises(UndoError, match=f"no segment {made.id}") as caught:
        history.undo(store, "ana")
    assert "kept" in str(caught.value)
    assert history.undo_stack == [Action.added(made)] and history.redo_stack == []
    with pytest.raises(WorkbenchError, match="nothing to redo"):
        history.redo(store, "ana")
