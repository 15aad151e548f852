"""PostgreSQL as the team engine: connection strings, the schema in PostgreSQL's dialect, roles and
row-level security. psycopg is imported only by the functions that connect.

A project is on PostgreSQL when it is named by a ``postgresql://`` (or ``postgres://``) URL, or
by a libpq keyword string such as ``service=study`` or ``host=db.example.org dbname=study``. Parts
left out come from the standard ``PG*`` environment variables and ``~/.pg_service.conf``, as in
every libpq program: ``postgresql://`` alone means "everything from the environment".
"""

from __future__ import annotations

import re

_KEYWORD = re.compile(r"^\s*(service|host|hostaddr|dbname|user|port|sslmode|passfile)\s*=", re.IGNORECASE)


def is_postgres(project: str | None) -> bool:
    """Whether ``project`` names a PostgreSQL database rather than a project file."""
    if not project:
        return False
    text = str(project)
    return text.startswith(("postgresql://", "postgres://")) or bool(_KEYWORD.match(text))


__all__ = ["is_postgres"]
