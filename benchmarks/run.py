"""Benchmarks: the workbench at 10, 100 and 1,000 transcripts, beside a floor and beside qc.

Run:  .venv/bin/python benchmarks/run.py [--sizes 10,100,1000] [--repeat 3] [--tui 1000] [--no-peer]
      .venv/bin/python benchmarks/run.py --quick      (10 and 100 transcripts, 2 runs each, TUI at 100)
      .venv/bin/python benchmarks/run.py --report FILE.json   (the tables again from a --json run)
      .venv/bin/python benchmarks/run.py --team [--coders 10] [--codes 200]   (concurrent coders, benchmarks/team.py)
      .venv/bin/python benchmarks/run.py --team --analysis 100,1000 [--no-coders]   (matrix, agreement on PostgreSQL)

For each size it builds a synthetic study (benchmarks/study.py: ~5,000 words per transcript,
5-100 sites, 50 codes, 3 coders, ~100 segments per transcript per coder) and times what a user
waits for: each command as a whole process (`workbench import`, `transcripts`, `matrix`,
`frequencies`, `cooccurrence`, `agreement`, the XLSX and QDPX exports), run --repeat times, with
min / median / max and the process's peak memory. The peer is qc (the `qualitative-coding`
package, 1.7.8: `--install-peer` installs it into benchmarks/.peer-venv), run on the same corpus and
the same coding (qc imports the workbench's QDPX export) as whole processes too, alternating with
the workbench's run (A B A B ...), and each ratio is the median of the pairs' ratios. The time of
the function alone, inside an already started process, is a second, labelled column. Every step
runs in a process of its own, so each peak memory figure is that step's. The coding screen is
measured through Pilot in its own process. Figures are printed (and with --json saved); nothing
here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / "benchmarks" / ".peer-venv"
QC_ENV = {"PYTHONBREAKPOINT": "0"}  # qc 1.7.8 stops at a stray breakpoint() on .qdpx


# -- measuring a process ---------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    peak_mb: float
    out: str
    cpu: float = 0.0  # user + system seconds of the process (steadier than wall time on a busy machine)


def run_process(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run a command to its end: wall time from start to exit, and its peak resident memory (the
    kernel's accounting of this one child, not of the benchmark process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(
                f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n" + err.read().decode(errors="replace")[-3000:]
            )
        out.seek(0)
        return Run(wall, usage.ru_maxrss / 1024, out.read().decode(errors="replace"), usage.ru_utime + usage.ru_stime)


def step(name: str, **kwargs: object) -> tuple[dict, Run]:
    """Run one in-process step (below) in a fresh process; returns what it reports and its process."""
    run = run_process([sys.executable, str(Path(__file__).resolve()), "--step", name, json.dumps(kwargs, default=str)])
    return json.loads(run.out.strip().splitlines()[-1]), run


def workbench_cmd() -> list[str]:
    script = Path(sys.executable).parent / "workbench"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from workbench.cli import main; main()"]


@dataclass
class Figure:
    """One row of a study's table: the workbench's whole-process runs, the in-process time, and qc's runs."""

    label: str
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    inproc: float | None = None
    qc_walls: list[float] = field(default_factory=list)
    qc_peaks: list[float] = field(default_factory=list)
    note: str = ""

    def ratios(self) -> list[float]:
        return [b / a for a, b in zip(self.walls, self.qc_walls)]

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "walls": self.walls,
            "peaks": self.peaks,
            "cpus": self.cpus,
            "inproc": self.inproc,
            "qc_walls": self.qc_walls,
            "qc_peaks": self.qc_peaks,
            "note": self.note,
        }


def paired(
    label: str,
    repeat: int,
    ours: list[str],
    *,
    prepare=None,
    qc: list[str] | None = None,  # noqa: ANN001
    qc_prepare=None,
    qc_cwd=None,
) -> Figure:  # noqa: ANN001
    """Run the workbench's command and qc's in turn, ``repeat`` times each."""
    figure = Figure(label)
    for _ in range(repeat):
        if prepare:
            prepare()
        run = run_process(ours)
        figure.walls.append(run.wall)
        figure.peaks.append(run.peak_mb)
        figure.cpus.append(run.cpu)
        if qc:
            cwd = qc_prepare() if qc_prepare else qc_cwd
            run = run_process(qc, cwd=cwd, env=QC_ENV)
            figure.qc_walls.append(run.wall)
            figure.qc_peaks.append(run.peak_mb)
    return figure


