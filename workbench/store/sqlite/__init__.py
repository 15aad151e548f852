"""The SQLite engine: one project is one file (the embedded default, for one person or a team
sharing files). The only package that knows SQLite: its PRAGMAs, FTS5, data_version, rowids."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.store.sqlite.store import Store as SqliteStore

if TYPE_CHECKING:
    from workbench.store.base import Store

__all__ = ["SqliteStore"]


def _conforms(store: SqliteStore) -> Store:  # checked by mypy: the engine implements the interface
    return store
