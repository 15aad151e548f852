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
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import ProjectError, WorkbenchError
from workbench.store.schema import LATEST, MIGRATIONS

APPLICATION_ID = 0x51434F44  # "QCOD": marks a SQLite file as a workbench project
# How long a writer waits for another writer before saying the project is busy.
BUSY_TIMEOUT_MS = int(os.environ.get("WORKBENCH_BUSY_TIMEOUT_MS", "5000"))


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the millisecond."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Connection:
    """A project's SQLite connection with explicit, nestable transactions."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0
        self.read_only = False
        self.read_only_reason: str | None = None
        self._identity: tuple[int, int] | None = None
        self._cleanup: Path | None = None  # a temporary copy's folder, removed on close
        self.path_shown = path

    def _register(self) -> None:
        self._identity = _identity(self.path)
        if self._identity is not None:
            _OPEN[self._identity] = _OPEN.get(self._identity, 0) + 1

    def _begin(self) -> None:
        started = time.monotonic()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _locked_or(exc, self.path, time.monotonic() - started) from exc

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # SQLite has already rolled back after some errors (disk full)
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _commit(self) -> None:
        started = time.monotonic()
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise _locked_or(exc, self.path, time.monotonic() - started) from exc

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
        self._begin()
        self._depth = 1
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:
            self._depth = 0
            self._rollback()
            known = translate(exc, self.path)
            if known is not None:
                raise known from exc
            raise
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        else:
            self._depth = 0
            self._commit()

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[sqlite3.Connection]:
        """Inside a transaction: a block that an error undoes alone (the error still propagates);
        outside one: a transaction of its own."""
        if not self._depth:
            with self.transaction() as c:
                yield c
            return
        name = f"unit{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.conn
        except BaseException as exc:
            self._depth -= 1
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
            known = translate(exc, self.path) if isinstance(exc, sqlite3.OperationalError) else None
            if known is not None:
                raise known from exc
            raise
        else:
            self._depth -= 1
            self.conn.execute(f"RELEASE {name}")

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> "Batch":
        """Many small units of work (files of an import) committed together, each in a savepoint,
        committing every ``units`` units or ``seconds`` seconds so other writers are never kept
        waiting long."""
        return Batch(self, seconds=seconds, units=units)

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        """Close. The last connection to close (in any process) folds the write-ahead log into the
        file and removes it, so that a closed project is one self-contained file that can be
        copied or sent to a colleague for `workbench merge`; a passive checkpoint first moves what
        it can without waiting for anyone."""
        if self._identity is not None and _OPEN.get(self._identity):
            _OPEN[self._identity] -= 1
            if not _OPEN[self._identity]:
                del _OPEN[self._identity]
            self._identity = None
        if not self.read_only:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.conn.close()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)  # a temporary copy, closed just above
            self._cleanup = None


class Batch:
    """See :meth:`Connection.batch`. ``unit()`` wraps one unit; ``commit()`` commits what is done
    (call it when ``due``); leaving the ``with`` block commits the rest."""

    def __init__(self, conn: Connection, *, seconds: float, units: int) -> None:
        self.conn, self.seconds, self.units = conn, seconds, units
        self._own = False
        self._count = 0
        self._started = 0.0

    @contextlib.contextmanager
    def unit(self) -> Iterator[sqlite3.Connection]:
        if not self._own and not self.conn._depth:
            self.conn._begin()
            self.conn._depth = 1
            self._own, self._count, self._started = True, 0, time.monotonic()
        try:
            with self.conn.savepoint() as c:
                yield c
        except BaseException:
            if self._own and not self.conn.conn.in_transaction:  # SQLite rolled back everything
                self._own = False
                self.conn._depth = 0
            raise
        self._count += 1

    @property
    def due(self) -> bool:
        """Whether it is time to commit (enough units, or the write lock held long enough)."""
        return self._own and (self._count >= self.units or time.monotonic() - self._started >= self.seconds)

    # After a commit the importer would take the lock again within microseconds, while a waiting
    # writer polls (SQLite's busy handler) only every 100 ms: a pause that long lets it in.
    PAUSE = 0.1

    def commit(self, *, let_others_in: bool = False) -> None:
        """Commit the units done so far (raises the project's error if that fails: they are then
        lost); ``let_others_in`` then pauses so that a waiting writer gets its turn."""
        if self._own and let_others_in:
            try:
                self.commit()
            finally:
                time.sleep(self.PAUSE)
            return
        if self._own:
            self._own = False
            self.conn._depth = 0
            try:
                self.conn._commit()
            except sqlite3.OperationalError as exc:
                known = translate(exc, self.conn.path)
                if known is None:
                    raise
                raise known from exc

    @property
    def open(self) -> bool:
        """Whether units are waiting for the batch's commit."""
        return self._own

    def rollback(self) -> None:
        if self._own:
            self._own = False
            self.conn._depth = 0
            self.conn._rollback()

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, kind, value, traceback) -> None:  # noqa: ANN001
        self.commit()  # units are whole: what finished is kept even when the batch is interrupted


