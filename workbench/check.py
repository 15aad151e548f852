"""Use case: check a project for damage (`workbench check`) and repair what can be repaired.

Checks SQLite's integrity, rows pointing at missing rows, cycles in the code tree (a code that is
its own ancestor makes every walk up the tree loop), segments without their transcript, code or
coder, and the search index against the turns. ``repair`` writes a backup beside the project
first, then breaks each cycle (the cycle's first code becomes a top-level code) and rebuilds the
search index if it differs from the turns; it never deletes coding.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbench.errors import ProjectError
from workbench.models import CheckReport
from workbench.store import Store


def check_project(store: Store, *, repair: bool = False, coder: str | None = None) -> CheckReport:
    report = CheckReport(path=str(store.path))
    _inspect(store, report)
    if not repair or not (report.cycles or report.search_index or report.schema):
        return report
    if store.read_only:
        raise ProjectError(
            f"{store.path}: cannot repair a read-only project ({store.read_only_reason}).",
            hint="Copy it to a folder you can write to, then run `workbench check --repair` on the copy.",
        )
    if report.integrity:
        raise ProjectError(
            f"{store.path} is damaged beyond what `check --repair` mends: {report.integrity[0]}.",
            hint="Restore it from a backup, or recover what SQLite can with `sqlite3 FILE .recover`.",
        )
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = store.backup_to(_backup_path(str(store.path), stamp))
    report.backup = str(backup)
    names = store.code_names()
    with store.transaction():
        for cycle in store.code_cycles():  # before the triggers come back: they refuse cycles
            freed = store.break_code_cycle(cycle)
            text = " > ".join(names.get(c, str(c)) for c in cycle)
            report.repaired.append(f"broke the code cycle {text}: {names.get(freed, freed)!r} is now a top-level code")
            store.audit(
                "code.move",
                "code",
                freed,
                coder=coder,
                after={"parent_id": None, "repair": "cycle", "cycle": [names.get(c, c) for c in cycle]},
            )
        if report.search_index:
            turns = store.rebuild_search_index()
            report.repaired.append(f"rebuilt the search index ({turns} turns)")
            store.audit("repair", "project", None, coder=coder, after={"search_index": report.search_index})
        restored = [] if any(item.startswith("table ") for item in report.schema) else store.restore_schema_objects()
        if restored:
            report.repaired.append("restored " + ", ".join(restored))
            store.audit("repair", "project", None, coder=coder, after={"schema": restored})
    after = CheckReport(path=report.path)
    _inspect(store, after)
    report.cycles, report.search_index, report.schema = after.cycles, after.search_index, after.schema
    return report


def _inspect(store: Store, report: CheckReport) -> None:
    report.integrity = store.integrity_problems()
    report.foreign_keys = [
        f"{p.table} row {p.rowid} points at a missing {p.parent} row" for p in store.foreign_key_problems()
    ]
    names = store.code_names()
    report.cycles = [[names.get(c, str(c)) for c in cycle] for cycle in store.code_cycles()]
    report.orphan_segments = [
        f"segment {s.id} (transcript {s.transcript_id}, {s.start}-{s.end}): {s.problem}"
        for s in store.orphan_segments()
    ]
    report.search_index = store.search_index_problems()
    report.schema = store.missing_schema_objects()


def _backup_path(project: str, stamp: str) -> Path:
    """Beside a project file; for a team database (a connection string, not a path), a project file
    named after the database in the current folder."""
    from workbench.team import is_team_database

    if not is_team_database(project):
        return Path(project).with_name(f"{Path(project).name}.before-repair-{stamp}")
    from psycopg.conninfo import conninfo_to_dict

    name = str(conninfo_to_dict(project).get("dbname") or "team")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).lstrip(".") or "team"
    return Path.cwd() / f"{safe}.before-repair-{stamp}.db"
