"""A server killed in the middle of a booking never leaves a person booked but unanswered.

The Idempotency-Key, the booking and its stored answer are written in one transaction, so
the window of the first release (booking saved, answer not yet stored: the retry got
`409 busy`, then `409 same_task`, and never the reference) no longer exists. Each test kills
a real process (os._exit, as kill -9 would) at one point of a booking, then retries with
the same key from another process, on the suite's database (SQLite or PostgreSQL)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import demo
from webapp.models import Appointment, IdempotencyKey

ROOT = Path(__file__).resolve().parent.parent
BODY = {"agency": "16", "service": "death-grant", "task": "claim-death-grant", "date": "2026-12-02",
        "time": "11:00", "full_name": "Nadia Crash", "phone": "0551000099"}
SCRIPT = """
import json, os, sys
from datetime import datetime
from webapp import create_app
import webapp.booking.appointments as appointments
import webapp.booking.idempotency as idempotency

url, instance, window = sys.argv[1:4]
app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_DIR": instance, "SECRET_KEY": "test-secret",
                  "NOW": datetime.fromisoformat("2026-12-01T09:00")})
module, name = (idempotency, "store") if window == "answer-stored" else (appointments, "place")
original = getattr(module, name)

def die_after(*args, **kwargs):
    original(*args, **kwargs)
    os._exit(9)  # like kill -9: no rollback, no answer, no clean-up

setattr(module, name, die_after)
app.test_client().post("/api/v1/appointments", json=json.loads(sys.argv[4]), headers={"Idempotency-Key": "crash"})
sys.exit("the process should have died")
"""


@pytest.fixture
def api(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def crash(app, tmp_path, window: str) -> None:
    args = [app.config["DATABASE_URL"], str(tmp_path), window, json.dumps(BODY)]
    died = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert died.returncode == 9, died.stderr[-2000:]


def mine():
    return list(Appointment.select().where(Appointment.phone == BODY["phone"]))


def retry(api):
    return api.post("/api/v1/appointments", json=BODY, headers={"Idempotency-Key": "crash"})


def test_killed_before_commit_the_retry_books_once(app, api, tmp_path):
    crash(app, tmp_path, "answer-stored")
    assert mine() == [] and IdempotencyKey.select().count() == 0  # all rolled back
    answer = retry(api)
    assert answer.status_code == 201, answer.json
    assert [a.reference for a in mine()] == [answer.json["reference"]]


def test_killed_after_commit_the_retry_gets_the_original_reference(app, api, tmp_path):
    crash(app, tmp_path, "committed")
    booked, = mine()  # the booking was saved, its answer never reached the phone
    answer = retry(api)
    assert answer.status_code == 201, answer.json
    assert answer.json["reference"] == booked.reference and len(mine()) == 1
