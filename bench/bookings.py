"""Section 4: bookings per second on SQLite and PostgreSQL, and the race for the last seat.

Bookings: POST /api/v1/appointments, each with its own Idempotency-Key and phone number, each
for a different slot (agency, day, time) found through the availability API, so that every
one of them should succeed (201).

Last seat: a slot with one seat left, then 200 bookers (threads, each on its own connection,
released together by a barrier) ask for it. Exactly one may get it: overbookings = 201s - free
seats, and the seats held in the database are counted too.
"""

import json
import threading
import time
from collections import Counter

from . import loadgen, pg
from .common import cpu_count, get_json, log, ms, percentile, post_json, request, serve, server_env, table, webapp_cli

SERVICE, TASK = "death-grant", "claim-death-grant"
CONCURRENCY = 16
BOOKERS = 200
RACE_AGENCY = "09"  # Blida: two desks in the demo data


class Phones:
    """Distinct mobile numbers 05XXXXXXXX for the whole run."""

    def __init__(self, start: int):
        self.next = start

    def __call__(self) -> str:
        self.next += 1
        return f"05{self.next:08d}"


def availability(base: str, agency: str, day: str | None = None) -> dict:
    query = f"?task={SERVICE}/{TASK}" + (f"&date={day}" if day else "")
    return get_json(base, f"/api/v1/agencies/{agency}/availability{query}")


def collect_slots(base: str, count: int, max_calls: int = 600) -> list[tuple[str, str, str]]:
    """`count` distinct free (agency, date, time) slots, spread over agencies and days."""
    agencies = [a["code"] for a in get_json(base, "/api/v1/agencies") if a["bookable"] and a["code"] != RACE_AGENCY]
    days = {code: [d["date"] for d in availability(base, code)["next_days"]] for code in agencies}
    calls = len(agencies)
    groups = []
    for offset in range(6):  # agency i starts on its (i mod n)-th open day: days differ across agencies
        for index, code in enumerate(agencies):
            if not days[code] or offset >= len(days[code]) or calls >= max_calls:
                continue
            day = days[code][(index + offset) % len(days[code])]
            calls += 1
            free = [(code, day, s["time"]) for s in availability(base, code, day)["slots"] if s["remaining"] > 0]
            groups.append(free)
            if sum(map(len, groups)) >= count:
                break
        if sum(map(len, groups)) >= count:
            break
    slots = []  # round-robin over the groups: consecutive bookings go to different agencies
    for position in range(max(map(len, groups), default=0)):
        slots += [group[position] for group in groups if position < len(group)]
    if len(slots) < count:
        raise RuntimeError(f"found only {len(slots)} free slots, wanted {count}")
    return slots[:count]


def booking(agency: str, day: str, at: str, phone: str) -> dict:
    return {"agency": agency, "service": SERVICE, "task": TASK, "date": day, "time": at,
            "full_name": "Bench Booker", "phone": phone}


