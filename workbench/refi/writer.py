"""Writing REFI-QDA: a codebook (.qdc) and a project (.qdpx: project.qde plus sources/).

Codes keep their GUIDs, colours and hierarchy; the definition, when to use, when not to use and
example go into the Description with labels. Transcripts are text sources under
``sources/<guid>.txt`` (UTF-8, the stored text, so positions are code points as the standard
counts); segments are plain-text selections with one coding each and their coder as the user;
sites and participants are cases with their attributes as variables; memos are notes. Element
order and the empty-container rule of the standard are kept, and every GUID is stored in the
project so that exports are stable.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.models import Code, Memo, RefiSnapshot, Segment, Transcript
from workbench.refi.common import CODEBOOK_NS, PROJECT_NS, description_text
from workbench.textclean import xml_safe

VARIABLE_NAMESPACE = uuid.UUID("6b0d3a52-8c1f-4d43-9d7e-2c9e5a6f1b10")


def _namer(ns: str) -> Callable[[str], str]:
    """The qualified name of a tag in namespace ``ns``."""

    def q(tag: str) -> str:
        return f"{{{ns}}}{tag}"

    return q


def _iso(stamp: str | None) -> str | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def _codes_element(
    parent: ET.Element, ns: str, codes: Sequence[Code], notes: dict[int, list[str]] | None = None
) -> None:
    codes_el = ET.SubElement(parent, f"{{{ns}}}Codes")
    nodes: dict[int, ET.Element] = {}
    for code in codes:  # tree order: parents first
        attrs = {"guid": code.guid, "name": code.name, "isCodable": "true"}
        if code.colour:
            attrs["color"] = code.colour.upper()
        el = ET.SubElement(nodes.get(code.parent_id, codes_el) if code.parent_id else codes_el, f"{{{ns}}}Code", attrs)
        text = description_text(code)
        if text:
            ET.SubElement(el, f"{{{ns}}}Description").text = text
        for note in (notes or {}).get(code.id, []):  # memos on the code, after the Description
            ET.SubElement(el, f"{{{ns}}}NoteRef", {"targetGUID": note})
        nodes[code.id] = el
    # A Description must come before nested Codes: ElementTree keeps insertion order, and each
    # code's Description is added before any child is created.


def _xml_safe_tree(root: ET.Element) -> None:
    """Only XML-legal characters in every text and attribute (a project imported before control
    characters were refused may still hold some): each illegal one becomes U+FFFD."""
    for el in root.iter():
        if el.text:
            el.text = xml_safe(el.text)
        if el.tail:
            el.tail = xml_safe(el.tail)
        for key, value in el.attrib.items():
            el.attrib[key] = xml_safe(value)


def codebook_xml(codes: Sequence[Code]) -> bytes:
    """The project's codes (in tree order, as ``Store.codes`` lists them) as a .qdc document."""
    if not codes:
        raise WorkbenchError("the project has no codes to export.")
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": f"workbench {__version__}"})
    _codes_element(root, CODEBOOK_NS, codes)
    _xml_safe_tree(root)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def _note_name(memo: Memo, codes: Sequence[Code], transcripts: Sequence[Transcript]) -> str:
    """A readable title for a memo's Note: what it is about."""
    if memo.target == "code":
        path = next((c.path for c in codes if c.id == memo.target_id), None)
        return f"Memo on code {path}" if path else "Memo on a code"
    if memo.target == "transcript":
        title = next((t.title for t in transcripts if t.id == memo.target_id), None)
        return f"Memo on {title}" if title else "Memo on a transcript"
    if memo.target == "project":
        return "Memo on the project"
    return f"Memo on {memo.target}"


@dataclass(slots=True)
class ExportReport:
    path: Path
    sources: int
    codes: int
    selections: int
    users: int
    cases: int
    notes: int


