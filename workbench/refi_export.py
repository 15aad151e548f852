"""Exporting to REFI-QDA: this use case reads the project (making sure every row has its GUID,
so that exports are stable) and hands the records to the writer (:mod:`workbench.refi.writer`),
which builds the XML and the archive without querying the project itself."""

from __future__ import annotations

from pathlib import Path

from workbench.models import RefiSnapshot
from workbench.refi.writer import ExportReport, codebook_xml, write_qdpx
from workbench.store import Store


def snapshot(store: Store) -> RefiSnapshot:
    """Everything a .qdpx holds, read from the project (texts are read when written)."""
    if store.guids_missing():  # a read-only project that has them all exports without writing
        with store.transaction():
            store.ensure_guids()
    return RefiSnapshot(
        title=store.get_meta("title"),
        created_at=store.get_meta("created_at"),
        codebook_description=store.get_meta("codebook_description"),
        coders=store.coders(),
        coder_guids=store.guids("coders"),
        codes=store.codes(),
        code_guids=store.guids("codes"),
        transcripts=store.transcripts(),
        transcript_guids=store.guids("transcripts"),
        segments=store.segments(),
        segment_guids=store.guids("segments"),
        memos=store.memos(),
        memo_guids=store.guids("memos"),
        sites=store.sites(),
        site_guids=store.guids("sites"),
        participants=store.participants(),
        participant_guids=store.guids("participants"),
        transcript_participants=store.transcript_participant_links(),
        links=store.links(),
        text_of=store.transcript_text,
    )


def export_qdpx(store: Store, path: str | Path) -> ExportReport:
    """Write the whole project as a .qdpx archive (a temporary file, then moved into place)."""
    return write_qdpx(snapshot(store), path)


def export_codebook(store: Store) -> bytes:
    """The project's codebook as a .qdc document."""
    return codebook_xml(store.codes())
