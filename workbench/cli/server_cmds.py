"""The team engine's set-up (``server init``, ``server add-coder``), the blind phase (``phase``) and
the browser front end (``serve``)."""

from __future__ import annotations

import os

import click

from workbench.cli.base import cli, handled
from workbench.errors import WorkbenchError

URL_HELP = (
    "postgresql://USER@HOST:PORT/DATABASE, a libpq service (service=NAME), or postgresql:// "
    "with the PG* environment variables"
)


def _team_url(ctx: click.Context, what: str) -> str:
    """The team database this command works on: --project (or $WORKBENCH_PROJECT) as a URL."""
    from workbench.team import is_team_database

    root = ctx.find_root().obj or {}
    url = root.get("project") or os.environ.get("WORKBENCH_PROJECT")
    if not is_team_database(url):
        raise WorkbenchError(
            f"{what} works on a team database on PostgreSQL, and the project is "
            f"{url or 'workbench.db (the default file)'}.",
            hint=f"Name the database with --project: {URL_HELP}.",
        )
    return str(url)


def _password(name: str, ask: bool) -> str | None:
    if not ask:
        return None
    return click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True)


@cli.group("server")
def server_group() -> None:
    """Set up a team database on PostgreSQL: schema, roles, coders.

    The server's admin creates an empty database, then runs `server init` on it once and
    `server add-coder` for each coder. Every coder then connects as their own database user, and
    the database itself enforces who may change what.
    """


@server_group.command("init")
@click.argument("url")
@click.option("--lead", help="Login name of the project lead (created if missing). Default: the user in URL.")
@click.option("--lead-password", "ask", is_flag=True, help="Set the lead's password (asked for, never echoed).")
@handled
def init_cmd(url: str, lead: str | None, ask: bool) -> None:
    """Create the schema and the roles in the database URL (run again: brings it up to date).

    URL is postgresql://USER@HOST:PORT/DATABASE, a libpq service (service=NAME) or postgresql://
    with the PG* environment variables; USER must be able to create roles and own DATABASE.
    """
    from workbench.team import describe, init_server, schema_version

    report = init_server(url, lead=lead, lead_password=_password(lead or "the lead", ask))
    done = f"{len(report.applied)} migrations applied" if report.applied else "already up to date"
    click.echo(f"Team database {report.database} ready ({describe(url)}): schema version {schema_version()}, {done}.")
    click.echo(
        f"  roles: {report.roles.lead} (leads), {report.roles.coder} (coders), "
        f"{report.roles.owner} (owns the tables, cannot log in)"
    )
    leads = ", ".join(
        f"{name} (new login role)" if name == report.lead and report.lead_created else name for name in report.leads
    )
    click.echo(f"  leads: {leads}")
    for name in report.superuser_leads:
        click.echo(
            f"warning: the lead {name} is a superuser, to whom no row-level rule applies; give the study "
            "an ordinary lead with --lead NAME.",
            err=True,
        )
    click.echo(f"Next: workbench server add-coder NAME --project '{describe(url)}'")


@server_group.command("add-coder")
@click.argument("name")
@click.option("--lead", "as_lead", is_flag=True, help="Add another project lead instead of a coder.")
@click.option(
    "--password",
    "ask",
    is_flag=True,
    help="Set a password (asked for, never echoed); without it the server's other ways of logging in apply.",
)
@click.pass_context
@handled
def add_coder_cmd(ctx: click.Context, name: str, as_lead: bool, ask: bool) -> None:
    """Create a login role for a coder on the team database (--project URL).

    An existing role (a coder of another study on the same server) joins the study as it is.
    """
    from workbench.team import add_coder

    url = _team_url(ctx, "server add-coder")
    report = add_coder(url, name, password=_password(name, ask), lead=as_lead)
    how = "created" if report.created else "existing role added"
    click.echo(f"{'Lead' if as_lead else 'Coder'} {report.name} ({how}, member of {report.group}).")


