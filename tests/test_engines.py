"""The test suite's own rule for the team engine: with WORKBENCH_REQUIRE_POSTGRES=1 (as .ci/run sets
it) a PostgreSQL test that does not run fails the run; without it, it skips saying why. Checked by
running pytest on a small both-engine test file in another process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = """
import pytest

pytestmark = pytest.mark.both_engines


def test_codes_on_each_engine(store, engine):
    assert store.codes() == []


def test_skipped_on_postgres(store, engine):
    if engine == "postgresql":
        pytest.skip("pretending the team engine cannot do this")
"""


def outcome(tmp_path: Path, *, require: bool, server: bool, select: str) -> tuple[int, str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_REQUIRE_POSTGRES", "WORKBENCH_PG_BINDIR")}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    if require:
        env["WORKBENCH_REQUIRE_POSTGRES"] = "1"
    if not server:
        env["WORKBENCH_PG_BINDIR"] = str(tmp_path / "no-server-here")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "conftest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            "-k",
            select,
            str(probe),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout.strip().splitlines()[-1]


def test_without_a_server_both_engine_tests_fail_in_ci(tmp_path):
    # (that they skip without WORKBENCH_REQUIRE_POSTGRES: tests/test_pg_schema.py)
    code, summary = outcome(tmp_path, require=True, server=False, select="each_engine")
    assert code == 1 and "1 passed" in summary and "1 error" in summary, summary


def test_in_ci_a_postgres_test_that_skips_fails(tmp_path, pg_cluster):
    code, summary = outcome(tmp_path, require=True, server=True, select="skipped_on_postgres")
    assert code == 1 and "1 passed" in summary and "1 failed" in summary, summary
