"""Reaching a team database: connecting (with clear errors), the refusals the team engine raises
(``NotAllowedError``, ``UnreachableError``), the names of the team's roles and what the connected
user may do. Passwords become SCRAM verifiers here, so that a password never reaches the server.

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


# A network that drops without closing the connection (a laptop's Wi-Fi, a VPN that ends) would
# otherwise leave a query waiting for the operating system's own timeout (hours): TCP keepalives
# notice a silent peer in about 25 s and an unacknowledged send is given up after 30 s, so the coder
# hears "server unreachable" instead of a frozen screen. A value in the connection string wins;
# a Unix socket ignores them.
KEEPALIVES = {
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "30000",
}


def connect(url: str, **kwargs: Any) -> Connection:
    """A psycopg connection (autocommit; transactions are explicit), or a clear error."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(url)
        for key, value in KEEPALIVES.items():
            kwargs.setdefault(key, given.get(key, value))
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
