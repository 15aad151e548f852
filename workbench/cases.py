"""Speakers as cases: who is speaking in each turn, and which participant a coded segment is
credited to.

Every transcript's speakers (as its turns name them) are stored with their role: a participant
(mapped to one of the project's participants, the cases of the analysis) or an interviewer /
moderator (never a participant). At import they are mapped from the metadata (a ``speakers``
mapping in the front matter or the metadata CSV), else:

- interviewer labels (``Interviewer``, ``Moderator``, ``Facilitator``, ``I``, ``Q``...) and the
  transcript's named interviewer are interviewers;
- with one listed participant, every other speaker is that participant (an interview);
- with several, a speaker named like one of them is that one; the others are reported unmapped;
- with none, each other speaker becomes a participant at the transcript's site (named after the
  speaker, or ``Speaker (transcript)`` when another transcript already has a participant of that
  name: the same person in two transcripts is merged only by mapping them, never by guessing).

A segment is credited to the participants whose turns it covers (a segment across two speakers'
turns counts for each of them, once). A segment that covers no participant's turn (an
interviewer's question, text outside the turns) is credited to the transcript's participant when
it has exactly one, else to nobody. ``workbench speakers`` lists and re-maps them.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.analysis.attribution import Attribution
from workbench.errors import NotFoundError, WorkbenchError
from workbench.models import INTERVIEWER, PARTICIPANT, SpeakerCase
from workbench.store import Store

__all__ = ["Attribution", "assign_speakers", "ensure_speakers", "is_interviewer", "list_speakers", "map_speaker"]

INTERVIEWER_LABELS = {"interviewer", "moderator", "facilitator", "int", "i", "q", "host", "researcher"}
_NUMBERED = re.compile(r"^(interviewer|moderator) \d+$")


def is_interviewer(speaker: str, interviewer: str | None = None) -> bool:
    """Whether a speaker label names the interviewer/moderator (the same rule as migration 7)."""
    label = speaker.strip().casefold()
    return (
        label in INTERVIEWER_LABELS
        or bool(_NUMBERED.match(label))
        or (bool(interviewer) and label == str(interviewer).strip().casefold())
    )


def _mapping(value: Any) -> dict[str, str]:
    """A ``speakers`` mapping from front matter (a dict) or a CSV cell (``Name=P1; Other=interviewer``)."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() for k, v in value.items() if str(k).strip() and v not in (None, "")}
    out: dict[str, str] = {}
    for part in str(value).split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise WorkbenchError(
                f"the speakers entry {part.strip()!r} has no '='.",
                hint="Write speakers as Name=PARTICIPANT; Other Name=interviewer.",
            )
        name, _, who = part.partition("=")
        out[name.strip()] = who.strip()
    return out


def _new_label(store: Store, speaker: str, title: str) -> str:
    label = speaker
    if store.participant_by_label(label) is not None:
        label = f"{speaker} ({title})"
        n = 2
        while store.participant_by_label(label) is not None:
            label, n = f"{speaker} ({title}, {n})", n + 1
    return label


def assign_speakers(
    store: Store,
    transcript_id: int,
    *,
    title: str,
    listed: list[int],
    interviewer: str | None = None,
    mapping: Any = None,
    role: str | None = None,
) -> list[str]:
    """Map a newly imported transcript's speakers (inside the import's transaction); returns
    warnings for speakers left unmapped."""
    explicit = {k.casefold(): v for k, v in _mapping(mapping).items()}
    site_id = store.transcript_site_id(transcript_id)
    speakers = store.transcript_speakers(transcript_id)
    listed_labels = {}
    for pid in listed:
        row = next((p for p in store.participants() if p.id == pid), None)
        if row:
            listed_labels[row.label.casefold()] = pid
    warnings: list[str] = []
    for speaker in speakers:
        who = explicit.get(speaker.casefold())
        if who is not None:
            if who.casefold() in ("interviewer", "moderator"):
                store.set_speaker(transcript_id, speaker, None, INTERVIEWER)
                continue
            pid = store.participant_id(who, role=role, site_id=site_id)
            store.set_speaker(transcript_id, speaker, pid, PARTICIPANT)
            store.link_participant(transcript_id, pid)
            continue
        if speaker and is_interviewer(speaker, interviewer):
            store.set_speaker(transcript_id, speaker, None, INTERVIEWER)
        elif len(listed) == 1:
            store.set_speaker(transcript_id, speaker, listed[0], PARTICIPANT)
        elif listed:
            store.set_speaker(transcript_id, speaker, listed_labels.get(speaker.casefold()), PARTICIPANT)
            if pid is None and speaker:
                warnings.append(
                    f"speaker {speaker!r} is not one of the listed participants; map it with "
                    f"`workbench speakers map {transcript_id} {speaker!r} PARTICIPANT`."
                )
        elif speaker:
            pid = store.participant_id(_new_label(store, speaker, title), role=role, site_id=site_id)
            store.set_speaker(transcript_id, speaker, pid, PARTICIPANT)
            store.link_participant(transcript_id, pid)
        else:  # unlabelled turns beside named speakers: an unknown speaker
            store.set_speaker(transcript_id, speaker, None, PARTICIPANT)
    return warnings


