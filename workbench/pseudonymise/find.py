"""Finding candidates: what the project knows, the team's word list, rules and a named spaCy
pipeline."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.pseudonymise.key import Candidate, Key, KeyEntry, load_key
from workbench.pseudonymise.match import Matcher
from workbench.pseudonymise.rules import (
    CAPITALISED,
    CATEGORY_STEMS,
    COMMON_WORDS,
    GENERIC_SITE_WORDS,
    GENERIC_SPEAKERS,
    IDENTIFYING_ATTRIBUTES,
    RULES,
    SENTENCE_START,
    TITLES,
    UNNUMBERED,
)
from workbench.store import Store


def find_candidates(
    store: Store,
    *,
    terms: str | Path | None = None,
    model: str | None = None,
    key: Key | None = None,
    rules: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Candidate]:
    """Every term that may identify someone, with its count and context, that ``key`` does not
    hold yet. Pseudonyms are proposed, consistent with the key's."""
    found: dict[str, Candidate] = {}

    def add(term: str, category: str, source: str, parent: str | None = None, pseudonym: str | None = None) -> None:
        term = " ".join(term.split()).strip(" ,.;:'\"“”()[]")
        if len(term) < 2 or term.casefold() in found:
            return
        found[term.casefold()] = Candidate(term, category, source, parent=parent, pseudonym=pseudonym)

    # 1. What the project knows.
    transcripts = store.transcripts()
    participant_speakers: dict[str, str] = {}
    for row in transcripts:
        speakers = Counter(t.speaker for t in store.turns(row.id) if t.speaker)
        role = str(row.role or "")
        named = []
        for speaker, _ in speakers.most_common():
            plain = TITLES.sub("", speaker).strip()
            if plain.casefold() in GENERIC_SPEAKERS or re.fullmatch(r"(?:speaker|participant|p)\s*\d+", plain, re.I):
                continue
            if row.interviewer and plain.casefold() in str(row.interviewer).casefold():
                continue
            named.append(speaker)
        for speaker in named:
            plain = TITLES.sub("", speaker).strip()
            if len(named) == 1 and role and "," not in role:  # the interview's one participant: named by role
                participant_speakers.setdefault(speaker, role[0].upper() + role[1:])
            add(speaker, "person", "speaker")
            if plain != speaker:
                add(plain, "person", "speaker", parent=speaker)
            last = plain.split()[-1] if plain.split() else ""
            if len(plain.split()) > 1 and len(last) > 2 and last[0].isupper():
                add(last, "person", "speaker", parent=speaker)
        if row.interviewer:
            for name in re.split(r"\s*[;,&]\s*|\s+and\s+", str(row.interviewer)):
                if not name.strip():
                    continue
                add(name, "interviewer", "interviewer")
                parts = TITLES.sub("", name).split()
                for part in parts if len(parts) > 1 else []:
                    if len(part) > 2 and part[0].isupper():
                        add(part, "interviewer", "interviewer", parent=" ".join(name.split()))
    for site in store.sites():
        name = str(site.name)
        add(name, "site", "site")
        words = name.split()
        short = list(words)
        while len(short) > 1 and short[-1].casefold() in GENERIC_SITE_WORDS:
            short.pop()
        if short != words:
            add(" ".join(short), "site", "site", parent=name)
        if len(words) > 1 and words[0].casefold() not in GENERIC_SITE_WORDS and len(words[0]) > 3:
            add(words[0], "site", "site", parent=name)
        for attr, value in site.attributes.items():
            if IDENTIFYING_ATTRIBUTES.search(_words(attr)) and isinstance(value, str):
                add(
                    value,
                    "location" if re.search("city|town|county|state|village", attr, re.I) else "organisation",
                    f"site attribute {attr}",
                )
    for participant in store.participants():
        add(str(participant.label), "participant", "participant")
        for attr, value in participant.attributes.items():
            if IDENTIFYING_ATTRIBUTES.search(_words(attr)) and isinstance(value, str):
                add(value, "person" if "name" in attr.lower() else "organisation", f"participant attribute {attr}")
    # 2. The team's own word list.
    if terms:
        for entry in load_key(terms).entries:
            add(entry.term, entry.category, f"word list {Path(terms).name}", pseudonym=entry.pseudonym or None)
    # 3. Rules, and 4. a named NER pipeline, over every transcript's text.
    texts = [(row.id, store.transcript_text(row.id) or "") for row in transcripts]
    if rules:
        lower_words: set[str] = set()
        for _, text in texts:
            lower_words.update(w for w in re.findall(r"\b[a-z][\w'’-]*", text))
        for index, (_tid, text) in enumerate(texts):
            if progress:
                progress(index, len(texts), "rules")
            for category, source, pattern in RULES:
                for match in pattern.finditer(text):
                    term = match.group()
                    if category == "street":  # "And Maple Street": the first word is not part of the name
                        words = term.split()
                        while len(words) > 2 and (
                            words[0].casefold() in lower_words or words[0].casefold() in COMMON_WORDS
                        ):
                            words = words[1:]
                        term = " ".join(words)
                    add(term, category, f"rule: {source}")
            for match in CAPITALISED.finditer(text):
                words = [re.sub(r"['’]s$", "", w) for w in match.group().split()]

                def common(word: str) -> bool:
                    return word.casefold() in lower_words or word.casefold() in COMMON_WORDS

                at_start = SENTENCE_START.search(text[max(0, match.start() - 3) : match.start()]) is not None
                while words and common(words[0]):  # "If Rosa", "At Riverbend": the first word is not a name
                    words = words[1:]
                    at_start = False
                while words and common(words[-1]):
                    words = words[:-1]
                if not words or (at_start and len(words) == 1 and words[0] == match.group()):
                    continue  # a lone capital at the start of a sentence says nothing
                add(" ".join(words), "name", "rule: capitalised, never in lower case")
    if model:
        _ner_candidates(model, texts, add)
    # Counts, transcripts and context, in one pass per transcript.
    candidates = [c for c in found.values() if not key or c.term.casefold() not in key.terms()]
    counting = Matcher(KeyEntry(c.term, c.category, "x") for c in candidates)
    by_term = {c.term: c for c in candidates}
    for tid, text in texts:
        for start, end, entry in counting.find(text):
            cand = by_term[entry.term]
            cand.count += 1
            cand.transcripts.add(tid)
            if not cand.context:
                cand.context = " ".join(text[max(0, start - 40) : min(len(text), end + 40)].split())
    for cand in candidates:  # names known to the project count even where the text never says them
        if cand.count == 0 and cand.source.startswith("rule"):
            cand.count = 1
    _propose(candidates, key, participant_speakers)
    order = {"speaker": 0, "interviewer": 1, "participant": 2, "site": 3}
    return sorted(candidates, key=lambda c: (order.get(c.source.split()[0], 4), c.category, -c.count, c.term))