def _locked_or(exc: sqlite3.OperationalError, path: Path, waited: float | None = None) -> Exception:
    return translate(exc, path, waited=waited) or exc


def translate(exc: BaseException, path: Path, *, waited: float | None = None) -> WorkbenchError | None:
    """The project's own error for an SQLite error a user can act on (busy, read-only, disk full,
    I/O error, damaged file), or None for anything else."""
    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        wait = f"{waited:.1f} s" if waited is not None else f"up to {BUSY_TIMEOUT_MS / 1000:g} s"
        return ProjectError(
            f"{path}: the project is busy: another workbench is writing to it (waited {wait}).",
            hint="Wait for the other import or merge to finish, then try again.",
        )
    if "readonly" in text or "read-only" in text:
        return ProjectError(
            f"{path}: the project is read-only here ({_read_only_reason(path) or 'opened read-only'}); "
            "nothing was changed.",
            hint="Commands that only read work on it. To change it, copy it to a folder you can write to "
                 "(or make the file writable), or merge it into your own project with `workbench merge`.",
        )
    if "disk is full" in text or "database or disk is full" in text:
        return ProjectError(
            f"{path}: disk full: the change was not saved (the project is unchanged).",
            hint="Free some space on that disk (or move the project to another one) and try again.",
        )
    if "disk i/o error" in text:
        return ProjectError(
            f"{path}: the disk reported an input/output error; the change was not saved.",
            hint="Check the disk or network folder holding the project; run `workbench check` once it is reachable.",
        )
    if "malformed" in text or "not a database" in text or "file is encrypted" in text:
        return ProjectError(
            f"{path} is damaged ({exc}).",
            hint="Run `workbench check` for details; restore it from a backup (`workbench backup` makes one).",
        )
    return None


# -- where the project lives ---------------------------------------------------------------------

def _mode_writable(mode: int) -> bool:
    return bool(mode & 0o222)


def _read_only_reason(path: Path) -> str | None:
    """Why the project cannot be written here, or None if it can. Decided from metadata only
    (stat, access, statvfs), never by opening the file: a file or folder without write permission
    counts as read-only even for the administrator, who could otherwise write through it."""
    try:
        st = path.stat()
    except OSError:
        return None
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only disk"
    except (OSError, AttributeError):
        pass
    if not _mode_writable(st.st_mode) or not os.access(path, os.W_OK):
        return "the file is read-only"
    try:
        folder_mode = folder.stat().st_mode
    except OSError:
        return None
    if not _mode_writable(folder_mode) or not os.access(folder, os.W_OK | os.X_OK):
        return "its folder is read-only"
    return None


_NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "fuse.sshfs", "sshfs", "9p", "afs", "ceph", "glusterfs",
               "fuse.glusterfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "davfs", "fuse.davfs2",
               "fuse.onedriver", "fuse.google-drive-ocamlfuse", "fuse.dropbox", "webdav", "lustre"}
_SYNCED_FOLDERS = [
    ("dropbox", "Dropbox"), ("onedrive", "OneDrive"), ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"), ("my drive", "Google Drive"), ("icloud drive", "iCloud Drive"),
    ("mobile documents", "iCloud Drive"), ("icloud", "iCloud Drive"), ("nextcloud", "Nextcloud"),
    ("owncloud", "ownCloud"), ("box sync", "Box"), ("pcloud", "pCloud"), ("seafile", "Seafile"),
    ("sync.com", "Sync.com"), ("megasync", "MEGA"), ("syncthing", "Syncthing"),
]


def _mount_type(path: Path, mounts: str | None) -> tuple[str, str] | None:
    """(file system type, mount point) of the mount holding ``path``, from /proc/mounts."""
    if mounts is None:
        try:
            with open("/proc/mounts", encoding="utf-8", errors="replace") as fh:  # not a project file
                mounts = fh.read()
        except OSError:
            return None
    best: tuple[str, str] | None = None
    target = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > len(best[1])):
            best = (fields[2], point)
    return best


