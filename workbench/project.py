"""Use cases on a project: open, import transcripts, codebooks, and listings.

Both front ends (``cli/`` and ``tui/``) call these functions; none of them prints or draws.
Each change a user makes commits in one transaction together with its audit-log entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.cases import assign_speakers
from workbench.errors import InputError, WorkbenchError
from workbench.models import Codebook, CodeSpec, ParsedTranscript, Transcript, as_dict
from workbench.store import Store


# The readers and the YAML loader are imported when first used: listing commands need neither.
def read_transcript(path: str | Path, encoding: str | None = None, *, tags: str = "render") -> ParsedTranscript:
    from workbench.ingest import read_transcript as read

    return read(path, encoding, tags=tags)


def load_codebook(path: str | Path) -> Codebook:
    from workbench.codebook import load_codebook as load

    return load(path)


DEFAULT_PROJECT = "workbench.db"
Progress = Callable[[int, int, str], None]

KNOWN_FIELDS = {
    "file",
    "title",
    "site",
    "participant",
    "participants",
    "role",
    "date",
    "interviewer",
    "site_attributes",
    "attributes",
    "speakers",
    "media",
}


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


# -- transcript import ------------------------------------------------------------------------


@dataclass(slots=True)
class ImportResult:
    """What happened to one file of an import batch."""

    path: Path
    status: str  # imported | unchanged | changed | skipped | failed
    message: str = ""
    transcript_id: int | None = None
    title: str | None = None
    site: str | None = None
    turns: int = 0
    speakers: list[str] = field(default_factory=list)
    words: int = 0
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # how a text or caption file's bytes were read


MEDIA_SUFFIXES = (
    ".mp3",
    ".m4a",
    ".wav",
    ".ogg",
    ".opus",
    ".flac",
    ".aac",
    ".wma",
    ".mp4",
    ".mkv",
    ".webm",
    ".mov",
    ".avi",
)  # recordings beside transcripts: linked, not imported (see media.py)


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """The transcript files named, folders searched recursively (hidden files ignored), and the
    files found in folders that are not transcripts (reported as skipped, not as failures)."""
    from workbench.ingest import SUPPORTED

    files: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if not child.is_file() or any(p.startswith(".") for p in rel):
                    continue
                if child.suffix.lower() == ".json":  # a Whisper transcript, or other data (skipped, said)
                    from workbench.ingest.whisper import looks_like_whisper

                    (files if looks_like_whisper(child) else skipped).append(child)
                elif child.suffix.lower() in SUPPORTED:
                    files.append(child)
                elif child.suffix.lower() not in (".csv", ".yaml", ".yml", ".md5", ".sha256", *MEDIA_SUFFIXES):
                    skipped.append(child)
        else:
            files.append(path)
    return files, skipped


def load_metadata(path: str | Path) -> dict[str, dict[str, str]]:
    """A metadata CSV: one row per file (column ``file``), then ``site``, ``participant``,
    ``role``, ``title``, ``date``, ``interviewer``; ``site:NAME`` columns are site attributes,
    any other column a participant attribute. Keyed by file name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"the metadata file cannot be read: {exc}.", path=path) from exc
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "file" not in columns:
        raise InputError(
            "the metadata file has no `file` column.",
            path=path,
            line=1,
            hint="The first row names the columns: file, site, participant, role, ...",
        )
    rows: dict[str, dict[str, str]] = {}
    for number, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        name = clean.get("file", "")
        if not name:
            raise InputError("this row has no file name.", path=path, line=number)
        key = Path(name).name
        if key in rows:
            raise InputError(f"the file {name!r} has two rows.", path=path, line=number)
        clean["_line"] = str(number)
        rows[key] = clean
    return rows


def _meta_from(source: dict[str, Any]) -> dict[str, Any]:
    """Split flat metadata (front matter or CSV row) into known fields and attributes."""
    out: dict[str, Any] = {"attributes": {}, "site_attributes": {}}
    for key, value in source.items():
        if key.startswith("_") or value is None or value == "":
            continue
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if key.startswith("site:"):
            out["site_attributes"][key[5:].strip()] = value
        elif key in ("attributes", "site_attributes") and isinstance(value, dict):
            out[key].update({str(k): (v.isoformat() if isinstance(v, dt.date) else v) for k, v in value.items()})
        elif key in KNOWN_FIELDS:
            out[key] = value
        else:
            out["attributes"][key] = value
    return out


