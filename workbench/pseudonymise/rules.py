"""What the rules look for: the pseudonym stem of each category, generic words that are not
names, identifying attributes, and the patterns of e-mail addresses, phone numbers, dates and ages."""

from __future__ import annotations

import re

# The pseudonym stem of each category; numbered in order of first appearance ("[Site 2]").
CATEGORY_STEMS = {
    "person": "Person",
    "interviewer": "Interviewer",
    "participant": "Participant",
    "site": "Site",
    "organisation": "Organisation",
    "location": "Place",
    "street": "Street",
    "address": "Address",
    "date": "Date",
    "email": "Email",
    "phone": "Phone",
    "url": "URL",
    "postcode": "Postcode",
    "age": "Age over 89",
    "id": "ID",
    "name": "Name",
}
UNNUMBERED = {"street", "address", "date", "email", "phone", "url", "postcode", "age", "id"}

GENERIC_SPEAKERS = {
    "interviewer",
    "moderator",
    "facilitator",
    "participant",
    "respondent",
    "interviewee",
    "speaker",
    "unknown",
    "doctor",
    "patient",
    "therapist",
    "client",
    "nurse",
    "host",
    "guest",
    "audience",
    "note-taker",
    "notetaker",
    "observer",
    "researcher",
    "all",
    "group",
    "several",
    "multiple",
    "crosstalk",
}
GENERIC_SITE_WORDS = {
    "internal",
    "medicine",
    "family",
    "community",
    "health",
    "healthcare",
    "plan",
    "partners",
    "partnership",
    "aco",
    "alliance",
    "neighbors",
    "neighbours",
    "pediatrics",
    "paediatrics",
    "clinic",
    "center",
    "centre",
    "hospital",
    "practice",
    "group",
    "services",
    "care",
    "medical",
    "the",
    "of",
    "and",
    "associates",
    "trust",
    "foundation",
    "network",
    "council",
    "county",
    "university",
    "school",
}
IDENTIFYING_ATTRIBUTES = re.compile(
    r"\b(?:name|city|town|village|county|state|address|street|postcode|zip|organi[sz]ation|employer|hospital|clinic"
    r"|email|e-mail|phone|school|workplace|birth ?date|date of birth)\b",
    re.I,
)
TITLES = re.compile(r"^(?:dr|mr|mrs|ms|miss|prof|professor|rev|sr|sister|nurse)\.?\s+", re.I)

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
RULES: list[tuple[str, str, re.Pattern[str]]] = [
    ("email", "email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", "url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")),
    (
        "phone",
        "phone",
        re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?!\w)"),
    ),
    (
        "id",
        "id",
        re.compile(
            r"\b\d{3}-\d{2}-\d{4}\b|\b(?:MRN|NHS|SSN|record|chart|patient|member)\s*"
            r"(?:number|no\.?|#|ID)?\s*[:#]?\s*(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,}\b",
            re.I,
        ),
    ),
    (
        "address",
        "address",
        re.compile(
            r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|"
            r"Drive|Way|Court|Place|Terrace|Close)(?!\w)"
        ),
    ),
    (
        "street",
        "street",
        re.compile(r"\b(?:[A-Z][a-z]+\s+){1,2}(?:Street|Avenue|Road|Boulevard|Lane|Drive|Terrace|Square)\b"),
    ),
    (
        "postcode",
        "postcode",
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\b(?:[A-Z]{2}|ZIP)\s+\d{5}(?:-\d{4})?\b"),
    ),
    (
        "date",
        "date",
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{4}}\b"
            rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
            rf"|\b{_MONTHS}\.?\s+(?:of\s+)?\d{{4}}\b"
            r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
        ),
    ),
    (
        "age",
        "age",
        re.compile(
            r"\b(?:9\d|1[0-2]\d)(?:[- ]years?[- ]old|[- ]year-old|\s?y/?o)\b"
            r"|\b(?:aged?|age of)\s+(?:9\d|1[0-2]\d)\b",
            re.I,
        ),
    ),
]
CAPITALISED = re.compile(r"(?<![\w.])(?:[A-Z][a-z][\w’'-]*)(?: +(?:[A-Z][a-z][\w’'-]*))*")
SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“\]\)]\s+|\n\s*)$")


COMMON_WORDS = {
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "a",
    "an",
    "the",
    "and",
    "but",
    "or",
    "so",
    "yes",
    "no",
    "ok",
    "okay",
    "well",
    "mr",
    "mrs",
    "ms",
    "dr",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "english",
    "spanish",
    "american",
    "british",
    "god",
    "oh",
    "um",
    "uh",
    "hmm",
    "covid",
    "interviewer",
    "moderator",
    "participant",
    "christmas",
    "thanksgiving",
    "easter",
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "saturdays",
    "sundays",
    "date",
}
