"""Hostile and broken project files: read-only places, a full disk, a lowered schema version, a
code tree with a cycle, a damaged search index, a busy project, a synced or network folder.
Every case ends in the right result or a clear message (never "this is a bug"), with nothing left
behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import add_segment
from workbench.errors import ProjectError, WorkbenchError
from workbench.merge import merge_project
from workbench.project import import_codebook, import_transcripts
from workbench.store import Store, backup_project
from workbench.store.sqlite import opening as store_db
from workbench.store.sqlite.files import location_warning
from workbench.store.sqlite.schema import LATEST

ROOT = Path(__file__).resolve().parent.parent


def run(project: Path, *args: str):
    result = CliRunner().invoke(cli, ["--project", str(project), *args], obj={})
    assert "This is a bug" not in result.output and not isinstance(result.exception, (AttributeError, sqlite3.Error))
    return result


@pytest.fixture
def project(tmp_path, codebook_path):
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / "p.db"
    store = Store.open(path, create=True)
    fill(store, tmp_path, codebook_path)
    store.close()
    return path


def fill(store: Store, tmp_path: Path, codebook_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text(
        "Interviewer: Why?\n\nCarol: We had no time at all, none.\n\nInterviewer: And then?\n\nCarol: Then it got better.\n"
    )
    import_transcripts(store, [source])
    import_codebook(store, codebook_path)
    add_segment(store, transcript_id=1, code_id=store.codes()[1].id, coder="maria", start=20, end=30)


def listing(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode for p in folder.iterdir()}


# -- read-only places ---------------------------------------------------------------------------


def test_read_only_file_reads_refuses_writes_and_leaves_nothing(project):
    folder = project.parent
    project.chmod(0o444)
    before = listing(folder)
    shown = run(project, "segments", "--format", "csv")
    assert shown.exit_code == 0, shown.output
    assert "maria" in shown.output
    written = run(project, "memo", "a note")
    assert written.exit_code == 1
    assert "read-only" in written.output and "damaged" not in written.output
    assert listing(folder) == before  # no -wal or 0444 -shm left behind
    store = Store.open(project)
    assert store.read_only and "read-only" in store.read_only_reason
    with pytest.raises(ProjectError, match="read-only"):
        add_segment(store, transcript_id=1, code_id=store.codes()[2].id, coder="maria", start=0, end=5)
    store.close()
    assert listing(folder) == before


def test_read_only_folder_reads_and_says_read_only(project):
    folder = project.parent
    folder.chmod(0o555)
    try:
        before = listing(folder)
        assert run(project, "transcripts").exit_code == 0
        written = run(project, "code", "add", "1", "--code", "Barriers", "--start", "0", "--end", "5", "--coder", "x")
        assert written.exit_code == 1 and "read-only" in written.output and "folder" in written.output
        assert listing(folder) == before
    finally:
        folder.chmod(0o755)


def test_merge_from_a_read_only_colleague_writes_nothing_beside_it(project, tmp_path):
    colleague = tmp_path / "colleague"
    colleague.mkdir()
    other = colleague / "theirs.db"
    os.rename(project, other)
    other.chmod(0o444)
    colleague.chmod(0o555)
    try:
        before = listing(colleague)
        mine = Store.open(tmp_path / "mine.db", create=True)
        report = merge_project(mine, other)
        assert report.segments_added == 1 and report.transcripts_added == 1
        mine.close()
        assert listing(colleague) == before
    finally:
        colleague.chmod(0o755)


def test_merge_from_an_older_project_migrates_a_temporary_copy_only(project, tmp_path):
    raw = sqlite3.connect(project)  # an older schema: without the last migration's objects
    raw.executescript("DROP TRIGGER codes_no_cycle_update; DROP TRIGGER codes_no_cycle_insert; DROP VIEW code_cycles;")
    raw.execute(f"PRAGMA user_version = {LATEST - 1}")
    raw.commit()
    raw.close()
    before = listing(project.parent)
    mine = Store.open(project.parent.parent / "mine.db", create=True)
    report = merge_project(mine, project)
    assert report.segments_added == 1
    mine.close()
    assert listing(project.parent) == before  # no .schemaN-backup beside the colleague's file
    raw = sqlite3.connect(project)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST - 1
    raw.close()


# -- disk full ------------------------------------------------------------------------------------


def test_disk_full_says_disk_full_and_keeps_the_project_whole(project, tmp_path):
    store = Store.open(project)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk has room for two more pages
    big = tmp_path / "big.txt"
    big.write_text("Interviewer: Tell me.\n\nR: " + "Long answer words. " * 20000 + "\n")
    small = tmp_path / "small.txt"
    small.write_text("Interviewer: Short?\n\nR: Yes.\n")
    results = import_transcripts(store, [big])
    assert results[0].status == "failed" and "disk full" in results[0].message
    assert "cannot rollback" not in results[0].message
    with pytest.raises(ProjectError, match="disk full"):
        with store.transaction():
            store.insert_memo("project", None, None, "x" * 100_000)
    store.conn.execute(f"PRAGMA max_page_count = {pages + 1000}")
    assert [r.status for r in import_transcripts(store, [small])] == ["imported"]
    assert [t.title for t in store.transcripts()] == ["a", "small"]
    assert store.integrity_problems() == [] and store.search_index_problems() == []
    store.close()


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/proc/mounts").exists(), reason="needs root to mount a tmpfs")
def test_disk_full_on_a_real_small_disk(tmp_path, codebook_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        project = disk / "p.db"
        assert run(project, "init").exit_code == 0
        assert run(project, "codebook", "import", str(codebook_path)).exit_code == 0
        big = tmp_path / "big.txt"
        big.write_text("Interviewer: hi\n\nR: " + "words and more words here. " * 40000)
        small = tmp_path / "small.txt"
        small.write_text("Interviewer: q?\n\nR: short answer.\n")
        result = run(project, "import", str(small), str(big))
        assert result.exit_code == 1
        assert "disk full" in result.output and "cannot rollback" not in result.output
        titles = [line.split(",")[1] for line in run(project, "transcripts", "--format", "csv").output.splitlines()[1:]]
        assert titles == ["small"]
        assert run(project, "check").exit_code == 0
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- clear errors instead of "this is a bug" ----------------------------------------------------------


def test_backup_into_a_missing_folder_is_a_clear_error(project, tmp_path):
    result = run(project, "backup", str(tmp_path / "nowhere" / "copy.db"))
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "nowhere").exists()
    store = Store.open(project)
    with pytest.raises(ProjectError, match="is a folder"):
        backup_project(store.conn, tmp_path)
    store.close()


def test_a_lowered_user_version_is_a_clear_error_and_changes_nothing(project):
    raw = sqlite3.connect(project)
    raw.execute(f"PRAGMA user_version = {LATEST - 2}")  # the tables of the later versions are there
    raw.commit()
    raw.close()
    result = run(project, "transcripts")
    assert result.exit_code == 1
    assert "does not match its version" in result.output and "Nothing was changed" in result.output
    raw = sqlite3.connect(project)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == LATEST - 2
    raw.close()


def test_a_file_that_is_not_a_database_is_recognised_without_reading_it(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("These are my notes, not a project.\n" * 200)
    result = run(path, "transcripts")
    assert result.exit_code == 1 and "not an SQLite database" in result.output
    assert path.read_text().startswith("These are my notes")  # untouched


def test_the_busy_message_states_the_real_wait(project):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sqlite3, time
        conn = sqlite3.connect({str(project)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(30)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        writer = subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent(f"""
            import time
            from workbench.store import Store
            from workbench.errors import WorkbenchError
            store = Store.open({str(project)!r})
            start = time.monotonic()
            try:
                with store.transaction():
                    store.set_meta("x", "y")
            except WorkbenchError as exc:
                print(round(time.monotonic() - start, 2), exc, flush=True)
        """),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "WORKBENCH_BUSY_TIMEOUT_MS": "1200"},
        )
    finally:
        holder.kill()
        holder.wait()
    measured = float(writer.stdout.split()[0])
    stated = float(writer.stdout.split("waited ")[1].split(" s")[0])
    assert "busy" in writer.stdout and abs(stated - measured) < 0.3 and stated >= 1.0


# -- integrity checks only when they matter -----------------------------------------------------------


def test_quick_check_runs_after_an_unclean_shutdown_not_on_every_open(project, monkeypatch):
    calls: list[str] = []
    real = store_db.quick_check
    monkeypatch.setattr(store_db, "quick_check", lambda raw, path: (calls.append(str(path)), real(raw, path)))
    Store.open(project).close()
    app = Store.open(project)
    Store.open(project).close()  # a worker while the app is open
    app.close()
    assert calls == []
    killed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        from workbench.store import Store
        store = Store.open({str(project)!r})
        with store.transaction():
            store.set_meta("x", "y" * 5000)
        print("written", flush=True)
        import time; time.sleep(30)
    """),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert killed.stdout.readline().strip() == "written"
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert project.with_name("p.db-wal").stat().st_size > 0  # what an unclean shutdown leaves
    store = Store.open(project)
    assert calls == [str(project)]
    assert store.get_meta("x") == "y" * 5000
    store.close()


