"""Opening a project file: checks, pragmas, migrations and transactions.

Threading rule: a :class:`Connection` belongs to the thread that opened it. A worker thread
opens its own with :func:`open_project` on the same path; SQLite's WAL mode lets readers and one
writer work at once, and the busy timeout makes a second writer wait instead of failing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import ProjectError
from workbench.store.schema import LATEST, MIGRATIONS

APPLICATION_ID = 0x51434F44  # "QCOD": marks a SQLite file as a workbench project
# How long a writer waits for another writer before saying the project is busy.
BUSY_TIMEOUT_MS = int(os.environ.get("WORKBENCH_BUSY_TIMEOUT_MS", "5000"))
SQLITE_HEADER = b"SQLite format 3\x00"


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the millisecond."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Connection:
    """A project's SQLite connection with explicit, nestable transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction; an inner block joins the outer one.

        ``BEGIN IMMEDIATE`` takes the write lock at once, so a second writer waits (busy
        timeout) here rather than failing half-way through.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _locked_or(exc, self.path) from exc
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        else:
            self._depth = 0
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise _locked_or(exc, self.path) from exc

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        """Close, folding the write-ahead log into the file first, so that a closed project is one
        self-contained file that can be copied or sent to a colleague for `workbench merge`."""
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # another connection is busy; SQLite checkpoints later on its own
        self.conn.close()


def _locked_or(exc: sqlite3.OperationalError, path: Path) -> Exception:
    if "locked" in str(exc) or "busy" in str(exc):
        return ProjectError(
            f"{path}: the project is busy (another workbench has held it for more than "
            f"{BUSY_TIMEOUT_MS / 1000:g} s).",
            hint="Wait for the other import or merge to finish, then try again.",
        )
    return exc


def open_project(path: str | Path, *, create: bool = False) -> Connection:
    """Open (or with ``create``, make) a project file and bring its schema up to date."""
    path = Path(path).expanduser()
    exists = path.exists() and path.stat().st_size > 0
    if path.is_dir():
        raise ProjectError(f"{path} is a folder, not a project file.", hint="Give the path of a .db file.")
    if not exists and not create:
        raise ProjectError(
            f"{path}: no project here.",
            hint="Create one with `workbench init`, or name another with --project.",
        )
    if exists:
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_HEADER:
                raise ProjectError(
                    f"{path} is not a workbench project (it is not an SQLite database).",
                    hint="Check the --project path; workbench projects are .db files made by `workbench init`.",
                )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        raw = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        raw.row_factory = sqlite3.Row
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        raw.execute("PRAGMA foreign_keys = ON")
        app_id = raw.execute("PRAGMA application_id").fetchone()[0]
        version = raw.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ProjectError(
            f"{path} cannot be opened as a project: {exc}.",
            hint="The file may be damaged; restore it from a backup (`workbench backup` makes one).",
        ) from exc
    if exists and app_id != APPLICATION_ID:
        raw.close()
        raise ProjectError(
            f"{path} is an SQLite database but not a workbench project.",
            hint="Check the --project path, or create a project with `workbench init`.",
        )
    if version > LATEST:
        raw.close()
        raise ProjectError(
            f"{path} was made by a newer workbench (schema {version}, this one knows {LATEST}).",
            hint="Upgrade workbench to open it.",
        )
    try:
        raw.execute("PRAGMA journal_mode = WAL")
        try:
            ok = raw.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            ok = str(exc)
        if ok != "ok":
            raw.close()
            raise ProjectError(
                f"{path} is damaged: {ok}.",
                hint="Restore it from a backup (`workbench backup` makes one).",
            )
    except sqlite3.DatabaseError as exc:
        raw.close()
        raise ProjectError(f"{path} cannot be opened as a project: {exc}.") from exc
    conn = Connection(raw, path)
    if version < LATEST:
        migrate(conn, version)
    return conn


def migrate(conn: Connection, version: int) -> None:
    """Apply the migrations after ``version``, backing up an existing project first."""
    if version > 0:
        backup = conn.path.with_name(f"{conn.path.name}.schema{version}-backup")
        dest = sqlite3.connect(backup)
        with dest:
            conn.conn.backup(dest)
        dest.close()
    for number in range(version, LATEST):
        with conn.transaction() as c:
            for statement in _statements(MIGRATIONS[number]):
                c.execute(statement)
            c.execute(f"PRAGMA user_version = {number + 1}")
            if number == 0:
                c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                c.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (now(),))


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit on its own)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def backup_project(conn: Connection, dest: str | Path) -> Path:
    """Copy the project consistently while it may be in use (SQLite's online backup API)."""
    dest = Path(dest)
    if dest.exists():
        raise ProjectError(f"{dest} already exists.", hint="Choose a new file name for the backup.")
    tmp = dest.with_name(dest.name + ".partial")
    target = sqlite3.connect(tmp)
    try:
        conn.conn.backup(target)
    finally:
        target.close()
    shutil.move(tmp, dest)
    return dest
