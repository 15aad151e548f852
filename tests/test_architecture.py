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


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported at run time (imports under ``if TYPE_CHECKING:`` are for type hints only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_screens_reach_the_store_only_through_the_core():
    """The app and its screens open projects through workbench.project, never workbench.store."""
    offenders = {str(p.relative_to(PACKAGE)): sorted(m for m in _runtime_imports(p) if m.startswith("workbench.store"))
                 for p in (PACKAGE / "tui").rglob("*.py")}
    assert {p: m for p, m in offenders.items() if m} == {}
