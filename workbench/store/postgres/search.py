"""Full-text search on PostgreSQL with the query language of a project file (SQLite FTS5): words,
"exact phrases", prefix*, AND / OR / NOT and parentheses, adjacent terms meaning AND, NOT binding
tighter than AND and AND tighter than OR, as in FTS5.

A query becomes a tsquery expression built from ``plainto_tsquery`` (a word),
``phraseto_tsquery`` (a phrase) and ``to_tsquery('word:*')`` (a prefix) over the ``english``
configuration, joined with ``&&``, ``||`` and ``!!``; every piece of user text is a literal, so no
input can break out of it. :func:`headline` marks the matches in a turn's text with \\x01 ... \\x02,
as the SQLite store's ``highlight()`` does.

Differences from a project file: English stop words ("the", "about") are dropped from texts and
queries alike, so a query of stop words alone finds nothing, and a phrase matches across a dropped
stop word; ``NEAR(...)`` is not supported.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.errors import WorkbenchError

CONFIG = "english"
_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')
_WORD = re.compile(r"\w+")


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _TOKEN.findall(query)
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = str(self.tokens[self.pos])
        self.pos += 1
        return token

    def _fail(self, why: str) -> WorkbenchError:
        return WorkbenchError(
            f"the search {self.query!r} cannot be read: {why}.",
            hint='Use words, "exact phrases", prefix* and AND / OR / NOT with parentheses.',
        )

    def parse(self) -> Any:
        if not self.tokens:
            raise self._fail("it is empty")
        tree = self._or()
        if self._peek() is not None:
            raise self._fail(f"unexpected {self._peek()!r}")
        return tree

    def _or(self) -> Any:
        parts = [self._and()]
        while self._peek() == "OR":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def _and(self) -> Any:
        parts = [self._not()]
        while (token := self._peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self._take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def _not(self) -> Any:
        left = self._primary()
        while self._peek() == "NOT":
            self._take()
            left = ("not", left, self._primary())
        return left

    def _primary(self) -> Any:
        token = self._peek()
        if token is None:
            raise self._fail("it ends where a word was expected")
        if token in ("AND", "OR", "NOT", ")"):
            raise self._fail(f"{token} where a word was expected")
        self._take()
        if token == "(":
            inner = self._or()
            if self._peek() != ")":
                raise self._fail("a parenthesis is not closed")
            self._take()
            return inner
        if token.upper() == "NEAR" and self._peek() == "(":
            raise self._fail("NEAR(...) is not supported on a team database")
        if token.startswith('"'):
            return ("phrase", token.strip('"'))
        if token.endswith("*"):
            words = _WORD.findall(token)
            if not words:
                raise self._fail(f"{token!r} has no word before its *")
            return ("prefix", words)
        return ("word", token)


def parse(query: str) -> Any:
    """The query as a tree of ("or"|"and", [parts]), ("not", keep, drop), ("word"|"phrase", text)
    and ("prefix", [words]); a clear error when it cannot be read."""
    return _Parser(query).parse()


def tsquery(query: str) -> Any:
    """The query as a psycopg SQL expression of type tsquery (literals only, no parameters)."""
    from psycopg import sql

    config = sql.Literal(CONFIG)

    def build(node: Any) -> Any:
        kind = node[0]
        if kind == "word":
            return sql.SQL("plainto_tsquery({}, {})").format(config, sql.Literal(node[1]))
        if kind == "phrase":
            return sql.SQL("phraseto_tsquery({}, {})").format(config, sql.Literal(node[1]))
        if kind == "prefix":
            words = node[1]  # "bake*" -> bake:* ; "ice-cre*" -> ice <-> cre:*
            text = " <-> ".join(words[:-1] + [words[-1] + ":*"])
            return sql.SQL("to_tsquery({}, {})").format(config, sql.Literal(text))
        if kind == "not":
            return sql.SQL("({} && !!{})").format(build(node[1]), build(node[2]))
        joiner = sql.SQL(" && " if kind == "and" else " || ")
        return sql.SQL("({})").format(joiner.join(build(part) for part in node[1]))

    return build(parse(query))


def headline(text_sql: Any, query_sql: Any) -> Any:
    """An SQL expression: ``text`` with every match of the tsquery marked \\x01 ... \\x02."""
    from psycopg import sql

    return sql.SQL("ts_headline({}, {}, {}, {})").format(
        sql.Literal(CONFIG), text_sql, query_sql, sql.Literal("StartSel=\x01, StopSel=\x02, HighlightAll=true")
    )
