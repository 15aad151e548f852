"""Codebook changes that come out of team discussions: rename, reword, move, merge, split.

Each change is one transaction that updates the codes and every segment that carries them, and is
recorded in the audit log, which is the codebook's history (``workbench codebook history``).
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.codetree import refuse_store_cycles
from workbench.coding import code_ids_under, create_code, resolve_code
from workbench.errors import InputError, WorkbenchError
from workbench.models import AuditEntry, Code
from workbench.store import Store

REWORDABLE = ("definition", "when_to_use", "when_not_to_use", "example", "colour")


def _check_name(store: Store, parent_id: int | None, name: str, except_id: int | None = None) -> None:
    if not name.strip() or "/" in name:
        raise InputError(f"{name!r} is not a code name.", hint="A name is not empty and has no '/'.")
    for code in store.codes():
        if code.parent_id == parent_id and code.name.casefold() == name.casefold() and code.id != except_id:
            raise WorkbenchError(f"there is already a code {code.path!r}.", hint="Merge the two codes instead.")


def rename_code(store: Store, ref: str, new_name: str, *, coder: str | None = None) -> Code:
    code = resolve_code(store, ref)
    new_name = " ".join(new_name.split())
    _check_name(store, code.parent_id, new_name, code.id)
    with store.transaction():
        store.update_code(code.id, name=new_name)
        store.audit("code.rename", "code", code.id, coder=coder, before={"path": code.path}, after={"name": new_name})
    return resolve_code(store, code.path.rsplit("/", 1)[0] + "/" + new_name if "/" in code.path else new_name)


def reword_code(store: Store, ref: str, *, coder: str | None = None, **fields: str | None) -> Code:
    code = resolve_code(store, ref)
    changes = {k: v for k, v in fields.items() if k in REWORDABLE and v is not None}
    if not changes:
        raise WorkbenchError(
            "nothing to change.", hint="Give --definition, --when-to-use, --when-not-to-use, --example or --colour."
        )
    with store.transaction():
        store.update_code(code.id, **changes)
        store.audit(
            "code.reword", "code", code.id, coder=coder, before={k: getattr(code, k) for k in changes}, after=changes
        )
    return resolve_code(store, code.path)


def move_code(store: Store, ref: str, new_parent: str | None, *, coder: str | None = None) -> Code:
    """Move a code (with its sub-codes) under another code, or to the top level (``None``)."""
    refuse_store_cycles(store, "this project")
    code = resolve_code(store, ref)
    parent = resolve_code(store, new_parent) if new_parent else None
    if parent and parent.id in code_ids_under(store, code.id):
        raise WorkbenchError(f"{code.path!r} cannot move under itself or its own sub-code.")
    parent_id = parent.id if parent else None
    _check_name(store, parent_id, code.name, code.id)
    with store.transaction():
        store.update_code(code.id, parent_id=parent_id)
        refuse_store_cycles(store, "the move")  # rolls back
        store.audit(
            "code.move",
            "code",
            code.id,
            coder=coder,
            before={"path": code.path},
            after={"parent": parent.path if parent else None},
        )
    return resolve_code(store, (parent.path + "/" if parent else "") + code.name)


@dataclass(frozen=True, slots=True)
class CodeMerge:
    """What a merge did: the target's path, segments moved, duplicates dropped."""

    target: str
    moved: int
    dropped: int


def merge_codes(store: Store, source_ref: str, target_ref: str, *, coder: str | None = None) -> CodeMerge:
    """Merge ``source`` into ``target``: its segments and sub-codes go to the target, and it is
    removed. A segment that would duplicate one the target already has is dropped (kept in the log)."""
    refuse_store_cycles(store, "this project")
    source, target = resolve_code(store, source_ref), resolve_code(store, target_ref)
    if source.id == target.id or target.id in code_ids_under(store, source.id):
        raise WorkbenchError("a code cannot be merged into itself or its own sub-code.")
    with store.transaction():
        moved, dropped = store.reassign_segments(source.id, target.id)
        store.reassign_findings(source.id, target.id)
        for child in [c for c in store.codes() if c.parent_id == source.id]:
            _check_name(store, target.id, child.name)
            store.update_code(child.id, parent_id=target.id)
        store.delete_code(source.id)
        refuse_store_cycles(store, "the merge")  # rolls back
        store.audit(
            "code.merge",
            "code",
            target.id,
            coder=coder,
            before={"source": source.path, "source_guid": source.guid},
            after={"target": target.path, "segments_moved": moved, "duplicates_dropped": dropped},
        )
    return CodeMerge(target=target.path, moved=moved, dropped=dropped)


def split_code(store: Store, ref: str, new_names: list[str], *, coder: str | None = None) -> list[Code]:
    """Split a code into sub-codes: the new codes are made under it; its segments stay on it until
    coders recode them (the retrieval screen lists them)."""
    refuse_store_cycles(store, "this project")
    code = resolve_code(store, ref)
    if len(new_names) < 2:
        raise WorkbenchError("a split needs at least two new codes.")
    with store.transaction():
        made = [create_code(store, f"{code.path}/{name}", coder=coder) for name in new_names]
        store.audit(
            "code.split",
            "code",
            code.id,
            coder=coder,
            before={"path": code.path},
            after={"into": [m.path for m in made]},
        )
    return made


def history(store: Store, limit: int = 200) -> list[AuditEntry]:
    """The codebook's history: every code change, newest first."""
    return store.audit_entries(limit=limit, entity="code")
