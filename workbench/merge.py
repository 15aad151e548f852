"""Merging another coder's project file into this one.

Transcripts are matched by content checksum, codes by GUID and then by path, coders by name; each
segment keeps its coder. What this project lacks is copied in; what it has is left alone, so
merging the same file twice changes nothing. Conflicts (a code renamed differently on each side, a
transcript whose text changed) are reported and never resolved silently: the conflicting
transcript's segments are not merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.codetree import refuse_store_cycles
from workbench.errors import ProjectError
from workbench.store import Store


@dataclass(slots=True)
class MergeReport:
    transcripts_added: int = 0
    codes_added: int = 0
    coders_added: int = 0
    segments_added: int = 0
    segments_already: int = 0
    memos_added: int = 0
    conflicts: list[str] = field(default_factory=list)


def merge_project(store: Store, other_path: str | Path, *, coder: str | None = None) -> MergeReport:
    other_path = Path(other_path)
    if other_path.resolve() == store.path.resolve():
        raise ProjectError("a project cannot be merged into itself.")
    other = Store.open_other(other_path)  # read-only: nothing is written beside the other project
    report = MergeReport()
    try:
        refuse_store_cycles(other, str(other_path))
        refuse_store_cycles(store, "this project")
        with store.transaction():
            code_map = _merge_codes(store, other, report, coder)
            refuse_store_cycles(store, "the merge")  # rolls back
            transcript_map = _merge_transcripts(store, other, report)
            known_coders = {c.name for c in store.coders()}
            for segment in other.segments():
                transcript_id = transcript_map.get(segment.transcript_id)
                code_id = code_map.get(segment.code_id)
                if transcript_id is None or code_id is None:
                    continue
                if segment.coder not in known_coders:
                    known_coders.add(segment.coder)
                    report.coders_added += 1
                coder_id = store.coder_id(segment.coder)
                if store.find_segment(transcript_id, code_id, coder_id, segment.start, segment.end) is not None:
                    report.segments_already += 1
                    continue
                store.insert_segment(
                    transcript_id=transcript_id,
                    code_id=code_id,
                    coder_id=coder_id,
                    start=segment.start,
                    end=segment.end,
                    text=segment.text,
                    memo=segment.memo,
                    origin=segment.origin,
                )
                report.segments_added += 1
            for memo in other.memos():
                target = memo.target_id
                if memo.target == "transcript":
                    target = transcript_map.get(target) if target is not None else None
                elif memo.target == "code":
                    target = code_map.get(target) if target is not None else None
                if memo.target != "project" and target is None:
                    continue
                same = [m for m in store.memos(memo.target, target) if m.text == memo.text]
                if not same:
                    store.insert_memo(
                        memo.target, target, store.coder_id(memo.coder) if memo.coder else None, memo.text
                    )
                    report.memos_added += 1
            store.audit(
                "merge",
                "project",
                None,
                coder=coder,
                after={
                    "from": str(other_path),
                    "transcripts_added": report.transcripts_added,
                    "codes_added": report.codes_added,
                    "segments_added": report.segments_added,
                    "conflicts": report.conflicts,
                },
            )
    finally:
        other.close()
    return report


_DEFINITION_FIELDS = (
    ("definition", "definition"),
    ("when_to_use", "when to use"),
    ("when_not_to_use", "when not to use"),
    ("example", "example"),
)


def _merge_codes(store: Store, other: Store, report: MergeReport, coder: str | None) -> dict[int, int]:
    mine = store.codes()
    by_guid = {c.guid: c for c in mine}
    by_path = {c.path.casefold(): c for c in mine}
    mapping: dict[int, int] = {}
    for code in other.codes():  # parents come before their children
        match = by_guid.get(code.guid)
        if match is not None and match.path.casefold() != code.path.casefold():
            report.conflicts.append(
                f"code {code.path!r} is {match.path!r} here (same GUID, renamed or moved "
                f"differently); its segments are merged into {match.path!r}."
            )
        match = match or by_path.get(code.path.casefold())
        if match is not None:
            mapping[code.id] = match.id
            differing = [
                label
                for key, label in _DEFINITION_FIELDS
                if (getattr(code, key) or "").strip() != (getattr(match, key) or "").strip()
            ]
            if differing:
                report.conflicts.append(
                    f"code {match.path!r} has a different {', '.join(differing)} in {other.path.name}; this "
                    "project's wording was kept (compare them with `workbench codebook show`, then reword)."
                )
            continue
        parent_id = mapping.get(code.parent_id) if code.parent_id else None
        new_id = store.insert_code(
            name=code.name,
            parent_id=parent_id,
            guid=code.guid,
            position=code.position,
            **{
                k: getattr(code, k)
                for k in ("definition", "when_to_use", "when_not_to_use", "example", "colour", "keywords", "patterns")
            },
        )
        store.audit("code.add", "code", new_id, coder=coder, after={"path": code.path, "merged_from": str(other.path)})
        mapping[code.id] = new_id
        report.codes_added += 1
    return mapping


def _merge_transcripts(store: Store, other: Store, report: MergeReport) -> dict[int, int]:
    mapping: dict[int, int] = {}
    participants = {p.label: p for p in other.participants()}
    links: dict[int, list[str]] = {}
    for link in other.transcript_participant_links():
        links.setdefault(link.transcript_id, []).append(link.label)
    sites = {s.name: s.attributes for s in other.sites()}
    for row in other.transcripts():
        same = store.transcript_by_checksum(row.checksum)
        if same is not None:
            mapping[row.id] = same.id
            continue
        site_id = store.site_id(row.site, sites.get(row.site)) if row.site else None
        changed = store.transcript_by_source(row.source_name, site_id)
        if changed is not None:
            report.conflicts.append(
                f"transcript {row.title!r} ({row.source_name}) has different text in the two projects; "
                "its segments were not merged. Re-import one version in both projects, then merge again."
            )
            continue
        full = other.transcript(row.id)
        participant_ids = [
            store.participant_id(
                label, role=participants[label].role, site_id=site_id, attributes=participants[label].attributes
            )
            for label in links.get(row.id, [])
        ]
        new_id = store.insert_transcript(
            title=row.title,
            site_id=site_id,
            date=row.date,
            interviewer=row.interviewer,
            source_name=row.source_name,
            format=row.format,
            checksum=row.checksum,
            text=full.text if full and full.text else "",
            attributes=row.attributes,
            participant_ids=participant_ids,
            turns=[(t.speaker, t.start, t.end, t.start_time, t.end_time) for t in other.turns(row.id)],
            guid=row.guid if store.transcript_by_guid(row.guid) is None else None,
        )
        mapping[row.id] = new_id
        report.transcripts_added += 1
    return mapping
