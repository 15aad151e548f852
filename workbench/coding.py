"""Coding use cases: find transcripts, codes and passages; add, change and remove segments.

Each change commits at once, in one transaction with its audit-log entry (before/after), so
killing the program never loses an acknowledged change and never leaves half of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.errors import InputError, NotFoundError, WorkbenchError
from workbench.models import Code, Segment, TranscriptRef, as_dict
from workbench.store import Store

ORIGINS = ("manual", "imported", "suggested", "consensus")


def resolve_transcript(store: Store, ref: str | int) -> TranscriptRef:
    """The transcript named by id, title or file name; a clear error when none or several match."""
    matches = store.find_transcripts(str(ref))
    if not matches:
        # a participant's id (HV-01) names their transcript when they have only one
        wanted = str(ref).strip().casefold()
        ids = sorted(
            {
                link.transcript_id
                for link in store.transcript_participant_links()
                if (link.label or "").casefold() == wanted
            }
        )
        matches = [m for i in ids for m in store.find_transcripts(str(i)) if m.id == i]
        if len(matches) > 1:
            listed = ", ".join(f"{m.id} ({m.title})" for m in matches[:5])
            raise WorkbenchError(
                f"participant {ref!r} has {len(matches)} transcripts: {listed}.",
                hint="Give the transcript's id instead (the # column of `workbench transcripts`).",
            )
    if len(matches) == 1:
        return matches[0]
    if not matches:
        from rapidfuzz import process

        titles = [t.title for t in store.transcripts()]
        close = [m[0] for m in process.extract(str(ref), titles, limit=3, score_cutoff=50)]
        hint = ("Did you mean: " + "; ".join(close) + "?") if close else "List them with `workbench transcripts`."
        raise NotFoundError(f"no transcript called {ref!r}.", hint=hint)
    listed = ", ".join(f"{m.id} ({m.title})" for m in matches[:5])
    raise WorkbenchError(
        f"{len(matches)} transcripts match {ref!r}: {listed}.", hint="Give the transcript's id instead."
    )


def resolve_code(store: Store, ref: str) -> Code:
    """The code named by its path ("Barriers/Time"), or by a name no other code has."""
    from workbench.codes import find_code

    return find_code(store.codes(counts=False), ref)


def find_quote(text: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """Where ``quote`` stands in ``text``, ignoring differences in whitespace and curly quotes.

    Returns code-point offsets (start, end exclusive). Several matches need ``occurrence``
    (1-based); none is an error that shows the quote.
    """
    words = quote.split()
    if not words:
        raise InputError("the quoted text is empty.")
    pattern = r"\s+".join(_flex(word) for word in words)
    matches = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    shown = quote if len(quote) < 80 else quote[:77] + "..."
    if not matches:
        raise NotFoundError(
            f"the text {shown!r} is not in the transcript.",
            hint="Copy the passage exactly as it stands in the transcript.",
        )
    if occurrence is None:
        if len(matches) > 1:
            raise WorkbenchError(
                f"the text {shown!r} occurs {len(matches)} times in the transcript.",
                hint="Quote more words, or say which one with --occurrence N.",
            )
        return matches[0]
    if not 1 <= occurrence <= len(matches):
        raise WorkbenchError(f"the text {shown!r} occurs {len(matches)} times; there is no occurrence {occurrence}.")
    return matches[occurrence - 1]


_QUOTES = {
    "'": "['\u2018\u2019]",
    "\u2019": "['\u2018\u2019]",
    "\u2018": "['\u2018\u2019]",
    '"': '["\u201c\u201d]',
    "\u201c": '["\u201c\u201d]',
    "\u201d": '["\u201c\u201d]',
}


def _flex(word: str) -> str:
    return "".join(_QUOTES.get(ch, re.escape(ch)) for ch in word)


def add_segment(
    store: Store,
    *,
    transcript_id: int,
    code_id: int,
    coder: str,
    start: int,
    end: int,
    memo: str | None = None,
    origin: str = "manual",
) -> Segment:
    """Code ``text[start:end]`` of a transcript; committed at once with its audit entry."""
    if origin not in ORIGINS:
        raise WorkbenchError(f"unknown origin {origin!r}.", hint="One of: " + ", ".join(ORIGINS) + ".")
    if memo:
        from workbench.textclean import clean_text

        memo = clean_text(memo)
    after = {
        "transcript_id": transcript_id,
        "code_id": code_id,
        "coder": coder,
        "start": start,
        "end": end,
        "memo": memo,
        "origin": origin,
    }
    # One step where the engine has one (a team database); else, or when a check fails, step by step.
    found = store.insert_segment_audited(
        transcript_id=transcript_id,
        code_id=code_id,
        coder=coder,
        start=start,
        end=end,
        memo=memo,
        origin=origin,
        after=after,
    )
    if found is not None:
        return _segment(store, found)
    text = store.transcript_text(transcript_id)
    if text is None:
        raise NotFoundError(f"no transcript {transcript_id}.")
    if not (0 <= start < end <= len(text)):
        raise InputError(
            f"the passage {start}-{end} is outside the transcript (it has {len(text)} characters).",
            hint="Offsets count characters from 0; the end is exclusive and must be after the start.",
        )
    if store.code_raw(code_id) is None:
        raise NotFoundError(f"no code {code_id}.")
    with store.transaction():
        coder_id = store.coder_id(coder)
        if store.find_segment(transcript_id, code_id, coder_id, start, end) is not None:
            raise WorkbenchError(f"{coder} has already coded this passage with this code.")
        segment_id = store.insert_segment(
            transcript_id=transcript_id,
            code_id=code_id,
            coder_id=coder_id,
            start=start,
            end=end,
            text=text[start:end],
            memo=memo,
            origin=origin,
        )
        store.audit("segment.add", "segment", segment_id, coder=coder, after=after)
    return _segment(store, segment_id)


def _segment(store: Store, segment_id: int) -> Segment:
    segment = store.segment(segment_id)
    if segment is None:
        raise NotFoundError(f"no segment {segment_id}.", hint="List segments with `workbench segments`.")
    return segment


def remove_segment(store: Store, segment_id: int, *, coder: str | None = None) -> Segment:
    """Remove a segment; the audit log keeps what it was."""
    with store.transaction():
        before = store.segment(segment_id)
        if before is None:
            raise NotFoundError(f"no segment {segment_id}.", hint="List segments with `workbench segments`.")
        store.delete_segment(segment_id)
        store.audit("segment.remove", "segment", segment_id, coder=coder, before=before)
    return before


def update_segment(store: Store, segment_id: int, *, coder: str | None = None, **changes: Any) -> Segment:
    """Change a segment's code, boundaries or memo; the text snapshot follows the boundaries."""
    with store.transaction():
        before = store.segment(segment_id)
        if before is None:
            raise NotFoundError(f"no segment {segment_id}.")
        start = changes.get("start", before.start)
        end = changes.get("end", before.end)
        text = store.transcript_text(before.transcript_id) or ""
        if not (0 <= start < end <= len(text)):
            raise InputError(f"the passage {start}-{end} is outside the transcript.")
        fields = {k: v for k, v in changes.items() if k in ("code_id", "start", "end", "memo")}
        if fields.get("memo"):
            from workbench.textclean import clean_text

            fields["memo"] = clean_text(fields["memo"])
        if "start" in fields or "end" in fields:
            fields["text"] = text[start:end]
        store.update_segment(segment_id, **fields)
        after = _segment(store, segment_id)
        store.audit("segment.update", "segment", segment_id, coder=coder, before=before, after=after)
    return after


