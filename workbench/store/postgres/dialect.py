"""The store's queries, written once in the dialect both engines share, adapted to PostgreSQL: ``?``
placeholders, ``INSERT OR IGNORE``, ``COLLATE NOCASE`` comparisons, ``LIKE`` (case-insensitive on
SQLite), ``group_concat``/``json_group_array``, two-argument ``max``/``min``, ``IS ?``, a negative
``LIMIT``; statements writing the file's search index (``turns_fts``) are skipped (a column kept by
triggers here). Rows are read by position or by name, as SQLite's rows are."""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Sequence
from typing import Any

from workbench.errors import WorkbenchError

# Tables without an ``id`` column: an INSERT into them reports no new id.
NO_ID = {
    "meta",
    "transcript_participants",
    "speakers",
    "key_quotes",
    "models",
    "team_roles",
    "team_settings",
    "schema_version",
}
_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)", re.IGNORECASE)
_UPDATE_IGNORE = re.compile(r"^\s*UPDATE OR IGNORE (links) SET (\w+) = \? WHERE \2 = \? AND (\w+) != \?\s*$")
_NOCASE_EQ = re.compile(r"([\w.\"]+)\s*=\s*\?\s+COLLATE\s+NOCASE", re.IGNORECASE)


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by position or by column name (``dict(row)`` works)."""

    _names: tuple[str, ...] = ()

    def __new__(cls, names: tuple[str, ...], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"no column named {key}") from None
        return tuple.__getitem__(self, key)


def _value(value: Any) -> Any:
    """PostgreSQL values as the project file gives them: whole numbers for sums, 0/1 for truth."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())
    if "tsv" in names:  # the search index column, which a project file does not have (SELECT * FROM turns)
        keep = [i for i, name in enumerate(names) if name != "tsv"]
        kept = tuple(names[i] for i in keep)
        return lambda values: Row(kept, [_value(values[i]) for i in keep])

    def make(values: Sequence[Any]) -> Row:
        return Row(names, [_value(v) for v in values])

    return make


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """The comma-separated arguments of the call whose ``(`` is at ``start``, and the index after ``)``."""
    depth, args, current, i, quote = 0, [], [], start + 1, ""
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch == "(":
            depth += 1
            current.append(ch)
        elif ch == ")":
            if depth == 0:
                args.append("".join(current).strip())
                return args, i + 1
            depth -= 1
            current.append(ch)
        elif ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    raise WorkbenchError(f"unbalanced parentheses in a query: {text[:80]}")


def _functions(sql: str) -> str:
    """SQLite's functions with a different name or meaning on PostgreSQL, rewritten (innermost too)."""
    pattern = re.compile(r"\b(group_concat|json_group_array|max|min|ifnull)\s*\(", re.IGNORECASE)
    pos = 0
    while True:
        found = pattern.search(sql, pos)
        if not found:
            return sql
        name = found.group(1).lower()
        args, end = _split_args(sql, found.end() - 1)
        args = [_functions(a) for a in args]
        if name == "group_concat":
            first = args[0]
            distinct = first.upper().startswith("DISTINCT ")
            expr = first[9:].strip() if distinct else first
            sep = args[1] if len(args) > 1 else "','"
            new = f"string_agg({'DISTINCT ' if distinct else ''}({expr})::text, {sep})"
        elif name == "json_group_array":
            new = f"coalesce(json_agg({args[0]}), '[]')::text"
        elif name == "ifnull":
            new = f"coalesce({', '.join(args)})"
        elif len(args) > 1:
            new = f"{'greatest' if name == 'max' else 'least'}({', '.join(args)})"
        else:
            new = f"{found.group(1)}({args[0]})"
        sql = sql[: found.start()] + new + sql[end:]
        pos = found.start() + 1


def _placeholders(sql: str) -> str:
    """``?`` outside string literals becomes ``%s``; every literal ``%`` is doubled."""
    out, quote = [], ""
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def adapt(sql: str) -> tuple[str | None, bool]:
    """The statement in PostgreSQL's dialect (None: nothing to do here), and whether it is an
    INSERT that should report its new row's id."""
    if "turns_fts" in sql:
        return None, False  # the search index is a column kept by triggers
    ignore = _UPDATE_IGNORE.match(sql)
    if ignore:  # rows the update would make duplicates are left as they are (SQLite's UPDATE OR IGNORE)
        table, column, other = ignore.groups()
        sql = (
            f"WITH v AS (SELECT ?::bigint AS new, ?::bigint AS old, ?::bigint AS other) "
            f"UPDATE {table} AS l SET {column} = v.new FROM v WHERE l.{column} = v.old AND l.{other} != v.other "
            f"AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.{column} = v.new "
            f"AND o.{other} IS NOT DISTINCT FROM l.{other} AND o.relation = l.relation)"
        )
    text = _NOCASE_EQ.sub(lambda m_: f"lower({m_.group(1)}) = lower(?)", sql)
    text = re.sub(r"\s+LIKE\s+(\?(?:\s*\|\|\s*'[^']*')?)\s+COLLATE\s+NOCASE", r" ILIKE \1", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+COLLATE\s+NOCASE", "", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<!I)\bLIKE\b", "ILIKE", text)
    text = re.sub(r"\bIS\s+NOT\s+\?", "IS DISTINCT FROM ?", text, flags=re.IGNORECASE)
    text = re.sub(r"\bIS\s+\?", "IS NOT DISTINCT FROM ?", text, flags=re.IGNORECASE)
    # SQLite's group_concat follows its subquery's ORDER BY; PostgreSQL orders inside the aggregate.
    text = re.sub(
        r"(group_concat\([^()]*)\)([^()]*?)\s+ORDER BY\s+([\w.]+)\)", r"\1 ORDER BY \3)\2)", text, flags=re.IGNORECASE
    )
    text = _functions(text)
    insert = _INSERT.match(text)
    wants_id = False
    if insert:
        mode, table = insert.group(1), insert.group(2).lower()
        if mode:
            text = re.sub(r"\s+OR\s+(IGNORE|REPLACE)\s+", " ", text, count=1, flags=re.IGNORECASE)
            if mode.upper() == "IGNORE":
                text = text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
        if table not in NO_ID and "RETURNING" not in text.upper():
            text = text.rstrip().rstrip(";") + " RETURNING id"
            wants_id = True
    return _placeholders(text), wants_id


def _no_limit(text: str, params: Sequence[Any]) -> list[Any]:
    """SQLite reads a negative LIMIT as "no limit"; PostgreSQL's is LIMIT NULL."""
    values = list(params)
    at = text.find("LIMIT %s")
    while at >= 0:
        index = text.count("%s", 0, at)
        if index < len(values) and isinstance(values[index], int) and values[index] < 0:
            values[index] = None
        at = text.find("LIMIT %s", at + 1)
    return values
