"""The pseudonym key: terms, categories, pseudonyms and their review status, in a file kept
outside the project."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.store import Store

KEY_VERSION = 1
MAX_KEY_BYTES = 20 * 1024 * 1024
MAX_KEY_DEPTH = 8  # terms: a list of entries, each a mapping of scalars (3 levels)
MAX_TERMS = 200_000
STATUSES = ("accept", "reject", "proposed")


@dataclass(slots=True)
class Candidate:
    """A term found in the project that may identify someone."""

    term: str
    category: str
    source: str
    count: int = 0
    transcripts: set[int] = field(default_factory=set)
    context: str = ""
    pseudonym: str | None = None
    parent: str | None = None  # a short form of another term (shares its pseudonym)


@dataclass(slots=True)
class KeyEntry:
    term: str
    category: str
    pseudonym: str
    status: str = "proposed"
    source: str = ""


@dataclass(slots=True)
class Key:
    """Original -> pseudonym, consistent across the whole project; kept outside the project."""

    entries: list[KeyEntry]
    project: str | None = None
    path: Path | None = None

    def accepted(self) -> list[KeyEntry]:
        return [e for e in self.entries if e.status == "accept"]

    def terms(self) -> set[str]:
        return {e.term.casefold() for e in self.entries}

    def fingerprint(self) -> str:
        data = json.dumps(sorted((e.term, e.pseudonym) for e in self.accepted()), ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


# -- the key file ----------------------------------------------------------------------------------


def load_key(path: str | Path, *, must_exist: bool = True) -> Key:
    """Read a key file (YAML made by `pseudonymise --find`, or a CSV term list)."""
    path = Path(path)
    if not path.exists():
        if must_exist:
            raise InputError(
                "no key file here.", path=path, hint="Make one with `workbench pseudonymise --find --key FILE`."
            )
        return Key([], path=path)
    if not path.is_file():
        raise InputError("the key is not a regular file.", path=path)
    size = path.stat().st_size
    if size > MAX_KEY_BYTES:
        raise InputError(
            f"the key file is {size / 1e6:.0f} MB; keys are limited to {MAX_KEY_BYTES // 2**20} MB.", path=path
        )
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the key file is not UTF-8 text.", path=path) from exc
    if path.suffix.lower() == ".csv":
        return Key(_entries_from_rows(_csv_rows(raw, path), path), path=path)
    import yaml

    from workbench.safeyaml import check_yaml

    try:
        check_yaml(raw, path, what="the key file", max_depth=MAX_KEY_DEPTH)  # aliases refused, nesting bounded
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"the key file is not valid YAML ({getattr(exc, 'problem', exc)}).",
            path=path,
            line=mark.line + 1 if mark else None,
        ) from exc
    if data is None:
        raise InputError(
            "the key file is empty.", path=path, hint="Make one with `workbench pseudonymise --find --key FILE`."
        )
    if isinstance(data, list):
        data = {"terms": data}
    if not isinstance(data, dict) or not isinstance(data.get("terms", []), list):
        raise InputError(
            "the key file should hold `terms:`, a list of entries (term, category, pseudonym, status).", path=path
        )
    return Key(_entries_from_rows(data.get("terms") or [], path), project=data.get("project"), path=path)


def _csv_rows(raw: str, path: Path) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or "term" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InputError(
            "the term list has no `term` column.",
            path=path,
            line=1,
            hint="Columns: term, category, pseudonym (status optional).",
        )
    rows = []
    for row in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in row.items()})
    return rows


def _entries_from_rows(rows: list[Any], path: Path) -> list[KeyEntry]:
    if len(rows) > MAX_TERMS:
        raise InputError(f"the key has {len(rows):,} terms; the limit is {MAX_TERMS:,}.", path=path)
    entries: list[KeyEntry] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        where = f"entry {number}"
        if not isinstance(row, dict):
            raise InputError(f"{where} is not a mapping of term, category, pseudonym.", path=path)
        term = " ".join(str(row.get("term") or "").split())
        if not term:
            raise InputError(f"{where} has no term.", path=path)
        category = str(row.get("category") or "name").strip().lower()
        pseudonym = " ".join(str(row.get("pseudonym") or "").split())
        status = str(row.get("status") or "accept").strip().lower()
        if status not in STATUSES:
            raise InputError(f"{where} ({term!r}) has status {status!r}; use accept, reject or proposed.", path=path)
        if status == "accept" and not pseudonym:
            raise InputError(f"{where} ({term!r}) is accepted but has no pseudonym.", path=path)
        if term.casefold() in seen:
            raise InputError(
                f"{where}: the term {term!r} is already entry {seen[term.casefold()]}.",
                path=path,
                hint="Keep one entry per term.",
            )
        seen[term.casefold()] = number
        entries.append(KeyEntry(term, category, pseudonym, status, str(row.get("source") or "")))
    return entries


def save_key(key: Key, path: str | Path) -> Path:
    import yaml

    path = Path(path)
    data = {
        "version": KEY_VERSION,
        "project": key.project,
        "note": "Original -> pseudonym. Keep this file apart from anything you share. "
        "status: accept (replace), reject (keep as it is), proposed (not decided: kept as it is).",
        "terms": [
            {"term": e.term, "category": e.category, "pseudonym": e.pseudonym, "status": e.status, "source": e.source}
            for e in key.entries
        ],
    }
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def project_fingerprint(store: Store) -> str:
    """Which project a key belongs to: its creation time, kept in the project."""
    return str(store.get_meta("created_at") or "")


def check_key(key: Key, store: Store) -> list[str]:
    """Problems that make a key unsafe to apply: refused with a clear message."""
    problems = []
    if key.project and key.project != project_fingerprint(store):
        problems.append(
            f"the key was made for another project (created {key.project}, this one {project_fingerprint(store)})."
        )
    accepted = key.accepted()
    if not accepted:
        problems.append(
            "the key accepts no term, so nothing would be replaced (set `status: accept` on the terms to replace)."
        )
    originals = {e.term.casefold(): e for e in accepted}
    for entry in accepted:
        pseudo = entry.pseudonym.casefold()
        if pseudo in originals and originals[pseudo] is not entry:
            problems.append(f"the pseudonym {entry.pseudonym!r} (for {entry.term!r}) is itself a term to replace.")
        elif any(_contains_word(entry.pseudonym, e.term) for e in accepted if len(e.term) > 2):
            hit = next(e.term for e in accepted if len(e.term) > 2 and _contains_word(entry.pseudonym, e.term))
            problems.append(
                f"the pseudonym {entry.pseudonym!r} (for {entry.term!r}) contains the original term {hit!r}."
            )
    return problems


def _contains_word(text: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.I) is not None
