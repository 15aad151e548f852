"""Reading REFI-QDA codebooks (.qdc) and projects (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder,
Taguette, qc and the workbench itself.

Liberal in what it accepts, and it says what it repaired: any namespace version, GUIDs in braces
or upper case, colours as rgb() or with alpha, hierarchy written into names (``a\\b``), sources
under ``Sources/`` or with bare file names, empty containers. Strict about safety: XML is parsed
with entity expansion, external entities and DTDs refused (defusedxml), archive members that
escape the archive, absurd sizes and decompression bombs are refused, and nothing is written
unless the whole file imports (one transaction).

Positions: the standard counts Unicode code points, but NVivo for Windows counts UTF-16 code
units and CRLF as two characters. For each source the reader tries code points and UTF-16 units,
with and without CRLF, and keeps the unit under which the selections fit the text best (in the
text, and starting and ending at word boundaries, or matching the selection's name where the tool
wrote the text there); selections that fit under no unit are reported, not imported.
"""

from __future__ import annotations

import hashlib
import posixpath
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from workbench.codetree import MAX_CODE_DEPTH, check_specs
from workbench.errors import InputError
from workbench.ingest.decode import decode, normalize
from workbench.ingest.plaintext import parse_turns
from workbench.models import Codebook, CodeSpec
from workbench.refi.common import clean_guid, local, new_guid, normalize_colour, parse_description
from workbench.store import Store
from workbench.textclean import clean_line, clean_text, has_controls

MAX_ARCHIVE_BYTES = 500 * 1024 * 1024
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200


def parse_xml(data: bytes, path: Path) -> Element:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InputError(f"the XML uses a DTD or entities, which are refused for safety ({type(exc).__name__}).",
                         path=path, hint="Export the file again from the tool that made it.") from exc
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(f"the XML is not well formed: {exc}.", path=path, line=line) from exc


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def child(element: Element, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None


# -- codebooks -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Repairs:
    notes: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)


def _code_specs(container: Element, repairs: Repairs, guids: dict[str, str], path: Path | None = None,
                code_notes: dict[str, CodeSpec] | None = None) -> list[CodeSpec]:
    """The codes under ``container``, iteratively (any depth is read without recursion; past
    :data:`MAX_CODE_DEPTH` levels the file is refused). A code that reuses an ancestor's GUID is
    refused; two other codes sharing a GUID are repaired (the second gets a new GUID) and reported."""
    roots: list[CodeSpec] = []
    levels: list[list[CodeSpec]] = [roots]
    stack: list[tuple[Element, list[CodeSpec], int, str]] = [(container, roots, 1, "")]
    while stack:
        holder, out, depth, prefix = stack.pop()
        names: dict[str, int] = {}
        for element in children(holder, "Code"):
            raw_guid = element.get("guid")
            guid = clean_guid(raw_guid)
            if guid is None:
                guid = new_guid()
                repairs.add(f"code {clean_line(element.get('name') or '')!r} had no valid GUID ({raw_guid!r}); "
                            "a new one was made")
            elif raw_guid != guid:
                repairs.add("GUIDs in braces or upper case were normalized")
            raw_name = element.get("name") or ""
            name = clean_line(raw_name) or "(unnamed code)"
            if has_controls(raw_name):
                repairs.add("control characters in code names were removed")
            if "/" in name:
                repairs.add(f"'/' in code names was replaced by '-' (e.g. {name!r})")
                name = name.replace("/", "-")
            key = name.casefold()
            if key in names:
                names[key] += 1
                repairs.add(f"two sibling codes named {name!r}: the second became {name} ({names[key]})")
                name = f"{name} ({names[key]})"
            else:
                names[key] = 1
            if depth > MAX_CODE_DEPTH:
                raise InputError(f"codes are nested more than {MAX_CODE_DEPTH} levels deep (at {name!r}); the "
                                 f"workbench accepts at most {MAX_CODE_DEPTH} levels.", path=path,
                                 hint="Flatten the hierarchy in the tool that made the file.")
            colour_raw = element.get("color")
            colour = normalize_colour(colour_raw)
            if colour_raw and colour and colour_raw.lower() != colour:
                repairs.add(f"colours such as {colour_raw!r} were converted to #rrggbb")
            description = child(element, "Description")
            text = description.text if description is not None else None
            if has_controls(text):
                repairs.add("control characters in code descriptions were removed")
            parts = parse_description(clean_text(text) if text else None)
            spec = CodeSpec(name=name, guid=guid, colour=colour, **parts)
            if code_notes is not None:
                for ref in children(element, "NoteRef"):
                    if clean_guid(ref.get("targetGUID")):
                        code_notes[clean_guid(ref.get("targetGUID"))] = spec
            out.append(spec)
            levels.append(spec.children)
            stack.append((element, spec.children, depth + 1, f"{prefix}{name}/"))
    for level in levels:  # Taguette's "a\b" names, at any level
        level[:] = _nest_backslash_names(level, repairs)

    def repair(spec: CodeSpec, guid: str, first: str, this: str) -> None:
        spec.guid = new_guid()
        repairs.add(f"the codes {first!r} and {this!r} shared the GUID {guid}: {this!r} got a new GUID "
                    f"(selections coded with {guid} go to {first!r})")

    check_specs(roots, path, on_duplicate=repair)
    for _, spec in _walk_specs(roots):
        guids[spec.guid] = spec.name
    return roots


