"""A codebook file brought into the project (codes matched by GUID, then by path), and the
project's codes as a codebook."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import InputError
from workbench.models import Codebook, CodeSpec
from workbench.store import Store


# The YAML loader is imported when first used: listing commands do not need it.
def load_codebook(path: str | Path) -> Codebook:
    from workbench.codebook import load_codebook as load

    return load(path)


@dataclass(slots=True)
class CodebookChanges:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # in the project, not in the file
    conflicts: list[str] = field(default_factory=list)  # codes left in place: another code holds their new path


_CODE_FIELDS = ("definition", "when_to_use", "when_not_to_use", "example", "colour", "keywords", "patterns")


def apply_codebook(store: Store, book: Codebook, *, coder: str | None = None) -> CodebookChanges:
    """Bring a codebook into the project: codes matched by GUID, then by path; new ones added,
    changed ones updated, all in one transaction. Codes missing from the file are kept (they may
    carry coding) and reported."""
    from workbench.codetree import check_specs, refuse_store_cycles

    check_specs(book.codes, None)  # no code inside itself, bounded depth
    changes = CodebookChanges()
    with store.transaction():
        refuse_store_cycles(store, "this project")
        existing = {c.path.casefold(): c for c in store.codes()}
        book_guids = {spec.guid for _, spec in book.walk() if spec.guid}
        seen: set[int] = set()

        def place(spec: CodeSpec, parent_id: int | None, parent_path: str, position: int) -> None:
            path = f"{parent_path}{spec.name}"
            row = store.code_by_guid(spec.guid) if spec.guid else None
            if row is None:
                row = existing.get(path.casefold())
                if row is not None and spec.guid and row.guid in book_guids and row.guid != spec.guid:
                    other = next(p for p, s in book.walk() if s.guid == row.guid)
                    raise InputError(
                        f"the codebook's code {path!r} (GUID {spec.guid}) has the path of the project's code "
                        f"{row.path!r}, whose GUID {row.guid} the codebook gives to {other!r}; nothing was "
                        "changed.",
                        hint="Check the GUIDs in the codebook: one code cannot be two.",
                    )
            if row is not None and row.id in seen:
                raise InputError(
                    f"the codebook's code {path!r} and another of its codes both match the project's "
                    f"code {row.path!r}; nothing was changed.",
                    hint="Give the codes distinct GUIDs, or remove the guid lines, and import again.",
                )
            values = {key: getattr(spec, key) for key in _CODE_FIELDS}
            if row is None:
                code_id = store.insert_code(
                    name=spec.name, parent_id=parent_id, guid=spec.guid, position=position, **values
                )
                store.audit("code.add", "code", code_id, coder=coder, after={"path": path, **values})
                changes.added.append(path)
            else:
                code_id = row.id
                current = store.code_raw(code_id)
                assert current is not None  # listed by store.codes() in this transaction
                before = {
                    key: (
                        json.loads(getattr(current, key)) if key in ("keywords", "patterns") else getattr(current, key)
                    )
                    for key in _CODE_FIELDS
                }
                before.update(name=current.name, parent_id=current.parent_id)
                after = {**values, "name": spec.name, "parent_id": parent_id}
                moving = (current.name.casefold(), current.parent_id) != (spec.name.casefold(), parent_id)
                all_codes = store.codes(counts=False) if moving else []
                if any(
                    c.id != code_id and c.parent_id == parent_id and c.name.casefold() == spec.name.casefold()
                    for c in all_codes
                ):
                    # the code matched by GUID would take the path of another project code: keep it where it is
                    here = next((c.path for c in all_codes if c.id == code_id), current.name)
                    changes.conflicts.append(
                        f"the code {path!r} (GUID {spec.guid}) is {here!r} in the project, and another code "
                        f"already has the path {path!r}; it was left as {here!r}"
                    )
                    after.update(name=current.name, parent_id=current.parent_id)
                    path = here
                if before != after or current.position != position:
                    store.update_code(code_id, position=position, **after)
                    store.audit("code.update", "code", code_id, coder=coder, before=before, after=after)
                    changes.updated.append(path)
                else:
                    changes.unchanged.append(path)
            seen.add(code_id)
            for child_position, child in enumerate(spec.children):
                place(child, code_id, path + "/", child_position)

        for position, spec in enumerate(book.codes):
            place(spec, None, "", position)
        refuse_store_cycles(store, "the codebook")  # rolls back: nothing of it is kept
        changes.kept = [c.path for c in existing.values() if c.id not in seen]
        if book.name and not store.get_meta("codebook_name"):
            store.set_meta("codebook_name", book.name)
        if book.description and not store.get_meta("codebook_description"):
            store.set_meta("codebook_description", book.description)
    return changes


def import_codebook(store: Store, path: str | Path, *, coder: str | None = None) -> CodebookChanges:
    return apply_codebook(store, load_codebook(path), coder=coder)


def project_codebook(store: Store) -> Codebook:
    """The project's codes as a :class:`Codebook` (for export and display)."""
    rows = store.codes()
    specs: dict[int, CodeSpec] = {}
    roots: list[CodeSpec] = []
    for row in rows:
        spec = CodeSpec(
            name=row.name,
            guid=row.guid,
            keywords=list(row.keywords),
            patterns=row.patterns,
            **{k: getattr(row, k) for k in ("definition", "when_to_use", "when_not_to_use", "example", "colour")},
        )
        specs[row.id] = spec
        # a parent not listed before its child only happens in a damaged project: shown at the top
        (specs[row.parent_id].children if row.parent_id in specs else roots).append(spec)
    return Codebook(
        name=store.get_meta("codebook_name") or "Codebook",
        codes=roots,
        description=store.get_meta("codebook_description"),
    )