# -- in-process steps (each runs in its own process: `run.py --step NAME ARGS`) ------------------


def _timed(func, *args, **kwargs):  # noqa: ANN001, ANN202
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(name: str, a: dict) -> dict:
    sys.path.insert(0, str(ROOT))
    if name == "setup":  # corpus, project (the import timed in-process), coding
        from benchmarks.study import add_coding, write_corpus
        from workbench.project import import_transcripts
        from workbench.store import Store

        words = write_corpus(Path(a["corpus"]), a["size"])
        store = Store.open(Path(a["db"]), create=True)
        seconds, results = _timed(import_transcripts, store, [Path(a["corpus"])])
        store.close()
        assert all(r.status == "imported" for r in results)
        import_peak = _peak_mb()
        segments = add_coding(Path(a["db"]))
        return {"s": seconds, "peak_mb": import_peak, "words": words, "segments": segments}
    if name == "floor":
        from benchmarks.study import floor_import

        seconds, _ = _timed(floor_import, Path(a["corpus"]), Path(a["db"]))
        return {"s": seconds}
    if name == "bigfile":  # one transcript of a given size, imported into a new project
        from benchmarks.study import write_corpus
        from workbench.project import import_transcripts
        from workbench.store import Store

        folder = Path(a["corpus"])
        write_corpus(folder, 1, words_each=a["words"], seed=5, prefix="big")
        size = sum(p.stat().st_size for p in folder.rglob("*.txt"))
        store = Store.open(Path(a["db"]), create=True)
        seconds, results = _timed(import_transcripts, store, [folder])
        store.close()
        assert all(r.status == "imported" for r in results), results
        return {"s": seconds, "bytes": size}
    if name == "tui":
        import asyncio

        return asyncio.run(bench_tui(Path(a["db"]), a["transcript_id"], opens=a.get("opens", 5)))
    if name == "tui_setup":
        from benchmarks.study import add_coding, write_corpus
        from workbench.project import import_transcripts
        from workbench.store import Store

        work = Path(a["work"])
        write_corpus(work / "tui-corpus", a["size"] - 1, words_each=1500, seed=3)
        write_corpus(work / "tui-long", 1, words_each=20000, seed=4, prefix="long")
        store = Store.open(Path(a["db"]), create=True)
        import_transcripts(store, [work / "tui-corpus", work / "tui-long"])
        long_id = max(t["id"] for t in store.transcripts() if t["words"] > 15000)
        store.close()
        add_coding(Path(a["db"]), coders=("maria", "james", "bench"))
        return {"transcript_id": long_id}

    # the analysis steps: a store opened, the modules imported, then only the call is timed
    from workbench.store import Store

    store = Store.open(Path(a["db"]))
    if name == "transcripts":
        from workbench.project import list_transcripts

        seconds, _ = _timed(list_transcripts, store)
    elif name in ("matrix", "xlsx"):
        from workbench.analysis.frame import Selection
        from workbench.analysis.matrix import MatrixSpec, build_matrix
        from workbench.export.tables import write_matrix
        from workbench.project import project_codebook

        spec = MatrixSpec(selection=Selection(coders=a.get("coders")))
        if name == "matrix":
            seconds, _ = _timed(build_matrix, store, spec, detail=False)  # count-only, as the CLI's table
        else:

            def both() -> None:
                write_matrix(
                    build_matrix(store, spec), "xlsx", Path(a["out"]), book=project_codebook(store), force=True
                )

            seconds, _ = _timed(both)
    elif name == "stats":
        from workbench.analysis.frame import Selection
        from workbench.analysis.frequencies import frequencies

        seconds, _ = _timed(frequencies, store, Selection())
    elif name == "crosstab":
        from workbench.analysis.frame import Selection
        from workbench.analysis.frequencies import cooccurrence

        seconds, _ = _timed(cooccurrence, store, Selection(), "code", "turn")
    elif name in ("agreement_turn", "agreement_sentence"):
        from workbench.agreement.compute import AgreementSpec, compute_agreement

        unit = name.split("_")[1]
        seconds, _ = _timed(
            compute_agreement, store, AgreementSpec(coders=["maria", "james", "lee"], unit=unit, columns="code")
        )
    elif name == "qdpx":
        from workbench.refi_export import export_qdpx

        seconds, _ = _timed(export_qdpx, store, Path(a["out"]))
    else:
        raise SystemExit(f"unknown step {name}")
    store.close()
    return {"s": seconds}


