"""Reconciling coders' disagreements into a consensus coding.

The units are those of the agreement statistics (sentences by default). A unit is a disagreement
when the coders who coded its transcript do not carry the same set of codes on it. Each decision
(take one coder's codes, both coders', neither, or other codes) is written as segments of the
``consensus`` coder with origin "consensus", recorded in the decisions table and the audit log, and
the segments' memo names the decision. ``accept_agreed`` copies every run of units on which all
coders agree into the consensus at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from workbench.agreement.units import carries, units_for
from workbench.coders import CONSENSUS
from workbench.coding import add_segment, resolve_code
from workbench.errors import WorkbenchError
from workbench.models import Decision
from workbench.store import Store


@dataclass(slots=True)
class Disagreement:
    transcript_id: int
    transcript: str
    start: int
    end: int
    text: str
    codes: dict[str, list[str]]  # coder -> code paths carried on the unit
    decision: Decision | None = None

    @property
    def settled(self) -> bool:
        return self.decision is not None


@dataclass(slots=True)
class UnitCoding:
    transcript_id: int
    transcript: str
    start: int
    end: int
    codes: dict[str, set[str]]  # present coder -> codes


def _default_overlap(unit: str, overlap: str | None) -> str:
    return overlap or ("any" if unit == "turn" else "half")


def unit_codings(
    store: Store,
    coders: list[str],
    *,
    unit: str = "sentence",
    overlap: str | None = None,
    transcript_ids: list[int] | None = None,
) -> list[UnitCoding]:
    """Every unit of the transcripts that two or more of ``coders`` coded, with each coder's codes."""
    if len(coders) < 2:
        raise WorkbenchError("reconciliation needs two or more coders.")
    rule = _default_overlap(unit, overlap)
    paths = {c.id: c.path for c in store.codes(counts=False)}
    out: list[UnitCoding] = []
    for transcript in store.transcripts():
        if transcript_ids is not None and transcript.id not in transcript_ids:
            continue
        segments = [s for s in store.segments(transcript_id=transcript.id) if s.coder in coders]
        present = [c for c in coders if any(s.coder == c for s in segments)]
        if len(present) < 2:
            continue
        text = store.transcript_text(transcript.id) or ""
        spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for s in segments:
            spans[(s.coder, paths[s.code_id])].append((s.start, s.end))
        for value in spans.values():
            value.sort()
        boundaries = {p for s in segments for p in (s.start, s.end)}
        for start, end in units_for(unit, text, store.turns(transcript.id), boundaries):
            if not text[start:end].strip():
                continue
            codes = {
                c: {path for (who, path), sp in spans.items() if who == c and carries((start, end), sp, rule)}
                for c in present
            }
            out.append(UnitCoding(transcript.id, transcript.title, start, end, codes))
    return out


def find_disagreements(
    store: Store,
    coders: list[str],
    *,
    unit: str = "sentence",
    overlap: str | None = None,
    transcript_ids: list[int] | None = None,
) -> list[Disagreement]:
    """Units where the coders differ, with the decision already taken on each (if any)."""
    decided: dict[tuple[int, int, int], Decision] = {}
    for decision in store.decisions():
        decided[(decision.transcript_id, decision.start, decision.end)] = decision
    texts: dict[int, str] = {}
    out = []
    for u in unit_codings(store, coders, unit=unit, overlap=overlap, transcript_ids=transcript_ids):
        if len({frozenset(v) for v in u.codes.values()}) <= 1:
            continue
        text = texts.setdefault(u.transcript_id, store.transcript_text(u.transcript_id) or "")
        out.append(
            Disagreement(
                u.transcript_id,
                u.transcript,
                u.start,
                u.end,
                text[u.start : u.end],
                {c: sorted(v) for c, v in u.codes.items()},
                decided.get((u.transcript_id, u.start, u.end)),
            )
        )
    return out


