"""The coding screen: read a transcript turn by turn, select a passage at the keyboard or with
the mouse, and code it.

Selection moves by sentence and turn and extends by word, sentence or turn. The coder's coded
passages show in their code's colour, with a column of stripes for the codes on each line; other
coders' coding can be shown too. The side panel shows the codes under the selection (coder,
origin, memo) and the code's definition, when to use it and when not. Every change is committed
at once through the same use cases as the CLI, and can be undone and redone.
"""

from __future__ import annotations

import json
import os
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from workbench import coding
from workbench.errors import WorkbenchError
from workbench.models import as_dict
from workbench.reading import (Document, load_document, load_segments, next_uncoded, other_coders_spans,
                               search_hits)
from workbench.session import Action, UndoHistory
from workbench.project import open_store
from workbench.tui.text import plural
from workbench.tui.widgets.keybar import KeyBar
from workbench.tui.widgets.transcript_view import TranscriptView

def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


MEASURE = 96  # the longest reading line, in characters


class ReaderScreen(Screen):
    """Read and code one transcript."""

    DEFAULT_CSS = """
    ReaderScreen Horizontal { height: 1fr; }
    ReaderScreen TranscriptView { width: 1fr; }
    ReaderScreen #side { width: 34; height: 1fr; border-left: solid $primary; padding: 0 1; }
    ReaderScreen #side.hidden { display: none; }
    ReaderScreen #search { display: none; }
    ReaderScreen #search.open { display: block; }
    ReaderScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("down,j", "sentence(1)", "Next sentence", id="reader.next_sentence"),
        Binding("up,k", "sentence(-1)", "Previous sentence", show=False, id="reader.prev_sentence"),
        Binding("shift+down,J", "extend_sentence(1)", "Extend", id="reader.extend_sentence"),
        Binding("shift+up,K", "extend_sentence(-1)", "Shrink by a sentence", show=False, id="reader.shrink_sentence"),
        Binding("shift+right,L", "extend_word(1)", "Extend by a word", show=False, id="reader.extend_word"),
        Binding("shift+left,H", "extend_word(-1)", "Shrink by a word", show=False, id="reader.shrink_word"),
        Binding("T", "extend_turn", "Extend to the end of the turn", show=False, id="reader.extend_turn"),
        Binding("right_square_bracket,n", "turn(1)", "Next turn", show=False, id="reader.next_turn"),
        Binding("left_square_bracket,p", "turn(-1)", "Previous turn", show=False, id="reader.prev_turn"),
        Binding("t", "select_turn", "Select the whole turn", show=False, id="reader.select_turn"),
        Binding("c,enter", "code", "Code", id="reader.code"),
        *[Binding(str(n), f"quick_code({n})", "Apply a quick code (1-9: pinned, then most used)", show=False,
                  id=f"reader.quick_code_{n}") for n in range(1, 10)],
        Binding("x,delete", "uncode", "Remove code", id="reader.uncode"),
        Binding("e", "change_code", "Change the code of a segment", show=False, id="reader.change_code"),
        Binding("s", "select_segment", "Select a segment to adjust", show=False, id="reader.select_segment"),
        Binding("b", "set_bounds", "Set the segment's boundaries to the selection", show=False, id="reader.bounds"),
        Binding("m", "memo_segment", "Memo on a segment", show=False, id="reader.memo_segment"),
        Binding("M", "memo_transcript", "Memo on the transcript", show=False, id="reader.memo_transcript"),
        Binding("slash", "search", "Search", id="reader.search"),
        Binding("g", "next_hit(1)", "Next search hit", show=False, id="reader.next_hit"),
        Binding("G", "next_hit(-1)", "Previous search hit", show=False, id="reader.prev_hit"),
        Binding("w", "next_uncoded", "Next uncoded passage", show=False, id="reader.next_uncoded"),
        Binding("a", "toggle_all", "Show all coders", show=False, id="reader.all_coders"),
        Binding("S", "suggestions", "Suggestions", id="reader.suggestions"),
        Binding("o", "next_proposal", "Next suggestion", show=False, id="reader.next_proposal"),
        Binding("y", "accept_proposal", "Accept the suggestion here", show=False, id="reader.accept"),
        Binding("X", "reject_proposal", "Reject the suggestion here", show=False, id="reader.reject"),
        Binding("r", "retrieve", "Segments of the code here", show=False, id="reader.retrieve"),
        Binding("B", "codebook", "Codebook", show=False, id="reader.codebook"),
        Binding("R", "reconcile", "Reconcile this transcript", show=False, id="reader.reconcile"),
        Binding("i", "toggle_side", "Side panel", show=False, id="reader.side"),
        Binding("l", "toggle_letters", "Stripes as letters", show=False, id="reader.letters"),
        Binding("equals_sign", "pin", "Pin the code here to a number key", show=False, id="reader.pin"),
        Binding("v", "play", "Play the recording from this turn", show=False, id="reader.play"),
        Binding("V", "pause", "Pause or resume the recording", show=False, id="reader.pause"),
        Binding("E", "edit_text", "Correct the selected text", show=False, id="reader.edit_text"),
        Binding("N", "rename_speaker", "Name the speaker of this turn", show=False, id="reader.rename_speaker"),
        Binding("u,ctrl+z", "undo", "Undo", id="reader.undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False, id="reader.redo"),
        Binding("escape", "back", "Back", id="reader.back"),
    ]

    def __init__(self, transcript_id: int, selection: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.transcript_id = transcript_id
        self.initial_selection = selection
        self.doc: Document | None = None
        self.selection = (0, 0)
        self.editing: dict[str, Any] | None = None  # segment whose boundaries are being adjusted
        self.history = UndoHistory()  # undo and redo live in workbench.session
        self.undo_stack: list[Action] = self.history.undo_stack
        self.redo_stack: list[Action] = self.history.redo_stack
        self.recent: list[int] = []
        self.all_coders = False
        self.hits: list[tuple[int, int]] = []
        self.codes: dict[int, dict[str, Any]] = {}
        self.frequent: list[dict[str, Any]] = []
        self.use: dict[int, int] = {}
        self.told = ""
        self.proposals: list[Any] = []
        self.seen_version = 0
        self.pinned: list[int] = []  # codes pinned to the first number keys, kept per coder
        self.player: Any = None  # workbench.media.Player, started on the first v
        self.following = False  # the selection follows the recording while it plays

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield TranscriptView(id="view")
            yield Static("", id="side")
        yield Input(placeholder="Search this transcript (Enter: next hit, Escape: close)", id="search")
        yield Static("Opening…", id="status")
        yield KeyBar()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    def on_mount(self) -> None:
        self.query_one("#side").set_class(self.app.size.width < 90, "hidden")
        self.fit_measure()
        self.view.letters = bool(os.environ.get("NO_COLOR"))  # no colours: letters tell the codes apart
        self.pinned = self.load_pins()
        # The loading indicator appears only if opening takes a while: its animation costs paints.
        self.set_timer(0.2, lambda: setattr(self.view, "loading", self.doc is None))
        self.load()
        self.seen_version = self.app.store.change_token()
        self.set_interval(2.0, self.check_for_changes)

    def on_resize(self) -> None:
        self.fit_measure()

    def fit_measure(self) -> None:
        """Reading lines stay under about 96 characters; a wide terminal gives the rest to the panel."""
        from workbench.tui.widgets.transcript_view import GUTTER

        room = self.app.size.width - (GUTTER + 1 + MEASURE)
        self.query_one("#side").styles.width = max(34, room)

    @work(thread=True, exclusive=True, group="reader")
    def load(self) -> None:
        """Open the transcript on a worker thread with its own connection, then show it."""
        store = open_store(self.app.project)
        try:
            doc = load_document(store, self.transcript_id, self.app.coder, all_coders=self.all_coders)
            codes = store.codes(counts=False)
            use = store.code_use(self.app.coder)
        finally:
            store.close()
        self.app.call_from_thread(self.show_document, doc, codes, use)

    def show_document(self, doc: Document, codes: list[dict[str, Any]], use: dict[int, int]) -> None:
        self.doc = doc
        self.codes = {c["id"]: c for c in codes}
        self.use = use
        self.rank_frequent()
        view = self.view
        view.loading = False
        view.set_document(doc)
        view.set_others(other_coders_spans(self.app.store, self.transcript_id, self.app.coder))
        if self.initial_selection:
            self.selection = self.initial_selection
        elif doc.sentences:
            self.selection = doc.sentences[0]
        view.set_selection(*self.selection)
        # the view learns its height only when laid out: scroll the selection into view then too
        self.call_after_refresh(lambda: view.scroll_to_offset(*self.selection))
        view.focus()
        self.update_side()

    # -- state ---------------------------------------------------------------------------------

    def reload(self, *, codes: bool = False) -> None:
        """Re-read this transcript's segments (and with ``codes``, the codebook and the coder's
        code counts) after a change; the text, sentences and layout stay."""
        if self.doc is None:
            return
        store = self.app.store
        if codes:
            self.codes = {c["id"]: c for c in store.codes(counts=False)}
            self.use = store.code_use(self.app.coder)
            self.rank_frequent()
            self.view.set_others(other_coders_spans(store, self.transcript_id, self.app.coder))
        self.doc.segments = load_segments(store, self.transcript_id, self.app.coder, all_coders=self.all_coders,
                                          codes=self.codes)
        self.view.update_segments(self.doc)
        self.update_side()

    def count_use(self, code_id: int, step: int) -> None:
        """Keep the coder's code counts (for the quick-code keys) without asking the database."""
        self.use[code_id] = max(0, self.use.get(code_id, 0) + step)
        self.rank_frequent()

    def rank_frequent(self) -> None:
        """The keys 1-9: pinned codes first, in the order pinned, then the most used."""
        pinned = [i for i in getattr(self, "pinned", []) if i in self.codes][:9]
        ranked = sorted((i for i, n in self.use.items() if n > 0 and i in self.codes and i not in pinned),
                        key=lambda i: (-self.use[i], i))
        self.frequent = [self.codes[i] for i in (pinned + ranked)[:9]]

    def load_pins(self) -> list[int]:
        try:
            return [int(i) for i in json.loads(self.app.store.get_meta(f"pinned_codes:{self.app.coder}") or "[]")]
        except (ValueError, TypeError):
            return []

    def action_pin(self) -> None:
        """Pin the code under the selection to the next number key (or unpin it); kept per coder."""
        def pin(segment: dict[str, Any]) -> None:
            code_id = segment["code_id"]
            if code_id in self.pinned:
                self.pinned.remove(code_id)
                said = f"Unpinned {segment['code']}."
            elif len(self.pinned) >= 9:
                self.notify("Nine codes are pinned already: unpin one first (= on it).", severity="warning")
                return
            else:
                self.pinned.append(code_id)
                said = f"Pinned {segment['code']} to key {len(self.pinned)}."
            with self.app.store.transaction():
                self.app.store.set_meta(f"pinned_codes:{self.app.coder}", json.dumps(self.pinned))
            self.rank_frequent()
            self.told = said
            self.notify(said, timeout=3)
            self.update_side()
        self.with_segment("Pin which code?", pin)

    # -- the recording -------------------------------------------------------------------------

    def action_play(self) -> None:
        """Play the recording from the start of the selected turn; the selection follows it."""
        from workbench.media import Player, PlayerError, media_for

        if self.doc is None:
            return
        path = media_for(self.app.store, self.transcript_id)
        if path is None:
            self.notify("This transcript has no recording: link one with "
                        f"`workbench media {self.transcript_id} FILE`.", severity="warning", timeout=5)
            return
        if not path.exists():
            self.notify(f"The recording {path} is missing.", severity="warning", timeout=5)
            return
        turn = self.doc.turns[self.doc.turn_at(self.selection[0])]
        if turn.get("start_time") is None:
            self.notify("This turn has no time: the transcript was not timed.", severity="warning", timeout=4)
            return
        if not Player.available():
            self.notify("Playing needs mpv: install it (apt install mpv, brew install mpv).", severity="warning",
                        timeout=5)
            return
        if self.player is None:
            self.player = Player()
        try:
            self.player.play(path, float(turn["start_time"]))
        except PlayerError as exc:
            self.notify(str(exc), severity="error")
            return
        self.following = True
        self.followed_turn = None
        if getattr(self, "follow_timer", None) is None:
            self.follow_timer = self.set_interval(0.5, self.follow)
        self.told = f"Playing from {clock(turn['start_time'])} · V pauses"
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
        self.told = "Paused · V resumes" if paused else "Playing · V pauses"
        self.update_side()

    def follow(self) -> None:
        """Select the turn being played (while following)."""
        if not self.following or self.player is None or self.doc is None:
            return
        at = self.player.position()
        if at is None:
            return
        timed = [(i, t) for i, t in enumerate(self.doc.turns) if t.get("start_time") is not None]
        current = None
        for index, turn in timed:
            if turn["start_time"] <= at + 0.05:
                current = index
        if current is None:
            return
        turn = self.doc.turns[current]
        here = self.doc.turn_at(self.selection[0])
        followed = getattr(self, "followed_turn", None)
        if followed is not None and here != followed and here != current:
            self.following = False  # the coder moved away: stop following (v follows again)
            self.followed_turn = None
            return
        if here != current:
            told = f"Playing {clock(at)} · V pauses"
            self.move_to(turn["start"], turn["end"])
            self.told = told
            self.update_side()
        self.followed_turn = current

    def on_unmount(self) -> None:
        if self.player is not None:
            self.player.close()

    def action_toggle_letters(self) -> None:
        self.view.set_letters(not self.view.letters)
        self.told = "Stripes show letters (see In view)." if self.view.letters else "Stripes show colours."
        self.update_side()

    def check_for_changes(self) -> None:
        """Show other coders' work as it is committed to the same project."""
        version = self.app.store.change_token()
        if version != self.seen_version and self.doc is not None:
            self.seen_version = version
            self.reload(codes=True)

    def move_to(self, start: int, end: int) -> None:
        if self.doc is None:
            return
        end = max(end, start + 1)
        self.selection = (start, min(end, len(self.doc.text)))
        self.view.set_selection(*self.selection)
        self.told = ""
        self.update_side()

    def update_side(self) -> None:
        doc = self.doc
        if doc is None:
            return
        start, end = self.selection
        t = doc.transcript
        out = Text()
        out.append(f"{t['title']}\n", Style(bold=True))
        out.append(" · ".join(x for x in (t["site"], t["participant"], t["role"]) if x) + "\n", Style(dim=True))
        out.append(f"#{t['id']} {t.get('source_name') or ''}\n\n", Style(dim=True))
        if self.editing:
            out.append("Adjusting a segment: extend or shrink, then b to save.\n\n", Style(bold=True, color="yellow"))
        covering = doc.covering(start, end)
        if covering:
            out.append("Codes here\n", Style(bold=True))
            for segment in covering:
                out.append("■ ", Style(color=segment.get("colour") or "#888888"))
                out.append(f"{segment['code']}\n")
                out.append(f"  {segment['coder']} · {segment['origin']}\n", Style(dim=True))
                if segment.get("memo"):
                    out.append(f"  memo: {segment['memo']}\n", Style(italic=True))
            code = self.codes.get(covering[0]["code_id"])
            if code:
                for key, label in (("definition", ""), ("when_to_use", "Use when: "), ("when_not_to_use", "Not for: ")):
                    if code.get(key):
                        out.append(f"\n{label}" if label else f"\n{code['name']}: ", Style(bold=True))
                        out.append(code[key] + "\n")
        else:
            out.append("Not coded here.\n", Style(dim=True))
        proposed = [p for p in self.proposals if p.start < end and p.end > start]
        if proposed:
            out.append("\nSuggested here (y accept, X reject)\n", Style(bold=True, color="#ffd75f"))
            for p in proposed:
                out.append(f"? {p.code}\n", Style(italic=True, color="#ffd75f"))
                out.append(f"  {p.source} · {p.score:.2f} · {p.why}\n", Style(dim=True))
        others = sorted({who for a, b, who in self.view.others if a < end and b > start})
        if others and not self.all_coders:
            out.append(f"\n◦ also coded here by {', '.join(others)} (a shows)\n", Style(color="#8a8a8a"))
        self.legend(out)
        if self.frequent:
            out.append("\nQuick codes", Style(bold=True))
            out.append(" (= pins)\n", Style(dim=True))
            for number, code in enumerate(self.frequent, 1):
                out.append(f" {number} ", Style(reverse=True))
                out.append(f" {code['path'].split('/')[-1]}")
                out.append(" (pinned)\n" if code["id"] in self.pinned else "\n", Style(dim=True))
        self.query_one("#side", Static).update(out, layout=False)  # fixed size: no layout pass
        mine = sum(1 for s in doc.segments if s.get("mine"))
        where = self.describe_selection(start, end)
        extra = f" · {plural(len(self.hits), 'hit')}" if self.hits else ""
        shown = "all coders" if self.all_coders else self.app.coder
        told = self.told  # what the last action did: shown until the selection moves
        self.query_one("#status", Static).update(
            f"{shown} · {plural(mine, 'segment')} · {where}{extra} · " + (told or "c code · x remove · u undo · / search · ? keys"),
            layout=False)

    def legend(self, out: Text) -> None:
        """Which stripe is which: the codes on the lines in view."""
        doc = self.doc
        low, high = self.view.visible_span()
        seen: dict[str, str | None] = {}
        for segment in sorted(doc.segments, key=lambda s: s["code_id"]):
            if segment["start"] < high and segment["end"] > low and segment["code"] not in seen:
                seen[segment["code"]] = segment.get("colour")
        if not seen:
            return
        out.append("\nIn view\n", Style(bold=True))
        for code, colour in seen.items():
            mark = self.view.letter_of.get(code or "", "▌") if self.view.letters else "▌"
            out.append(f" {mark} ", Style(color=colour or "#888888", bold=True))
            out.append(f"{(code or '').split('/')[-1]}\n")

    def describe_selection(self, start: int, end: int) -> str:
        """Where the selection is, in words: its turn, and how many sentences and words it holds."""
        doc = self.doc
        if doc is None or not doc.turns:
            return ""
        turn = doc.turn_at(start)
        sentences = doc.sentence_at(max(start, end - 1)) - doc.sentence_at(start) + 1 if end > start else 0
        words = len(doc.text[start:end].split())
        return (f"turn {turn + 1}/{len(doc.turns)} · {plural(sentences, 'sentence')}, {plural(words, 'word')}")

    def snippet(self, start: int, end: int, limit: int = 40) -> str:
        words = " ".join(self.doc.text[start:end].split()) if self.doc else ""
        return f"“{words}”" if len(words) <= limit else f"“{words[:limit].rsplit(' ', 1)[0]}…”"

    def describe(self, action: Action) -> str:
        """A coding action in words, for the status line after doing, undoing or redoing it."""
        kind, first, second = action
        if kind == "edit":
            return f"corrected “{first['old']}” to “{first['new']}”"
        if kind == "unedit":
            return f"put back “{first['old']}” for “{first['new']}”"
        path = lambda code_id: self.codes.get(code_id, {}).get("path", "a removed code")  # noqa: E731
        if kind == "add":
            return f"coded {self.snippet(first['start'], first['end'])} as {path(first['code_id'])}"
        if kind == "remove":
            return f"removed {path(first['code_id'])} from {self.snippet(first['start'], first['end'])}"
        after = second or {}
        if after.get("code_id") != first.get("code_id"):
            return f"changed {path(first['code_id'])} to {path(after.get('code_id'))}"
        if (after.get("start"), after.get("end")) != (first.get("start"), first.get("end")):
            words = len(self.doc.text[after["start"]:after["end"]].split()) if self.doc else 0
            return (f"moved the boundaries of {path(first['code_id'])}: now "
                    f"{self.snippet(after['start'], after['end'])} ({plural(words, 'word')})")
        return f"{'changed' if after.get('memo') else 'removed'} the memo on {path(first['code_id'])}"

    # -- moving --------------------------------------------------------------------------------

    def action_sentence(self, step: int) -> None:
        doc = self.doc
        if not doc or not doc.sentences:
            return
        index = doc.sentence_at(self.selection[0] if step < 0 else max(self.selection[1] - 1, 0))
        index = min(max(index + step, 0), len(doc.sentences) - 1)
        self.move_to(*doc.sentences[index])

    def action_extend_sentence(self, step: int) -> None:
        doc = self.doc
        if not doc or not doc.sentences:
            return
        start, end = self.selection
        last = doc.sentence_at(max(end - 1, start))
        if step > 0 and last + 1 < len(doc.sentences):
            end = doc.sentences[last + 1][1]
        elif step < 0 and last > doc.sentence_at(start):
            end = doc.sentences[last - 1][1]
        self.move_to(start, end)

    def action_extend_word(self, step: int) -> None:
        if not self.doc:
            return
        start, end = self.selection
        end = self.doc.next_word_end(end) if step > 0 else self.doc.previous_word_end(end, start)
        self.move_to(start, end)

    def action_extend_turn(self) -> None:
        if self.doc and self.doc.turns:
            self.move_to(self.selection[0], self.doc.turns[self.doc.turn_at(self.selection[0])]["end"])

    def action_turn(self, step: int) -> None:
        doc = self.doc
        if not doc or not doc.turns:
            return
        index = min(max(doc.turn_at(self.selection[0]) + step, 0), len(doc.turns) - 1)
        turn = doc.turns[index]
        first = next((s for s in doc.sentences if s[0] >= turn["start"]), (turn["start"], turn["end"]))
        self.move_to(*first)

    def action_select_turn(self) -> None:
        if self.doc and self.doc.turns:
            turn = self.doc.turns[self.doc.turn_at(self.selection[0])]
            self.move_to(turn["start"], turn["end"])

    @on(TranscriptView.SelectionMade)
    def mouse_selection(self, event: TranscriptView.SelectionMade) -> None:
        self.move_to(event.start, event.end)

    def action_next_uncoded(self) -> None:
        if self.doc:
            found = next_uncoded(self.doc, self.selection[0])
            if found:
                self.move_to(*found)
            else:
                self.notify("Every sentence is coded.", timeout=2)

    # -- search ----------------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("open")
        self.call_after_refresh(box.focus)  # a hidden input cannot take focus until it is shown

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        if self.doc:
            self.hits = search_hits(self.doc.text, event.value)
            self.view.set_hits(self.hits)
            self.update_side()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.action_next_hit(1)

    def on_key(self, event) -> None:  # noqa: ANN001 - textual.events.Key
        box = self.query_one("#search", Input)
        if event.key == "escape" and box.has_focus:
            box.remove_class("open")
            self.view.focus()
            event.stop()

    def action_next_hit(self, step: int) -> None:
        if not self.hits:
            query = self.query_one("#search", Input).value.strip()
            self.notify(f"No hits for “{query}” in this transcript." if query else
                        "No search yet: press / to search this transcript.", timeout=2)
            return
        start = self.selection[0]
        if step > 0:
            target = next((h for h in self.hits if h[0] > start), self.hits[0])
        else:
            target = next((h for h in reversed(self.hits) if h[0] < start), self.hits[-1])
        self.move_to(*target)

    # -- coding ----------------------------------------------------------------------------------

    def action_code(self) -> None:
        if not self.doc:
            return
        from workbench.tui.screens.picker import CodePicker

        start, end = self.selection
        self.app.push_screen(CodePicker(list(self.codes.values()) or self.app.store.codes(), self.recent,
                                        self.doc.text[start:end]), self.picked)

    def picked(self, result: tuple[str, Any] | None, confirmed: bool = False) -> None:
        if result is None or self.doc is None:
            return
        kind, value = result
        missing = coding.missing_parents(self.app.store, value) if kind == "new" else []
        if missing and not confirmed:
            from workbench.tui.screens.dialogs import ConfirmDialog

            self.app.push_screen(ConfirmDialog(f"“{value}” needs {', '.join(missing)}, which "
                                               f"{'does' if len(missing) == 1 else 'do'} not exist yet. Create "
                                               f"{'it' if len(missing) == 1 else 'them'} too?"),
                                 lambda yes: self.picked(result, confirmed=True) if yes else None)
            return
        before = set(self.codes) or {c["id"] for c in self.app.store.codes(counts=False)}
        try:
            if kind == "new":
                code = coding.create_code(self.app.store, value, coder=self.app.coder, parents=True)
            elif kind == "in-vivo":
                code = coding.create_in_vivo_code(self.app.store, self.doc.text[slice(*self.selection)],
                                                  coder=self.app.coder)
            else:
                code = self.codes.get(value) or {"id": value}
        except WorkbenchError as exc:
            self.notify(str(exc), severity="warning")
            return
        created: list[int] = []
        if kind != "code":
            self.codes = {c["id"]: c for c in self.app.store.codes()}
            created = [i for i in self.codes if i not in before]  # parents first, the code last
        self.apply(code.id, created=created)

    def apply(self, code_id: int, created: list[int] | None = None) -> None:
        start, end = self.selection
        try:
            segment = as_dict(coding.add_segment(self.app.store, transcript_id=self.transcript_id, code_id=code_id,
                                                 coder=self.app.coder, start=start, end=end))
        except WorkbenchError as exc:
            self.notify(str(exc), severity="warning")
            return
        if created:
            segment["created_code_ids"] = created  # undoing this coding removes these codes again
        self.recent = [code_id] + [c for c in self.recent if c != code_id]
        self.told = self.describe(("add", segment, None))  # shown in the status line
        self.done(("add", segment, None))

    def action_quick_code(self, number: int) -> None:
        if self.query_one("#search", Input).has_focus:
            return
        if number <= len(self.frequent):
            self.apply(self.frequent[number - 1]["id"])
        else:
            self.notify("No code on that key yet: the keys 1-9 hold your most used codes.", timeout=3)

    def mine_here(self) -> list[dict[str, Any]]:
        if not self.doc:
            return []
        return [s for s in self.doc.covering(*self.selection) if s["coder"] == self.app.coder]

    def with_segment(self, prompt: str, then) -> None:  # noqa: ANN001 - a callback taking a segment
        """Run ``then`` on the coder's segment under the selection, asking which when several."""
        segments = self.mine_here()
        if not segments:
            self.notify("None of your segments is under the selection.", severity="warning", timeout=3)
        elif len(segments) == 1:
            then(segments[0])
        else:
            from workbench.tui.screens.dialogs import SegmentChooser

            by_id = {s["id"]: s for s in segments}
            self.app.push_screen(SegmentChooser(prompt, segments),
                                 lambda chosen: then(by_id[chosen]) if chosen in by_id else None)

    def action_uncode(self) -> None:
        def remove(segment: dict[str, Any]) -> None:
            removed = as_dict(coding.remove_segment(self.app.store, segment["id"], coder=self.app.coder))
            action = ("remove", removed, None)
            said = self.describe(action)
            self.told = said[:1].upper() + said[1:] + "."
            self.done(action)
            self.notify(self.told, timeout=2)
        self.with_segment("Remove which code?", remove)

    def action_change_code(self) -> None:
        def change(segment: dict[str, Any]) -> None:
            from workbench.tui.screens.picker import CodePicker

            def picked(result: tuple[str, Any] | None) -> None:
                if result and result[0] == "code":
                    self.update(segment, code_id=result[1])
            self.app.push_screen(CodePicker(list(self.codes.values()), self.recent, segment["text"]), picked)
        self.with_segment("Change the code of which segment?", change)

    def action_select_segment(self) -> None:
        def select(segment: dict[str, Any]) -> None:
            self.editing = segment
            self.move_to(segment["start"], segment["end"])
        self.with_segment("Adjust which segment?", select)

    def action_set_bounds(self) -> None:
        if not self.editing:
            self.notify("Press s on a segment first, adjust the selection, then b.", timeout=3)
            return
        segment, self.editing = self.editing, None
        self.update(segment, start=self.selection[0], end=self.selection[1])

    def action_memo_segment(self) -> None:
        def edit(segment: dict[str, Any]) -> None:
            from workbench.tui.screens.dialogs import MemoDialog

            self.app.push_screen(MemoDialog(f"Memo on {segment['code']}", segment.get("memo") or ""),
                                 lambda text: self.update(segment, memo=text or None) if text is not None else None)
        self.with_segment("Memo on which segment?", edit)

    def action_memo_transcript(self) -> None:
        from workbench.tui.screens.dialogs import MemoDialog

        def save(text: str | None) -> None:
            if text and text.strip():
                coding.add_memo(self.app.store, "transcript", self.transcript_id, text, coder=self.app.coder)
                self.notify("Memo saved on the transcript.", timeout=2)
        self.app.push_screen(MemoDialog(f"Memo on {self.doc.transcript['title'] if self.doc else ''}"), save)

    def update(self, segment: dict[str, Any], **changes: Any) -> None:
        try:
            after = coding.update_segment(self.app.store, segment["id"], coder=self.app.coder, **changes)
        except WorkbenchError as exc:
            self.notify(str(exc), severity="warning")
            return
        before = {k: segment[k] for k in ("code_id", "start", "end", "memo")}
        action = ("update", before | {"id": segment["id"]}, {k: after[k] for k in ("code_id", "start", "end", "memo")})
        said = self.describe(action)
        self.told = said[:1].upper() + said[1:] + "."
        self.notify(self.told, timeout=3)
        self.done(action)

    # -- undo and redo ---------------------------------------------------------------------------

    def done(self, action: Action) -> None:
        self.track(action)
        self.history.done(action)
        self.reload()
        self.seen_version = self.app.store.change_token()

    def track(self, action: Action) -> None:
        kind, first, second = action
        if kind == "add":
            self.count_use(first["code_id"], 1)
        elif kind == "remove":
            self.count_use(first["code_id"], -1)
        elif second and first["code_id"] != second["code_id"]:
            self.count_use(first["code_id"], -1)
            self.count_use(second["code_id"], 1)

    # -- correcting the transcript ---------------------------------------------------------------

    def action_edit_text(self) -> None:
        """Replace the selected words (a misheard word, a name); the coding is carried over."""
        from workbench.tui.screens.dialogs import TextPrompt

        start, end = self.selection
        if self.doc is None or end <= start:
            self.notify("Select the words to correct first.", timeout=3)
            return
        old = self.doc.text[start:end]

        def done(value: str | None) -> None:
            if value is None or value == old or self.doc is None:
                return
            from workbench import transcript_edit

            try:
                report = transcript_edit.replace_passage(self.app.store, self.transcript_id, start, end, value,
                                                         coder=self.app.coder)
            except WorkbenchError as exc:
                self.notify(str(exc), severity="error")
                return
            new = self.app.store.transcript_text(self.transcript_id) or ""
            after = start + len(new) - len(self.doc.text) + (end - start)
            self.history.done(("edit", {"transcript_id": self.transcript_id, "start": start, "end": after,
                                        "old": old, "new": new[start:after]}, None))
            self.told = (f"Corrected {self.snippet(start, end)} to “{new[start:after]}”; "
                         + report.summary().split(": ", 1)[-1])
            self.notify(self.told, timeout=4)
            self.reopen((start, after))

        self.app.push_screen(TextPrompt(f"Replace {self.snippet(start, end)} with (Enter saves, Escape cancels):",
                                        old), done)

    def action_rename_speaker(self) -> None:
        """Name the speaker of the turn under the selection (a wrong or missing label)."""
        from workbench.tui.screens.dialogs import TextPrompt

        if self.doc is None or not self.doc.turns:
            return
        index = self.doc.turn_at(self.selection[0])
        turn = self.doc.turns[index]

        def done(value: str | None) -> None:
            if not value:
                return
            from workbench import transcript_edit

            try:
                old = transcript_edit.set_speaker(self.app.store, self.transcript_id, index + 1, value,
                                                  coder=self.app.coder)
            except WorkbenchError as exc:
                self.notify(str(exc), severity="error")
                return
            self.told = f"Turn {index + 1} is now spoken by {value} (was {old or 'unnamed'})."
            self.notify(self.told, timeout=3)
            self.reopen(self.selection)

        self.app.push_screen(TextPrompt(f"Speaker of turn {index + 1}:", turn.get("speaker") or ""), done)

    def reopen(self, selection: tuple[int, int]) -> None:
        """Read the transcript again after its text changed, keeping the selection."""
        self.initial_selection = selection
        self.load()
        self.seen_version = self.app.store.change_token()

    def action_undo(self) -> None:
        self._step(self.history.undo, "Nothing to undo.", bool(self.undo_stack))

    def action_redo(self) -> None:
        self._step(self.history.redo, "Nothing to redo.", bool(self.redo_stack))

    def _step(self, step, empty: str, possible: bool) -> None:  # noqa: ANN001 - UndoHistory.undo or .redo
        if not possible:
            self.notify(empty, timeout=2)
            return
        try:
            undoing = step == self.history.undo
            said = self.describe(self.undo_stack[-1]) if undoing else ""  # undo names the action undone
            inverse = step(self.app.store, self.app.coder)
            self.codes = {c["id"]: c for c in self.app.store.codes(counts=False)}  # a code may be gone or back
            self.rank_frequent()
            self.track(inverse)
            self.told = f"Undid: {said}." if undoing else f"Redid: {self.describe(inverse)}."
            self.notify(self.told, timeout=3)
            if inverse[0] in ("edit", "unedit"):
                self.reopen((inverse[1]["start"], inverse[1]["end"]))
                return
        except WorkbenchError as exc:
            self.notify(str(exc), severity="error")
        self.reload()
        self.seen_version = self.app.store.change_token()

    # -- view ----------------------------------------------------------------------------------

    def action_toggle_all(self) -> None:
        self.all_coders = not self.all_coders
        self.reload()
        self.notify("Showing all coders' segments." if self.all_coders else f"Showing {self.app.coder}'s segments.",
                    timeout=2)

    def action_toggle_side(self) -> None:
        self.query_one("#side").toggle_class("hidden")
        self.call_after_refresh(self.view.relayout)

    def action_suggestions(self) -> None:
        if self.proposals:
            self.proposals = []
            self.view.set_proposals([])
            self.update_side()
            return
        self.told = "looking for suggestions…"
        self.update_side()
        self.find_suggestions()

    @work(thread=True, exclusive=True, group="suggest")
    def find_suggestions(self) -> None:
        from workbench.suggest import suggestions

        store = open_store(self.app.project)
        try:
            found = suggestions(store, self.transcript_id, self.app.coder)
        except WorkbenchError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="warning")
            found = suggestions(store, self.transcript_id, self.app.coder, sources=("keyword", "pattern"))
        finally:
            store.close()
        self.app.call_from_thread(self.show_proposals, found)

    def show_proposals(self, found: list[Any]) -> None:
        self.proposals = found
        self.view.set_proposals(found)
        self.told = f"{plural(len(found), 'suggestion')} (o next, y accept, X reject, S hide)"
        self.update_side()

    def proposal_here(self) -> Any | None:
        start, end = self.selection
        here = [p for p in self.proposals if p.start < end and p.end > start]
        return max(here, key=lambda p: p.score) if here else None

    def action_next_proposal(self) -> None:
        after = [p for p in self.proposals if p.start > self.selection[0]] or self.proposals
        if after:
            self.move_to(after[0].start, after[0].end)

    def action_accept_proposal(self) -> None:
        from workbench.suggest import accept

        proposal = self.proposal_here()
        if proposal is None:
            self.notify("No suggestion here: o goes to the next one.", timeout=2)
            return
        try:
            segment = as_dict(accept(self.app.store, proposal, self.app.coder))
        except WorkbenchError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.proposals = [p for p in self.proposals if p is not proposal]
        self.view.set_proposals(self.proposals)
        self.told = f"accepted {proposal.code}"
        self.done(("add", segment, None))

    def action_reject_proposal(self) -> None:
        from workbench.suggest import reject

        proposal = self.proposal_here()
        if proposal is None:
            self.notify("No suggestion here: o goes to the next one.", timeout=2)
            return
        reject(self.app.store, proposal, self.app.coder)
        self.proposals = [p for p in self.proposals if p is not proposal]
        self.view.set_proposals(self.proposals)
        self.told = f"rejected {proposal.code}; it will not be suggested again"
        self.update_side()

    def action_retrieve(self) -> None:
        if not self.doc:
            return
        covering = self.doc.covering(*self.selection)
        if not covering:
            self.notify("No code here to retrieve.", timeout=2)
            return
        from workbench.tui.screens.retrieval import RetrievalScreen

        self.app.push_screen(RetrievalScreen(covering[0]["code_id"]))

    def action_reconcile(self) -> None:
        from workbench.tui.screens.reconcile import ReconcileScreen

        self.app.push_screen(ReconcileScreen([self.transcript_id]))

    def action_codebook(self) -> None:
        from workbench.tui.screens.codebook import CodebookScreen

        self.app.push_screen(CodebookScreen())

    def on_screen_resume(self) -> None:
        if self.doc is not None:
            self.reload(codes=True)

    def action_back(self) -> None:
        if self.editing:
            self.editing = None
            self.update_side()
            return
        self.app.pop_screen()
