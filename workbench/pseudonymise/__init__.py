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

from workbench.pseudonymise.apply import (
    ApplyReport,
    apply_in_place,
    pseudonymise_store,
    pseudonymised_copy,
    verify,
    write_pseudonymised,
)
from workbench.pseudonymise.find import add_to_key, find_candidates
from workbench.pseudonymise.key import (
    KEY_VERSION,
    MAX_KEY_BYTES,
    MAX_TERMS,
    STATUSES,
    Candidate,
    Key,
    KeyEntry,
    check_key,
    load_key,
    project_fingerprint,
    save_key,
)
from workbench.pseudonymise.match import Matcher, replace_in

__all__ = [
    "KEY_VERSION",
    "MAX_KEY_BYTES",
    "MAX_TERMS",
    "STATUSES",
    "ApplyReport",
    "Candidate",
    "Key",
    "KeyEntry",
    "Matcher",
    "add_to_key",
    "apply_in_place",
    "check_key",
    "find_candidates",
    "load_key",
    "project_fingerprint",
    "pseudonymise_store",
    "pseudonymised_copy",
    "replace_in",
    "save_key",
    "verify",
    "write_pseudonymised",
]
