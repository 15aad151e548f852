"""Property: on random small projects (coders including the consensus, nested codes with names
that share prefixes, interviews and multi-speaker transcripts, overlapping segments), every matrix
row/column/value option, frequencies and co-occurrence equal a naive count written here, from the
raw rows, without pandas and without the code under test."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.analysis.frame import Selection
from workbench.analysis.frequencies import cooccurrence, frequencies
from workbench.analysis.matrix import MatrixSpec, build_matrix, load_context
from workbench.cases import assign_speakers, map_speaker
from workbench.coding import add_segment, create_code
from workbench.errors import WorkbenchError
from workbench.store import Store

pytestmark = pytest.mark.both_engines  # on a project file, then on a team database (fewer examples there)

NONE = "(none)"
CODE_TREE = ["A", "A/Time", "A/Timeline", "A/Time/Deep", "B", "B/Ti", "B/Tim", "AB", "AB/Time"]
SPEAKERS = ["Interviewer", "Ann", "Bob", "Cy", ""]
CODERS = ["ann", "ben", "consensus"]
ROWS = ["site", "participant", "role", "transcript", "coder", "site:kind", "participant:lang"]
VALUES = ["segments", "transcripts", "participants", "share"]
COLUMNS = ["theme", "code", "level2"]

turn_st = st.tuples(st.sampled_from(SPEAKERS), st.integers(3, 30))
transcript_st = st.fixed_dictionaries(
    {
        "site": st.sampled_from(["North", "South", "East"]),
        "interview": st.booleans(),  # one listed participant, else each speaker is one
        "turns": st.lists(turn_st, min_size=1, max_size=5),
    }
)
segment_st = st.tuples(
    st.integers(0, 3), st.sampled_from(CODE_TREE), st.sampled_from(CODERS), st.integers(0, 150), st.integers(1, 40)
)
project_st = st.fixed_dictionaries(
    {
        "transcripts": st.lists(transcript_st, min_size=1, max_size=4),
        "segments": st.lists(segment_st, max_size=30),
        "merge": st.booleans(),  # map one speaker of the last transcript to the first one's participant
        "columns": st.sampled_from(COLUMNS),
        "transpose": st.booleans(),
        "selection": st.sampled_from(["pooled", "consensus", "ann", "code:A/Time", "code:B/Ti", "code:AB"]),
    }
)


def build(store: Store, spec: dict) -> None:
    """The random project, written through the same use cases as an import and coding."""
    for path in CODE_TREE:
        create_code(store, path)
    with store.transaction():
        for n, t in enumerate(spec["transcripts"]):
            text, turns, pos = "", [], 0
            for speaker, length in t["turns"]:
                body = ("w" * (length - 1)) + " "
                turns.append((speaker or None, pos, pos + length))
                text += body
                pos += length
            site_id = store.site_id(t["site"], {"kind": "big" if t["site"] != "East" else "small"})
            listed = []
            if t["interview"]:
                listed = [
                    store.participant_id(
                        f"P{n}",
                        role="patient" if n % 2 else "nurse",
                        site_id=site_id,
                        attributes={"lang": "en" if n % 2 else "fr"},
                    )
                ]
            tid = store.insert_transcript(
                title=f"T{n}",
                site_id=site_id,
                date=None,
                interviewer=None,
                source_name=f"t{n}.txt",
                format="text",
                checksum=str(n),
                text=text,
                attributes={},
                participant_ids=listed,
                turns=[(s, a, b, None, None) for s, a, b in turns],
            )
            assign_speakers(store, tid, title=f"T{n}", listed=listed)
    transcripts = store.transcripts()
    if spec["merge"] and len(transcripts) > 1:
        first = [r for r in store.speaker_rows(transcripts[0].id) if r.participant]
        last = [r for r in store.speaker_rows(transcripts[-1].id) if r.speaker]
        if first and last:
            map_speaker(store, str(transcripts[-1].id), last[0].speaker, first[0].participant)
    codes = {c.path: c.id for c in store.codes(counts=False)}
    by_index = {i: t for i, t in enumerate(sorted(transcripts, key=lambda t: t.id))}
    seen = set()
    for index, path, coder, start, length in spec["segments"]:
        transcript = by_index.get(index % len(by_index))
        size = transcript.length
        start = start % size
        end = min(size, start + length)
        key = (transcript.id, path, coder, start, end)
        if end <= start or key in seen:
            continue
        seen.add(key)
        add_segment(store, transcript_id=transcript.id, code_id=codes[path], coder=coder, start=start, end=end)


# -- the oracle: raw rows in, naive loops, nothing from workbench.analysis --------------------------


def raw(store: Store) -> dict:
    c = store.conn
    q = lambda sql: [tuple(r) for r in c.execute(sql).fetchall()]  # noqa: E731
    return {
        "segments": q(
            'SELECT g.id, g.transcript_id, g.code_id, k.name, g.start, g."end" FROM segments g '
            "JOIN coders k ON k.id = g.coder_id"
        ),
        "codes": q("SELECT id, parent_id, name FROM codes"),
        "transcripts": q("SELECT t.id, t.title, s.name FROM transcripts t LEFT JOIN sites s ON s.id = t.site_id"),
        "sites": [(name, json.loads(a).get("kind")) for name, a in q("SELECT name, attributes FROM sites")],
        "participants": [
            (label, role, json.loads(a).get("lang"))
            for label, role, a in q("SELECT label, role, attributes FROM participants")
        ],
        "links": q(
            "SELECT tp.transcript_id, p.label FROM transcript_participants tp "
            "JOIN participants p ON p.id = tp.participant_id"
        ),
        "turns": q("SELECT transcript_id, start, \"end\", coalesce(speaker, '') FROM turns"),
        "speakers": q(
            "SELECT x.transcript_id, x.speaker, p.label, x.role FROM speakers x "
            "LEFT JOIN participants p ON p.id = x.participant_id"
        ),
    }


def code_paths(data: dict) -> dict[int, str]:
    rows = {i: (parent, name) for i, parent, name in data["codes"]}

    def path(i: int) -> str:
        parent, name = rows[i]
        return name if parent is None else path(parent) + "/" + name

    return {i: path(i) for i in rows}


def column_of(path: str, columns: str) -> str:
    parts = path.split("/")
    return {"theme": parts[0], "code": path, "level2": "/".join(parts[:2])}[columns]


def credited(data: dict, transcript_id: int, start: int, end: int) -> list[str]:
    who = {(t, s): label for t, s, label, role in data["speakers"] if role == "participant" and label}
    found = []
    for t, a, b, speaker in data["turns"]:
        if t == transcript_id and a < end and b > start:
            person = who.get((t, speaker))
            if person and person not in found:
                found.append(person)
    if not found:
        linked = sorted({p for t, p in data["links"] if t == transcript_id})
        if len(linked) == 1:
            found = linked
    return found


def chosen(data: dict, selection: str) -> list[tuple]:
    paths = code_paths(data)
    out = []
    for seg in data["segments"]:
        coder, path = seg[3], paths[seg[2]]
        if selection == "consensus":
            if coder != "consensus":
                continue
        elif selection == "ann":
            if coder != "ann":
                continue
        elif coder == "consensus":
            continue
        if selection.startswith("code:"):
            wanted = selection[5:]
            if not (path == wanted or path.startswith(wanted + "/")):
                continue
        out.append(seg)
    return out


def selection_of(name: str) -> Selection:
    if name == "consensus":
        return Selection(origin="consensus")
    if name == "ann":
        return Selection(coders=["ann"])
    if name.startswith("code:"):
        return Selection(codes=[name[5:]])
    return Selection()


def person_key(data: dict, rows: str, person: str) -> str:
    role = {label: r for label, r, _ in data["participants"]}
    lang = {label: g for label, _, g in data["participants"]}
    value = {"participant": person, "role": role.get(person), "participant:lang": lang.get(person)}[rows]
    return NONE if value in (None, "") else str(value)


def naive_matrix(data: dict, rows: str, columns: str, value: str, selection: str) -> tuple[set, set, dict]:
    paths = code_paths(data)
    titles = {t: title for t, title, _ in data["transcripts"]}
    sites = {t: site for t, _, site in data["transcripts"]}
    kinds = dict(data["sites"])
    segments = chosen(data, selection)
    # the universe
    linked = [(t, p) for t, p in data["links"]]
    if rows == "site":
        universe = {s for s in sites.values()}
    elif rows == "transcript":
        universe = set(titles.values())
    elif rows == "coder":
        coders = {c for _, _, _, c, _, _ in data["segments"]}
        universe = (
            {"consensus"} & coders
            if selection == "consensus"
            else {"ann"} & coders
            if selection == "ann"
            else coders - {"consensus"}
        )
    elif rows == "site:kind":
        universe = {str(k) for k in kinds.values()}
    elif rows == "participant:lang":
        universe = {NONE if g is None else str(g) for _, _, g in data["participants"]}
    else:
        universe = {person_key(data, rows, p) for _, p in linked}
    wanted_codes = [
        p
        for p in paths.values()
        if not selection.startswith("code:") or p == selection[5:] or p.startswith(selection[5:] + "/")
    ]
    column_universe = {column_of(p, columns) for p in wanted_codes}
    cell_segments: dict = defaultdict(set)
    cell_transcripts: dict = defaultdict(set)
    cell_people: dict = defaultdict(set)
    for seg_id, t, code_id, coder, start, end in segments:
        people = credited(data, t, start, end)
        column = column_of(paths[code_id], columns)
        if rows == "site":
            keys = {sites[t]}
        elif rows == "transcript":
            keys = {titles[t]}
        elif rows == "coder":
            keys = {coder}
        elif rows == "site:kind":
            keys = {str(kinds[sites[t]])}
        else:
            keys = {person_key(data, rows, p) for p in people} or {NONE}
        for key in keys:
            cell_segments[(key, column)].add(seg_id)
            cell_transcripts[(key, column)].add(t)
            cell_people[(key, column)].update(people)
    universe |= {key for key, _ in cell_segments}
    if value == "segments":
        cells = {k: len(v) for k, v in cell_segments.items()}
    elif value == "transcripts":
        cells = {k: len(v) for k, v in cell_transcripts.items()}
    elif value == "participants":
        cells = {k: len(v) for k, v in cell_people.items()}
    else:
        members: dict = defaultdict(set)
        for t, p in linked:
            if rows == "site":
                members[sites[t]].add(p)
            elif rows == "transcript":
                members[titles[t]].add(p)
            elif rows == "site:kind":
                members[str(kinds[sites[t]])].add(p)
            elif rows != "coder":
                members[person_key(data, rows, p)].add(p)
        cells = {}
        for row in universe:
            for column in column_universe:
                total = len(members.get(row, ()))
                cells[(row, column)] = round(len(cell_people.get((row, column), ())) / total, 3) if total else None
    return universe, column_universe, cells


def naive_frequencies(data: dict, columns: str) -> dict:
    paths = code_paths(data)
    out: dict = {}
    for key in {column_of(p, columns) for p in paths.values()}:
        segs = [s for s in chosen(data, "pooled") if column_of(paths[s[2]], columns) == key]
        people = {p for s in segs for p in credited(data, s[1], s[4], s[5])}
        out[key] = (
            len(segs),
            len({s[1] for s in segs}),
            len(people),
            len({s[3] for s in segs}),
            round(len({s[1] for s in segs}) / len(data["transcripts"]), 3),
        )
    return out


def naive_cooccurrence(data: dict, columns: str, unit: str) -> dict:
    paths = code_paths(data)
    segs = chosen(data, "pooled")
    counts: dict = defaultdict(int)

    def turn_of(t: int, start: int) -> int:
        starts = sorted(a for tt, a, _, _ in data["turns"] if tt == t)
        return max([i for i, a in enumerate(starts) if a <= start], default=-1)

    for i, a in enumerate(segs):
        for b in segs[i + 1 :]:
            ka, kb = column_of(paths[a[2]], columns), column_of(paths[b[2]], columns)
            if a[1] != b[1] or ka == kb:
                continue
            if unit == "overlap":
                meet = a[4] < b[5] and b[4] < a[5]
            else:
                meet = turn_of(a[1], a[4]) == turn_of(b[1], b[4])
            if meet:
                counts[(ka, kb)] += 1
                counts[(kb, ka)] += 1
    return counts


# A fresh project per example: a file, or a copy of the template team database (slower: fewer examples).
EXAMPLES = {"sqlite": 30, "postgresql": 12}


def test_every_count_equals_the_naive_count(engine, new_project):
    @settings(max_examples=EXAMPLES[engine], deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(project_st)
    def check(spec):
        try:
            one_project(Store.open(new_project(), create=True), spec)
        finally:
            new_project.drop()

    check()


def one_project(store: Store, spec: dict) -> None:
    try:
        build(store, spec)
        data = raw(store)
        context = load_context(store)
        columns, transpose = spec["columns"], spec["transpose"]
        if spec["selection"] == "ann" and not any(s[3] == "ann" for s in data["segments"]):
            with pytest.raises(WorkbenchError, match="no coder ann"):
                build_matrix(store, MatrixSpec(selection=selection_of("ann")), context)
            return
        for rows in ROWS:
            for value in VALUES:
                matrix = build_matrix(
                    store,
                    MatrixSpec(
                        rows=rows,
                        columns=columns,
                        value=value,
                        transpose=transpose,
                        selection=selection_of(spec["selection"]),
                    ),
                    context,
                    detail=False,
                )
                universe, column_universe, expected = naive_matrix(data, rows, columns, value, spec["selection"])
                got_rows, got_columns = (matrix.columns, matrix.rows) if transpose else (matrix.rows, matrix.columns)
                assert set(got_rows) == universe, (rows, value)
                assert set(got_columns) == column_universe, (rows, value)
                for row in got_rows:
                    for column in got_columns:
                        got = matrix.value(column, row) if transpose else matrix.value(row, column)
                        assert got == expected.get((row, column), 0), (rows, value, row, column)
        table = frequencies(store, columns=columns)
        for key, numbers in naive_frequencies(data, columns).items():
            row = table.loc[key]
            assert (
                int(row["segments"]),
                int(row["transcripts"]),
                int(row["participants"]),
                int(row["coders"]),
                float(row["share_of_transcripts"]),
            ) == numbers, key
        for unit in ("overlap", "turn"):
            co = cooccurrence(store, columns=columns, unit=unit)
            expected = naive_cooccurrence(data, columns, unit)
            for a in co.index:
                for b in co.columns:
                    assert int(co.at[a, b]) == expected.get((a, b), 0), (unit, a, b)
    finally:
        store.close()
