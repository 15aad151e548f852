"""Shared pieces of the REFI-QDA reader and writer: namespaces, GUIDs, colours, descriptions."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from workbench.errors import InputError

from workbench.models import Code

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
DESCRIPTION_FIELDS = (
    ("definition", "Definition"),
    ("when_to_use", "When to use"),
    ("when_not_to_use", "When not to use"),
    ("example", "Example"),
)
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


def local(tag: str) -> str:
    """An element's name without its namespace (readers accept any namespace version)."""
    return tag.rsplit("}", 1)[-1]


def clean_guid(value: str | None) -> str | None:
    """Lower-case GUID without braces, or None when the value is not a GUID."""
    match = _GUID.match((value or "").strip())
    return match.group(1).lower() if match else None


def new_guid() -> str:
    return str(uuid.uuid4())


def normalize_colour(value: str | None) -> str | None:
    """#RRGGBB from #RGB, #RRGGBB, #RRGGBBAA or rgb()/rgba(); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    match = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*[\d.]+\s*)?\)", value, re.I)
    if match:
        return "#" + "".join(f"{min(int(v), 255):02x}" for v in match.groups())
    match = re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})", value)
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits[:6].lower()


def description_text(code: Code) -> str | None:
    """A code's definition, when to use, when not to use and example, as one labelled text
    (REFI-QDA has a single Description; the labels let the workbench read the parts back)."""
    parts = [f"{label}: {getattr(code, key)}" for key, label in DESCRIPTION_FIELDS if getattr(code, key)]
    return "\n\n".join(parts) or None


@dataclass(frozen=True, slots=True)
class DescriptionParts:
    """The parts of a code's description, as DESCRIPTION_FIELDS names them."""

    definition: str | None = None
    when_to_use: str | None = None
    when_not_to_use: str | None = None
    example: str | None = None


def parse_description(text: str | None) -> DescriptionParts:
    """The parts of a labelled description; an unlabelled one is all definition."""
    if not text or not text.strip():
        return DescriptionParts()
    labels = {label.lower(): key for key, label in DESCRIPTION_FIELDS}
    pattern = re.compile(r"^(" + "|".join(re.escape(label) for _, label in DESCRIPTION_FIELDS) + r"):\s*", re.I | re.M)
    pieces = pattern.split(text.strip())
    if len(pieces) < 3 or pieces[0].strip():
        return DescriptionParts(definition=text.strip())
    out: dict[str, str | None] = {}
    for label, value in zip(pieces[1::2], pieces[2::2]):
        out[labels[label.lower()]] = value.strip() or None
    return DescriptionParts(**out)


def parse_xml(data: bytes, path: Path) -> Element:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True)
        return root
    except DefusedXmlException as exc:
        raise InputError(
            f"the XML uses a DTD or entities, which are refused for safety ({type(exc).__name__}).",
            path=path,
            hint="Export the file again from the tool that made it.",
        ) from exc
    except SafeET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(f"the XML is not well formed: {exc}.", path=path, line=line) from exc


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def child(element: Element, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None
