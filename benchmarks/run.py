"""Benchmarks: import throughput against a floor, listings, and the coding screen through Pilot.

Run: .venv/bin/python benchmarks/run.py [--sizes 10,100] [--tui-transcripts 1000]

Prints a table of figures; nothing here is a pass/fail test. The synthetic corpus is built from
the words of the sample study, with speaker turns, so readers and stores do realistic work.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.project import import_codebook, import_transcripts, list_transcripts  # noqa: E402
from workbench.store import Store  # noqa: E402


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in sorted((ROOT / "transcripts").rglob("*.txt")):
        words.extend(path.read_text(encoding="utf-8").split())
    return [w for w in words if ":" not in w and not w.startswith("[")] or ["word"]


def make_corpus(folder: Path, count: int, words_each: int, sites: int, seed: int = 1, prefix: str = "interview") -> int:
    """Write ``count`` transcripts of about ``words_each`` words in ``sites`` site folders."""
    rng = random.Random(seed)
    vocab = vocabulary()
    total = 0
    for i in range(count):
        site = folder / f"site-{i % sites:03d}"
        site.mkdir(parents=True, exist_ok=True)
        lines = [f"---\nparticipant: P{i:05d}\nrole: {rng.choice(['clinician', 'administrator', 'patient partner'])}\n---"]
        written = 0
        while written < words_each:
            n = rng.randint(10, 30) if len(lines) % 2 else rng.randint(40, 220)
            speaker = "Interviewer" if len(lines) % 2 else f"P{i:05d}"
            lines.append(f"{speaker}: " + " ".join(rng.choices(vocab, k=n)))
            written += n
        (site / f"{prefix}-{i:05d}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        total += written
    return total


def floor_import(folder: Path, db: Path) -> float:
    """The least any importer must do: read the files and insert their text in one transaction."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t(name TEXT, text TEXT)")
    with conn:
        for path in sorted(folder.rglob("*.txt")):
            conn.execute("INSERT INTO t VALUES (?, ?)", (path.name, path.read_text(encoding="utf-8")))
    conn.close()
    return time.perf_counter() - start


