"""Hostile project text against everything that writes output, and hostile destinations against
everything that writes files.

A project is built (through the normal import paths, all inputs generated here) whose code names,
definitions, memos, site names, participant labels, roles, coder names, titles and transcript text
carry HTML/script payloads, Markdown links and pipes, spreadsheet formulas (also after a carriage
return) and terminal escape sequences. Then:

- every HTML output is parsed: no element or attribute comes from project text, and the payload
  text is there as text; headless Chromium opens the pages and no script runs (skipped with a
  reason when Chromium is absent);
- every Markdown output holds no raw HTML, no link syntax and no unescaped pipe in a table;
- every CSV field that starts a line (after CR or LF) is neutralized, and every XLSX cell too;
- nothing printed to a terminal carries a raw control character;
- every file writer refuses device nodes, FIFOs, folders, symbolic links and the project itself,
  asks for --force before replacing a file, and gives new files the user's umask mode.

``HOSTILE_INPUTS`` counts the inputs tried (see the report at the end of the module).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import add_memo, add_segment
from workbench.output import csv_text, html_text, md_text, neutralize, printable, to_table
from workbench.project import import_codebook, import_transcripts
from workbench.store import Store

# The marker only exists if a script runs: the page's text holds the character codes, never the word.
RUN = "String.fromCharCode(80,87,78,69,68)"
MARKER = "PWNED"
IMG = f"<img src=x onerror=document.title={RUN}>"
SVG = f"<svg onload=document.title={RUN}>"
DQ = f'"><img src=x onerror=document.title={RUN}>'
SQ = f"'><img src=x onerror=document.title={RUN}>"
SCRIPT = f"<script>document.title={RUN}</script>"
IFRAME = f'<iframe srcdoc="<script>parent.document.title={RUN}</script>"></iframe>'
MD = "[click](javascript:alert(1)) | pipe | ![i](http://tracker.example/p.png) <!-- x"
ESC = "\x1b]0;retitled\x07\x1b[2J\x9b31m\u202e"
HTML_PAYLOADS = [IMG, SVG, DQ, SQ, SCRIPT, IFRAME, MD]
FORMULAS = ["=1+1", "\r=1+1", "x\n@SUM(A1)", "+cmd", "-2+3", "\t=2", 'a\r\n=HYPERLINK("x")']
FORMULA_START = ("=", "+", "-", "@", "\t")


def _build(root: Path) -> Path:
    book = {
        "name": "Book " + IMG,
        "description": SCRIPT + " " + MD,
        "codes": [
            {
                "name": IMG,
                "definition": SCRIPT,
                "when_to_use": MD,
                "when_not_to_use": IFRAME,
                "example": SQ,
                "keywords": [SVG],
                "colour": "#123456",
                "children": [{"name": SVG, "definition": "=1+1"}, {"name": '=HYPERLINK("x")'}, {"name": DQ}],
            },
            {"name": "Pipe | code", "definition": "<!-- open comment", "children": [{"name": SQ}]},
        ],
    }
    (root / "book.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    site = root / IMG
    site.mkdir()
    front = {"participant": SVG, "role": DQ, "title": "T " + SQ, "interviewer": SCRIPT}
    for n, extra in enumerate(["", " again"]):
        front["participant"] = SVG + extra
        front["title"] = f"T{n} " + SQ
        (site / f"t{n}.txt").write_text(
            "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n"
            f"Interviewer: {SCRIPT} and {IFRAME}\n\nCarol: =1+1 and {IMG} and {MD}\n\n"
            f"Carol: @SUM(A1) -2+3 +cmd {DQ}\n",
            encoding="utf-8",
        )
    project = root / "p.db"
    store = Store.open(project, create=True)
    try:
        import_codebook(store, root / "book.yaml")
        results = import_transcripts(store, [site])
        assert all(r.status == "imported" for r in results), [r.message for r in results]
        codes = [c for c in store.codes(counts=False)]
        for t in store.transcripts():
            text = store.transcript_text(t.id)
            starts = [m.start() for m in re.finditer("Carol", text)] + [0]
            for i, code in enumerate(codes):
                for coder in (f"eve {SQ}", "=cmd coder"):
                    start = starts[i % len(starts)]
                    add_segment(
                        store,
                        transcript_id=t.id,
                        code_id=code.id,
                        coder=coder,
                        start=start,
                        end=min(start + 40 + i, len(text)),
                        memo=FORMULAS[i % len(FORMULAS)] + " " + IMG,
                    )
            add_memo(store, "transcript", t.id, SCRIPT + "\r=1+1", coder="eve")
        add_memo(store, "code", codes[0].id, IFRAME, coder="eve")
        # Projects made before import cleaned control characters may hold them: put some in.
        conn = store.conn
        with conn.transaction() as c:
            c.execute("UPDATE codes SET name = name || ? WHERE id = ?", (ESC, codes[-1].id))
            c.execute("UPDATE sites SET name = name || ?", (ESC,))
            c.execute("UPDATE segments SET memo = memo || ? WHERE id = 1", (ESC,))
            c.execute("UPDATE coders SET name = name || ? WHERE name LIKE 'eve%'", (ESC,))
    finally:
        store.close()
    return project


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("hostile"))


def _run(project: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["--project", str(project), *args], obj={})
    if ok:
        assert result.exit_code == 0, (args, result.output, result.exception)
    return result


# ---------------------------------------------------------------------------------------------
# HTML: no element or attribute from project text; the text is there, as text.

ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "p",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "blockquote",
    "span",
    "b",
    "i",
    "dl",
    "dt",
    "dd",
}
ALLOWED_ATTRS = {"lang", "charset", "http-equiv", "content", "class", "style", "title"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, attrs))

    def handle_data(self, data):  # noqa: ANN001
        self.text.append(data)

    def handle_comment(self, data):  # noqa: ANN001
        self.comments.append(data)


def assert_safe_html(page: str, expected_text: list[str]) -> None:
    parser = _Page()
    parser.feed(page)
    parser.close()
    bad = [(t, a) for t, a in parser.tags if t not in ALLOWED_TAGS or any(k not in ALLOWED_ATTRS for k, _ in a)]
    assert not bad, bad[:5]
    for _, attrs in parser.tags:
        for key, value in attrs:
            if key == "style":
                assert "url(" not in (value or "") and "expression" not in (value or ""), value
    assert not parser.comments, parser.comments[:3]
    text = "".join(parser.text)
    for payload in expected_text:
        assert payload in text, f"{payload!r} is missing from the page's text"


HTML_COMMANDS = [
    ["matrix", "--value", "excerpts"],
    ["matrix", "--rows", "participant", "--columns", "code"],
    ["matrix", "--rows", "role", "--columns", "level2", "--value", "share"],
    ["matrix", "--rows", "transcript", "--columns", "code", "--value", "excerpts", "--transpose"],
    ["matrix", "--rows", "coder", "--columns", "code", "--value", "participants"],
    ["frequencies"],
    ["frequencies", "--columns", "theme"],
    ["cooccurrence"],
    ["cooccurrence", "--unit", "turn"],
]


@pytest.mark.parametrize("args", HTML_COMMANDS, ids=lambda a: "-".join(a).replace("--", ""))
def test_html_outputs_escape_all_project_text(hostile, tmp_path, args):
    out = tmp_path / "page.html"
    _run(hostile, *args, "--format", "html", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert_safe_html(page, [IMG])  # a code name or site name in every table
    assert "\x1b" not in page and "\x9b" not in page


def test_matrix_html_carries_every_kind_of_hostile_text(hostile, tmp_path):
    """Site names, participant labels, transcript text, codebook fields: all shown, none markup."""
    out = tmp_path / "r.html"
    _run(hostile, "matrix", "--value", "excerpts", "--format", "html", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert_safe_html(page, [IMG, SVG, SCRIPT, IFRAME, SQ, DQ, "[click](javascript:alert(1))", "<!-- open comment"])
    assert "Content-Security-Policy" in page


def test_report_drops_a_colour_that_is_not_a_colour():
    from workbench.export.report import _codebook
    from workbench.models import Codebook, CodeSpec

    book = Codebook(
        name="b",
        codes=[
            CodeSpec(name="a", colour="red;background:url(http://x.example/t)"),
            CodeSpec(name="b", colour="#a1b2c3"),
        ],
    )
    page = _codebook(book)
    assert "url(" not in page and "background:#a1b2c3" in page


# ---------------------------------------------------------------------------------------------
# Headless Chromium: the pages run no script.


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _dump_dom(browser: str, page: Path) -> str:
    profile = tempfile.mkdtemp(prefix="wb-chromium-")
    try:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=2000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout


@pytest.mark.slow
def test_no_script_runs_in_headless_chromium(hostile, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); the HTML parser tests still run")
    # The harness first proves it can see a script run: an unescaped payload sets the marker.
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{IMG}</body></html>")
    assert MARKER in _dump_dom(browser, control)
    pages = []
    for n, args in enumerate(
        [
            ["matrix", "--value", "excerpts"],
            ["frequencies"],
            ["cooccurrence"],
            ["matrix", "--rows", "participant", "--columns", "code", "--value", "excerpts"],
        ]
    ):
        out = tmp_path / f"p{n}.html"
        _run(hostile, *args, "--format", "html", "-o", str(out))
        pages.append(out)
    for page in pages:
        dom = _dump_dom(browser, page)
        assert MARKER not in dom, page.name
        assert "onerror" in dom  # the payload is on the page, as text


# ---------------------------------------------------------------------------------------------
# Markdown: no raw HTML, no links, no unescaped pipes in tables.


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def assert_safe_markdown(text: str, table_columns: int | None = None) -> None:
    without_br = text.replace("<br>", "")
    assert "<" not in without_br and ">" not in without_br.replace("&gt;", ""), [
        line for line in text.splitlines() if "<" in line.replace("<br>", "")
    ][:3]
    assert not re.search(r"(?<!\\)\[", text), "an unescaped [ can start a link"
    assert "\x1b" not in text and "\x9b" not in text
    if table_columns is not None:
        rows = [line for line in text.splitlines() if line.startswith("|")]
        assert rows
        for line in rows:
            assert _unescaped_pipes(line) == table_columns + 2, line


@pytest.mark.parametrize(
    "args",
    [
        ["matrix"],
        ["matrix", "--value", "excerpts", "--columns", "code"],
        ["matrix", "--rows", "participant"],
        ["frequencies"],
        ["cooccurrence"],
    ],
    ids=lambda a: "-".join(a).replace("--", ""),
)
def test_markdown_tables_escape_html_and_pipes(hostile, args):
    text = _run(hostile, *args, "--format", "md").output
    header = next(line for line in text.splitlines() if line.startswith("|"))
    assert_safe_markdown(text, _unescaped_pipes(header) - 2)
    assert "&lt;img src=x onerror" in text


def test_markdown_codebook_escapes_html(hostile):
    text = _run(hostile, "codebook", "export", "--format", "md").output
    assert_safe_markdown(text)
    assert "&lt;script&gt;" in text and "Pipe \\| code" in text


def test_md_and_html_text_units():
    assert md_text("<b>|[x](y)\nz") == "&lt;b&gt;\\|\\[x\\](y)<br>z"
    assert html_text("\"'<>&\x1b") == "&quot;&#x27;&lt;&gt;&amp;\\x1b"


# ---------------------------------------------------------------------------------------------
# CSV and XLSX: no line of a CSV file and no cell begins a formula, whatever the line break.


def _line_starts(text: str) -> list[str]:
    """Every piece of a CSV document after a CR or LF, whether or not a reader honours quotes."""
    return [piece.lstrip('"') for piece in re.split(r"[\r\n]+", text) if piece]


def assert_no_formula_starts(text: str) -> None:
    bad = [p for p in _line_starts(text) if p.startswith(FORMULA_START)]
    assert not bad, bad[:5]
    for row in csv.reader(io.StringIO(text, newline="")):
        for field in row:
            assert not field.startswith(FORMULA_START), field
            assert not re.search(r"[\r\n][=+\-@\t]", field), field


@pytest.mark.parametrize(
    "args",
    [
        ["segments"],
        ["transcripts"],
        ["frequencies"],
        ["cooccurrence"],
        ["matrix", "--value", "excerpts"],
        ["matrix", "--rows", "coder"],
        ["agreement", "--unit", "turn"],
    ],
    ids=lambda a: "-".join(a).replace("--", ""),
)
def test_csv_outputs_never_start_a_formula(hostile, args):
    text = _run(hostile, *args, "--format", "csv").output
    assert_no_formula_starts(text)


def test_tidy_and_segment_memos_with_carriage_returns(hostile):
    assert_no_formula_starts(_run(hostile, "matrix", "--value", "excerpts", "--format", "tidy").output)
    text = _run(hostile, "segments", "--format", "csv").output
    memos = [row["memo"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert any(memo.startswith("'\r'=1+1") for memo in memos), memos[:8]
    assert any("\n'@SUM(A1)" in memo for memo in memos)


def test_csv_quotes_every_field_with_cr_lf_comma_or_quote():
    text = csv_text(["a", "b"], [["\r=1+1", "plain"], ["x,y", 'say "hi"'], ["one\ntwo", ""]])
    assert text == 'a,b\n"\'\r\'=1+1",plain\n"x,y","say ""hi"""\n"one\ntwo",\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b"],
        ["'\r'=1+1", "plain"],
        ["x,y", 'say "hi"'],
        ["one\ntwo", ""],
    ]
    assert neutralize("ok\n-1") == "ok\n'-1" and neutralize(-1) == -1 and neutralize("a-b") == "a-b"


