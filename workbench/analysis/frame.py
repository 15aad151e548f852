"""Which coded segments go into a table, and their context: the input of every count.

The counting itself is plain Python over streamed rows (a count-only table reads neither the
segments' text nor pandas); :func:`segments_frame` gives the same segments as a pandas frame
with all their context for exports that list them.

The rules every table shares:

- *Pooled* (no coder named) means every coder but the consensus (:mod:`workbench.coders`); the
  consensus is a choice of its own (``--consensus``).
- A code includes its sub-codes, by the codebook's tree (:mod:`workbench.codes`).
- A segment is credited to the participants whose speaker turns it covers (:mod:`workbench.cases`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.coders import CONSENSUS, pooled_coders
from workbench.errors import WorkbenchError
from workbench.models import Code, Transcript
from workbench.store import Store

if TYPE_CHECKING:
    import pandas as pd

    from workbench.analysis.attribution import Attribution

BASE_DIMENSIONS = ("site", "participant", "role", "transcript", "coder")
NONE = "(none)"


@dataclass(slots=True)
class Selection:
    """Which coding goes into a table: coders (None = all coders pooled, the consensus apart),
    the consensus (``origin="consensus"``), and filters."""

    coders: list[str] | None = None
    codes: list[str] | None = None  # codes (paths or unique names); a code includes its sub-codes
    sites: list[str] | None = None
    roles: list[str] | None = None
    origin: str | None = None  # "consensus": the consensus coding

    def describe(self) -> str:
        if self.coders:
            parts = [f"coders: {', '.join(self.coders)}"]
        elif self.origin == CONSENSUS:
            parts = ["consensus coding"]
        else:
            parts = ["all coders pooled, consensus apart"]
        for label, values in (("codes", self.codes), ("sites", self.sites), ("roles", self.roles)):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.origin and self.origin != CONSENSUS:
            parts.append(f"origin: {self.origin}")
        return "; ".join(parts)


@dataclass(slots=True)
class Context:
    """The project's universe: every site, participant, role, transcript and code, so that tables
    show empty rows and columns (a site that never raises a theme is a finding)."""

    codes: list[Code]
    transcripts: list[Transcript]
    participants_by_transcript: dict[int, list[str]] = field(default_factory=dict)
    site_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    participant_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    participant_roles: dict[str, str | None] = field(default_factory=dict)
    coders: dict[int, str] = field(default_factory=dict)
    attribution: Attribution | None = None


def load_context(store: Store) -> Context:
    transcripts = store.transcripts()
    participants = store.participants()
    by_transcript: dict[int, list[str]] = {}
    for row in store.transcript_participant_links():
        by_transcript.setdefault(row.transcript_id, []).append(row.label)
    return Context(
        codes=store.codes(counts=False),
        transcripts=transcripts,
        participants_by_transcript=by_transcript,
        site_attributes={s.name: s.attributes for s in store.sites()},
        participant_attributes={p.label: p.attributes for p in participants},
        participant_roles={p.label: p.role for p in participants},
        # the coders who have coded: a team database lists its members (the lead too) before they code
        coders={c.id: c.name for c in store.coders() if c.segments},
    )


def attribution(store: Store, context: Context) -> Attribution:
    """Who each segment is credited to (loaded once per context: the turns and speakers)."""
    if context.attribution is None:
        from workbench.analysis.attribution import Attribution

        context.attribution = Attribution(store.turn_spans(), store.speaker_map(), context.participants_by_transcript)
    return context.attribution


@dataclass(slots=True)
class Chosen:
    """A selection resolved against the project: ids to read, and the role filter."""

    coder_ids: list[int] | None
    code_ids: list[int] | None
    transcript_ids: list[int] | None
    origin: str | None
    roles: set[str] | None


def resolve(store: Store, selection: Selection, context: Context) -> Chosen:
    """Coders, codes and sites by id; unknown names are errors, never an empty table."""
    from workbench.codes import codes_within

    names = {name: i for i, name in context.coders.items()}
    coder_ids: list[int] | None
    if selection.coders and selection.origin == CONSENSUS:
        raise WorkbenchError(
            "choose either coders or the consensus, not both.",
            hint="Compare them with --rows coder --coder A --coder consensus.",
        )
    if selection.coders:
        missing = [c for c in selection.coders if c not in names]
        if missing:
            raise WorkbenchError(
                f"no coder {', '.join(missing)} in this project.",
                hint="Coders here: " + (", ".join(sorted(names)) or "none") + ".",
            )
        coder_ids = [names[c] for c in selection.coders]
        origin = selection.origin
    elif selection.origin == CONSENSUS:
        coder_ids, origin = [names[CONSENSUS]] if CONSENSUS in names else [], None
    else:
        coder_ids = [names[c] for c in pooled_coders(names)] if CONSENSUS in names else None
        origin = selection.origin
    code_ids = None
    if selection.codes:
        from workbench.codes import find_code

        roots = [find_code(context.codes, ref).id for ref in selection.codes]
        code_ids = codes_within(context.codes, roots)
    transcript_ids = None
    if selection.sites:
        known = {t.site for t in context.transcripts}
        missing = [s for s in selection.sites if s not in known]
        if missing:
            raise WorkbenchError(
                f"no site {', '.join(missing)} in this project.",
                hint="Sites here: " + ", ".join(sorted(s for s in known if s)) + ".",
            )
        transcript_ids = [t.id for t in context.transcripts if t.site in selection.sites]
    return Chosen(coder_ids, code_ids, transcript_ids, origin, set(selection.roles) if selection.roles else None)


@dataclass(slots=True)
class Placed:
    """One selected segment with who it is credited to."""

    id: int
    transcript_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    participants: tuple[str, ...]
    detail: tuple[Any, ...] | None = None  # (text, memo, origin) when asked for


def placed_segments(
    store: Store, selection: Selection | None, context: Context, *, detail: bool = False, credit: bool = True
) -> Iterator[Placed]:
    """The selected segments, streamed, each with its participants (``credit``; a role filter
    keeps only the participants with that role, and drops segments left with none)."""
    chosen = resolve(store, selection or Selection(), context)
    need_credit = credit or chosen.roles is not None
    who = attribution(store, context) if need_credit else None
    roles = context.participant_roles
    for row in store.segment_keys(
        coder_ids=chosen.coder_ids,
        code_ids=chosen.code_ids,
        transcript_ids=chosen.transcript_ids,
        origin=chosen.origin,
        detail=detail,
    ):
        people = who.credit(row[1], row[4], row[5]) if who is not None else ()
        if chosen.roles is not None:
            people = tuple(p for p in people if roles.get(p) in chosen.roles)
            if not people:
                continue
        yield Placed(row[0], row[1], row[2], row[3], row[4], row[5], people, row[6:] if detail else None)


def segments_frame(store: Store, selection: Selection | None = None, context: Context | None = None) -> pd.DataFrame:
    """One row per coded segment and participant it is credited to (one row with participant
    None when it is credited to nobody), with code path, theme, site, role, coder, text, and the
    site and participant attributes (as ``site:NAME`` and ``participant:NAME`` columns)."""
    import pandas as pd

    context = context or load_context(store)
    return pd.DataFrame.from_records(frame_records(store, selection, context), columns=frame_columns(context))


def frame_columns(context: Context) -> list[str]:
    site_keys = sorted({k for attrs in context.site_attributes.values() for k in attrs})
    person_keys = sorted({k for attrs in context.participant_attributes.values() for k in attrs})
    return [
        "id",
        "transcript_id",
        "code_id",
        "coder_id",
        "start",
        "end",
        "text",
        "memo",
        "origin",
        "transcript",
        "site",
        "coder",
        "code",
        "theme",
        "participant",
        "role",
        *[f"site:{k}" for k in site_keys],
        *[f"participant:{k}" for k in person_keys],
    ]


def record_start(seg: Placed, transcript: Transcript, path: str, context: Context) -> tuple[Any, ...]:
    """The columns every record of a segment starts with, up to the theme (see frame_columns)."""
    assert seg.detail is not None  # the segments are placed with their detail for the records
    return (
        seg.id,
        seg.transcript_id,
        seg.code_id,
        seg.coder_id,
        seg.start,
        seg.end,
        *seg.detail,
        transcript.title,
        transcript.site,
        context.coders.get(seg.coder_id),
        path,
        path.split("/")[0],
    )


def frame_records(store: Store, selection: Selection | None, context: Context) -> list[tuple[Any, ...]]:
    columns = frame_columns(context)
    site_keys = [c[5:] for c in columns if c.startswith("site:")]
    person_keys = [c[12:] for c in columns if c.startswith("participant:")]
    info = {t.id: t for t in context.transcripts}
    paths = {c.id: c.path for c in context.codes}
    out: list[tuple[Any, ...]] = []
    for seg in placed_segments(store, selection, context, detail=True):
        assert seg.detail is not None  # asked for
        transcript = info[seg.transcript_id]
        site = transcript.site
        base = record_start(seg, transcript, paths[seg.code_id], context)
        site_attrs = context.site_attributes.get(site, {}) if site else {}
        for person in seg.participants or (None,):
            attrs = context.participant_attributes.get(person, {}) if person else {}
            out.append(
                (
                    *base,
                    person,
                    context.participant_roles.get(person) if person else None,
                    *[site_attrs.get(k) for k in site_keys],
                    *[attrs.get(k) for k in person_keys],
                )
            )
    return out