async def bench_tui(db: Path, transcript_id: int, opens: int = 5, applies: int = 30) -> dict:
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.reader import ReaderScreen

    app = WorkbenchApp(db, "bench")
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one("DataTable")
        while table.row_count == 0:  # the listing is on screen
            await pilot.pause(0.005)
        first_screen = time.perf_counter() - start
        await app.workers.wait_for_complete()
        await pilot.pause()
        complete = time.perf_counter() - start  # with the share coded filled in
        rows = table.row_count
        open_times = []
        for attempt in range(opens):
            start = time.perf_counter()
            app.push_screen(ReaderScreen(transcript_id))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            open_times.append(time.perf_counter() - start)
            if attempt < opens - 1:
                app.pop_screen()
                await pilot.pause()
        reader = app.screen
        reader.apply(app.store.codes()[5]["id"])  # now the coder's most used code, on key 1
        await pilot.pause()
        paints: list[float] = []
        original = reader._compositor_refresh

        def painted() -> None:
            original()
            paints.append(time.perf_counter())

        reader._compositor_refresh = painted
        times = []
        for _ in range(applies):
            await pilot.press("j")
            await pilot.pause()
            before = len(reader.doc.segments)
            start = time.perf_counter()
            await pilot.press("1")  # the key that applies the code
            await pilot.pause()
            assert len(reader.doc.segments) == before + 1
            times.append(min(t for t in paints if t > start) - start)
    return {
        "rows": rows,
        "first_screen_s": first_screen,
        "complete_s": complete,
        "open_s": open_times,
        "apply_ms": [t * 1000 for t in times],
        "peak_mb": _peak_mb(),
    }


# -- the peer --------------------------------------------------------------------------------------


def peer_command() -> str | None:
    candidate = PEER_VENV / "bin" / "qc"
    if candidate.exists():
        return str(candidate)
    return shutil.which("qc")


def install_peer() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(PEER_VENV / "bin" / "pip"), "install", "-q", "-r", str(ROOT / "benchmarks" / "requirements-peer.txt")],
        check=True,
    )


# -- the benchmark ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    ram = ""
    if Path("/proc/cpuinfo").exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f", {kb / 1024 / 1024:.0f} GiB RAM"
    load = ", load average {:.1f} {:.1f} {:.1f} at start".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return (
        f"{cpu}, {os.cpu_count()} cores{ram}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}{load}"
    )


STEPS = ("import", "qdpx", "transcripts", "matrix", "stats", "crosstab", "agreement_turn", "agreement_sentence", "xlsx")


