"""Full-text search on PostgreSQL answers the query forms of a project file as SQLite's FTS5 does:
the same turns match the same queries, checked against FTS5 itself on the same texts."""

from __future__ import annotations

import sqlite3

import pytest

from workbench.errors import WorkbenchError
from workbench.store.postgres import search, team
from workbench.store.postgres.schema import SCHEMA

TEXTS = [
    "We were running out of time and staff at the clinic.",
    "The family farm runs on trust between neighbours.",
    "Our bakery partnered with the county council after the flood.",
    "The council never trusted the partnership; flood money went elsewhere.",
    "Partners share data weekly, and the data-sharing agreement helps.",
    "Nobody mentioned money. Trust came later, with time.",
    "Ice-cream vans and bakeries: small businesses partner informally.",
]

QUERIES = [
    "run",
    "trust",
    "partner",
    "council flood",
    "council AND flood",
    "bakery OR farm",
    "council NOT flood",
    '"family farm"',
    '"county council"',
    "bake*",
    "partner*",
    "trust* NOT money",
    "(bakery OR farm) AND trust",
    "time staff OR money",
    "money NOT (trust OR flood)",
    '"data sharing"',
    '"ice cream"',
    "neighbour",
    "clinic OR vans OR agreement",
    "NOTHINGHERE",
    "trust AND (time OR farm) NOT later",
]


@pytest.fixture(scope="module")
def pg(pg_cluster):
    database = pg_cluster.create_database()
    team.init_server(pg_cluster.url(database))
    with pg_cluster.connect(database) as cx:
        text = "\n".join(TEXTS)
        transcript = cx.execute(
            "INSERT INTO transcripts (guid, title, source_name, format, checksum, text, "
            "imported_at) VALUES ('g', 't', 's', 'txt', 'c', %s, 'x') RETURNING id",
            (text,),
        ).fetchone()[0]
        start = 0
        for n, line in enumerate(TEXTS):
            cx.execute(
                'INSERT INTO turns (id, transcript_id, position, start, "end") VALUES (%s, %s, %s, %s, %s)',
                (n + 1, transcript, n, start, start + len(line)),
            )
            start += len(line) + 1
    yield pg_cluster, database
    pg_cluster.drop_database(database)


def _fts5(query: str) -> set[int]:
    cx = sqlite3.connect(":memory:")
    cx.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61')")
    cx.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", [(n + 1, s) for n, s in enumerate(TEXTS)])
    return {r for (r,) in cx.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,))}


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_turns_match_as_in_a_project_file(pg, query):
    from psycopg import sql

    cluster, database = pg
    with cluster.connect(database) as cx:
        statement = sql.SQL("SELECT id FROM {}.turns WHERE tsv @@ {}").format(
            sql.Identifier(SCHEMA), search.tsquery(query)
        )
        found = {r for (r,) in cx.execute(statement)}
    assert found == _fts5(query)


def test_matches_are_marked_as_in_a_project_file(pg):
    from psycopg import sql

    from workbench.search import marked_spans

    cluster, database = pg
    with cluster.connect(database) as cx:
        query = search.tsquery('"family farm" OR partner*')
        expression = search.headline(sql.Identifier("body"), query)
        rows = cx.execute(
            sql.SQL(
                'SELECT u.id, {} FROM (SELECT u.id, substr(t.text, u.start + 1, u."end" - u.start) '
                "AS body, u.tsv FROM {s}.turns u JOIN {s}.transcripts t ON t.id = u.transcript_id) u "
                "WHERE u.tsv @@ {} ORDER BY u.id"
            ).format(expression, query, s=sql.Identifier(SCHEMA))
        ).fetchall()
    marked = {i: [TEXTS[i - 1][a:b] for a, b in marked_spans(m)] for i, m in rows}
    assert marked == {2: ["family farm"], 3: ["partnered"], 4: ["partnership"], 5: ["Partners"], 7: ["partner"]}


@pytest.mark.parametrize(
    "query, why",
    [
        ("", "empty"),
        ("council AND", "ends where a word"),
        ("(council OR flood", "not closed"),
        ("OR flood", "OR where a word"),
        ("NEAR(council flood, 3)", "NEAR"),
        ("council )", "unexpected"),
        ("*", "no word before"),
    ],
)
def test_unreadable_queries_get_a_clear_error(query, why):
    with pytest.raises(WorkbenchError, match=why):
        search.parse(query)


def test_hostile_text_stays_a_literal(pg):
    from psycopg import sql

    cluster, database = pg
    with cluster.connect(database) as cx:
        for query in ("x'; DROP TABLE turns; --", "a & b | !c", "x:* <-> y", '"\\" OR 1=1', "'--"):
            statement = sql.SQL("SELECT count(*) FROM {}.turns WHERE tsv @@ {}").format(
                sql.Identifier(SCHEMA), search.tsquery(query)
            )
            assert cx.execute(statement).fetchone()[0] == 0
        with pytest.raises(WorkbenchError, match="unexpected"):
            search.tsquery("'); DROP TABLE turns; --")
        assert cx.execute(f"SELECT count(*) FROM {SCHEMA}.turns").fetchone()[0] == len(TEXTS)
