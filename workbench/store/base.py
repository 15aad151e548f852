"""The storage interface the use cases need, whatever the engine behind it.

One project is one store: the SQLite engine (``workbench/store/sqlite/``, one file, the embedded
default) implements it, and a second engine (a team server) implements the same methods. Nothing
outside ``workbench/store/<engine>/`` knows the engine's dialect: use cases and front ends see
this protocol, the records of :mod:`workbench.models`, and :class:`~workbench.errors.WorkbenchError`.

- **Transactions**: every change a user makes runs inside ``with store.transaction():`` together
  with its audit entry; nested blocks join the outer one. ``savepoint()`` undoes a block alone
  inside a transaction; ``batch()`` commits units of work (an import's files) in groups.
- **Change notification**: ``change_token()`` is an opaque value that changes when another
  connection (another coder, another process) commits; ``changes_since(token)`` says whether it has.
- **Full-text search**: ``search_turns(query)`` takes the query language users type: words,
  "exact phrases", prefix*, AND / OR / NOT and parentheses (stemmed); a query the engine cannot
  read raises :class:`QueryError`. ``vocabulary()`` lists the indexed terms (for fuzzy spelling).
- **Backup and copy**: ``backup_to(dest)`` writes a consistent copy while the project is in use.
"""

from __future__ import annotations

from collections.abc import Hashable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from workbench import models as m
from workbench.errors import WorkbenchError
from workbench.store.coding import CodingQueries
from workbench.store.findings import FindingQueries, MaintenanceQueries
from workbench.store.transcripts import TranscriptQueries


class QueryError(WorkbenchError):
    """A full-text query the engine cannot read (unbalanced quotes, a lone operator...)."""


class Batch(Protocol):
    """Units of work committed together (see :meth:`Store.batch`)."""

    def unit(self) -> AbstractContextManager[object]:
        """One unit of work (an imported file): an error in it undoes that unit alone."""
        ...

    @property
    def due(self) -> bool:
        """Whether enough units or time have gathered to commit now."""
        ...

    @property
    def open(self) -> bool:
        """Whether a transaction is open (False after the engine undid the batch)."""
        ...

    def commit(self, *, let_others_in: bool = False) -> None: ...

    def rollback(self) -> None: ...


class Store(TranscriptQueries, CodingQueries, FindingQueries, MaintenanceQueries, Protocol):
    """A project opened on this thread (a store belongs to the thread that opened it)."""

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> Store:
        """Open a project with the engine its location names (see :func:`workbench.store.open_store`)."""
        from workbench.store import open_store

        return open_store(path, create=create, read_only=read_only)

    @classmethod
    def open_other(cls, path: str | Path) -> Store:
        """Another project to read from (merge): read-only, never changed in place."""
        from workbench.store import open_other_store

        return open_other_store(path)

    # -- transactions and change notification -----------------------------------------------------

    def transaction(self) -> AbstractContextManager[object]:
        """A block whose writes commit together (nested blocks join the outer one)."""
        ...

    def savepoint(self) -> AbstractContextManager[object]:
        """A block an error undoes alone, inside a transaction."""
        ...

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> Batch:
        """Units of work committed together, each undone alone on error."""
        ...

    def change_token(self) -> Hashable:
        """An opaque value that changes when another connection commits."""
        ...

    def changes_since(self, token: Hashable) -> bool:
        """Whether another connection committed since ``token`` was taken."""
        ...

    def backup_to(self, dest: str | Path) -> Path:
        """A consistent copy of the whole project at ``dest`` (a new file), taken while in use."""
        ...

    # -- the project ----------------------------------------------------------------------------

    def is_project_file(self, candidate: str | Path) -> bool:
        """Whether a path is this project's file (or its -wal/-shm): never read or write it as a
        plain file while the project is open (that would drop this process's SQLite locks)."""
        ...

    @property
    def read_only(self) -> bool:
        """Whether the project is open read-only (then ``read_only_reason`` says why)."""
        ...

    @property
    def read_only_reason(self) -> str | None: ...

    @property
    def path(self) -> Path: ...

    def close(self) -> None: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

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
        ...

    def audit_entries(self, limit: int = 100, entity: str | None = None) -> list[m.AuditEntry]: ...