def _words(key: str) -> str:
    return re.sub(r"[_\-.:]+", " ", key)


def _attributes(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        data = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _ner_candidates(model: str, texts: list[tuple[int, str]], add: Callable[..., None]) -> None:
    import spacy

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise WorkbenchError(
            f"the spaCy pipeline {model!r} is not installed here ({exc}).",
            hint="Name an installed pipeline or a pipeline folder; nothing is downloaded.",
        ) from exc
    if "ner" not in nlp.pipe_names:
        raise WorkbenchError(
            f"the spaCy pipeline {model!r} has no NER component.",
            hint="Use a pipeline with an entity recognizer, or leave out --model.",
        )
    mapping = {
        "PERSON": "person",
        "ORG": "organisation",
        "GPE": "location",
        "LOC": "location",
        "FAC": "location",
        "DATE": "date",
    }
    for _, text in texts:
        for doc in nlp.pipe([text[i : i + 100_000] for i in range(0, len(text), 100_000)]):
            for ent in doc.ents:
                if ent.label_ in mapping and not (ent.label_ == "DATE" and re.fullmatch(r"\d{4}s?", ent.text)):
                    add(ent.text, mapping[ent.label_], f"model: {ent.label_}")


def _propose(candidates: list[Candidate], key: Key | None, speakers: dict[str, str]) -> None:
    """Category-aware pseudonyms, numbered after those the key already uses."""
    used: Counter[str] = Counter()
    if key:
        for entry in key.entries:
            m = re.fullmatch(r"\[(.+?) (\d+)\]", entry.pseudonym)
            if m:
                used[m.group(1)] = max(used[m.group(1)], int(m.group(2)))
    # One person, one pseudonym: a lone first or last name belongs to the one longer name it is part of.
    longer: dict[str, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        words = cand.term.split()
        if len(words) > 1 and cand.category in ("person", "interviewer", "name"):
            for word in (words[0], words[-1]):
                longer[word].append(cand)
    for cand in candidates:
        owners = longer.get(cand.term, [])
        if (
            cand.parent is None
            and not cand.pseudonym
            and " " not in cand.term
            and len(owners) == 1
            and cand.category in ("person", "interviewer", "name")
        ):
            cand.parent = owners[0].parent or owners[0].term
    given: dict[str, str] = {}
    for cand in sorted(candidates, key=lambda c: (c.parent is not None, -c.count)):
        if cand.pseudonym:
            given[cand.term] = cand.pseudonym
            continue
        if cand.parent and cand.parent in given:
            cand.pseudonym = given[cand.parent]
            continue
        if key and cand.parent:
            parent = next((e for e in key.entries if e.term == cand.parent), None)
            if parent and parent.pseudonym:
                cand.pseudonym = parent.pseudonym
                continue
        stem = CATEGORY_STEMS.get(cand.category, cand.category.title())
        if cand.category == "person" and cand.term in speakers:
            stem = speakers[cand.term]
        if cand.category in UNNUMBERED:
            cand.pseudonym = f"[{stem}]"
        else:
            used[stem] += 1
            cand.pseudonym = f"[{stem} {used[stem]}]"
        given[cand.term] = cand.pseudonym


def add_to_key(key: Key, candidates: Iterable[Candidate], *, status: str = "proposed") -> int:
    have = key.terms()
    added = 0
    for cand in candidates:
        if cand.term.casefold() in have:
            continue
        default = status
        if status == "auto":  # what the project itself knows is accepted; rules and models wait for review
            default = (
                "accept"
                if cand.source.split()[0] in ("speaker", "interviewer", "site", "participant", "word")
                else "proposed"
            )
        key.entries.append(KeyEntry(cand.term, cand.category, cand.pseudonym or "[Redacted]", default, cand.source))
        have.add(cand.term.casefold())
        added += 1
    return added


# -- applying --------------------------------------------------------------------------------------
