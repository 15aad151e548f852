"""Copying a whole project between engines (a project file and a team database on PostgreSQL, either
way): every row of every table with its id, GUIDs, the audit log, findings and trained models, in
one transaction on the destination, which must be empty. The search index is rebuilt there."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ProjectError

# Parents before children. Segments come before rounds: the round trigger gives a new segment the
# latest round, so segments are inserted while there is none and their rounds set afterwards.
ORDER = (
    "meta",
    "sites",
    "participants",
    "transcripts",
    "transcript_participants",
    "turns",
    "speakers",
    "codes",
    "coders",
    "segments",
    "rounds",
    "memos",
    "decisions",
    "audit",
    "rejected_suggestions",
    "models",
    "framework_summaries",
    "key_quotes",
    "links",
)
ENGINE_ONLY = {"schema_version", "team_roles", "team_settings"}  # each engine's own bookkeeping
LATER = {"codes": "parent_id", "segments": "round_id"}  # columns set after every row is in
BATCH = 2000


@dataclass
class CopyReport:
    source: str
    dest: str
    rows: dict[str, int] = field(default_factory=dict)


def _is_pg(store: Any) -> bool:
    return hasattr(store, "url")


def _tables(store: Any) -> list[str]:
    if _is_pg(store):
        from workbench.store.postgres.schema import SCHEMA

        rows = store.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
            (SCHEMA,),
        ).fetchall()
    else:
        rows = store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'turns_fts%' AND name <> 'turns_vocab'"
        ).fetchall()
    return sorted(str(r[0]) for r in rows if r[0] not in ENGINE_ONLY)


def _columns(store: Any, table: str) -> list[str]:
    if _is_pg(store):
        from workbench.store.postgres.schema import SCHEMA

        rows = store.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
            "AND table_name = ? ORDER BY ordinal_position",
            (SCHEMA, table),
        ).fetchall()
        return [str(r[0]) for r in rows]
    return [str(r[1]) for r in store.conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


def _check(source: Any, dest: Any) -> None:
    unknown = sorted(set(_tables(source)) - set(ORDER))
    if unknown:
        raise ProjectError(
            f"the project has tables this version cannot copy: {', '.join(unknown)}.",
            hint="Use the workbench version that made the project.",
        )
    if _is_pg(source) and not source.is_lead():
        raise ProjectError(
            "not allowed: only the project lead copies a team database (a coder sees only "
            "part of it while the project is blind).",
            hint="Connect as the lead's user.",
        )
    if _is_pg(dest) and not dest.is_lead():
        raise ProjectError(
            "not allowed: only the project lead fills a team database.",
            hint="Connect as the lead's user (the one named at `workbench server init`).",
        )
    for table in ("transcripts", "codes", "segments", "memos", "audit"):
        if dest.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise ProjectError(
                f"{dest.path}: the destination is not empty (it has {table}); nothing was copied.",
                hint="Copy into a new project file, or a team database fresh from `server init`.",
            )


def copy_between(source: Any, dest: Any) -> CopyReport:
    """Copy every row of ``source`` into the empty ``dest`` (two open stores, any engines)."""
    _check(source, dest)
    report = CopyReport(str(source.path), str(dest.path))
    deferred: dict[str, list[tuple[Any, Any]]] = {}
    with dest.transaction():
        if _is_pg(dest):
            dest.conn.execute("SELECT set_config('workbench.copying', 'on', true)")
        for table in ORDER:
            if table not in _tables(source):
                continue
            wanted = set(_columns(dest, table))
            columns = [c for c in _columns(source, table) if c in wanted]
            quoted = ", ".join(f'"{c}"' for c in columns)
            later = LATER.get(table)
            order = " ORDER BY id" if "id" in columns else ""
            rows = source.conn.execute(f'SELECT {quoted} FROM "{table}"{order}').fetchall()
            marks = ", ".join("?" for _ in columns)
            conflict = " ON CONFLICT(key) DO UPDATE SET value = excluded.value" if table == "meta" else ""
            insert = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}){conflict}'
            if table == "coders":  # the destination's own user may be listed already, with no coding
                dest.conn.execute("DELETE FROM coders")
            pending = []
            values = []
            for row in rows:
                item = list(row)
                if later and item[columns.index(later)] is not None:
                    pending.append((item[columns.index(later)], item[columns.index("id")]))
                    item[columns.index(later)] = None
                values.append(tuple(item))
            for start in range(0, len(values), BATCH):
                dest.conn.conn.executemany(insert, values[start : start + BATCH])
            report.rows[table] = len(values)
            if later == "parent_id":
                dest.conn.conn.executemany("UPDATE codes SET parent_id = ? WHERE id = ?", pending)
            elif later:
                deferred[table] = pending
        if deferred.get("segments"):
            dest.conn.conn.executemany("UPDATE segments SET round_id = ? WHERE id = ?", deferred["segments"])
        if _is_pg(dest):
            dest.conn.execute("SELECT reset_ids()")
        dest.rebuild_search_index()
    return report


def copy_project(source: Any, dest: str | Path) -> CopyReport:
    """Copy an open project into a new project file or an empty team database named by ``dest``."""
    from workbench.store import open_store
    from workbench.store.postgres import is_postgres

    new_file = not is_postgres(str(dest))
    if new_file and Path(dest).exists():
        raise ProjectError(f"{dest} already exists; nothing was copied.", hint="Name a new file.")
    target = open_store(dest, create=True)
    done = False
    try:
        report = copy_between(source, target)
        done = True
        return report
    finally:
        target.close()
        if new_file and not done:  # nothing of a failed copy is left behind
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{dest}{suffix}").unlink(missing_ok=True)
