"""Section 6: the local cluster (deploy/local-cluster) through nginx, with two app nodes, then one.

nginx -> 2 nodes (gunicorn, 2 workers each) -> PgBouncer -> PostgreSQL, all on 127.0.0.1. Catalog
pages per second, then bookings per second (distinct slots, phones and Idempotency-Keys), first
with both nodes, then after `deploy/local-cluster stop-node 2`: nginx leaves the stopped node
out (passive check, max_fails=1) and node 1 answers alone. Every process shares the same CPUs.
"""

import os
import pwd
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

from . import loadgen
from .bookings import Phones, booking, collect_slots, spec
from .common import CATALOG_PAGE, NO_HOLD_LIMITS, PYTHON, ROOT, cpu_count, log, pg_bin, ratio, request, table

SCRIPT = ROOT / "deploy" / "local-cluster"
CONCURRENCY = 16
HEADERS = {"Accept-Language": "fr", "Accept-Encoding": "br, gzip"}  # what a browser sends
PAGES = ("/fr/", "/fr/services/death-grant", CATALOG_PAGE)  # home, a service, a task with its checklist


def missing() -> str | None:
    """Why the cluster cannot start on this machine, or None."""
    needs = []
    if pg_bin() is None:
        needs.append("postgresql")
    for program in ("nginx", "pgbouncer"):
        if not (shutil.which(program) or Path("/usr/sbin", program).exists()):
            needs.append(program)
    if needs:
        return f"{', '.join(needs)} not installed (apt-get install {' '.join(needs)})"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user (PostgreSQL and PgBouncer refuse root)"
    return None


def script(env: dict, *args: str, timeout: float = 240) -> str:
    """Run deploy/local-cluster; raise with the end of its log when it fails."""
    done = subprocess.run([str(SCRIPT), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"deploy/local-cluster {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout.strip()


def served_by(access_log: Path, start: int, ports: dict) -> tuple[Counter, int]:
    """Requests of the access log from line `start` on, by node number; and the new line count."""
    lines = access_log.read_text().splitlines()
    counts = Counter()
    for line in lines[start:]:
        found = re.search(r" upstream=(.*?) upstream_status=", line)
        if found:  # "a:1, a:2" when nginx tried a second node: the last one answered
            last = found.group(1).split(",")[-1].strip()
            counts[ports.get(last.rsplit(":", 1)[-1], "?")] += 1
    return counts, len(lines)


def measure(base: str, catalog: list, bookings: list, access_log: Path, ports: dict) -> dict:
    """Catalog pages, then bookings, through nginx; figures and who answered."""
    loadgen.run(base, catalog[:60], CONCURRENCY, max_seconds=60)  # warm every worker up
    loadgen.run(base, bookings[:20], CONCURRENCY, max_seconds=60)
    _, mark = served_by(access_log, 0, ports)
    results = {}
    for name, specs, expected in (("catalog", catalog[60:], 200), ("bookings", bookings[20:], 201)):
        figures = loadgen.run(base, specs, CONCURRENCY, max_seconds=240)
        figures["unexpected"] = sum(n for status, n in figures["statuses"].items() if status != expected)
        figures["nodes"], mark = served_by(access_log, mark, ports)
        results[name] = figures
        log(f"{name}: {figures['requests']} requests in {figures['seconds']:.1f} s, by node {dict(figures['nodes'])}")
    return results


def run(ctx) -> dict:
    reason = missing()
    if reason:
        print(f"   skipped: the local cluster cannot start: {reason}")
        return {"skipped": reason}
    pages = 2000 if ctx.quick else 6000
    count = 500 if ctx.quick else 1500
    state = ctx.tmp / "cluster"  # created by the script; ctx.tmp is readable by `postgres`
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEB_CONCURRENCY")}
    env.update(CLUSTER_DIR=str(state), PYTHON=PYTHON, **NO_HOLD_LIMITS)
    phones = Phones(80_000_000)
    started = time.monotonic()
    try:
        base = script(env, "up").splitlines()[-1]
        info = dict(line.split("=", 1) for line in (state / "cluster.env").read_text().split())
        log(f"cluster up in {time.monotonic() - started:.0f} s: nginx {base}")
        ports = {info["NODE1_PORT"]: 1, info["NODE2_PORT"]: 2}
        access_log = state / "logs" / "access.log"
        for path in PAGES:
            status = request(base, path, headers=HEADERS).status
            if status != 200:
                raise RuntimeError(f"GET {path} through nginx: {status}")
        catalog = [("GET", PAGES[i % len(PAGES)], None, HEADERS) for i in range(60 + pages)]
        slots = collect_slots(base, 2 * (count + 20))
        log(f"{len(slots)} free slots found")
        specs = [spec(booking(a, d, t, phones()), f"cluster-{n}") for n, (a, d, t) in enumerate(slots)]
        two = measure(base, catalog, specs[: count + 20], access_log, ports)
        script(env, "stop-node", "2", timeout=60)
        log("node 2 stopped")
        one = measure(base, catalog, specs[count + 20:], access_log, ports)
    finally:
        try:
            script(env, "down", timeout=120)
            log("cluster down")
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"!! deploy/local-cluster down: {exc}")

    def row(label, name, figure):
        return [label, one[name][figure], two[name][figure], ratio(two[name][figure], one[name][figure])]

    def share(figures):
        total = sum(figures["nodes"].values())
        return f"{100 * figures['nodes'].get(2, 0) / total:.0f} %" if total else None

    rows = []
    for name, label, expected in (("catalog", "catalog pages", 200), ("bookings", "bookings", 201)):
        rows += [
            row(f"{label}/s", name, "rps"), row(f"{label} p50 ms", name, "p50_ms"),
            row(f"{label} p99 ms", name, "p99_ms"),
            [f"{label}: requests, not {expected}", f"{one[name]['requests']}, {one[name]['unexpected']}",
             f"{two[name]['requests']}, {two[name]['unexpected']}", None],
            [f"{label}: answered by node 2", share(one[name]), share(two[name]), None],
        ]
    table(f"6. Local cluster through nginx: one node vs two (2 gunicorn workers a node, PgBouncer, PostgreSQL "
          f"fsync=off), {CONCURRENCY} in flight",
          ["measure", "one node", "two nodes", "two / one"], rows,
          f"catalog: {', '.join(PAGES)} in turn.\n"
          "bookings: POST /api/v1/appointments, distinct slots, phones and Idempotency-Keys.\n"
          "One node = the same cluster after `deploy/local-cluster stop-node 2` (nginx leaves it out).\n"
          f"nginx, PgBouncer, PostgreSQL, the nodes and the load generator share {cpu_count()} CPUs: "
          "a second node adds workers, not cores.")
    return {"concurrency": CONCURRENCY, "pages": list(PAGES), "one_node": one, "two_nodes": two,
            "ratios": {"catalog_rps": ratio(two["catalog"]["rps"], one["catalog"]["rps"]),
                       "bookings_rps": ratio(two["bookings"]["rps"], one["bookings"]["rps"])}}
