"""Code hierarchies from files and projects: no code may contain itself, and nesting is bounded.

Every entrance that brings codes in (a YAML codebook, a .qdc, a .qdpx, merging another project,
moving or merging codes) checks here, so that a code that is its own ancestor never reaches the
project, and every walk over a code tree stops even on a damaged project.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import InputError, WorkbenchError
from workbench.models import CodeSpec

if TYPE_CHECKING:  # annotations only: the store is a layer above
    from workbench.store import Store

MAX_CODE_DEPTH = 100
"""Deepest code nesting accepted (a theme is level 1). Real codebooks use three to six levels."""


def check_specs(
    codes: list[CodeSpec],
    path: str | Path | None,
    *,
    on_duplicate: Callable[[CodeSpec, str, str, str], None] | None = None,
) -> None:
    """Refuse a codebook in which a code reuses the GUID of one of its ancestors (a code inside
    itself) or that nests deeper than :data:`MAX_CODE_DEPTH`. Two unrelated codes sharing a GUID
    are refused too, unless ``on_duplicate(spec, guid, first_path, this_path)`` repairs them
    (it must give ``spec`` a new GUID). Iterative: any depth is checked without recursion."""
    first: dict[str, tuple[str, int | None]] = {}
    # (spec, depth, path, ancestor GUIDs with their paths)
    stack: list[tuple[CodeSpec, int, str, dict[str, str]]] = [(spec, 1, spec.name, {}) for spec in reversed(codes)]
    while stack:
        spec, depth, where, ancestors = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise InputError(
                f"the code {_short(where)!r} is nested {depth} levels deep; the workbench accepts "
                f"at most {MAX_CODE_DEPTH} levels.",
                path=path,
                line=spec.line,
                hint="Flatten the hierarchy in the tool that made the file.",
            )
        guid = spec.guid
        if guid:
            if guid in ancestors:
                raise InputError(
                    f"the code {_short(where)!r} has the same GUID ({guid}) as its ancestor "
                    f"{_short(ancestors[guid])!r}: a code cannot contain itself.",
                    path=path,
                    line=spec.line,
                    hint="Give the sub-code its own GUID (or remove its guid) and import again.",
                )
            if guid in first:
                other_path, other_line = first[guid]
                if on_duplicate is None:
                    at = f" (line {other_line})" if other_line else ""
                    raise InputError(
                        f"the codes {_short(other_path)!r}{at} and {_short(where)!r} share the GUID {guid}.",
                        path=path,
                        line=spec.line,
                        hint="Every code needs its own GUID: change or remove one.",
                    )
                on_duplicate(spec, guid, other_path, where)
            else:
                first[guid] = (where, spec.line)
            if spec.guid and spec.guid != guid:
                first[spec.guid] = (where, spec.line)
        inner = dict(ancestors)
        if spec.guid:
            inner[spec.guid] = where
        for child in reversed(spec.children):
            stack.append((child, depth + 1, f"{where}/{child.name}", inner))


def _short(path: str) -> str:
    return path if len(path) <= 120 else "…" + path[-119:]


def find_cycles(parents: Iterable[tuple[int, int | None]]) -> list[list[int]]:
    """Groups of codes whose parent chain loops (each cycle once, in parent order); bounded."""
    parent_of = dict(parents)
    state: dict[int, int] = {}  # 1 = on the current chain, 2 = done
    cycles: list[list[int]] = []
    for start in parent_of:
        chain: list[int] = []
        node: int | None = start
        while node is not None and node in parent_of and state.get(node) is None:
            state[node] = 1
            chain.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycles.append(chain[chain.index(node) :])
        for item in chain:
            state[item] = 2
    return cycles


def refuse_cycles(parents: Iterable[tuple[int, int | None]], names: dict[int, str], where: str) -> None:
    """Raise a clear error when codes form a cycle (``where`` names the project or file)."""
    cycles = find_cycles(parents)
    if cycles:
        shown = "; ".join(" > ".join(repr(names.get(i, f"#{i}")) for i in cycle) for cycle in cycles[:3])
        raise WorkbenchError(
            f"{where}: codes form a cycle (a code inside itself): {shown}.",
            hint="Run `workbench check --repair` on that project to break the cycle, then try again.",
        )


def refuse_store_cycles(store: Store, where: str) -> None:
    """Raise when the codes of ``store`` form a cycle."""
    rows = store.code_parents()
    refuse_cycles(((i, p) for i, p, _ in rows), {i: n for i, _, n in rows}, where)
