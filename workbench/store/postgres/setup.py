"""``server init``: the schema (the numbered migrations, then the team layer), the group roles, the
lead, and every grant, in one transaction under an advisory lock (one migrator at a time). Run
again, it applies only what is missing."""

from __future__ import annotations

from typing import Any

from workbench.errors import ProjectError, WorkbenchError
from workbench.store.postgres.roles import (
    Connection,
    InitReport,
    NotAllowedError,
    TeamRoles,
    _check_name,
    _first_line,
    _lost_connection,
    _role,
    _rights,
    _now,
    connect,
    role_names,
    scram_verifier,
)
from workbench.store.postgres.schema import MIGRATION_LOCK, MIGRATIONS, SCHEMA, VERSION_TABLE
from workbench.store.postgres.team_layer import CODER_WRITES, LEAD_WRITES, TEAM, notify_triggers


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
