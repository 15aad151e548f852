"""Opening a project file: checks, pragmas, read-only fallbacks, migrations and backups."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import urllib.parse
from pathlib import Path

from workbench.errors import ProjectError
from workbench.store.sqlite.db import APPLICATION_ID, BUSY_TIMEOUT_MS, Connection, now, translate
from workbench.store.sqlite.files import _OPEN, _identity, _other_process_holds, _read_only_reason, _sidecar, _size
from workbench.store.sqlite.schema import LATEST, MIGRATIONS


def open_project(
    path: str | Path, *, create: bool = False, read_only: bool = False, upgrade_copy: bool = False
) -> Connection:
    """Open (or with ``create``, make) a project file and bring its schema up to date.

    The file is never opened with Python file I/O here (closing such a descriptor would drop every
    SQLite lock this process holds on it): a file that is not a database is recognised from
    SQLite's own error. A project that cannot be written (read-only file, folder or disk) is opened
    read-only; ``read_only`` asks for that on any project (its schema is then never migrated:
    with ``upgrade_copy``, an older project is read through an upgraded temporary copy instead,
    so nothing is ever written beside it).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise ProjectError(f"{path} is a folder, not a project file.", hint="Give the path of a .db file.")
    exists = path.exists() and _size(path) > 0
    if not exists and not create:
        raise ProjectError(
            f"{path}: no project here.",
            hint="Create one with `workbench init`, or name another with --project.",
        )
    reason = _read_only_reason(path) if exists else None
    if not exists:
        if not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ProjectError(
                    f"{path}: the folder cannot be created ({exc.strerror}).", hint="Choose a folder you can write to."
                ) from exc
    ident = _identity(path) if exists else None
    first_in_process = ident is None or not _OPEN.get(ident)
    wal_leftover = exists and _size(_sidecar(path, "-wal")) > 0
    try:
        if reason:
            raw = _connect_read_only(path)
            read_only = True
        else:
            raw = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        raw.row_factory = sqlite3.Row
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        raw.execute("PRAGMA foreign_keys = ON")
        app_id = raw.execute("PRAGMA application_id").fetchone()[0]
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        if exists:
            raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        with contextlib.suppress(Exception):
            raw.close()
        text = str(exc).lower()
        if "not a database" in text or "file is encrypted" in text:
            raise ProjectError(
                f"{path} is not a workbench project (it is not an SQLite database).",
                hint="Check the --project path; workbench projects are .db files made by `workbench init`.",
            ) from exc
        if "unable to open" in text and reason:
            raise ProjectError(
                f"{path}: the project is read-only here ({reason}) and cannot be opened.",
                hint="Copy it to a folder you can write to.",
            ) from exc
        raise translate(exc, path) or ProjectError(
            f"{path} cannot be opened as a project: {exc}.",
            hint="Run `workbench check` for details; restore it from a backup (`workbench backup` makes one).",
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
    if read_only and not reason:
        raw.execute("PRAGMA query_only = ON")
    try:
        if not read_only:
            raw.execute("PRAGMA journal_mode = WAL")
        if exists:
            _check_size(raw, path)
        # An unclean shutdown leaves write-ahead-log content behind with nobody holding the
        # project: check integrity then (and before a migration), not on every open.
        unclean = wal_leftover and first_in_process and _other_process_holds(path) is not True
        if unclean or (exists and 0 < version < LATEST):
            quick_check(raw, path)
    except sqlite3.DatabaseError as exc:
        raw.close()
        raise translate(exc, path) or ProjectError(f"{path} cannot be opened as a project: {exc}.") from exc
    except ProjectError:
        raw.close()
        raise
    conn = Connection(raw, path)
    conn.read_only = read_only
    conn.read_only_reason = reason or ("opened read-only" if read_only else None)
    if version < LATEST and read_only and upgrade_copy:
        return _upgraded_copy(conn)
    if version < LATEST:
        if read_only:
            conn.close()
            raise ProjectError(
                f"{path} was made by an older workbench (schema {version}, this one uses {LATEST}) "
                f"and cannot be upgraded: {reason or 'it was opened read-only'}.",
                hint="Copy it to a folder you can write to and open the copy.",
            )
        try:
            migrate(conn, version)
        except BaseException:
            conn.close()
            raise
    conn._register()
    return conn


def _upgraded_copy(conn: Connection) -> Connection:
    """An older project read through a temporary copy brought up to date (the original untouched)."""
    folder = Path(tempfile.mkdtemp(prefix="workbench-"))
    copy = folder / conn.path.name
    try:
        target = sqlite3.connect(copy)
        try:
            conn.conn.backup(target)
        finally:
            target.close()
        conn.close()
        upgraded = open_project(copy)
    except BaseException:
        with contextlib.suppress(Exception):
            conn.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    upgraded.path_shown = conn.path
    upgraded._cleanup = folder
    upgraded.read_only = True
    upgraded.read_only_reason = "a temporary upgraded copy"
    upgraded.conn.execute("PRAGMA query_only = ON")
    return upgraded


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that leaves nothing behind: with no write-ahead-log content there is
    nothing but the file to read, so the file is opened immutable (no -wal or -shm is made, which
    a read-only file or folder would otherwise keep as read-only leftovers); with WAL content (the
    project is open elsewhere, or was not closed), SQLite's read-only mode reads it."""
    uri = "file:" + urllib.parse.quote(str(path.absolute()))
    if _size(_sidecar(path, "-wal")) > 0:
        try:
            raw = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return raw
        except sqlite3.OperationalError:
            pass
    return sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)


