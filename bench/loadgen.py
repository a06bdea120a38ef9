"""A bounded load generator: a fixed list of requests, N client processes x M threads.

Several processes rather than one, so that the client's GIL does not cap the figures of cheap
routes. The client runs on the same cores as the server: its CPU time is reported with the
results. Every run is bounded by its request count and by a deadline.
"""

import multiprocessing
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from .common import cpu_count, ms, percentile, request

Spec = tuple  # (method, path, body: bytes | None, headers: dict)


def _client(base: str, specs: list, threads: int, timeout: float, start_at: float, deadline_at: float):
    """One client process: `threads` threads take the next request until the list is done."""
    time.sleep(max(0.0, start_at - time.time()))
    results: list = [None] * len(specs)
    lock = threading.Lock()
    position = [0]

    def loop():
        while True:
            with lock:
                index = position[0]
                position[0] += 1
            if index >= len(specs) or time.time() > deadline_at:
                return
            method, path, body, headers = specs[index]
            started = time.time()
            try:
                resp = request(base, path, method, body, headers, timeout=timeout)
                code = resp.error_code if resp.status >= 400 else None
                results[index] = (resp.status, resp.seconds, code, started, time.time())
            except Exception as exc:  # noqa: BLE001 - a benchmark counts failures, it does not stop
                results[index] = (0, time.time() - started, type(exc).__name__, started, time.time())

    cpu_before = time.process_time()
    workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(1.0, deadline_at - time.time() + timeout + 5))
    return [r for r in results if r is not None], time.process_time() - cpu_before


def run(base: str, specs: list[Spec], concurrency: int = 16, processes: int | None = None,
        timeout: float = 30, max_seconds: float = 300) -> dict:
    """Send every request of `specs` with `concurrency` in flight; return the figures."""
    processes = max(1, min(processes or min(2, cpu_count()), concurrency, len(specs) or 1))
    threads = max(1, concurrency // processes)
    chunks = [specs[i::processes] for i in range(processes)]
    start_at = time.time() + 1.0  # every process starts together, after it has been spawned
    deadline_at = start_at + max_seconds
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [pool.submit(_client, base, chunk, threads, timeout, start_at, deadline_at) for chunk in chunks]
        outcomes = [f.result(timeout=max_seconds + timeout + 60) for f in futures]
    rows = [row for rows, _cpu in outcomes for row in rows]
    client_cpu = sum(cpu for _rows, cpu in outcomes)
    return summarize(rows, len(specs), processes * threads, client_cpu)


def summarize(rows: list, planned: int, concurrency: int, client_cpu: float | None = None) -> dict:
    """Throughput and latency percentiles of (status, seconds, code, started, ended) rows."""
    if not rows:
        return {"requests": 0, "planned": planned, "concurrency": concurrency}
    wall = max(r[4] for r in rows) - min(r[3] for r in rows)
    latencies = [r[1] for r in rows]
    return {
        "requests": len(rows), "planned": planned, "concurrency": concurrency,
        "seconds": round(wall, 3), "rps": round(len(rows) / wall, 1) if wall > 0 else None,
        "p50_ms": ms(percentile(latencies, 50)), "p90_ms": ms(percentile(latencies, 90)),
        "p99_ms": ms(percentile(latencies, 99)), "max_ms": ms(max(latencies)),
        "statuses": dict(sorted(Counter(r[0] for r in rows).items())),
        "error_codes": dict(Counter(r[2] for r in rows if r[2]).most_common()),
        "client_cpu_s": round(client_cpu, 2) if client_cpu is not None else None,
    }
