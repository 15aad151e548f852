"""Use cases on a project: open, the coder, backup, listings; importing transcripts
(transcript_import.py) and codebooks (codebook_import.py), whose use cases are imported from here too.

Both front ends (``cli/`` and ``tui/``) call these functions; none of them prints or draws.
Each change a user makes commits in one transaction together with its audit-log entry.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from workbench.codebook_import import CodebookChanges, apply_codebook, import_codebook, load_codebook, project_codebook
from workbench.errors import WorkbenchError
from workbench.models import Transcript, as_dict
from workbench.store import Store
from workbench.transcript_import import (
    KNOWN_FIELDS,
    MEDIA_SUFFIXES,
    ImportResult,
    Progress,
    collect_files,
    import_transcripts,
    load_metadata,
    read_transcript,
    store_transcript,
)

DEFAULT_PROJECT = "workbench.db"


def project_path(explicit: str | Path | None = None) -> Path:
    """The project named by ``--project``, else ``$WORKBENCH_PROJECT``, else ``./workbench.db``."""
    return Path(explicit or os.environ.get("WORKBENCH_PROJECT") or DEFAULT_PROJECT)


def open_store(path: str | Path | None = None, *, create: bool = False) -> Store:
    from workbench.store.postgres import is_postgres

    named = str(path or os.environ.get("WORKBENCH_PROJECT") or "")
    if is_postgres(named):  # a team database: opened by its connection string, never as a file name
        return Store.open(named, create=create)
    return Store.open(project_path(path), create=create)


def project_location(explicit: str | Path | None = None) -> Path:
    """The project as a path for front ends that pass it on (a worker opens it again): a project
    file's path, or a team database's connection string kept whole."""
    from workbench.store.postgres import is_postgres

    named = str(explicit or os.environ.get("WORKBENCH_PROJECT") or "")
    if is_postgres(named):
        from workbench.store.postgres.store import team_location

        return team_location(named)
    return project_path(explicit)


def location_warning(path: str | Path) -> str | None:
    """A warning when the project lives in a synced or network folder (unsafe for SQLite)."""
    from workbench.store import location_warning as warning

    return warning(path)


def storage_error(exc: BaseException, path: str | Path) -> WorkbenchError | None:
    """The project's own error for a storage error a user can act on (busy, read-only, disk full,
    damaged file), or None for anything else."""
    from workbench.store import translate_error

    return translate_error(exc, path)


def backup(store: Store, destination: str | Path) -> Path:
    """A consistent copy of the project at ``destination``, even while it is open elsewhere."""
    return store.backup_to(destination)


def current_coder(store: Store, explicit: str | None = None, *, remember: bool = True) -> str:
    """Who is coding: ``--coder``, else ``$WORKBENCH_CODER``, else the last coder of this project,
    else the login name. An explicit name is remembered for the project."""
    name = (
        explicit or os.environ.get("WORKBENCH_CODER") or store.get_meta("last_coder") or getpass.getuser() or "coder"
    ).strip()
    if not name:
        raise WorkbenchError("the coder's name is empty.", hint="Give one with --coder NAME.")
    if remember and explicit and not store.read_only and store.get_meta("last_coder") != name:
        with store.transaction():
            store.set_meta("last_coder", name)
    return name


# -- listings -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TranscriptListing(Transcript):
    """A transcript as the listings show it: with the share of its text coded (None when not
    computed) and, when no participant has a role, the role its metadata gives."""

    coded: float | None = None


def list_transcripts(store: Store, *, coded: bool = True) -> list[TranscriptListing]:
    """Every transcript with site, participant, role, words, turns, segments and share coded
    (``coded=False`` leaves the share out: it is the slow part on a large project)."""
    covered = store.coded_lengths() if coded else {}
    out = []
    for row in store.transcripts():
        values = as_dict(row)
        length = row.length
        values["coded"] = (round(covered.get(row.id, 0) / length, 4) if length else 0.0) if coded else None
        if not row.role:
            values["role"] = row.attributes.get("role")
        out.append(TranscriptListing(**values))
    return out


__all__ = [
    "DEFAULT_PROJECT",
    "KNOWN_FIELDS",
    "MEDIA_SUFFIXES",
    "CodebookChanges",
    "ImportResult",
    "Progress",
    "TranscriptListing",
    "apply_codebook",
    "backup",
    "collect_files",
    "current_coder",
    "import_codebook",
    "import_transcripts",
    "list_transcripts",
    "load_codebook",
    "load_metadata",
    "location_warning",
    "open_store",
    "project_codebook",
    "project_location",
    "project_path",
    "read_transcript",
    "storage_error",
    "store_transcript",
]
