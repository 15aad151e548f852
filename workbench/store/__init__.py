"""The only place with SQL. :class:`Store` is the interface the use cases see (``base.py``);
each engine implements it in a package of its own (``sqlite/``: one project file).

``open_store`` opens a project with the engine its location names; ``Store.open`` does the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.store.base import Batch, QueryError, Store

__all__ = [
    "Batch",
    "QueryError",
    "Store",
    "backup_project",
    "location_warning",
    "now",
    "open_other_store",
    "open_store",
    "translate_error",
]


def open_store(path: str | Path, *, create: bool = False, read_only: bool = False) -> Store:
    """Open (or with ``create``, make) a project: a SQLite project file, or a team database on
    PostgreSQL when ``path`` is a postgresql:// URL or a libpq keyword string (made by `server init`)."""
    from workbench.store.postgres import is_postgres
    from workbench.store.sqlite import SqliteStore

    if is_postgres(str(path)):
        from workbench.store.postgres.store import PgStore

        return PgStore.open(str(path), create=create, read_only=read_only)

    return SqliteStore.open(path, create=create, read_only=read_only)


def open_other_store(path: str | Path) -> Store:
    """Another project to read from (a colleague's file to merge): read-only, never changed."""
    from workbench.store.postgres import is_postgres
    from workbench.store.sqlite import SqliteStore

    if is_postgres(str(path)):
        from workbench.store.postgres.store import PgStore

        return PgStore.open_other(str(path))

    return SqliteStore.open_other(path)


def backup_project(store: Any, dest: str | Path) -> Path:
    """A consistent copy of an open project at ``dest`` (``store`` is a Store, or the SQLite
    engine's connection)."""
    if hasattr(store, "backup_to"):
        return Path(store.backup_to(dest))
    from workbench.store.sqlite.opening import backup_project as sqlite_backup

    return sqlite_backup(store, dest)


def translate_error(exc: BaseException, where: str | Path) -> WorkbenchError | None:
    """An engine's error a user can act on (busy, read-only, disk full, damaged) as a
    :class:`WorkbenchError` naming ``where``; None for anything else."""
    from workbench.store.sqlite.db import translate

    return translate(exc, Path(where))


def location_warning(path: str | Path) -> str | None:
    """A warning when the project lives in a synced or network folder (unsafe for a project file)."""
    from workbench.store.postgres import is_postgres
    from workbench.store.sqlite.files import location_warning as warning

    if is_postgres(str(path)):
        return None  # a team database: not a file

    return warning(path)


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the millisecond (as the store records it)."""
    from workbench.store.sqlite.db import now as stamp

    return stamp()