def write_qdpx(project: RefiSnapshot, path: str | Path) -> ExportReport:
    """Write the whole project as a .qdpx archive (written to a temporary file, then moved)."""
    path = Path(path)
    ns = PROJECT_NS
    ET.register_namespace("", ns)
    q = _namer(ns)
    coders, coder_guids = project.coders, project.coder_guids
    codes = project.codes
    transcripts, transcript_guids = project.transcripts, project.transcript_guids
    segments, segment_guids = project.segments, project.segment_guids
    memos, memo_guids = project.memos, project.memo_guids
    first_user = coder_guids[coders[0].id] if coders else None
    root = ET.Element(
        q("Project"),
        {
            k: v
            for k, v in {
                "name": project.title or path.stem,
                "origin": f"workbench {__version__}",
                "creatingUserGUID": first_user,
                "creationDateTime": _iso(project.created_at),
            }.items()
            if v
        },
    )
    if coders:
        users = ET.SubElement(root, q("Users"))
        for coder in coders:
            ET.SubElement(users, q("User"), {"guid": coder_guids[coder.id], "name": coder.name})
    notes_for: dict[tuple[str, int | None], list[str]] = {}
    for memo in memos:
        notes_for.setdefault((memo.target, memo.target_id), []).append(memo_guids[memo.id])
    if codes:
        _codes_element(
            ET.SubElement(root, q("CodeBook")),
            ns,
            codes,
            {
                target_id: guids
                for (target, target_id), guids in notes_for.items()
                if target == "code" and target_id is not None
            },
        )
    # Variables and cases: sites and participants with their attributes.
    sites, site_guids = project.sites, project.site_guids
    participants, participant_guids = project.participants, project.participant_guids
    variables: dict[str, str] = {}
    for key in sorted(
        {k for s in sites for k in s.attributes} | {k for p in participants for k in p.attributes} | {"role", "site"}
    ):
        variables[key] = str(uuid.uuid5(VARIABLE_NAMESPACE, key))
    if variables and (sites or participants):
        variables_el = ET.SubElement(root, q("Variables"))
        for key, guid in variables.items():
            ET.SubElement(variables_el, q("Variable"), {"guid": guid, "name": key, "typeOfVariable": "Text"})
    links: dict[int, list[str]] = {}
    for link in project.transcript_participants:
        links.setdefault(link.transcript_id, []).append(link.label)
    by_site: dict[str, list[int]] = {}
    for t in transcripts:
        if t.site:
            by_site.setdefault(t.site, []).append(t.id)
    cases = 0
    if sites or participants:
        cases_el = ET.SubElement(root, q("Cases"))

        def case(guid: str, name: str, values: dict[str, Any], sources: list[int], description: str) -> None:
            el = ET.SubElement(cases_el, q("Case"), {"guid": guid, "name": name})
            ET.SubElement(el, q("Description")).text = description
            for key, value in values.items():
                if value in (None, ""):
                    continue
                vv = ET.SubElement(el, q("VariableValue"))
                ET.SubElement(vv, q("VariableRef"), {"targetGUID": variables[key]})
                ET.SubElement(vv, q("TextValue")).text = str(value)
            for source in sources:
                ET.SubElement(el, q("SourceRef"), {"targetGUID": transcript_guids[source]})

        for site in sites:
            case(site_guids[site.id], site.name, site.attributes, by_site.get(site.name, []), "site")
            cases += 1
        for person in participants:
            values = {"role": person.role, "site": person.site, **person.attributes}
            sources = [t for t, labels in links.items() if person.label in labels]
            case(participant_guids[person.id], person.label, values, sources, "participant")
            cases += 1
    if transcripts:
        sources_el = ET.SubElement(root, q("Sources"))
        by_transcript: dict[int, list[Segment]] = {}
        for segment in segments:
            by_transcript.setdefault(segment.transcript_id, []).append(segment)
        for t in transcripts:
            guid = transcript_guids[t.id]
            imported = _iso(t.imported_at)
            source = ET.SubElement(
                sources_el,
                q("TextSource"),
                {
                    "guid": guid,
                    "name": t.title,
                    "plainTextPath": f"internal://{guid}.txt",
                    **({"creationDateTime": imported} if imported else {}),
                },
            )
            for segment in by_transcript.get(t.id, []):
                user = coder_guids.get(next(c.id for c in coders if c.name == segment.coder))
                attrs = {
                    "guid": segment_guids[segment.id],
                    "name": " ".join(segment.text.split())[:80],
                    "startPosition": str(segment.start),
                    "endPosition": str(segment.end),
                    "creatingUser": user or "",
                }
                created = _iso(segment.created_at)
                if created:
                    attrs["creationDateTime"] = created
                selection = ET.SubElement(source, q("PlainTextSelection"), attrs)
                if segment.memo:
                    ET.SubElement(selection, q("Description")).text = segment.memo
                coding = ET.SubElement(
                    selection,
                    q("Coding"),
                    {
                        "guid": str(uuid.uuid5(uuid.UUID(segment_guids[segment.id]), "coding")),
                        "creatingUser": user or "",
                    },
                )
                ET.SubElement(coding, q("CodeRef"), {"targetGUID": segment.code_guid})
            for note in notes_for.get(("transcript", t.id), []):
                ET.SubElement(source, q("NoteRef"), {"targetGUID": note})
    if memos:
        notes_el = ET.SubElement(root, q("Notes"))
        for memo in memos:
            user = coder_guids.get(memo.coder_id) if memo.coder_id else None
            note_el = ET.SubElement(
                notes_el,
                q("Note"),
                {
                    k: v
                    for k, v in {
                        "guid": memo_guids[memo.id],
                        "name": _note_name(memo, codes, transcripts),
                        "creatingUser": user,
                        "creationDateTime": _iso(memo.created_at),
                    }.items()
                    if v
                },
            )
            ET.SubElement(note_el, q("PlainTextContent")).text = memo.text
    write_links(project, root, ns)
    description = project.codebook_description
    if description:
        ET.SubElement(root, q("Description")).text = description
    for note in notes_for.get(("project", None), []):  # memos on the project as a whole
        ET.SubElement(root, q("NoteRef"), {"targetGUID": note})
    _xml_safe_tree(root)
    ET.indent(root)
    xml = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".qdpx-", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", xml)
            for t in transcripts:
                archive.writestr(f"sources/{transcript_guids[t.id]}.txt", (project.text_of(t.id) or "").encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WorkbenchError(f"{path}: cannot be written ({exc.strerror}).") from exc
    return ExportReport(path, len(transcripts), len(codes), len(segments), len(coders), cases, len(memos))


def write_links(project: RefiSnapshot, root: ET.Element, ns: str) -> int:
    """Links between codes and between segments (``Project/Links``), with their memos as Notes
    (``Link/NoteRef``). Call after Notes would be written and before the Description: Notes are
    created (or extended) at the end, then Links, as the schema's order wants. Returns the count."""
    links = project.links
    if not links:
        return 0
    q = _namer(ns)
    code_guids, segment_guids = project.code_guids, project.segment_guids
    coder_guids = {c.name: project.coder_guids[c.id] for c in project.coders if c.id in project.coder_guids}
    memo_links = [link for link in links if link.memo]
    if memo_links:
        notes_el = root.find(q("Notes"))
        if notes_el is None:
            notes_el = ET.SubElement(root, q("Notes"))
        for link in memo_links:
            note = ET.SubElement(
                notes_el,
                q("Note"),
                {
                    k: v
                    for k, v in {
                        "guid": str(uuid.uuid5(uuid.UUID(link.guid), "memo")),
                        "name": f"Memo on link: {link.relation}",
                        "creatingUser": coder_guids.get(link.coder) if link.coder else None,
                        "creationDateTime": _iso(link.created_at),
                    }.items()
                    if v
                },
            )
            ET.SubElement(note, q("PlainTextContent")).text = link.memo
    links_el = ET.SubElement(root, q("Links"))
    for link in links:
        if link.source_code_id is not None and link.target_code_id is not None:
            origin, target = code_guids[link.source_code_id], code_guids[link.target_code_id]
        elif link.source_segment_id is not None and link.target_segment_id is not None:
            origin, target = segment_guids[link.source_segment_id], segment_guids[link.target_segment_id]
        else:  # the schema's CHECK allows neither
            raise WorkbenchError(f"Link {link.guid!r} joins neither two codes nor two segments.")
        el = ET.SubElement(
            links_el,
            q("Link"),
            {
                "guid": link.guid,
                "name": link.relation,
                "direction": link.direction,
                "originGUID": origin,
                "targetGUID": target,
            },
        )
        if link.memo:
            ET.SubElement(el, q("NoteRef"), {"targetGUID": str(uuid.uuid5(uuid.UUID(link.guid), "memo"))})
    return len(links)