@pytest.mark.parametrize(
    "args", [["matrix", "--value", "excerpts"], ["frequencies"], ["agreement", "--unit", "turn"]], ids=lambda a: a[0]
)
def test_xlsx_cells_never_start_a_formula(hostile, tmp_path, args):
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    _run(hostile, *args, "--format", "xlsx", "-o", str(out))
    book = load_workbook(out)
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert cells
    for value in cells:
        assert not value.startswith(FORMULA_START) and not re.search(r"[\r\n][=+\-@\t]", value), value
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", value), value
    if args[0] == "matrix":
        assert any("\\x1b" in v for v in cells)  # control characters are shown, not dropped


# ---------------------------------------------------------------------------------------------
# Terminals: no raw control character reaches one.


def test_printable_and_tables_show_control_characters():
    assert printable("a\x1b[2Jb\x07\x9bc\u202e\td\n") == "a\\x1b[2Jb\\x07\\x9bc\\u202e\td\n"
    table = to_table([{"name": "x\x1b]0;t\x07", "n": 1}], [("name", "name"), ("n", "n")], width=80)
    assert "\x1b" not in table and "\\x1b]0;t\\x07" in table


def test_json_output_has_no_raw_control_characters(hostile):
    text = _run(hostile, "segments", "--format", "json").output
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text)
    assert any("\x1b" in (row["memo"] or "") for row in json.loads(text))  # same data back


