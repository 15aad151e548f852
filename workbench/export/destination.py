"""Writing an export to the file the user named, and nothing else.

Every file the workbench writes for the user (``-o FILE``, ``export qdpx FILE``, the matrix
screen's export) goes through :func:`replacing` or :func:`write_file`:

- the destination must be a new path or a regular file: a directory, device node (``/dev/null``),
  FIFO or socket is refused, even with ``--force``;
- a symbolic link is refused (the message names where it points), so a link planted in a shared
  folder cannot redirect an export onto another file;
- an existing file is replaced only when the user says so (``--force``); a new path is claimed
  with a hard link, so a file that appears meanwhile is not overwritten either;
- the content is written to a temporary file in a private folder beside the destination, flushed
  to disk, then moved into place in one step: a failed or interrupted export leaves the old file
  as it was and no partial file;
- the new file gets the user's normal mode (0666 less the umask, as any program's files), a
  replaced file keeps its mode;
- the project file itself (and its ``-wal``/``-shm``) is never a destination.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.errors import WorkbenchError

FORCE_HINT = "Choose another file name (on the command line, --force replaces the file)."

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def user_file_mode() -> int:
    """0666 less the process's umask (what ``open()`` would give a new file)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _protected(protect: Iterable[str | Path]) -> list[Path]:
    out = []
    for item in protect:
        base = Path(item)
        out += [
            base,
            base.with_name(base.name + "-wal"),
            base.with_name(base.name + "-shm"),
            base.with_name(base.name + "-journal"),
        ]
    return out


def check_destination(
    path: str | Path, *, force: bool = False, protect: Iterable[str | Path] = ()
) -> os.stat_result | None:
    """Refuse a destination the workbench must not write to; returns the existing file's status
    (None for a new path)."""
    dest = Path(path)
    if str(path) == "" or dest.name in ("", ".", ".."):
        raise WorkbenchError(f"{path!r} is not a file name.", hint="Give the name of the file to write.")
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WorkbenchError(f"{dest}: cannot be checked ({exc.strerror}).") from exc
    parent = dest.parent
    if not parent.is_dir():
        raise WorkbenchError(
            f"{dest}: the folder {parent} does not exist.", hint="Create the folder first, or write somewhere else."
        )
    if st is not None and stat.S_ISLNK(st.st_mode):
        target = os.readlink(dest)
        raise WorkbenchError(
            f"{dest} is a symbolic link (to {target}); the workbench does not write through links.",
            hint="Give the real file's path, or remove the link.",
        )
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise WorkbenchError(
            f"{dest} is {_kind(st.st_mode)}, not a file; nothing was written.",
            hint="Give the name of a regular file to write.",
        )
    for guarded in _protected(protect):
        try:
            if st is not None and guarded.exists() and os.path.samefile(dest, guarded):
                raise WorkbenchError(
                    f"{dest} is the project itself; an export never replaces it.", hint="Choose another file name."
                )
        except OSError:
            continue
    if st is not None and not force:
        raise WorkbenchError(f"{dest} already exists; nothing was written.", hint=FORCE_HINT)
    return st


def _os_error(dest: Path, exc: OSError) -> WorkbenchError:
    if exc.errno == errno.ENOSPC:
        return WorkbenchError(f"{dest}: the disk is full; nothing was written.", hint="Free some space and try again.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WorkbenchError(
            f"{dest}: cannot be written ({exc.strerror}).",
            hint="Check the folder's permissions, or write somewhere else.",
        )
    return WorkbenchError(f"{dest}: cannot be written ({exc.strerror or exc}).")


@contextmanager
def replacing(path: str | Path, *, force: bool = False, protect: Iterable[str | Path] = ()) -> Iterator[Path]:
    """Yield a temporary path (same file name, in a private folder beside ``path``) to write the
    whole content to; on success it becomes ``path`` in one step, on failure nothing changes."""
    dest = Path(path)
    protect = list(protect)
    existing = check_destination(dest, force=force, protect=protect)
    mode = stat.S_IMODE(existing.st_mode) & 0o777 if existing is not None else user_file_mode()
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{dest.name[:40]}.", suffix=".partial", dir=dest.parent))
    except OSError as exc:
        raise _os_error(dest, exc) from exc
    tmp = folder / dest.name
    try:
        yield tmp
        try:
            st = os.lstat(tmp)
            if not stat.S_ISREG(st.st_mode):
                raise WorkbenchError(f"{dest}: the export did not produce a file; nothing was written.")
            os.chmod(tmp, mode)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            _commit(tmp, dest, force=force, protect=protect)
        except OSError as exc:
            raise _os_error(dest, exc) from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _commit(tmp: Path, dest: Path, *, force: bool, protect: Iterable[str | Path]) -> None:
    """Move the finished file into place, checking the destination again just before."""
    check_destination(dest, force=force, protect=protect)
    if not force or not os.path.lexists(dest):
        try:
            os.link(tmp, dest)  # fails if anything appeared at dest meanwhile: never clobbers
            return
        except FileExistsError as exc:
            raise WorkbenchError(
                f"{dest} appeared while the export was written; nothing was replaced.", hint=FORCE_HINT
            ) from exc
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
                raise
            # a file system without hard links: fall back to a checked rename
    os.replace(tmp, dest)


def write_file(path: str | Path, data: str | bytes, *, force: bool = False, protect: Iterable[str | Path] = ()) -> Path:
    """Write text (UTF-8) or bytes to ``path`` safely (see the module's rules)."""
    dest = Path(path)
    with replacing(dest, force=force, protect=protect) as tmp:
        try:
            if isinstance(data, str):
                tmp.write_text(data, encoding="utf-8")
            else:
                tmp.write_bytes(data)
        except OSError as exc:
            raise _os_error(dest, exc) from exc
    return dest
