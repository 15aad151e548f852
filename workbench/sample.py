"""The bundled sample study: codebook, transcripts and two coders' coding, built into a project.

The data lives in the source tree (``codebooks/``, ``transcripts/``, ``sample/coding/``), and an
installed package carries a copy in ``workbench/sample_study/`` (see ``setup.py``);
:func:`build_demo` loads it through the same use cases a researcher uses, so the demo also
proves that import, codebook loading and coding work together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from workbench.coding import add_segment, find_quote, resolve_code, resolve_transcript
from workbench.errors import InputError, WorkbenchError
from workbench.models import Segment
from workbench.codebook_import import apply_codebook
from workbench.transcript_import import Progress, import_transcripts
from workbench.codebook import load_codebook
from workbench.store import Store

SAMPLE_VERSION = "1"
ROOT = Path(__file__).resolve().parent.parent
if not (ROOT / "codebooks" / "partnerships.yaml").exists():
    # installed from a wheel: the build copies the sample study into the package (see setup.py)
    ROOT = Path(__file__).resolve().parent / "sample_study"


@dataclass(slots=True)
class SampleFiles:
    codebook: Path
    transcripts: Path
    metadata: Path
    coding: Path


def sample_files(root: Path = ROOT) -> SampleFiles:
    """Where the sample study's files are; a clear error when the source tree is missing."""
    files = SampleFiles(
        codebook=root / "codebooks" / "partnerships.yaml",
        transcripts=root / "transcripts",
        metadata=root / "transcripts" / "metadata.csv",
        coding=root / "sample" / "coding",
    )
    for path in (files.codebook, files.transcripts, files.coding):
        if not path.exists():
            raise WorkbenchError(
                f"the sample study is missing: {path} does not exist.",
                hint="Reinstall the workbench (pip install .); the sample study is part of the package.",
            )
    return files


def default_demo_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("workbench", appauthor=False)) / "demo.db"


@dataclass(slots=True)
class DemoReport:
    built: bool
    transcripts: int = 0
    codes: int = 0
    segments: int = 0
    failures: list[str] = field(default_factory=list)


def load_coding_file(store: Store, path: Path) -> int:
    """Load one sample coding file (quotes located in the transcript text); returns segments added.

    Every quote must be found exactly once; a file with a bad quote adds nothing.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}.", path=path) from exc
    transcript = resolve_transcript(store, data["transcript"])
    text = store.transcript_text(transcript.id) or ""
    planned = []
    for coder, segments in (data.get("segments") or {}).items():
        for number, item in enumerate(segments, 1):
            try:
                start, end = find_quote(text, item["quote"], item.get("occurrence"))
                code = resolve_code(store, item["code"])
            except WorkbenchError as exc:
                raise InputError(f"{coder}'s segment #{number}: {exc.message}", path=path, hint=exc.hint) from exc
            planned.append((coder, code.id, start, end, item.get("memo")))
    added = 0
    with store.transaction():
        for coder, code_id, start, end, memo in planned:
            if store.find_segment(transcript.id, code_id, store.coder_id(coder), start, end) is not None:
                continue  # loaded by an earlier, interrupted build
            add_segment(
                store,
                transcript_id=transcript.id,
                code_id=code_id,
                coder=coder,
                start=start,
                end=end,
                memo=memo,
                origin="imported",
            )
            added += 1
    return added


def build_demo(store: Store, *, progress: Progress | None = None, root: Path = ROOT) -> DemoReport:
    """Build the sample study into an empty project; a project that has it already is left alone."""
    if store.get_meta("sample_study") == SAMPLE_VERSION:
        return DemoReport(
            built=False, transcripts=len(store.transcripts()), codes=len(store.codes()), segments=len(store.segments())
        )
    files = sample_files(root)
    apply_codebook(store, load_codebook(files.codebook), coder="sample")
    results = import_transcripts(store, [files.transcripts], metadata=files.metadata, coder="sample", progress=progress)
    failures = [r.message for r in results if r.status == "failed"]
    segments = 0
    for coding in sorted(files.coding.glob("*.yaml")):
        segments += load_coding_file(store, coding)
    for charting in sorted((root / "sample" / "framework").glob("*.yaml")):
        load_framework_file(store, charting)
    with store.transaction():
        store.set_meta("sample_study", SAMPLE_VERSION)
        store.set_meta("title", "Partnerships between health care organizations (sample study)")
    return DemoReport(
        built=True, transcripts=len(store.transcripts()), codes=len(store.codes()), segments=segments, failures=failures
    )


def load_framework_file(store: Store, path: Path) -> int:
    """Load framework summaries of the sample study (one theme, one summary per row) and flag their
    key quotes (a coder's segment in the row's transcripts whose text holds the quote's words).
    Every quote must match exactly one segment; a file with a bad one writes nothing."""
    from workbench.findings.framework import flag_quote, set_summary

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        theme, rows, coder = data["theme"], data.get("rows", "participant"), data.get("by", "sample")
        cells = data["cells"]
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise InputError(
            f"not a framework file ({exc}).",
            path=path,
            hint="It needs theme, rows and cells (row, summary, key_quotes).",
        ) from exc
    segments = store.segments(coder=coder)
    planned = []
    for number, cell in enumerate(cells, 1):
        flags = []
        for quote in cell.get("key_quotes") or []:
            words = " ".join(quote.split())
            found = [s.id for s in segments if words in " ".join(s.text.split()) and _in_row(s, rows, cell["row"])]
            if len(found) != 1:
                raise InputError(
                    f"cell #{number} ({cell['row']}): the key quote {words[:60]!r} matches "
                    f"{len(found)} of {coder}'s segments, not one.",
                    path=path,
                )
            flags.append(found[0])
        planned.append((cell, flags))
    with store.transaction():
        for cell, flags in planned:
            set_summary(store, rows, cell["row"], theme, cell["summary"], note=cell.get("note"), coder=coder)
            for segment_id in flags:
                flag_quote(store, segment_id, coder=coder)
    return len(planned)


def _in_row(segment: Segment, rows: str, row: str) -> bool:
    if rows == "participant":
        return row in (segment.participant or "").split(", ")
    return segment.site == row
