"""Section 5: how costs grow with the catalog and with the appointments table.

Catalog: a temporary CONTENT_DIR holding content/ with every service file duplicated 9 or 99
times under new ids (`<id>-copy-<n>`, the `id = "..."` line rewritten), served with
CONTENT_DIR set. Appointments: rows inserted directly with peewee (webapp.models.Appointment)
into the benchmark's SQLite database, spread at random over every bookable agency, over the
working days of the past year and the 30 days ahead, over the slots and over two seats, so
that the unique (agency, starts_at, seat) index holds. Latencies are medians of sequential
requests (one at a time), so that a super-linear step stands out.

Start-up is timed twice per size: the first start validates the content and compiles it under
the instance folder; the second (the figure of issue 17's goal) reuses that compiled catalog.
Search is also timed in this process, without HTTP: each of SEARCH_QUERIES, the median of
SEARCH_REPEAT runs on the catalog of that size.
"""

import random
import re
import shutil
import time
from datetime import date, datetime, timedelta

from .common import (
    AVAILABILITY,
    CATALOG_PAGE,
    NOW,
    ROOT,
    log,
    median,
    ms,
    percentile,
    ratio,
    request,
    serve,
    server_env,
    table,
    webapp_cli,
)

FACTORS = (1, 10, 100)
SEARCH_QUERIES = [  # exact words, Arabic clitics, a typo, a word being typed, a synonym
    ("fr", "accident"), ("fr", "accident de travail"), ("fr", "acident"), ("fr", "congé maladie"), ("fr", "mater"),
    ("ar", "حادث"), ("ar", "العطلة المرضية"), ("ar", "بطاقة الشفاء"), ("ar", "منحة الوفاة"),
    ("en", "sick leave"), ("en", "pension"), ("en", "glases for children"),
]
SEARCH_REPEAT = 15
GOAL_SEARCH_MS, GOAL_BOOT_S = 5, 5  # issue 17, at 100x the catalog
SERVICE_ID = re.compile(r'^id = "([^"]+)"', re.MULTILINE)
CATALOG_ROUTES = [
    ("home (lists every service)", "/fr/"),
    ("catalog page (task)", CATALOG_PAGE),
    ("search fr 'accident'", "/fr/search?q=accident"),
    ("search ar 'حادث'", "/ar/search?q=%D8%AD%D8%A7%D8%AF%D8%AB"),
]
APPOINTMENT_ROUTES = [
    ("availability API", AVAILABILITY),
    ("booking page: times", "/fr/book/death-grant/claim-death-grant?agency=16&date=2026-12-02"),
]
BASE_APPOINTMENTS = 1000
SLOTS_PER_DAY = 32  # 08:00-16:00, 15 minutes
SEATS = 2  # the fewest desks of any agency


