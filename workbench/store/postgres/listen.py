"""Other coders' changes, live: a dedicated connection LISTENs on the change channel and turns each
notification into a :class:`Change`.

Notifications sent while a listener is disconnected are lost, so after every (re)connection the
listener says ``resync`` (reload what is shown). While the server cannot be reached it says
``unreachable`` once and retries with a capped, jittered back-off; a refusal (wrong password, a
role without rights, not a team database) is raised, never retried.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from workbench.store.postgres.schema import CHANNEL

RESYNC = "resync"
UNREACHABLE = "unreachable"


CHANGED = "change"  # something in the table changed (while blind, coding is announced without ids): reload it


@dataclass(frozen=True)
class Change:
    table: str  # "*" for resync / unreachable
    op: str  # insert, update, delete, change (no id), resync, unreachable
    id: int | None = None


def parse(payload: str) -> Change | None:
    """A notification's payload as a Change (None when it is not one of ours)."""
    try:
        data = json.loads(payload)
        item = data.get("id")
        return Change(
            table=str(data["table"]), op=str(data.get("op", CHANGED)), id=int(item) if item is not None else None
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def changes(
    url: str, *, stop: threading.Event | None = None, poll: float = 0.5, backoff: tuple[float, float] = (0.25, 10.0)
) -> Iterator[Change]:
    """Changes to the team database at ``url``, for as long as the caller iterates (or until
    ``stop`` is set): ``resync`` after each connection, then each change, ``unreachable`` when the
    server goes away."""
    import psycopg

    from workbench.store.postgres.team import UnreachableError, connect

    stop = stop or threading.Event()
    delay, reported = backoff[0], False
    while not stop.is_set():
        try:
            cx = connect(url)
        except UnreachableError:
            if not reported:
                reported = True
                yield Change("*", UNREACHABLE)
            stop.wait(delay * random.uniform(0.5, 1.0))
            delay = min(backoff[1], delay * 2)
            continue
        try:
            with cx:
                cx.execute(f"LISTEN {CHANNEL}")
                delay, reported = backoff[0], False
                yield Change("*", RESYNC)
                while not stop.is_set():
                    for note in cx.notifies(timeout=poll):
                        change = parse(note.payload)
                        if change is not None:
                            yield change
                        if stop.is_set():
                            break
        except psycopg.OperationalError:
            if not reported:
                reported = True
                yield Change("*", UNREACHABLE)
            time.sleep(0)  # reconnect at once: the next attempt backs off if the server is still away
