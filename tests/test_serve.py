"""`workbench serve`: the workbench in a browser, behind a secret token, on loopback only.

The browser test drives Debian's headless Chromium through its DevTools protocol (a websocket,
spoken here with aiohttp, which textual-serve brings): it opens the printed URL, and the terminal
page connects its websocket and receives the workbench's screen, which lists the demo's
transcripts.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.tui.serve import _descendants, app_command, is_loopback

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b\][^\x07]*\x07")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--no-tui", "--project", str(path)], obj={})
    assert result.exit_code == 0, result.output
    return path


class Served:
    def __init__(self, project: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_DEBUG"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench",
                "serve",
                "--project",
                str(project),
                "--port",
                str(self.port),
                "--coder",
                "maria",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.output = ""
        deadline = time.monotonic() + 60
        while "token=" not in self.output:
            line = self.proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("workbench serve printed no URL:\n" + self.output)
            self.output += line
        self.url = re.search(r"http://\S+\?token=\S+", self.output).group(0)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):  # the URL is printed as the server starts listening
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.05)

    def stop(self) -> list[int]:
        """Stop the server as Ctrl+C does; the workbench processes it started that outlived it."""
        children = _descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        left = [pid for pid in children if Path(f"/proc/{pid}").exists()]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        return left


def test_requests_without_the_token_are_refused(demo):
    import aiohttp

    served = Served(demo)
    try:
        token = served.url.split("token=")[1]

        async def probe() -> dict[str, object]:
            seen: dict[str, object] = {}
            async with aiohttp.ClientSession() as http:
                for name, path in (("page", "/"), ("download", "/download/x"), ("wrong token", "/?token=nope")):
                    async with http.get(served.base + path, allow_redirects=False) as r:
                        seen[name] = r.status
                try:
                    async with http.ws_connect(served.base + "/ws"):
                        seen["websocket"] = "opened"
                except aiohttp.WSServerHandshakeError as exc:
                    seen["websocket"] = exc.status
                async with http.get(served.url, allow_redirects=False) as r:  # the printed URL
                    seen["token"] = r.status
                    cookie = r.cookies["workbench_token"]
                    seen["cookie"] = (cookie.value == token, cookie["httponly"], cookie["samesite"])
                headers = {"Cookie": f"workbench_token={token}"}
                async with http.get(served.base + "/", headers=headers) as r:
                    seen["page with cookie"] = r.status
                    seen["policy"] = "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
                    seen["page websocket"] = re.search(r'data-session-websocket-url="([^"]+)"', await r.text())[1]
                try:  # the token, but from another web site's page
                    async with http.ws_connect(
                        served.base + "/ws", headers={**headers, "Origin": "http://evil.example"}
                    ):
                        seen["foreign origin"] = "opened"
                except aiohttp.WSServerHandshakeError as exc:
                    seen["foreign origin"] = exc.status
            return seen

        seen = asyncio.run(probe())
    finally:
        served.stop()
    assert seen == {
        "page": 403,
        "download": 403,
        "wrong token": 403,
        "websocket": 403,
        "token": 302,
        "cookie": (True, True, "Strict"),
        "page with cookie": 200,
        "policy": True,
        "page websocket": f"ws://127.0.0.1:{served.port}/ws",
        "foreign origin": 403,
    }


def test_refuses_a_public_address_unless_asked(demo):
    result = CliRunner().invoke(cli, ["serve", "--project", str(demo), "--host", "0.0.0.0"], obj={})
    assert result.exit_code == 1 and "refusing to listen on 0.0.0.0" in result.output and "SSH tunnel" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")
    result = CliRunner().invoke(cli, ["serve", "--project", str(demo.parent / "missing.db")], obj={})
    assert result.exit_code == 1 and "does not exist" in result.output
    nowhere = f"postgresql://maria@/study?host={demo.parent}/no-server"
    result = CliRunner().invoke(cli, ["serve", "--project", nowhere], obj={})
    assert result.exit_code == 1 and "server unreachable" in result.output
    # a path with spaces and quotes reaches the workbench as one argument
    assert "'/tmp/a b'\"'\"'c.db'" in app_command("/tmp/a b'c.db", None)


async def _chromium_session(browser: str, url: str, want: str, timeout: float = 60.0) -> tuple[str, bool]:
    """Open ``url`` in headless Chromium; return the text the page's websocket received once it
    contains ``want`` (or at the timeout), and whether the page wrote to its terminal."""
    import aiohttp

    profile = tempfile.mkdtemp(prefix="wb-chromium-")
    proc = subprocess.Popen(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "--window-size=1280,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            assert time.monotonic() < deadline and proc.poll() is None, "Chromium did not start its DevTools"
            await asyncio.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0) as cdp,
        ):
            ids = iter(range(1, 10_000))
            events: asyncio.Queue = asyncio.Queue()
            pending: dict[int, asyncio.Future] = {}

            async def reader() -> None:
                async for msg in cdp:
                    data = json.loads(msg.data)
                    if "id" in data and data["id"] in pending:
                        pending.pop(data["id"]).set_result(data)
                    else:
                        await events.put(data)

            async def call(method: str, params: dict | None = None, session: str | None = None) -> dict:
                n = next(ids)
                pending[n] = asyncio.get_running_loop().create_future()
                message = {"id": n, "method": method, "params": params or {}}
                if session:
                    message["sessionId"] = session
                await cdp.send_str(json.dumps(message))
                reply = await asyncio.wait_for(pending[n], 30)
                assert "error" not in reply, reply
                return reply["result"]

            task = asyncio.create_task(reader())
            target = (await call("Target.createTarget", {"url": "about:blank"}))["targetId"]
            session = (await call("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
            await call("Network.enable", {}, session)
            await call("Page.navigate", {"url": url}, session)
            received = ""
            end = time.monotonic() + timeout
            while want not in received and time.monotonic() < end:
                try:
                    event = await asyncio.wait_for(events.get(), 1)
                except TimeoutError:
                    continue
                if event.get("method") == "Network.webSocketFrameReceived":
                    frame = event["params"]["response"]
                    data = frame["payloadData"]
                    if frame.get("opcode") == 2:
                        data = base64.b64decode(data).decode("utf-8", "replace")
                    received += ANSI.sub("", data)
            await asyncio.sleep(0.5)  # let the page write what it received to its terminal
            wrote = (
                await call(
                    "Runtime.evaluate", {"expression": "document.body.className", "returnByValue": True}, session
                )
            )["result"]["value"]
            task.cancel()
            return received, "-first-byte" in str(wrote)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_browser_shows_the_transcript_list(demo):
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    served = Served(demo)
    try:
        received, wrote = asyncio.run(_chromium_session(browser, served.url, "HV-03"))
    finally:
        left = served.stop()
    for label in ("HV-01", "HV-02", "HV-03"):  # the demo's transcripts, on the workbench's first screen
        assert label in received, received[-3000:]
    assert wrote, "the page received the screen but did not write it to its terminal"
    assert left == [], "workbench processes outlived the server"
