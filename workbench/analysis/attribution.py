"""Credit for a coded segment: the participants whose speaker turns it covers (the rules are
those of :mod:`workbench.cases`, which maps speakers to participants). Pure data in, no store: the
analysis loads turns and speakers once and asks for every segment."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from workbench.models import PARTICIPANT


class Attribution:
    """Credits segments to participants by the speaker turns they cover (see the module's rules)."""

    def __init__(
        self,
        turns: Iterable[tuple[int, int, int, str]],
        speakers: Iterable[tuple[int, str, str | None, str]],
        links: dict[int, list[str]],
    ) -> None:
        who: dict[tuple[int, str], str] = {}
        mapped: dict[int, set[str]] = {}
        stored: set[int] = set()
        for transcript_id, speaker, label, role in speakers:
            stored.add(transcript_id)
            if role == PARTICIPANT and label is not None:
                who[(transcript_id, speaker)] = label
                mapped.setdefault(transcript_id, set()).add(label)
        self.single = {t: labels[0] for t, labels in links.items() if len(set(labels)) == 1}
        # A transcript whose speakers are not stored yet (brought in by a merge or a REFI-QDA import,
        # until `workbench speakers` maps them): a speaker named like one of its participants is that one.
        named = {(t, label.casefold()): label for t, labels in links.items() for label in labels}
        # Transcripts where every segment goes to the one participant: no need to look at turns.
        self.fixed = {t: (label,) for t, label in self.single.items() if mapped.get(t, set()) <= {label}}
        # Per transcript, turns sorted by start: starts, ends, the furthest end so far, participant.
        self.turns: dict[int, tuple[list[int], list[int], list[int], list[str | None]]] = {}
        for transcript_id, start, end, speaker in sorted(turns):
            if transcript_id in self.fixed:
                continue
            starts, ends, reach, people = self.turns.setdefault(transcript_id, ([], [], [], []))
            starts.append(start)
            ends.append(end)
            reach.append(max(end, reach[-1]) if reach else end)
            people.append(
                who.get((transcript_id, speaker))
                if transcript_id in stored
                else named.get((transcript_id, speaker.casefold()))
            )

    def credit(self, transcript_id: int, start: int, end: int) -> tuple[str, ...]:
        """The participants a segment of ``transcript_id`` from ``start`` to ``end`` is credited to,
        in the order of their turns."""
        fixed = self.fixed.get(transcript_id)
        if fixed is not None:
            return fixed
        found: list[str] = []
        turns = self.turns.get(transcript_id)
        if turns is not None:
            starts, ends, reach, people = turns
            i = bisect_left(starts, end) - 1  # the last turn that starts before the segment ends
            while i >= 0 and reach[i] > start:  # no turn at or before i reaches the segment otherwise
                person = people[i]
                if person is not None and ends[i] > start and person not in found:
                    found.append(person)
                i -= 1
        if found:
            return tuple(reversed(found))
        single = self.single.get(transcript_id)
        return (single,) if single is not None else ()
