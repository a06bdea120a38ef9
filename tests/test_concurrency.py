"""50 people press "confirm" for the last seat at once, on the real server: exactly one gets it."""

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from webapp import demo
from webapp.booking import appointments
from webapp.clock import ALGIERS, to_utc
from webapp.models import Appointment

pytestmark = pytest.mark.usefixtures("use_case")  # these tests call use cases directly

ROOT = Path(__file__).resolve().parent.parent
BOOKERS = 50
SLOT = {"agency": "09", "service": "death-grant", "task": "claim-death-grant",
        "date": "2026-12-03", "time": "09:00"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(app, tmp_path, **extra_env):
    """`python -m webapp serve` with 4 workers on the test database; its URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_DIR": str(tmp_path),
           "WEBAPP_NOW": "2026-12-01T09:00", "SECRET_KEY": "concurrency-test", **extra_env}
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--port", str(port), "--workers", "4"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/api/v1/agencies", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("the server did not start")
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def server(app, tmp_path):
    with serving(app, tmp_path) as url:
        yield url


def booker(url, number, barrier, results, key=None):
    phone = f"05{number:08d}" if key is None else "0699999999"
    name = "Booker" if key else f"Booker {number}"
    body = json.dumps({**SLOT, "time": "11:00" if key else SLOT["time"], "full_name": name, "phone": phone}).encode()
    request = urllib.request.Request(url + "/api/v1/appointments", data=body, method="POST", headers={
        "Content-Type": "application/json", "Idempotency-Key": key or f"race-{number}",
        "Accept-Language": "fr"})
    barrier.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            results.put((response.status, json.loads(response.read())))
    except urllib.error.HTTPError as exc:
        results.put((exc.code, json.loads(exc.read())))


def test_last_seat_goes_to_exactly_one_of_fifty(app, db, server):
    demo.load(app.extensions["catalog"])
    start = datetime(2026, 12, 3, 9, 0, tzinfo=ALGIERS)
    appointments.book(app.extensions["catalog"], appointments.Request(
        agency="09", service_id="work-accident", task_id="declare-work-accident", start=start,
        full_name="Already There", phone="0799999999", lang="fr"), datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS))
    db.close()
    answers = race(server, BOOKERS)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (BOOKERS - 1), statuses
    for status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "slot_full"
            assert body["error"]["message"].startswith("Désolé, cet horaire vient d’être pris")
            assert body["error"]["alternatives"]
    held = Appointment.select().where((Appointment.agency == "09") & (Appointment.starts_at == to_utc(start))
                                      & Appointment.seat.is_null(False)).count()
    assert held == 2  # the two desks, never more


def race(url, count, key=None):
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(count), ctx.Queue()
    processes = [ctx.Process(target=booker, args=(url, n, barrier, results, key)) for n in range(count)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=90) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    return answers


def test_concurrent_retries_with_one_key_create_one_appointment(app, db, server, tmp_path):
    demo.load(app.extensions["catalog"])
    db.close()
    answers = race(server, 10, key="same-key-everywhere")
    created = {body["reference"] for status, body in answers if status == 201}
    assert len(created) == 1
    assert all(status in (201, 409) for status, _ in answers)
    assert {body["error"]["code"] for status, body in answers if status == 409} <= {"idempotency_busy"}
    assert Appointment.select().where(Appointment.phone == "0699999999").count() == 1
    log = (tmp_path / "server.log").read_text()
    assert "/api/v1/appointments" in log and "0699999999" not in log and "Booker" not in log
