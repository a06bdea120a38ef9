"""Real worker processes against the local SMS centre (tools/smpp_server.py, real SMPP over
127.0.0.1): one killed with SIGKILL while it sends loses nothing and sends nothing twice; two
at once send each message once. On SQLite, and on PostgreSQL with TEST_DATABASE_URL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.smpp_server import SmppServer
from webapp.clock import ALGIERS
from webapp.models import Message
from webapp.notify import outbox

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-12-01T09:00"


def queue_codes(count: int, first: int) -> list[str]:
    from datetime import datetime

    phones = [f"066{first + n:07d}" for n in range(count)]
    now = datetime.fromisoformat(NOW).replace(tzinfo=ALGIERS)
    for phone in phones:
        outbox.code(phone, "123456", "fr", now, until=now)
    return phones


def worker(app, tmp_path, smsc, *args) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SMS_URL": f"smpp://cnas:pw@127.0.0.1:{smsc.port}",
           "WEBAPP_NOW": NOW, "OUTBOX_LEASE_SECONDS": "1", "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "test",
           "WEBAPP_DEMO": "0"}
    return subprocess.Popen([sys.executable, "-m", "webapp", "worker", "--interval", "0.2", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> None:
    errors = process.communicate(timeout=120)[1]
    assert process.returncode == 0, errors


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def smsc():
    server = SmppServer(receipt_delay=0.01).start()
    yield server
    server.stop()


def test_a_worker_killed_while_sending_loses_nothing_and_sends_nothing_twice(app, db, use_case, smsc, tmp_path):
    phones = queue_codes(8, first=1)
    smsc.hold_seconds = 1.0  # the SMS centre takes its time to answer the first submit...
    process = worker(app, tmp_path, smsc)
    wait_for(lambda: smsc.submits >= 1)
    process.send_signal(signal.SIGKILL)  # ... and the worker dies waiting for the answer
    process.communicate(timeout=10)
    assert {m.status for m in Message.select()} == {"sending"}  # claimed, leased, not settled
    smsc.hold_seconds = 0
    time.sleep(1.2)  # the dead worker's lease (OUTBOX_LEASE_SECONDS=1) runs out
    finish(worker(app, tmp_path, smsc, "--once"))
    wait_for(lambda: len(smsc.snapshot()) == 8)
    assert sorted(m["destination"] for m in smsc.snapshot()) == sorted(f"213{p[1:]}" for p in phones)
    assert smsc.duplicates <= 1  # the message in flight when the worker died came twice, kept once
    assert {m.status for m in Message.select()} <= {"sent", "delivered"}
    assert Message.select().where(Message.provider_id.is_null()).count() == 0


def test_two_workers_send_each_message_once(app, db, use_case, smsc, tmp_path):
    phones = queue_codes(60, first=100)
    workers = [worker(app, tmp_path, smsc, "--once") for _ in range(2)]
    for process in workers:
        finish(process)
    received = [m["destination"] for m in smsc.snapshot()]
    assert sorted(received) == sorted(f"213{p[1:]}" for p in phones)
    assert smsc.duplicates == 0 and smsc.submits == 60
    assert Message.select().where(Message.status.in_(("sent", "delivered"))).count() == 60