def _walk_specs(specs: list[CodeSpec]) -> list[tuple[int, CodeSpec]]:
    """(depth, code) for every code, parents first, without recursion."""
    out: list[tuple[int, CodeSpec]] = []
    stack = [(1, spec) for spec in reversed(specs)]
    while stack:
        depth, spec = stack.pop()
        out.append((depth, spec))
        stack.extend((depth + 1, c) for c in reversed(spec.children))
    return out


def _nest_backslash_names(specs: list[CodeSpec], repairs: Repairs) -> list[CodeSpec]:
    """Taguette writes the hierarchy into names (``a\\b``): rebuild it."""
    if not any("\\" in s.name for s in specs):
        return specs
    repairs.add("a hierarchy written into code names ('a\\b') was rebuilt as nested codes")
    roots: list[CodeSpec] = []
    by_name: dict[tuple[int, str], CodeSpec] = {}
    for spec in specs:
        parts = [p.strip() for p in spec.name.split("\\") if p.strip()]
        level, parent_children = roots, None
        for depth, part in enumerate(parts):
            holder = id(parent_children) if parent_children is not None else 0
            existing = by_name.get((holder, part.casefold()))
            last = depth == len(parts) - 1
            if existing is None:
                node = spec if last else CodeSpec(name=part, guid=new_guid())
                node.name = part
                level.append(node)
                by_name[(holder, part.casefold())] = node
                existing = node
            elif last:
                existing.guid, existing.colour = spec.guid, spec.colour or existing.colour
                existing.definition = spec.definition or existing.definition
            parent_children = existing.children
            level = existing.children
    return roots


