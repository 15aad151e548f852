"""The SQLite engine's store: a project file opened on this thread. Every write method expects to run inside
``store.transaction()`` so that a use case's writes and its audit entry commit together."""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from workbench import models as m
from workbench.store.sqlite.base import Queries, last_id, _json
from workbench.store.sqlite.coding import CodingQueries
from workbench.store.sqlite.db import Batch, Connection, now
from workbench.store.sqlite.findings import FindingQueries
from workbench.store.sqlite.maintenance import MaintenanceQueries
from workbench.store.sqlite.opening import backup_project, open_project
from workbench.store.sqlite.transcripts import TranscriptQueries


class Store(TranscriptQueries, CodingQueries, FindingQueries, MaintenanceQueries, Queries):
    """A project opened on this thread. Not to be shared across threads (see ARCHITECTURE.md)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> Store:
        """Open a project (see :func:`~workbench.store.sqlite.opening.open_project`): a project that cannot
        be written is opened read-only, and ``read_only`` asks for that (no migration then)."""
        return cls(open_project(path, create=create, read_only=read_only))

    @classmethod
    def open_other(cls, path: str | Path) -> Store:
        """Another project to read from (a colleague's file to merge): opened read-only, never
        migrated or written in place (an older one is read through an upgraded temporary copy)."""
        return cls(open_project(path, read_only=True, upgrade_copy=True))

    def is_project_file(self, candidate: str | Path) -> bool:
        """Whether a path is this project's file (or its -wal/-shm): never read or write it as a
        plain file while the project is open (that would drop this process's SQLite locks)."""
        from workbench.store.sqlite.files import is_project_file

        return is_project_file(candidate, self.conn.path)

    @property
    def read_only(self) -> bool:
        """Whether the project is open read-only (then ``read_only_reason`` says why)."""
        return self.conn.read_only

    @property
    def read_only_reason(self) -> str | None:
        return self.conn.read_only_reason

    def savepoint(self) -> AbstractContextManager[sqlite3.Connection]:
        """A block an error undoes alone, inside a transaction (see Connection.savepoint)."""
        return self.conn.savepoint()

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> Batch:
        """Units of work committed together, each in a savepoint (see Connection.batch)."""
        return self.conn.batch(seconds=seconds, units=units)

    @property
    def path(self) -> Path:
        return self.conn.path_shown

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.conn.transaction() as c:
            yield c

    # -- meta and audit -------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        coder: str | None = None,
        before: Any = None,
        after: Any = None,
    ) -> int:
        """Append to the audit log (append-only: triggers refuse updates and deletes)."""
        cur = self.conn.execute(
            "INSERT INTO audit(at, coder, action, entity, entity_id, before, after) VALUES (?,?,?,?,?,?,?)",
            (now(), coder, action, entity, entity_id, _json(before), _json(after)),
        )
        return last_id(cur)

    def audit_entries(self, limit: int = 100, entity: str | None = None) -> list[m.AuditEntry]:
        where, params = ("WHERE entity = ?", (entity, limit)) if entity else ("", (limit,))
        return self._records(m.AuditEntry, f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", params)

    # -- change notification and backup ---------------------------------------------------------

    def data_version(self) -> int:
        """Changes when another connection commits (another coder, another workbench)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def change_token(self) -> int:
        """SQLite's data version of this connection: it changes when another connection commits."""
        return self.data_version()

    def changes_since(self, token: Hashable) -> bool:
        return self.data_version() != token

    def backup_to(self, dest: str | Path) -> Path:
        """A consistent copy through SQLite's online backup API (never a file copy of the project)."""
        return backup_project(self.conn, dest)
