"""Benchmarks: the workbench at 10, 100 and 1,000 transcripts, beside a floor and beside qc.

Run:  .venv/bin/python benchmarks/run.py [--sizes 10,100,1000] [--tui 1000] [--no-peer]

For each size it builds a synthetic study (benchmarks/study.py: ~5,000 words per transcript,
5-100 sites, 50 codes, 3 coders, ~100 segments per transcript per coder) and times the import
(beside a floor: reading the files and inserting their text in one transaction), the matrix,
agreement, XLSX and QDPX exports. The peer is qc (the `qualitative-coding` package, 1.7.8), run on
the same corpus and the same coding (qc imports the workbench's QDPX export): import, code
statistics and a crosstab of all codes. qc is looked for on PATH or in benchmarks/.peer-venv;
`--install-peer` makes that virtual environment. The coding screen is measured through Pilot on
the largest project. Figures are printed; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.study import add_coding, floor_import, write_corpus  # noqa: E402
from workbench.store import Store  # noqa: E402

PEER_VENV = ROOT / "benchmarks" / ".peer-venv"


def timed(func, *args, **kwargs):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def peer_command() -> str | None:
    candidate = PEER_VENV / "bin" / "qc"
    if candidate.exists():
        return str(candidate)
    return shutil.which("qc")


def install_peer() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "-r",
                    str(ROOT / "benchmarks" / "requirements-peer.txt")], check=True)


def run_qc(qc: str, args: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONBREAKPOINT": "0"}  # qc 1.7.8 stops at a stray breakpoint() on .qdpx
    start = time.perf_counter()
    subprocess.run([qc, *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_size(size: int, work: Path, qc: str | None, peer_max: int) -> dict:
    from workbench.agreement.compute import AgreementSpec, compute_agreement
    from workbench.analysis.frame import Selection
    from workbench.analysis.matrix import MatrixSpec, build_matrix, cooccurrence, frequencies
    from workbench.export.tables import write_matrix
    from workbench.project import import_transcripts, project_codebook
    from workbench.refi.writer import export_qdpx

    corpus = work / f"corpus-{size}"
    words = write_corpus(corpus, size)
    floor_s, _ = timed(floor_import, corpus, work / f"floor-{size}.db")
    db = work / f"project-{size}.db"
    store = Store.open(db, create=True)
    import_s, results = timed(import_transcripts, store, [corpus])
    assert all(r.status == "imported" for r in results)
    store.close()
    segments = add_coding(db)
    store = Store.open(db)
    build_matrix(store, MatrixSpec())  # pandas imported once, outside the timings
    r = {"size": size, "words": words, "segments": segments, "import_s": import_s, "floor_s": floor_s}
    r["matrix_s"], matrix = timed(build_matrix, store, MatrixSpec())
    r["stats_s"], _ = timed(frequencies, store, Selection())
    r["crosstab_s"], _ = timed(cooccurrence, store, Selection(), "code", "turn")
    r["agreement_s"], _ = timed(compute_agreement, store, AgreementSpec(coders=["maria", "james", "lee"], unit="turn",
                                                                        columns="theme"))
    r["xlsx_s"], _ = timed(write_matrix, matrix, "xlsx", work / f"m-{size}.xlsx", book=project_codebook(store))
    r["qdpx_s"], _ = timed(export_qdpx, store, work / f"p-{size}.qdpx")
    store.close()
    if qc:
        peer = work / f"qc-{size}"
        peer.mkdir()
        run_qc(qc, ["init"], peer)
        r["qc_import_s"] = run_qc(qc, ["corpus", "import", "-r", "-i", "verbatim", str(corpus)], peer)
    if qc and size <= peer_max:
        coded = work / f"qc-coded-{size}"
        coded.mkdir()
        run_qc(qc, ["init", "--import", str(work / f"p-{size}.qdpx")], coded)
        r["qc_stats_s"] = run_qc(qc, ["codes", "stats"], coded)
        r["qc_crosstab_s"] = run_qc(qc, ["codes", "crosstab", "-z"], coded)
    return r


async def bench_tui(db: Path, transcript_id: int, applies: int = 30) -> dict:
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
        start = time.perf_counter()
        app.push_screen(ReaderScreen(transcript_id))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        open_time = time.perf_counter() - start
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
    return {"rows": rows, "first_screen_s": first_screen, "complete_s": complete, "open_s": open_time,
            "apply_median_ms": statistics.median(times) * 1000,
            "apply_p95_ms": sorted(times)[int(0.95 * (len(times) - 1))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="study sizes (transcripts)")
    parser.add_argument("--tui", type=int, default=1000, help="transcripts in the coding-screen project (0: skip)")
    parser.add_argument("--no-peer", action="store_true", help="do not run qc")
    parser.add_argument("--install-peer", action="store_true", help="install qc into benchmarks/.peer-venv first")
    parser.add_argument("--peer-max", type=int, default=100,
                        help="largest study whose coding qc loads (its .qdpx import takes over 6 minutes at 1,000)")
    args = parser.parse_args()
    if args.install_peer:
        install_peer()
    qc = None if args.no_peer else peer_command()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
          + ("" if qc else " (qc not found: peer columns skipped; --install-peer installs it)"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in [int(s) for s in args.sizes.split(",") if s]:
            rows.append(bench_size(size, work, qc, args.peer_max))
            r = rows[-1]
            print(f"\n{size} transcripts, {r['words']:,} words, {r['segments']:,} segments")
            print(f"  import {r['import_s']:.2f} s ({r['words'] / r['import_s']:,.0f} words/s), floor {r['floor_s']:.2f} s, "
                  f"{r['import_s'] / r['floor_s']:.1f}x the floor")
            print(f"  matrix {r['matrix_s'] * 1000:.0f} ms · code stats {r['stats_s'] * 1000:.0f} ms · crosstab "
                  f"{r['crosstab_s'] * 1000:.0f} ms · agreement {r['agreement_s']:.2f} s · XLSX {r['xlsx_s']:.2f} s · "
                  f"QDPX {r['qdpx_s']:.2f} s")
            if qc:
                line = f"  qc: import {r['qc_import_s']:.2f} s ({r['qc_import_s'] / r['import_s']:.1f}x ours)"
                if "qc_stats_s" in r:
                    line += (f" · stats {r['qc_stats_s']:.2f} s ({r['qc_stats_s'] / r['stats_s']:.0f}x ours) · crosstab "
                             f"{r['qc_crosstab_s']:.2f} s ({r['qc_crosstab_s'] / r['crosstab_s']:.0f}x ours)")
                else:
                    line += f" · coding not loaded into qc above --peer-max {args.peer_max}"
                print(line)
        if args.tui:
            corpus = work / "tui-corpus"
            write_corpus(corpus, args.tui - 1, words_each=1500, seed=3)
            write_corpus(work / "tui-long", 1, words_each=20000, seed=4, prefix="long")
            db = work / "tui.db"
            from workbench.project import import_transcripts

            store = Store.open(db, create=True)
            import_transcripts(store, [corpus, work / "tui-long"])
            long_id = max(t["id"] for t in store.transcripts() if t["words"] > 15000)
            store.close()
            add_coding(db, coders=("maria", "james", "bench"))
            t = asyncio.run(bench_tui(db, long_id))
            print(f"\ncoding screen (Pilot; {t['rows']} transcripts; a 20,000-word transcript): first screen "
                  f"{t['first_screen_s'] * 1000:.0f} ms (share coded filled in at {t['complete_s'] * 1000:.0f} ms) · "
                  f"open {t['open_s'] * 1000:.0f} ms · apply a code, median "
                  f"{t['apply_median_ms']:.0f} ms, p95 {t['apply_p95_ms']:.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of the benchmark process {peak:.0f} MB")


if __name__ == "__main__":
    main()
