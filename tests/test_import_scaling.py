"""Import stays linear in the size of a transcript, commits in batches without holding the write
lock for a whole batch, and one bad file costs nothing of the others."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path


from workbench.project import import_transcripts
from workbench.store import Store

ROOT = Path(__file__).resolve().parent.parent
WORDS = "we had no time to talk about the referral process because the clinic was full every day".split()


def generated_transcript(path: Path, megabytes: float, seed: int = 1) -> Path:
    """Alternating interviewer and participant turns of 10-60 words, ``megabytes`` long."""
    rnd = random.Random(seed)
    parts, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        who = "Interviewer" if i % 2 == 0 else "Participant"
        line = f"{who}: " + " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(10, 60))) + ".\n\n"
        parts.append(line)
        size += len(line)
        i += 1
    path.write_text("".join(parts), encoding="utf-8")
    return path


def import_work(tmp_path: Path, source: Path, tag: str) -> tuple[int, list[str]]:
    """What importing one file into a new project does, counted rather than timed (a count is the
    same on a busy machine as on a quiet one): the Python and C calls made, and the SQL statements
    SQLite ran, with their text."""
    store = Store.open(tmp_path / f"{tag}.db", create=True)
    calls = 0
    statements: list[str] = []

    def count(frame, event, arg):
        nonlocal calls
        calls += 1

    store.conn.conn.set_trace_callback(statements.append)
    sys.setprofile(count)
    try:
        result = import_transcripts(store, [source])[0]
    finally:
        sys.setprofile(None)
        store.conn.conn.set_trace_callback(None)
        store.close()
    assert result.status == "imported", result.message
    return calls, statements


def test_import_does_work_linear_in_the_size_of_a_transcript(tmp_path):
    """4x the text costs at most 4.5x the work: the calls made and the statements run grow with the
    text, not with its square. Timing lives in benchmarks/run.py (the 1 MB / 4 MB figure)."""
    small = generated_transcript(tmp_path / "small.txt", 0.25)
    large = generated_transcript(tmp_path / "large.txt", 1.0)
    calls_a, statements_a = import_work(tmp_path, small, "a")
    calls_b, statements_b = import_work(tmp_path, large, "b")
    assert calls_b <= 4.5 * calls_a, f"4x the text made {calls_b / calls_a:.1f}x the calls"
    assert len(statements_b) <= 4.5 * len(statements_a), (
        f"4x the text ran {len(statements_b) / len(statements_a):.1f}x the statements"
    )
    assert len(statements_b) >= 3 * len(statements_a)  # the count does see the turns


def test_no_statement_cuts_the_search_index_text_out_of_the_transcript_in_sql(tmp_path):
    """SQLite's substr() counts characters from the start of the text on every call: filling the
    search index with it made importing a long transcript quadratic (12x-15x the time for 4x the
    text). Each turn's text is cut in Python and passed to SQLite as a parameter."""
    source = generated_transcript(tmp_path / "t.txt", 0.05)
    _, statements = import_work(tmp_path, source, "t")
    indexing = [s for s in statements if "turns_fts" in s and s.lstrip().upper().startswith("INSERT")]
    assert indexing, "the import filled no search index"
    offenders = [s[:200] for s in statements if any(f in s.lower() for f in ("substr(", "substring(", "instr("))]
    assert offenders == []


