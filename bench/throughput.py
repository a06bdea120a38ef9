"""Section 3: requests per second and latency of the real server (gunicorn, 2 x CPU + 1 workers).

Three routes in the same run of one server: a catalog page, the availability API and a
trivial route (/robots.txt when the app has one, else the redirect at "/", not followed).
"""

from . import loadgen
from .common import AVAILABILITY, CATALOG_PAGE, cpu_count, log, ratio, request, serve, server_env, table, webapp_cli

CONCURRENCY = 16
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
        routes = [("catalog page", CATALOG_PAGE, 200), ("availability API", AVAILABILITY, 200),
                  (f"trivial ({trivial})", trivial, trivial_status)]
        for name, path, expected in routes:
            headers = BROWSER_HEADERS
            loadgen.run(server.url, [("GET", path, None, headers)] * warmup, CONCURRENCY, max_seconds=60)
            figures = loadgen.run(server.url, [("GET", path, None, headers)] * count, CONCURRENCY, max_seconds=240)
            figures["path"], figures["expected_status"] = path, expected
            figures["unexpected"] = sum(n for status, n in figures["statuses"].items() if status != expected)
            results[name] = figures
            log(f"{name}: {figures['requests']} requests in {figures['seconds']:.1f} s")
    rows = [[name, f["requests"], f["seconds"], f["rps"], f["p50_ms"], f["p90_ms"], f["p99_ms"], f["max_ms"],
             f["unexpected"], f["client_cpu_s"]] for name, f in results.items()]
    catalog, trivial_figures = results["catalog page"], results[f"trivial ({trivial})"]
    summary = {
        "workers": workers, "concurrency": CONCURRENCY,
        "client": "Python, 2 processes x 8 threads, a new connection per request", "headers": BROWSER_HEADERS,
        "catalog_over_trivial_cost": ratio(trivial_figures["rps"], catalog["rps"]),
        "catalog_over_trivial_p50": ratio(catalog["p50_ms"], trivial_figures["p50_ms"]),
        "routes": results,
    }
    table(f"3. Throughput: gunicorn {workers} workers (2 x {cpu_count()} CPU + 1), {CONCURRENCY} clients in flight "
          f"(ms; client = load generator CPU s)",
          ["route", "requests", "seconds", "req/s", "p50", "p90", "p99", "max", "non-" + "expected", "client CPU"],
          rows,
          f"catalog/trivial: {summary['catalog_over_trivial_cost']}x the cost per request (req/s ratio), "
          f"{summary['catalog_over_trivial_p50']}x the p50 latency.\n"
          "Requests carry Accept-Encoding: br, gzip like a browser's, so compression is part of the cost.\n"
          "The load generator shares the same CPUs as the server: on a small machine it caps the cheap routes.")
    return summary