def make_content(target, factor: int) -> int:
    """content/ with each service file present `factor` times; return the number of services."""
    shutil.copytree(ROOT / "content", target)
    files = sorted((target / "services").glob("*.toml"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        found = SERVICE_ID.search(text)  # the service's id: the first `id = ` line, before any [[tasks]]
        first_table = text.find("[[")
        if not found or found.group(1) != path.stem or -1 < first_table < found.start():
            raise RuntimeError(f"{path.name}: the service id is not the first `id = ` line")
        for n in range(1, factor):
            new_id = f"{path.stem}-copy-{n}"
            copy = text[:found.start()] + f'id = "{new_id}"' + text[found.end():]
            (target / "services" / f"{new_id}.toml").write_text(copy, encoding="utf-8")
    return len(files) * factor


def timed(base: str, path: str, count: int, warmup: int = 10) -> dict:
    for _ in range(warmup):
        request(base, path, timeout=120)
    seconds, sizes, statuses = [], set(), set()
    deadline = time.monotonic() + 120
    for _ in range(count):
        resp = request(base, path, timeout=120)
        seconds.append(resp.seconds)
        sizes.add(len(resp.body))
        statuses.add(resp.status)
        if time.monotonic() > deadline:
            break
    return {"requests": len(seconds), "median_ms": ms(median(seconds)), "p90_ms": ms(percentile(seconds, 90)),
            "min_ms": ms(min(seconds)),
            "bytes": max(sizes), "statuses": sorted(statuses)}


def catalog_growth(ctx, count: int) -> dict:
    results = {}
    for factor in FACTORS:
        folder = ctx.tmp / f"growth-catalog-{factor}x"
        instance = folder / "instance"
        instance.mkdir(parents=True)
        started = time.monotonic()
        services = make_content(folder / "content", factor)
        built = time.monotonic() - started
        env = server_env(instance, content_dir=folder / "content")
        with serve(env, workers=1, log_path=instance / "server.log", boot_timeout=300) as server:
            entry = {"services": services, "content_build_s": round(built, 1), "boot_s": round(server.boot_seconds, 1),
                     "routes": {name: timed(server.url, path, count) for name, path in CATALOG_ROUTES}}
        with serve(env, workers=1, log_path=instance / "server-again.log", boot_timeout=300) as server:
            entry["boot_again_s"] = round(server.boot_seconds, 1)  # the compiled catalog of the first start
        entry["search_ms"] = search_in_process(folder / "content", instance)
        results[f"{factor}x"] = entry
        log(f"catalog {factor}x ({services} services): server up in {entry['boot_s']} s, "
            f"again in {entry['boot_again_s']} s; search median {entry['search_ms']['median']} ms in process")
        shutil.rmtree(folder / "content", ignore_errors=True)
    return results


def search_in_process(content, instance) -> dict:
    """Median ms of each query on this catalog (its search index, no HTTP), and their median."""
    from webapp.catalog import load_catalog

    try:
        catalog = load_catalog(content, instance)  # the compiled catalog the server left
    except TypeError:  # a version of the app without compiled catalogs
        catalog = load_catalog(content)
    each = {}
    for lang, query in SEARCH_QUERIES:
        seconds = []
        for _ in range(SEARCH_REPEAT):
            started = time.perf_counter()
            catalog.search_index.search(lang, query)
            seconds.append(time.perf_counter() - started)
        each[f"{lang}: {query}"] = ms(median(seconds))
    return {"median": round(median(list(each.values())), 2), "max": max(each.values()), "queries": each}


def working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() in (6, 0, 1, 2, 3):  # Sunday to Thursday
            days.append(day)
        day += timedelta(days=1)
    return days


def insert_appointments(database_url: str, positions: list[int], agencies: list[str], days: list[date]) -> float:
    """Insert one appointment per position of the (agency, seat, slot, day) space; return seconds."""
    from webapp.clock import ALGIERS, to_utc
    from webapp.db import database, open_database
    from webapp.models import Appointment

    database.initialize(open_database(database_url))
    created = datetime(2026, 11, 1)
    started = time.monotonic()

    fields = [Appointment.reference, Appointment.agency, Appointment.service_id, Appointment.task_id,
              Appointment.starts_at, Appointment.seat, Appointment.status, Appointment.full_name,
              Appointment.phone, Appointment.lang, Appointment.created_at]

    def row(position: int) -> tuple:
        rest, agency = divmod(position, len(agencies))
        rest, seat = divmod(rest, SEATS)
        day_index, slot = divmod(rest, SLOTS_PER_DAY)
        local = datetime.combine(days[day_index], datetime.min.time(), ALGIERS) + timedelta(hours=8, minutes=15 * slot)
        return (f"G{position:08d}", agencies[agency], "death-grant", "claim-death-grant", to_utc(local), seat,
                "booked", "Bench Person", f"06{position % 10**8:08d}", "fr", created)

    try:
        with database.connection_context():
            for start in range(0, len(positions), 1000):
                with database.atomic():
                    (Appointment.insert_many([row(p) for p in positions[start:start + 1000]], fields=fields)
                     .on_conflict_ignore().execute())
    finally:
        database.close()
    return time.monotonic() - started


def count_appointments(database_url: str) -> int:
    from webapp.db import database, open_database
    from webapp.models import Appointment

    database.initialize(open_database(database_url))
    try:
        with database.connection_context():
            return Appointment.select().count()
    finally:
        database.close()


def appointment_growth(ctx, count: int) -> dict:
    instance = ctx.tmp / "growth-appointments"
    instance.mkdir()
    env = server_env(instance)
    database_url = f"sqlite:///{instance / 'webapp.db'}"
    webapp_cli(["load-demo"], env)
    today = datetime.fromisoformat(NOW).date()
    days = working_days(today - timedelta(days=365), today + timedelta(days=30))
    results = {}
    with serve(env, workers=2, log_path=instance / "server.log") as server:
        agencies = [a["code"] for a in request(server.url, "/api/v1/agencies").json() if a["bookable"]]
        space = len(agencies) * SEATS * SLOTS_PER_DAY * len(days)
        biggest = BASE_APPOINTMENTS * FACTORS[-1]
        positions = random.Random(20261201).sample(range(space), biggest)
        done = 0
        for factor in FACTORS:
            wanted = BASE_APPOINTMENTS * factor
            seconds = insert_appointments(database_url, positions[done:wanted], agencies, days)
            done = wanted
            rows = count_appointments(database_url)
            size = sum(p.stat().st_size for p in instance.glob("webapp.db*"))
            entry = {"rows": rows, "insert_s": round(seconds, 1), "db_bytes": size,
                     "routes": {name: timed(server.url, path, count) for name, path in APPOINTMENT_ROUTES}}
            results[f"{factor}x"] = entry
            log(f"appointments {factor}x: {rows:,} rows (inserted in {entry['insert_s']} s)")
    return {"space": space, "occupancy_at_largest": round(biggest / space, 3), "sizes": results}


def run(ctx) -> dict:
    count = 30 if ctx.quick else 150
    catalog = catalog_growth(ctx, count)
    appointments = appointment_growth(ctx, count)
    rows = []
    for factor, entry in catalog.items():
        base = catalog["1x"]
        for name, _path in CATALOG_ROUTES:
            figures = entry["routes"][name]
            rows.append([f"{name} @ {factor}", entry["services"], figures["min_ms"], figures["median_ms"],
                         figures["p90_ms"],
                         ratio(figures["median_ms"], base["routes"][name]["median_ms"]), figures["bytes"]])
        rows.append([f"search in process @ {factor}, median of {len(SEARCH_QUERIES)} queries", entry["services"],
                     None, entry["search_ms"]["median"], entry["search_ms"]["max"],
                     ratio(entry["search_ms"]["median"], base["search_ms"]["median"]), None])
    table(f"5a. Catalog size: median of {count} sequential requests (ms)",
          ["route @ catalog size", "services", "min", "median", "p90/max", "x 1x", "HTML bytes"], rows,
          "x 1x = median / median at 1x. Search in process: each query's median of "
          f"{SEARCH_REPEAT} runs on the search index, no HTTP; the median and the slowest of them.")
    table("5b. Start-up: from `python -m webapp serve` (1 worker) to its first answer (s)",
          ["catalog size", "services", "first start", "second start"],
          [[factor, e["services"], e["boot_s"], e["boot_again_s"]] for factor, e in catalog.items()],
          "The first start validates the content and compiles it under the instance folder; the second reuses it.")
    rows = []
    for factor, entry in appointments["sizes"].items():
        base = appointments["sizes"]["1x"]
        for name, _path in APPOINTMENT_ROUTES:
            figures = entry["routes"][name]
            rows.append([f"{name} @ {factor}", entry["rows"], figures["min_ms"], figures["median_ms"],
                         figures["p90_ms"],
                         ratio(figures["median_ms"], base["routes"][name]["median_ms"]), entry["db_bytes"]])
    table(f"5c. Appointments in the database: median of {count} sequential requests (ms)",
          ["route @ appointments", "rows", "min", "median", "p90", "x 1x", "DB bytes"], rows,
          f"rows spread at random over {appointments['space']:,} (agency, seat, slot, working day) places, past year "
          f"and 30 days ahead; {appointments['occupancy_at_largest']:.0%} of them taken at the largest size.")
    return {"catalog": catalog, "appointments": appointments}
