"""The transcript browser: every transcript with site, participant, role and how much is coded."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from workbench.project import TranscriptListing, list_transcripts
from workbench.tui.app import workbench_app
from workbench.tui.text import plural
from workbench.tui.widgets.keybar import KeyBar
from workbench.tui.workers import post_from_thread, run_in_thread

if TYPE_CHECKING:
    from workbench.store import Store

# (key, heading, width); the title takes the room that is left.
COLUMNS = (
    ("site", "Site", 18),
    ("participant", "Id", 6),
    ("role", "Role", 13),
    ("title", "Title", 0),
    ("format", "Format", 6),
    ("words", "Words", 6),
    ("segments", "Segs", 4),
    ("coded", "Coded", 5),
)
DROPPABLE = ("format", "words", "role")  # left out, in this order, when the terminal is narrow
MIN_TITLE = 16


def share(value: float) -> str:
    """A share as a whole percentage; a little coding never shows as 0%."""
    return "<1%" if 0 < value < 0.005 else f"{value:.0%}"


def distinct_titles(rows: list[TranscriptListing], width: int) -> dict[int, str]:
    """Titles as the list shows them, told apart: the same title twice (a .txt and an .odt of one
    interview) gets its format, and titles that would look alike when cut to ``width`` (two Zoom
    exports) keep their ends instead ("GMT2024…ording.cc")."""
    from collections import Counter

    same = Counter(r.title for r in rows)
    shown = {r.id: r.title + (f" ({r.format})" if same[r.title] > 1 and r.format else "") for r in rows}
    cut = Counter(t[: width - 1] for t in shown.values() if len(t) > width)
    for row_id, title in shown.items():
        if len(title) > width and cut[title[: width - 1]] > 1:
            head = max(4, width // 2 - 1)
            shown[row_id] = title[:head] + "…" + title[-(width - head - 1) :]
    if len(set(shown.values())) < len(shown):  # still alike: the transcript's own id tells them apart
        counts = Counter(shown.values())
        for row in rows:
            if counts[shown[row.id]] > 1:
                shown[row.id] = f"#{row.id} {shown[row.id]}"
    return shown


class TranscriptsScreen(Screen[None]):
    """Browse transcripts by site; type to filter; Enter opens one for coding."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="transcripts.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="transcripts.clear"),
        Binding("b", "codebook", "Codebook", id="transcripts.codebook"),
        Binding("m", "matrix", "Matrix", id="transcripts.matrix"),
        Binding("a", "agreement", "Agreement", id="transcripts.agreement"),
        Binding("R", "reconcile", "Reconcile", id="transcripts.reconcile"),
        Binding("s", "search", "Search all", id="transcripts.search"),
        Binding("r", "reload", "Reload", show=False, id="transcripts.reload"),
        Binding("M", "memos", "Memos", id="transcripts.memos"),
        Binding("S", "saturation", "Saturation", id="transcripts.saturation"),
        Binding("P", "pseudonymise", "Pseudonymise", show=False, id="transcripts.pseudonymise"),
        Binding("C", "speakers", "Speakers as cases", show=False, id="transcripts.speakers"),
        Binding("d", "default_codebook", "Load the default codebook", show=False, id="transcripts.default_codebook"),
    ]
    DEFAULT_CSS = """
    TranscriptsScreen #welcome { height: auto; padding: 1 2; border: round $accent; margin: 0 1; display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TranscriptListing] = []
        self.columns: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter: site, title, participant or role (fuzzy)", id="filter")
        yield Static("", id="welcome")
        yield DataTable(id="transcripts", cursor_type="row", zebra_stripes=True)
        yield Static("Loading transcripts…", id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.build_columns()
        self.query_one(DataTable).focus()

    def build_columns(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        room = self.app.size.width - 4
        columns = list(COLUMNS)
        for key in DROPPABLE:
            if sum(w + 2 for _, _, w in columns) + MIN_TITLE + 2 <= room:
                break
            columns = [c for c in columns if c[0] != key]
        self.columns = [key for key, _, _ in columns]
        title_width = max(MIN_TITLE, room - sum(w + 2 for _, _, w in columns) - 2)
        site_extra = min(14, max(0, title_width - 50))  # wide terminals: room for whole site names
        title_width -= site_extra
        self.title_width = title_width
        for key, heading, width in columns:
            width = width + site_extra if key == "site" else width
            table.add_column(heading, key=key, width=width or title_width)

    def on_resize(self) -> None:
        if self.rows:
            self.build_columns()
            self.apply_filter(self.query_one(Input).value)

    def on_screen_resume(self) -> None:
        """Also called when the screen first shows: (re)load the listing."""
        self.action_reload()

    def action_reload(self) -> None:
        self.load_rows()

    def server_state_changed(self) -> None:
        """The team server is back (or went away): list what it has now."""
        if not workbench_app(self).server_lost:
            self.load_rows()

    def load_rows(self) -> None:
        """Read the listing on a worker thread with its own connection: the rows first, then the
        share coded (the slow part on a large project) as soon as it is known."""

        def job(store: Store) -> dict[int, int]:
            post_from_thread(self, self.show_rows, list_transcripts(store, coded=False))
            return store.coded_lengths()

        run_in_thread(self, job, self.show_coded, group="transcripts")

    def show_coded(self, covered: dict[int, int]) -> None:
        self.rows = [
            replace(row, coded=round(covered.get(row.id, 0) / row.length, 4) if row.length else 0.0)
            for row in self.rows
        ]
        self.apply_filter(self.query_one(Input).value)

    def show_rows(self, rows: list[TranscriptListing]) -> None:
        self.rows = rows
        self.apply_filter(self.query_one(Input).value)
        self.show_welcome()

    def show_welcome(self) -> None:
        """On a project without transcripts or codebook: how to start on your own data."""
        has_codes = bool(workbench_app(self).store.codes(counts=False))
        lines = []
        if not self.rows:
            lines += [
                "[b]No transcripts yet.[/b] Import them from a shell (files or whole folders; .txt .md .docx "
                ".odt .vtt .srt and Whisper .json):",
                f"  workbench import INTERVIEWS/ --project {workbench_app(self).project}",
                "  (--metadata FILE.csv adds sites, participants and roles), then press r here.",
            ]
        if not has_codes:
            lines += [
                "[b]No codebook yet.[/b] Load one from a shell:",
                f"  workbench codebook import CODEBOOK.yaml --project {workbench_app(self).project}",
                "press [b]d[/b] to load the default codebook (partnerships between health care "
                "organizations), or make codes as you code (c, then type Theme/Name).",
            ]
        welcome = self.query_one("#welcome", Static)
        welcome.update("\n".join(lines))
        welcome.display = bool(lines)

    def action_default_codebook(self) -> None:
        if workbench_app(self).store.codes(counts=False):
            self.notify("This project has a codebook already; load others with `workbench codebook import`.", timeout=4)
            return
        from workbench.codebook import load_codebook
        from workbench.errors import WorkbenchError
        from workbench.project import apply_codebook
        from workbench.sample import sample_files

        try:
            changes = apply_codebook(
                workbench_app(self).store, load_codebook(sample_files().codebook), coder=workbench_app(self).coder
            )
        except WorkbenchError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Loaded the default codebook: {plural(len(changes.added), 'code')}. b shows it.", timeout=4)
        self.show_welcome()

    def apply_filter(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        query = query.strip().lower()
        shown = 0
        previous_site = None
        titles = distinct_titles(self.rows, getattr(self, "title_width", 30))
        for row in self.rows:
            haystack = " ".join(str(getattr(row, k) or "") for k in ("site", "title", "participant", "role")).lower()
            if query and query not in haystack and fuzz.partial_ratio(query, haystack) < 75:
                continue
            site = row.site or "(no site)"
            # Grouped by site: the site's name heads its group.
            cells = {
                "site": site if site != previous_site else "",
                "participant": row.participant or "",
                "role": row.role or "",
                "title": titles[row.id],
                "format": row.format,
                "words": f"{row.words:,}",
                "segments": str(row.segments),
                "coded": share(row.coded) if row.coded is not None else "…",
            }
            # Text cells skip the markup parsing DataTable applies to plain strings.
            table.add_row(
                *(Text(cells[key], no_wrap=True, overflow="ellipsis") for key in self.columns), key=str(row.id)
            )
            previous_site = site
            shown += 1
        sites = len({r.site for r in self.rows})
        self.base_status = (
            f"{shown} of {plural(len(self.rows), 'transcript')} · {plural(sites, 'site')} · "
            "Enter opens a transcript · ? lists the keys"
        )
        self.query_one("#status", Static).update(self.base_status)

    @on(DataTable.RowHighlighted)
    def name_transcript(self, event: DataTable.RowHighlighted) -> None:
        """The transcript's own id and file, which the commands also accept."""
        row = next((r for r in self.rows if str(r.id) == event.row_key.value), None)
        if row is not None:
            self.query_one("#status", Static).update(
                Text(
                    f"#{row.id} {row.source_name or row.title} · {getattr(self, 'base_status', '')}",
                    no_wrap=True,
                    overflow="ellipsis",
                )
            )

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one(Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""
        self.query_one(DataTable).focus()

    def action_codebook(self) -> None:
        from workbench.tui.screens.codebook import CodebookScreen

        self.app.push_screen(CodebookScreen())

    def action_search(self) -> None:
        from workbench.tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen())

    def action_reconcile(self) -> None:
        from workbench.tui.screens.reconcile import ReconcileScreen

        self.app.push_screen(ReconcileScreen())

    def action_agreement(self) -> None:
        from workbench.tui.screens.agreement import AgreementScreen

        self.app.push_screen(AgreementScreen())

    def action_matrix(self) -> None:
        from workbench.tui.screens.matrix import MatrixScreen

        self.app.push_screen(MatrixScreen())

    def action_memos(self) -> None:
        from workbench.tui.screens.memos import MemoListScreen

        self.app.push_screen(MemoListScreen())

    def action_speakers(self) -> None:
        from workbench.tui.screens.speakers import SpeakersScreen

        self.app.push_screen(SpeakersScreen())

    def action_pseudonymise(self) -> None:
        from workbench.tui.screens.pseudonymise import PseudonymiseScreen

        self.app.push_screen(PseudonymiseScreen())

    def action_saturation(self) -> None:
        from workbench.tui.screens.saturation import SaturationScreen

        self.app.push_screen(SaturationScreen())

    @on(DataTable.RowSelected)
    def open_transcript(self, event: DataTable.RowSelected) -> None:
        from workbench.tui.screens.reader import ReaderScreen

        if event.row_key.value is not None:
            self.app.push_screen(ReaderScreen(int(event.row_key.value)))
