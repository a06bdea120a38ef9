"""Section 7: messages per second through the worker, against the local SMS centre.

N one-time codes are queued in the outbox (SQLite, then PostgreSQL when it is installed); then
`python -m webapp worker --once` drains it over real SMPP to tools/smpp_server.py on 127.0.0.1:
one worker, then two at once on a fresh queue (the time the processes take to start and stop on
an empty queue is measured first and taken off). Figures only; the duplicates the SMS centre saw
(there must be none) and the messages left unsent are printed beside them.
"""

import subprocess
import time

from tools.smpp_server import SmppServer

from . import pg
from .common import PYTHON, ROOT, log, ratio, server_env, table, webapp_cli


def queue(env: dict, count: int, first: int) -> None:
    """Queue `count` codes to distinct phones, in one process (the app's own outbox.code)."""
    script = (
        "from datetime import timedelta\n"
        "from webapp import create_app, clock\n"
        "from webapp.db import database, write_transaction\n"
        "from webapp.notify import outbox\n"
        "app = create_app()\n"
        "with app.app_context(), database.connection_context(), write_transaction():\n"
        "    until = clock.now() + timedelta(minutes=30)\n"
        f"    for n in range({count}):\n"
        f"        outbox.code(f'066{{{first} + n:07d}}', '123456', 'fr', clock.now(), until)\n"
    )
    subprocess.run([PYTHON, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True, text=True)


def drain(env: dict, workers: int) -> float:
    """Seconds for `workers` processes of `worker --once` started together to empty the queue."""
    started = time.monotonic()
    processes = [subprocess.Popen([PYTHON, "-m", "webapp", "worker", "--once"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(workers)]
    for process in processes:
        errors = process.communicate(timeout=600)[1]
        if process.returncode:
            raise RuntimeError(f"worker failed ({process.returncode}):\n{errors[-2000:]}")
    return time.monotonic() - started


def left(env: dict) -> int:
    script = ("from webapp import create_app\nfrom webapp.db import database\nfrom webapp.models import Message\n"
              "app = create_app()\nwith app.app_context(), database.connection_context():\n"
              "    print(Message.select().where(Message.status.not_in(('sent', 'delivered'))).count())\n")
    done = subprocess.run([PYTHON, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return int(done.stdout.strip())


def measure(ctx, name: str, database_url: str | None, count: int) -> dict:
    instance = ctx.tmp / f"messages-{name}"
    instance.mkdir()
    smsc = SmppServer(receipt_delay=0.01).start()
    try:
        env = {**server_env(instance, database_url), "WEBAPP_DEMO": "0",
               "SMS_URL": f"smpp://bench:bench@127.0.0.1:{smsc.port}"}
        webapp_cli(["migrate"], env)
        figures, startup = {}, {}
        for workers, first in ((1, 0), (2, count)):
            startup[workers] = drain(env, workers)  # an empty queue: the start and stop of the processes
            queue(env, count, first)
            seconds = drain(env, workers)
            figures[workers] = round(count / max(seconds - startup[workers], 0.001), 1)
            log(f"{name}: {workers} worker(s), {count} messages in {seconds:.1f} s "
                f"(of which {startup[workers]:.1f} s starting and stopping)")
        return {"per_second": figures, "startup_seconds": startup, "ratio": ratio(figures[2], figures[1]),
                "duplicates": smsc.duplicates,
                "received": len(smsc.snapshot()), "queued": 2 * count, "left_unsent": left(env)}
    finally:
        smsc.stop()


def run(ctx) -> dict:
    count = 1000 if ctx.quick else 5000
    results = {"sqlite": measure(ctx, "sqlite", None, count)}
    try:
        with pg.cluster(ctx.tmp) as url:
            results["postgresql"] = measure(ctx, "postgresql", url, count)
    except RuntimeError as exc:  # no PostgreSQL on this machine: say so, keep the SQLite figures
        results["postgresql"] = {"skipped": str(exc)[:200]}
    rows = [[name, r["per_second"][1], r["per_second"][2], r["ratio"], r["received"], r["duplicates"],
             r["left_unsent"]] for name, r in results.items() if "per_second" in r]
    table(f"Messages per second through `worker --once` over SMPP to the local SMS centre ({count} a run)",
          ["database", "1 worker msg/s", "2 workers msg/s", "2 / 1", "received", "duplicates", "left unsent"], rows,
          note="Each message: claim (lease), submit_sm, wait for submit_sm_resp, settle; receipts read between "
               "batches. The time of `worker --once` on an empty queue (process start) is taken off. "
               "Two workers share the queue with FOR UPDATE SKIP LOCKED (PostgreSQL) or the write "
               "lock (SQLite).")
    return results
