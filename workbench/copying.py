"""Copying a whole project between a project file and a team database (the use case behind
`workbench copy`); the rows are moved by the store (workbench/store/copy.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import ProjectError

if TYPE_CHECKING:
    from workbench.store.copy import CopyReport


def copy_project(source: str, dest: str) -> CopyReport:
    """Copy the project named by ``source`` into a new project file or an empty team database."""
    from workbench.project import open_store
    from workbench.store.copy import copy_project as copy_rows
    from workbench.store.postgres import is_postgres

    if not is_postgres(source) and not Path(source).is_file():
        raise ProjectError(f"{source}: no project here.", hint="Name a project file or a team database URL.")
    store = open_store(source)
    try:
        return copy_rows(store, dest)
    finally:
        store.close()