def read_codebook(path: str | Path) -> tuple[Codebook, list[str]]:
    """A .qdc file as a codebook, with the list of repairs made."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", path=path) from exc
    root = parse_xml(data, path)
    if local(root.tag) == "Project":
        book_el = child(root, "CodeBook")
    else:
        book_el = root if local(root.tag) == "CodeBook" else None
    if book_el is None or child(book_el, "Codes") is None:
        raise InputError("this is not a REFI-QDA codebook: no CodeBook with Codes.", path=path)
    repairs = Repairs()
    specs = _code_specs(child(book_el, "Codes"), repairs, {}, path)
    if not specs:
        raise InputError("the codebook has no codes.", path=path)
    sets = child(book_el, "Sets")
    if sets is not None and not len(sets):
        repairs.add("an empty <Sets/> (invalid in the standard) was ignored")
    return Codebook(name=root.get("origin") and f"Codebook from {root.get('origin')}" or path.stem, codes=specs), repairs.notes


# -- projects -------------------------------------------------------------------------------------


@dataclass(slots=True)
class SourceReport:
    """One text source: its selections (coded passages), how many were imported, and the codings
    (a selection can carry several codes, so codings may outnumber selections)."""
    name: str
    selections: int = 0
    imported: int = 0
    codings: int = 0
    codings_imported: int = 0
    unit: str = ""
    encoding: str = ""
    skipped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ProjectImport:
    path: Path
    origin: str | None
    codes: int = 0
    users: int = 0
    notes: int = 0
    sources: list[SourceReport] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)


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
            raise InputError(f"the archive member {info.filename!r} is {info.file_size / 1e6:.0f} MB; refused.", path=path)
        total += info.file_size
        members[posixpath.normpath(name).lower()] = info
    if total > MAX_ARCHIVE_BYTES or total > MAX_RATIO * max(size, 1) + 10_000_000:
        raise InputError(f"the archive would unpack to {total / 1e6:.0f} MB; refused as a likely decompression bomb.",
                         path=path)
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


UNITS = ("code points", "UTF-16 units", "code points, CRLF as two", "UTF-16 units, CRLF as two")


def _unit_maps(raw: str) -> dict[str, list[int]]:
    """For each way of counting, a map from position to code-point index in ``raw`` (BOM removed)."""
    maps: dict[str, list[int]] = {}
    lf = raw.replace("\r\n", "\n")
    cp_lf_to_raw: list[int] = []
    i = 0
    while i < len(raw):
        cp_lf_to_raw.append(i)
        i += 2 if raw.startswith("\r\n", i) else 1
    cp_lf_to_raw.append(len(raw))
    for unit, text, to_raw in (("code points", lf, cp_lf_to_raw), ("code points, CRLF as two", raw, None)):
        positions = list(range(len(text) + 1)) if to_raw is None else to_raw
        maps[unit] = positions
        utf16: list[int] = []
        for index, ch in enumerate(text):
            target = positions[index]
            utf16.append(target)
            if ord(ch) > 0xFFFF:
                utf16.append(target)  # the second unit of a surrogate pair: inside the character
        utf16.append(positions[len(text)])
        maps["UTF-16 units" + (", CRLF as two" if to_raw is None else "")] = utf16
    return maps


def _boundary_score(raw: str, start: int, end: int) -> float:
    if not 0 <= start < end <= len(raw):
        return 0.0
    before = raw[start - 1] if start > 0 else " "
    after = raw[end] if end < len(raw) else " "
    score = 0.5 * (not (before.isalnum() and raw[start].isalnum()))
    score += 0.5 * (not (raw[end - 1].isalnum() and after.isalnum()))
    return score


def detect_unit(raw: str, selections: list[tuple[int, int, str]]) -> tuple[str, list[int], float]:
    """The counting unit under which the selections fit ``raw`` best; returns (unit, map, score)."""
    best: tuple[str, list[int], float] = (UNITS[0], _unit_maps(raw)[UNITS[0]], -1.0)
    maps = _unit_maps(raw)
    for unit in UNITS:
        positions = maps[unit]
        score = 0.0
        for start, end, name in selections:
            if not (0 <= start < end < len(positions)):
                continue
            a, b = positions[start], positions[end]
            label = " ".join(name.split())
            if label and not label.startswith("line:") and len(label) > 3:
                score += 1.0 if " ".join(raw[a:b].split()).startswith(label[:40]) else 0.0
            else:
                score += _boundary_score(raw, a, b)
        score /= max(len(selections), 1)
        if score > best[2] + 1e-9:
            best = (unit, positions, score)
    return best


_MAX_CHUNK = 4096  # longer runs without a safe boundary are mapped at their ends only


def _safe_boundary(ch: str) -> bool:
    """Can a normalization chunk start at ``ch``? ASCII never composes with what precedes it; any
    other starter is checked afterwards (a few scripts have starters that compose)."""
    if ch < "\x80":
        return True
    return unicodedata.combining(ch) == 0 and not "\u1160" <= ch <= "\u11ff"


def _nfc_map(lf: str, chunk_at) -> tuple[str, list[int | None]] | None:  # noqa: ANN001
    pieces: list[str] = []
    mapping: list[int | None] = []
    out = 0
    start = 0
    n = len(lf)
    while start < n:
        end = start + 1
        while end < n and not chunk_at(lf[end]):
            end += 1
        chunk = lf[start:end]
        if unicodedata.is_normalized("NFC", chunk):
            mapping.extend(range(out, out + len(chunk)))
            pieces.append(chunk)
            out += len(chunk)
        else:
            full = unicodedata.normalize("NFC", chunk)
            mapping.append(out)
            for m in range(1, len(chunk)):
                if len(chunk) > _MAX_CHUNK:
                    mapping.append(None)
                    continue
                head = unicodedata.normalize("NFC", chunk[:m])
                exact = full.startswith(head) and unicodedata.normalize("NFC", chunk[m:]) == full[len(head):]
                mapping.append(out + len(head) if exact else None)
            pieces.append(full)
            out += len(full)
        start = end
    mapping.append(out)
    text = "".join(pieces)
    return (text, mapping) if text == unicodedata.normalize("NFC", lf) else None


def _normalized_index(raw: str) -> tuple[str, list[int | None]]:
    """The stored (normalized) text and a map from each position in ``raw`` to the same place in
    the stored text, through exactly the steps of :func:`normalize`: BOM removed, CRLF and CR to
    LF, NFC, control characters to spaces (one for one). A position inside a character that NFC
    composes (between a letter and its accent, between Hangul jamo) has no exact place: None."""
    text = normalize(raw)
    to_lf: list[int] = []
    lf_chars: list[str] = []
    i = 0
    if raw.startswith("\ufeff"):
        to_lf.append(0)
        i = 1
    while i < len(raw):
        to_lf.append(len(lf_chars))
        if raw[i] == "\r":
            lf_chars.append("\n")
            if raw.startswith("\r\n", i):
                to_lf.append(len(lf_chars) - 1)  # between CR and LF: the line break itself
                i += 2
                continue
        else:
            lf_chars.append(raw[i])
        i += 1
    to_lf.append(len(lf_chars))
    lf = "".join(lf_chars)
    mapped = _nfc_map(lf, _safe_boundary) or _nfc_map(lf, lambda ch: ch < "\x80")
    if mapped is None or len(mapped[0]) != len(text):  # cannot happen; refuse to guess if it does
        return text, [0] + [None] * (len(raw) - 1) + [len(text)] if raw else [0]
    nfc_of = mapped[1]
    return text, [nfc_of[k] for k in to_lf]


def import_qdpx(store: Store, path: str | Path, *, coder: str | None = None) -> ProjectImport:
    """Import a .qdpx project: codes, users, text sources and their coded selections."""
    from workbench.project import apply_codebook

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
        users = {clean_guid(u.get("guid")): (clean_line(u.get("name") or u.get("id") or "") or "unknown")
                 for u in children(child(root, "Users") or Element("x"), "User")}
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
        planned: list[dict[str, Any]] = []
        sources_el = child(root, "Sources")
        for source in children(sources_el, "TextSource") if sources_el is not None else []:
            planned.append(_read_source(archive, members, source, users, path, repairs, report))
        cases = _read_cases(root)
        links = read_links(root)
        others = [local(s.tag) for s in (sources_el if sources_el is not None else []) if local(s.tag) != "TextSource"]
        if others:
            repairs.add(f"{len(others)} non-text sources ({', '.join(sorted(set(others)))}) were not imported")
    description = child(root, "Description")
    with store.transaction():
        if specs:
            applied = apply_codebook(store, Codebook(name=f"Codebook from {report.origin or path.stem}", codes=specs,
                                           description=clean_text(description.text or "").strip() or None
                                           if description is not None else None), coder=coder)
            for conflict in applied.conflicts:
                repairs.add(conflict)
        report.codes = len(code_guids)
        if root.get("name") and not store.get_meta("title"):
            store.set_meta("title", clean_line(root.get("name") or ""))
        for user_guid, name in users.items():  # every user, also those who only wrote memos
            user_id = store.coder_id(name)
            if user_guid:
                store.set_guid("coders", user_id, user_guid)
        codes = store.codes()
        codes_by_guid = {c.guid: c.id for c in codes}
        by_path = {c.path.casefold(): c.id for c in codes}
        for book_path, spec in Codebook(name="", codes=specs).walk():
            if spec.guid and spec.guid not in codes_by_guid and book_path.casefold() in by_path:
                codes_by_guid[spec.guid] = by_path[book_path.casefold()]  # matched by path: the project's GUID
        segment_guids = set(store.guids("segments").values())
        site_of: dict[str, int] = {}
        people_of: dict[str, list[int]] = {}
        for case in cases:
            if case["kind"] == "site":
                site_id = store.site_id(case["name"], case["values"])
                if case["guid"]:
                    store.set_guid("sites", site_id, case["guid"])
                for source in case["sources"]:
                    site_of[source] = site_id
        for case in cases:
            if case["kind"] == "participant":
                values = dict(case["values"])
                role = values.pop("role", None)
                site_name = values.pop("site", None)
                site_id = store.site_id(site_name) if site_name else None
                person = store.participant_id(case["name"], role=role, site_id=site_id, attributes=values)
                if case["guid"]:
                    store.set_guid("participants", person, case["guid"])
                for source in case["sources"]:
                    people_of.setdefault(source, []).append(person)
                    if site_id and source not in site_of:
                        site_of[source] = site_id
        for item in planned:
            if item is None:
                continue
            existing = store.transcript_by_guid(item["guid"])
            if existing and store.transcript_text(existing.id) != item["text"]:
                existing = None  # same GUID, other text: import it as a transcript of its own
            existing = existing or store.transcript_by_checksum(item["checksum"])
            if existing:
                transcript_id = existing.id
                item["transcript_id"] = transcript_id
            else:
                transcript_id = store.insert_transcript(
                    title=item["title"], site_id=site_of.get(item["guid"]), date=None, interviewer=None,
                    source_name=item["file"], format="refi", checksum=item["checksum"], text=item["text"],
                    attributes={"imported_from": path.name}, participant_ids=people_of.get(item["guid"], []),
                    turns=[(t.speaker, t.start, t.end, t.start_time, t.end_time) for t in parse_turns(item["text"])],
                    guid=item["guid"] if store.transcript_by_guid(item["guid"]) is None else None)
                item["transcript_id"] = transcript_id
            coder_ids: dict[str, int] = {}
            placed: set[tuple[int, int]] = set()
            for selection in item["selections"]:
                code_id = codes_by_guid.get(selection["code_guid"])
                if code_id is None:
                    item["report"].skipped.append(f"selection {selection['guid']}: its code {selection['code_guid']} "
                                                  "is not in the codebook")
                    continue
                who = selection["user"]
                coder_id = coder_ids.setdefault(who, store.coder_id(who))
                if store.find_segment(transcript_id, code_id, coder_id, selection["start"], selection["end"]) is None:
                    segment_id = store.insert_segment(
                        transcript_id=transcript_id, code_id=code_id, coder_id=coder_id, start=selection["start"],
                        end=selection["end"], text=item["text"][selection["start"]:selection["end"]],
                        memo=selection["memo"], origin="imported")
                    if selection["guid"] and selection["guid"] in segment_guids:
                        repairs.add(f"the selection GUID {selection['guid']} is used more than once (or by a "
                                    "segment already in the project): the later selection got a new GUID")
                    elif selection["guid"]:
                        store.set_guid("segments", segment_id, selection["guid"])
                        segment_guids.add(selection["guid"])
                item["report"].codings_imported += 1
                placed.add((id(item), selection["key"]))
            item["report"].imported = len(placed)
        report.notes = _store_notes(store, notes, root, code_notes, planned, users, repairs)
        import_links(store, links, repairs, coder=coder)
        store.audit("import.refi", "project", None, coder=coder,
                    after={"file": path.name, "origin": report.origin, "codes": report.codes,
                           "sources": [s.name for s in report.sources], "repairs": repairs.notes})
    report.repairs = repairs.notes
    return report


def _read_notes(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], root: Element,
                repairs: Repairs) -> list[dict[str, Any]]:
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
        out.append({"guid": clean_guid(note.get("guid")), "user": clean_guid(note.get("creatingUser")),
                    "text": clean_text(text).strip("\n")})
    return out


def _store_notes(store: Store, notes: list[dict[str, Any]], root: Element, code_notes: dict[str, CodeSpec],
                 planned: list[dict[str, Any] | None], users: dict[str | None, str], repairs: Repairs) -> int:
    """Notes become memos on what refers to them (the project, a code, a source); a note nothing
    refers to becomes a memo on the project. Returns how many memos were added."""
    targets: dict[str, tuple[str, int | None]] = {}
    for ref in children(root, "NoteRef"):
        if clean_guid(ref.get("targetGUID")):
            targets[clean_guid(ref.get("targetGUID"))] = ("project", None)
    for note_guid, spec in code_notes.items():
        row = store.code_by_guid(spec.guid) if spec.guid else None
        if row is not None:
            targets[note_guid] = ("code", row.id)
    sources_el = child(root, "Sources")
    source_ids = {item["guid"]: item.get("transcript_id") for item in planned if item is not None}
    for source in children(sources_el, "TextSource") if sources_el is not None else []:
        transcript_id = source_ids.get(clean_guid(source.get("guid")))
        if transcript_id is None:
            continue
        for ref in children(source, "NoteRef"):
            if clean_guid(ref.get("targetGUID")):
                targets[clean_guid(ref.get("targetGUID"))] = ("transcript", transcript_id)
    added = unattached = 0
    for note in notes:
        target, target_id = targets.get(note["guid"] or "", ("project", None))
        if note["guid"] not in targets:
            unattached += 1
        if any(m.text == note["text"] for m in store.memos(target, target_id)
               if (target_id is not None or m.target_id is None)):
            continue  # already here (the same file imported again)
        coder_id = store.coder_id(users[note["user"]]) if note["user"] in users else None
        memo_id = store.insert_memo(target, target_id, coder_id, note["text"])
        if note["guid"] and not any(m.guid == note["guid"] for m in store.memos()):
            store.set_guid("memos", memo_id, note["guid"])
        added += 1
    if unattached:
        repairs.add(f"{unattached} notes not attached to the project, a code or a source were kept as memos "
                    "on the project")
    return added


def _read_cases(root: Element) -> list[dict[str, Any]]:
    """Cases as sites or participants: a case described as "site" is a site; any other case is a
    participant (its variables become attributes; "role" and "site" fill those fields)."""
    variables = {clean_guid(v.get("guid")): v.get("name") or "variable"
                 for v in children(child(root, "Variables") or Element("x"), "Variable")}
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
        kind = "site" if description is not None and (description.text or "").strip().lower() == "site" else "participant"
        out.append({"name": case.get("name") or case.get("guid"), "kind": kind, "values": values,
                    "guid": clean_guid(case.get("guid")),
                    "sources": [clean_guid(r.get("targetGUID")) for r in children(case, "SourceRef")]})
    return out


def _read_source(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], source: Element,
                 users: dict[str | None, str], path: Path, repairs: Repairs, report: ProjectImport) -> dict[str, Any] | None:
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
            source_report.skipped.append(f"no plain text (no plainTextPath or PlainTextContent); "
                                         f"{source_report.selections} selections skipped")
            return None
        info = _find_member(members, reference, repairs)
        if info is None:
            source_report.skipped.append(f"its text {reference!r} is not in the archive; "
                                         f"{source_report.selections} selections skipped")
            return None
        data = archive.read(info)
        file_name = posixpath.basename(info.filename)
        if len(data.strip(b"\xef\xbb\xbf \r\n\t")) <= 1:
            selections = len(children(source, "PlainTextSelection"))
            source_report.selections = selections
            source_report.skipped.append(f"its text file is empty ({len(data)} bytes); {selections} selections skipped")
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
    selections = []
    for start, end, _, element in raw_selections:
        if not (0 <= start < end < len(positions)):
            source_report.skipped.append(f"selection {element.get('guid')} ({start}-{end}) lies outside the text "
                                         f"under any unit")
            continue
        a, b = to_stored[positions[start]], to_stored[positions[end]]
        if a is None or b is None:
            source_report.skipped.append(f"selection {element.get('guid')} ({start}-{end}) starts or ends inside a "
                                         "character that normalization joins (a letter and its accent); it "
                                         "cannot be placed exactly")
            continue
        if b <= a:
            source_report.skipped.append(f"selection {element.get('guid')} ({start}-{end}) is empty once the text "
                                         "is normalized")
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
            selections.append({"guid": clean_guid(element.get("guid")) if len(codings) == 1 else None,
                               "key": id(element), "selection_guid": clean_guid(element.get("guid")),
                               "start": a, "end": b, "code_guid": clean_guid(ref.get("targetGUID")) if ref is not None else None,
                               "user": user or "imported",
                               "memo": clean_text(memo_el.text) if memo_el is not None and memo_el.text else None})
    return {"title": name, "file": file_name, "text": text, "selections": selections, "report": source_report,
            "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest(), "guid": clean_guid(source.get("guid")) or new_guid()}


def read_links(root: Element) -> list[dict[str, Any]]:
    """``Project/Links``: name (the relation), direction, both ends' GUIDs and the memo from the
    Note a ``NoteRef`` points to."""
    notes: dict[str, str] = {}
    notes_el = child(root, "Notes")
    for note in children(notes_el, "Note") if notes_el is not None else []:
        content = child(note, "PlainTextContent")
        if clean_guid(note.get("guid")) and content is not None and content.text:
            notes[clean_guid(note.get("guid"))] = content.text
    links_el = child(root, "Links")
    out = []
    for link in children(links_el, "Link") if links_el is not None else []:
        memos = [notes[g] for g in (clean_guid(r.get("targetGUID")) for r in children(link, "NoteRef")) if g in notes]
        out.append({"guid": clean_guid(link.get("guid")), "relation": (link.get("name") or "").strip(),
                    "direction": link.get("direction"), "origin": clean_guid(link.get("originGUID")),
                    "target": clean_guid(link.get("targetGUID")), "memo": "\n\n".join(memos) or None})
    return out


def import_links(store: Store, links: list[dict[str, Any]], repairs: "Repairs", *, coder: str | None = None) -> int:
    """Links whose two ends are codes, or two coded segments, of the project; others are reported.
    A link already in the project (same GUID or same ends and relation) is left alone."""
    added, skipped = 0, 0
    for link in links:
        if link["guid"] and store.link_by_guid(link["guid"]) is not None:
            continue
        ends: dict[str, int] = {}
        codes = [store.code_by_guid(g) if g else None for g in (link["origin"], link["target"])]
        if all(codes):
            ends = {"source_code_id": codes[0].id, "target_code_id": codes[1].id}
        else:
            segs = [store.segment_id_by_guid(g) if g else None for g in (link["origin"], link["target"])]
            if all(segs):
                ends = {"source_segment_id": segs[0], "target_segment_id": segs[1]}
        relation = " ".join(link["relation"].split())[:60] or "is associated with"
        if not ends or len(set(ends.values())) < 2:
            skipped += 1
            continue
        if store.find_link(relation=relation, **ends) is not None:
            continue
        direction = link["direction"] if link["direction"] in ("OneWay", "Bidirectional", "Associative") else "Associative"
        store.insert_link(relation=relation, direction=direction, memo=link["memo"], coder=coder,
                          guid=link["guid"] if link["guid"] else None, **ends)
        added += 1
    if skipped:
        repairs.add(f"{skipped} links between things other than two codes or two coded passages were not imported")
    return added
