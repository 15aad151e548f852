"""Full-text search over every transcript, and coding the hits.

Queries use SQLite FTS5's syntax: words, "exact phrases", prefix* and AND / OR / NOT with
parentheses. The index stems words (Porter), so "partner" also finds "partners" and
"partnering". With ``fuzzy`` each word also matches indexed words spelled nearly the same
(rapidfuzz), for the misspellings of automatic transcripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.coding import add_segment, code_ids_under, resolve_code
from workbench.errors import WorkbenchError
from workbench.sentences import split_sentences
from workbench.store import QueryError, Store

OPERATORS = {"AND", "OR", "NOT", "NEAR"}
FUZZY_SCORE = 84


@dataclass(slots=True)
class Hit:
    transcript_id: int
    transcript: str
    site: str | None
    participant: str | None
    role: str | None
    speaker: str | None
    start: int
    end: int
    sentence: tuple[int, int]
    context: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcript_id": self.transcript_id,
            "transcript": self.transcript,
            "site": self.site,
            "participant": self.participant,
            "role": self.role,
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "sentence_start": self.sentence[0],
            "sentence_end": self.sentence[1],
            "context": self.context,
        }


class Hits(list[Hit]):
    """The hits shown (all of them unless a limit was asked for) and ``total``, how many there are:
    a listing says "first 1,000 of 1,349", never stops silently."""

    total: int = 0

    @property
    def cut(self) -> bool:
        return self.total > len(self)


_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')


def fuzzy_query(store: Store, query: str) -> str:
    """Widen each plain word of a query to indexed words spelled nearly the same."""
    from rapidfuzz import fuzz, process

    vocabulary = store.vocabulary()
    out = []
    for token in _TOKEN.findall(query):
        plain = token.strip("*")
        if token.startswith('"') or token in "()" or token.upper() in OPERATORS or len(plain) < 4:
            out.append(token)
            continue
        close = [
            m[0]
            for m in process.extract(plain.lower(), vocabulary, scorer=fuzz.ratio, limit=6, score_cutoff=FUZZY_SCORE)
        ]
        alternatives = [token] + [f'"{word}"' for word in close if word != plain.lower()]
        out.append("(" + " OR ".join(alternatives) + ")" if len(alternatives) > 1 else token)
    return " ".join(out)


def marked_spans(marked: str) -> list[tuple[int, int]]:
    """Match positions in a highlight() string marked with \\x01 ... \\x02 (markers removed)."""
    spans: list[tuple[int, int]] = []
    position, start = 0, None
    for ch in marked:
        if ch == "\x01":
            start = position
        elif ch == "\x02":
            if start is not None:
                spans.append((start, position))
            start = None
        else:
            position += 1
    merged: list[tuple[int, int]] = []
    plain = marked.replace("\x01", "").replace("\x02", "")
    for span in spans:  # the words of a phrase come marked one by one: join them
        if merged and not plain[merged[-1][1] : span[0]].strip():
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


def search(
    store: Store,
    query: str,
    *,
    sites: list[str] | None = None,
    roles: list[str] | None = None,
    speakers: list[str] | None = None,
    code: str | None = None,
    fuzzy: bool = False,
    limit: int | None = None,
) -> Hits:
    """Every match of ``query``, with its transcript, speaker, sentence and context; with
    ``limit``, the first ``limit`` of them, and the number of all of them in ``total``."""
    if not query.strip():
        raise WorkbenchError("the search is empty.")
    match = fuzzy_query(store, query) if fuzzy else query
    try:
        rows = store.search_turns(match, limit=-1)  # every matching turn: no silent cap
    except QueryError as exc:
        raise WorkbenchError(
            f"the search {query!r} cannot be read: {exc.message}.",
            hint='Use words, "exact phrases", prefix* and AND / OR / NOT; put a phrase with '
            "punctuation in double quotes.",
        ) from exc
    info = {t.id: t for t in store.transcripts()}
    links: dict[int, list[tuple[str, str | None]]] = {}
    role_of: dict[str, str | None] = {}
    for link in store.transcript_participant_links():
        links.setdefault(link.transcript_id, []).append((link.label, link.role))
        role_of[link.label] = link.role
    # A hit is the participant's whose turn it is in (an interviewer's turn: the interview's one participant).
    speaking = {
        (t, speaker): label for t, speaker, label, kind in store.speaker_map() if kind == "participant" and label
    }
    wanted_codes = None
    coded: dict[int, list[tuple[int, int]]] = {}
    if code:
        wanted_codes = set(code_ids_under(store, resolve_code(store, code).id))
        for segment in store.segments(code_ids=list(wanted_codes)):
            coded.setdefault(segment.transcript_id, []).append((segment.start, segment.end))
    speakers_lower = {s.lower() for s in speakers or []}
    texts: dict[int, str] = {}
    hits = Hits()
    total = 0
    for row in rows:
        transcript = info[row.transcript_id]
        people = links.get(row.transcript_id, [])
        person = speaking.get((row.transcript_id, row.speaker or "")) or (
            people[0][0] if len({p for p, _ in people}) == 1 else None
        )
        role = role_of.get(person) if person else None
        if sites and transcript.site not in sites:
            continue
        if roles and role not in roles:
            continue
        if speakers_lower and (row.speaker or "").lower() not in speakers_lower:
            continue
        text = texts.setdefault(row.transcript_id, store.transcript_text(row.transcript_id) or "")
        sentences = split_sentences(text, [{"start": row.start, "end": row.end}])
        for a, b in marked_spans(row.marked):
            start, end = row.start + a, row.start + b
            sentence = next(((s, e) for s, e in sentences if s <= start < e), (row.start, row.end))
            if wanted_codes is not None and not any(
                s < sentence[1] and e > sentence[0] for s, e in coded.get(row.transcript_id, [])
            ):
                continue
            total += 1
            if limit is not None and len(hits) >= limit:
                continue  # counted, not shown
            lo, hi = max(row.start, start - 70), min(row.end, end + 70)
            context = ("…" if lo > row.start else "") + " ".join(text[lo:hi].split()) + ("…" if hi < row.end else "")
            hits.append(
                Hit(
                    row.transcript_id,
                    transcript.title,
                    transcript.site,
                    person,
                    role,
                    row.speaker,
                    start,
                    end,
                    sentence,
                    context,
                )
            )
    hits.total = total
    return hits


def code_hits(store: Store, hits: list[Hit], code: str, *, coder: str, origin: str = "manual") -> int:
    """Code the sentence of each hit (once per sentence) in one transaction; returns segments added."""
    code_id = resolve_code(store, code).id
    added = 0
    seen: set[tuple[int, int, int]] = set()
    with store.transaction():
        coder_id = store.coder_id(coder)
        for hit in hits:
            key = (hit.transcript_id, *hit.sentence)
            if key in seen or store.find_segment(hit.transcript_id, code_id, coder_id, *hit.sentence) is not None:
                continue
            seen.add(key)
            add_segment(
                store,
                transcript_id=hit.transcript_id,
                code_id=code_id,
                coder=coder,
                start=hit.sentence[0],
                end=hit.sentence[1],
                origin=origin,
            )
            added += 1
    return added
