"""The only place with SQL. :class:`Store` wraps one project connection (one thread)."""

from workbench.store.db import Connection, backup_project, now, open_project
from workbench.store.repo import Store

__all__ = ["Connection", "Store", "backup_project", "now", "open_project"]
