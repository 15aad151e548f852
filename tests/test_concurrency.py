"""The app and other processes on one project, with real processes (never threads of one interpreter).

POSIX drops every lock a process holds on a file as soon as it closes *any* descriptor of that file.
The app keeps one connection open for its whole life and its workers open and close more; if
anything in the process reads the project file with Python file I/O, the app silently loses its
locks, the next process that closes the project believes it was the last one, checkpoints and
deletes the write-ahead log, and the app's later commits go into a deleted file: invisible to
everyone else, and lost when the app is killed. These tests run the app's pattern of connections
in separate processes next to command-line processes and check, after every acknowledged action,
that another process sees it at once.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from workbench.project import import_codebook, import_transcripts
from workbench.store import Store

ROOT = Path(__file__).resolve().parent.parent

# An app-like process: one connection held for the whole run (the UI thread's), and a second
# Store opened and closed around reads (a worker), driven by commands on standard input.
APP = """
import sys
from workbench.coding import add_segment
from workbench.store import Store

path, coder = sys.argv[1], sys.argv[2]
app = Store.open(path)
code = app.codes(counts=False)[3].id
print("ready", flush=True)
for line in sys.stdin:
    command, *args = line.split()
    if command == "worker":
        worker = Store.open(path)
        worker.transcripts()
        worker.segments(transcript_id=1)
        worker.close()
        print("ack worker", flush=True)
    elif command == "code":
        start = int(args[0])
        add_segment(app, transcript_id=1, code_id=code, coder=coder, start=start, end=start + 5)
        print("ack", coder, start, flush=True)
    elif command == "burst":
        # Code N passages; after each one a worker re-reads the transcript, as the coding screen does.
        first, count = int(args[0]), int(args[1])
        for start in range(first, first + count):
            add_segment(app, transcript_id=1, code_id=code, coder=coder, start=start, end=start + 5)
            print("ack", coder, start, flush=True)
            worker = Store.open(path)
            worker.segments(transcript_id=1)
            worker.close()
        print("ack done", flush=True)
    elif command == "quit":
        break
app.close()
"""

# A command-line writer: each action is one full command (open the project, code, close), run
# through the real command group in one interpreter to keep 300 commands fast.
CLI_WRITER = """
import sys
from workbench.cli import cli

path, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for start in range(first, first + count):
    cli.main(["--project", path, "code", "add", "1", "--code", sys.argv[4], "--coder", "cli",
              "--start", str(start), "--end", str(start + 5), "--format", "json"],
             standalone_mode=False, obj={})
    print("ack cli", start, flush=True)
print("ack done", flush=True)
"""


class Child:
    """A separate Python process whose ``ack`` lines are collected by a reader thread."""

    def __init__(self, code: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *args],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("eof")

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def next(self, timeout: float = 60) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("the child process did not answer in time") from None
        if line == "eof":
            self.process.wait(timeout=10)
            raise AssertionError(f"the child process ended: {self.process.stderr.read()}")
        return line

    def ack(self, timeout: float = 60) -> list[str]:
        while True:
            line = self.next(timeout)
            if line.startswith("ack "):
                return line.split()[1:]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("quit")
                self.process.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def visible(path: Path, coder: str, start: int) -> bool:
    """Whether a fresh connection in this (third) process sees the coder's segment at ``start``."""
    raw = sqlite3.connect(path, timeout=10)
    try:
        row = raw.execute(
            """SELECT count(*) FROM segments g JOIN coders k ON k.id = g.coder_id
                             WHERE k.name = ? AND g.start = ?""",
            (coder, start),
        ).fetchone()
    finally:
        raw.close()
    return row[0] == 1


