"""The multi-machine topology (deploy/local-cluster: nginx -> 2 nodes -> PgBouncer -> PostgreSQL)
under load: the last seat raced across both nodes, and a node killed during a burst.

Not part of `make test` (it needs nginx, pgbouncer and postgresql): .ci/run runs it with
`.venv/bin/python -m pytest deploy/test_cluster.py`.
"""

import http.client
import io
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import psycopg2
import pytest
from PIL import Image

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "local-cluster"
RACERS = 100
BURST = 96  # bookings during which a node is killed (3 days x 32 slots of agency 16)
TRIES = 30  # attempts per request before giving up (0.2 s apart)
RETRY_CODES = {"idempotency_busy"}  # "being handled": a retry gets the first answer


@pytest.fixture(scope="module")
def cluster():
    state = Path(tempfile.mkdtemp(prefix="cnas-cluster-test-"))
    # bursts of bookings from one address: the hold limits (unit-tested) would stop them
    env = {**os.environ, "CLUSTER_DIR": str(state), "HOLDS_PER_ADDRESS": "0", "HOLDS_PER_PHONE": "0",
           "HOLDS_PER_DEVICE": "0"}
    started = subprocess.run([str(SCRIPT), "up"], env=env, capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, started.stderr[-4000:]
        base = started.stdout.strip().splitlines()[-1]
        info = dict(line.split("=", 1) for line in (state / "cluster.env").read_text().split())
        assert info["BASE_URL"] == base and base.startswith("http://127.0.0.1:")
        yield {**info, "state": state}
    finally:
        subprocess.run([str(SCRIPT), "down"], env=env, capture_output=True, text=True, timeout=120)


def call(url, method="GET", body=None, key=None, timeout=30):
    """(status, parsed JSON or text); (None, error) when the connection failed."""
    headers = {"Accept-Language": "fr"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, cut short, timed out
        return None, repr(exc)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def booking(number, date, time_, agency="09"):
    return {"agency": agency, "service": "work-accident", "task": "declare-work-accident", "date": date,
            "time": time_, "full_name": f"Booker {number}", "phone": f"055{number:07d}"}


def book_until_answered(base, key, body):
    """POST with the same Idempotency-Key until a definite answer (not 5xx, no network error,
    not "being handled"); returns (final status, body, attempts)."""
    for attempt in range(1, TRIES + 1):
        status, answer = call(base + "/api/v1/appointments", "POST", body, key)
        busy = status == 409 and isinstance(answer, dict) and answer["error"]["code"] in RETRY_CODES
        if status is not None and status < 500 and not busy:
            return status, answer, attempt
        time.sleep(0.2)
    return status, answer, TRIES


def upstream_counts(state, path):
    """Requests of the nginx access log for `path`, by the node (upstream port) that answered."""
    counts = Counter()
    for line in (state / "logs" / "access.log").read_text().splitlines():
        if f'"POST {path}"' in line or f'"GET {path}"' in line:
            for part in line.split():
                if part.startswith("upstream="):
                    for address in part[len("upstream="):].split(","):
                        counts[address.rsplit(":", 1)[-1]] += 1
    return counts


def held_seats(info, where, params):
    with psycopg2.connect(info["PG_URL"]) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT phone, count(*) FROM appointment WHERE seat IS NOT NULL AND " + where
                       + " GROUP BY phone", params)
        return dict(cursor.fetchall())


def test_last_seat_raced_over_both_nodes_goes_to_exactly_one(cluster):
    base = cluster["BASE_URL"]
    status, first = call(base + "/api/v1/appointments", "POST",
                         {**booking(9999999, "2026-12-03", "09:00"), "phone": "0799999999"}, "first-seat")
    assert status == 201, first

    barrier = threading.Barrier(RACERS)
    bodies = [booking(n, "2026-12-03", "09:00") for n in range(RACERS)]

    def race(n):
        barrier.wait(timeout=30)
        return call(base + "/api/v1/appointments", "POST", bodies[n], f"race-{n}", timeout=90)

    started = time.monotonic()
    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(race, range(RACERS)))
    settled = time.monotonic() - started

    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, statuses
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"slot_full"}
    seats = held_seats(cluster, "agency = %s AND starts_at = %s", ("09", "2026-12-03 08:00"))
    assert sum(seats.values()) == 2, seats  # the two desks, never more (09:00 Algiers = 08:00 UTC)
    served = upstream_counts(cluster["state"], "/api/v1/appointments")
    nodes = {cluster["NODE1_PORT"], cluster["NODE2_PORT"]}
    assert set(served) == nodes and min(served.values()) >= 10, served
    print(f"\nlast seat: 1 x 201, {RACERS - 1} x slot_full in {settled:.1f} s; per node {dict(served)}")


