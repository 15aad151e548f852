"""Relations between codes and between segments: use cases, commands, audit, and the REFI-QDA
round trip (Links with their memos as Notes), validated against the official project schema."""

from __future__ import annotations

import re
import zipfile

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import add_memo, add_segment, remove_segment, resolve_code
from workbench.errors import InputError, NotFoundError, WorkbenchError
from workbench.findings.relations import add_link, list_links, remove_link
from workbench.project import import_codebook, import_transcripts
from workbench.refi_import import import_qdpx
from workbench.refi_export import export_qdpx
from workbench.store import Store

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

TEXT = (
    "---\nsite: Riverbend\nparticipant: RB-01\n---\nInterviewer: What gets in the way?\n\n"
    "Carol: Time, mostly. Nobody believes in it anyway. The grant ended in June.\n"
)


@pytest.fixture
def project(store, tmp_path, codebook_path):
    path = tmp_path / "rb-01.txt"
    path.write_text(TEXT)
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    text = store.transcript_text(1)
    for code, words in (
        ("Barriers/Time", "Time, mostly."),
        ("Barriers/Lack of buy-in", "Nobody believes in it anyway."),
        ("Barriers/Funding and material resources", "The grant ended in June."),
    ):
        start = text.index(words)
        add_segment(
            store,
            transcript_id=1,
            code_id=resolve_code(store, code).id,
            coder="maria",
            start=start,
            end=start + len(words),
        )
    return store


def test_links_between_codes_and_segments(project):
    store = project
    a = add_link(store, "Barriers/Time", "leads to", "Lack of buy-in", memo="no time, no buy-in <b>", coder="maria")
    assert (a.kind, a.source, a.target, a.direction) == ("code", "Barriers/Time", "Barriers/Lack of buy-in", "OneWay")
    b = add_link(store, 1, "contradicts", 3, segments=True, coder="james")
    assert b.kind == "segment" and b.direction == "Bidirectional" and "RB-01" in b.source
    c = add_link(
        store, "Barriers/Funding and material resources", "  is   a cause of ", "Barriers", direction="Associative"
    )
    assert c.relation == "is a cause of"  # user-defined, whitespace tidied
    assert [link.id for link in list_links(store, code_id=resolve_code(store, "Barriers/Lack of buy-in").id)] == [a.id]
    assert {link.id for link in list_links(store, code_id=resolve_code(store, "Barriers/Time").id)} == {a.id, b.id}
    with pytest.raises(WorkbenchError, match="exists already"):
        add_link(store, "Barriers/Time", "leads to", "Barriers/Lack of buy-in")
    with pytest.raises(WorkbenchError, match="two different ends"):
        add_link(store, "Barriers/Time", "leads to", "Barriers/Time")
    with pytest.raises(NotFoundError):
        add_link(store, 1, "leads to", 99, segments=True)
    with pytest.raises(InputError):
        add_link(store, "Barriers/Time", "   ", "Barriers")
    with pytest.raises(InputError):
        add_link(store, "Barriers/Time", "x" * 61, "Barriers")
    actions = [e.action for e in store.audit_entries(10, entity="link")]
    assert actions.count("link.add") == 3
    remove_link(store, c.id, coder="maria")
    assert store.audit_entries(1)[0].action == "link.remove" and len(list_links(store)) == 2
    remove_segment(store, 3)  # a segment's links go with it (the audit log keeps both)
    assert [link.id for link in list_links(store)] == [a.id]


def test_link_commands(project):
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(project.path), *args], obj={})
    result = run(
        "link", "add", "Barriers/Time", "leads to", "Barriers/Lack of buy-in", "--memo", "why", "--coder", "ann"
    )
    assert result.exit_code == 0 and "Barriers/Time → leads to → Barriers/Lack of buy-in" in result.output
    assert run("link", "add", "1", "part of", "2", "--segments").exit_code == 0
    listing = run("link", "list").output
    assert "leads to" in listing and "part of" in listing and "segment 1" in listing
    assert "=cmd" not in run("link", "list", "--format", "csv").output
    assert run("link", "list", "--code", "Barriers/Funding and material resources").output == "No links yet.\n"
    bad = run("link", "add", "Barriers/Tme", "leads to", "Barriers")
    assert bad.exit_code == 1 and "Did you mean" in bad.output
    assert run("link", "remove", "7").exit_code == 1
    assert run("link", "remove", "1").exit_code == 0 and "part of" in run("link", "list").output


@pytest.mark.parametrize("with_memos", [False, True])
def test_links_round_trip_through_refi_and_validate(project, tmp_path, fixtures, with_memos):
    import xmlschema

    store = project
    if with_memos:
        add_memo(store, "project", None, "a project memo", coder="maria")
    add_link(store, "Barriers/Time", "leads to", "Barriers/Lack of buy-in", memo="no time & no <buy-in>", coder="maria")
    add_link(store, 1, "contradicts", 3, segments=True, coder="maria")
    add_link(store, "Barriers", "my own relation", "Barriers/Time", direction="Associative")
    export_qdpx(store, tmp_path / "p.qdpx")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        (tmp_path / "project.qde").write_bytes(archive.read("project.qde"))
    xmlschema.XMLSchema(str(fixtures / "refi/Project.xsd")).validate(str(tmp_path / "project.qde"))
    qde = (tmp_path / "project.qde").read_text()
    order = [m.group(1) for m in re.finditer(r"^  <(\w+)", qde, re.M)]
    assert order[order.index("Notes") :][:3] == ["Notes", "Links", "Description"] and qde.count("<Link ") == 3

    other = Store.open(tmp_path / "other.db", create=True)
    try:
        import_qdpx(other, tmp_path / "p.qdpx")
        import_qdpx(other, tmp_path / "p.qdpx")  # twice changes nothing

        def ends(s, link):
            if link.kind == "code":
                return (link.source, link.target)
            a, b = s.segment(link.source_id), s.segment(link.target_id)
            return ((a.start, a.end, a.text), (b.start, b.end, b.text))

        mine = sorted((l.guid, l.kind, l.relation, l.direction, l.memo, ends(store, l)) for l in list_links(store))
        theirs = sorted((l.guid, l.kind, l.relation, l.direction, l.memo, ends(other, l)) for l in list_links(other))
        assert theirs == mine and len(theirs) == 3
    finally:
        other.close()


def test_merging_codes_keeps_summaries_and_links(project):
    from workbench.codebook_edits import merge_codes
    from workbench.findings.framework import set_summary

    store = project
    set_summary(store, "participant", "RB-01", "Barriers/Time", "No hour in the week.", coder="maria")
    set_summary(store, "participant", "RB-01", "Barriers/Lack of buy-in", "Nobody believes in it.", note="n")
    add_link(store, "Barriers/Time", "leads to", "Barriers/Lack of buy-in")
    add_link(store, "Barriers/Funding and material resources", "leads to", "Barriers/Time")
    merge_codes(store, "Barriers/Time", "Barriers/Lack of buy-in")
    rows = store.framework_summaries()
    assert [(r.row_key, r.summary, r.note) for r in rows] == [
        ("RB-01", "Nobody believes in it.\n\nNo hour in the week.", "n")
    ]
    assert [(l.source, l.target) for l in list_links(store)] == [
        ("Barriers/Funding and material resources", "Barriers/Lack of buy-in")
    ]  # the self-link is dropped
