"""The segments' frame as a matrix keeps it: one record per segment and participant, for each cell
the segment falls in (what an export of the matrix's segments writes)."""

from __future__ import annotations

from typing import Any

from workbench.analysis.columns import row_key
from workbench.analysis.frame import Context, Placed, record_start


class RecordBuilder:
    """Rows of the segments' frame: one per segment and participant, kept for the cells it falls in."""

    def __init__(self, context: Context, columns: list[str]) -> None:
        self.context = context
        self.info = {t.id: t for t in context.transcripts}
        self.paths = {c.id: c.path for c in context.codes}
        self.site_keys = [c[5:] for c in columns if c.startswith("site:")]
        self.person_keys = [c[12:] for c in columns if c.startswith("participant:")]

    def records(self, seg: Placed, rows: tuple[str, ...], dimension: str) -> list[tuple[tuple[Any, ...], str]]:
        context = self.context
        assert seg.detail is not None  # the segments are placed with their detail for the records
        transcript = self.info[seg.transcript_id]
        site, path = transcript.site, self.paths[seg.code_id]
        base = record_start(seg, transcript, path, context)
        site_attrs = context.site_attributes.get(site, {}) if site else {}
        people = seg.participants or (None,)
        per_person = dimension in ("participant", "role") or dimension.startswith("participant:")
        out = []
        person: str | None
        for row in rows:
            # Under participant rows, each row's record names its participant; otherwise one record
            # names the segment's participants together.
            if per_person:
                person_rows: list[str | None] = [
                    p for p in people if p is not None and _person_row(dimension, p, context) == row
                ] or [None]
                person = person_rows[0]
                label = ", ".join(p for p in person_rows if p) or None
            else:
                person = people[0]
                label = ", ".join(p for p in people if p) or None
            attrs = context.participant_attributes.get(person, {}) if person else {}
            out.append(
                (
                    (
                        *base,
                        label,
                        context.participant_roles.get(person) if person else None,
                        *[site_attrs.get(k) for k in self.site_keys],
                        *[attrs.get(k) for k in self.person_keys],
                    ),
                    row,
                )
            )
        return out


def _person_row(dimension: str, person: str, context: Context) -> str:
    if dimension == "participant":
        return row_key(person)
    if dimension == "role":
        return row_key(context.participant_roles.get(person))
    return row_key(context.participant_attributes.get(person, {}).get(dimension[12:]))
