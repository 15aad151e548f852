"""The PostgreSQL schema is the SQLite schema in another dialect: the same numbered migrations and,
once applied, the same tables with the same columns (FTS5's table becomes the column turns.tsv).
A new SQLite migration needs its PostgreSQL counterpart (workbench/store/postgres/schema.py): these
tests fail until it has one."""

from __future__ import annotations

import re
import sqlite3

from workbench.store.postgres import is_postgres, team
from workbench.store.postgres import schema as pg_schema

try:  # the SQLite store's own package, once it has one
    from workbench.store.sqlite import schema as sqlite_schema
except ImportError:
    from workbench.store import schema as sqlite_schema

TEAM_ONLY = {"schema_version", "team_roles", "team_settings"}


def _sqlite_tables() -> dict[str, list[str]]:
    cx = sqlite3.connect(":memory:")
    for script in sqlite_schema.MIGRATIONS:
        cx.executescript(script)
    names = [
        n
        for (n,) in cx.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'turns_fts%'"
        )
    ]
    return {n: [c[1] for c in cx.execute(f'PRAGMA table_info("{n}")')] for n in names}


def _numbers(path) -> list[int]:
    return [int(n) for n in re.findall(r"^\s*# (\d+):", path.read_text(encoding="utf-8"), re.MULTILINE)]


def test_the_same_numbered_migrations():
    assert pg_schema.LATEST == sqlite_schema.LATEST
    assert _numbers(__import__("pathlib").Path(pg_schema.__file__)) == list(range(1, pg_schema.LATEST + 1))


def test_the_same_tables_and_columns(pg_cluster, pg_database):
    team.init_server(pg_cluster.url(pg_database))
    with pg_cluster.connect(pg_database) as cx:
        rows = cx.execute(
            "SELECT c.table_name, c.column_name, t.table_type FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'workbench' "
            "ORDER BY c.table_name, c.ordinal_position"
        ).fetchall()
    pg: dict[str, list[str]] = {}
    for table, column, _kind in rows:
        pg.setdefault(table, []).append(column)
    views = {table for table, _column, kind in rows if kind == "VIEW"}
    assert views == {"code_cycles", "turns_vocab"}  # turns_vocab: an FTS5 vocabulary table in SQLite
    sqlite = _sqlite_tables()
    assert pg.pop("turns") == sqlite.pop("turns") + ["tsv"]
    assert {k: v for k, v in pg.items() if k not in TEAM_ONLY | {"code_cycles"}} == sqlite


def test_code_tree_cycles_are_refused(pg_cluster, pg_database):
    import psycopg

    team.init_server(pg_cluster.url(pg_database))
    with pg_cluster.connect(pg_database) as cx:
        a = cx.execute("INSERT INTO codes (guid, name) VALUES ('a', 'A') RETURNING id").fetchone()[0]
        b = cx.execute("INSERT INTO codes (guid, name, parent_id) VALUES ('b', 'B', %s) RETURNING id", (a,)).fetchone()[
            0
        ]
        try:
            cx.execute("UPDATE codes SET parent_id = %s WHERE id = %s", (b, a))
        except psycopg.errors.CheckViolation as exc:
            assert "cycle" in str(exc)
        else:
            raise AssertionError("a cycle in the code tree was accepted")
        for bad in ("", "A/B"):
            try:
                cx.execute("INSERT INTO codes (guid, name) VALUES (%s, %s)", ("g" + bad, bad))
            except psycopg.errors.CheckViolation:
                pass
            else:
                raise AssertionError(f"code name {bad!r} was accepted")


def test_postgres_connection_strings_are_told_from_project_files():
    for text in (
        "postgresql://lead@db.example.org/study",
        "postgres://u@h/d",
        "postgresql://",
        "service=study",
        "host=/tmp/sock dbname=study",
    ):
        assert is_postgres(text), text
    for text in ("study.db", "/home/maria/postgresql/study.db", "", None, "notes=1.db"):
        assert not is_postgres(text), text


def test_without_a_server_the_tests_skip_but_fail_where_postgres_is_required(tmp_path):
    """What .ci/run relies on: WORKBENCH_REQUIRE_POSTGRES=1 turns the skip into a failure."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "WORKBENCH_PG_BINDIR": str(tmp_path)}  # a folder without initdb
    test = "tests/test_pg_schema.py::test_code_tree_cycles_are_refused"
    outcomes = {}
    for required in ("0", "1"):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=root,
            env={**env, "WORKBENCH_REQUIRE_POSTGRES": required},
            capture_output=True,
            text=True,
            timeout=300,
        )
        outcomes[required] = (done.returncode, done.stdout)
    assert outcomes["0"][0] == 0 and "1 skipped" in outcomes["0"][1], outcomes["0"][1][-2000:]
    assert outcomes["1"][0] == 1 and "WORKBENCH_REQUIRE_POSTGRES=1 but PostgreSQL server binaries" in outcomes["1"][1]