@cli.command("phase")
@click.argument("phase", required=False, type=click.Choice(["blind", "open"]))
@click.pass_context
@handled
def phase_cmd(ctx: click.Context, phase: str | None) -> None:
    """Show, start (blind) or end (open) the blind phase of a team database (the lead only).

    While blind, each coder's queries return only their own segments and memos: the database
    enforces it, for the workbench and any other client alike.
    """
    from workbench.team import get_phase, is_team_database, set_phase

    root = ctx.find_root().obj or {}
    if not is_team_database(root.get("project") or os.environ.get("WORKBENCH_PROJECT")):
        _file_phase(ctx, phase)
        return
    url = _team_url(ctx, "phase")
    state = set_phase(url, phase == "blind") if phase else get_phase(url)
    name = "blind: each coder sees only their own coding" if state.blind else "open: everyone sees all coding"
    click.echo(f"Phase {name} (since {state.changed_at}, set by {state.changed_by}).")


def _file_phase(ctx: click.Context, phase: str | None) -> None:
    """The blind phase of a project file: the CLI and the coding screen show each coder only their
    own coding; the file cannot enforce it."""
    from workbench.blind import is_blind, set_blind
    from workbench.project import current_coder, open_store

    root = ctx.find_root().obj or {}
    store = open_store(root.get("project"))
    try:
        blind = set_blind(store, phase == "blind", current_coder(store, remember=False)) if phase else is_blind(store)
    finally:
        store.close()
    name = "blind: each coder is shown only their own coding" if blind else "open: everyone sees all coding"
    click.echo(f"Phase {name}.")
    if blind:
        click.echo(
            "A project file cannot enforce this (anyone can open the file with another tool); a team "
            "database on PostgreSQL does.",
            err=True,
        )


@cli.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on; anything but loopback needs --public."
)
@click.option("--public", is_flag=True, help="Allow listening on a non-loopback address (read the warning).")
@click.option("--public-url", help="The address browsers use when it is not http://HOST:PORT (a proxy).")
@click.option("--coder", help="Who is coding in the served workbench.")
@click.pass_context
@handled
def serve_cmd(
    ctx: click.Context, port: int, host: str, public: bool, public_url: str | None, coder: str | None
) -> None:
    """Serve the coding workbench to a web browser (one workbench per browser tab).

    It listens on 127.0.0.1 only: from a laptop, reach it through an SSH tunnel
    (ssh -N -L 8000:127.0.0.1:8000 you@server, then open the printed URL). The URL holds a secret
    token, printed once; requests without it are refused.
    """
    from workbench.project import project_path
    from workbench.tui.serve import ServeSettings, is_loopback, new_token, serve
    from workbench.team import is_team_database

    project = (ctx.find_root().obj or {}).get("project")
    named = str(project or os.environ.get("WORKBENCH_PROJECT") or "")
    if is_team_database(named):  # a team database: checked now (reachable, set up), served by its URL
        from workbench.project import open_store

        open_store(named).close()
        where = named
    else:
        path = project_path(project)
        if not path.is_file():
            raise WorkbenchError(f"{path} does not exist.", hint="Name an existing project with --project.")
        where = str(path.resolve())
    if not is_loopback(host):
        if not public:
            raise WorkbenchError(
                f"refusing to listen on {host}: only 127.0.0.1 is safe.",
                hint="Reach the server through an SSH tunnel instead, or add --public if you "
                "really mean anyone who can reach that address.",
            )
        click.echo(
            f"WARNING: listening on {host}: anyone who can reach it and learns the token runs the "
            "workbench as this user, with this user's files. The traffic, token included, is not "
            "encrypted. Prefer 127.0.0.1 and an SSH tunnel.",
            err=True,
        )
    serve(ServeSettings(project=where, host=host, port=port, coder=coder, token=new_token(), public_url=public_url))