def spec(payload: dict, key: str) -> tuple:
    return ("POST", "/api/v1/appointments", json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Idempotency-Key": key, "Accept-Language": "fr"})


def held_seats(database_url: str, agency: str, day: str, at: str) -> int:
    """Seats of a slot held in the database, counted directly with peewee."""
    from datetime import date, datetime
    from datetime import time as dtime

    from webapp.clock import ALGIERS, to_utc
    from webapp.db import database, open_database
    from webapp.models import Appointment

    database.initialize(open_database(database_url))
    start = to_utc(datetime.combine(date.fromisoformat(day), dtime.fromisoformat(at), ALGIERS))
    try:
        with database.connection_context():
            return (Appointment.select().where((Appointment.agency == agency) & (Appointment.starts_at == start)
                                               & Appointment.seat.is_null(False)).count())
    finally:
        database.close()


def last_seat(base: str, database_url: str, phones: Phones, label: str, bookers: int = BOOKERS) -> dict:
    """Leave one seat in a slot, then let `bookers` people ask for it at the same moment."""
    days = [d["date"] for d in availability(base, RACE_AGENCY)["next_days"]]
    day = days[-1]
    slot = next(s for s in reversed(availability(base, RACE_AGENCY, day)["slots"]) if s["remaining"] > 0)
    at, free = slot["time"], slot["remaining"]
    for n in range(free - 1):  # everybody else first: one seat left
        resp = post_json(base, "/api/v1/appointments", booking(RACE_AGENCY, day, at, phones()), f"{label}-pre-{n}")
        if resp.status != 201:
            raise RuntimeError(f"could not fill the slot: {resp.status} {resp.body[:200]!r}")
    left = next(s["remaining"] for s in availability(base, RACE_AGENCY, day)["slots"] if s["time"] == at)
    before = held_seats(database_url, RACE_AGENCY, day, at)

    barrier = threading.Barrier(bookers + 1, timeout=60)
    answers: list = [None] * bookers
    bodies = [json.dumps(booking(RACE_AGENCY, day, at, phones())).encode() for _ in range(bookers)]

    def booker(index: int):
        import http.client
        import urllib.parse

        parts = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        try:
            conn.connect()
            barrier.wait()
            conn.request("POST", "/api/v1/appointments", body=bodies[index], headers={
                "Content-Type": "application/json", "Idempotency-Key": f"{label}-race-{index}",
                "Accept-Language": "fr"})
            resp = conn.getresponse()
            data = resp.read()
            code = None
            if resp.status >= 400:
                try:
                    code = json.loads(data)["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = "unreadable"
            answers[index] = (resp.status, code, time.perf_counter())
        except threading.BrokenBarrierError:
            answers[index] = (0, "barrier", time.perf_counter())
        except Exception as exc:  # noqa: BLE001 - counted and reported
            answers[index] = (0, type(exc).__name__, time.perf_counter())
        finally:
            conn.close()

    threads = [threading.Thread(target=booker, args=(i,), daemon=True) for i in range(bookers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(1.0, released + 150 - time.perf_counter()))
    done = [a for a in answers if a is not None]
    statuses = Counter(a[0] for a in done)
    after = held_seats(database_url, RACE_AGENCY, day, at)
    return {
        "slot": f"{RACE_AGENCY} {day} {at}", "bookers": bookers, "free_seats": left, "held_before": before,
        "answered": len(done), "created_201": statuses.get(201, 0),
        "overbookings": statuses.get(201, 0) - left, "held_after": after,
        "settle_ms": ms(max(a[2] for a in done) - released) if done else None,
        "p50_ms": ms(percentile([a[2] - released for a in done], 50)),
        "statuses": dict(sorted(statuses.items())),
        "error_codes": dict(Counter(a[1] for a in done if a[1]).most_common()),
    }


def one_database(ctx, label: str, database_url: str | None, instance, phones: Phones) -> dict:
    count = 400 if ctx.quick else 1500
    workers = 2 * cpu_count() + 1
    env = server_env(instance, database_url)
    database_url = database_url or f"sqlite:///{instance / 'webapp.db'}"
    webapp_cli(["load-demo"], env)
    with serve(env, workers=workers, log_path=instance / "server.log") as server:
        log(f"{label}: server up")
        slots = collect_slots(server.url, count + 20)
        log(f"{label}: {len(slots)} free slots found")
        specs = [spec(booking(a, d, t, phones()), f"{label}-{n}") for n, (a, d, t) in enumerate(slots)]
        loadgen.run(server.url, specs[:20], CONCURRENCY, max_seconds=60)  # warm every worker up
        figures = loadgen.run(server.url, specs[20:], CONCURRENCY, max_seconds=300)
        figures["distinct_slots"] = len(set(slots[20:]))
        log(f"{label}: {figures['requests']} bookings in {figures['seconds']:.1f} s")
        race = last_seat(server.url, database_url, phones, label)
        log(f"{label}: last seat settled in {race['settle_ms']:.0f} ms, {race['created_201']} got it")
        # the slots the bookings took are really gone: a replay of one key answers the same 201
        replay = request(server.url, "/api/v1/appointments", "POST", specs[20][2], specs[20][3])
        figures["replay_status"] = replay.status
    return {"bookings": figures, "contention": race, "workers": workers}


def run(ctx) -> dict:
    phones = Phones(70_000_000)
    results = {}
    sqlite_dir = ctx.tmp / "bookings-sqlite"
    sqlite_dir.mkdir()
    results["SQLite"] = one_database(ctx, "sqlite", None, sqlite_dir, phones)
    pg_dir = ctx.tmp / "bookings-pg"
    pg_dir.mkdir()
    try:
        log("starting PostgreSQL")
        with pg.cluster(ctx.tmp) as url:
            results["PostgreSQL"] = one_database(ctx, "pg", url, pg_dir, phones)
    except RuntimeError as exc:
        if "binaries not found" not in str(exc):
            raise
        log(f"PostgreSQL skipped: {exc}")
    rows = [[name, r["bookings"]["requests"], r["bookings"]["seconds"], r["bookings"]["rps"], r["bookings"]["p50_ms"],
             r["bookings"]["p99_ms"], ", ".join(f"{k}: {v}" for k, v in r["bookings"]["statuses"].items())]
            for name, r in results.items()]
    table(f"4a. Bookings, distinct slots, {CONCURRENCY} in flight, gunicorn {2 * cpu_count() + 1} workers (ms)",
          ["database", "bookings", "seconds", "bookings/s", "p50", "p99", "statuses"], rows,
          "SQLite: WAL, synchronous=normal (no fsync per commit); PostgreSQL: default settings (fsync per commit).")
    rows = [[name, r["contention"]["bookers"], r["contention"]["free_seats"], r["contention"]["created_201"],
             r["contention"]["overbookings"], r["contention"]["held_after"], r["contention"]["settle_ms"],
             ", ".join(f"{k}: {v}" for k, v in r["contention"]["statuses"].items()),
             ", ".join(f"{k}: {v}" for k, v in r["contention"]["error_codes"].items())]
            for name, r in results.items()]
    table(f"4b. Last seat: {BOOKERS} bookers at once for a slot with one seat left",
          ["database", "bookers", "free", "201s", "overbookings", "seats held", "settle ms", "statuses", "error codes"],
          rows, "overbookings = 201s - free seats (must be 0); "
          "seats held = rows holding a seat of that slot afterwards.")
    for name, r in results.items():
        if r["contention"]["overbookings"]:
            print(f"!! {name}: OVERBOOKED by {r['contention']['overbookings']}")
    return {"databases": results, "contention": {name: r["contention"] for name, r in results.items()}}
