"""Importing transcript files into a project: files and folders collected, metadata (front matter,
a metadata CSV) merged, each transcript stored with its participants, speakers and recording.

``store_transcript`` is the one place any importer (transcript files, REFI-QDA projects) writes a
transcript.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.cases import assign_speakers
from workbench.errors import InputError, WorkbenchError
from workbench.models import ParsedTranscript
from workbench.store import Store


# The readers are imported when first used: listing commands do not need them.
def read_transcript(path: str | Path, encoding: str | None = None, *, tags: str = "render") -> ParsedTranscript:
    from workbench.ingest import read_transcript as read

    return read(path, encoding, tags=tags)


def load_metadata(path: str | Path) -> dict[str, dict[str, str]]:
    from workbench.ingest.metadata import load_metadata as load

    return load(path)


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
