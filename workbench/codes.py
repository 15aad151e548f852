"""The codebook as a tree: the one rule for "a code includes its sub-codes".

Retrieval, matrices, frequencies, search filters and codebook counts all take a code together
with every code below it, by following the tree (``parent_id``), never by comparing path prefixes
(a prefix match would take ``Barriers/Timeline`` into ``Barriers/Time``).
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.models import Code


def codes_within(codes: Iterable[Code], roots: Iterable[int]) -> list[int]:
    """The ids of the codes ``roots`` and all their descendants, each once, roots first.

    ``codes`` are rows with ``id`` and ``parent_id`` (as ``Store.codes`` returns them)."""
    children: dict[int | None, list[int]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code.id)
    out: list[int] = []
    seen: set[int] = set()
    stack = list(reversed(list(roots)))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        out.append(current)
        stack.extend(reversed(children.get(current, [])))
    return out
