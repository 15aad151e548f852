"""`workbench server init`, `server add-coder` and `phase` on a real PostgreSQL server, as a user runs
them: connection strings as URLs, libpq service names and PG* variables; clear errors."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import ProjectError
from workbench.store.postgres.schema import LATEST
from workbench.store.postgres import team


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), obj={}, input=input)


@pytest.fixture
def names():
    tag = uuid.uuid4().hex[:6]
    return {"lead": f"carol_{tag}", "alice": f"alice_{tag}"}


def test_init_add_coder_and_phase(pg_cluster, pg_database, names):
    from pgcluster import PASSWORD_GROUP

    admin = pg_cluster.url(pg_database)
    result = run("server", "init", admin, "--lead", names["lead"])
    assert result.exit_code == 0, result.output
    assert f"Team database {pg_database} ready" in result.output and f"{LATEST} migrations applied" in result.output
    assert f"leads: {names['lead']} (new login role)\n" in result.output
    again = run("server", "init", admin, "--lead", names["lead"])
    assert again.exit_code == 0 and "already up to date" in again.output
    again = run("server", "init", admin)  # as the superuser, without --lead: the leads stay as they were
    assert again.exit_code == 0 and f"leads: {names['lead']}\n" in again.output and "warning" not in again.output

    result = run(
        "server", "add-coder", names["alice"], "--password", "--project", admin, input="s3cret pass\ns3cret pass\n"
    )
    assert result.exit_code == 0, result.output
    assert f"Coder {names['alice']} (created, member of {pg_database}_coder)" in result.output
    assert "s3cret" not in result.output
    with pg_cluster.connect() as cx:  # stored as a SCRAM verifier, never as text
        stored = cx.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (names["alice"],)).fetchone()[0]
        cx.execute(f'GRANT {PASSWORD_GROUP} TO "{names["alice"]}"')  # from now on she must give it
    assert stored.startswith("SCRAM-SHA-256$")
    sock = pg_cluster.socket_dir
    team.connect(f"postgresql://{names['alice']}:s3cret%20pass@/{pg_database}?host={sock}").close()
    with pytest.raises(ProjectError, match="wrong password"):
        team.connect(f"postgresql://{names['alice']}:s3cret@/{pg_database}?host={sock}")
    with pg_cluster.connect() as cx:
        cx.execute(f'REVOKE {PASSWORD_GROUP} FROM "{names["alice"]}"')

    lead_url, alice_url = pg_cluster.url(pg_database, names["lead"]), pg_cluster.url(pg_database, names["alice"])
    result = run("phase", "--project", alice_url)
    assert result.exit_code == 0 and "Phase open" in result.output
    result = run("phase", "blind", "--project", alice_url)
    assert result.exit_code == 1 and "not allowed: only the project lead" in result.output
    result = run("--project", lead_url, "phase", "blind")
    assert result.exit_code == 0 and "Phase blind" in result.output and f"set by {names['lead']}" in result.output
    result = run("phase", "open", "--project", lead_url)
    assert result.exit_code == 0 and "Phase open" in result.output


def test_service_names_and_pg_variables(pg_cluster, pg_database, names, tmp_path, monkeypatch):
    assert run("server", "init", pg_cluster.url(pg_database), "--lead", names["lead"]).exit_code == 0
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[study]\nhost={pg_cluster.socket_dir}\ndbname={pg_database}\nuser={names['lead']}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    result = run("phase", "blind", "--project", "service=study")
    assert result.exit_code == 0 and "Phase blind" in result.output, result.output
    monkeypatch.delenv("PGSERVICEFILE")
    for key, value in (("PGHOST", pg_cluster.socket_dir), ("PGDATABASE", pg_database), ("PGUSER", names["lead"])):
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("WORKBENCH_PROJECT", "postgresql://")
    result = run("phase", "open")
    assert result.exit_code == 0 and "Phase open" in result.output, result.output


def test_clear_errors(pg_cluster, pg_database, names, tmp_path):
    from pgcluster import PASSWORD_ROLE

    result = run("server", "init", f"postgresql://postgres@/{pg_database}?host={tmp_path}")
    assert result.exit_code == 1 and "server unreachable" in result.output and "Traceback" not in result.output
    result = run("server", "init", f"postgresql://{PASSWORD_ROLE}:wrong@/postgres?host={pg_cluster.socket_dir}")
    assert result.exit_code == 1 and f"wrong password for user {PASSWORD_ROLE}" in result.output
    assert "wrong@" not in result.output  # the password is never echoed
    assert run("server", "init", pg_cluster.url(pg_database), "--lead", names["lead"]).exit_code == 0
    result = run("server", "init", pg_cluster.url(pg_database, names["lead"]))
    assert result.exit_code == 1 and "not allowed" in result.output and "cannot create roles" in result.output
    for bad in ("Maria Garcia", "consensus", f"{pg_database}_lead", "pg_admin"):
        result = run("server", "add-coder", bad, "--project", pg_cluster.url(pg_database))
        assert result.exit_code == 1 and "cannot be a coder's login name" in result.output, (bad, result.output)
    result = run("server", "add-coder", "maria", "--project", str(tmp_path / "study.db"))
    assert result.exit_code == 1 and "works on a team database on PostgreSQL" in result.output
    result = run("phase", "blind", "--project", str(tmp_path / "study.db"))
    assert result.exit_code == 1 and "--project" in result.output and not (tmp_path / "study.db").exists()
    result = run("phase", "--project", pg_cluster.url("postgres"))
    assert result.exit_code == 1 and "not a workbench team database yet" in result.output


def test_passwords_are_hashed_on_the_client(pg_cluster):
    """The verifier made here lets its password in (and only it), non-ASCII passwords included."""
    tag = uuid.uuid4().hex[:6]
    from pgcluster import PASSWORD_GROUP

    for n, password in enumerate(("plain", "pässwörd ﬁve", "  spaced\u00a0out  ")):
        name = f"pw{n}_{tag}"
        with pg_cluster.connect() as cx:
            cx.execute(f"CREATE ROLE {name} LOGIN IN ROLE {PASSWORD_GROUP} PASSWORD '{team.scram_verifier(password)}'")
        team.connect(pg_cluster.conninfo("postgres", name), password=password).close()
        with pytest.raises(ProjectError, match="wrong password"):
            team.connect(pg_cluster.conninfo("postgres", name), password=password + "x")
    fixed = team.scram_verifier("pencil", salt=b"0123456789abcdef")
    assert fixed == team.scram_verifier("pencil", salt=b"0123456789abcdef") != team.scram_verifier("pencil")


def test_an_admin_who_is_not_a_superuser_sets_up_the_study(pg_cluster, names):
    """As on a managed server: the admin has CREATEROLE and owns the database, nothing more."""
    admin = f"admin_{uuid.uuid4().hex[:6]}"
    database = f"study_{uuid.uuid4().hex[:6]}"
    with pg_cluster.connect() as cx:
        cx.execute(f"CREATE ROLE {admin} LOGIN CREATEROLE")
        cx.execute(f"CREATE DATABASE {database} OWNER {admin} TEMPLATE template0")
    try:
        url = pg_cluster.url(database, admin)
        result = run("server", "init", url, "--lead", names["lead"])
        assert result.exit_code == 0 and f"{LATEST} migrations applied" in result.output, result.output
        result = run("server", "add-coder", names["alice"], "--project", url)
        assert result.exit_code == 0, result.output
        with pg_cluster.connect(database, names["alice"]) as cx:
            assert cx.execute("SELECT session_coder_id() IS NOT NULL, is_lead()").fetchone() == (True, False)
        with pg_cluster.connect(database, names["lead"]) as cx:
            assert cx.execute("SELECT is_lead()").fetchone() == (True,)
        assert run("phase", "blind", "--project", pg_cluster.url(database, names["lead"])).exit_code == 0
    finally:
        pg_cluster.drop_database(database)


def test_other_commands_open_a_team_database_by_its_connection_string(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nowhere = f"postgresql://maria@/study?host={tmp_path}/no-server"
    for args in (["segments", "--project", nowhere], ["--project", "service=wb_no_such_service", "matrix"]):
        result = run(*args)
        assert result.exit_code == 1 and "server unreachable" in result.output, args
    monkeypatch.setenv("WORKBENCH_PROJECT", nowhere)
    result = run("transcripts")
    assert result.exit_code == 1 and "server unreachable" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing made in its place (no file named like the URL)


def test_a_connection_lost_during_init_is_a_clear_error_and_init_can_run_again(pg_cluster, pg_database, names):
    import threading
    import time

    from workbench.store.postgres.schema import MIGRATION_LOCK
    from workbench.store.postgres.team import UnreachableError

    url = pg_cluster.url(pg_database)
    outcome: list[BaseException | object] = []

    def init() -> None:
        try:
            outcome.append(team.init_server(url, lead=names["lead"]))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    with pg_cluster.connect(pg_database) as holder:  # another init holds the migration lock
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        worker = threading.Thread(target=init)
        worker.start()
        deadline = time.monotonic() + 30
        while True:
            waiting = holder.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event = 'advisory'", (pg_database,)
            ).fetchall()
            if waiting or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert waiting, "init never waited for the lock"
        holder.execute("SELECT pg_terminate_backend(%s)", (waiting[0][0],))
        worker.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], UnreachableError), outcome
    assert "lost during server init" in str(outcome[0]) and "Run it again" in str(outcome[0])
    with pg_cluster.connect(pg_database) as cx:  # the transaction rolled back whole
        assert cx.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'workbench'").fetchone()[0] == 0
    report = team.init_server(url, lead=names["lead"])
    assert report.applied == list(range(1, LATEST + 1)) and report.leads == [names["lead"]]