def _check_size(raw: sqlite3.Connection, path: Path) -> None:
    """A cheap check for a truncated file: its pages must all be there (unless they are still in
    the write-ahead log)."""
    if _size(_sidecar(path, "-wal")) > 0:
        return
    pages = raw.execute("PRAGMA page_count").fetchone()[0]
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    if _size(path) < pages * page_size:
        raise ProjectError(
            f"{path} is damaged: the file is shorter than its own header says "
            f"({_size(path)} bytes, {pages * page_size} expected); it was probably cut off while copying.",
            hint="Restore it from a backup (`workbench backup` makes one), or copy it again.",
        )


def quick_check(raw: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick integrity check; a damaged project is refused with a clear message."""
    try:
        ok = raw.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        ok = str(exc)
    if ok != "ok":
        raise ProjectError(
            f"{path} is damaged: {ok}.",
            hint="Run `workbench check`; restore it from a backup (`workbench backup` makes one).",
        )


def migrate(conn: Connection, version: int) -> None:
    """Apply the migrations after ``version``, backing up an existing project first."""
    backup = None
    if version > 0:
        backup = conn.path.with_name(f"{conn.path.name}.schema{version}-backup")
        try:
            dest = sqlite3.connect(backup)
            with dest:
                conn.conn.backup(dest)
            dest.close()
        except sqlite3.Error as exc:
            raise translate(exc, conn.path) or ProjectError(
                f"{conn.path}: the backup before upgrading the project could not be written to {backup} ({exc}).",
                hint="Free some space or make the folder writable, then open the project again.",
            ) from exc
    for number in range(version, LATEST):
        try:
            with conn.transaction() as c:
                for statement in _statements(MIGRATIONS[number]):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {number + 1}")
                if number == 0:
                    c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    c.execute("INSERT INTO meta(key, value) VALUES ('created_at', ?)", (now(),))
        except sqlite3.Error as exc:
            known = translate(exc, conn.path)
            if known:
                raise known from exc
            raise ProjectError(
                f"{conn.path}: the project's schema does not match its version number (it says schema "
                f"{number}, but upgrading it to {number + 1} failed: {exc}). Another program has probably "
                "changed the file's user_version.",
                hint=(
                    f"Nothing was changed. Restore the copy made before the upgrade ({backup})"
                    if backup
                    else "Nothing was changed. Restore the project from a backup"
                )
                + ", or ask for help with this file.",
            ) from exc


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
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise ProjectError(
            f"{dest} is a folder.", hint="Give the backup's file name, e.g. backups/project-2024-05-01.db."
        )
    if dest.exists() or dest.is_symlink():
        raise ProjectError(f"{dest} already exists.", hint="Choose a new file name for the backup.")
    if not dest.parent.is_dir():
        raise ProjectError(
            f"{dest}: the folder {dest.parent} does not exist.",
            hint="Create the folder first, or choose another place for the backup.",
        )
    tmp = dest.with_name(dest.name + ".partial")
    if tmp.exists():
        raise ProjectError(f"{tmp} is in the way (left by an interrupted backup?).", hint="Remove it and try again.")
    try:
        target = sqlite3.connect(tmp)
        try:
            conn.conn.backup(target)
        finally:
            target.close()
        os.rename(tmp, dest)  # the same folder: a rename, never a copy of a project file
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise ProjectError(
                f"{dest}: the backup could not be written ({exc.strerror or exc}).",
                hint="Choose a folder you can write to, with enough free space.",
            ) from exc
        known = translate(exc, dest)
        if known and "disk full" in known.message:
            raise known from exc
        raise ProjectError(
            f"{dest}: the backup could not be written ({exc}).",
            hint="Choose a folder you can write to, with enough free space.",
        ) from exc
    return dest
