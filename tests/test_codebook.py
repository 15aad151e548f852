"""The codebook format, the default codebook, and loading codebooks into a project."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.codebook import load_codebook, parse_codebook, to_markdown, to_yaml
from workbench.errors import InputError
from workbench.project import apply_codebook, import_codebook, project_codebook

pytestmark = pytest.mark.both_engines  # each test's `store`: a project file, then a team database


def test_default_codebook_covers_the_four_themes(codebook_path):
    book = load_codebook(codebook_path)
    assert [c.name for c in book.codes] == [
        "Motivations to partner",
        "Accountability mechanisms",
        "Barriers",
        "Shared learning journey",
    ]
    for theme in book.codes:
        assert 4 <= len(theme.children) <= 8, theme.name
        for _, code in theme.walk():
            for field in ("definition", "when_to_use", "when_not_to_use", "example", "colour"):
                assert getattr(code, field), f"{code.name} lacks {field}"


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("codes:\n  - name: A\n    colr: '#ffffff'\n", 3, "Did you mean `colour`"),
        ("codes:\n  - name: A\n  - name: a\n", 3, "both named"),
        ("codes:\n  - name: A\n    colour: red\n", 3, "not a colour"),
        ("codes:\n  - definition: x\n", 2, "has no name"),
        ("codes:\n  - name: A/B\n", 2, "contains '/'"),
        ("codes:\n  - name: A\n    children:\n      - name: B\n      - name: B\n", 5, "both named 'B'"),
        ("codes:\n  - name: [A\n", 2, "not valid YAML"),
        ("name: x\n", 1, "no `codes:`"),
    ],
)
def test_errors_name_file_and_line(text, line, words):
    with pytest.raises(InputError) as err:
        parse_codebook(text, Path("book.yaml"))
    message = str(err.value)
    assert f"book.yaml, line {line}:" in message and words in message


def test_yaml_round_trip(codebook_path):
    book = load_codebook(codebook_path)
    again = parse_codebook(to_yaml(book), Path("again.yaml"))
    strip = lambda b: [
        (p, c.definition, c.when_to_use, c.when_not_to_use, c.example, c.colour, c.keywords) for p, c in b.walk()
    ]
    assert strip(again) == strip(book)


def test_markdown_document(codebook_path):
    text = to_markdown(load_codebook(codebook_path), {"Barriers/Time": 7})
    assert text.startswith("# Partnerships between health care organizations")
    assert "## Barriers" in text and "### Time (7 segments)" in text and "**When not to use.**" in text


def test_apply_is_idempotent_and_keeps_guids(store, codebook_path):
    first = import_codebook(store, codebook_path)
    assert len(first.added) == 34 and not first.updated
    guids = {c.path: c.guid for c in store.codes()}
    again = import_codebook(store, codebook_path)
    assert not again.added and not again.updated and len(again.unchanged) == 34
    exported = project_codebook(store)
    reloaded = parse_codebook(to_yaml(exported), Path("x.yaml"))
    changes = apply_codebook(store, reloaded)
    assert not changes.added and {c.path: c.guid for c in store.codes()} == guids


def test_apply_updates_and_reports_kept_codes(store, codebook_path):
    import_codebook(store, codebook_path)
    small = parse_codebook("codes:\n  - name: Barriers\n    definition: Anything in the way.\n", Path("s.yaml"))
    changes = apply_codebook(store, small, coder="maria")
    assert changes.updated == ["Barriers"] and len(changes.kept) == 33
    assert next(c for c in store.codes() if c.path == "Barriers").definition == "Anything in the way."
    audit = store.audit_entries(entity="code")
    assert audit[0].action == "code.update" and audit[0].coder == "maria"