# -- code tree cycles ----------------------------------------------------------------------------------


@pytest.mark.both_engines
def test_a_code_cannot_become_its_own_ancestor(store, tmp_path, codebook_path):
    fill(store, tmp_path, codebook_path)
    codes = {c.path: c for c in store.codes()}
    theme = codes["Barriers"]
    child = next(c for c in store.codes() if c.parent_id == theme.id)
    with pytest.raises(WorkbenchError, match="own ancestor") as info:
        with store.transaction():
            store.update_code(theme.id, parent_id=child.id)
    assert "Barriers" in str(info.value) and child.name in str(info.value)
    with pytest.raises(WorkbenchError, match="own ancestor"):
        with store.transaction():
            store.update_code(theme.id, parent_id=theme.id)
    import psycopg

    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError), match="cycle"):  # even in plain SQL
        with store.transaction():
            store.conn.execute("UPDATE codes SET parent_id = ? WHERE id = ?", (child.id, theme.id))
    assert store.code_cycles() == []


def test_check_finds_and_repairs_a_cycle_and_a_stale_search_index(project):
    raw = sqlite3.connect(project)  # a project damaged before the store refused cycles
    raw.executescript("DROP TRIGGER codes_no_cycle_update;")
    theme = raw.execute("SELECT id FROM codes WHERE name = 'Barriers'").fetchone()[0]
    child = raw.execute("SELECT id, name FROM codes WHERE parent_id = ?", (theme,)).fetchone()
    raw.execute("UPDATE codes SET parent_id = ? WHERE id = ?", (child[0], theme))
    raw.execute("DELETE FROM turns_fts WHERE rowid = (SELECT min(id) FROM turns)")
    raw.commit()
    raw.close()
    store = Store.open(project)
    assert store.code_cycles() == [sorted([theme, child[0]])] or len(store.code_cycles()) == 1
    assert len(store.codes()) > 0  # listing codes does not hang
    store.close()
    found = run(project, "check")
    assert found.exit_code == 1
    assert "Barriers" in found.output and child[1] in found.output and "a cycle" in found.output
    assert "missing from the search index" in found.output
    assert "missing trigger codes_no_cycle_update" in found.output
    before = set(os.listdir(project.parent))
    repaired = run(project, "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    backups = set(os.listdir(project.parent)) - before
    assert len(backups) == 1 and "before-repair" in backups.pop()
    assert run(project, "check").exit_code == 0
    store = Store.open(project)
    assert store.code_cycles() == [] and store.search_index_problems() == []
    assert store.missing_schema_objects() == []  # the no-cycle trigger is back
    with pytest.raises(sqlite3.IntegrityError, match="cycle"):
        store.conn.execute("UPDATE codes SET parent_id = ? WHERE id = ?", (child[0], theme))
    assert [r.turn_id for r in store.search_turns("why")] == [store.turns(1)[0].id]
    assert any(a.action == "code.move" for a in store.audit_entries(entity="code"))
    assert len(store.segments()) == 1  # repair never deletes coding
    store.close()


def test_check_reports_orphan_segments(project):
    raw = sqlite3.connect(project)  # foreign keys off, as another tool might leave it
    raw.execute("""INSERT INTO segments(transcript_id, code_id, coder_id, start, "end", text, origin, created_at, updated_at)
                   VALUES (99, 1, 1, 0, 5, 'ghost', 'manual', 'x', 'x')""")
    raw.commit()
    raw.close()
    result = run(project, "check")
    assert result.exit_code == 1 and "no such transcript" in result.output


# -- where a project may live ----------------------------------------------------------------------------

MOUNTS = """/dev/vda / ext4 rw 0 0
//server/share /mnt/team cifs rw 0 0
server:/export /srv/nfs nfs4 rw 0 0
me@host:/data /home/me/remote fuse.sshfs rw 0 0
"""


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/home/me/Dropbox/study/p.db", "Dropbox"),
        ("/Users/me/Library/CloudStorage/OneDrive-University/p.db", "OneDrive"),
        ("/Users/me/OneDrive - Hospital/p.db", "OneDrive"),
        ("/Users/me/Library/Mobile Documents/com~apple~CloudDocs/p.db", "iCloud"),
        ("/home/me/Google Drive/p.db", "Google Drive"),
        ("/home/me/Nextcloud/p.db", "Nextcloud"),
        ("/home/me/ownCloud/p.db", "ownCloud"),
        ("/mnt/team/study/p.db", "cifs"),
        ("/srv/nfs/p.db", "nfs4"),
        ("/home/me/remote/p.db", "fuse.sshfs"),
        ("/home/me/study/p.db", None),
        ("/home/me/dropboxing-notes/p.db", None),
    ],
)
def test_synced_and_network_folders_are_recognised(path, expected):
    warning = location_warning(path, mounts=MOUNTS)
    if expected is None:
        assert warning is None
    else:
        assert expected in warning and "local disk" in warning and "merge" in warning


