"""Playing the recording with mpv over its JSON IPC socket, and linking recordings to transcripts."""

from __future__ import annotations

import asyncio
import math
import shutil
import struct
import time
import wave

import pytest
from click.testing import CliRunner
from pilot import open_reader

from workbench.cli import cli
from workbench.errors import InputError
from workbench.media import Player, media_for, set_media
from workbench.project import import_transcripts
from workbench.store import Store
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.reader import ReaderScreen

needs_mpv = pytest.mark.skipif(shutil.which("mpv") is None, reason="mpv is not installed")
QUIET = ["--ao=null", "--vo=null"]

VTT = """WEBVTT

00:00:00.000 --> 00:00:03.000
<v Interviewer>What gets in the way?

00:00:03.000 --> 00:00:08.000
<v Carol>Time, mostly. Everybody is seeing patients back to back.

00:00:08.000 --> 00:00:12.000
<v Interviewer>And money?

00:00:12.000 --> 00:00:20.000
<v Carol>Money too. The grant ended in June.
"""


def tone(path, seconds=20):
    """A generated recording: a 440 Hz tone (no download, no voice needed)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(8000 * seconds)
            )
        )
    return path


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "Riverbend"
    folder.mkdir()
    (folder / "rb-01.vtt").write_text(VTT)
    tone(folder / "rb-01.wav")
    path = tmp_path / "p.db"
    store = Store.open(path, create=True)
    results = import_transcripts(store, [folder])
    assert [r.status for r in results] == ["imported"]
    store.close()
    return path


def test_recording_beside_the_transcript_is_linked(project, tmp_path):
    store = Store.open(project)
    try:
        assert media_for(store, 1) == (tmp_path / "Riverbend" / "rb-01.wav").resolve()
        with pytest.raises(InputError, match="no such recording"):
            set_media(store, 1, tmp_path / "nope.mp3")
        (tmp_path / "notes.txt").write_text("x")
        with pytest.raises(InputError, match="not an audio or video file"):
            set_media(store, 1, tmp_path / "notes.txt")
    finally:
        store.close()
    other = tone(tmp_path / "other.wav", 2)
    result = CliRunner().invoke(cli, ["media", "rb-01", str(other), "--project", str(project)], obj={})
    assert result.exit_code == 0 and str(other) in result.output
    result = CliRunner().invoke(cli, ["media", "rb-01", "--project", str(project)], obj={})
    assert str(other) in result.output


@needs_mpv
def test_player_plays_seeks_and_pauses(tmp_path):
    recording = tone(tmp_path / "t.wav")
    player = Player(extra_args=QUIET)
    try:
        player.play(recording, 5.0)
        time.sleep(0.6)
        at = player.position()
        assert at is not None and 5.0 <= at < 8.0
        assert player.toggle_pause() is True
        held = player.position()
        time.sleep(0.4)
        assert player.position() == pytest.approx(held, abs=0.01)
        player.play(recording, 12.0)  # seek and resume
        time.sleep(0.3)
        assert 12.0 <= player.position() < 14.0 and not player.paused()
    finally:
        player.close()
    assert player.process is None


@needs_mpv
def test_v_plays_from_the_turn_and_the_reader_follows(project, monkeypatch):
    monkeypatch.setenv("WORKBENCH_MPV_ARGS", " ".join(QUIET))

    async def scenario():
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            reader = await open_reader(app, pilot)
            assert isinstance(reader, ReaderScreen)
            await pilot.press("n", "n")  # the third turn, at 8 s
            await pilot.press("v")
            await pilot.pause(0.5)
            at = reader.player.position()
            assert 8.0 <= at < 10.0
            # it plays on into the fourth turn (12 s): the selection follows
            for _ in range(60):
                await pilot.pause(0.2)
                if reader.doc.turn_at(reader.selection[0]) == 3:
                    break
            assert reader.doc.turn_at(reader.selection[0]) == 3
            await pilot.press("V")
            await pilot.pause(0.2)
            assert reader.player.paused()
            player = reader.player
            await pilot.press("escape")
            await pilot.pause()
            assert player.process is None  # leaving the transcript ends mpv

    asyncio.run(scenario())


def test_without_mpv_or_recording_the_key_says_so(project, tmp_path, monkeypatch):
    async def scenario(expect):
        app = WorkbenchApp(project, "maria")
        async with app.run_test(size=(100, 30)) as pilot:
            reader = await open_reader(app, pilot)
            selection = reader.selection
            await pilot.press("v")
            await pilot.pause()
            assert any(expect in n.message for n in app._notifications)
            assert reader.selection == selection and reader.player is None

    monkeypatch.setenv("PATH", str(tmp_path))  # no mpv on the PATH
    asyncio.run(scenario("needs mpv"))
    store = Store.open(project)
    with store.transaction():
        store.set_meta("media:1", "")
    store.close()
    asyncio.run(scenario("no recording"))
