"""Importing a REFI-QDA project (.qdpx): the reader (:mod:`workbench.refi.reader`) returns the
project as data; this use case writes it, all or nothing, through the same steps as every other
import: the codebook through :func:`workbench.project.apply_codebook`, each text through
:func:`workbench.project.store_transcript`, each coded selection through
:func:`workbench.coding.add_segment`.

Importing the same file twice changes nothing: transcripts are matched by GUID (with the same
text) or by checksum, codes by GUID or path, segments by their place, memos by their text, links
by GUID or ends and relation.
"""

from __future__ import annotations

from pathlib import Path

from workbench.coding import add_segment
from workbench.models import ProjectImport, RefiLink, RefiProject
from workbench.codebook_import import apply_codebook
from workbench.transcript_import import store_transcript
from workbench.refi.codes import Repairs
from workbench.store import Store


def import_qdpx(store: Store, path: str | Path, *, coder: str | None = None) -> ProjectImport:
    """Import a .qdpx project: codes, users, cases, text sources and their coded selections,
    memos and links, in one transaction (a file that fails leaves nothing behind)."""
    from workbench.refi.reader import read_qdpx

    path = Path(path)
    project = read_qdpx(path)
    return write_project(store, project, path, coder=coder)


def write_project(store: Store, project: RefiProject, path: Path, *, coder: str | None = None) -> ProjectImport:
    """Write a project read from ``path`` into ``store``; returns the report, with every repair."""
    report = project.report
    repairs = Repairs(list(project.repairs))
    with store.transaction():
        if project.codebook is not None:
            applied = apply_codebook(store, project.codebook, coder=coder)
            for conflict in applied.conflicts:
                repairs.add(conflict)
        report.codes = project.code_guids
        if project.name and not store.get_meta("title"):
            store.set_meta("title", project.name)
        for user_guid, name in project.users.items():  # every user, also those who only wrote memos
            user_id = store.coder_id(name)
            if user_guid:
                store.set_guid("coders", user_id, user_guid)
        codes = store.codes()
        codes_by_guid = {c.guid: c.id for c in codes}
        by_path = {c.path.casefold(): c.id for c in codes}
        for book_path, spec in project.codebook.walk() if project.codebook is not None else []:
            if spec.guid and spec.guid not in codes_by_guid and book_path.casefold() in by_path:
                codes_by_guid[spec.guid] = by_path[book_path.casefold()]  # matched by path: the project's GUID
        segment_guids = set(store.guids("segments").values())
        site_of, people_of = _write_cases(store, project)
        transcript_of: dict[str, int] = {}
        for source in project.sources:
            existing = store.transcript_by_guid(source.guid)
            if existing and store.transcript_text(existing.id) != source.transcript.text:
                existing = None  # same GUID, other text: import it as a transcript of its own
            existing = existing or store.transcript_by_checksum(source.checksum)
            if existing:
                transcript_id = existing.id
            else:
                transcript_id = store_transcript(
                    store,
                    source.transcript,
                    title=source.title,
                    site_id=site_of.get(source.guid),
                    source_name=source.file,
                    checksum=source.checksum,
                    attributes={"imported_from": path.name},
                    participant_ids=people_of.get(source.guid, []),
                    guid=source.guid if store.transcript_by_guid(source.guid) is None else None,
                )
            transcript_of[source.guid] = transcript_id
            placed: set[int] = set()
            for coding in source.codings:
                code_id = codes_by_guid.get(coding.code_guid) if coding.code_guid else None
                if code_id is None:
                    source.report.skipped.append(
                        f"selection {coding.guid}: its code {coding.code_guid or '(none given)'} is not in the codebook"
                    )
                    continue
                coder_id = store.coder_id(coding.user)
                if store.find_segment(transcript_id, code_id, coder_id, coding.start, coding.end) is None:
                    segment = add_segment(
                        store,
                        transcript_id=transcript_id,
                        code_id=code_id,
                        coder=coding.user,
                        start=coding.start,
                        end=coding.end,
                        memo=coding.memo,
                        origin="imported",
                    )
                    if coding.guid and coding.guid in segment_guids:
                        repairs.add(
                            f"the selection GUID {coding.guid} is used more than once (or by a "
                            "segment already in the project): the later selection got a new GUID"
                        )
                    elif coding.guid:
                        store.set_guid("segments", segment.id, coding.guid)
                        segment_guids.add(coding.guid)
                source.report.codings_imported += 1
                placed.add(coding.selection)
            source.report.imported = len(placed)
        report.notes = _write_notes(store, project, transcript_of, repairs)
        import_links(store, project.links, repairs, coder=coder)
        store.audit(
            "import.refi",
            "project",
            None,
            coder=coder,
            after={
                "file": path.name,
                "origin": report.origin,
                "codes": report.codes,
                "sources": [s.name for s in report.sources],
                "repairs": repairs.notes,
            },
        )
    report.repairs = repairs.notes
    return report


