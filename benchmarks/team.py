"""Concurrent coders: N coder processes each apply M codes at once through the workbench's core
(``workbench.coding.add_segment``: the same use case as `workbench code` and the coding screen), on a
team database (a throwaway PostgreSQL cluster over its Unix socket, as in the tests) and on one
project file. Reports codes lost, median and p95 latency of "apply a code", and throughput.

Run:  .venv/bin/python benchmarks/run.py --team [--coders 10] [--codes 200]
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _plan(
    coder_index: int, codes: int, spans: list[tuple[int, int]], code_ids: list[int]
) -> list[tuple[int, int, int, int]]:
    """(transcript, code, start, end) for each code a coder applies: distinct for that coder."""
    out = []
    for i in range(codes):
        transcript, length = spans[i % len(spans)]
        start = (i // len(spans)) * 97 + coder_index * 7
        start = start % max(1, length - 200)
        out.append((transcript, code_ids[(i * 7 + coder_index) % len(code_ids)], start, start + 20 + i % 60))
    return out


def _coder(project: str, name: str, plan: list[tuple[int, int, int, int]], go: Any, out: Any) -> None:
    from workbench.coding import add_segment
    from workbench.store import Store

    store = Store.open(project)
    latencies, errors = [], []
    go.wait()
    started = time.perf_counter()
    for transcript, code, start, end in plan:
        t0 = time.perf_counter()
        try:
            add_segment(store, transcript_id=transcript, code_id=code, coder=name, start=start, end=end)
        except Exception as exc:  # counted as lost, reported
            errors.append(f"{type(exc).__name__}: {exc}")
        latencies.append((time.perf_counter() - t0) * 1000)
    out.put(
        {
            "name": name,
            "latencies": latencies,
            "errors": errors[:3],
            "failed": len(errors),
            "started": started,
            "ended": time.perf_counter(),
        }
    )
    store.close()


def _run(projects: list[str], names: list[str], plans: list[list[tuple[int, int, int, int]]]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_coder, args=(pr, n, p, go, out)) for pr, n, p in zip(projects, names, plans)]
    for p in procs:
        p.start()
    time.sleep(3)  # every process has opened the project
    go.set()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    latencies = sorted(x for r in results for x in r["latencies"])
    wall = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return {
        "latencies": latencies,
        "wall_s": wall,
        "failed": sum(r["failed"] for r in results),
        "errors": [e for r in results for e in r["errors"]][:5],
    }


def _count(project: str, names: list[str]) -> int:
    from workbench.store import Store

    store = Store.open(project)
    try:
        return sum(1 for s in store.segments() if s.coder in names)
    finally:
        store.close()


def _summary(label: str, run: dict[str, Any], expected: int, found: int) -> dict[str, Any]:
    lat = run["latencies"]
    p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)]
    return {
        "engine": label,
        "expected": expected,
        "stored": found,
        "lost": expected - found,
        "failed": run["failed"],
        "median_ms": statistics.median(lat),
        "p95_ms": p95,
        "per_s": expected / run["wall_s"],
        "wall_s": run["wall_s"],
        "errors": run["errors"],
    }


def bench_team(coders: int = 10, codes: int = 200, log: Any = print) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from pgcluster import Cluster

    from workbench.sample import build_demo
    from workbench.store import Store
    from workbench.store.copy import copy_project
    from workbench.store.postgres import team

    results = []
    with tempfile.TemporaryDirectory(prefix="wb-team-") as tmp:
        demo = Path(tmp) / "demo.db"
        store = Store.open(demo, create=True)
        build_demo(store)
        spans = [(t.id, t.length or 0) for t in store.transcripts()]
        code_ids = [c.id for c in store.codes(counts=False)]
        cluster = Cluster()
        cluster.start()
        try:
            db = cluster.create_database()
            lead = f"lead_{db}"
            team.init_server(cluster.url(db), lead=lead)
            names = [f"coder{k:02d}_{db[-4:]}" for k in range(coders)]
            for name in names:
                team.add_coder(cluster.url(db), name)
            copy_project(store, cluster.url(db, user=lead))
            plans = [_plan(k, codes, spans, code_ids) for k in range(coders)]
            log(f"PostgreSQL: {coders} coders x {codes} codes")
            # each coder connects as their own database user (the coder recorded is that user)
            pg = _run([cluster.url(db, user=n) for n in names], names, plans)
            results.append(_summary("PostgreSQL", pg, coders * codes, _count(cluster.url(db, user=lead), names)))
        finally:
            cluster.stop()
        store.close()
        log(f"SQLite: {coders} coders x {codes} codes")
        sq = _run([str(demo)] * coders, names, plans)
        results.append(_summary("SQLite", sq, coders * codes, _count(str(demo), names)))
    return results


def report(results: list[dict[str, Any]]) -> str:
    lines = ["| engine | codes applied | stored | lost | median | p95 | throughput |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['expected']} | {r['stored']} | {r['lost']} | {r['median_ms']:.1f} ms | "
            f"{r['p95_ms']:.1f} ms | {r['per_s']:.0f} codes/s |"
        )
    for r in results:
        if r["errors"]:
            lines.append(f"{r['engine']} errors: " + "; ".join(r["errors"]))
    return "\n".join(lines)


ANALYSES = {  # label: the command's arguments (the same steps the project-file benchmarks run)
    "`workbench matrix` (site x theme, counts)": ["matrix"],
    "agreement by turn, 3 coders": ["agreement", "--coders", "maria,james,lee", "--unit", "turn"],
    "agreement by sentence, 3 coders": ["agreement", "--coders", "maria,james,lee"],
}


def bench_analysis(sizes: tuple[int, ...] = (100, 1000), repeat: int = 3, log: Any = print) -> list[dict[str, Any]]:
    """The matrix and agreement as whole `workbench` processes on the same study (benchmarks/study.py)
    as a project file and as a team database (copied from it; run as the lead, who sees all coding)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgcluster import Cluster

    from benchmarks.run import run_process, step, workbench_cmd
    from workbench.store import Store
    from workbench.store.copy import copy_project
    from workbench.store.postgres import team

    wb = workbench_cmd()
    rows = []
    cluster = Cluster()
    cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="wb-team-analysis-") as tmp:
            for size in sizes:
                db = Path(tmp) / f"study-{size}.db"
                info, _ = step("setup", size=size, corpus=Path(tmp) / f"corpus-{size}", db=db)
                name = cluster.create_database()
                lead = f"lead_{name}"
                team.init_server(cluster.url(name), lead=lead)
                store = Store.open(db)
                started = time.perf_counter()
                copy_project(store, cluster.url(name, user=lead))
                store.close()
                log(
                    f"{size} transcripts: {info['segments']:,} segments; copied to PostgreSQL in "
                    f"{time.perf_counter() - started:.0f} s"
                )
                for label, args in ANALYSES.items():
                    row: dict[str, Any] = {"size": size, "segments": info["segments"], "step": label}
                    for engine, project in (("sqlite", str(db)), ("postgresql", cluster.url(name, user=lead))):
                        runs = [run_process([*wb, "--project", project, *args]) for _ in range(repeat)]
                        row[engine] = statistics.median(r.wall for r in runs)
                    log(f"  {label}: file {row['sqlite']:.2f} s, PostgreSQL {row['postgresql']:.2f} s")
                    rows.append(row)
                cluster.drop_database(name)
    finally:
        cluster.stop()
    return rows


def analysis_report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| transcripts | segments | step | project file | PostgreSQL |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['segments']:,} | {r['step']} | {r['sqlite']:.2f} s | {r['postgresql']:.2f} s |"
        )
    return "\n".join(lines)