def location_warning(path: str | Path, *, mounts: str | None = None) -> str | None:
    """A warning when the project lives where SQLite's locking is unreliable: a network share
    (SMB, NFS, SSHFS...) or a folder a sync client copies behind the workbench's back (Dropbox,
    OneDrive, Google Drive, iCloud, Nextcloud...). None on a local disk."""
    path = Path(path).expanduser()
    try:
        resolved = path.resolve()
    except OSError:
        resolved = path.absolute()
    where = None
    for part in resolved.parts[:-1]:
        lower = part.lower()
        for needle, name in _SYNCED_FOLDERS:
            if lower == needle or lower.startswith(needle + " ") or lower.startswith(needle + "-") \
                    or lower.startswith(needle + "_") or (needle == "onedrive" and lower.startswith("onedrive")) \
                    or (needle == "mobile documents" and lower == "mobile documents"):
                where = f"a {name} folder"
                break
        if where:
            break
    if where is None:
        mount = _mount_type(resolved, mounts)
        if mount and (mount[0] in _NETWORK_FS or mount[0].split(".")[-1] in _NETWORK_FS):
            where = f"a network folder ({mount[0]} at {mount[1]})"
    if where is None:
        return None
    return (f"warning: {path} is in {where}. SQLite projects are not safe there: syncing or network "
            "locking can lose or corrupt coding when two people or two computers use it. Keep the "
            "project on a local disk; to combine work, send a copy and use `workbench merge`.")


def is_project_file(candidate: str | Path, project: str | Path) -> bool:
    """Whether ``candidate`` is the project file or one of its -wal/-shm/-journal files (decided
    with stat only). Reading or writing one of those with Python file I/O in a process holding a
    connection drops the process's locks: importers and writers refuse them."""
    try:
        target = os.stat(candidate)
    except OSError:
        return False
    project = Path(project)
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            st = os.stat(project.with_name(project.name + suffix))
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            return True
    return False


# -- opening --------------------------------------------------------------------------------------

# How many connections this process has open on each project (by file identity): a connection
# opened while another is open in the same process is not the first, so leftover WAL content then
# says nothing about an unclean shutdown.
_OPEN: dict[tuple[int, int], int] = {}


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _other_process_holds(path: Path) -> bool | None:
    """Whether another process holds a lock on the project (Linux /proc/locks; None elsewhere)."""
    ident = _identity(path)
    if ident is None:
        return None
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:  # not a project file
            text = fh.read()
    except OSError:
        return None
    me = str(os.getpid())
    for line in text.splitlines():
        fields = line.split()
        for i, field in enumerate(fields[1:], start=1):
            parts = field.split(":")
            if len(parts) != 3 or parts[2] != str(ident[1]):
                continue
            try:
                dev = os.makedev(int(parts[0], 16), int(parts[1], 16))
            except ValueError:
                continue
            if dev == ident[0] and fields[i - 1] != me:
                return True
    return False


def open_project(path: str | Path, *, create: bool = False, read_only: bool = False,
                 upgrade_copy: bool = False) -> Connection:
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
                raise ProjectError(f"{path}: the folder cannot be created ({exc.strerror}).",
                                   hint="Choose a folder you can write to.") from exc
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
            raw.close()  # type: ignore[possibly-undefined]
        text = str(exc).lower()
        if "not a database" in text or "file is encrypted" in text:
            raise ProjectError(
                f"{path} is not a workbench project (it is not an SQLite database).",
                hint="Check the --project path; workbench projects are .db files made by `workbench init`.",
            ) from exc
        if "unable to open" in text and reason:
            raise ProjectError(f"{path}: the project is read-only here ({reason}) and cannot be opened.",
                               hint="Copy it to a folder you can write to.") from exc
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
            raw = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None,
                                  timeout=BUSY_TIMEOUT_MS / 1000)
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
                hint="Free some space or make the folder writable, then open the project again.") from exc
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
                hint=(f"Nothing was changed. Restore the copy made before the upgrade ({backup})"
                      if backup else "Nothing was changed. Restore the project from a backup")
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
        raise ProjectError(f"{dest} is a folder.", hint="Give the backup's file name, e.g. backups/project-2024-05-01.db.")
    if dest.exists() or dest.is_symlink():
        raise ProjectError(f"{dest} already exists.", hint="Choose a new file name for the backup.")
    if not dest.parent.is_dir():
        raise ProjectError(f"{dest}: the folder {dest.parent} does not exist.",
                           hint="Create the folder first, or choose another place for the backup.")
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
            raise ProjectError(f"{dest}: the backup could not be written ({exc.strerror or exc}).",
                               hint="Choose a folder you can write to, with enough free space.") from exc
        known = translate(exc, dest)
        if known and "disk full" in known.message:
            raise known from exc
        raise ProjectError(f"{dest}: the backup could not be written ({exc}).",
                           hint="Choose a folder you can write to, with enough free space.") from exc
    return dest
