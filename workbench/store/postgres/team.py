"""Running a team: adding coders (``server add-coder``) and the blind phase (``phase``); with
``server init`` (setup.py) and connecting (roles.py), whose names are reachable from here too.
"""

from __future__ import annotations

import datetime as _dt

from workbench.errors import ProjectError, WorkbenchError
from workbench.store.postgres.roles import (
    CoderReport,
    Connection,
    InitReport,
    NotAllowedError,
    Phase,
    TeamRoles,
    UnreachableError,
    _check_name,
    _first_line,
    _lost_connection,
    _now,
    _rights,
    _role,
    connect,
    describe,
    role_names,
    scram_verifier,
)
from workbench.store.postgres.schema import SCHEMA
from workbench.store.postgres.setup import init_server

__all__ = [
    "CoderReport",
    "InitReport",
    "NotAllowedError",
    "Phase",
    "TeamRoles",
    "UnreachableError",
    "add_coder",
    "connect",
    "describe",
    "get_phase",
    "init_server",
    "role_names",
    "scram_verifier",
    "set_phase",
]


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