def bench_import(size: int, workdir: Path) -> dict:
    corpus = workdir / f"corpus-{size}"
    words = make_corpus(corpus, size, 5000, max(5, min(100, size // 10)))
    floor = floor_import(corpus, workdir / f"floor-{size}.db")
    store = Store.open(workdir / f"project-{size}.db", create=True)
    import_codebook(store, ROOT / "codebooks" / "partnerships.yaml")
    start = time.perf_counter()
    results = import_transcripts(store, [corpus])
    elapsed = time.perf_counter() - start
    assert all(r.status == "imported" for r in results)
    start = time.perf_counter()
    list_transcripts(store)
    listing = time.perf_counter() - start
    store.close()
    return {"transcripts": size, "words": words, "import_s": elapsed, "words_per_s": words / elapsed,
            "floor_s": floor, "ratio_to_floor": elapsed / floor, "listing_s": listing}


def add_segments(db: Path, per_transcript: int, coders: list[str]) -> None:
    """Add random segments directly through the store (setup for the TUI figures)."""
    store = Store.open(db)
    rng = random.Random(2)
    codes = [c["id"] for c in store.codes()]
    with store.transaction():
        coder_ids = [store.coder_id(c) for c in coders]
        for t in store.transcripts():
            text_len = t["length"] if "length" in t else len(store.transcript_text(t["id"]) or "")
            for _ in range(per_transcript):
                start = rng.randrange(0, max(1, text_len - 400))
                store.conn.execute(
                    'INSERT OR IGNORE INTO segments(transcript_id, code_id, coder_id, start, "end", text, origin, created_at, updated_at) '
                    "VALUES (?,?,?,?,?,?, 'imported', '', '')",
                    (t["id"], rng.choice(codes), rng.choice(coder_ids), start, start + rng.randint(40, 400), ""),
                )
    store.close()


def bench_matrix(db: Path, work: Path) -> dict:
    from workbench.agreement.compute import AgreementSpec, compute_agreement
    from workbench.analysis.matrix import MatrixSpec, build_matrix
    from workbench.export.tables import write_matrix
    from workbench.project import project_codebook

    store = Store.open(db)
    build_matrix(store, MatrixSpec())  # pandas imported once, outside the timing
    start = time.perf_counter()
    matrix = build_matrix(store, MatrixSpec())
    matrix_s = time.perf_counter() - start
    start = time.perf_counter()
    build_matrix(store, MatrixSpec(rows="participant", columns="code"))
    matrix_code_s = time.perf_counter() - start
    start = time.perf_counter()
    write_matrix(matrix, "xlsx", work / "matrix.xlsx", book=project_codebook(store))
    xlsx_s = time.perf_counter() - start
    start = time.perf_counter()
    compute_agreement(store, AgreementSpec(coders=["maria", "james", "bench"], unit="turn", columns="theme"))
    agreement_s = time.perf_counter() - start
    result = {"segments": len(matrix.frame), "transcripts": len(store.transcripts()), "sites": len(store.sites()),
              "matrix_s": matrix_s, "matrix_code_s": matrix_code_s, "xlsx_s": xlsx_s, "agreement_s": agreement_s}
    store.close()
    return result


async def bench_tui(db: Path, transcript_id: int, applies: int = 30) -> dict:
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.reader import ReaderScreen

    app = WorkbenchApp(db, "bench")
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        first_screen = time.perf_counter() - start
        table = app.screen.query_one("DataTable")
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
        # Record when the screen is painted, to time "key pressed -> segment on screen".
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
    return {"rows": rows, "first_screen_s": first_screen, "open_s": open_time,
            "apply_median_ms": statistics.median(times) * 1000,
            "apply_p95_ms": sorted(times)[int(0.95 * (len(times) - 1))] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100", help="corpus sizes for the import benchmark")
    parser.add_argument("--tui-transcripts", type=int, default=1000, help="transcripts in the TUI project")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("\nimport (5,000-word transcripts)")
        print(f"{'transcripts':>11} {'words':>10} {'import s':>9} {'words/s':>10} {'floor s':>8} {'x floor':>8} {'listing s':>9}")
        for size in [int(s) for s in args.sizes.split(",") if s]:
            r = bench_import(size, work)
            print(f"{r['transcripts']:>11} {r['words']:>10,} {r['import_s']:>9.2f} {r['words_per_s']:>10,.0f} "
                  f"{r['floor_s']:>8.2f} {r['ratio_to_floor']:>8.1f} {r['listing_s']:>9.3f}")
        n = args.tui_transcripts
        corpus = work / "tui-corpus"
        make_corpus(corpus, n - 1, 1500, max(5, min(100, n // 10)), seed=3)
        big = work / "tui-big"
        make_corpus(big, 1, 20000, 1, seed=4, prefix="long")
        db = work / "tui.db"
        store = Store.open(db, create=True)
        import_codebook(store, ROOT / "codebooks" / "partnerships.yaml")
        import_transcripts(store, [corpus, big])
        big_id = max(t["id"] for t in store.transcripts() if t["words"] > 15000)
        store.close()
        add_segments(db, 100, ["maria", "james", "bench"])
        m = bench_matrix(db, work)
        print(f"\nmatrix ({m['segments']:,} segments, {m['transcripts']:,} transcripts, {m['sites']} sites)")
        print(f"site x theme {m['matrix_s'] * 1000:.0f} ms · participant x code {m['matrix_code_s'] * 1000:.0f} ms · "
              f"XLSX export {m['xlsx_s']:.2f} s · agreement by turn (3 coders) {m['agreement_s']:.2f} s")
        r = asyncio.run(bench_tui(db, big_id))
        print(f"\ncoding screen (Pilot, {r['rows']} transcripts, ~{n * 200:,} segments; 20,000-word transcript)")
        print(f"first screen {r['first_screen_s'] * 1000:.0f} ms · open transcript {r['open_s'] * 1000:.0f} ms · "
              f"apply code median {r['apply_median_ms']:.0f} ms, p95 {r['apply_p95_ms']:.0f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole run) {peak:.0f} MB")


if __name__ == "__main__":
    main()
