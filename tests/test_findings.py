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

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database

HOSTILE = '=HYPERLINK("http://x") <script>alert(1)</script> [x](javascript:y) | *b*'


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
    add_segment(
        store,
        transcript_id=1,
        code_id=resolve_code(store, "Barriers/Time").id,
        coder="maria",
        start=start,
        end=start + len(HOSTILE),
        memo=HOSTILE,
    )
    add_memo(store, "project", None, HOSTILE, coder="maria")
    add_memo(store, "code", resolve_code(store, "Barriers").id, "code memo " + HOSTILE, coder="maria")
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
    assert [(r.row_key, r.summary, r.coder) for r in rows] == [("P1", "Second version", "james")]
    entry = store.audit_entries(1)[0]
    assert entry.action == "framework.set"
    assert json.loads(entry.before)["summary"] == HOSTILE and json.loads(entry.after)["summary"] == "Second version"
    set_summary(store, "participant", "P1", "Barriers", "  ", coder="james")
    assert store.framework_summaries() == [] and store.audit_entries(1)[0].action == "framework.clear"
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
    assert "<script" not in page and "&lt;script&gt;" in page and 'id="Q1"' in page
    assert run("framework", "--format", "xlsx", "-o", str(tmp_path / "f.xlsx")).exit_code == 0
    book = load_workbook(tmp_path / "f.xlsx")
    values = [
        c.value for name in book.sheetnames for row in book[name].iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert values and all(not v.startswith(("=", "+", "-", "@")) for v in values)
    assert any(v.startswith("'=HYPERLINK") for v in values)
    assert run("framework", "--format", "xlsx").exit_code == 1  # needs a file name


def test_framework_set_and_quote_commands(hostile):
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(hostile.path), *args], obj={})
    result = run("framework", "set", "S1", "Barriers", "Site summary", "--rows", "site", "--coder", "ann")
    assert result.exit_code == 0, result.output
    assert [(r.row_kind, r.row_key, r.coder) for r in hostile.framework_summaries("site")] == [("site", "S1", "ann")]
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
    segment_memos = [s for s in demo.segments() if (s.memo or "").strip()]
    assert text.count("- **on a passage of") == len(segment_memos) > 40


# -- the study report ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_md(demo):
    from workbench.findings.report import ReportSpec, write_report

    return write_report(demo, "md", ReportSpec(agreement_unit="turn"))


def test_report_renders_with_its_sections(report_md):
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(report_md.split("---\n", 2)[2])
    import re

    h2 = re.findall(r"<h2>(.*?)</h2>", html)
    assert h2 == ["The data", "Codebook", "Results", "Methods", "Appendix: data"]
    h3 = re.findall(r"<h3>(.*?)</h3>", html)
    assert h3 == [
        "Motivations to partner",
        "Accountability mechanisms",
        "Barriers",
        "Shared learning journey",
        "Inter-coder agreement",
        "Thematic saturation",
    ]
    assert html.count("<h4>Prevalence by site</h4>") == 4 and html.count("<h4>Key quotes</h4>") == 4
    assert html.count("<h4>Framework summaries</h4>") == 1  # the Barriers theme is charted in the sample
    assert "Saturation at" in html and "base 4, run 2" in html
    assert report_md.startswith("---\ntitle: ")  # pandoc/Quarto front matter


def test_report_quotes_are_attributed_to_the_right_people(demo, report_md):
    import re

    segments = {s.id: s for s in demo.segments()}
    flagged = demo.key_quote_ids()
    quotes = re.findall(r"> “(.*?)”\n>\n> — (.*?) \(Q(\d+)(, flagged)?\)", report_md)
    assert len(quotes) >= 12
    for text, who, number, flag in quotes:
        segment = segments[int(number)]
        assert " ".join(segment.text.split()).replace("[", "\\[").replace("]", "\\]") == text
        participant, role, site = who.split(", ", 2)
        assert (participant, site) == (segment.participant, segment.site)
        assert bool(flag) == (int(number) in flagged)
    barriers = report_md.split("### Barriers")[1].split("### Shared")[0]
    numbers = [int(n) for n in re.findall(r"\(Q(\d+)", barriers.split("#### Framework")[0])]
    assert set(numbers) == flagged  # flagged quotes first, and all of them


def test_report_prevalence_matches_an_independent_count(demo, report_md):
    segments = demo.segments()
    codes = {c.id: c.path.split("/")[0] for c in demo.codes(counts=False)}
    participants = demo.participants()
    for theme in ("Barriers", "Shared learning journey"):
        section = report_md.split(f"### {theme}\n")[1].split("#### Key quotes")[0]
        for site in {p.site for p in participants}:
            mine = [s for s in segments if codes[s.code_id] == theme and s.site == site]
            raised = {s.participant for s in mine}
            at_site = [p for p in participants if p.site == site]
            share = f"{len(raised) / len(at_site):.0%}"
            assert f"| {site} | {len(mine)} | {len(raised)} of {len(at_site)} | {share} |" in section


def test_report_agreement_paragraph_uses_the_agreement_computation(demo, report_md):
    from workbench.agreement.compute import AgreementSpec, compute_agreement

    result = compute_agreement(demo, AgreementSpec(coders=["james", "maria"], unit="turn", columns="theme"))
    methods = report_md.split("### Inter-coder agreement")[1].split("### Thematic saturation")[0]
    alpha = result.overall.krippendorff_alpha
    assert (f"{alpha:.3f}" in methods or f"{alpha:.2f}" in methods) and "turn" in methods


def test_report_html_is_single_file_and_escaped(hostile, tmp_path):
    run = lambda *args: CliRunner().invoke(cli, ["--project", str(hostile.path), *args], obj={})
    out = tmp_path / "r.html"
    result = run("report", "--format", "html", "-o", str(out), "--base", "1", "--run", "1")
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "<script" not in page and "&lt;script&gt;" in page and "<svg" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        "HYPERLINK(&quot;http://x", ""
    )
    assert "javascript:" not in page.split("<body>")[1].replace("(javascript:y)", "")
    md_text = run("report").output
    assert "&lt;script&gt;" in md_text and "Saturation could not be assessed" in md_text  # 1 interview < base 4
    assert "Inter-coder agreement was not assessed" in md_text  # one coder
