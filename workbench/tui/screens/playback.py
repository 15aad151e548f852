"""The coding screen's recording: v plays from the selected turn and the selection follows the
playing turn (until the coder moves away); V pauses and resumes. Played with mpv
(:mod:`workbench.media`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.ingest.timestamps import format_timestamp
from workbench.tui.app import workbench_app

if TYPE_CHECKING:
    from textual.screen import Screen

    from textual.timer import Timer

    from workbench.media import Player
    from workbench.session import CodingSession

    ScreenBase = Screen[None]  # mixed into a screen: its methods are typed as the screen's
else:
    ScreenBase = object


class Playback(ScreenBase):
    """Mixed into the reader screen, which provides ``session``, ``move_to`` and ``update_side``."""

    player: Player | None = None  # started on the first v
    following = False  # the selection follows the recording while it plays
    followed_turn: int | None = None
    follow_timer: Timer | None = None

    if TYPE_CHECKING:

        @property
        def session(self) -> CodingSession: ...

    def action_play(self) -> None:
        """Play the recording from the start of the selected turn; the selection follows it."""
        from workbench.media import Player, PlayerError, media_for

        doc = self.session.doc if self.session else None
        if doc is None:
            return
        path = media_for(workbench_app(self).store, self.session.transcript_id)
        if path is None:
            self.notify(
                f"This transcript has no recording: link one with `workbench media {self.session.transcript_id} FILE`.",
                severity="warning",
                timeout=5,
            )
            return
        if not path.exists():
            self.notify(f"The recording {path} is missing.", severity="warning", timeout=5)
            return
        turn = doc.turns[doc.turn_at(self.session.selection[0])]
        if turn.start_time is None:
            self.notify("This turn has no time: the transcript was not timed.", severity="warning", timeout=4)
            return
        if not Player.available():
            self.notify(
                "Playing needs mpv: install it (apt install mpv, brew install mpv).", severity="warning", timeout=5
            )
            return
        if self.player is None:
            self.player = Player()
        try:
            self.player.play(path, float(turn.start_time))
        except PlayerError as exc:
            self.notify(str(exc), severity="error")
            return
        self.following = True
        self.followed_turn = None
        if self.follow_timer is None:
            self.follow_timer = self.set_interval(0.5, self.follow)
        self.session.told = f"Playing from {format_timestamp(turn.start_time)} · V pauses"
        self.update_side()

    def action_pause(self) -> None:
        from workbench.media import PlayerError

        if self.player is None or self.player.loaded is None:
            self.notify("Nothing is playing: v plays the recording from the selected turn.", timeout=3)
            return
        try:
            paused = self.player.toggle_pause()
        except PlayerError as exc:
            self.notify(str(exc), severity="error")
            return
        self.following = not paused
        self.session.told = "Paused · V resumes" if paused else "Playing · V pauses"
        self.update_side()

    def follow(self) -> None:
        """Select the turn being played (while following)."""
        doc = self.session.doc if self.session else None
        if not self.following or self.player is None or doc is None:
            return
        at = self.player.position()
        if at is None:
            return
        current = None
        for index, turn in enumerate(doc.turns):
            if turn.start_time is not None and turn.start_time <= at + 0.05:
                current = index
        if current is None:
            return
        turn = doc.turns[current]
        here = doc.turn_at(self.session.selection[0])
        followed = self.followed_turn
        if followed is not None and here != followed and here != current:
            self.following = False  # the coder moved away: stop following (v follows again)
            self.followed_turn = None
            return
        if here != current:
            self.move_to(turn.start, turn.end)
            self.session.told = f"Playing {format_timestamp(at)} · V pauses"
            self.update_side()
        self.followed_turn = current

    def close_player(self) -> None:
        if self.player is not None:
            self.player.close()

    def move_to(self, start: int, end: int) -> None:  # provided by the screen
        raise NotImplementedError

    def update_side(self) -> None:  # provided by the screen
        raise NotImplementedError