def test_error_messages_show_control_characters(hostile):
    result = _run(hostile, "segments", "--code", "no such\x1b[2J\x07code", ok=False)
    assert result.exit_code == 1 and "\x1b" not in result.output and "\\x1b[2J" in result.output


def _in_terminal(project: Path, commands: list[list[str]]) -> list[tuple[list[str], str]]:
    import pty

    exe = Path(sys.executable).with_name("workbench")
    outputs = []
    for args in commands:
        main, child = pty.openpty()
        process = subprocess.Popen(
            [str(exe), "--project", str(project), *args],
            stdin=child,
            stdout=child,
            stderr=child,
            env={**os.environ, "COLUMNS": "200"},
        )
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        process.wait(timeout=60)
        os.close(main)
        outputs.append((args, b"".join(chunks).decode("utf-8", "replace")))
    for args, text in outputs:
        assert "Traceback" not in text and "This is a bug" not in text, (args, text[-500:])
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]", text), (args, repr(text[:300]))
    return outputs


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_names_and_errors_reach_a_real_terminal_escaped(hostile):
    """The CLI in a pseudo-terminal: the code tree (names printed as they are) and an error."""
    outputs = _in_terminal(
        hostile, [["codebook", "show"], ["code", "add", "nothing\x1b[2J", "--code", "x", "--start", "0", "--end", "1"]]
    )
    assert "\\x1b]0;retitled\\x07" in outputs[0][1] and "\\x1b[2J" in outputs[1][1]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_every_listing_reaches_a_real_terminal_escaped(hostile):
    outputs = _in_terminal(
        hostile,
        [
            ["segments"],
            ["transcripts"],
            ["frequencies"],
            ["segments", "--format", "csv"],
            ["codebook", "export", "--format", "md"],
            ["agreement", "--unit", "turn"],
            ["matrix", "--rows", "coder"],
            ["codebook", "history"],
        ],
    )
    assert "\\x1b]0;retitled\\x07" in outputs[3][1] and "retitled" in outputs[4][1]


