"""Framework charting, memo reports and their exports on the sample study and on hostile text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import add_memo, add_segment, resolve_code
from workbench.errors import NotFoundError
from workbench.findings.framework import build_framework, flag_quote, set_summary
from workbench.findings.memos import collect_memos, memo_report
from workbench.project import import_codebook, import_transcripts
from workbench.sample import build_demo
from workbench.store import Store

HOSTILE = "=HYPERLINK(\"http://x\") <script>alert(1)</script> [x](javascript:y) | *b*"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("demo") / "demo.db", create=True)
    build_demo(store)
    yield store
    store.close()


@pytest.fixture
def hostile(store, tmp_path, codebook_path):
    path = tmp_path / "h.txt"
    path.write_text("---\nsite: S1\nparticipant: P1\n---\nInterviewer: Q?\n\nP: " + HOSTILE + " and more words here.\n")
    import_transcripts(store, [path])
    import_codebook(store, codebook_path)
    text = store.transcript_text(1)
    start = text.index("=HYPERLINK")
    add_segment(store, transcript_id=1, code_id=resolve_code(store, "Barriers/Time")["id"], coder="maria",
                start=start, end=start + len(HOSTILE), memo=HOSTILE)
    add_memo(store, "project", None, HOSTILE, coder="maria")
    add_memo(store, "code", resolve_code(store, "Barriers")["id"], "code memo " + HOSTILE, coder="maria")
    add_memo(store, "transcript", 1, "transcript memo " + HOSTILE, coder="james")
    set_summary(store, "participant", "P1", "Barriers", HOSTILE, note=HOSTILE, coder="maria")
    flag_quote(store, 1, coder="maria")
    return store


def test_sample_study_has_framework_summaries_and_key_quotes(demo):
    fm = build_framework(demo, "participant")
    barriers = [fm.cells[(row, "Barriers")] for row in fm.rows]
    charted = [c for c in barriers if c.summary]
    assert len(charted) == 9 and fm.charted == 9  # every coded participant, one theme
    assert {c.row for c in charted} == {"HV-01", "KS-01", "LS-01", "LS-03", "MS-01", "MS-02", "NN-01", "RB-01", "RB-02"}
    flagged = demo.key_quote_ids()
    assert len(flagged) == 6
    for cell in charted:
        for quote in cell.quotes:  # every quote reference is a coded segment of that cell
            assert quote.segment_id in cell.segment_ids and quote.segment_id in flagged
            assert quote.participant == cell.row and quote.code.startswith("Barriers")
    assert sum(len(c.quotes) for c in charted) == 6
    # uncharted cells with coding still say how much coding is behind them; empty ones are kept
    assert fm.cells[("HV-02", "Barriers")].segment_ids == [] and "HV-02" in fm.rows


def test_summaries_are_audited_replaced_and_removed(hostile):
    store = hostile
    before = len(store.audit_entries(500))
    set_summary(store, "participant", "p1", "Barriers", "Second version", coder="james")  # case-insensitive row
    rows = store.framework_summaries()
    assert [(r["row_key"], r["summary"], r["coder"]) for r in rows] == [("P1", "Second version", "james")]
    entry = store.audit_entries(1)[0]
    assert entry["action"] == "framework.set"
    assert json.loads(entry["before"])["summary"] == HOSTILE and json.loads(entry["after"])["summary"] == "Second version"
    set_summary(store, "participant", "P1", "Barriers", "  ", coder="james")
    assert store.framework_summaries() == [] and store.audit_entries(1)[0]["action"] == "framework.clear"
    assert len(store.audit_entries(500)) == before + 2
    with pytest.raises(NotFoundError, match="no participant called 'P9'"):
        set_summary(store, "participant", "P9", "Barriers", "x")
    with pytest.raises(NotFoundError):
        set_summary(store, "site", "Nowhere", "Barriers", "x")
    with pytest.raises(NotFoundError):
        flag_quote(store, 999)
    assert flag_quote(store, 1) is False  # flagged already: nothing changes, nothing audited


def test_framework_exports_escape_and_neutralize(hostile, tmp_path):
    from markdown_it import MarkdownIt
    from openpyxl import load_workbook

    run = lambda *args: CliRunner().invoke(cli, ["--project", str(hostile.path), *args], obj={})
    md_out = run("framework")
    assert md_out.exit_code == 0, md_out.output
    rendered = MarkdownIt("commonmark").enable("table").render(md_out.output)
    assert "<script" not in rendered and "javascript:" not in rendered.replace("javascript:y)", "")
    assert "<a " not in rendered and "&lt;script&gt;" in rendered
    assert "<table>" in rendered and rendered.count("<tr>") == 2  # header + P1: the pipe did not split a cell
    assert "Q1" in rendered
    assert run("framework", "--format", "html", "-o", str(tmp_path / "f.html")).exit_code == 0
    page = (tmp_path / "f.html").read_text()
    assert "<script" not in page and "&lt;script&gt;" in page and "id=\"Q1\"" in page
    assert run("framework", "--format", "xlsx", "-o", str(tmp_path / "f.xlsx")).exit_code == 0
    book = load_workbook(tmp_path / "f.xlsx")
    values = [c.value for name in book.sheetnames for row in book[name].iter_rows() for c in row
              if isinstance(c.value, str)]
    assert values and all(not v.startswith(("=", "+", "-", "@")) for v in values)
    assert any(v.startswith("'=HYPERLINK") for v in values)
    assert run("framework", "--format", "xlsx").exit_code == 1  # needs a file name


def test_framework_set_and_quote_commands(hostile):
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(hostile.path), *args], obj={})
    result = run("framework", "set", "S1", "Barriers", "Site summary", "--rows", "site", "--coder", "ann")
    assert result.exit_code == 0, result.output
    assert [(r["row_kind"], r["row_key"], r["coder"]) for r in hostile.framework_summaries("site")] == [("site", "S1", "ann")]
    assert "Site summary" in run("framework", "--rows", "site").output
    assert run("quote", "unflag", "1").exit_code == 0 and hostile.key_quote_ids() == set()
    assert run("quote", "flag", "1").exit_code == 0 and hostile.key_quote_ids() == {1}
    bad = run("quote", "flag", "77")
    assert bad.exit_code == 1 and "no segment 77" in bad.output
    bad = run("framework", "set", "Nobody", "Barriers", "x")
    assert bad.exit_code == 1 and "no participant called" in bad.output
    assert run("framework", "set", "P1", "No such theme", "x").exit_code == 1


def test_memo_report_every_memo_with_context(hostile, tmp_path):
    from markdown_it import MarkdownIt

    items = collect_memos(hostile)
    assert sorted(i.kind for i in items) == ["code", "project", "segment", "transcript"]
    by_code = memo_report(hostile, by="code")
    by_transcript = memo_report(hostile, by="transcript")
    for text in (by_code, by_transcript):
        rendered = MarkdownIt("commonmark").render(text)
        assert "<script" not in rendered and "<a " not in rendered
        assert rendered.count("&lt;script&gt;") == 5  # four memos and the segment's quote
    assert by_code.index("## Barriers/Time") < by_code.index("Memos on transcripts")
    assert "## Barriers\n" in by_code and "on a passage of" in by_code
    assert "Memos on codes" in by_transcript and "## h\n\n*S1, P1" in by_transcript  # the transcript, with context
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(hostile.path), *args], obj={})
    assert run("memos", "--format", "html").exit_code == 1  # needs -o
    assert run("memos", "--by", "transcript", "--format", "html", "-o", str(tmp_path / "m.html")).exit_code == 0
    page = (tmp_path / "m.html").read_text()
    assert "<script" not in page and page.count("&lt;script&gt;") == 5
    assert "Content-Security-Policy" in page


def test_memo_report_on_the_sample_study(demo):
    text = memo_report(demo, by="code")
    segment_memos = [s for s in demo.segments() if (s["memo"] or "").strip()]
    assert text.count("- **on a passage of") == len(segment_memos) > 40
