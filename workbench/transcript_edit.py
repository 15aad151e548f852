"""Use cases: correct a transcript after it has been coded, without losing a segment.

A correction (a misheard word, a name to take out, a re-imported corrected file) changes the
transcript's text; :mod:`workbench.retext` carries every turn and every coded segment over to the
new text. A segment whose own text changed is flagged ``changed`` for review; one whose text
vanished is kept, anchored to the word where it was, flagged ``vanished`` with its old text in
the note. Nothing is dropped. Each edit is one transaction with one audit entry that holds what
is needed to undo it exactly (the old text, turns and segment positions).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.errors import InputError, WorkbenchError
from workbench.ingest.decode import normalize
from workbench.models import ReviewSegment, StoredSegment, StoredTurn, Turn
from workbench.retext import Block, OffsetMap, Replacement, anchor_vanished, diff_blocks, move_span, replacement_blocks
from workbench.store import Store

EDIT_ACTION = "transcript.edit"
UNDO_ACTION = "transcript.edit.undo"


@dataclass(slots=True)
class EditReport:
    """What an edit did to one transcript."""

    transcript_id: int
    title: str
    changed_chars: int = 0
    turns: int = 0
    turns_removed: int = 0
    segments: int = 0
    moved: int = 0
    changed: list[int] = field(default_factory=list)  # segment ids whose text changed
    vanished: list[int] = field(default_factory=list)  # segment ids whose text disappeared
    audit_id: int | None = None

    @property
    def unchanged(self) -> bool:
        return self.changed_chars == 0

    def summary(self) -> str:
        if self.unchanged:
            return f"{self.title}: the text is the same; nothing changed."
        parts = [
            f"{self.title}: text changed ({self.changed_chars:,} characters replaced or added)",
            f"{self.segments} segment{'s' if self.segments != 1 else ''} carried over",
        ]
        if self.moved:
            parts.append(f"{self.moved} moved with the text")
        if self.changed:
            parts.append(f"{len(self.changed)} whose own text changed, flagged for review")
        if self.vanished:
            parts.append(f"{len(self.vanished)} whose text was removed, kept and flagged for review")
        if self.turns_removed:
            parts.append(f"{self.turns_removed} empty turn{'s' if self.turns_removed != 1 else ''} removed")
        return "; ".join(parts) + "."


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _title(store: Store, transcript_id: int) -> str:
    row = store.transcript(transcript_id)
    if row is None:
        raise WorkbenchError(f"there is no transcript {transcript_id}.", hint="List them with `workbench transcripts`.")
    return str(row.title)


def apply_text(
    store: Store,
    transcript_id: int,
    new_text: str,
    *,
    coder: str | None,
    blocks: list[Block] | None = None,
    action: str = EDIT_ACTION,
    details: dict[str, Any] | None = None,
    new_turns: list[Turn] | None = None,
    keep_before: bool = True,
    flag: bool = True,
    checksum: str | None = None,
) -> EditReport:
    """Replace a transcript's text, carrying its turns and segments over. ``blocks`` may give the
    exact changes (when they are known, e.g. pseudonyms); otherwise the texts are diffed.
    ``new_turns`` replaces the turns (a re-imported file knows its own); otherwise they are carried
    over. ``keep_before=False`` keeps the old text out of the audit log (pseudonymisation: the
    log must not hold the names taken out), which also makes the edit impossible to undo;
    ``flag=False`` flags no segment for review. Runs in its own transaction (or joins the caller's)."""
    with store.transaction():
        title = _title(store, transcript_id)
        old_text, turns, segments = store.transcript_content(transcript_id)
        report = EditReport(transcript_id, title, turns=len(turns), segments=len(segments))
        if new_text == old_text:
            return report
        if blocks is None:
            blocks = diff_blocks(old_text, new_text)
        report.changed_chars = sum(max(b.a1 - b.a0, b.b1 - b.b0) for b in blocks if not b.equal)
        mapping = OffsetMap(blocks, len(old_text), len(new_text))
        carried: list[StoredTurn] = []
        if new_turns is not None:
            ids = [t.id for t in turns]
            for position, new in enumerate(new_turns):
                carried.append(
                    StoredTurn(
                        id=ids[position] if position < len(ids) else None,
                        position=position,
                        speaker=new.speaker,
                        start=new.start,
                        end=new.end,
                        start_time=new.start_time,
                        end_time=new.end_time,
                    )
                )
            report.turns_removed = max(0, len(turns) - len(new_turns))
        else:
            for turn in turns:
                start, end = mapping.start(turn.start), mapping.end(turn.end)
                if end <= start or not new_text[start:end].strip():
                    report.turns_removed += 1
                    continue
                carried.append(replace(turn, position=len(carried), start=start, end=end))
        taken: set[tuple[int, int, int, int]] = set()
        new_segments: list[StoredSegment] = []
        for seg in segments:
            moved = move_span(mapping, old_text, new_text, seg.start, seg.end)
            start, end = moved.start, moved.end
            review, note = seg.review, seg.review_note
            old_quote = seg.text
            if not flag and moved.status != "vanished":
                pass
            elif moved.status == "vanished":
                start, end = anchor_vanished(new_text, moved.start)
                review, note = "vanished", f"The coded text was removed by an edit; it read: {old_quote}"
                report.vanished.append(seg.id)
            elif moved.status == "changed":
                review = review if review == "vanished" else "changed"
                note = note or f"The coded text was changed by an edit; it read: {old_quote}"
                report.changed.append(seg.id)
            if end <= start:  # an empty transcript: keep the segment on its first character
                start, end = 0, max(1, min(1, len(new_text)))
            key = (seg.code_id, seg.coder_id, start, end)
            while key in taken and end < len(new_text):  # two spans became one: keep both, apart
                end += 1
                key = (seg.code_id, seg.coder_id, start, end)
                review = review or "changed"
                note = note or f"Widened by an edit to stay apart from an identical segment; it read: {old_quote}"
            taken.add(key)
            if (start, end) != (seg.start, seg.end):
                report.moved += 1
            new_segments.append(
                replace(
                    seg, start=start, end=end, text=new_text[start:end] or old_quote, review=review, review_note=note
                )
            )
        store.rewrite_transcript(
            transcript_id,
            text=new_text,
            checksum=checksum or text_checksum(new_text),
            turns=carried,
            segments=new_segments,
        )
        report.audit_id = store.audit(
            action,
            "transcript",
            transcript_id,
            coder=coder,
            before={"text": old_text, "turns": turns, "segments": segments} if keep_before else None,
            after={
                "checksum": checksum or text_checksum(new_text),
                "changed_chars": report.changed_chars,
                "changed_segments": report.changed,
                "vanished_segments": report.vanished,
                **(details or {}),
            },
        )
    return report


def replace_passage(
    store: Store, transcript_id: int, start: int, end: int, replacement: str, *, coder: str | None
) -> EditReport:
    """Replace ``text[start:end]`` with ``replacement`` (the reader's edit of a selection)."""
    text = store.transcript_text(transcript_id)
    if text is None:
        raise WorkbenchError(f"there is no transcript {transcript_id}.")
    if not (0 <= start <= end <= len(text)):
        raise InputError(f"the passage {start}-{end} is outside the transcript (0-{len(text)}).")
    replacement = normalize(replacement)
    new_text, blocks = replacement_blocks(text, [Replacement(start, end, replacement)])
    return apply_text(
        store,
        transcript_id,
        new_text,
        coder=coder,
        blocks=blocks,
        details={"replaced": text[start:end], "with": replacement},
    )


def edit_text(store: Store, transcript_id: int, new_text: str, *, coder: str | None) -> EditReport:
    """A whole new text for the transcript (from an editor or a corrected file), diffed."""
    new_text = normalize(new_text)
    if not new_text.strip():
        raise InputError(
            "the new text is empty; the transcript was not changed.",
            hint="To remove a transcript's text, delete the transcript instead.",
        )
    return apply_text(store, transcript_id, new_text, coder=coder)


def set_speaker(store: Store, transcript_id: int, turn_number: int, speaker: str, *, coder: str | None) -> str:
    """Name the speaker of a turn (numbered from 1, as the reader shows them). Returns the old name."""
    speaker = " ".join(speaker.split())
    if not speaker:
        raise InputError("the speaker's name is empty.")
    with store.transaction():
        _, turns, _ = store.transcript_content(transcript_id)
        if not 1 <= turn_number <= len(turns):
            raise InputError(f"the transcript has turns 1 to {len(turns)}; there is no turn {turn_number}.")
        turn = turns[turn_number - 1]
        assert turn.id is not None  # a stored turn
        store.set_turn_speaker(turn.id, speaker)
        store.audit(
            "transcript.speaker",
            "transcript",
            transcript_id,
            coder=coder,
            before={"turn": turn_number, "speaker": turn.speaker},
            after={"turn": turn_number, "speaker": speaker},
        )
    return str(turn.speaker or "")


def undo_last_edit(store: Store, transcript_id: int, *, coder: str | None) -> EditReport:
    """Restore the transcript as it was before its last edit: the text, the turns and every
    segment's exact position, text and review flag. Refused if the text has changed since (undo
    the later edit first)."""
    with store.transaction():
        title = _title(store, transcript_id)
        entries = [
            e
            for e in store.audit_entries(limit=1_000_000, entity="transcript")
            if e.entity_id == transcript_id
            and e.action in (EDIT_ACTION, UNDO_ACTION)
            or e.entity_id == transcript_id
            and e.action == "pseudonymise"
        ]
        undone: set[int] = set()
        target = None
        for entry in entries:  # newest first
            after = _loads(entry.after) or {}
            if entry.action == UNDO_ACTION:
                undone.add(int(after.get("undid", 0)))
                continue
            if entry.id in undone:
                continue
            target = entry
            break
        if target is None:
            raise WorkbenchError(f"{title}: there is no edit to undo.")
        before = _loads(target.before) or {}
        after = _loads(target.after) or {}
        if "text" not in before:
            raise WorkbenchError(
                f"{title}: the last edit was a pseudonymisation, which keeps no original text "
                "and cannot be undone here.",
                hint="Restore the backup taken before it.",
            )
        text, turns, segments = store.transcript_content(transcript_id)
        current = store.transcript(transcript_id)
        stored = current.checksum if current else None
        if after.get("checksum") not in (text_checksum(text), stored):
            raise WorkbenchError(f"{title}: the text has changed since that edit; undo the later edit first.")
        by_id = {s["id"]: StoredSegment(**s) for s in before.get("segments", [])}
        restored: list[StoredSegment] = []
        for seg in segments:
            old = by_id.get(seg.id)
            restored.append(old if old else seg)  # segments coded after the edit stay as they are
        store.rewrite_transcript(
            transcript_id,
            text=before["text"],
            checksum=text_checksum(before["text"]),
            turns=_restore_turns([StoredTurn(**t) for t in before.get("turns", [])], turns),
            segments=restored,
        )
        report = EditReport(
            transcript_id,
            title,
            changed_chars=int(after.get("changed_chars", 0)),
            turns=len(before.get("turns", [])),
            segments=len(restored),
        )
        report.audit_id = store.audit(
            UNDO_ACTION,
            "transcript",
            transcript_id,
            coder=coder,
            before={"checksum": text_checksum(text)},
            after={"undid": target.id, "checksum": text_checksum(before["text"])},
        )
    return report


def _restore_turns(old_turns: list[StoredTurn], current: list[StoredTurn]) -> list[StoredTurn]:
    live = {t.id for t in current}
    return [t if t.id in live else replace(t, id=None) for t in old_turns]


def _loads(value: str | None) -> Any:
    import json

    return json.loads(value) if value else None


def update_from_file(
    store: Store,
    transcript_id: int,
    path: Path,
    *,
    coder: str | None,
    encoding: str | None = None,
    tags: str = "render",
) -> EditReport:
    """Re-import a corrected file over a transcript: the new text is read as the file's format
    says, and the coding is carried over to it. The transcript then carries the file's checksum,
    so importing the same file again changes nothing."""
    from workbench.ingest import read_transcript

    parsed = read_transcript(path, encoding, tags=tags)
    if not parsed.text.strip():
        raise InputError("the file has no text; the transcript was not changed.", path=path)
    return apply_text(
        store,
        transcript_id,
        parsed.text,
        coder=coder,
        new_turns=parsed.turns,
        details={"source": path.name},
        checksum=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def review_list(store: Store, transcript_id: int | None = None) -> list[ReviewSegment]:
    return store.segments_for_review(transcript_id)


def mark_reviewed(store: Store, segment_ids: Sequence[int], *, coder: str | None) -> int:
    with store.transaction():
        for segment_id in segment_ids:
            store.clear_review(segment_id)
            store.audit("segment.reviewed", "segment", segment_id, coder=coder)
    return len(segment_ids)
