"""The package as users install it: a wheel (not an editable install) runs the demo."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # builds and installs a wheel
def test_wheel_installs_and_runs_the_demo(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            "*.db",
            "*.db-*",
            ".pytest_cache",
            ".hypothesis",
            "benchmarks",
            "tests",
        ),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        check=True,
        timeout=600,
    )
    wheel = next(wheels.glob("workbench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "workbench/sample_study/codebooks/partnerships.yaml" in names
    assert "workbench/sample_study/transcripts/metadata.csv" in names
    assert any(n.startswith("workbench/sample_study/sample/coding/") for n in names)

    # a fresh environment with the wheel only; its dependencies come from this environment
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"], check=True, capture_output=True, text=True
    ).stdout.strip()
    Path(own, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        timeout=300,
    )

    where = tmp_path / "elsewhere"
    where.mkdir()
    located = subprocess.run(
        [str(python), "-c", "import workbench; print(workbench.__file__)"],
        cwd=where,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert str(venv) in located  # the installed copy, not the source tree
    result = subprocess.run(
        [str(venv / "bin" / "workbench"), "demo", "--no-tui", "--project", str(where / "demo.db")],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "18 transcripts" in result.stderr and "509 coded segments" in result.stderr, result.stderr
    listing = subprocess.run(
        [str(venv / "bin" / "workbench"), "transcripts", "--project", str(where / "demo.db"), "--format", "csv"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listing.returncode == 0 and listing.stdout.count("\n") == 19
