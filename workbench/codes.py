"""The codebook as a tree: the one rule for "a code includes its sub-codes".

Retrieval, matrices, frequencies, search filters and codebook counts all take a code together
with every code below it, by following the tree (``parent_id``), never by comparing path prefixes
(a prefix match would take ``Barriers/Timeline`` into ``Barriers/Time``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def find_code(codes: Sequence[Code], ref: str) -> Code:
    """The code named by its path ("Barriers/Time"), or by a name no other code has, among
    ``codes``; a clear error naming the candidates when none or several match."""
    from workbench.errors import NotFoundError, WorkbenchError

    wanted = "/".join(part.strip() for part in ref.strip().strip("/").split("/")).casefold()
    for code in codes:
        if code.path.casefold() == wanted:
            return code
    by_name = [c for c in codes if c.name.casefold() == wanted]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        raise WorkbenchError(
            f"{len(by_name)} codes are named {ref!r}: " + "; ".join(c.path for c in by_name) + ".",
            hint='Give the full path, e.g. "Theme/Code".',
        )
    from rapidfuzz import fuzz, process

    close = [m[0] for m in process.extract(ref, [c.path for c in codes], scorer=fuzz.WRatio, limit=3, score_cutoff=60)]
    hint = ("Did you mean: " + "; ".join(close) + "?") if close else "See the codes with `workbench codebook show`."
    raise NotFoundError(f"no code {ref!r} in the codebook.", hint=hint)
