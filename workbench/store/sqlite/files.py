"""Where a project file lives: read-only folders, network and synced folders, the project's own
files (never read or written as plain files while it is open), and other processes holding it."""

from __future__ import annotations

import os
from pathlib import Path


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


_NETWORK_FS = {
    "cifs",
    "smb3",
    "smbfs",
    "nfs",
    "nfs4",
    "fuse.sshfs",
    "sshfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.glusterfs",
    "fuse.rclone",
    "fuse.s3fs",
    "fuse.gcsfuse",
    "davfs",
    "fuse.davfs2",
    "fuse.onedriver",
    "fuse.google-drive-ocamlfuse",
    "fuse.dropbox",
    "webdav",
    "lustre",
}
_SYNCED_FOLDERS = [
    ("dropbox", "Dropbox"),
    ("onedrive", "OneDrive"),
    ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"),
    ("my drive", "Google Drive"),
    ("icloud drive", "iCloud Drive"),
    ("mobile documents", "iCloud Drive"),
    ("icloud", "iCloud Drive"),
    ("nextcloud", "Nextcloud"),
    ("owncloud", "ownCloud"),
    ("box sync", "Box"),
    ("pcloud", "pCloud"),
    ("seafile", "Seafile"),
    ("sync.com", "Sync.com"),
    ("megasync", "MEGA"),
    ("syncthing", "Syncthing"),
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
            if (
                lower == needle
                or lower.startswith((needle + " ", needle + "-", needle + "_"))
                or needle == "onedrive"
                and lower.startswith("onedrive")
                or needle == "mobile documents"
                and lower == "mobile documents"
            ):
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
    return (
        f"warning: {path} is in {where}. SQLite projects are not safe there: syncing or network "
        "locking can lose or corrupt coding when two people or two computers use it. Keep the "
        "project on a local disk; to combine work, send a copy and use `workbench merge`."
    )


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