def _write_cases(store: Store, project: RefiProject) -> tuple[dict[str | None, int], dict[str | None, list[int]]]:
    """Sites first, then participants (whose "site" variable may name one); returns, per source
    GUID, its site and its participants."""
    site_of: dict[str | None, int] = {}
    people_of: dict[str | None, list[int]] = {}
    for case in project.cases:
        if case.kind == "site":
            site = store.site_id(case.name, case.values)
            if case.guid:
                store.set_guid("sites", site, case.guid)
            for source in case.sources:
                site_of[source] = site
    for case in project.cases:
        if case.kind == "participant":
            values = dict(case.values)
            role = values.pop("role", None)
            site_name = values.pop("site", None)
            site_id = store.site_id(site_name) if site_name else None
            person = store.participant_id(case.name, role=role, site_id=site_id, attributes=values)
            if case.guid:
                store.set_guid("participants", person, case.guid)
            for source in case.sources:
                people_of.setdefault(source, []).append(person)
                if site_id and source not in site_of:
                    site_of[source] = site_id
    return site_of, people_of


def _write_notes(store: Store, project: RefiProject, transcript_of: dict[str, int], repairs: Repairs) -> int:
    """Notes become memos on what refers to them (the project, a code, a source); a note nothing
    refers to becomes a memo on the project. Returns how many memos were added."""
    targets: dict[str, tuple[str, int | None]] = {}
    for note_guid in project.project_note_guids:
        targets[note_guid] = ("project", None)
    for note_guid, code_guid in project.code_note_guids.items():
        row = store.code_by_guid(code_guid)
        if row is not None:
            targets[note_guid] = ("code", row.id)
    for source in project.sources:
        for note_guid in source.note_guids:
            targets[note_guid] = ("transcript", transcript_of[source.guid])
    added = unattached = 0
    for note in project.notes:
        target, target_id = targets.get(note.guid or "", ("project", None))
        if note.guid not in targets:
            unattached += 1
        if any(
            m.text == note.text
            for m in store.memos(target, target_id)
            if (target_id is not None or m.target_id is None)
        ):
            continue  # already here (the same file imported again)
        coder_id = store.coder_id(project.users[note.user]) if note.user in project.users else None
        memo_id = store.insert_memo(target, target_id, coder_id, note.text)
        if note.guid and not any(m.guid == note.guid for m in store.memos()):
            store.set_guid("memos", memo_id, note.guid)
        added += 1
    if unattached:
        repairs.add(
            f"{unattached} notes not attached to the project, a code or a source were kept as memos on the project"
        )
    return added


def import_links(store: Store, links: list[RefiLink], repairs: Repairs, *, coder: str | None = None) -> int:
    """Links whose two ends are codes, or two coded segments, of the project; others are reported.
    A link already in the project (same GUID or same ends and relation) is left alone."""
    added, skipped = 0, 0
    for link in links:
        if link.guid and store.link_by_guid(link.guid) is not None:
            continue
        ends: dict[str, int] = {}
        codes = [store.code_by_guid(g) if g else None for g in (link.origin, link.target)]
        if codes[0] and codes[1]:
            ends = {"source_code_id": codes[0].id, "target_code_id": codes[1].id}
        else:
            segs = [store.segment_id_by_guid(g) if g else None for g in (link.origin, link.target)]
            if segs[0] and segs[1]:
                ends = {"source_segment_id": segs[0], "target_segment_id": segs[1]}
        relation = " ".join(link.relation.split())[:60] or "is associated with"
        if not ends or len(set(ends.values())) < 2:
            skipped += 1
            continue
        if store.find_link(relation=relation, **ends) is not None:
            continue
        direction = link.direction if link.direction in ("OneWay", "Bidirectional", "Associative") else "Associative"
        store.insert_link(
            relation=relation, direction=direction, memo=link.memo, coder=coder, guid=link.guid or None, **ends
        )
        added += 1
    if skipped:
        repairs.add(f"{skipped} links between things other than two codes or two coded passages were not imported")
    return added