def test_search_index_holds_each_turns_text(tmp_path):
    source = tmp_path / "t.txt"
    source.write_text(
        "Interviewer: Ça va? Ünïcode first.\n\nCarol: 🙂 emoji before the words, then déjà vu.\n"
        "More of Carol's turn.\n\nInterviewer: Last one.\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "p.db", create=True)
    import_transcripts(store, [source])
    text = store.transcript_text(1)
    indexed = dict(store.conn.execute("SELECT rowid, text FROM turns_fts").fetchall())
    turns = store.turns(1)
    assert len(turns) == 3
    assert {t.id: text[t.start : t.end] for t in turns} == indexed
    assert [r.turn_id for r in store.search_turns("deja OR déjà")] == [turns[1].id]
    assert store.search_index_problems() == []
    store.close()


def test_a_file_failing_while_written_costs_nothing_of_the_others(tmp_path, monkeypatch):
    folder = tmp_path / "Site A"
    folder.mkdir()
    for i in range(6):
        (folder / f"t{i}.txt").write_text(f"Interviewer: Question {i}?\n\nR: Answer {i}.\n")
    store = Store.open(tmp_path / "p.db", create=True)
    real = store.insert_transcript

    def fail_on_third(**kwargs):
        transcript_id = real(**kwargs)  # the transcript and its turns are written, then it fails
        if kwargs["title"] == "t2":
            raise RuntimeError("simulated failure after writing")
        return transcript_id

    monkeypatch.setattr(store, "insert_transcript", fail_on_third)
    results = import_transcripts(store, [folder])
    store.close()
    assert [r.status for r in results] == ["imported", "imported", "failed", "imported", "imported", "imported"]
    check = Store.open(tmp_path / "p.db")
    assert sorted(t.title for t in check.transcripts()) == ["t0", "t1", "t3", "t4", "t5"]
    assert check.conn.execute("SELECT count(*) FROM turns").fetchone()[0] == 10  # none of t2's turns
    assert check.search_index_problems() == []
    check.close()


def test_a_long_import_never_keeps_another_writer_waiting_long(tmp_path):
    """While one process imports 700 files (several seconds), another writes every 50 ms with a
    2.5 s busy timeout: it never hears "busy" (the import commits at least every half second; a
    batch holding the lock for the whole import would make it wait more than 2.5 s)."""
    folder = tmp_path / "site"
    folder.mkdir()
    for i in range(700):
        (folder / f"t{i:03d}.txt").write_text(f"Interviewer: Question {i}?\n\nR: " + "Answer words here. " * 400 + "\n")
    project = tmp_path / "p.db"
    store = Store.open(project, create=True)
    with store.transaction():
        store.site_id("seed")
    store.close()
    code = textwrap.dedent(f"""
        import sys, time
        from workbench.store import Store
        from workbench.project import import_transcripts
        store = Store.open({str(project)!r})
        print("ready", flush=True)
        started = time.monotonic()
        results = import_transcripts(store, [{str(folder)!r}])
        print("done", sum(r.status == "imported" for r in results), round(time.monotonic() - started, 1), flush=True)
    """)
    importer = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert importer.stdout.readline().strip() == "ready"
    writer_code = textwrap.dedent(f"""
        import time
        from workbench.store import Store
        from workbench.errors import WorkbenchError
        store = Store.open({str(project)!r})
        busy = writes = 0
        end = time.monotonic() + 8
        while time.monotonic() < end:
            try:
                with store.transaction():
                    store.set_meta("tick", str(time.monotonic()))
                writes += 1
            except WorkbenchError as exc:
                busy += 1
                print(exc, flush=True)
            time.sleep(0.05)
        print("result", writes, busy, flush=True)
    """)
    writer = subprocess.run(
        [sys.executable, "-c", writer_code],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "WORKBENCH_BUSY_TIMEOUT_MS": "2500"},
    )
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert out.split()[:2] == ["done", "700"]
    assert float(out.split()[2]) > 2.5, "the import was too quick to show anything"
    result = writer.stdout.split("result")[-1].split()
    assert int(result[1]) == 0, writer.stdout
    assert int(result[0]) > 10


def test_a_listing_command_imports_no_heavy_library(tmp_path):
    """Opening the store must not pull in sqlite_utils (and with it pandas and numpy, 0.2-0.3 s on
    every command): a listing command loads none of pandas, numpy, spaCy, Textual, sqlite_utils."""
    project = tmp_path / "p.db"
    Store.open(project, create=True).close()
    code = textwrap.dedent(f"""
        import sys
        from workbench.cli import cli
        try:
            cli.main(["--project", {str(project)!r}, "transcripts"], standalone_mode=False, obj={{}})
        except SystemExit:
            pass
        heavy = [m for m in ("pandas", "numpy", "spacy", "textual", "sqlite_utils", "openpyxl") if m in sys.modules]
        print("heavy", *heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split()[-1] == "heavy" or out.stdout.strip() == "heavy", out.stdout + out.stderr