def run_cli(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from workbench.cli import main; main()", "--project", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path, codebook_path):
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    source = tmp_path / "a.txt"
    source.write_text("Interviewer: Why?\n\nCarol: " + "We had no time at all. " * 400 + "\n")
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    store.close()
    return path


def _code_path(path: Path) -> str:
    store = Store.open(path)
    try:
        return store.codes(counts=False)[3].path
    finally:
        store.close()  # this process must hold no connection: it plays the third process


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def test_app_with_workers_and_cli_commands_keeps_the_wal_and_every_write_visible(project):
    code_path = _code_path(project)
    app = Child(APP, str(project), "maria")
    try:
        assert app.next() == "ready"
        for round_ in range(3):
            app.send("worker")
            assert app.ack() == ["worker"]
            listing = run_cli(project, "segments", "--format", "csv")
            assert listing.returncode == 0, listing.stderr
            assert _wal(project).exists(), "a command-line process removed the WAL while the app was open"
            start = 100 + round_
            added = run_cli(
                project,
                "code",
                "add",
                "1",
                "--code",
                code_path,
                "--coder",
                "cli",
                "--start",
                str(start),
                "--end",
                str(start + 5),
            )
            assert added.returncode == 0, added.stderr
            assert visible(project, "cli", start)
            app.send(f"code {round_}")
            assert app.ack() == ["maria", str(round_)]
            assert visible(project, "maria", round_), "the app's commit is invisible to other processes"
            assert _wal(project).exists()
    finally:
        app.stop()
    store = Store.open(project)
    assert {c.name: c.segments for c in store.coders()} == {"maria": 3, "cli": 3}
    store.close()


def test_two_apps_and_a_cli_writer_lose_nothing_and_hide_nothing(project):
    code_path = _code_path(project)
    actions = 300
    first, second = Child(APP, str(project), "maria"), Child(APP, str(project), "james")
    writer = None
    try:
        assert first.next() == "ready" and second.next() == "ready"
        first.send(f"burst 0 {actions}")
        second.send(f"burst 0 {actions}")
        writer = Child(CLI_WRITER, str(project), "0", str(actions), code_path)
        pending = {"maria": first, "james": second, "cli": writer}
        invisible: list[tuple[str, str]] = []
        acknowledged = 0
        deadline = time.monotonic() + 240
        while pending and time.monotonic() < deadline:
            for name, child in list(pending.items()):
                try:
                    line = child.lines.get(timeout=0.05)
                except queue.Empty:
                    continue
                if line == "eof":
                    raise AssertionError(f"{name} ended early: {child.process.stderr.read()}")
                parts = line.split()
                if parts[:2] == ["ack", "done"]:
                    del pending[name]
                elif parts[:1] == ["ack"]:
                    acknowledged += 1
                    if not visible(project, parts[1], int(parts[2])):
                        invisible.append((parts[1], parts[2]))
                    assert _wal(project).exists(), "the WAL was removed while two apps had the project open"
        assert not pending, f"not finished in time: {sorted(pending)}"
        assert acknowledged == 3 * actions
        assert invisible == [], f"{len(invisible)} acknowledged actions were invisible to another process"
    finally:
        first.stop()
        second.stop()
        if writer:
            writer.stop()
    raw = sqlite3.connect(project)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = dict(
        raw.execute("SELECT k.name, count(*) FROM segments g JOIN coders k ON k.id = g.coder_id GROUP BY k.name")
    )
    raw.close()
    assert counts == {"maria": actions, "james": actions, "cli": actions}


def test_sigkill_of_the_app_after_an_acknowledged_action_keeps_it(project):
    app = Child(APP, str(project), "maria")
    try:
        assert app.next() == "ready"
        app.send("worker")
        assert app.ack() == ["worker"]
        listing = run_cli(project, "transcripts")
        assert listing.returncode == 0, listing.stderr
        app.send("code 7")
        assert app.ack() == ["maria", "7"]
        app.process.send_signal(signal.SIGKILL)
        app.process.wait()
    finally:
        if app.process.poll() is None:
            app.process.kill()
            app.process.wait()
    raw = sqlite3.connect(project)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    assert visible(project, "maria", 7), "an acknowledged action was lost when the app was killed"


def test_the_header_is_never_read_with_python_file_io(tmp_path, monkeypatch):
    """Opening, closing, backing up and migrating a project never open the project file (or its
    -wal/-shm) with Python file I/O: that would drop the process's SQLite locks."""
    import builtins
    import io

    path = tmp_path / "p.db"
    Store.open(path, create=True).close()
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file).name.startswith("p.db"):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: spy(self, *a, **k))
    app = Store.open(path)
    worker = Store.open(path)
    worker.close()
    from workbench.store import backup_project

    backup_project(app.conn, tmp_path / "copy.db")
    app.close()
    assert opened == []