def ensure_speakers(store: Store) -> int:
    """Map the speakers of transcripts that have none yet (brought in by a merge or a REFI-QDA
    import) by the import's rules; returns how many transcripts were mapped."""

    missing = store.transcripts_without_speakers()
    if missing:
        with store.transaction():
            for row in missing:
                listed = [int(i) for i in (row.participant_ids or []) if i is not None]
                assign_speakers(store, row.id, title=row.title, listed=listed, interviewer=row.interviewer)
    return len(missing)


def list_speakers(store: Store, transcript: str | None = None) -> list[SpeakerCase]:
    from workbench.coding import resolve_transcript

    transcript_id = resolve_transcript(store, transcript).id if transcript else None
    return [
        SpeakerCase(r.transcript_id, r.transcript, r.site, r.speaker, r.role, r.participant, r.turns or 0)
        for r in store.speaker_rows(transcript_id)
    ]


def map_speaker(
    store: Store,
    transcript: str,
    speaker: str,
    participant: str | None = None,
    *,
    interviewer: bool = False,
    coder: str | None = None,
) -> SpeakerCase:
    """Map one speaker of a transcript to a participant (made at the transcript's site if new;
    an existing one is the same person, merged across transcripts) or mark it as the interviewer."""
    from workbench.coding import resolve_transcript

    if interviewer == (participant is not None):
        raise WorkbenchError(
            "give either a participant or --interviewer.",
            hint='e.g. workbench speakers map T "Denise Porter" HV-02, or ... --interviewer.',
        )
    found = resolve_transcript(store, transcript)
    rows = store.speaker_rows(found.id)
    wanted = speaker.strip()
    if wanted.casefold() in ("(unlabelled)", "(unknown)"):
        wanted = ""
    row = next((r for r in rows if r.speaker == wanted), None) or next(
        (r for r in rows if r.speaker.casefold() == wanted.casefold()), None
    )
    if row is None:
        names = ", ".join(repr(r.speaker or "(unlabelled)") for r in rows) or "none"
        raise NotFoundError(f"{found.title!r} has no speaker {speaker!r}.", hint=f"Its speakers: {names}.")
    label = participant.strip() if participant is not None else None  # None: the interviewer
    if label == "":
        raise WorkbenchError("the participant's name is empty.")
    with store.transaction():
        before = {"speaker": row.speaker, "participant": row.participant, "role": row.role}
        if label is None:
            pid, role = None, INTERVIEWER
        else:
            existing = store.participant_by_label(label)
            pid = (
                existing.id
                if existing
                else store.participant_id(label, role=None, site_id=store.transcript_site_id(found.id))
            )
            role = PARTICIPANT
        store.set_speaker(found.id, row.speaker, pid, role)
        if pid is not None:
            store.link_participant(found.id, pid)
        old = row.participant_id
        if (
            old is not None
            and old != pid
            and not any(r.participant_id == old and r.speaker != row.speaker and r.role == PARTICIPANT for r in rows)
        ):
            store.unlink_participant(found.id, old)
        after = {"speaker": row.speaker, "participant": label, "role": role}
        store.audit("map speaker", "transcript", found.id, coder=coder, before=before, after=after)
    return next(s for s in list_speakers(store, str(found.id)) if s.speaker == row.speaker)