def _participants(value: object) -> list[str]:
    """The participants a metadata field names: "A; B", a list, or one value (a number too)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    if isinstance(value, list):
        return [str(p) for p in value]
    return [str(value)]


def import_transcripts(
    store: Store,
    paths: Iterable[str | Path],
    *,
    metadata: str | Path | None = None,
    coder: str | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    tags: str = "render",
) -> list[ImportResult]:
    """Import transcript files and folders; one bad file never stops the batch.

    Each file is parsed completely before anything is written, and written in a savepoint of a
    batch transaction (committed every 50 files or half a second), so a file that fails leaves
    nothing behind and costs nothing of the others.
    """
    rows = load_metadata(metadata) if metadata else {}
    files, skipped = collect_files(paths)
    results: list[ImportResult] = [
        ImportResult(
            path,
            "skipped",
            f'{path}: not a Whisper transcript (a JSON file without "segments").'
            if path.suffix.lower() == ".json"
            else f"{path}: not a transcript format this version reads ({path.suffix}).",
        )
        for path in skipped
    ]
    # Files are written in batches (one commit every few files or half a second, never holding
    # the write lock long), each file in a savepoint: a file that fails costs nothing of the others.
    uncommitted: list[ImportResult] = []
    retry: list[tuple[int, Path]] = []

    def lost(error: WorkbenchError) -> None:
        """SQLite undid the whole open batch (disk full...): retry those files one by one."""
        for result in uncommitted:
            position = next((i for i, r in enumerate(results) if r is result), None)
            if result.status == "imported" and position is not None:
                retry.append((position, result.path))
        uncommitted.clear()

    def one(path: Path) -> ImportResult:
        try:
            with batch.unit():
                result = _import_one(store, path, rows.get(path.name), coder, encoding, tags)
            uncommitted.append(result)
            return result
        except WorkbenchError as exc:
            if uncommitted and not batch.open:
                lost(exc)
            return ImportResult(path, "failed", str(exc) if str(path) in str(exc) else f"{path}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a reader bug must not stop the batch
            return ImportResult(path, "failed", f"{path}: could not be imported ({type(exc).__name__}: {exc}).")

    def commit(let_others_in: bool = False) -> None:
        try:
            batch.commit(let_others_in=let_others_in)
            uncommitted.clear()
        except WorkbenchError as exc:
            for result in uncommitted:  # the commit failed: the batch's files are not in
                if result.status == "imported":
                    result.status, result.transcript_id = "failed", None
                    result.message = f"{result.path}: {exc}"
            uncommitted.clear()

    batch = store.batch(seconds=0.5, units=50)
    try:
        for index, path in enumerate(files):
            if progress:
                progress(index, len(files), path.name)
            results.append(one(path))
            if batch.due:
                commit(let_others_in=True)
        while retry:  # each in a transaction of its own
            position, path = retry.pop(0)
            results[position] = one(path)
            commit()
    finally:
        commit()
    if progress:
        progress(len(files), len(files), "")
    return results


def _import_one(
    store: Store,
    path: Path,
    row: dict[str, str] | None,
    coder: str | None,
    encoding: str | None = None,
    tags: str = "render",
) -> ImportResult:
    if not path.exists():
        raise InputError("no such file or folder.", path=path)
    if store.is_project_file(path):  # reading it here would drop this process's locks on the project
        raise InputError(
            "this is the project file itself, not a transcript.",
            path=path,
            hint="Name the transcript files or their folder.",
        )
    parsed: ParsedTranscript = read_transcript(path, encoding, tags=tags)
    checksum = hashlib.sha256(path.read_bytes()).hexdigest()
    meta: dict[str, Any] = {"site": path.parent.name or None, "title": path.stem}
    file_meta = _meta_from(parsed.metadata)
    row_meta = _meta_from(row or {})
    for source in (file_meta, row_meta):
        for key, value in source.items():
            if key in ("attributes", "site_attributes"):
                meta.setdefault(key, {}).update(value)
            else:
                meta[key] = value
    participants = _participants(meta.get("participants") or meta.get("participant"))
    title = str(meta.get("title") or path.stem)
    site = str(meta["site"]) if meta.get("site") else None

    result = ImportResult(
        path,
        "imported",
        title=title,
        site=site,
        turns=len(parsed.turns),
        speakers=parsed.speakers,
        words=parsed.words,
        warnings=list(parsed.warnings),
        encoding=parsed.encoding,
    )
    if parsed.encoding and parsed.encoding != "utf-8" and not encoding:
        result.warnings.append(f"read as {parsed.encoding}; check the accents, or give --encoding")
    same = store.transcript_by_checksum(checksum)
    if same:
        result.status, result.transcript_id = "unchanged", same.id
        result.message = f"already in the project as {same.title!r}; nothing changed."
        return result
    with store.transaction():
        site_id = store.site_id(site, meta.get("site_attributes")) if site else None
        previous = store.transcript_by_source(path.name, site_id)
        if previous:
            result.status, result.transcript_id = "changed", previous.id
            result.message = (
                f"{path}: the file has changed since it was imported as {previous.title!r} "
                f"(transcript {previous.id}); the project keeps the old text and its coding."
            )
            return result
        role = str(meta["role"]) if meta.get("role") else None
        attributes = dict(meta.get("attributes") or {})
        participant_ids = [
            store.participant_id(label, role=role, site_id=site_id, attributes=attributes) for label in participants
        ]
        transcript_attributes = {} if participants else attributes
        if role and not participants:
            transcript_attributes["role"] = role
        transcript_id = store_transcript(
            store,
            parsed,
            title=title,
            site_id=site_id,
            date=str(meta["date"]) if meta.get("date") else None,
            interviewer=str(meta["interviewer"]) if meta.get("interviewer") else None,
            source_name=path.name,
            checksum=checksum,
            attributes=transcript_attributes,
            participant_ids=participant_ids,
        )
        result.warnings += assign_speakers(
            store,
            transcript_id,
            title=title,
            listed=participant_ids,
            role=role,
            interviewer=meta.get("interviewer"),
            mapping=meta.get("speakers"),
        )
        store.audit(
            "import",
            "transcript",
            transcript_id,
            coder=coder,
            after={
                "title": title,
                "source": path.name,
                "site": site,
                "format": parsed.format,
                "checksum": checksum,
                "turns": len(parsed.turns),
            },
        )
    result.transcript_id = transcript_id
    try:
        _link_media(store, transcript_id, path, meta.get("media"), coder)
    except WorkbenchError as exc:  # the transcript stands; the recording can be linked later
        result.warnings.append(f"recording not linked: {exc} (link it with `workbench media`).")
    return result


def store_transcript(
    store: Store,
    parsed: ParsedTranscript,
    *,
    title: str,
    source_name: str,
    checksum: str,
    site_id: int | None = None,
    participant_ids: list[int] | None = None,
    attributes: dict[str, Any] | None = None,
    date: str | None = None,
    interviewer: str | None = None,
    guid: str | None = None,
) -> int:
    """Write one parsed transcript (its text and turns) into the project: the one place every
    importer (transcript files, REFI-QDA projects) stores a transcript. The caller holds the
    transaction and writes the audit entry."""
    return store.insert_transcript(
        title=title,
        site_id=site_id,
        date=date,
        interviewer=interviewer,
        source_name=source_name,
        format=parsed.format,
        checksum=checksum,
        text=parsed.text,
        attributes=attributes or {},
        participant_ids=participant_ids or [],
        turns=[(t.speaker, t.start, t.end, t.start_time, t.end_time) for t in parsed.turns],
        guid=guid,
    )


def _link_media(store: Store, transcript_id: int, source: Path, named: Any, coder: str | None) -> None:
    """The recording named in the metadata (relative to the transcript's folder), else one with
    the transcript's base name beside it."""
    from workbench.media import media_beside, set_media

    recording = (source.parent / str(named)) if named else media_beside(source)
    if recording is not None:
        set_media(store, transcript_id, recording, coder=coder)


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


# -- codebook --------------------------------------------------------------------------------------


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