def bench_size(
    size: int,
    work: Path,
    qc: str | None,
    repeat: int,
    peer_max: int,
    log,  # noqa: ANN001
    steps: tuple[str, ...] = STEPS,
) -> dict:
    wb = workbench_cmd()
    corpus, db = work / f"corpus-{size}", work / f"project-{size}.db"
    info, run = step("setup", size=size, corpus=corpus, db=db)
    log(f"  set up: {info['words']:,} words, {info['segments']:,} segments")
    result = {"size": size, "words": info["words"], "segments": info["segments"], "figures": {}}
    figures = result["figures"]

    def add(key: str, figure: Figure, inproc: str | None = None, **kwargs: object) -> None:
        if inproc:
            figure.inproc = step(inproc, db=db, **kwargs)[0]["s"]
        figures[key] = figure.as_dict()
        med = statistics.median(figure.walls)
        line = (
            f"  {figure.label}: {fmt_s(med)} ({fmt_s(min(figure.walls))}-{fmt_s(max(figure.walls))}), "
            f"{max(figure.peaks):.0f} MB"
        )
        if figure.inproc is not None:
            line += f"; in-process {fmt_s(figure.inproc)}"
        if figure.qc_walls:
            line += f"; qc {fmt_s(statistics.median(figure.qc_walls))}, {statistics.median(figure.ratios()):.1f}x"
        log(line)

    # import: the whole `workbench import`, into a new project each run; qc's into a new qc project
    scratch = work / f"scratch-{size}.db"
    counter = iter(range(10**6))

    def fresh_db() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)

    def fresh_qc() -> Path:
        folder = work / f"qc-import-{size}-{next(counter)}"
        folder.mkdir()
        run_process([qc, "init"], cwd=folder, env=QC_ENV)
        return folder

    if "import" in steps:
        figure = paired(
            "import",
            repeat,
            [*wb, "--project", str(scratch), "import", str(corpus)],
            prepare=fresh_db,
            qc=[qc, "corpus", "import", "-r", "-i", "verbatim", str(corpus)] if qc else None,
            qc_prepare=fresh_qc if qc else None,
        )
        figure.inproc = info["s"]
        fresh_db()
        add("import", figure)
    floor = step("floor", corpus=corpus, db=work / f"floor-{size}.db")[0]["s"]
    result["floor_s"] = floor
    log(f"  floor {fmt_s(floor)}; in-process import is {info['s'] / floor:.1f}x the floor")

    project = ["--project", str(db)]
    qdpx = work / f"p-{size}.qdpx"
    want = steps.__contains__
    if want("qdpx") or (qc and size <= peer_max):
        add(
            "qdpx",
            paired("QDPX export", repeat, [*wb, *project, "export", "qdpx", str(qdpx), "--force"]),
            "qdpx",
            out=work / f"q-{size}.qdpx",
        )
    coded = None
    if qc and size <= peer_max:  # qc loads the same coding from the workbench's QDPX export
        coded = work / f"qc-coded-{size}"
        coded.mkdir()
        seconds = run_process([qc, "init", "--import", str(qdpx)], cwd=coded, env=QC_ENV).wall
        log(f"  qc loaded the coding in {fmt_s(seconds)}")
    runs = {  # step: (label, workbench's arguments, qc's arguments, in-process step's extra arguments)
        "transcripts": ("`workbench transcripts`", ["transcripts"], None, {}),
        "matrix": ("`workbench matrix` (site x theme, counts)", ["matrix"], None, {}),
        "stats": (
            "code statistics (`frequencies` / `qc codes stats`)",
            ["frequencies"],
            [qc, "codes", "stats"] if coded else None,
            {},
        ),
        "crosstab": (
            "crosstab of all codes by turn (`cooccurrence` / `qc codes crosstab`)",
            ["cooccurrence", "--columns", "code", "--unit", "turn"],
            [qc, "codes", "crosstab", "-z"] if coded else None,
            {},
        ),
        "agreement_turn": (
            "agreement by turn, 3 coders",
            ["agreement", "--coders", "maria,james,lee", "--unit", "turn"],
            None,
            {},
        ),
        "agreement_sentence": (
            "agreement by sentence (the default unit), 3 coders",
            ["agreement", "--coders", "maria,james,lee"],
            None,
            {},
        ),
        "xlsx": (
            f"XLSX, {info['segments']:,} segments",
            ["matrix", "--format", "xlsx", "-o", str(work / "m.xlsx"), "--force"],
            None,
            {"out": work / "m.xlsx"},
        ),
    }
    if size >= 1000:  # one coder's 100,000 segments
        runs["xlsx_one_coder"] = (
            "XLSX, one coder (about 100,000 segments)",
            ["matrix", "--coder", "maria", "--format", "xlsx", "-o", str(work / "m.xlsx"), "--force"],
            None,
            {"out": work / "m.xlsx", "coders": ["maria"]},
        )
    for key, (label, args, peer, extra) in runs.items():
        if want(key.replace("_one_coder", "")):
            add(
                key,
                paired(label, repeat, [*wb, *project, *args], qc=peer, qc_cwd=coded),
                key.replace("_one_coder", ""),
                **extra,
            )
    return result


