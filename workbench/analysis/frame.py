"""Coded segments as one pandas frame with all their context: the input of every table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError
from workbench.store import Store

if TYPE_CHECKING:
    import pandas as pd

BASE_DIMENSIONS = ("site", "participant", "role", "transcript", "coder")


@dataclass(slots=True)
class Selection:
    """Which coding goes into a table: coders (None = all pooled), and filters."""

    coders: list[str] | None = None
    codes: list[str] | None = None  # code paths; a code includes its sub-codes
    sites: list[str] | None = None
    roles: list[str] | None = None
    origin: str | None = None  # e.g. "consensus"

    def describe(self) -> str:
        parts = [f"coders: {', '.join(self.coders)}" if self.coders else "all coders pooled"]
        for label, values in (("codes", self.codes), ("sites", self.sites), ("roles", self.roles)):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        if self.origin:
            parts.append(f"origin: {self.origin}")
        return "; ".join(parts)


@dataclass(slots=True)
class Context:
    """The project's universe: every site, participant, role, transcript and code, so that tables
    show empty rows and columns (a site that never raises a theme is a finding)."""

    codes: list[dict[str, Any]]
    transcripts: list[dict[str, Any]]
    participants_by_transcript: dict[int, list[str]] = field(default_factory=dict)
    site_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    participant_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    participant_roles: dict[str, str | None] = field(default_factory=dict)


def load_context(store: Store) -> Context:
    transcripts = store.transcripts()
    participants = store.participants()
    by_transcript: dict[int, list[str]] = {}
    for row in store.transcript_participant_links():
        by_transcript.setdefault(row["transcript_id"], []).append(row["label"])
    return Context(
        codes=store.codes(counts=False),
        transcripts=transcripts,
        participants_by_transcript=by_transcript,
        site_attributes={s["name"]: json.loads(s["attributes"]) for s in store.sites()},
        participant_attributes={p["label"]: json.loads(p["attributes"]) for p in participants},
        participant_roles={p["label"]: p["role"] for p in participants},
    )


def segments_frame(store: Store, selection: Selection | None = None, context: Context | None = None) -> "pd.DataFrame":
    """One row per coded segment, with code path, theme, site, participant, role, coder and the
    site and participant attributes (as ``site:NAME`` and ``participant:NAME`` columns)."""
    import pandas as pd

    selection = selection or Selection()
    context = context or load_context(store)
    paths = {c["id"]: c["path"] for c in context.codes}
    columns, rows = store.segment_rows()
    frame = pd.DataFrame.from_records(rows, columns=columns)
    if frame.empty:
        frame = pd.DataFrame(columns=[*columns, "transcript", "site", "coder", "code", "theme", "participant", "role"])
    else:
        first = {t: labels[0] for t, labels in context.participants_by_transcript.items() if labels}
        frame["transcript"] = frame["transcript_id"].map({t["id"]: t["title"] for t in context.transcripts})
        frame["site"] = frame["transcript_id"].map({t["id"]: t["site"] for t in context.transcripts})
        frame["coder"] = frame["coder_id"].map({c["id"]: c["name"] for c in store.coders()})
        frame["code"] = frame["code_id"].map(paths)
        frame["theme"] = frame["code_id"].map({c["id"]: c["path"].split("/")[0] for c in context.codes})
        frame["participant"] = frame["transcript_id"].map(first)
        frame["role"] = frame["participant"].map(context.participant_roles)
        for key in sorted({k for attrs in context.site_attributes.values() for k in attrs}):
            frame[f"site:{key}"] = frame["site"].map({s: a.get(key) for s, a in context.site_attributes.items()})
        for key in sorted({k for attrs in context.participant_attributes.values() for k in attrs}):
            frame[f"participant:{key}"] = frame["participant"].map(
                {p: a.get(key) for p, a in context.participant_attributes.items()})
    known_coders = set(frame["coder"].dropna()) if not frame.empty else set()
    if selection.coders:
        missing = [c for c in selection.coders if c not in known_coders]
        if missing and not frame.empty:
            raise WorkbenchError(f"no segments by {', '.join(missing)} in this project.",
                                 hint="Coders here: " + ", ".join(sorted(known_coders)) + ".")
        frame = frame[frame["coder"].isin(selection.coders)]
    if selection.origin:
        frame = frame[frame["origin"] == selection.origin]
    if selection.codes:
        wanted = [c.strip("/").casefold() for c in selection.codes]
        keep = frame["code"].map(lambda p: any(p.casefold() == w or p.casefold().startswith(w + "/") for w in wanted))
        frame = frame[keep]
    if selection.sites:
        frame = frame[frame["site"].isin(selection.sites)]
    if selection.roles:
        frame = frame[frame["role"].isin(selection.roles)]
    return frame.reset_index(drop=True)
