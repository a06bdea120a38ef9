"""10 cancellations free 10 seats of a full day while 20 people wait for one and 20 others try
to book them directly, all at once on the real server (4 processes): the seats are never
overbooked, all 10 are taken again, and no offer is lost (each waiting person holds at most
one, and every offer made is held and announced)."""

import json
import multiprocessing
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta

import pytest

from test_concurrency import serving
from test_waitlist import DAY, NOW, TASK, fill_day, from_start, wish
from webapp import demo
from webapp.booking import waitlist
from webapp.models import Appointment, Message, WaitlistEntry

WAITING, DIRECT, CANCELLED = 20, 20, 10


@pytest.fixture
def server(app, tmp_path):
    # one address books all: the hold limits would stop it
    with serving(app, tmp_path, HOLDS_PER_ADDRESS="0", HOLDS_PER_PHONE="0", HOLDS_PER_DEVICE="0") as url:
        yield url


def call(url, method, path, body, label, barrier, results):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method=method, headers={
        "Content-Type": "application/json", "Idempotency-Key": f"race-{label}", "Accept-Language": "fr"})
    barrier.wait(timeout=30)
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            results.put((label, response.status))
    except urllib.error.HTTPError as exc:
        results.put((label, exc.code))


def test_offers_and_direct_bookers_racing_for_freed_seats(app, db, use_case, server):
    demo.load(app.extensions["catalog"])
    app.config["HOLDS_PER_ADDRESS"] = 0
    booked = fill_day()
    for n in range(WAITING):
        waitlist.join(app.extensions["catalog"], wish(phone=f"0661{n:06d}"), NOW)
    freed = [a for a in booked if a.seat == 0][:CANCELLED]  # 08:00 to 10:15, one seat each
    jobs = [("DELETE", f"/api/v1/appointments/{a.reference}?phone={a.phone}", None, f"cancel-{n}")
            for n, a in enumerate(freed)]
    for n in range(DIRECT):
        time_ = from_start(freed[n % CANCELLED])[0]
        body = {"agency": "09", "service": TASK[0], "task": TASK[1], "date": DAY.isoformat(), "time": time_,
                "full_name": "Direct Booker", "phone": f"0552{n:06d}"}
        jobs.append(("POST", "/api/v1/appointments", body, f"direct-{n}"))
    db.close()

    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(len(jobs)), ctx.Queue()
    processes = [ctx.Process(target=call, args=(server, *job, barrier, results)) for job in jobs]
    for process in processes:
        process.start()
    answers = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert all(answers[f"cancel-{n}"] == 200 for n in range(CANCELLED)), sorted(answers.items())
    direct = sum(1 for n in range(DIRECT) if answers[f"direct-{n}"] == 201)
    assert all(answers[f"direct-{n}"] in (201, 409) for n in range(DIRECT)), answers

    waitlist.match(NOW + timedelta(seconds=30))  # the worker's next pass
    taken = Counter(a.starts_at for a in Appointment.select().where(
        (Appointment.agency == "09") & Appointment.seat.is_null(False)
        & (Appointment.starts_at.between(freed[0].starts_at, booked[-1].starts_at))))
    assert max(taken.values()) <= 2, "overbooked"
    assert sum(taken.values()) == len(booked), "a freed seat was left empty while people waited"
    offers = list(Appointment.select().where(Appointment.waitlist_entry.is_null(False)
                                             & Appointment.seat.is_null(False)))
    assert all(o.status == "held" for o in offers) and direct + len(offers) == CANCELLED
    per_entry = Counter(o.waitlist_entry for o in offers)
    assert not per_entry or max(per_entry.values()) == 1, "someone holds two offers"
    entries = Counter(e.status for e in WaitlistEntry.select())
    assert entries == Counter({"offered": len(offers), "waiting": WAITING - len(offers)}), entries
    assert Message.select().where(Message.kind == "offer").count() == len(offers)  # each one announced
    first_in_line = [e.id for e in WaitlistEntry.select().order_by(WaitlistEntry.created_at, WaitlistEntry.id)]
    assert set(per_entry) == set(first_in_line[:len(offers)]), "offers skipped someone ahead in line"
