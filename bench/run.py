"""Run the benchmarks: `python -m bench.run [--quick] [--only 1,3]`, from the project folder.

Prints one table per section and writes bench/results.json. Figures only: nothing here passes
or fails on time. The exit status is non-zero only when a section could not run, or when the
last-seat run overbooked (a correctness failure, not a timing one).
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` and `webapp` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"  # noqa: A001

from bench import bookings, browser, cluster, growth, messages, throughput, weight  # noqa: E402
from bench.common import NOW, ROOT, chromium_version, cpu_count, git_commit, postgres_version, table  # noqa: E402

SECTIONS = {
    1: ("Page weight", weight.run),
    2: ("Cold and warm load in Chromium (Slow 3G)", browser.run),
    3: ("Server throughput", throughput.run),
    4: ("Bookings per second and the last seat", bookings.run),
    5: ("Cost growth (catalog and appointments)", growth.run),
    6: ("Local cluster: one node vs two", cluster.run),
    7: ("Messages per second through the worker", messages.run),
}


@dataclass
class Context:
    quick: bool
    tmp: Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (about 4 minutes in all)")
    parser.add_argument("--only", default="", help="comma-separated section numbers, e.g. 1,3")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"), help="where to write the JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    args = parser.parse_args(argv)
    chosen = [int(s) for s in args.only.split(",") if s.strip()] or list(SECTIONS)

    tmp = Path(tempfile.mkdtemp(prefix="cnas-bench-"))
    os.chmod(tmp, 0o755)  # PostgreSQL's cluster (run as `postgres`) lives under it
    ctx = Context(quick=args.quick, tmp=tmp)
    meta = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "cpu_count": cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "chromium": chromium_version(),
        "git_commit": git_commit(),
        "webapp_now": NOW,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"CNAS services benchmarks — {meta['mode']} run, {meta['timestamp']}")
    print(f"{meta['cpu_count']} CPUs · Python {meta['python']} · SQLite {meta['sqlite']} · "
          f"{meta['postgresql'] or 'PostgreSQL: not found'} · Chromium {meta['chromium'] or 'not found'} · "
          f"commit {(meta['git_commit'] or 'unknown')[:12]}")
    results = {"meta": meta, "sections": {}}
    failed = False
    started_all = time.monotonic()
    try:
        for number in chosen:
            title, function = SECTIONS[number]
            load = os.getloadavg()[0]
            print(f"\n=== {number}. {title} === (load average before: {load:.2f})", flush=True)
            if load > cpu_count():
                print(f"   note: the machine is busy (load {load:.1f} on {cpu_count()} CPUs): figures will be noisy")
            started = time.monotonic()
            entry = {"title": title, "loadavg_before": round(load, 2)}
            try:
                entry["results"] = function(ctx)
            except Exception as exc:  # noqa: BLE001 - report it and go on with the next section
                failed = True
                entry["error"] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc(file=sys.stdout)
                print(f"!! section {number} could not run: {entry['error']}", flush=True)
            entry["seconds"] = round(time.monotonic() - started, 1)
            print(f"   (section {number}: {entry['seconds']:.0f} s)", flush=True)
            results["sections"][str(number)] = entry
    finally:
        results["meta"]["total_seconds"] = round(time.monotonic() - started_all, 1)
        if args.keep:
            print(f"\ntemporary files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        Path(args.output).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")

    issue_17_goals(results["sections"])
    print("\n=== Summary ===")
    for number, entry in results["sections"].items():
        state = "ERROR" if "error" in entry else "ok"
        print(f"  {number}. {entry['title']}: {entry['seconds']:.0f} s ({state})")
    print(f"  total: {results['meta']['total_seconds']:.0f} s; results in {args.output}")
    overbooked = [r.get("overbookings") for r in
                  ((results["sections"].get("4") or {}).get("results") or {}).get("contention", {}).values()
                  if isinstance(r, dict)]
    if any(n for n in overbooked):
        print("!! OVERBOOKING: the last-seat run gave more seats than there were (see section 4)")
        return 2
    return 1 if failed else 0


def issue_17_goals(sections: dict) -> None:
    """The server figures of issue 17 next to their goals (from sections 3 and 5 of this run)."""
    rows = []
    throughput = (sections.get("3") or {}).get("results") or {}
    for name, value in (throughput.get("rps_of_trivial") or {}).items():
        goal, by_cpu = throughput["goal_rps_of_trivial"], (throughput.get("cpu_of_trivial") or {}).get(name)
        rows.append([f"{name}: req/s of the trivial route's (by server CPU)", f"{value}x ({by_cpu}x)", f">= {goal}x",
                     value >= goal])
    catalog = (((sections.get("5") or {}).get("results") or {}).get("catalog") or {}).get("100x")
    if catalog:
        rows.append(["search at 100x, in process: median ms", catalog["search_ms"]["median"],
                     f"<= {growth.GOAL_SEARCH_MS}", catalog["search_ms"]["median"] <= growth.GOAL_SEARCH_MS])
        rows.append(["start-up at 100x (second start): s", catalog["boot_again_s"], f"<= {growth.GOAL_BOOT_S}",
                     catalog["boot_again_s"] <= growth.GOAL_BOOT_S])
    if rows:
        table("Issue 17 server goals (ratios from the same run)", ["figure", "measured", "goal", "met"], rows,
              "Sections 3 and 5 of this run; a busy machine (see the load averages) moves the req/s ratios; the\n"
              "ratio by server CPU time per request is steadier. 'met' judges req/s.")


if __name__ == "__main__":
    sys.exit(main())
