"""The project file: creation, pragmas, refusals and migrations."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.errors import ProjectError
from workbench.store import Store, backup_project
from workbench.store.sqlite.schema import LATEST


def test_new_project_pragmas(tmp_path):
    store = Store.open(tmp_path / "p.db", create=True)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_foreign_sqlite_database_refused(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x(y)").connection.commit()
    with pytest.raises(ProjectError, match="not a workbench project"):
        Store.open(other)


def test_newer_schema_refused(tmp_path):
    store = Store.open(tmp_path / "p.db", create=True)
    store.conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    store.close()
    with pytest.raises(ProjectError, match="newer workbench"):
        Store.open(tmp_path / "p.db")


def test_truncated_project_is_a_clear_error(tmp_path):
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    with store.transaction():
        store.site_id("A")
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\x00" * 50 + data[150:2000])
    with pytest.raises(ProjectError):
        Store.open(path)


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.site_id("A")
            raise RuntimeError("boom")
    assert store.sites() == []


def test_backup_while_open(store, tmp_path):
    with store.transaction():
        store.site_id("Riverbend")
    dest = backup_project(store.conn, tmp_path / "copy.db")
    copy = Store.open(dest)
    assert [s.name for s in copy.sites()] == ["Riverbend"]
    with pytest.raises(ProjectError, match="already exists"):
        backup_project(store.conn, dest)


def test_two_connections_see_each_others_writes(tmp_path):
    a = Store.open(tmp_path / "p.db", create=True)
    b = Store.open(tmp_path / "p.db")
    with a.transaction():
        a.site_id("A")
    with b.transaction():
        b.site_id("B")
    assert [s.name for s in a.sites()] == ["A", "B"]


def test_migration_from_schema_1_takes_a_backup(tmp_path):
    from workbench.store.sqlite.db import APPLICATION_ID
    from workbench.store.sqlite.opening import _statements
    from workbench.store.sqlite.schema import MIGRATIONS

    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for statement in _statements(MIGRATIONS[0]):
        raw.execute(statement)
    raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO sites(name) VALUES ('Riverbend')")
    raw.commit()
    raw.close()
    store = Store.open(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert [s.name for s in store.sites()] == ["Riverbend"]
    backup = tmp_path / "old.db.schema1-backup"
    assert backup.exists()
    assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone()[0] == 1
    index = store.conn.execute("SELECT name FROM sqlite_master WHERE name = 'segments_coder_code'").fetchone()
    assert index is not None