def accept_agreed(
    store: Store,
    coders: list[str],
    *,
    coder: str | None = None,
    unit: str = "sentence",
    overlap: str | None = None,
    transcript_ids: list[int] | None = None,
) -> int:
    """Copy what all coders agree on into the consensus: each run of consecutive units on which
    every coder carries a code becomes one consensus segment. Returns segments added."""
    options = {"unit": unit, "overlap": overlap, "transcript_ids": transcript_ids}  # for the audit log
    runs: list[tuple[int, str, int, int]] = []
    open_runs: dict[tuple[int, str], list[int]] = {}
    for u in unit_codings(store, coders, unit=unit, overlap=overlap, transcript_ids=transcript_ids):
        agreed = set.intersection(*u.codes.values()) if u.codes else set()
        for key in [k for k in open_runs if k[0] == u.transcript_id and k[1] not in agreed]:
            start, end = open_runs.pop(key)
            runs.append((key[0], key[1], start, end))
        for path in agreed:
            key = (u.transcript_id, path)
            if key in open_runs:
                open_runs[key][1] = u.end
            else:
                open_runs[key] = [u.start, u.end]
    runs.extend((k[0], k[1], v[0], v[1]) for k, v in open_runs.items())
    added = 0
    code_ids = {c.path: c.id for c in store.codes(counts=False)}
    with store.transaction():
        consensus_id = store.coder_id(CONSENSUS)
        for transcript_id, path, start, end in runs:
            code_id = code_ids[path]
            if store.find_segment(transcript_id, code_id, consensus_id, start, end) is not None:
                continue
            add_segment(
                store,
                transcript_id=transcript_id,
                code_id=code_id,
                coder=CONSENSUS,
                start=start,
                end=end,
                memo="agreed by " + ", ".join(coders),
                origin="consensus",
            )
            added += 1
        store.audit(
            "reconcile.accept_agreed",
            "segment",
            None,
            coder=coder,
            after={"coders": coders, "segments_added": added, **{k: v for k, v in options.items() if v}},
        )
    return added


def decide(
    store: Store,
    disagreement: Disagreement,
    choice: str,
    *,
    codes: list[str] | None = None,
    note: str | None = None,
    coder: str | None = None,
) -> list[int]:
    """Settle one disagreement: ``choice`` is a coder's name (take their codes), ``both`` (every
    coder's), ``neither``, or ``codes`` (the given code paths). Returns the consensus segments made."""
    if choice in disagreement.codes:
        chosen = list(disagreement.codes[choice])
    elif choice == "both":
        chosen = sorted(set().union(*map(set, disagreement.codes.values())))
    elif choice == "neither":
        chosen = []
    elif choice == "codes":
        chosen = [resolve_code(store, c).path for c in codes or []]
    else:
        raise WorkbenchError(
            f"unknown choice {choice!r}.", hint="Take a coder's name, both, neither, or codes with --code."
        )
    made: list[int] = []
    with store.transaction():
        audit_id = store.audit(
            "reconcile.decide",
            "decision",
            None,
            coder=coder,
            before={
                "transcript_id": disagreement.transcript_id,
                "start": disagreement.start,
                "end": disagreement.end,
                "codes": disagreement.codes,
            },
            after={"choice": choice, "codes": chosen, "note": note},
        )
        decision_id = store.insert_decision(
            transcript_id=disagreement.transcript_id,
            start=disagreement.start,
            end=disagreement.end,
            coders=list(disagreement.codes),
            choice=choice,
            codes=chosen,
            note=note,
            coder=coder,
            audit_id=audit_id,
        )
        consensus_id = store.coder_id(CONSENSUS)
        memo = f"decision {decision_id}" + (f": {note}" if note else "")
        for path in chosen:
            code_id = resolve_code(store, path).id
            if (
                store.find_segment(
                    disagreement.transcript_id, code_id, consensus_id, disagreement.start, disagreement.end
                )
                is None
            ):
                segment = add_segment(
                    store,
                    transcript_id=disagreement.transcript_id,
                    code_id=code_id,
                    coder=CONSENSUS,
                    start=disagreement.start,
                    end=disagreement.end,
                    memo=memo,
                    origin="consensus",
                )
                made.append(segment.id)
    disagreement.decision = next(d for d in store.decisions(disagreement.transcript_id) if d.id == decision_id)
    return made


def annotate(store: Store, disagreement: Disagreement, note: str | None, *, coder: str | None = None) -> None:
    """Write (or rewrite) the note of a decision already taken: on the decision, in the memo of
    the consensus segments it made, and in the audit log."""
    if disagreement.decision is None:
        raise WorkbenchError("this disagreement is not settled yet.", hint="Decide it first, or note before deciding.")
    decision_id = disagreement.decision.id
    memo = f"decision {decision_id}" + (f": {note}" if note else "")
    consensus = CONSENSUS
    with store.transaction():
        store.audit(
            "reconcile.note",
            "decision",
            decision_id,
            coder=coder,
            before={"note": disagreement.decision.note},
            after={"note": note},
        )
        store.set_decision_note(decision_id, note)
        for segment in store.segments(transcript_id=disagreement.transcript_id, coder=consensus):
            if segment.memo and (
                segment.memo == f"decision {decision_id}" or segment.memo.startswith(f"decision {decision_id}:")
            ):
                store.update_segment(segment.id, memo=memo)
    disagreement.decision = replace(disagreement.decision, note=note)
