"""Build step that pyproject.toml cannot express: the sample study goes into the package.

The sample study (``codebooks/``, ``transcripts/``, ``sample/coding/``) lives at the top of the
source tree, where researchers read it; a wheel carries a copy under ``workbench/sample_study/``
so that ``workbench demo`` works from an installed package too (see ``workbench/sample.py``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SAMPLE = {"codebooks": "codebooks", "transcripts": "transcripts", "sample/coding": "sample/coding"}


class BuildWithSample(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the source tree
        target = Path(self.build_lib) / "workbench" / "sample_study"
        for source, dest in SAMPLE.items():
            if (HERE / source).is_dir():
                shutil.copytree(HERE / source, target / dest, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithSample})
