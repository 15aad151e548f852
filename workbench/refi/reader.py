"""Reading REFI-QDA codebooks (.qdc) and projects (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette, qc and the workbench itself.

Liberal in what it accepts, and it says what it repaired: any namespace version, GUIDs in braces
or upper case, colours as rgb() or with alpha, hierarchy written into names (``a\\b``), sources
under ``Sources/`` or with bare file names, empty containers. Strict about safety: XML is parsed
with entity expansion, external entities and DTDs refused (defusedxml), archive members that
escape the archive, absurd sizes and decompression bombs are refused. The reader writes nothing:
it returns the project as records (``workbench.models.RefiProject``), and
``workbench.refi_import`` writes them, all or nothing, in one transaction.

Positions: the standard counts Unicode code points, but NVivo for Windows counts UTF-16 code
units and CRLF as two characters. For each source the reader tries code points and UTF-16 units,
with and without CRLF, and keeps the unit under which the selections fit the text best (in the
text, and starting and ending at word boundaries, or matching the selection's name where the tool
wrote the text there); selections that fit under no unit are reported, not imported.
"""

from __future__ import annotations

import hashlib
import posixpath
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from workbench.errors import InputError
from workbench.ingest.decode import decode
from workbench.ingest.plaintext import parse_turns
from workbench.models import (
    Codebook,
    CodeSpec,
    ParsedTranscript,
    ProjectImport,
    RefiCase,
    RefiCoding,
    RefiLink,
    RefiNote,
    RefiProject,
    RefiSource,
    SourceReport,
)
from workbench.refi.positions import _normalized_index, detect_unit
from workbench.refi.codes import Repairs, _code_specs
from workbench.refi.common import child, children, clean_guid, local, new_guid, parse_xml
from workbench.textclean import clean_line, clean_text, has_controls

MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200


# -- projects -------------------------------------------------------------------------------------


def _safe_members(archive: zipfile.ZipFile, path: Path) -> dict[str, zipfile.ZipInfo]:
    size = path.stat().st_size
    total = 0
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        parts = [p for p in name.split("/") if p]
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise InputError(f"the archive member {info.filename!r} points outside the archive; refused.", path=path)
        if info.file_size > MAX_MEMBER_BYTES:
            raise InputError(
                f"the archive member {info.filename!r} is {info.file_size / 1e6:.0f} MB; refused.", path=path
            )
        total += info.file_size
        members[posixpath.normpath(name).lower()] = info
    if total > MAX_ARCHIVE_BYTES or total > MAX_RATIO * max(size, 1) + 10_000_000:
        raise InputError(
            f"the archive would unpack to {total / 1e6:.0f} MB; refused as a likely decompression bomb.", path=path
        )
    return members


def _find_member(members: dict[str, zipfile.ZipInfo], reference: str, repairs: Repairs) -> zipfile.ZipInfo | None:
    ref = reference.strip()
    bare = ref.split("://", 1)[-1] if "://" in ref else ref
    if "://" not in ref:
        repairs.add(f"source paths without internal:// (e.g. {reference!r}) were looked up in sources/")
    base = posixpath.basename(bare.replace("\\", "/")).lower()
    for key in (f"sources/{base}", base):
        if key in members:
            return members[key]
    return next((info for key, info in members.items() if posixpath.basename(key) == base), None)