def add_memo(store: Store, target: str, target_id: int | None, text: str, *, coder: str | None = None) -> int:
    """Write a memo on the project, a transcript or a code (control characters are removed)."""
    from workbench.textclean import clean_text

    text = clean_text(text)
    if not text.strip():
        raise InputError("the memo is empty.")
    after = {"target": target, "target_id": target_id, "text": text}
    if coder and (found := store.insert_memo_audited(target, target_id, coder, text, after)) is not None:
        return found  # in one step (a team database)
    with store.transaction():
        coder_id = store.coder_id(coder) if coder else None
        memo_id = store.insert_memo(target, target_id, coder_id, text)
        store.audit("memo.add", "memo", memo_id, coder=coder, after=after)
    return memo_id


def missing_parents(store: Store, path: str) -> list[str]:
    """The paths of the codes above ``path`` ("Theme/Sub/Name") that do not exist yet, top first."""
    parts = [" ".join(part.split()) for part in path.strip().strip("/").split("/")]
    existing = {c.path.casefold() for c in store.codes(counts=False)}
    above = ["/".join(parts[:i]) for i in range(1, len(parts))]
    return [p for p in above if p and p.casefold() not in existing]


def create_code(
    store: Store,
    path: str,
    *,
    coder: str | None = None,
    definition: str | None = None,
    colour: str | None = None,
    parents: bool = False,
) -> Code:
    """Add a code by path ("Theme/New code"); its parent must exist, unless ``parents`` asks to
    create the missing ones too (in the same transaction). Used for codes made while coding,
    including in-vivo codes named after the coder's selection."""
    parts = [part.strip() for part in path.strip().strip("/").split("/")]
    if not parts or not all(parts):
        raise InputError("a code needs a name.", hint='Write it as "Name" or "Theme/Name".')
    if parents and missing_parents(store, path):
        with store.transaction():
            for above in missing_parents(store, path):
                create_code(store, above, coder=coder)
            return create_code(store, path, coder=coder, definition=definition, colour=colour)
    name = " ".join(parts[-1].split())
    parent = resolve_code(store, "/".join(parts[:-1])) if len(parts) > 1 else None
    existing = {c.path.casefold() for c in store.codes(counts=False)}
    full = "/".join(([parent.path] if parent else []) + [name])
    if full.casefold() in existing:
        raise WorkbenchError(f"the code {full!r} already exists.")
    with store.transaction():
        siblings = [c for c in store.codes(counts=False) if c.parent_id == (parent.id if parent else None)]
        code_id = store.insert_code(
            name=name,
            parent_id=parent.id if parent else None,
            position=len(siblings),
            definition=definition,
            colour=colour or (parent.colour if parent else None),
        )
        store.audit("code.add", "code", code_id, coder=coder, after={"path": full, "definition": definition})
    return next(c for c in store.codes(counts=False) if c.id == code_id)


