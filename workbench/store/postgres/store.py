"""The PostgreSQL engine's store: a team database opened by one coder (their own database user).
The same records, transactions and use cases as a project file; who may write what is the
database's rule (row-level security), and other coders' changes arrive through LISTEN/NOTIFY."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PosixPath
from typing import Any

from workbench import models as m
from workbench.errors import ProjectError
from workbench.store.postgres.connection import PgBatch, PgConnection
from workbench.store.postgres.queries import PgQueries
from workbench.store.sqlite.base import Queries, _json, last_id
from workbench.store.sqlite.coding import CodingQueries
from workbench.store.sqlite.db import now
from workbench.store.sqlite.findings import FindingQueries
from workbench.store.sqlite.maintenance import MaintenanceQueries
from workbench.store.sqlite.transcripts import TranscriptQueries

# Settings that belong to each person rather than to the project (the lead's `meta` table is the
# project's): on a team database the coder is always the database user.
PERSONAL = {"last_coder"}


class TeamLocation(PosixPath):
    """Where a team database is, shown (and passed on to other commands) as its connection string,
    password masked."""

    url = ""

    def __str__(self) -> str:
        return self.url

    def __fspath__(self) -> str:
        return self.url


def team_location(url: str, shown: str | None = None) -> Path:
    """A Path-typed handle on a team database that stays its connection string (``str()`` gives it back
    whole, so a worker can open the database again), for code that passes projects around as paths."""
    where = TeamLocation(shown or url)
    where.url = url
    return where


class PgStore(PgQueries, TranscriptQueries, CodingQueries, FindingQueries, MaintenanceQueries, Queries):
    """A team database opened on this thread (one connection; not shared across threads)."""

    def __init__(self, conn: PgConnection) -> None:
        self.conn = conn
        self._check_schema()

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False, read_only: bool = False) -> PgStore:
        """Open a team database (``create`` cannot make one: `workbench server init` does)."""
        return cls(PgConnection(str(path)))

    @classmethod
    def open_other(cls, path: str | Path) -> PgStore:
        return cls.open(path, read_only=True)

    def _check_schema(self) -> None:
        from workbench.store.postgres.schema import LATEST

        row = self.conn.execute(
            "SELECT to_regclass('schema_version') IS NOT NULL, to_regclass('team_roles') IS NOT NULL"
        ).fetchone()
        if not row or not row[0] or not row[1]:
            self.conn.close()
            raise ProjectError(
                f"{self.conn.where} is not a workbench team database (no schema in it).",
                hint="The project lead sets it up with `workbench server init URL` (see the README).",
            )
        version = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()
        if version is None or version[0] != LATEST:
            self.conn.close()
            raise ProjectError(
                f"{self.conn.where} has schema version {version[0] if version else None}; this "
                f"workbench needs {LATEST}.",
                hint="The project lead runs `workbench server init URL` to bring it up to date.",
            )
        self._check_team_layer()

    def _check_team_layer(self) -> None:
        """Refuse a team layer older than this workbench: functions that run with the owner's rights
        must list pg_temp last in their search path (else a coder's temporary table named like a
        team table is read first, and a coder can pass for the lead), and the one-round-trip coding
        functions must exist. `server init` replaces the layer in place."""
        from workbench.store.postgres.schema import SCHEMA

        row = self.conn.execute(
            "SELECT count(*) FILTER (WHERE p.prosecdef AND coalesce(array_to_string(p.proconfig, ' '), '') "
            "NOT LIKE '%search_path=%pg_temp%'), count(*) FILTER (WHERE p.proname = 'apply_code') "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?",
            (SCHEMA,),
        ).fetchone()
        if row is None or row[0] or not row[1]:
            self.conn.close()
            raise ProjectError(
                f"{self.conn.where} has an older team layer than this workbench (its rights and "
                "functions predate a fix that keeps a coder from passing for the lead).",
                hint="The project lead runs `workbench server init URL` once to bring it up to date; "
                "coding, memos and the phase are kept.",
            )

    def is_project_file(self, candidate: str | Path) -> bool:
        return False  # no file of this project lives on this machine

    @property
    def read_only(self) -> bool:
        return self.conn.read_only

    @property
    def read_only_reason(self) -> str | None:
        return self.conn.read_only_reason

    @property
    def url(self) -> str:
        return self.conn.url

    @property
    def path(self) -> Path:
        return team_location(self.conn.where)

    def savepoint(self) -> AbstractContextManager[Any]:
        return self.conn.savepoint()

    def batch(self, *, seconds: float = 0.5, units: int = 200) -> PgBatch:
        return self.conn.batch(seconds=seconds, units=units)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.conn.transaction() as c:
            yield c

    def segment(self, segment_id: int) -> m.Segment | None:
        """A segment; the one just made is already here (read in the same round trip as its write)."""
        made = self.conn.just_made
        if made is not None and made.id == segment_id:
            self.conn.just_made = None
            return made  # type: ignore[no-any-return]
        return super().segment(segment_id)

    # -- meta and audit -------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        if key in PERSONAL:
            return self.session_user()
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        if key in PERSONAL:
            return  # the coder is the database user; nothing to remember
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
        """Append to the audit log (the database records a coder's entries under their own user)."""
        cur = self.conn.execute(
            "INSERT INTO audit(at, coder, action, entity, entity_id, before, after) VALUES (?,?,?,?,?,?,?)",
            (now(), coder, action, entity, entity_id, _json(before), _json(after)),
        )
        return last_id(cur)  # type: ignore[arg-type]

    def audit_entries(self, limit: int = 100, entity: str | None = None) -> list[m.AuditEntry]:
        where, params = ("WHERE entity = ?", (entity, limit)) if entity else ("", (limit,))
        return self._records(m.AuditEntry, f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ?", params)

    # -- change notification and backup -------------------------------------------------------------

    def change_token(self) -> int:
        """How many changes other connections have announced (LISTEN/NOTIFY) since this one opened."""
        return self.conn.poll()

    def changes_since(self, token: Hashable) -> bool:
        return self.conn.poll() != token

    def data_version(self) -> int:
        return self.change_token()

    def backup_to(self, dest: str | Path) -> Path:
        """A copy of the whole project as a project file at ``dest`` (see `workbench copy`)."""
        from workbench.store.copy import copy_project

        copy_project(self, Path(dest))
        return Path(dest)