def read_qdpx(path: str | Path) -> RefiProject:
    """A .qdpx project as data: codes, users, text sources with their coded selections, cases,
    notes and links, with what was repaired. Nothing is written: :mod:`workbench.refi_import`
    writes it into a project."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file.", path=path)
    if not zipfile.is_zipfile(path):
        raise InputError("this is not a .qdpx file (it is not a ZIP archive).", path=path)
    repairs = Repairs()
    with zipfile.ZipFile(path) as archive:
        members = _safe_members(archive, path)
        qde = next((info for key, info in members.items() if key.endswith(".qde") and "/" not in key), None)
        if qde is None:
            raise InputError("the archive has no project .qde file.", path=path)
        if qde.filename.lower() != "project.qde":
            repairs.add(f"the project file is named {qde.filename!r}, not project.qde")
        root = parse_xml(archive.read(qde), path)
        if local(root.tag) != "Project":
            raise InputError(f"the .qde's root is <{local(root.tag)}>, not <Project>.", path=path)
        report = ProjectImport(path, root.get("origin"))
        users = {
            clean_guid(u.get("guid")): (clean_line(u.get("name") or u.get("id") or "") or "unknown")
            for u in children(child(root, "Users") or Element("x"), "User")
        }
        report.users = len(users)
        codes_el = child(child(root, "CodeBook") or Element("x"), "Codes")
        code_guids: dict[str, str] = {}
        code_notes: dict[str, CodeSpec] = {}
        specs = _code_specs(codes_el, repairs, code_guids, path, code_notes) if codes_el is not None else []
        notes = _read_notes(archive, members, root, repairs)
        for container in ("Sets",):
            el = child(root, container)
            if el is not None and not len(el):
                repairs.add(f"an empty <{container}/> (invalid in the standard) was ignored")
        sources: list[RefiSource] = []
        sources_el = child(root, "Sources")
        for source in children(sources_el, "TextSource") if sources_el is not None else []:
            read = _read_source(archive, members, source, users, path, repairs, report)
            if read is not None:
                sources.append(read)
        cases = _read_cases(root)
        links = read_links(root)
        others = [local(s.tag) for s in (sources_el if sources_el is not None else []) if local(s.tag) != "TextSource"]
        if others:
            repairs.add(f"{len(others)} non-text sources ({', '.join(sorted(set(others)))}) were not imported")
    description = child(root, "Description")
    codebook = None
    if specs:
        codebook = Codebook(
            name=f"Codebook from {report.origin or path.stem}",
            codes=specs,
            description=clean_text(description.text or "").strip() or None if description is not None else None,
        )
    project_notes = [g for g in (clean_guid(ref.get("targetGUID")) for ref in children(root, "NoteRef")) if g]
    return RefiProject(
        report=report,
        name=clean_line(root.get("name") or "") or None,
        codebook=codebook,
        code_guids=len(code_guids),
        users=users,
        sources=sources,
        cases=cases,
        notes=notes,
        links=links,
        project_note_guids=project_notes,
        code_note_guids={note: spec.guid for note, spec in code_notes.items() if spec.guid},
        repairs=repairs.notes,
    )


def _read_notes(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], root: Element, repairs: Repairs
) -> list[RefiNote]:
    """The project's Notes (memos): GUID, author and text (inline or in a text file of the archive)."""
    out = []
    for note in children(child(root, "Notes") or Element("x"), "Note"):
        content = child(note, "PlainTextContent")
        text = content.text if content is not None else None
        if not text and note.get("plainTextPath"):
            info = _find_member(members, note.get("plainTextPath") or "", repairs)
            if info is not None:
                try:
                    text, _ = decode(archive.read(info), Path(info.filename))
                except InputError as exc:
                    repairs.add(f"the note {note.get('name')!r} could not be read ({exc.reason})")
        if not text or not text.strip():
            description = child(note, "Description")
            text = description.text if description is not None else None
        if not text or not text.strip():
            continue
        if has_controls(text):
            repairs.add("control characters in memos were removed")
        out.append(
            RefiNote(
                guid=clean_guid(note.get("guid")),
                user=clean_guid(note.get("creatingUser")),
                text=clean_text(text).strip("\n"),
            )
        )
    return out


def _read_cases(root: Element) -> list[RefiCase]:
    """Cases as sites or participants: a case described as "site" is a site; any other case is a
    participant (its variables become attributes; "role" and "site" fill those fields)."""
    variables = {
        clean_guid(v.get("guid")): v.get("name") or "variable"
        for v in children(child(root, "Variables") or Element("x"), "Variable")
    }
    out = []
    for case in children(child(root, "Cases") or Element("x"), "Case"):
        description = child(case, "Description")
        values: dict[str, Any] = {}
        for value in children(case, "VariableValue"):
            ref = child(value, "VariableRef")
            name = variables.get(clean_guid(ref.get("targetGUID")) if ref is not None else None)
            given = next((v.text for v in value if local(v.tag) != "VariableRef"), None)
            if name and given not in (None, ""):
                values[name] = given
        kind = (
            "site" if description is not None and (description.text or "").strip().lower() == "site" else "participant"
        )
        out.append(
            RefiCase(
                name=case.get("name") or case.get("guid") or "case",
                kind=kind,
                values=values,
                guid=clean_guid(case.get("guid")),
                sources=[clean_guid(r.get("targetGUID")) for r in children(case, "SourceRef")],
            )
        )
    return out


