"""A generator of realistic synthetic studies for benchmarks.

Transcripts of about 5,000 words built from the words of the sample study, with interviewer
questions and long answers, spread over 5-100 sites; a codebook of 50 codes (5 themes of 9
sub-codes); 3 coders each coding about 100 passages per transcript, partly agreeing.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from workbench.models import Codebook, CodeSpec
from workbench.project import apply_codebook
from workbench.store import Store, now

ROOT = Path(__file__).resolve().parent.parent
THEMES = ["Motivations", "Accountability", "Barriers", "Learning", "Outcomes"]
PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in sorted((ROOT / "transcripts").rglob("*.txt")):
        words.extend(w for w in path.read_text(encoding="utf-8").split() if ":" not in w and not w.startswith("["))
    return words or ["word"]


def write_corpus(folder: Path, count: int, *, words_each: int = 5000, seed: int = 1, prefix: str = "interview") -> int:
    """Write ``count`` transcripts in site folders; returns the number of words written."""
    rng = random.Random(seed)
    vocab = vocabulary()
    sites = max(5, min(100, count // 10))
    total = 0
    for i in range(count):
        site = folder / f"site-{i % sites:03d}"
        site.mkdir(parents=True, exist_ok=True)
        role = rng.choice(["clinician", "administrator", "patient partner", "care manager", "CBO leader"])
        parts = [f"---\nparticipant: P{i:05d}\nrole: {role}\n---"]
        written, turn = 0, 0
        while written < words_each:
            n = rng.randint(8, 30) if turn % 2 == 0 else rng.randint(60, 260)
            speaker = "Interviewer" if turn % 2 == 0 else f"P{i:05d}"
            words = rng.choices(vocab, k=n)
            for k in range(12, n, 14):
                words[k] = words[k].rstrip(".,?!") + "."
            parts.append(f"{speaker}: " + " ".join(words))
            written += n
            turn += 1
        (site / f"{prefix}-{i:05d}.txt").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        total += written
    return total


def codebook() -> Codebook:
    codes = []
    for index, theme in enumerate(THEMES):
        children = [CodeSpec(name=f"{theme} {k + 1}", definition=f"Sub-code {k + 1} of {theme}.") for k in range(9)]
        codes.append(
            CodeSpec(name=theme, colour=PALETTE[index], definition=f"The {theme.lower()} theme.", children=children)
        )
    return Codebook(name="Benchmark codebook", codes=codes)


def add_coding(
    db: Path, *, per_transcript: int = 100, coders: tuple[str, ...] = ("maria", "james", "lee"), seed: int = 2
) -> int:
    """About ``per_transcript`` segments per transcript per coder; coders agree on half of them."""
    store = Store.open(db)
    apply_codebook(store, codebook())
    leaves = [c.id for c in store.codes() if c.parent_id is not None]
    rng = random.Random(seed)
    stamp = now()
    rows = []
    with store.transaction():
        coder_ids = [store.coder_id(c) for c in coders]
        for transcript in store.transcripts():
            length = len(store.transcript_text(transcript.id) or "")
            shared = [
                (rng.randrange(0, max(1, length - 600)), rng.randint(40, 500), rng.choice(leaves))
                for _ in range(per_transcript // 2)
            ]
            for coder_id in coder_ids:
                own = shared + [
                    (rng.randrange(0, max(1, length - 600)), rng.randint(40, 500), rng.choice(leaves))
                    for _ in range(per_transcript - len(shared))
                ]
                for start, size, code in own:
                    start += rng.choice([0, 0, 0, rng.randint(-30, 30)])
                    start = max(0, start)
                    rows.append((transcript.id, code, coder_id, start, start + size, "", "imported", stamp, stamp))
        store.conn.conn.executemany(
            'INSERT OR IGNORE INTO segments(transcript_id, code_id, coder_id, start, "end", text, origin, created_at, updated_at) '
            "VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
        store.conn.execute(
            'UPDATE segments SET text = (SELECT substr(t.text, segments.start + 1, segments."end" - segments.start) '
            "FROM transcripts t WHERE t.id = segments.transcript_id)"
        )
    count = len(store.segments())
    store.close()
    return count


def floor_import(folder: Path, db: Path) -> None:
    """The least any importer must do: read the files and insert their text in one transaction."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(name TEXT, text TEXT)")
    with conn:
        for path in sorted(folder.rglob("*.txt")):
            conn.execute("INSERT INTO t VALUES (?, ?)", (path.name, path.read_text(encoding="utf-8")))
    conn.close()
