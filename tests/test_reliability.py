"""Nothing is lost: killed processes, concurrent coders, a locked project, and malformed input."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.codebook import parse_codebook
from workbench.errors import InputError
from workbench.ingest import read_transcript
from workbench.project import import_codebook, import_transcripts
from workbench.store import Store

ROOT = Path(__file__).resolve().parent.parent


def child(code: str, env: dict | None = None) -> subprocess.Popen:
    """A separate Python process running ``code`` with the workbench importable."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def wait_for_acks(process: subprocess.Popen, count: int, timeout: float = 60) -> list[str]:
    acks: list[str] = []
    deadline = time.monotonic() + timeout
    while len(acks) < count and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("ack "):
            acks.append(line.split()[1])
    return acks


def check_intact(path: Path | str) -> Store:
    if "://" in str(path):  # a team database: the server keeps it whole
        return Store.open(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    return Store.open(path)


@pytest.fixture
def coded_project(location, tmp_path, codebook_path):
    path = location  # a file; for the test marked both_engines, then a team database
    store = Store.open(path, create=True)
    source = tmp_path / "a.txt"
    source.write_text("Interviewer: Why?\n\nCarol: " + "We had no time at all. " * 400 + "\n")
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    store.close()
    return path


@pytest.mark.both_engines
def test_sigkill_during_a_burst_of_coding_keeps_every_acknowledged_segment(coded_project):
    process = child(f"""
        from workbench.store import Store
        from workbench.coding import add_segment
        store = Store.open({str(coded_project)!r})
        code = store.codes()[3].id
        for i in range(100000):
            segment = add_segment(store, transcript_id=1, code_id=code, coder="maria", start=i % 9000, end=i % 9000 + 5 + i // 9000)
            print("ack", segment.id, flush=True)
    """)
    acks = wait_for_acks(process, 150)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(acks) == 150
    store = check_intact(coded_project)
    stored = {str(s.id) for s in store.segments()}
    assert set(acks) <= stored
    audited = {str(a.entity_id) for a in store.audit_entries(limit=100000, entity="segment")}
    assert set(acks) <= audited  # every acknowledged change is in the audit log too


def test_sigkill_during_an_import_keeps_finished_files_and_no_half_file(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    for i in range(300):
        (folder / f"t{i:03d}.txt").write_text(
            f"Interviewer: Question {i}?\n\nR: " + "Answer words here. " * 3000 + "\n"
        )
    project = tmp_path / "p.db"
    process = child(f"""
        from pathlib import Path
        from workbench.store import Store
        from workbench.project import import_transcripts
        store = Store.open({str(project)!r}, create=True)
        for path in sorted(Path({str(folder)!r}).glob("*.txt")):
            result = import_transcripts(store, [path])[0]
            print("ack", path.name, result.status, flush=True)
    """)
    acks = wait_for_acks(process, 20)
    process.send_signal(signal.SIGKILL)
    process.wait()
    store = check_intact(project)
    imported = {t.source_name for t in store.transcripts()}
    assert set(acks) <= imported
    for t in store.transcripts():  # every transcript that is there is whole, with all its turns
        assert t.turns == 2 and t.words > 9000


@pytest.mark.slow  # kills a merge at many points, in real processes
def test_sigkill_during_a_merge_leaves_all_or_nothing(tmp_path, codebook_path):
    other = tmp_path / "other.db"
    store = Store.open(other, create=True)
    import_codebook(store, codebook_path)
    for i in range(40):
        path = tmp_path / f"o{i}.txt"
        path.write_text(f"Interviewer: {i}?\n\nR: " + "Some answer text. " * 2000)
        import_transcripts(store, [path])
    from workbench.coding import add_segment

    for t in store.transcripts():
        for j in range(150):
            add_segment(
                store, transcript_id=t.id, code_id=store.codes()[1].id, coder="james", start=j * 10, end=j * 10 + 8
            )
    store.close()
    project = tmp_path / "p.db"
    Store.open(project, create=True).close()
    process = child(f"""
        from workbench.store import Store
        from workbench.merge import merge_project
        store = Store.open({str(project)!r})
        print("ack started", flush=True)
        merge_project(store, {str(other)!r})
        print("ack merged", flush=True)
    """)
    wait_for_acks(process, 1)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    merged = check_intact(project)
    assert len(merged.segments()) in (0, 40 * 150)
    assert len(merged.transcripts()) in (0, 40)


@pytest.mark.both_engines
def test_two_coders_at_once_lose_nothing(coded_project):
    code = f"""
        import sys
        from workbench.store import Store
        from workbench.coding import add_segment
        store = Store.open({str(coded_project)!r})
        code = store.codes()[5].id
        coder = sys.argv[1] if len(sys.argv) > 1 else "x"
        for i in range(200):
            add_segment(store, transcript_id=1, code_id=code, coder=CODER, start=i * 10, end=i * 10 + 7)
        print("ack done", flush=True)
    """
    first = child(code.replace("CODER", '"maria"'))
    second = child(code.replace("CODER", '"james"'))
    assert wait_for_acks(first, 1) == ["done"] and wait_for_acks(second, 1) == ["done"]
    first.wait(), second.wait()
    store = check_intact(coded_project)
    counts = {c.name: c.segments for c in store.coders() if c.segments}  # a team database lists its lead too
    assert counts == {"maria": 200, "james": 200}


def test_a_locked_project_gives_a_clear_message_after_a_bounded_wait(coded_project):
    holder = child(f"""
        import sqlite3, time
        conn = sqlite3.connect({str(coded_project)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("ack locked", flush=True)
        time.sleep(20)
    """)
    wait_for_acks(holder, 1)
    writer = child(
        f"""
        import time
        from workbench.store import Store
        from workbench.coding import add_segment
        from workbench.errors import WorkbenchError
        store = Store.open({str(coded_project)!r})
        start = time.monotonic()
        try:
            add_segment(store, transcript_id=1, code_id=store.codes()[2].id, coder="maria", start=0, end=5)
        except WorkbenchError as exc:
            print("ack", round(time.monotonic() - start, 1), flush=True)
            print(exc, flush=True)
    """,
        env={"WORKBENCH_BUSY_TIMEOUT_MS": "800"},
    )
    out, _ = writer.communicate(timeout=30)
    holder.kill()
    holder.wait()
    waited = float(out.split()[1])
    assert 0.5 <= waited < 5 and "busy" in out and "Wait for the other" in out


# -- malformed input: every file either imports or gets the project's own clear error --------------

SUFFIXES = [".txt", ".md", ".vtt", ".srt", ".docx", ".odt"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_readers_never_crash_on_random_bytes(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        parsed = read_transcript(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        for turn in parsed.turns:
            assert 0 <= turn.start <= turn.end <= len(parsed.text)


SPEECH = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(
        st.one_of(
            SPEECH,
            st.builds(
                lambda n, s: f"{n}: {s}", st.sampled_from(["Interviewer", "R", "Dr. Ko", "[00:01:02] Carol"]), SPEECH
            ),
            st.just("WEBVTT"),
            st.just("00:00:01.000 --> 00:00:02.000"),
            st.just("---"),
            st.just(""),
        ),
        max_size=40,
    ),
    suffix=st.sampled_from([".txt", ".vtt", ".srt", ".md"]),
)
def test_readers_never_crash_on_transcript_like_text(tmp_path, lines, suffix):
    path = tmp_path / f"t{suffix}"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        parsed = read_transcript(path)
    except InputError:
        return
    for turn in parsed.turns:
        assert 0 <= turn.start <= turn.end <= len(parsed.text)


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=400),
        st.lists(
            st.sampled_from(
                [
                    "codes:",
                    "  - name: A",
                    "  - name: a",
                    "    colour: red",
                    "    children:",
                    "      - name: B",
                    "    keywords: [x, y]",
                    "    patterns: [[{LOWER: no}]]",
                    "name: x",
                    "  -",
                    "    guid: 1",
                    "codes: 3",
                    "    definition: [",
                    "    unknown: 1",
                ]
            ),
            max_size=12,
        ).map("\n".join),
    )
)
def test_codebook_loader_never_crashes(text):
    try:
        parse_codebook(text, Path("fuzz.yaml"))
    except InputError as exc:
        assert "fuzz.yaml" in str(exc)


def test_importing_a_folder_of_garbage_reports_each_file(tmp_path, store):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "a.docx").write_bytes(b"PK\x03\x04 not really")
    (folder / "b.vtt").write_bytes(b"\xff\xfe\x00\x00garbage")
    (folder / "c.srt").write_text("1\nnot a timing\nhello\n")
    (folder / "d.txt").write_text("Interviewer: fine\n")
    results = {r.path.name: r for r in import_transcripts(store, [folder])}
    assert results["d.txt"].status == "imported"
    assert all(results[n].status == "failed" and n in results[n].message for n in ("a.docx", "b.vtt", "c.srt"))
    assert len(store.transcripts()) == 1
