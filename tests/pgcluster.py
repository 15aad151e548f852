"""A throwaway PostgreSQL cluster for the tests: initdb into a short temporary folder, a Unix socket
in that folder (no TCP), started once per test session and stopped at its end.

The server refuses to run as root, and CI runs as root: there the server binaries run as the
``postgres`` system user (``runuser -u postgres --``) and the folder belongs to that user. Local
connections are trusted (the socket folder is 0700, owned by the server's user), except for the
role :data:`PASSWORD_ROLE` and the members of :data:`PASSWORD_GROUP`, who must give their password
(SCRAM): the tests of passwords log in as them.

``pytest`` skips the PostgreSQL tests with a message only when no server binary is installed; with
``WORKBENCH_REQUIRE_POSTGRES=1`` (set by .ci/run) a missing server fails them instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

PASSWORD_ROLE = "wb_password_probe"
PASSWORD_GROUP = "wb_password_users"  # members log in with their password too
PASSWORD = "correct horse battery"
SERVER_USER = "postgres"


class NoServer(Exception):
    """PostgreSQL server binaries are not installed here (or cannot be run)."""


def bindir() -> Path:
    """Where initdb and pg_ctl are: $WORKBENCH_PG_BINDIR if set, else ``pg_config --bindir``, else
    the Debian layout."""
    candidates: list[Path] = []
    if os.environ.get("WORKBENCH_PG_BINDIR"):
        candidates.append(Path(os.environ["WORKBENCH_PG_BINDIR"]))
    elif shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=30)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    if not os.environ.get("WORKBENCH_PG_BINDIR"):
        candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise NoServer(
        "PostgreSQL server binaries (initdb, pg_ctl) are not installed (Debian: apt-get install postgresql-15)"
    )


class Cluster:
    """One running throwaway cluster; connect with ``host=cluster.socket_dir``."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pwd.getpwnam(SERVER_USER)
            except KeyError as exc:
                raise NoServer(
                    f"running as root, and there is no '{SERVER_USER}' system user to run the "
                    "server as (the PostgreSQL server refuses to run as root)"
                ) from exc
        # A short path: the socket path <dir>/.s.PGSQL.5432 may be at most 107 bytes.
        base = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
        self.socket_dir = tempfile.mkdtemp(prefix="wb-pg-", dir=base)
        self.data = os.path.join(self.socket_dir, "data")
        self.log = os.path.join(self.socket_dir, "server.log")
        self.port = 5432
        self.superuser = SERVER_USER if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        self.running = False
        if self.as_root:
            shutil.chown(self.socket_dir, SERVER_USER, SERVER_USER)

    def _run(self, program: str, *args: str) -> None:
        cmd = [str(self.bin / program), *args]
        if self.as_root:
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}" + self._log_tail()
            )

    def _log_tail(self) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as fh:
                return "\nserver log:\n" + "".join(fh.readlines()[-20:])
        except OSError:
            return ""

    def start(self) -> Cluster:
        self._run(
            "initdb",
            "-D",
            self.data,
            "-U",
            self.superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        hba = os.path.join(self.data, "pg_hba.conf")
        with open(hba, encoding="utf-8") as fh:
            rules = fh.read()
        with open(hba, "w", encoding="utf-8") as fh:  # first match wins: the probe role needs its password
            fh.write(f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all +{PASSWORD_GROUP} scram-sha-256\n" + rules)
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o", self._options(), "start")
        self.running = True
        with self.connect() as cx:
            cx.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
            cx.execute(f"CREATE ROLE {PASSWORD_GROUP} NOLOGIN")
        return self

    def _options(self) -> str:
        return (
            f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c track_functions=all"
        )  # tests count function calls

    def restart(self) -> None:
        """Stop the server (its clients are disconnected) and start it again."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-m", "fast", "-o", self._options(), "restart")

    def stop(self) -> None:
        try:
            if self.running:
                self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
                self.running = False
        finally:
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def conninfo(self, dbname: str = "postgres", user: str | None = None) -> str:
        return f"host={self.socket_dir} port={self.port} dbname={dbname} user={user or self.superuser}"

    def url(self, dbname: str, user: str | None = None) -> str:
        from urllib.parse import quote

        return f"postgresql://{quote(user or self.superuser)}@/{quote(dbname)}?host={quote(self.socket_dir)}"

    def connect(self, dbname: str = "postgres", user: str | None = None, **kwargs):
        import psycopg

        return psycopg.connect(self.conninfo(dbname, user), autocommit=True, **kwargs)

    def create_database(self, template: str = "template0") -> str:
        """A new database; a copy of ``template`` (one made by `server init`) gets what a copy leaves
        out (the database's settings and rights, kept outside it), as `server init` sets them."""
        name = "t_" + uuid.uuid4().hex[:12]
        with self.connect() as cx:
            cx.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            if template != "template0":
                settings = cx.execute(
                    "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE d.datname = %s AND s.setrole = 0",
                    (template,),
                ).fetchall()
                for (setting,) in settings:
                    key, _, value = setting.partition("=")
                    cx.execute(f'ALTER DATABASE "{name}" SET {key} TO {value}')
                acl = cx.execute("SELECT datacl::text[] FROM pg_database WHERE datname = %s", (template,)).fetchone()[0]
                cx.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
                for item in acl or []:
                    grantee, _, rights = item.partition("=")
                    rights = rights.split("/")[0]
                    if grantee and "c" in rights:
                        cx.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{grantee}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as cx:
            cx.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
