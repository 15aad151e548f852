"""Shared fixtures. Tests that need ../shared/fixtures skip with a reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The shared real-world fixtures; the test is skipped on a clone without them."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent (real-data fixtures are not part of the clone)")
    return SHARED_FIXTURES


@pytest.fixture
def real(fixtures: Path) -> Path:
    return fixtures / "real"


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "project.db", create=True)
    yield s
    s.close()


@pytest.fixture
def codebook_path() -> Path:
    return ROOT / "codebooks" / "partnerships.yaml"