def test_the_cli_warns_once_per_command_in_a_synced_folder(tmp_path):
    folder = tmp_path / "Dropbox" / "study"
    folder.mkdir(parents=True)
    project = folder / "p.db"
    result = CliRunner().invoke(cli, ["--project", str(project), "init"], obj={})
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["--project", str(project), "transcripts"], obj={})
    assert result.exit_code == 0 and result.output.count("Dropbox folder") == 1


def test_importing_the_project_file_itself_is_refused_without_reading_it(project, monkeypatch):
    store = Store.open(project)
    opened: list[str] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: (opened.append(self.name), real(self))[1])
    for name in ("p.db", "p.db-wal"):
        result = import_transcripts(store, [project.with_name(name)])[0]
        assert result.status == "failed"
        assert "project file itself" in result.message or "no such file" in result.message
    store.close()
    assert opened == []


def test_a_repair_backup_of_a_team_database_is_a_file_named_after_it(tmp_path, monkeypatch):
    """`check --repair` backs up first: beside a project file, and for a team database (a connection
    string, not a path) into a project file named after the database in the current folder."""
    from workbench.check import _backup_path

    monkeypatch.chdir(tmp_path)
    file = tmp_path / "study.db"
    assert _backup_path(str(file), "S") == tmp_path / "study.db.before-repair-S"
    url = "postgresql://maria:secret@db.example.org:5432/serdif?sslmode=require"
    assert _backup_path(url, "S") == tmp_path / "serdif.before-repair-S.db"
    assert _backup_path("postgresql://maria@/../../etc?host=/tmp", "S").parent == tmp_path
    assert _backup_path("service=study", "S") == tmp_path / "team.before-repair-S.db"