def bench_bigfiles(work: Path, repeat: int, log) -> dict:  # noqa: ANN001
    """Import of one 1 MB and one 4 MB transcript (import must stay linear in the text's length)."""
    out = {}
    for label, words in (("1MB", 160_000), ("4MB", 640_000)):
        times, peaks, size = [], [], 0
        for i in range(repeat):
            folder = work / f"big-{label}-{i}"
            info, run = step("bigfile", corpus=folder, db=work / f"big-{label}-{i}.db", words=words)
            times.append(info["s"])
            peaks.append(run.peak_mb)
            size = info["bytes"]
            shutil.rmtree(folder)
        out[label] = {"s": times, "bytes": size, "peak_mb": peaks}
        log(
            f"  one {size / 1e6:.1f} MB transcript: import {fmt_s(statistics.median(times))} in-process, "
            f"{max(peaks):.0f} MB"
        )
    return out


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return fmt_s(values[0])
    return f"{fmt_s(statistics.median(values))} ({fmt_s(min(values))}-{fmt_s(max(values))})"


def report(results: dict) -> str:
    """The tables, in Markdown: one per study size, then the coding screen, then the goals."""
    lines = [
        f"Machine: {results['machine']}. Whole-process figures are the median of {results['repeat']} "
        "runs (min-max); qc's runs alternate with the workbench's and its ratio is the median of the "
        "pairs' ratios. Peak memory is each step's own process (the largest of its runs).",
        "",
    ]
    for r in results["sizes"]:
        figs = r["figures"]
        lines += [
            f"**{r['size']:,} transcripts** ({r['words']:,} words, {r['segments']:,} segments)",
            "",
            "| step | whole process: wall (min-max) | its CPU time | peak memory | in-process (second column) | qc, whole process | qc / workbench |",
            "|---|---|---|---|---|---|---|",
        ]
        for key, f in figs.items():
            qc_cell = spread(f["qc_walls"]) if f["qc_walls"] else ""
            ratio = ""
            if f["qc_walls"]:
                ratios = [b / a for a, b in zip(f["walls"], f["qc_walls"])]
                ratio = f"{statistics.median(ratios):.1f}x" + (
                    f" ({min(ratios):.1f}-{max(ratios):.1f})" if len(ratios) > 1 else ""
                )
            inproc = fmt_s(f["inproc"]) if f["inproc"] is not None else ""
            if key == "import":
                inproc += f"; floor {fmt_s(r['floor_s'])}, {f['inproc'] / r['floor_s']:.1f}x the floor"
            cpu = fmt_s(statistics.median(f["cpus"])) if f.get("cpus") else ""
            lines.append(
                f"| {f['label']} | {spread(f['walls'])} | {cpu} | {max(f['peaks']):.0f} MB | {inproc} | {qc_cell} | {ratio} |"
            )
        lines.append("")
    if results.get("bigfiles"):
        b = results["bigfiles"]
        one, four = statistics.median(b["1MB"]["s"]), statistics.median(b["4MB"]["s"])
        lines += [
            f"**One long transcript** (in-process, median of {len(b['1MB']['s'])}): "
            f"{b['1MB']['bytes'] / 1e6:.1f} MB imports in {fmt_s(one)}, {b['4MB']['bytes'] / 1e6:.1f} MB in "
            f"{fmt_s(four)}: {four / one:.1f}x for {b['4MB']['bytes'] / b['1MB']['bytes']:.1f}x the text "
            f"(peak {max(b['4MB']['peak_mb']):.0f} MB).",
            "",
        ]
    if results.get("tui"):
        t = results["tui"]
        firsts = [x["first_screen_s"] for x in t["runs"]]
        completes = [x["complete_s"] for x in t["runs"]]
        opens = [o for x in t["runs"] for o in x["open_s"]]
        applies = [a for x in t["runs"] for a in x["apply_ms"]]
        lines += [
            f"**Coding screen** (Pilot, {t['runs'][0]['rows']:,} transcripts, 3 coders; {len(t['runs'])} "
            "processes; the 20,000-word transcript opened 5 times in each)",
            "",
            "| figure | median (min-max) |",
            "|---|---|",
            f"| first screen (the listing) | {spread(firsts)} |",
            f"| share-coded column filled in | {spread(completes)} |",
            f"| open and paint a 20,000-word transcript | {spread(opens)} |",
            f"| key that applies a code -> segment painted | {statistics.median(applies):.0f} ms "
            f"(p95 {sorted(applies)[int(0.95 * (len(applies) - 1))]:.0f} ms) |",
            f"| peak memory of the coding screen's process | {max(x['peak_mb'] for x in t['runs']):.0f} MB |",
            "",
        ]
    lines.append(
        f"Peak memory of the benchmark's own process (which only starts the others): "
        f"{results['own_peak_mb']:.0f} MB; largest step: {results['largest_step_mb']:.0f} MB."
    )
    return "\n".join(lines)


