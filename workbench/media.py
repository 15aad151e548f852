"""Recordings: which audio or video file belongs to a transcript, and playing it with mpv.

A transcript's recording is found, in this order: set with ``workbench media TRANSCRIPT FILE``
(or a ``media`` column of the import's metadata CSV), or a file with the transcript's base name
beside it at import (``rb-01.txt`` and ``rb-01.m4a``). The path is kept in the project's meta
table (``media:<transcript id>``).

:class:`Player` drives an ``mpv`` process over its JSON IPC socket (one JSON command per line on
a Unix socket; see mpv's manual, "JSON IPC"), so no Python dependency is needed. Nothing here
imports Textual: the coding screen calls :class:`Player`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from workbench.errors import InputError, WorkbenchError
from workbench.store import Store

from workbench.transcript_import import MEDIA_SUFFIXES  # noqa: E402 - one list for import and playback


def media_key(transcript_id: int) -> str:
    return f"media:{transcript_id}"


def media_for(store: Store, transcript_id: int) -> Path | None:
    value = store.get_meta(media_key(transcript_id))
    return Path(value) if value else None


def set_media(store: Store, transcript_id: int, path: str | Path, *, coder: str | None = None) -> Path:
    """Link a recording to a transcript (kept as an absolute path); audited."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError("no such recording.", path=path, hint="Give the audio or video file of the interview.")
    if path.suffix.lower() not in MEDIA_SUFFIXES:
        raise InputError(
            f"{path.suffix or 'a file without extension'} is not an audio or video file mpv plays.",
            path=path,
            hint="Supported: " + " ".join(MEDIA_SUFFIXES) + ".",
        )
    path = path.resolve()
    with store.transaction():
        before = store.get_meta(media_key(transcript_id))
        store.set_meta(media_key(transcript_id), str(path))
        store.audit(
            "media.set", "transcript", transcript_id, coder=coder, before={"media": before}, after={"media": str(path)}
        )
    return path


def media_beside(source: Path) -> Path | None:
    """A recording with the transcript file's base name in the same folder ("rb-01.m4a")."""
    stem = source.name.split(".")[0]
    for candidate in sorted(source.parent.glob(stem + ".*")):
        if candidate.suffix.lower() in MEDIA_SUFFIXES and candidate.is_file():
            return candidate.resolve()
    return None


class PlayerError(WorkbenchError):
    """mpv is missing, or does not answer."""


class Player:
    """One mpv process, started on first use and ended with :meth:`close`."""

    def __init__(self, *, extra_args: list[str] | None = None) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.socket_path: str | None = None
        self.loaded: Path | None = None
        self.extra_args = list(
            extra_args if extra_args is not None else os.environ.get("WORKBENCH_MPV_ARGS", "").split()
        )

    @staticmethod
    def available() -> bool:
        return shutil.which("mpv") is not None

    def _start(self) -> str:
        """Start mpv unless it runs; the path of its IPC socket."""
        if self.process is not None and self.process.poll() is None and self.socket_path:
            return self.socket_path
        binary = shutil.which("mpv")
        if binary is None:
            raise PlayerError(
                "playing the recording needs mpv, which is not installed.",
                hint="Install it (Debian/Ubuntu: apt install mpv; macOS: brew install mpv).",
            )
        if self.socket_path:  # the folder of an mpv that has ended
            shutil.rmtree(os.path.dirname(self.socket_path), ignore_errors=True)
        folder = tempfile.mkdtemp(prefix="workbench-mpv-")
        socket_path = self.socket_path = os.path.join(folder, "mpv.sock")
        self.process = subprocess.Popen(
            [
                binary,
                "--idle=yes",
                "--no-terminal",
                "--force-window=no",
                "--no-audio-display",
                "--keep-open=yes",
                f"--input-ipc-server={socket_path}",
                *self.extra_args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5.0
        while not os.path.exists(socket_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise PlayerError("mpv did not start.", hint="Run `mpv --version` to check the installation.")
            time.sleep(0.02)
        return socket_path

    def command(self, *args: Any, timeout: float = 2.0) -> Any:
        """Send one command and return its ``data`` (errors raise PlayerError)."""
        socket_path = self._start()
        request = json.dumps({"command": list(args), "request_id": 1}) + "\n"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(socket_path)
                sock.sendall(request.encode())
                buffer = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise PlayerError("mpv closed the connection.")
                    buffer += chunk
                    while b"\n" in buffer:
                        line, buffer = buffer.split(b"\n", 1)
                        reply = json.loads(line)
                        if reply.get("request_id") == 1:  # events have no request id
                            if reply.get("error") not in ("success", None):
                                raise PlayerError(f"mpv: {reply['error']} ({' '.join(map(str, args))}).")
                            return reply.get("data")
            except (OSError, ValueError) as exc:
                raise PlayerError(f"mpv does not answer ({exc}).") from exc

    def play(self, path: Path, at: float) -> None:
        """Play ``path`` from ``at`` seconds."""
        if self.loaded != path:
            self.command("loadfile", str(path), "replace", "start=" + f"{max(0.0, at):.3f}")
            self.loaded = path
            self._wait_loaded()
        else:
            self.command("seek", max(0.0, at), "absolute")
        self.command("set_property", "pause", False)

    def _wait_loaded(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.command("get_property", "duration") is not None:
                    return
            except PlayerError:
                pass
            time.sleep(0.05)
        raise PlayerError(f"mpv could not open {self.loaded}.")

    def toggle_pause(self) -> bool:
        """Pause or resume; returns whether it is paused now."""
        paused = not bool(self.command("get_property", "pause"))
        self.command("set_property", "pause", paused)
        return paused

    def position(self) -> float | None:
        """Seconds into the recording, or None when nothing plays."""
        if self.process is None or self.process.poll() is not None or self.loaded is None:
            return None
        try:
            value = self.command("get_property", "time-pos", timeout=0.5)
        except PlayerError:
            return None
        return float(value) if value is not None else None

    def paused(self) -> bool:
        return bool(self.command("get_property", "pause"))

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.command("quit", timeout=0.5)
                self.process.wait(timeout=2)
            except (PlayerError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=2)
        self.process = None
        if self.socket_path:
            shutil.rmtree(os.path.dirname(self.socket_path), ignore_errors=True)
            self.socket_path = None
        self.loaded = None
