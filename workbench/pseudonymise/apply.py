"""Applying an accepted key: a new project, or the project in place after a backup, and
verifying that no accepted term remains."""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.pseudonymise.key import Key, check_key, load_key
from workbench.pseudonymise.match import Matcher, replace_in
from workbench.retext import Replacement, replacement_blocks
from workbench.store import Store


@dataclass(slots=True)
class ApplyReport:
    transcripts: int = 0
    replacements: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    segments: int = 0
    segments_changed: int = 0
    boundary_moves: list[str] = field(default_factory=list)
    fields: int = 0


def pseudonymise_store(
    store: Store, key: Key, *, coder: str | None = None, progress: Callable[[int, int, str], None] | None = None
) -> ApplyReport:
    """Replace every accepted term throughout ``store`` (a copy, or the original with --in-place),
    in one transaction. Segments are carried over through the exact replacements."""
    from workbench.transcript_edit import apply_text

    problems = check_key(key, store)
    if problems:
        raise WorkbenchError(
            "the key cannot be applied: " + " ".join(problems),
            hint="Fix the key file (or make a new one with `workbench pseudonymise --find`).",
        )
    matcher = Matcher(key.accepted())
    report = ApplyReport()
    with store.transaction():
        rows = store.transcripts()
        for index, row in enumerate(rows):
            if progress:
                progress(index, len(rows), str(row.title))
            text, _, segments = store.transcript_content(row.id)
            matches = matcher.find(text)
            report.transcripts += 1
            report.segments += len(segments)
            if not matches:
                continue
            for start, end, entry in matches:
                report.replacements += 1
                report.by_category[entry.category] += 1
                for seg in segments:
                    if start < seg.start < end or start < seg.end < end:
                        report.boundary_moves.append(
                            f"segment {seg.id} in transcript {row.id}: its boundary fell inside a replaced "
                            f"{entry.category} term and now sits at the pseudonym's edge"
                        )
            new_text, blocks = replacement_blocks(text, [Replacement(s, e, en.pseudonym) for s, e, en in matches])
            edit = apply_text(
                store,
                row.id,
                new_text,
                coder=coder,
                blocks=blocks,
                action="pseudonymise",
                keep_before=False,
                flag=False,
            )
            report.segments_changed += len(edit.changed)
        report.fields = store.rewrite_text_columns(lambda value: replace_in(value, matcher))
        store.ensure_guids()
        store.set_meta("pseudonymised_with_key", key.fingerprint())
    store.purge_free_space()
    return report


def verify(target: str | Path | Store, key: Key) -> list[tuple[str, str]]:
    """Every accepted original term still present: (where, term). Empty means clean. ``target``
    is a project (open store or file) or an exported file (text, HTML, CSV, XLSX, .qdpx...)."""
    matcher = Matcher(key.accepted())
    hits: list[tuple[str, str]] = []

    def scan(where: str, text: str) -> None:
        for _, _, entry in matcher.find(text):
            hits.append((where, entry.term))

    if not isinstance(target, (str, Path)):  # an open store
        for where, text in target.all_text():
            scan(where, text)
        return hits
    path = Path(target)
    if path.suffix.lower() == ".db":
        opened = Store.open(path)
        try:
            return verify(opened, key)
        finally:
            opened.close()
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.file_size > 500 * 2**20:
                    continue
                scan(f"{path.name}:{member.filename}", archive.read(member).decode("utf-8", "replace"))
        return hits
    scan(path.name, data.decode("utf-8", "replace"))
    return hits


def write_pseudonymised(
    store: Store,
    key: Key,
    dest: Path,
    *,
    coder: str | None = None,
    force: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> ApplyReport:
    """A new project at ``dest``: a consistent copy of ``store`` with the key applied. The
    original is not changed. The copy is written beside ``dest`` and renamed into place only
    when it is complete."""
    dest = Path(dest)
    if dest.exists() or dest.is_symlink():
        if not force:
            raise WorkbenchError(
                f"{dest} already exists.", hint="Choose a new file name, or add --force to replace it."
            )
        if dest.is_symlink() or not dest.is_file():
            raise WorkbenchError(
                f"{dest} is not a regular file; it will not be replaced.", hint="Choose a new file name."
            )
    if dest.resolve() == store.path.resolve():
        raise WorkbenchError("the output is the project itself.", hint="Choose a new file name, or use --in-place.")
    problems = check_key(key, store)
    if problems:
        raise WorkbenchError(
            "the key cannot be applied: " + " ".join(problems),
            hint="Fix the key file (or make a new one with `workbench pseudonymise --find`).",
        )
    partial = dest.with_name(f".{dest.name}.partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    store.backup_to(partial)
    try:
        copy = Store.open(partial)
        try:
            report = pseudonymise_store(copy, key, coder=coder, progress=progress)
        finally:
            copy.close()
        partial.replace(dest)
    except BaseException:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    return report


def apply_in_place(store: Store, key: Key, *, coder: str | None = None) -> tuple[ApplyReport, Path]:
    """Pseudonymise the project itself, after a backup beside it (the backup keeps the originals:
    keep it as safe as the key)."""
    import datetime as dt

    problems = check_key(key, store)
    if problems:
        raise WorkbenchError("the key cannot be applied: " + " ".join(problems))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = store.backup_to(store.path.with_name(f"{store.path.stem}.before-pseudonymisation-{stamp}.db"))
    return pseudonymise_store(store, key, coder=coder), backup


def pseudonymised_copy(project: Path, key_path: Path, folder: Path) -> Path:
    """A read-only pseudonymised copy of ``project`` in ``folder``, for writing pseudonymised
    output from the original project (`workbench --pseudonymised KEY COMMAND`)."""
    import os

    key = load_key(key_path)
    source = Store.open(project)
    try:
        dest = folder / "pseudonymised.db"
        write_pseudonymised(source, key, dest)
    finally:
        source.close()
    os.chmod(dest, 0o444)
    return dest