def _read_source(
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    source: Element,
    users: dict[str | None, str],
    path: Path,
    repairs: Repairs,
    report: ProjectImport,
) -> RefiSource | None:
    name = source.get("name") or source.get("guid") or "source"
    source_report = SourceReport(name)
    report.sources.append(source_report)
    content = child(source, "PlainTextContent")
    if content is not None and content.text:
        raw, file_name = content.text, f"{name}.txt"
    else:
        reference = source.get("plainTextPath")
        source_report.selections = len(children(source, "PlainTextSelection"))
        if not reference:
            source_report.skipped.append(
                f"no plain text (no plainTextPath or PlainTextContent); {source_report.selections} selections skipped"
            )
            return None
        info = _find_member(members, reference, repairs)
        if info is None:
            source_report.skipped.append(
                f"its text {reference!r} is not in the archive; {source_report.selections} selections skipped"
            )
            return None
        data = archive.read(info)
        file_name = posixpath.basename(info.filename)
        if len(data.strip(b"\xef\xbb\xbf \r\n\t")) <= 1:
            count = len(children(source, "PlainTextSelection"))
            source_report.selections = count
            source_report.skipped.append(f"its text file is empty ({len(data)} bytes); {count} selections skipped")
            return None
        try:
            raw, source_report.encoding = decode(data, Path(info.filename))
        except InputError as exc:
            source_report.skipped.append(f"{exc.reason} {source_report.selections} selections skipped")
            return None
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    elements = children(source, "PlainTextSelection")
    raw_selections = []
    for element in elements:
        try:
            start, end = int(element.get("startPosition", "")), int(element.get("endPosition", ""))
        except ValueError:
            source_report.skipped.append(f"selection {element.get('guid')}: positions are not numbers")
            continue
        raw_selections.append((start, end, element.get("name") or "", element))
    source_report.selections = len(elements)
    unit, positions, _ = detect_unit(raw, [(s, e, n) for s, e, n, _ in raw_selections])
    source_report.unit = unit
    text, to_stored = _normalized_index(raw)
    selections: list[RefiCoding] = []
    for number, (start, end, _, element) in enumerate(raw_selections):
        if not (0 <= start < end < len(positions)):
            source_report.skipped.append(
                f"selection {element.get('guid')} ({start}-{end}) lies outside the text under any unit"
            )
            continue
        a, b = to_stored[positions[start]], to_stored[positions[end]]
        if a is None or b is None:
            source_report.skipped.append(
                f"selection {element.get('guid')} ({start}-{end}) starts or ends inside a "
                "character that normalization joins (a letter and its accent); it "
                "cannot be placed exactly"
            )
            continue
        if b <= a:
            source_report.skipped.append(
                f"selection {element.get('guid')} ({start}-{end}) is empty once the text is normalized"
            )
            continue
        memo_el = child(element, "Description")
        codings = children(element, "Coding")
        if not codings:
            source_report.skipped.append(f"selection {element.get('guid')} carries no coding")
            continue
        source_report.codings += len(codings)
        for coding in codings:
            ref = child(coding, "CodeRef")
            user = users.get(clean_guid(coding.get("creatingUser") or element.get("creatingUser")))
            selections.append(
                RefiCoding(
                    selection=number,
                    guid=clean_guid(element.get("guid")) if len(codings) == 1 else None,
                    start=a,
                    end=b,
                    code_guid=clean_guid(ref.get("targetGUID")) if ref is not None else None,
                    user=user or "imported",
                    memo=clean_text(memo_el.text) if memo_el is not None and memo_el.text else None,
                )
            )
    return RefiSource(
        guid=clean_guid(source.get("guid")) or new_guid(),
        title=name,
        file=file_name,
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        transcript=ParsedTranscript(text=text, turns=parse_turns(text), format="refi"),
        codings=selections,
        report=source_report,
        note_guids=[g for g in (clean_guid(r.get("targetGUID")) for r in children(source, "NoteRef")) if g],
    )


def read_links(root: Element) -> list[RefiLink]:
    """``Project/Links``: name (the relation), direction, both ends' GUIDs and the memo from the
    Note a ``NoteRef`` points to."""
    notes: dict[str, str] = {}
    notes_el = child(root, "Notes")
    for note in children(notes_el, "Note") if notes_el is not None else []:
        content = child(note, "PlainTextContent")
        note_guid = clean_guid(note.get("guid"))
        if note_guid and content is not None and content.text:
            notes[note_guid] = content.text
    links_el = child(root, "Links")
    out = []
    for link in children(links_el, "Link") if links_el is not None else []:
        memos = [notes[g] for g in (clean_guid(r.get("targetGUID")) for r in children(link, "NoteRef")) if g in notes]
        out.append(
            RefiLink(
                guid=clean_guid(link.get("guid")),
                relation=(link.get("name") or "").strip(),
                direction=link.get("direction"),
                origin=clean_guid(link.get("originGUID")),
                target=clean_guid(link.get("targetGUID")),
                memo="\n\n".join(memos) or None,
            )
        )
    return out
