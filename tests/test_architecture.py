"""The dependency rule, as ARCHITECTURE.md states it.

The import graph is checked by import-linter against the contracts in pyproject.toml
(``[tool.importlinter]``): front ends -> core -> agreement -> exchange -> analysis, ingest ->
store -> models; readers and writers of files never reach the store; the front ends reach it only
through the core; only ``workbench.tui`` imports Textual; only ``workbench.store`` imports sqlite3.
What a contract cannot see, SQL written as text, is checked here on the syntax tree.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "workbench"

_LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the package under ``root`` (its own process: the graph is built from the
    files there, not from what this test process has imported)."""
    return subprocess.run(
        [sys.executable, "-c", _LINT],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "NO_COLOR": "1"},
    )


def test_import_graph_follows_the_contracts():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") == 5


def test_the_contracts_catch_each_kind_of_violation(tmp_path: Path):
    """A copy of the package with one violation of each rule fails each contract (so the check
    above can fail)."""
    shutil.copytree(PACKAGE, tmp_path / "workbench", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    copy = tmp_path / "workbench"
    (copy / "store" / "upward.py").write_text("from workbench.project import open_store\n", encoding="utf-8")
    (copy / "refi" / "writes.py").write_text("from workbench.store import Store\n", encoding="utf-8")
    (copy / "cli" / "direct.py").write_text("from workbench.store import Store\n", encoding="utf-8")
    (copy / "coding_screen.py").write_text("import textual\n", encoding="utf-8")  # a new core module, unlisted
    (copy / "reading.py").write_text(
        (copy / "reading.py").read_text(encoding="utf-8") + "\nimport sqlite3\nfrom textual.app import App\n",
        encoding="utf-8",
    )
    result = _lint(tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "workbench.store.upward -> workbench.project" in out
    assert "workbench.refi is not allowed to import workbench.store" in out
    assert "workbench.cli is not allowed to import workbench.store" in out
    assert "workbench.coding_screen" in out  # not placed in any layer (the layers are exhaustive)
    assert "workbench.reading -> textual" in out and "workbench.reading -> sqlite3" in out
    assert out.count("BROKEN") == 5


# -- SQL written as text ------------------------------------------------------------------------------

# Statements as SQL writes them (upper-case keywords), not prose: "select a code from the list".
_SQL = re.compile(
    r"\b(?:SELECT\b[^\n]*?\bFROM|INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(?:TABLE|INDEX|UNIQUE|TRIGGER|VIEW|VIRTUAL)|DROP\s+(?:TABLE|INDEX|TRIGGER|VIEW)"
    r"|ALTER\s+TABLE|BEGIN\s+(?:IMMEDIATE|EXCLUSIVE))\b|\bPRAGMA\s+\w+\s*[=(]"
)
_EXECUTE = {"execute", "executemany", "executescript"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def sql_in(source: str) -> list[str]:
    """SQL statements in string literals (docstrings apart) and calls that run SQL."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            match = _SQL.search(node.value)
            if match:
                found.append(f"line {node.lineno}: {match.group(0)!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _EXECUTE:
            found.append(f"line {node.lineno}: .{node.func.attr}(...)")
    return found


def test_sql_stays_in_the_store():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "store":
            continue
        found = sql_in(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}


def test_the_sql_check_sees_sql_and_not_prose():
    assert sql_in('q = "SELECT id FROM codes WHERE name = ?"\n')
    assert sql_in("conn.execute(q)\n")
    assert sql_in('x = f"UPDATE segments SET code_id = {n}"\n')
    assert sql_in('x = "PRAGMA user_version = 3"\n')
    assert not sql_in('"""SELECT ... FROM in a docstring is prose."""\nhint = "select a code from the list"\n')
    assert not sql_in('note = "Other coders\' commits are noticed with PRAGMA data_version"\n')
    # the store itself is full of it: the check reads what it is meant to read
    assert (
        len(sql_in("".join(p.read_text(encoding="utf-8") for p in sorted((PACKAGE / "store" / "sqlite").glob("*.py")))))
        > 50
    )