def remove_unused_code(store: Store, code_id: int, *, coder: str | None = None) -> bool:
    """Delete a code nothing uses (no segment, sub-code or memo), as when the coding that made it
    is undone; returns whether it was deleted. The audit log keeps it."""
    code = store.code_raw(code_id)
    if code is None:
        return False
    if (
        store.segments(code_ids=[code_id])
        or any(c.parent_id == code_id for c in store.codes(counts=False))
        or store.memos("code", code_id)
    ):
        return False
    path = next((c.path for c in store.codes(counts=False) if c.id == code_id), code.name)
    with store.transaction():
        store.delete_code(code_id)
        store.audit("code.delete", "code", code_id, coder=coder, before={"path": path})
    return True


IN_VIVO_THEME = "In vivo"


def in_vivo_name(passage: str, limit: int = 60) -> str:
    """A code name made of the coder's selected words (quotes and slashes removed)."""
    words = " ".join(passage.replace("/", " ").split()).strip(" .,;:!?\"'“”‘’")
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + "…"


def create_in_vivo_code(store: Store, passage: str, *, coder: str | None = None) -> Code:
    """An in-vivo code under the "In vivo" theme (made when first needed)."""
    if not any(c.path == IN_VIVO_THEME for c in store.codes(counts=False)):
        create_code(
            store,
            IN_VIVO_THEME,
            coder=coder,
            colour="#bcbd22",
            definition="Codes named in the participants' own words, made while coding.",
        )
    return create_code(store, f"{IN_VIVO_THEME}/{in_vivo_name(passage)}", coder=coder)


def code_ids_under(store: Store, code_id: int) -> list[int]:
    """A code and all its descendants (retrieving a theme retrieves its sub-codes)."""
    from workbench.codes import codes_within

    return codes_within(store.codes(counts=False), [code_id])


@dataclass(frozen=True, slots=True)
class SegmentListing(Segment):
    """A segment as listings show it: with its code's path."""

    code: str | None = None


def list_segments(
    store: Store,
    *,
    transcript: str | None = None,
    code: str | None = None,
    coder: str | None = None,
    site: str | None = None,
) -> list[SegmentListing]:
    """Coded segments with their context, filtered; a code includes its sub-codes."""
    paths = {c.id: c.path for c in store.codes(counts=False)}
    transcript_id = resolve_transcript(store, transcript).id if transcript else None
    code_ids = code_ids_under(store, resolve_code(store, code).id) if code else None
    rows = store.segments(transcript_id=transcript_id, code_ids=code_ids, coder=coder, site=site)
    return [SegmentListing(**as_dict(row), code=paths.get(row.code_id)) for row in rows]
