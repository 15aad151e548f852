"""Setting up a team database: connecting (with clear errors), creating the schema and the roles
(``server init``), adding coders (``server add-coder``) and the blind phase (``phase``).

Roles are per database (PostgreSQL roles belong to the whole server, so two studies on one server
stay apart): for database ``study`` the group roles are ``study_owner`` (owns every table, cannot
log in), ``study_lead`` and ``study_coder``. People are login roles that are members of the lead or
coder group; every right is granted to the groups, never to a person.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from workbench.errors import ProjectError, WorkbenchError
from workbench.store.postgres.schema import (
    CODER_WRITES,
    LEAD_WRITES,
    MIGRATION_LOCK,
    MIGRATIONS,
    SCHEMA,
    TEAM,
    VERSION_TABLE,
    notify_triggers,
)

Connection = Any  # a psycopg connection (psycopg is imported only where one is made)

F = TypeVar("F", bound=Callable[..., Any])
NAME_RULE = re.compile(r"^[a-z_][a-z0-9_.@-]{0,62}$")
RESERVED = {"consensus", "public", "postgres", "none", "current_user", "session_user", "current_role"}


class NotAllowedError(WorkbenchError):
    """The database refused: the role lacks a right (message starts with "not allowed:")."""


class UnreachableError(ProjectError):
    """The server cannot be reached (down, wrong address, network): worth retrying, unlike a refusal."""


@dataclass(frozen=True)
class TeamRoles:
    owner: str
    lead: str
    coder: str


@dataclass
class InitReport:
    database: str
    roles: TeamRoles
    lead: str | None  # the lead this run named (None: the leads were left as they were)
    applied: list[int] = field(default_factory=list)  # migrations applied by this run (none: already there)
    lead_created: bool = False
    leads: list[str] = field(default_factory=list)  # every lead after this run
    superuser_leads: list[str] = field(default_factory=list)  # leads to whom row-level security does not apply


@dataclass
class CoderReport:
    name: str
    group: str
    created: bool  # a new login role (else an existing role joined the group)


@dataclass
class Phase:
    blind: bool
    changed_by: str
    changed_at: str


def describe(url: str) -> str:
    """The connection string without its password, for messages."""
    text = re.sub(r"(postgres(?:ql)?://[^:/@]*):[^@/]*@", r"\1:***@", url)
    return re.sub(r"(password\s*=\s*)(\S+)", r"\1***", text, flags=re.IGNORECASE)


def connect(url: str, **kwargs: Any) -> Connection:
    """A psycopg connection (autocommit; transactions are explicit), or a clear error."""
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=kwargs.pop("connect_timeout", 10), **kwargs)
    except psycopg.ProgrammingError as exc:  # a malformed connection string
        raise ProjectError(
            f"cannot read the connection string {describe(url)}: {_first_line(exc)}",
            hint="Use postgresql://USER@HOST:PORT/DATABASE, a libpq service "
            "(service=NAME), or PG* environment variables with postgresql://",
        ) from exc
    except psycopg.OperationalError as exc:
        raise _connect_error(url, exc) from exc


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _connect_error(url: str, exc: Exception) -> WorkbenchError:
    text = str(exc)
    where = describe(url)
    if "password authentication failed" in text:
        user = re.search(r'for user "([^"]+)"', text)
        return ProjectError(
            f"wrong password for {'user ' + user.group(1) if user else 'this user'} on {where}.",
            hint="Check the password in the URL, PGPASSWORD or ~/.pgpass; ask the server's "
            "admin to reset it if needed.",
        )
    if "no password supplied" in text:
        return ProjectError(
            f"the server at {where} asks for a password and none was given.",
            hint="Put it in ~/.pgpass (safest), in PGPASSWORD, or in the URL.",
        )
    if "does not exist" in text and "database" in text:
        return ProjectError(
            f"the database named in {where} does not exist: {_first_line(exc)}",
            hint="The server's admin creates it first: createdb -O ADMIN STUDY.",
        )
    if "role" in text and "does not exist" in text:
        return ProjectError(
            f"no such user on the server ({_first_line(exc)}).",
            hint="The project lead adds coders with `workbench server add-coder NAME`.",
        )
    if "permission denied for database" in text or "not permitted to log in" in text:
        return NotAllowedError(
            f"not allowed: {_first_line(exc)} ({where}).",
            hint="Ask the project lead to add you with `workbench server add-coder NAME`.",
        )
    if "pg_hba.conf" in text:
        return NotAllowedError(
            f"not allowed: the server refuses this connection ({_first_line(exc)}).",
            hint="The server's admin allows it in pg_hba.conf.",
        )
    return UnreachableError(
        f"server unreachable: {where} ({_first_line(exc)}).",
        hint="Check that the server runs and the host, port or socket folder are right "
        "(and the SSH tunnel, if you use one).",
    )


def scram_verifier(password: str, *, iterations: int = 4096, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677), computed here so
    that the password itself never reaches the server or its statement log."""
    import base64
    import hashlib
    import hmac
    import os
    import unicodedata

    salt = salt if salt is not None else os.urandom(16)
    # SASLprep, as the server applies it: non-ASCII spaces are spaces, soft hyphens and zero-width
    # characters vanish, then NFKC.
    mapped = "".join(
        " " if unicodedata.category(c) == "Zs" else c
        for c in password
        if c not in "\u00ad\u034f\u1806\u180b\u180c\u180d\u200b\u200c\u200d\u2060\ufeff"
    )
    salted = hashlib.pbkdf2_hmac("sha256", unicodedata.normalize("NFKC", mapped).encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _lost_connection(what: str) -> Callable[[F], F]:
    """A connection lost in the middle of ``what`` becomes a clear, retryable error (each of these
    operations runs in one transaction and only adds what is missing, so running it again is safe)."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            import psycopg

            try:
                return func(*args, **kwargs)
            except psycopg.OperationalError as exc:
                raise UnreachableError(
                    f"the connection to the server was lost during {what} ({_first_line(exc)}).",
                    hint="Run it again when the server is back: it completes what is missing.",
                ) from exc

        return cast(F, guarded)

    return wrap


def role_names(database: str) -> TeamRoles:
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if len(base) > 50:
        raise WorkbenchError(
            f"the database name {database!r} is too long for the team's role names.",
            hint="Use a database name of at most 50 characters.",
        )
    return TeamRoles(owner=f"{base}_owner", lead=f"{base}_lead", coder=f"{base}_coder")


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_name(name: str, roles: TeamRoles | None = None) -> None:
    if not NAME_RULE.match(name):
        raise WorkbenchError(
            f"{name!r} cannot be a coder's login name.",
            hint="Use lower-case letters, digits and _ . @ - (at most 63), starting with a "
            "letter or _; e.g. maria or m.garcia.",
        )
    taken = RESERVED | ({roles.owner, roles.lead, roles.coder} if roles else set())
    if name in taken or name.startswith("pg_"):
        raise WorkbenchError(
            f"{name!r} is reserved and cannot be a coder's login name.",
            hint="Choose another name (consensus is the reconciled coding's coder).",
        )


def _rights(cx: Connection) -> tuple[str, str, bool, bool, bool]:
    row = cx.execute(
        "SELECT current_user, current_database(), r.rolsuper, r.rolcreaterole, d.datdba = r.oid "
        "FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()"
    ).fetchone()
    return row[0], row[1], bool(row[2]), bool(row[3]), bool(row[4])


def _role(cx: Connection, name: str) -> tuple[bool, bool] | None:
    """(can log in, is superuser) of an existing role, else None."""
    row = cx.execute("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    return (bool(row[0]), bool(row[1])) if row else None


@_lost_connection("server init")
def init_server(url: str, *, lead: str | None = None, lead_password: str | None = None) -> InitReport:
    """Create (or bring up to date) the schema, the group roles and the lead in the database of
    ``url``. Run again, it applies only what is missing. Needs a role that may create roles
    (superuser or CREATEROLE) and owns the database."""
    import psycopg
    from psycopg import sql

    with connect(url) as cx:
        user, database, superuser, createrole, owns_db = _rights(cx)
        if not (superuser or createrole):
            raise NotAllowedError(
                f"not allowed: {user} cannot create roles, which `server init` needs.",
                hint="Run it as the server's admin (a superuser, or a role with CREATEROLE that owns the database).",
            )
        if not (superuser or owns_db):
            raise NotAllowedError(
                f"not allowed: {user} does not own the database {database}.",
                hint=f"The server's admin runs: ALTER DATABASE {database} OWNER TO {user};",
            )
        roles = role_names(database)
        if lead:
            _check_name(lead, roles)
        # Without --lead, the first run makes its user the lead; a later run leaves the leads alone.
        lead_name = lead or (None if _members(cx, roles.lead) else user)
        report = InitReport(database=database, roles=roles, lead=lead_name)
        ident = sql.Identifier
        try:
            with cx.transaction():
                cx.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                for group in (roles.owner, roles.lead, roles.coder):
                    found = _role(cx, group)
                    if found is None:
                        cx.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(ident(group)))
                    elif found[0]:
                        raise WorkbenchError(
                            f"a login role named {group} already exists on this server.",
                            hint="Use a database with another name for the study.",
                        )
                if not superuser:
                    cx.execute(sql.SQL("GRANT {} TO {}").format(ident(roles.owner), ident(user)))
                if lead_name is not None:
                    found = _role(cx, lead_name)
                    if found is None:
                        if lead_password:
                            cx.execute(
                                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                                    ident(lead_name), sql.Literal(scram_verifier(lead_password))
                                )
                            )
                        else:
                            cx.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident(lead_name)))
                        report.lead_created = True
                    elif lead_password:
                        cx.execute(
                            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                                ident(lead_name), sql.Literal(scram_verifier(lead_password))
                            )
                        )
                    cx.execute(sql.SQL("GRANT {} TO {}").format(ident(roles.lead), ident(lead_name)))
                db = ident(database)
                cx.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
                cx.execute(
                    sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}, {}").format(
                        db, ident(roles.lead), ident(roles.coder)
                    )
                )
                cx.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(ident(SCHEMA), ident(roles.owner))
                )
                cx.execute(sql.SQL("ALTER DATABASE {} SET search_path TO {}, public").format(db, ident(SCHEMA)))
                cx.execute(sql.SQL("SET LOCAL ROLE {}").format(ident(roles.owner)))
                report.applied = _migrate(cx, roles)
                if lead_name is not None:
                    cx.execute(
                        "INSERT INTO coders(name, created_at) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                        (lead_name, _now()),
                    )
                cx.execute("RESET ROLE")
                members = _members(cx, roles.lead)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise NotAllowedError(
                f"not allowed: {_first_line(exc)}", hint="Run `server init` as the server's admin (see the README)."
            ) from exc
    report.leads = [name for name, _ in members]
    report.superuser_leads = [name for name, superuser in members if superuser]
    return report


def _members(cx: Connection, group: str) -> list[tuple[str, bool]]:
    """(name, is superuser) of the roles that are members of ``group``."""
    rows = cx.execute(
        "SELECT m.rolname, m.rolsuper FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
        "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = %s ORDER BY 1",
        (group,),
    ).fetchall()
    return [(name, bool(superuser)) for name, superuser in rows]


def _migrate(cx: Connection, roles: TeamRoles) -> list[int]:
    """Apply the missing migrations, then the team layer and the grants (as the owner role)."""
    from psycopg import sql

    cx.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(SCHEMA)))
    cx.execute(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now())"
    )
    done = {v for (v,) in cx.execute(f"SELECT version FROM {VERSION_TABLE}")}
    newer = [v for v in done if v > len(MIGRATIONS)]
    if newer:
        raise ProjectError(
            f"this database has schema version {max(newer)}, newer than this workbench ({len(MIGRATIONS)}).",
            hint="Upgrade the workbench before using this database.",
        )
    applied = []
    for number, script in enumerate(MIGRATIONS, start=1):
        if number not in done:
            cx.execute(script)
            cx.execute(f"INSERT INTO {VERSION_TABLE}(version) VALUES (%s)", (number,))
            applied.append(number)
    cx.execute(TEAM)
    cx.execute(notify_triggers())
    cx.execute(
        "INSERT INTO team_roles(id, owner_role, lead_role, coder_role) VALUES (1, %s, %s, %s) "
        "ON CONFLICT (id) DO UPDATE SET owner_role = excluded.owner_role, lead_role = excluded.lead_role, "
        "coder_role = excluded.coder_role",
        (roles.owner, roles.lead, roles.coder),
    )
    _grant(cx, roles)
    return applied


def _grant(cx: Connection, roles: TeamRoles) -> None:
    """Every right, to the groups: both read; the lead writes the project; a coder only their rows."""
    from psycopg import sql

    lead, coder, schema = sql.Identifier(roles.lead), sql.Identifier(roles.coder), sql.Identifier(SCHEMA)
    both = sql.SQL("{}, {}").format(lead, coder)

    def run(template: str, *args: Any) -> None:
        cx.execute(sql.SQL(template).format(*args))

    run("REVOKE ALL ON SCHEMA {} FROM PUBLIC", schema)
    run("GRANT USAGE ON SCHEMA {} TO {}", schema, both)
    run("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM PUBLIC", schema)
    run("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}", schema, both)
    run("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}", schema, both)
    writable = sql.SQL(", ").join(sql.Identifier(t) for t in (*LEAD_WRITES, *CODER_WRITES))
    run("GRANT INSERT, UPDATE, DELETE ON {} TO {}", writable, lead)
    own = sql.SQL(", ").join(sql.Identifier(t) for t in CODER_WRITES)
    run("GRANT INSERT, UPDATE, DELETE ON {} TO {}", own, coder)
    run("GRANT INSERT ON audit TO {}", both)
    run("GRANT UPDATE (blind, changed_by, changed_at) ON team_settings TO {}", lead)
    run("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {} FROM PUBLIC", schema)
    run("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {} TO {}", schema, both)


def _team_roles(cx: Connection, url: str) -> TeamRoles:
    import psycopg

    try:
        row = cx.execute(f"SELECT owner_role, lead_role, coder_role FROM {SCHEMA}.team_roles").fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName) as exc:
        raise ProjectError(
            f"{describe(url)} is not a workbench team database yet.",
            hint="The server's admin runs `workbench server init URL` first.",
        ) from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotAllowedError(
            f"not allowed: {_first_line(exc)}", hint="Run this as the server's admin or the project lead."
        ) from exc
    if row is None:
        raise ProjectError(
            f"{describe(url)} has no team roles recorded.", hint="Run `workbench server init URL` again."
        )
    return TeamRoles(*row)


@_lost_connection("server add-coder")
def add_coder(url: str, name: str, *, password: str | None = None, lead: bool = False) -> CoderReport:
    """A login role for a coder (or, with ``lead``, another lead), member of the project's group.
    An existing role (a coder of another study on the same server) joins the group as it is."""
    import psycopg
    from psycopg import sql

    with connect(url) as cx:
        roles = _team_roles(cx, url)
        _check_name(name, roles)
        user, _database, superuser, createrole, _owns = _rights(cx)
        if not (superuser or createrole):
            raise NotAllowedError(
                f"not allowed: {user} cannot create roles, which adding a coder needs.",
                hint="The server's admin (who ran `server init`) adds coders.",
            )
        group = roles.lead if lead else roles.coder
        ident = sql.Identifier
        try:
            with cx.transaction():
                found = _role(cx, name)
                if found is None:
                    if password:
                        cx.execute(
                            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                                ident(name), sql.Literal(scram_verifier(password))
                            )
                        )
                    else:
                        cx.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident(name)))
                else:
                    if found[1]:
                        raise WorkbenchError(
                            f"{name} is a superuser: row-level security would not apply to it.",
                            hint="Give the coder an ordinary login role.",
                        )
                    if password:
                        cx.execute(
                            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                                ident(name), sql.Literal(scram_verifier(password))
                            )
                        )
                cx.execute(sql.SQL("GRANT {} TO {}").format(ident(group), ident(name)))
                cx.execute(sql.SQL("SET LOCAL ROLE {}").format(ident(roles.owner)))
                cx.execute(
                    f"INSERT INTO {SCHEMA}.coders(name, created_at) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                    (name, _now()),
                )
                cx.execute("RESET ROLE")
        except psycopg.errors.InsufficientPrivilege as exc:
            raise NotAllowedError(
                f"not allowed: {_first_line(exc)}", hint="The server's admin (who ran `server init`) adds coders."
            ) from exc
    return CoderReport(name=name, group=group, created=found is None)


@_lost_connection("phase")
def get_phase(url: str) -> Phase:
    with connect(url) as cx:
        _team_roles(cx, url)
        blind, by, at = cx.execute(
            f"SELECT blind, changed_by, changed_at FROM {SCHEMA}.team_settings WHERE id = 1"
        ).fetchone()
    return Phase(blind=bool(blind), changed_by=by, changed_at=at.astimezone(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))


@_lost_connection("phase")
def set_phase(url: str, blind: bool) -> Phase:
    """Start (``blind``) or end the blind phase; only the lead may. Recorded in the audit log."""
    import json

    import psycopg

    with connect(url) as cx:
        _team_roles(cx, url)
        try:
            with cx.transaction():
                before = cx.execute(f"SELECT blind FROM {SCHEMA}.team_settings WHERE id = 1").fetchone()[0]
                cx.execute(
                    f"UPDATE {SCHEMA}.team_settings SET blind = %s, changed_by = session_user, "
                    "changed_at = now() WHERE id = 1",
                    (blind,),
                )
                cx.execute(
                    f"INSERT INTO {SCHEMA}.audit(action, entity, before, after) VALUES ('phase', 'project', %s, %s)",
                    (json.dumps({"blind": bool(before)}), json.dumps({"blind": blind})),
                )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise NotAllowedError(
                "not allowed: only the project lead starts or ends the blind phase.", hint=_first_line(exc)
            ) from exc
    return get_phase(url)
