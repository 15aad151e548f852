"""Pseudonymising a project for sharing and archiving, with every coded segment kept.

Three steps, each a use case the command line and the app call:

1. **Find** candidates: first what the project knows (speakers, participants, sites and their
   distinctive short names, interviewers, identifying attributes), then the team's own word list
   (term, category, pseudonym), then rules (e-mail, phone, URL, street names and addresses,
   postcodes, dates more precise than a year, ages over 89, record numbers, and capitalised names
   never written in lower case anywhere in the project), and, only when the user names an
   installed spaCy pipeline with an NER component, its entities. Nothing is downloaded.
2. **Review**: the candidates go into a *key* file (YAML: term, category, pseudonym, status), kept
   outside the project; a second run proposes only terms the key does not hold yet. A term is
   replaced only when its status is ``accept``.
3. **Apply**: a new project in which every transcript, segment text, memo, speaker, participant,
   site and code name, attribute, note and audit-log entry has the accepted terms replaced, the
   coding carried over exactly (:mod:`workbench.retext`), the search index rebuilt and the file
   vacuumed so no original text survives in free pages. ``verify`` checks that no accepted term
   remains in a project or an exported file.

Matching: a term matches whole words only. Single words match with their own capitalisation (or
in capitals: ``NATARAJAN``); terms of several words, and terms with digits or symbols, match in
any case. Where matches overlap, the longest wins (then the earliest).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InputError, WorkbenchError
from workbench.retext import Replacement, replacement_blocks
from workbench.store import Store

KEY_VERSION = 1
MAX_KEY_BYTES = 20 * 1024 * 1024
MAX_TERMS = 200_000
STATUSES = ("accept", "reject", "proposed")

# The pseudonym stem of each category; numbered in order of first appearance ("[Site 2]").
CATEGORY_STEMS = {
    "person": "Person", "interviewer": "Interviewer", "participant": "Participant", "site": "Site",
    "organisation": "Organisation", "location": "Place", "street": "Street", "address": "Address",
    "date": "Date", "email": "Email", "phone": "Phone", "url": "URL", "postcode": "Postcode",
    "age": "Age over 89", "id": "ID", "name": "Name",
}
UNNUMBERED = {"street", "address", "date", "email", "phone", "url", "postcode", "age", "id"}

GENERIC_SPEAKERS = {
    "interviewer", "moderator", "facilitator", "participant", "respondent", "interviewee", "speaker",
    "unknown", "doctor", "patient", "therapist", "client", "nurse", "host", "guest", "audience", "note-taker",
    "notetaker", "observer", "researcher", "all", "group", "several", "multiple", "crosstalk",
}
GENERIC_SITE_WORDS = {
    "internal", "medicine", "family", "community", "health", "healthcare", "plan", "partners", "partnership",
    "aco", "alliance", "neighbors", "neighbours", "pediatrics", "paediatrics", "clinic", "center", "centre",
    "hospital", "practice", "group", "services", "care", "medical", "the", "of", "and", "associates", "trust",
    "foundation", "network", "council", "county", "university", "school",
}
IDENTIFYING_ATTRIBUTES = re.compile(
    r"\b(?:name|city|town|village|county|state|address|street|postcode|zip|organi[sz]ation|employer|hospital|clinic"
    r"|email|e-mail|phone|school|workplace|birth ?date|date of birth)\b", re.I)
TITLES = re.compile(r"^(?:dr|mr|mrs|ms|miss|prof|professor|rev|sr|sister|nurse)\.?\s+", re.I)

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
RULES: list[tuple[str, str, re.Pattern[str]]] = [
    ("email", "email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", "url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")),
    ("phone", "phone", re.compile(
        r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?!\w)")),
    ("id", "id", re.compile(r"\b\d{3}-\d{2}-\d{4}\b|\b(?:MRN|NHS|SSN|record|chart|patient|member)\s*"
                            r"(?:number|no\.?|#|ID)?\s*[:#]?\s*(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,}\b", re.I)),
    ("address", "address", re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|"
        r"Drive|Way|Court|Place|Terrace|Close)(?!\w)")),
    ("street", "street", re.compile(
        r"\b(?:[A-Z][a-z]+\s+){1,2}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Terrace|Square)\b")),
    ("postcode", "postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\b(?:[A-Z]{2}|ZIP)\s+\d{5}(?:-\d{4})?\b")),
    ("date", "date", re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}\b"
        rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
        rf"|\b{_MONTHS}\.?\s+(?:of\s+)?\d{{4}}\b"
        r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")),
    ("age", "age", re.compile(r"\b(?:9\d|1[0-2]\d)(?:[- ]years?[- ]old|[- ]year-old|\s?y/?o)\b"
                              r"|\b(?:aged?|age of)\s+(?:9\d|1[0-2]\d)\b", re.I)),
]
_CAPITALISED = re.compile(r"(?<![\w.])(?:[A-Z][a-z][\w’'-]*)(?: +(?:[A-Z][a-z][\w’'-]*))*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“\]\)]\s+|\n\s*)$")


@dataclass(slots=True)
class Candidate:
    """A term found in the project that may identify someone."""

    term: str
    category: str
    source: str
    count: int = 0
    transcripts: set[int] = field(default_factory=set)
    context: str = ""
    pseudonym: str | None = None
    parent: str | None = None  # a short form of another term (shares its pseudonym)


@dataclass(slots=True)
class KeyEntry:
    term: str
    category: str
    pseudonym: str
    status: str = "proposed"
    source: str = ""


@dataclass(slots=True)
class Key:
    """Original -> pseudonym, consistent across the whole project; kept outside the project."""

    entries: list[KeyEntry]
    project: str | None = None
    path: Path | None = None

    def accepted(self) -> list[KeyEntry]:
        return [e for e in self.entries if e.status == "accept"]

    def terms(self) -> set[str]:
        return {e.term.casefold() for e in self.entries}

    def fingerprint(self) -> str:
        data = json.dumps(sorted((e.term, e.pseudonym) for e in self.accepted()), ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


# -- the key file ----------------------------------------------------------------------------------


def _yaml_loader():  # noqa: ANN202 - a PyYAML loader class
    import yaml

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: ANN001, ANN201
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise InputError("the key file uses a YAML alias (*name), which is not allowed.",
                                 line=event.start_mark.line + 1, hint="Write each entry out in full.")
            return super().compose_node(parent, index)

    return NoAliases


def load_key(path: str | Path, *, must_exist: bool = True) -> Key:
    """Read a key file (YAML made by `pseudonymise --find`, or a CSV term list)."""
    path = Path(path)
    if not path.exists():
        if must_exist:
            raise InputError("no key file here.", path=path,
                             hint="Make one with `workbench pseudonymise --find --key FILE`.")
        return Key([], path=path)
    if not path.is_file():
        raise InputError("the key is not a regular file.", path=path)
    size = path.stat().st_size
    if size > MAX_KEY_BYTES:
        raise InputError(f"the key file is {size / 1e6:.0f} MB; keys are limited to {MAX_KEY_BYTES // 2**20} MB.",
                         path=path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the key file is not UTF-8 text.", path=path) from exc
    if path.suffix.lower() == ".csv":
        return Key(_entries_from_rows(_csv_rows(raw, path), path), path=path)
    import yaml

    try:
        data = yaml.load(raw, Loader=_yaml_loader())  # noqa: S506 - safe loader without aliases
    except InputError as exc:
        raise InputError(exc.message, path=path, line=exc.line, hint=exc.hint) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"the key file is not valid YAML ({getattr(exc, 'problem', exc)}).", path=path,
                         line=mark.line + 1 if mark else None) from exc
    if data is None:
        raise InputError("the key file is empty.", path=path,
                         hint="Make one with `workbench pseudonymise --find --key FILE`.")
    if isinstance(data, list):
        data = {"terms": data}
    if not isinstance(data, dict) or not isinstance(data.get("terms", []), list):
        raise InputError("the key file should hold `terms:`, a list of entries (term, category, pseudonym, status).",
                         path=path)
    return Key(_entries_from_rows(data.get("terms") or [], path), project=data.get("project"), path=path)


def _csv_rows(raw: str, path: Path) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or "term" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InputError("the term list has no `term` column.", path=path, line=1,
                         hint="Columns: term, category, pseudonym (status optional).")
    rows = []
    for row in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in row.items()})
    return rows


def _entries_from_rows(rows: list[Any], path: Path) -> list[KeyEntry]:
    if len(rows) > MAX_TERMS:
        raise InputError(f"the key has {len(rows):,} terms; the limit is {MAX_TERMS:,}.", path=path)
    entries: list[KeyEntry] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        where = f"entry {number}"
        if not isinstance(row, dict):
            raise InputError(f"{where} is not a mapping of term, category, pseudonym.", path=path)
        term = " ".join(str(row.get("term") or "").split())
        if not term:
            raise InputError(f"{where} has no term.", path=path)
        category = str(row.get("category") or "name").strip().lower()
        pseudonym = " ".join(str(row.get("pseudonym") or "").split())
        status = str(row.get("status") or "accept").strip().lower()
        if status not in STATUSES:
            raise InputError(f"{where} ({term!r}) has status {status!r}; use accept, reject or proposed.", path=path)
        if status == "accept" and not pseudonym:
            raise InputError(f"{where} ({term!r}) is accepted but has no pseudonym.", path=path)
        if term.casefold() in seen:
            raise InputError(f"{where}: the term {term!r} is already entry {seen[term.casefold()]}.", path=path,
                             hint="Keep one entry per term.")
        seen[term.casefold()] = number
        entries.append(KeyEntry(term, category, pseudonym, status, str(row.get("source") or "")))
    return entries


def save_key(key: Key, path: str | Path) -> Path:
    import yaml

    path = Path(path)
    data = {"version": KEY_VERSION, "project": key.project,
            "note": "Original -> pseudonym. Keep this file apart from anything you share. "
                    "status: accept (replace), reject (keep as it is), proposed (not decided: kept as it is).",
            "terms": [{"term": e.term, "category": e.category, "pseudonym": e.pseudonym, "status": e.status,
                       "source": e.source} for e in key.entries]}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def project_fingerprint(store: Store) -> str:
    """Which project a key belongs to: its creation time, kept in the project."""
    return str(store.get_meta("created_at") or "")


def check_key(key: Key, store: Store) -> list[str]:
    """Problems that make a key unsafe to apply: refused with a clear message."""
    problems = []
    if key.project and key.project != project_fingerprint(store):
        problems.append(f"the key was made for another project (created {key.project}, "
                        f"this one {project_fingerprint(store)}).")
    accepted = key.accepted()
    if not accepted:
        problems.append("the key accepts no term, so nothing would be replaced "
                        "(set `status: accept` on the terms to replace).")
    originals = {e.term.casefold(): e for e in accepted}
    for entry in accepted:
        pseudo = entry.pseudonym.casefold()
        if pseudo in originals and originals[pseudo] is not entry:
            problems.append(f"the pseudonym {entry.pseudonym!r} (for {entry.term!r}) is itself a term to replace.")
        elif any(_contains_word(entry.pseudonym, e.term) for e in accepted if len(e.term) > 2):
            hit = next(e.term for e in accepted if len(e.term) > 2 and _contains_word(entry.pseudonym, e.term))
            problems.append(f"the pseudonym {entry.pseudonym!r} (for {entry.term!r}) contains the original "
                            f"term {hit!r}.")
    return problems


def _contains_word(text: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.I) is not None


# -- matching --------------------------------------------------------------------------------------


class Matcher:
    """Finds the key's terms in a text in one pass over its words (see the module's rules)."""

    def __init__(self, entries: Iterable[KeyEntry]) -> None:
        self.by_first: dict[str, list[tuple[KeyEntry, int]]] = defaultdict(list)
        for entry in entries:
            words = re.findall(r"\w+", entry.term)
            if not words:
                continue
            lead = re.search(r"\w", entry.term).start()  # type: ignore[union-attr]
            self.by_first[words[0].casefold()].append((entry, lead))
        for options in self.by_first.values():
            options.sort(key=lambda item: -len(item[0].term))

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def find(self, text: str) -> list[tuple[int, int, KeyEntry]]:
        """Non-overlapping matches: (start, end, entry), longest first, then earliest."""
        found: list[tuple[int, int, KeyEntry]] = []
        folded = text.casefold() if len(text.casefold()) == len(text) else None
        for word in re.finditer(r"\w+", text):
            options = self.by_first.get(word.group().casefold())
            if not options:
                continue
            for entry, lead in options:
                start = word.start() - lead
                end = start + len(entry.term)
                if start < 0 or end > len(text):
                    continue
                piece = text[start:end]
                if not _same(piece, entry.term, folded[start:end] if folded is not None else None):
                    continue
                if (entry.term[0].isalnum() and start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")) or (
                        entry.term[-1].isalnum() and end < len(text) and (text[end].isalnum() or text[end] == "_")):
                    continue
                found.append((start, end, entry))
        return _longest_first(found)


def _same(piece: str, term: str, folded_piece: str | None) -> bool:
    if piece == term:
        return True
    loose = " " in term or any(not c.isalpha() for c in term)
    if loose:
        return (folded_piece or piece.casefold()) == term.casefold()
    return piece == term.upper() or (term.isupper() or term.istitle()) and piece == term.capitalize()


def _longest_first(found: list[tuple[int, int, KeyEntry]]) -> list[tuple[int, int, KeyEntry]]:
    chosen_starts: list[int] = []
    chosen: list[tuple[int, int, KeyEntry]] = []
    for start, end, entry in sorted(found, key=lambda m: (-(m[1] - m[0]), m[0])):
        i = bisect.bisect_left(chosen_starts, start)
        if i > 0 and chosen[i - 1][1] > start:
            continue
        if i < len(chosen) and chosen[i][0] < end:
            continue
        chosen_starts.insert(i, start)
        chosen.insert(i, (start, end, entry))
    return chosen


def replace_in(text: str, matcher: Matcher) -> str:
    if not text or not matcher:
        return text
    matches = matcher.find(text)
    if not matches:
        return text
    new, _ = replacement_blocks(text, [Replacement(s, e, entry.pseudonym) for s, e, entry in matches])
    return new


# -- finding candidates ----------------------------------------------------------------------------


def find_candidates(store: Store, *, terms: str | Path | None = None, model: str | None = None,
                    key: Key | None = None, rules: bool = True,
                    progress: Callable[[int, int, str], None] | None = None) -> list[Candidate]:
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
                add(value, "location" if re.search("city|town|county|state|village", attr, re.I) else "organisation",
                    f"site attribute {attr}")
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
        lower_words = set()
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
                        while len(words) > 2 and (words[0].casefold() in lower_words or words[0].casefold() in _COMMON):
                            words = words[1:]
                        term = " ".join(words)
                    add(term, category, f"rule: {source}")
            for match in _CAPITALISED.finditer(text):
                words = [re.sub(r"['’]s$", "", w) for w in match.group().split()]

                def common(word: str) -> bool:
                    return word.casefold() in lower_words or word.casefold() in _COMMON

                at_start = _SENTENCE_START.search(text[max(0, match.start() - 3):match.start()]) is not None
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
                cand.context = " ".join(text[max(0, start - 40):min(len(text), end + 40)].split())
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
        raise WorkbenchError(f"the spaCy pipeline {model!r} is not installed here ({exc}).",
                             hint="Name an installed pipeline or a pipeline folder; nothing is downloaded.") from exc
    if "ner" not in nlp.pipe_names:
        raise WorkbenchError(f"the spaCy pipeline {model!r} has no NER component.",
                             hint="Use a pipeline with an entity recognizer, or leave out --model.")
    mapping = {"PERSON": "person", "ORG": "organisation", "GPE": "location", "LOC": "location", "FAC": "location",
               "DATE": "date"}
    for _, text in texts:
        for doc in nlp.pipe([text[i:i + 100_000] for i in range(0, len(text), 100_000)]):
            for ent in doc.ents:
                if ent.label_ in mapping and not (ent.label_ == "DATE" and re.fullmatch(r"\d{4}s?", ent.text)):
                    add(ent.text, mapping[ent.label_], f"model: {ent.label_}")


def _propose(candidates: list[Candidate], key: Key | None, speakers: dict[str, str]) -> None:
    """Category-aware pseudonyms, numbered after those the key already uses."""
    used = Counter()
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
        if cand.parent is None and not cand.pseudonym and " " not in cand.term and len(owners) == 1 \
                and cand.category in ("person", "interviewer", "name"):
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
            default = "accept" if cand.source.split()[0] in ("speaker", "interviewer", "site", "participant", "word") \
                else "proposed"
        key.entries.append(KeyEntry(cand.term, cand.category, cand.pseudonym or "[Redacted]", default, cand.source))
        have.add(cand.term.casefold())
        added += 1
    return added


# -- applying --------------------------------------------------------------------------------------


@dataclass(slots=True)
class ApplyReport:
    transcripts: int = 0
    replacements: int = 0
    by_category: Counter = field(default_factory=Counter)
    segments: int = 0
    segments_changed: int = 0
    boundary_moves: list[str] = field(default_factory=list)
    fields: int = 0


def pseudonymise_store(store: Store, key: Key, *, coder: str | None = None,
                       progress: Callable[[int, int, str], None] | None = None) -> ApplyReport:
    """Replace every accepted term throughout ``store`` (a copy, or the original with --in-place),
    in one transaction. Segments are carried over through the exact replacements."""
    from workbench.transcript_edit import apply_text

    problems = check_key(key, store)
    if problems:
        raise WorkbenchError("the key cannot be applied: " + " ".join(problems),
                             hint="Fix the key file (or make a new one with `workbench pseudonymise --find`).")
    matcher = Matcher(key.accepted())
    report = ApplyReport()
    with store.transaction():
        rows = store.transcripts()
        for index, row in enumerate(rows):
            if progress:
                progress(index, len(rows), str(row.title))
            text, _, segments = store.transcript_content(row.id)
            matches = matcher.find(text)
            report.transcripts += 1
            report.segments += len(segments)
            if not matches:
                continue
            for start, end, entry in matches:
                report.replacements += 1
                report.by_category[entry.category] += 1
                for seg in segments:
                    if start < seg.start < end or start < seg.end < end:
                        report.boundary_moves.append(
                            f"segment {seg.id} in transcript {row.id}: its boundary fell inside a replaced "
                            f"{entry.category} term and now sits at the pseudonym's edge")
            new_text, blocks = replacement_blocks(text, [Replacement(s, e, en.pseudonym) for s, e, en in matches])
            edit = apply_text(store, row.id, new_text, coder=coder, blocks=blocks, action="pseudonymise",
                              keep_before=False, flag=False)
            report.segments_changed += len(edit.changed)
        report.fields = store.rewrite_text_columns(lambda value: replace_in(value, matcher))
        store.ensure_guids()
        store.set_meta("pseudonymised_with_key", key.fingerprint())
    store.purge_free_space()
    return report


def verify(target: str | Path | Store, key: Key) -> list[tuple[str, str]]:
    """Every accepted original term still present: (where, term). Empty means clean. ``target``
    is a project (open store or file) or an exported file (text, HTML, CSV, XLSX, .qdpx...)."""
    matcher = Matcher(key.accepted())
    hits: list[tuple[str, str]] = []

    def scan(where: str, text: str) -> None:
        for _, _, entry in matcher.find(text):
            hits.append((where, entry.term))

    if not isinstance(target, (str, Path)):  # an open store
        for where, text in target.all_text():
            scan(where, text)
        return hits
    path = Path(target)
    if path.suffix.lower() == ".db":
        opened = Store.open(path)
        try:
            return verify(opened, key)
        finally:
            opened.close()
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.file_size > 500 * 2**20:
                    continue
                scan(f"{path.name}:{member.filename}", archive.read(member).decode("utf-8", "replace"))
        return hits
    scan(path.name, data.decode("utf-8", "replace"))
    return hits


_COMMON = {
    "i", "i'm", "i've", "i'd", "i'll", "a", "an", "the", "and", "but", "or", "so", "yes", "no", "ok", "okay", "well",
    "mr", "mrs", "ms", "dr", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "english", "spanish", "american", "british", "god", "oh", "um", "uh", "hmm",
    "covid", "interviewer", "moderator", "participant", "christmas", "thanksgiving", "easter",
    "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "date",
}


def write_pseudonymised(store: Store, key: Key, dest: Path, *, coder: str | None = None, force: bool = False,
                        progress: Callable[[int, int, str], None] | None = None) -> ApplyReport:
    """A new project at ``dest``: a consistent copy of ``store`` with the key applied. The
    original is not changed. The copy is written beside ``dest`` and renamed into place only
    when it is complete."""
    dest = Path(dest)
    if dest.exists() or dest.is_symlink():
        if not force:
            raise WorkbenchError(f"{dest} already exists.", hint="Choose a new file name, or add --force to replace it.")
        if dest.is_symlink() or not dest.is_file():
            raise WorkbenchError(f"{dest} is not a regular file; it will not be replaced.",
                                 hint="Choose a new file name.")
    if dest.resolve() == store.path.resolve():
        raise WorkbenchError("the output is the project itself.", hint="Choose a new file name, or use --in-place.")
    problems = check_key(key, store)
    if problems:
        raise WorkbenchError("the key cannot be applied: " + " ".join(problems),
                             hint="Fix the key file (or make a new one with `workbench pseudonymise --find`).")
    partial = dest.with_name(f".{dest.name}.partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    store.backup_to(partial)
    try:
        copy = Store.open(partial)
        try:
            report = pseudonymise_store(copy, key, coder=coder, progress=progress)
        finally:
            copy.close()
        partial.replace(dest)
    except BaseException:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    return report


def apply_in_place(store: Store, key: Key, *, coder: str | None = None) -> tuple[ApplyReport, Path]:
    """Pseudonymise the project itself, after a backup beside it (the backup keeps the originals:
    keep it as safe as the key)."""
    import datetime as dt

    problems = check_key(key, store)
    if problems:
        raise WorkbenchError("the key cannot be applied: " + " ".join(problems))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = store.backup_to(store.path.with_name(f"{store.path.stem}.before-pseudonymisation-{stamp}.db"))
    return pseudonymise_store(store, key, coder=coder), backup


def pseudonymised_copy(project: Path, key_path: Path, folder: Path) -> Path:
    """A read-only pseudonymised copy of ``project`` in ``folder``, for writing pseudonymised
    output from the original project (`workbench --pseudonymised KEY COMMAND`)."""
    import os

    key = load_key(key_path)
    source = Store.open(project)
    try:
        dest = folder / "pseudonymised.db"
        write_pseudonymised(source, key, dest)
    finally:
        source.close()
    os.chmod(dest, 0o444)
    return dest