# ---------------------------------------------------------------------------------------------
# Destinations: every file writer, every kind of hostile destination.

WRITERS = {
    "matrix-csv": ["matrix", "--format", "csv", "-o"],
    "matrix-xlsx": ["matrix", "--format", "xlsx", "-o"],
    "matrix-html": ["matrix", "--format", "html", "-o"],
    "frequencies-xlsx": ["frequencies", "--format", "xlsx", "-o"],
    "cooccurrence-md": ["cooccurrence", "--format", "md", "-o"],
    "segments-csv": ["segments", "--format", "csv", "-o"],
    "codebook-yaml": ["codebook", "export", "-o"],
    "codebook-qdc": ["codebook", "export", "--format", "qdc", "-o"],
    "agreement-xlsx": ["agreement", "--unit", "turn", "--format", "xlsx", "-o"],
    "agreement-json": ["agreement", "--unit", "turn", "--format", "json", "-o"],
    "export-qdpx": ["export", "qdpx"],
}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".partial"))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A small clean project (the writers' content does not matter here)."""
    root = tmp_path_factory.mktemp("small")
    project = root / "p.db"
    folder = root / "Site A"
    folder.mkdir()
    (folder / "a.txt").write_text("Interviewer: Why?\n\nCarol: No time.\n")
    _run(project, "init")
    _run(project, "codebook", "import", str(Path(__file__).resolve().parent.parent / "codebooks" / "partnerships.yaml"))
    _run(project, "import", str(folder))
    for coder in ("maria", "james"):
        _run(project, "code", "add", "a", "--code", "Barriers/Time", "--text", "No time", "--coder", coder)
    return project


@pytest.mark.parametrize("writer", list(WRITERS))
def test_writers_refuse_hostile_destinations(small, tmp_path, writer):
    args = WRITERS[writer]
    folder = tmp_path / "out"
    folder.mkdir()
    ext = "." + (
        "qdpx" if writer == "export-qdpx" else args[args.index("--format") + 1] if "--format" in args else "yaml"
    )

    # a new path: written, with the user's normal mode
    new = folder / f"new{ext}"
    old_mask = os.umask(0o027)
    try:
        _run(small, *args, str(new))
    finally:
        os.umask(old_mask)
    assert new.stat().st_size > 0 and stat.S_IMODE(new.stat().st_mode) == 0o640
    first = new.read_bytes()

    # an existing file: refused without --force, untouched; replaced with it, mode kept
    existing = folder / f"existing{ext}"
    existing.write_bytes(b"someone else's file")
    existing.chmod(0o604)
    result = _run(small, *args, str(existing), ok=False)
    assert result.exit_code == 1 and "already exists" in result.output and "--force" in result.output
    assert existing.read_bytes() == b"someone else's file"
    _run(small, *args, str(existing), "--force")
    assert existing.read_bytes() != b"someone else's file" and len(existing.read_bytes()) > 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o604

    # a symbolic link (to a victim file, and dangling): refused even with --force
    victim = folder / "victim.txt"
    victim.write_bytes(b"victim")
    link = folder / f"link{ext}"
    link.symlink_to(victim)
    dangling = folder / f"dangling{ext}"
    dangling.symlink_to(folder / "nowhere")
    for target in (link, dangling):
        for force in ((), ("--force",)):
            result = _run(small, *args, str(target), *force, ok=False)
            assert result.exit_code == 1 and "symbolic link" in result.output, result.output
    assert victim.read_bytes() == b"victim" and link.is_symlink() and not (folder / "nowhere").exists()

    # a FIFO (writing would block forever), a folder, a missing folder: refused at once
    fifo = folder / f"fifo{ext}"
    os.mkfifo(fifo)
    sub = folder / f"dir{ext}"
    sub.mkdir()
    for target, words in ((fifo, "named pipe"), (sub, "director"), (folder / "missing" / f"x{ext}", "does not exist")):
        result = _run(small, *args, str(target), "--force", ok=False)
        assert result.exit_code in (1, 2) and words in result.output, result.output  # 2: Click's usage error
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and sub.is_dir()

    # the project itself
    result = _run(small, *args, str(small), "--force", ok=False)
    assert result.exit_code == 1 and "the project itself" in result.output
    assert _leftovers(folder) == [] and first


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("writer", ["matrix-csv", "matrix-xlsx", "codebook-qdc", "export-qdpx"])
def test_writers_refuse_a_device_node(small, tmp_path, writer):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
    result = _run(small, *WRITERS[writer], str(node), "--force", ok=False)
    assert result.exit_code == 1 and "character device" in result.output
    assert stat.S_ISCHR(os.lstat(node).st_mode) and os.lstat(node).st_rdev == os.makedev(1, 3)


def test_backup_refuses_links_and_devices(small, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("v")
    link = tmp_path / "b.db"
    link.symlink_to(victim)
    assert "symbolic link" in _run(small, "backup", str(link), ok=False).output
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "named pipe" in _run(small, "backup", str(fifo), ok=False).output
    assert victim.read_text() == "v"


def test_failed_export_leaves_nothing_and_keeps_the_old_file(small, tmp_path, monkeypatch):
    from workbench.export import destination

    out = tmp_path / "m.csv"
    out.write_text("old")

    def broken(path, data, **kwargs):  # noqa: ANN001
        with destination.replacing(path, **kwargs) as tmp:
            tmp.write_text("half")
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        broken(out, "x", force=True)
    assert out.read_text() == "old" and _leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# import-codings: hostile spreadsheets end in a clear error, fast, with nothing imported.


def _xlsx(rows: list[list], parts: dict[str, object] | None = None) -> bytes:
    """A real workbook from openpyxl, with some of its parts rewritten (function of the old bytes)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    parts = parts or {}
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in source.namelist():
            data = source.read(name)
            archive.writestr(name, parts[name](data) if name in parts else data)
        for name, make in parts.items():
            if name not in source.namelist():
                archive.writestr(name, make(b""))
    return out.getvalue()


HEAD = ["transcript", "code", "coder", "start", "end"]
SHEET = "xl/worksheets/sheet1.xml"


def _declared_huge(data: bytes, rows: int = 3000) -> bytes:
    data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
    extra = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(3, rows + 3))
    return data.replace(b"</sheetData>", extra + b"</sheetData>")


def _shared_strings(count: int):
    def make(_: bytes) -> bytes:
        return (
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"<si><t>a</t></si>" * count
            + b"</sst>"
        )

    return make


def _ss_rels(data: bytes) -> bytes:
    return data.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )


def _ss_types(data: bytes) -> bytes:
    return data.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )


def _far_cell(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="3"><c r="XFD3"><v>1</v></c></row></sheetData>')


def _far_row(data: bytes) -> bytes:
    return data.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')


def _many_rows(data: bytes) -> bytes:
    extra = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(3, 100_010))
    return data.replace(b"</sheetData>", extra + b"</sheetData>")


XLSX_CASES = {
    "declared-dimensions": ({SHEET: _declared_huge}, None),  # imports: the declared size is ignored
    "shared-strings": (
        {
            "xl/sharedStrings.xml": _shared_strings(400_000),
            "xl/_rels/workbook.xml.rels": _ss_rels,
            "[Content_Types].xml": _ss_types,
        },
        "300,000 shared strings",
    ),
    "far-column": ({SHEET: _far_cell}, "1,000 columns"),
    "far-row": ({SHEET: _far_row}, "100,000 rows"),
    "many-rows": ({SHEET: _many_rows}, "100,000 rows"),
}


@pytest.fixture
def coding_project(small, tmp_path) -> Path:
    copy = tmp_path / "c.db"
    _run(small, "backup", str(copy))
    return copy


def _segments(project: Path) -> int:
    return len(json.loads(_run(project, "segments", "--format", "json").output))


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=pytest.mark.slow) if c == "many-rows" else c for c in XLSX_CASES]
)
def test_import_codings_bounds_hostile_spreadsheets(coding_project, tmp_path, case):
    import time

    parts, words = XLSX_CASES[case]
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(_xlsx([HEAD, ["a", "Barriers/Time", "lee", 0, 10]], parts))
    before = _segments(coding_project)
    began = time.perf_counter()
    result = _run(coding_project, "import-codings", str(path), ok=False)
    took = time.perf_counter() - began
    # a guard against a hang or a row-by-row blow-up (minutes), not a speed test: 100,000 real rows are
    # read in a few seconds on a quiet machine, and CI shares two cores with other work
    assert took < (120 if case == "many-rows" else 60), f"{case} took {took:.1f} s"
    assert "Traceback" not in result.output and "bug" not in result.output
    if words is None:
        # the 3,000 one-cell rows have no code: refused row by row, in seconds, nothing imported
        assert result.exit_code == 1 and "rows cannot be imported" in result.output, result.output
    else:
        assert result.exit_code == 1 and f"at most {words}" in result.output and str(path) in result.output, (
            result.output
        )
    assert _segments(coding_project) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "value",
    ["1" * 5000, "1e400", "-5", "12abc", "nan", "9" * 13],
    ids=["5000-digits", "1e400", "negative", "12abc", "nan", "13-digits"],
)
def test_import_codings_refuses_absurd_offsets_with_row_and_column(coding_project, tmp_path, fmt, value):
    rows = [HEAD, ["a", "Barriers/Time", "lee", "0", "5"], ["a", "Barriers/Time", "lee", value, "10"]]
    path = tmp_path / f"c.{fmt}"
    if fmt == "csv":
        path.write_text("".join(",".join(r) + "\n" for r in rows))
    else:
        path.write_bytes(_xlsx(rows))
    before = _segments(coding_project)
    result = _run(coding_project, "import-codings", str(path), ok=False)
    assert result.exit_code == 1 and "bug" not in result.output, result.output
    assert "row 3: column start:" in result.output and "is not an offset" in result.output, result.output
    assert len(result.output) < 1000 and _segments(coding_project) == before


def test_import_codings_accepts_spreadsheet_numbers(coding_project, tmp_path):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(_xlsx([HEAD, ["a", "Barriers/Time", "lee", 0.0, 7]]))
    before = _segments(coding_project)
    assert "1 segments imported" in _run(coding_project, "import-codings", str(path)).output
    assert _segments(coding_project) == before + 1


def test_import_codings_refuses_a_broken_csv(coding_project, tmp_path):
    path = tmp_path / "big-field.csv"
    path.write_text('transcript,code,coder,start,end\n"a' + "x" * 200_000 + '",Barriers/Time,lee,0,5\n')
    result = _run(coding_project, "import-codings", str(path), ok=False)
    assert result.exit_code == 1 and "not a readable CSV file" in result.output and "bug" not in result.output


def test_size_limit_message_says_50_mb(tmp_path):
    """A sparse 51 MB transcript: refused with the limit the README states."""
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    result = _run(tmp_path / "p.db", "import", str(big), ok=False)
    assert result.exit_code == 1 and "over the 50 MB limit" in result.output and "51.0 MB" in result.output
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "over 50 MB" in readme
