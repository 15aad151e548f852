"""``workbench serve``: the coding workbench in a browser, through textual-serve.

textual-serve starts one workbench process per browser connection and has no login and no check
of the page a connection comes from; whoever reaches its port runs the workbench as the serving
user. So this server:

- listens on 127.0.0.1 unless told otherwise (``--public``, with a warning);
- asks for a secret token, generated at start and printed once in the URL to open: the page
  ``/?token=...`` sets it as a cookie (HttpOnly, SameSite=Strict) and redirects to ``/``; the page,
  the websocket and downloads are refused (403) without it;
- refuses a websocket whose ``Origin`` is not the page's own (another web site open in the same
  browser cannot drive the session);
- stops every workbench process it started when it stops.

Only the bundled static assets (the terminal's script, style sheet and font) are served without
the token. Nothing here imports Textual: the workbench runs in the child processes.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import shlex
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

COOKIE = "workbench_token"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class ServeSettings:
    project: str
    host: str = "127.0.0.1"
    port: int = 8000
    coder: str | None = None
    token: str = ""
    public_url: str | None = None  # the address browsers use, when it differs (a proxy)


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def app_command(project: str, coder: str | None) -> str:
    """The shell command textual-serve runs for each browser connection (``exec``: the workbench
    replaces the shell, so stopping it stops the workbench)."""
    args = [sys.executable, "-m", "workbench", "--project", project, "open"]
    if coder:
        args += ["--coder", coder]
    return "exec " + shlex.join(args)


def browser_url(settings: ServeSettings) -> str:
    base = settings.public_url or f"http://{_host_for_url(settings.host)}:{settings.port}"
    return f"{base.rstrip('/')}/?token={settings.token}"


def _host_for_url(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _descendants(pid: int) -> list[int]:
    """Processes below ``pid`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_children(grace: float = 3.0) -> None:
    """Stop every process this one started: politely, then for good."""
    pids = _descendants(os.getpid())
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def make_server(settings: ServeSettings) -> Any:
    """A textual-serve server for the workbench, with the token and origin checks."""
    import aiohttp_jinja2
    from aiohttp import web
    from aiohttp.typedefs import Handler
    from textual_serve.server import Server

    token = settings.token

    def has_token(request: web.Request) -> bool:
        given = request.cookies.get(COOKIE, "")
        return bool(given) and hmac.compare_digest(given.encode(), token.encode())

    def same_origin(request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:  # not sent by a browser page
            return True
        allowed = {request.host}
        if settings.public_url:
            allowed.add(urlsplit(settings.public_url).netloc)
        return urlsplit(origin).netloc in allowed

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/static/"):
            return await handler(request)
        offered = request.query.get("token")
        if request.path == "/" and offered is not None:
            if not hmac.compare_digest(offered.encode(), token.encode()):
                raise web.HTTPForbidden(text="Wrong token: open the URL that `workbench serve` printed.\n")
            response = web.Response(
                status=302, headers={"Location": "/", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
            )
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response
        if not has_token(request):
            raise web.HTTPForbidden(
                text="This workbench needs its token: open the URL that `workbench serve` "
                "printed (http://.../?token=...).\n"
            )
        if not same_origin(request):
            raise web.HTTPForbidden(text="Refused: this connection comes from another web site.\n")
        answer = await handler(request)
        if request.path == "/":
            # The page loads nothing from elsewhere (not even its web font), talks only to its own
            # server, and cannot be framed by another site.
            answer.headers["Content-Security-Policy"] = (
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                f"img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws://{request.host} "
                f"wss://{request.host}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
            )
            answer.headers["Referrer-Policy"] = "no-referrer"
            answer.headers["Cache-Control"] = "no-store"
        return answer

    class WorkbenchServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(guard)
            return app

        async def on_startup(self, app: web.Application) -> None:
            print(
                f"Serving the workbench on {settings.project}.\n"
                f"Open this address in a browser (it holds the access token; keep it private):\n\n"
                f"    {browser_url(settings)}\n\nPress Ctrl+C to stop.",
                flush=True,
            )

        async def on_shutdown(self, app: web.Application) -> None:
            stop_children()

        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: web.Request) -> dict[str, Any]:
            # Addresses from the page's own host (e.g. localhost through an SSH tunnel), so the
            # websocket goes where the page came from and carries its cookie.
            base = settings.public_url or f"{request.scheme}://{request.host}"
            socket = ("wss:" if base.startswith("https") else "ws:") + base.split(":", 1)[1]
            return {
                "font_size": 16,
                "app_websocket_url": socket.rstrip("/") + "/ws",
                "config": {"static": {"url": base.rstrip("/") + "/static/"}},
                "application": {"name": "Workbench"},
            }

    return WorkbenchServer(
        app_command(settings.project, settings.coder),
        host=settings.host,
        port=settings.port,
        title="Workbench",
        public_url=settings.public_url,
    )


def serve(settings: ServeSettings) -> None:
    server = make_server(settings)
    try:
        server.serve()
    finally:
        stop_children()
