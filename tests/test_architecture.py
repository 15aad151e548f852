"""The dependency rule: only workbench/tui imports Textual; only workbench/store holds SQL writes."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_textual():
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if "tui" not in p.relative_to(PACKAGE).parts
                 and any(m == "textual" or m.startswith("textual.") for m in imported_modules(p))]
    assert offenders == []


def test_sql_stays_in_the_store():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "store" in path.relative_to(PACKAGE).parts:
            continue
        text = path.read_text(encoding="utf-8")
        if any(word in text for word in ("INSERT INTO", "UPDATE segments", "DELETE FROM", "CREATE TABLE")):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
