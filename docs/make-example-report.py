"""Regenerate the example report of the sample study in docs/example-report/.

    .venv/bin/python docs/make-example-report.py

Builds the sample study (`workbench demo`) into a temporary project, then runs the same commands a
researcher would: the report of maria's coding (agreement: maria and james) as Markdown and as one
HTML file, the framework matrix, the memo
report and the saturation table. Nothing outside docs/example-report/ is written.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from workbench.cli import cli

OUT = Path(__file__).resolve().parent / "example-report"
COMMANDS = [
    ["demo", "--no-tui"],
    ["report", "--coder", "maria", "--unit", "turn", "--order", "date", "-o", str(OUT / "study.md")],
    ["report", "--coder", "maria", "--unit", "turn", "--order", "date", "--format", "html", "-o", str(OUT / "study.html")],
    ["framework", "--rows", "participant", "-o", str(OUT / "framework.md")],
    ["memos", "--by", "code", "-o", str(OUT / "memos.md")],
    ["saturation", "--order", "date", "-o", str(OUT / "saturation.txt")],
]


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = str(Path(tmp) / "sample.db")
        for args in COMMANDS:
            result = CliRunner().invoke(cli, ["--project", project, *args], obj={})
            if result.exit_code != 0:
                print(f"workbench {' '.join(args)} failed:\n{result.output}", file=sys.stderr)
                return 1
            print(f"workbench {' '.join(args)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