def goals(results: dict) -> str:
    """The issue's goals beside what this run measured (wall-clock medians)."""
    by_size = {r["size"]: r for r in results["sizes"]}
    rows: list[tuple[str, str, float | None, float, str]] = []  # (figure, measured text, value, goal, unit)

    def fig(size: int, key: str) -> dict | None:
        return by_size.get(size, {}).get("figures", {}).get(key)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    tui = results.get("tui")
    if tui:
        opens = [o for x in tui["runs"] for o in x["open_s"]]
        firsts = [x["first_screen_s"] for x in tui["runs"]]
        completes = [x["complete_s"] for x in tui["runs"]]
        n = tui["size"]
        rows.append((f"open a 20,000-word transcript, {n:,} transcripts", fmt_s(med(opens)), med(opens), 0.2, "s"))
        rows.append((f"first screen, {n:,} transcripts", fmt_s(med(firsts)), med(firsts), 0.4, "s"))
        rows.append(("... share-coded column filled in", fmt_s(med(completes)), med(completes), 1.0, "s"))
    for key, goal in (("transcripts", 0.2), ("matrix", 0.35)):
        f = fig(100, key)
        if f:
            rows.append(
                (
                    f"`workbench {key}`, whole process, 100 transcripts",
                    fmt_s(med(f["walls"])),
                    med(f["walls"]),
                    goal,
                    "s",
                )
            )
    for size in sorted(by_size, reverse=True):
        f = fig(size, "import")
        if f and f["inproc"]:
            ratio = f["inproc"] / by_size[size]["floor_s"]
            rows.append((f"import vs the floor, {size:,} transcripts (in-process)", f"{ratio:.1f}x", ratio, 6, "x"))
            break
    if results.get("bigfiles"):
        b = results["bigfiles"]
        ratio = med(b["4MB"]["s"]) / med(b["1MB"]["s"])
        rows.append(("import of one 4 MB transcript vs one 1 MB", f"{ratio:.1f}x", ratio, 4.5, "x"))
    f = fig(100, "agreement_sentence")
    if f:
        rows.append(("agreement by sentence, 100 transcripts", fmt_s(med(f["walls"])), med(f["walls"]), 1.5, "s"))
    f = fig(1000, "xlsx_one_coder")
    if f:
        rows.append(("XLSX at 100,000 segments", fmt_s(med(f["walls"])), med(f["walls"]), 3.0, "s"))
    f = fig(1000, "xlsx")
    if f:
        rows.append(("XLSX peak memory at 300,000 segments", f"{max(f['peaks']):.0f} MB", max(f["peaks"]), 300, "MB"))
    f = fig(1000, "matrix")
    if f:
        rows.append(
            (
                "count-only matrix, peak memory at 300,000 segments",
                f"{max(f['peaks']):.0f} MB",
                max(f["peaks"]),
                150,
                "MB",
            )
        )
    rows.append(
        (
            "largest peak of any step (each in its own process)",
            f"{results['largest_step_mb']:.0f} MB",
            results["largest_step_mb"],
            400,
            "MB",
        )
    )
    lines = ["| figure | measured (median) | goal | |", "|---|---|---|---|"]
    for name, text, value, goal, unit in rows:
        goal_text = {"s": fmt_s(goal), "x": f"{goal:g}x", "MB": f"{goal:g} MB"}[unit]
        verdict = "met" if value <= goal else f"missed by {value / goal:.1f}x"
        lines.append(f"| {name} | {text} | under {goal_text} | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--report":  # the tables again, from a --json file
        results = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        print(report(results) + "\n\n" + goals(results))
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--step":
        print(json.dumps(run_step(sys.argv[2], json.loads(sys.argv[3]))))
        return
    if "--team" in sys.argv:  # concurrent coders on PostgreSQL and on one file (benchmarks/team.py)
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from benchmarks.team import analysis_report, bench_analysis, bench_team, report as team_report

        team_args = argparse.ArgumentParser(description="concurrent coders")
        team_args.add_argument("--team", action="store_true")
        team_args.add_argument("--coders", type=int, default=10)
        team_args.add_argument("--codes", type=int, default=200)
        team_args.add_argument(
            "--analysis",
            default="",
            help="also the matrix and agreement on PostgreSQL beside a file, at these sizes (100,1000)",
        )
        team_args.add_argument("--repeat", type=int, default=3, help="runs of each analysis command")
        team_args.add_argument("--no-coders", action="store_true", help="only the analysis")
        options = team_args.parse_args()
        print(f"machine: {machine()}\n")
        errlog = lambda t: print(t, file=sys.stderr)  # noqa: E731
        if not options.no_coders:
            print(team_report(bench_team(options.coders, options.codes, log=errlog)))
        if options.analysis:
            sizes = tuple(int(n) for n in options.analysis.split(","))
            print("\n" + analysis_report(bench_analysis(sizes, options.repeat, log=errlog)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="study sizes (transcripts)")
    parser.add_argument("--repeat", type=int, default=3, help="whole-process runs of each command")
    parser.add_argument("--tui", type=int, default=1000, help="transcripts in the coding-screen project (0: skip)")
    parser.add_argument("--tui-runs", type=int, default=3, help="coding-screen processes")
    parser.add_argument("--no-bigfiles", action="store_true", help="skip the 1 MB / 4 MB transcript import")
    parser.add_argument(
        "--large-steps",
        default=",".join(STEPS),
        help="steps run at 1,000 transcripts and more (default: all): " + ",".join(STEPS),
    )
    parser.add_argument("--quick", action="store_true", help="10 and 100 transcripts, 2 runs, coding screen at 100")
    parser.add_argument("--no-peer", action="store_true", help="do not run qc")
    parser.add_argument("--install-peer", action="store_true", help="install qc into benchmarks/.peer-venv first")
    parser.add_argument(
        "--peer-max",
        type=int,
        default=100,
        help="largest study whose coding qc loads (its .qdpx import takes over 6 minutes at 1,000)",
    )
    parser.add_argument("--json", help="also save the raw figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat, args.tui, args.tui_runs = "10,100", 2, 100, 2
    if args.install_peer:
        install_peer()
    qc = None if args.no_peer else peer_command()
    results = {
        "machine": machine(),
        "repeat": args.repeat,
        "sizes": [],
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    log(
        f"machine: {results['machine']}"
        + ("" if qc else " (qc not found: peer columns skipped; --install-peer installs it)")
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in [int(s) for s in args.sizes.split(",") if s]:
            log(f"\n{size} transcripts")
            steps = STEPS if size < 1000 else tuple(s for s in args.large_steps.split(",") if s)
            results["sizes"].append(bench_size(size, work, qc, args.repeat, args.peer_max, log, steps))
        if not args.no_bigfiles:
            log("\nlong transcripts")
            results["bigfiles"] = bench_bigfiles(work, args.repeat, log)
        if args.tui:
            log(f"\ncoding screen, {args.tui} transcripts")
            db = work / "tui.db"
            info, _ = step("tui_setup", work=work, db=db, size=args.tui)
            runs = []
            for _ in range(args.tui_runs):
                t, _ = step("tui", db=db, transcript_id=info["transcript_id"])
                runs.append(t)
                log(
                    f"  first screen {fmt_s(t['first_screen_s'])}, complete {fmt_s(t['complete_s'])}, opens "
                    + ", ".join(fmt_s(o) for o in t["open_s"])
                    + f", apply median "
                    f"{statistics.median(t['apply_ms']):.0f} ms, {t['peak_mb']:.0f} MB"
                )
            results["tui"] = {"size": args.tui, "runs": runs}
    peaks = [p for r in results["sizes"] for f in r["figures"].values() for p in f["peaks"]]
    peaks += [x["peak_mb"] for x in results.get("tui", {}).get("runs", [])]
    results["largest_step_mb"] = max(peaks, default=0)
    results["own_peak_mb"] = _peak_mb()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report(results) + "\n\n" + goals(results))


if __name__ == "__main__":
    main()
