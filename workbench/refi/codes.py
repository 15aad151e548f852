"""Reading REFI-QDA codebooks: the ``<Codes>`` of a .qdc file or of a project's .qde, with the
repairs made (GUIDs, names, colours, Taguette's hierarchy written into names), each reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from workbench.codetree import MAX_CODE_DEPTH, check_specs
from workbench.errors import InputError
from workbench.models import Codebook, CodeSpec
from workbench.refi.common import (
    child,
    children,
    clean_guid,
    local,
    new_guid,
    normalize_colour,
    parse_description,
    parse_xml,
)
from workbench.textclean import clean_line, clean_text, has_controls


# -- codebooks -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Repairs:
    """What a reading or an import repaired, each note once, in order."""

    notes: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)


def _code_specs(
    container: Element,
    repairs: Repairs,
    guids: dict[str, str],
    path: Path | None = None,
    code_notes: dict[str, CodeSpec] | None = None,
) -> list[CodeSpec]:
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
                repairs.add(
                    f"code {clean_line(element.get('name') or '')!r} had no valid GUID ({raw_guid!r}); "
                    "a new one was made"
                )
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
                raise InputError(
                    f"codes are nested more than {MAX_CODE_DEPTH} levels deep (at {name!r}); the "
                    f"workbench accepts at most {MAX_CODE_DEPTH} levels.",
                    path=path,
                    hint="Flatten the hierarchy in the tool that made the file.",
                )
            colour_raw = element.get("color")
            colour = normalize_colour(colour_raw)
            if colour_raw and colour and colour_raw.lower() != colour:
                repairs.add(f"colours such as {colour_raw!r} were converted to #rrggbb")
            description = child(element, "Description")
            text = description.text if description is not None else None
            if has_controls(text):
                repairs.add("control characters in code descriptions were removed")
            parts = parse_description(clean_text(text) if text else None)
            spec = CodeSpec(
                name=name,
                guid=guid,
                colour=colour,
                definition=parts.definition,
                when_to_use=parts.when_to_use,
                when_not_to_use=parts.when_not_to_use,
                example=parts.example,
            )
            if code_notes is not None:
                for ref in children(element, "NoteRef"):
                    note_guid = clean_guid(ref.get("targetGUID"))
                    if note_guid:
                        code_notes[note_guid] = spec
            out.append(spec)
            levels.append(spec.children)
            stack.append((element, spec.children, depth + 1, f"{prefix}{name}/"))
    for level in levels:  # Taguette's "a\b" names, at any level
        level[:] = _nest_backslash_names(level, repairs)

    def repair(spec: CodeSpec, guid: str, first: str, this: str) -> None:
        spec.guid = new_guid()
        repairs.add(
            f"the codes {first!r} and {this!r} shared the GUID {guid}: {this!r} got a new GUID "
            f"(selections coded with {guid} go to {first!r})"
        )

    check_specs(roots, path, on_duplicate=repair)
    for _, spec in _walk_specs(roots):
        if spec.guid:  # always: a code read without a valid GUID got a new one above
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
    codes_el = child(book_el, "Codes") if book_el is not None else None
    if book_el is None or codes_el is None:
        raise InputError("this is not a REFI-QDA codebook: no CodeBook with Codes.", path=path)
    repairs = Repairs()
    specs = _code_specs(codes_el, repairs, {}, path)
    if not specs:
        raise InputError("the codebook has no codes.", path=path)
    sets = child(book_el, "Sets")
    if sets is not None and not len(sets):
        repairs.add("an empty <Sets/> (invalid in the standard) was ignored")
    return Codebook(
        name=root.get("origin") and f"Codebook from {root.get('origin')}" or path.stem, codes=specs
    ), repairs.notes