def put_chunk(url, data, key):
    request = urllib.request.Request(url, data=data, method="PUT", headers={
        "Content-Type": "application/octet-stream", "Idempotency-Key": key, "Accept-Language": "fr"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_an_application_sent_in_chunks_to_both_nodes_arrives_whole(cluster):
    """A phone's file whose chunks land on one node, then the other (separate machines share no
    folder): the bytes go to the object store, and the application arrives with its document."""
    if "S3_URL" not in cluster:
        pytest.skip("no object store: moto_server comes with the dev extra (make setup-dev)")
    nodes = [f"http://127.0.0.1:{cluster[f'NODE{n}_PORT']}" for n in (1, 2)]
    key, phone = "cluster-application", "0770123456"
    noise = Image.effect_noise((900, 700), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=95)
    data = out.getvalue()
    body = {"service": "voluntary-affiliation", "task": "join-voluntary-affiliation", "agency": "16",
            "answers": {"work-status": "owner", "activity": "Couture", "full-name": "Amina Benali"},
            "phone": phone, "declaration": True, "documents": [{"kind": "identity", "size": len(data)}]}
    status, made = call(nodes[0] + "/api/v1/applications", "POST", body, key)
    assert status == 201, made
    upload, at, sent = made["uploads"][0], 0, 0
    while at < len(data):
        status, answer = put_chunk(f"{nodes[sent % 2]}/api/v1/applications/uploads/{upload['id']}?offset={at}",
                                   data[at:at + made["chunk"]], key)
        assert status == 200, answer
        at, sent = answer["received"], sent + 1
    assert sent >= 2 and answer["document"], (sent, answer)
    status, asked = call(nodes[1] + "/api/v1/applications/code", "POST", {"phone": phone}, key)
    assert status == 202 and asked["uploads"][0]["done"], asked
    status, inbox = call(f"{cluster['BASE_URL']}/api/v1/demo/messages?to={phone}")
    code = next(re.search(r"\b\d{6}\b", m["body"]).group() for m in inbox if m["kind"] == "code")
    status, done = call(nodes[0] + "/api/v1/applications/confirm", "POST", {"code": code}, key)
    assert status == 200 and done["status"] == "received", done
    assert not any((cluster["state"] / f"node{n}" / "documents").exists() for n in (1, 2))
    store = boto3.client("s3", endpoint_url=cluster["S3_URL"], region_name="eu-west-3",
                         aws_access_key_id="local-cluster", aws_secret_access_key="local-cluster")
    keys = [o["Key"] for o in store.list_objects_v2(Bucket="cnas-documents").get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith("docs/") and "/parts/" not in keys[0], keys
    print(f"\napplication: {len(data)} bytes in {sent} chunks over both nodes, one document in the bucket")


def living_in_group(group: int) -> list[int]:
    """Processes of a process group that still run (not zombies, which only wait to be reaped)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def test_a_node_killed_during_a_burst_loses_no_booking(cluster):
    base, state = cluster["BASE_URL"], cluster["state"]
    victim = int(cluster["NODE2_PID"])  # gunicorn master, leader of the node's process group
    slots = [f"{8 + m // 60:02d}:{m % 60:02d}" for m in range(0, 8 * 60, 15)]  # 08:00 .. 15:45
    days = ["2026-12-06", "2026-12-07", "2026-12-08"]  # Sunday .. Tuesday
    jobs = [(f"burst-{i}", booking(1000 + i, days[i // len(slots)], slots[i % len(slots)], agency="16"))
            for i in range(BURST)]
    done = []
    lock = threading.Lock()
    before = upstream_counts(state, "/api/v1/appointments")

    def run(job):
        result = book_until_answered(base, *job)
        with lock:
            done.append(job[0])
        return result

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        deadline = time.monotonic() + 60
        while len(done) < BURST // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(victim, signal.SIGKILL)  # the master and its workers, mid-burst
        killed_after = len(done)
        results = [future.result(timeout=300) for future in futures]
    elapsed = time.monotonic() - started

    statuses = Counter(status for status, _, _ in results)
    retried = sum(1 for _, _, attempts in results if attempts > 1)
    stuck = [key for (key, _), (status, body, _) in zip(jobs, results, strict=True)
             if status == 409 and body["error"]["code"] == "idempotency_busy"]
    others = [(key, result[:2]) for (key, _), result in zip(jobs, results, strict=True) if result[0] != 201]
    assert statuses[201] + len(stuck) == BURST, others
    booked = [(key, body) for (key, body), (status, _, _) in zip(jobs, results, strict=True) if status == 201]
    assert len({answer["reference"] for status, answer, _ in results if status == 201}) == len(booked)
    phones = tuple(body["phone"] for _, body in jobs)
    seats = held_seats(cluster, "phone IN %s", (phones,))
    assert {body["phone"]: seats.get(body["phone"]) for _, body in booked} == {body["phone"]: 1 for _, body in booked}
    assert all(count == 1 for count in seats.values()), seats  # never twice, whatever happened

    time.sleep(0.5)
    assert living_in_group(victim) == [], "the whole node is gone (zombies waiting for a reaper aside)"
    for _ in range(5):
        status, answer = call(base + "/healthz")
        assert status == 200, answer
    status, _ = call(base + "/fr/")
    assert status == 200
    after = upstream_counts(state, "/api/v1/appointments")
    node1, node2 = cluster["NODE1_PORT"], cluster["NODE2_PORT"]
    assert after[node1] > before[node1] and after[node2] > before[node2], (before, after)
    print(f"\nburst: {statuses[201]} x 201, {len(stuck)} stuck, node killed after {killed_after} answers, "
          f"{retried} requests retried, {elapsed:.1f} s")
    # A key whose first request died with its node between the claim of the key and the
    # answer stays "being handled" (idempotency_busy) until idempotency.STALE_AFTER (2 min; never
    # under a frozen WEBAPP_NOW): the booking is then neither confirmed nor refused.
    in_db = {key: seats.get(body["phone"], 0) for key, body in jobs if key in stuck}
    assert not stuck, f"keys left 'being handled' after the node died (appointments held: {in_db})"
