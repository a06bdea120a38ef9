"""Section 3: requests per second and latency of the real server (gunicorn, 2 x CPU + 1 workers).

Routes in the same run of one server: home, a service page, a catalog (task) page, the
availability API and a trivial route (/robots.txt when the app has one, else the redirect at
"/", not followed). The routes take turns in ROUNDS rounds, so that a change of load on a shared
machine weighs on each of them alike; each figure adds up its rounds.
"""

import os
from pathlib import Path

from . import loadgen
from .common import AVAILABILITY, CATALOG_PAGE, cpu_count, log, ratio, request, serve, server_env, table, webapp_cli

CONCURRENCY = 16
ROUNDS = 3
SERVICE_PAGE = CATALOG_PAGE.rsplit("/", 1)[0]
PUBLIC_PAGES = ("home", "service page", "catalog page")  # issue 17: each >= GOAL x the trivial route's req/s
GOAL = 0.8
BROWSER_HEADERS = {"Accept-Language": "fr", "Accept-Encoding": "br, gzip"}  # what a browser sends


def trivial_route(base: str) -> tuple[str, int]:
    robots = request(base, "/robots.txt", headers=BROWSER_HEADERS)
    if robots.status == 200:
        return "/robots.txt", 200
    return "/", request(base, "/", headers=BROWSER_HEADERS).status  # a redirect to the reader's language


def run(ctx) -> dict:
    count = 1000 if ctx.quick else 6000
    warmup = 60 if ctx.quick else 300
    workers = 2 * cpu_count() + 1
    instance = ctx.tmp / "throughput"
    instance.mkdir()
    env = server_env(instance)
    webapp_cli(["load-demo"], env)
    results = {}
    with serve(env, workers=workers, log_path=instance / "server.log") as server:
        trivial, trivial_status = trivial_route(server.url)
        routes = [("home", "/fr/", 200), ("service page", SERVICE_PAGE, 200), ("catalog page", CATALOG_PAGE, 200),
                  ("availability API", AVAILABILITY, 200), (f"trivial ({trivial})", trivial, trivial_status)]
        for _name, path, _expected in routes:
            loadgen.run(server.url, [("GET", path, None, BROWSER_HEADERS)] * warmup, CONCURRENCY, max_seconds=60)
        parts = {name: [] for name, _path, _expected in routes}
        for round_number in range(ROUNDS):
            for name, path, _expected in routes:
                specs = [("GET", path, None, BROWSER_HEADERS)] * (count // ROUNDS)
                cpu_before = server_cpu_seconds(server.process.pid)
                figures = loadgen.run(server.url, specs, CONCURRENCY, max_seconds=240 // ROUNDS)
                figures["server_cpu_s"] = server_cpu_seconds(server.process.pid) - cpu_before
                parts[name].append(figures)
            log(f"round {round_number + 1} of {ROUNDS} done")
        for name, path, expected in routes:
            figures = combine(parts[name])
            figures["path"], figures["expected_status"] = path, expected
            figures["unexpected"] = sum(n for status, n in figures["statuses"].items() if status != expected)
            results[name] = figures
            log(f"{name}: {figures['requests']} requests in {figures['seconds']:.1f} s")
    rows = [[name, f["requests"], f["seconds"], f["rps"], f["p50_ms"], f["p90_ms"], f["p99_ms"], f["max_ms"],
             f["unexpected"], f["client_cpu_s"], f["server_cpu_ms"]] for name, f in results.items()]
    catalog, trivial_figures = results["catalog page"], results[f"trivial ({trivial})"]
    of_trivial = {name: ratio(results[name]["rps"], trivial_figures["rps"]) for name in PUBLIC_PAGES}
    # the same ratio from the server's CPU time per request: what req/s would be on a CPU-bound server
    # with the machine to itself, far steadier than req/s when other jobs share the CPUs
    cpu_of_trivial = {name: ratio(trivial_figures["server_cpu_ms"], results[name]["server_cpu_ms"])
                      for name in PUBLIC_PAGES}
    summary = {
        "workers": workers, "concurrency": CONCURRENCY, "rounds": ROUNDS,
        "client": "Python, 2 processes x 8 threads, a new connection per request", "headers": BROWSER_HEADERS,
        "catalog_over_trivial_cost": ratio(trivial_figures["rps"], catalog["rps"]),
        "catalog_over_trivial_p50": ratio(catalog["p50_ms"], trivial_figures["p50_ms"]),
        "rps_of_trivial": of_trivial, "cpu_of_trivial": cpu_of_trivial, "goal_rps_of_trivial": GOAL,
        "routes": results,
    }
    table(f"3. Throughput: gunicorn {workers} workers (2 x {cpu_count()} CPU + 1), {CONCURRENCY} clients in flight, "
          f"{ROUNDS} rounds (ms; client = load generator CPU s; server CPU = ms of CPU per request)",
          ["route", "requests", "seconds", "req/s", "p50", "p90", "p99", "max", "non-" + "expected", "client CPU",
           "server CPU"],
          rows,
          "req/s of the trivial route: " + ", ".join(f"{name} {value}x" for name, value in of_trivial.items())
          + f" (goal >= {GOAL}x); from server CPU per request: "
          + ", ".join(f"{name} {value}x" for name, value in cpu_of_trivial.items()) + ".\n"
          "Requests carry Accept-Encoding: br, gzip like a browser's, so compression is part of the cost.\n"
          "The load generator shares the same CPUs as the server: on a small machine it caps the cheap routes.")
    return summary


def combine(parts: list[dict]) -> dict:
    """One figure of several rounds: requests and seconds added, latencies weighted by requests."""
    done = [p for p in parts if p.get("requests")]
    requests, seconds = sum(p["requests"] for p in done), sum(p["seconds"] for p in done)

    def weighted(key):
        return round(sum(p[key] * p["requests"] for p in done) / requests, 2) if requests else None

    statuses: dict = {}
    for part in done:
        for status, n in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {"requests": requests, "planned": sum(p["planned"] for p in parts), "seconds": round(seconds, 3),
            "rps": round(requests / seconds, 1) if seconds else None,
            "p50_ms": weighted("p50_ms"), "p90_ms": weighted("p90_ms"), "p99_ms": weighted("p99_ms"),
            "max_ms": max((p["max_ms"] for p in done), default=None), "statuses": statuses,
            "client_cpu_s": round(sum(p["client_cpu_s"] or 0 for p in done), 2),
            "server_cpu_ms": round(1000 * sum(p["server_cpu_s"] for p in done) / requests, 3) if requests else None}


def server_cpu_seconds(session: int) -> float:
    """User + system CPU seconds of every live process of the server's session (gunicorn's master
    and workers: `serve` starts them in a session of their own), from /proc."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # after ")": state, ppid, pgrp, session, ... utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / ticks
