"""Relations: typed links between codes ("leads to", "contradicts", "part of", or the researcher's
own words) and between coded segments, each with an optional memo. Stored in the ``links`` table,
audited, and exchanged with other tools as REFI-QDA ``Links`` (name = the relation, direction
OneWay, Bidirectional or Associative, a ``NoteRef`` to the memo)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.errors import InputError, NotFoundError, WorkbenchError
from workbench.models import Link as StoredLink
from workbench.models import Segment
from workbench.store import Store

RELATIONS = {
    "leads to": "OneWay",
    "part of": "OneWay",
    "contradicts": "Bidirectional",
    "is associated with": "Associative",
}
DIRECTIONS = ("OneWay", "Bidirectional", "Associative")
MAX_RELATION = 60


@dataclass(slots=True)
class Link:
    id: int
    guid: str
    kind: str  # "code" or "segment"
    source_id: int
    target_id: int
    source: str  # a code path, or "segment N (participant: text…)"
    target: str
    relation: str
    direction: str
    memo: str | None
    coder: str | None
    created_at: str

    def sentence(self) -> str:
        arrow = {"OneWay": "→", "Bidirectional": "↔", "Associative": "—"}[self.direction]
        return f"{self.source} {arrow} {self.relation} {arrow} {self.target}"


def _segment_label(segment: Segment | None) -> str:
    if segment is None:
        return "a removed segment"
    text = " ".join(segment.text.split())
    return f"segment {segment.id} ({segment.participant or segment.transcript}: “{text[:40]}{'…' if len(text) > 40 else ''}”)"


def normalize_relation(relation: str) -> str:
    text = " ".join((relation or "").split())
    if not text:
        raise InputError("the relation is empty.", hint='E.g. "leads to", "contradicts", "part of", or your own words.')
    if len(text) > MAX_RELATION:
        raise InputError(
            f"the relation has {len(text)} characters; at most {MAX_RELATION}.",
            hint="Name the relation briefly; say more in --memo.",
        )
    return text


def add_link(
    store: Store,
    source: str | int,
    relation: str,
    target: str | int,
    *,
    segments: bool = False,
    memo: str | None = None,
    direction: str | None = None,
    coder: str | None = None,
) -> Link:
    """Link two codes (by path or name) or, with ``segments``, two segments (by id). Audited."""
    from workbench.coding import resolve_code

    relation = normalize_relation(relation)
    direction = direction or RELATIONS.get(relation.casefold(), "OneWay")
    if direction not in DIRECTIONS:
        raise WorkbenchError(f"unknown direction {direction!r}.", hint="Use " + ", ".join(DIRECTIONS) + ".")
    memo = (memo or "").strip() or None
    ends: dict[str, Any] = {}  # the two ends: code ids or segment ids
    if segments:
        for name, ref in (("source", source), ("target", target)):
            try:
                segment_id = int(ref)
            except (TypeError, ValueError):
                raise InputError(
                    f"{ref!r} is not a segment id.", hint="Segment ids are numbers: see `workbench segments`."
                ) from None
            if store.segment(segment_id) is None:
                raise NotFoundError(f"no segment {segment_id}.", hint="List segments with `workbench segments`.")
            ends[f"{name}_segment_id"] = segment_id
    else:
        for name, ref in (("source", source), ("target", target)):
            ends[f"{name}_code_id"] = resolve_code(store, str(ref)).id
    if list(ends.values())[0] == list(ends.values())[1]:
        raise WorkbenchError("a link needs two different ends.")
    with store.transaction():
        if store.find_link(relation=relation, **ends) is not None:
            raise WorkbenchError("this link exists already.", hint="See them with `workbench link list`.")
        link_id = store.insert_link(relation=relation, direction=direction, memo=memo, coder=coder, **ends)
        store.audit("link.add", "link", link_id, coder=coder, after=store.link(link_id))
    return next(link for link in list_links(store) if link.id == link_id)


def remove_link(store: Store, link_id: int, *, coder: str | None = None) -> StoredLink:
    with store.transaction():
        before = store.link(link_id)
        if before is None:
            raise NotFoundError(f"no link {link_id}.", hint="See them with `workbench link list`.")
        store.delete_link(link_id)
        store.audit("link.remove", "link", link_id, coder=coder, before=before)
    return before


def list_links(store: Store, *, code_id: int | None = None) -> list[Link]:
    """Every link (or those touching one code: links of the code itself and of its segments)."""
    codes = {c.id: c.path for c in store.codes(counts=False)}
    rows = store.links()
    segment_ids = {i for r in rows for i in (r.source_segment_id, r.target_segment_id) if i}
    segments = {i: store.segment(i) for i in segment_ids}  # only the linked ones: cheap on a large project
    out = []
    for row in rows:
        if row.source_code_id:
            kind, a, b = "code", row.source_code_id or 0, row.target_code_id or 0  # both set (a CHECK)
            source, target = codes.get(a, "?"), codes.get(b, "?")
            touches = code_id in (a, b)
        else:
            kind, a, b = "segment", row.source_segment_id or 0, row.target_segment_id or 0
            first, second = segments.get(a), segments.get(b)
            source, target = _segment_label(first), _segment_label(second)
            touches = code_id in (first.code_id if first else None, second.code_id if second else None)
        if code_id is not None and not touches:
            continue
        out.append(
            Link(
                id=row.id,
                guid=row.guid,
                kind=kind,
                source_id=a,
                target_id=b,
                source=source,
                target=target,
                relation=row.relation,
                direction=row.direction,
                memo=row.memo,
                coder=row.coder,
                created_at=row.created_at,
            )
        )
    return out
