"""Team databases on PostgreSQL: set up the server, add coders and leads, the blind/open phase.

The use cases behind ``workbench server`` and ``workbench phase``; the PostgreSQL engine
(``workbench.store.postgres``) does the work. Imported lazily: a command on a project file never
loads the PostgreSQL driver.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.store.postgres.team import CoderReport, InitReport, Phase


def is_team_database(project: str | None) -> bool:
    """Whether ``project`` names a team database (a PostgreSQL URL or service), not a file."""
    from workbench.store.postgres import is_postgres

    return is_postgres(project)


def schema_version() -> int:
    """The team database schema version this workbench writes."""
    from workbench.store.postgres.schema import LATEST

    return LATEST


def describe(url: str) -> str:
    """The team database's address as people read it (no password)."""
    from workbench.store.postgres.team import describe as describe_url

    return describe_url(url)


def init_server(url: str, *, lead: str | None = None, lead_password: str | None = None) -> InitReport:
    """Create or bring up to date the team database, its roles and the project lead."""
    from workbench.store.postgres.team import init_server as init

    return init(url, lead=lead, lead_password=lead_password)


def add_coder(url: str, name: str, *, password: str | None = None, lead: bool = False) -> CoderReport:
    """Add a coder (or, with ``lead``, another project lead) to the team database."""
    from workbench.store.postgres.team import add_coder as add

    return add(url, name, password=password, lead=lead)


def get_phase(url: str) -> Phase:
    """The coding phase: blind (coders see only their own coding) or open."""
    from workbench.store.postgres.team import get_phase as get

    return get(url)


def set_phase(url: str, blind: bool) -> Phase:
    """Switch the coding phase to blind or open."""
    from workbench.store.postgres.team import set_phase as put

    return put(url, blind)


# -- when the server goes away --------------------------------------------------------------------

LOST = "lost"  # the server cannot be reached
CONNECTED = "connected"  # (re)connected: anything may have changed meanwhile
CHANGED = "changed"  # another coder committed a change


def watch_server(url: str, stop: threading.Event) -> Iterator[str]:
    """What happens to the team server at ``url``, for as long as the caller iterates (or until
    ``stop`` is set): :data:`CONNECTED` on each (re)connection, :data:`CHANGED` for each change
    another coder commits, :data:`LOST` once when the server goes away; while it is away the
    connection is retried with a capped back-off. A refusal (wrong password, no rights) is raised."""
    from workbench.store.postgres.listen import RESYNC, UNREACHABLE, changes

    for change in changes(url, stop=stop):
        yield LOST if change.op == UNREACHABLE else CONNECTED if change.op == RESYNC else CHANGED


def reach(url: str) -> None:
    """Connect to the team server once and let go; raises the connection's error (an
    :func:`unreachable` one while the server is away)."""
    from workbench.store.postgres.team import connect

    connect(url, connect_timeout=5).close()


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the team server could not be reached (worth retrying), rather than
    a refusal or a bad request (also when it was the cause of another error: an undo that failed)."""
    from workbench.store.postgres.team import UnreachableError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, UnreachableError):
            return True
        seen = seen.__cause__
    return False
