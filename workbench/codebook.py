"""Codebooks: the YAML format, validation with file and line, and export to YAML and Markdown.

The YAML format (see ``codebooks/partnerships.yaml``)::

    name: My codebook
    description: optional
    codes:
      - name: Barriers
        definition: ...
        when_to_use: ...
        when_not_to_use: ...
        example: "a typical quote"
        colour: "#d62728"
        keywords: [time, busy]
        guid: optional, kept stable across exports
        children:
          - name: Time
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from workbench.codetree import MAX_CODE_DEPTH, check_specs
from workbench.errors import InputError
from workbench.models import Codebook, CodeSpec
from workbench.safeyaml import check_yaml
from workbench.textclean import clean_line, clean_text

CODE_FIELDS = (
    "name",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "example",
    "colour",
    "keywords",
    "patterns",
    "guid",
    "children",
)
_ALIASES = {"color": "colour", "description": "definition", "codes": "children", "subcodes": "children"}
TOP_FIELDS = ("name", "description", "codes")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node, path: Path, what: str) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return None
        return clean_text(str(node.value)).strip()
    raise InputError(f"{what} must be text.", path=path, line=_line(node))


def _mapping(
    node: yaml.Node, path: Path, what: str, allowed: tuple[str, ...], aliases: dict[str, str] | None = None
) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"{what} must be a mapping of `field: value` lines.", path=path, line=_line(node))
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        canonical = (aliases or {}).get(key, key)
        if canonical not in allowed:
            from rapidfuzz import process

            guess = process.extractOne(key, allowed, score_cutoff=60)
            hint = f"Did you mean `{guess[0]}`? " if guess else ""
            raise InputError(
                f"unknown field `{key}` in {what}.",
                path=path,
                line=_line(key_node),
                hint=hint + "Allowed fields: " + ", ".join(allowed) + ".",
            )
        if canonical in out:
            raise InputError(f"the field `{key}` appears twice in {what}.", path=path, line=_line(key_node))
        out[canonical] = (key_node, value_node)
    return out


def _code(node: yaml.Node, path: Path, where: str) -> CodeSpec:
    fields = _mapping(node, path, f"the code {where}", CODE_FIELDS, _ALIASES)
    if "name" not in fields:
        raise InputError(
            f"the code {where} has no name.", path=path, line=_line(node), hint="Every code needs `name: ...`."
        )
    name = clean_line(_scalar(fields["name"][1], path, "a code's name") or "")
    if not name:
        raise InputError(f"the code {where} has an empty name.", path=path, line=_line(fields["name"][1]))
    if "/" in name:
        raise InputError(
            f"the code name {name!r} contains '/', which separates levels in code paths.",
            path=path,
            line=_line(fields["name"][1]),
            hint="Use another character, such as '-' or '&'.",
        )
    spec = CodeSpec(name=name, line=_line(node))
    for key in ("definition", "when_to_use", "when_not_to_use", "example"):
        if key in fields:
            setattr(spec, key, _scalar(fields[key][1], path, f"`{key}` of {name!r}") or None)
    if "colour" in fields:
        colour = _scalar(fields["colour"][1], path, f"the colour of {name!r}")
        if colour and not _COLOUR.match(colour):
            raise InputError(
                f"the colour {colour!r} of {name!r} is not a colour.",
                path=path,
                line=_line(fields["colour"][1]),
                hint='Write colours as "#rrggbb", in quotes, e.g. "#1f77b4".',
            )
        spec.colour = _expand_colour(colour) if colour else None
    if "guid" in fields:
        guid = _scalar(fields["guid"][1], path, f"the guid of {name!r}")
        if guid and not _GUID.match(guid):
            raise InputError(f"the guid {guid!r} of {name!r} is not a GUID.", path=path, line=_line(fields["guid"][1]))
        spec.guid = guid.lower() if guid else None
    if "keywords" in fields:
        node_kw = fields["keywords"][1]
        if isinstance(node_kw, yaml.SequenceNode):
            spec.keywords = [k for k in (_scalar(item, path, "a keyword") for item in node_kw.value) if k]
        else:
            value = _scalar(node_kw, path, "keywords") or ""
            spec.keywords = [k.strip() for k in value.split(",") if k.strip()]
    if "patterns" in fields:
        spec.patterns = _patterns(fields["patterns"][1], path, name)
    if "children" in fields:
        spec.children = _codes(fields["children"][1], path, f"under {name!r}")
    return spec


def _patterns(node: yaml.Node, path: Path, name: str) -> list[list[dict[str, Any]]]:
    """spaCy token patterns: a list of patterns, each a list of token specs (``{LOWER: time}``)."""
    value = yaml.safe_load(yaml.serialize(node))
    problem = None
    if not isinstance(value, list) or not all(
        isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in value
    ):
        problem = "must be a list of patterns, each a list of token specs such as {LOWER: time}"
    else:
        try:
            import spacy
            from spacy.matcher import Matcher

            matcher = Matcher(spacy.blank("en").vocab, validate=True)
            for pattern in value:
                matcher.add("check", [pattern])
        except Exception as exc:  # spaCy reports pattern errors with several exception types
            problem = f"is not a valid spaCy pattern ({' '.join(str(exc).split())[:200]})"
    if problem:
        raise InputError(
            f"`patterns` of {name!r} {problem}.",
            path=path,
            line=_line(node),
            hint="See https://spacy.io/usage/rule-based-matching for token patterns.",
        )
    patterns: list[list[dict[str, Any]]] = value  # checked above
    return patterns


def _codes(node: yaml.Node, path: Path, where: str) -> list[CodeSpec]:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(
            f"the codes {where} must be a list (lines starting with `- name:`).", path=path, line=_line(node)
        )
    codes: list[CodeSpec] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(node.value, 1):
        code = _code(item, path, f"#{index} {where}")
        key = code.name.casefold()
        if key in seen:
            raise InputError(
                f"two codes {where} are both named {code.name!r} (the first is on line {seen[key]}).",
                path=path,
                line=code.line,
                hint="Sibling codes need distinct names; rename or merge them.",
            )
        seen[key] = code.line or 0
        codes.append(code)
    return codes


def _expand_colour(colour: str) -> str:
    if len(colour) == 4:
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour.lower()


def parse_codebook(text: str, path: Path) -> Codebook:
    """Parse codebook YAML, reporting problems with the file and line."""
    try:
        # a code level is a mapping and its `children` list; patterns add a few levels more
        check_yaml(
            text,
            path,
            what="the codebook",
            max_depth=2 * MAX_CODE_DEPTH + 8,
            too_deep=f"codes are nested more than {MAX_CODE_DEPTH} levels deep; the workbench accepts at "
            f"most {MAX_CODE_DEPTH} levels.",
        )
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        # The construct that failed starts at the context mark: that is the line to fix.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        raise InputError(
            f"the codebook is not valid YAML: {getattr(exc, 'problem', None) or exc}.",
            path=path,
            line=mark.line + 1 if mark else None,
            hint="Check indentation and quote values that contain ':' or '#'.",
        ) from exc
    if root is None:
        raise InputError("the codebook is empty.", path=path)
    if isinstance(root, yaml.SequenceNode):  # a bare list of codes
        codes = _codes(root, path, "at the top level")
        check_specs(codes, path)
        return Codebook(name=path.stem, codes=codes)
    fields = _mapping(root, path, "the codebook", TOP_FIELDS)
    if "codes" not in fields:
        raise InputError("the codebook has no `codes:` list.", path=path, line=_line(root))
    name = _scalar(fields["name"][1], path, "the codebook's name") if "name" in fields else None
    description = _scalar(fields["description"][1], path, "the description") if "description" in fields else None
    codes = _codes(fields["codes"][1], path, "at the top level")
    if not codes:
        raise InputError("the codebook has no codes.", path=path, line=_line(fields["codes"][1]))
    check_specs(codes, path)
    return Codebook(name=name or path.stem, codes=codes, description=description)


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError("no such codebook file.", path=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("the codebook is not UTF-8 text.", path=path, hint="Save it as UTF-8.") from exc
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", path=path) from exc
    return parse_codebook(text, path)


def _code_dict(code: CodeSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": code.name}
    for key in ("definition", "when_to_use", "when_not_to_use", "example", "colour"):
        value = getattr(code, key)
        if value:
            out[key] = value
    if code.keywords:
        out["keywords"] = list(code.keywords)
    if code.patterns:
        out["patterns"] = code.patterns
    if code.guid:
        out["guid"] = code.guid
    if code.children:
        out["children"] = [_code_dict(child) for child in code.children]
    return out


def to_yaml(book: Codebook) -> str:
    """The codebook as YAML that :func:`parse_codebook` reads back unchanged."""
    data: dict[str, Any] = {"name": book.name}
    if book.description:
        data["description"] = book.description
    data["codes"] = [_code_dict(code) for code in book.codes]
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text


def to_markdown(book: Codebook, counts: dict[str, int] | None = None) -> str:
    """A codebook document for a paper's appendix: one section per theme, one entry per code."""
    from workbench.output import md_text  # project text never becomes markup

    lines = [f"# {md_text(book.name)}", ""]
    if book.description:
        lines += [md_text(book.description), ""]
    fields = (
        ("definition", "Definition"),
        ("when_to_use", "When to use"),
        ("when_not_to_use", "When not to use"),
        ("example", "Example"),
    )

    def entry(code: CodeSpec, path: str, depth: int) -> None:
        heading = "#" * min(depth + 2, 6)
        suffix = f" ({counts[path]} segments)" if counts and path in counts else ""
        lines.extend([f"{heading} {md_text(code.name)}{suffix}", ""])
        for key, label in fields:
            value = getattr(code, key)
            if value:
                shown = f"“{value}”" if key == "example" and not value.startswith(('"', "“")) else value
                lines.extend([f"**{label}.** {md_text(shown)}", ""])
        if code.keywords:
            lines.extend(["**Keywords.** " + ", ".join(md_text(k) for k in code.keywords), ""])
        for child in code.children:
            entry(child, f"{path}/{child.name}", depth + 1)

    for code in book.codes:
        entry(code, code.name, 0)
    return "\n".join(lines).rstrip() + "\n"
