"""Confirmed phones and limits against bots (issue 14): holds, SMS codes, expiry, squatting,
limits per address, phone and device, and what the API and the staff see."""

import logging
from datetime import datetime, timedelta

import pytest

from phone_codes import latest_code
from webapp import demo
from webapp.booking import appointments, availability, phones
from webapp.booking.appointments import Request
from webapp.clock import ALGIERS, to_utc
from webapp.models import Appointment, Message, PhoneCode
from webapp.problems import DomainError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)
TASK = ("death-grant", "claim-death-grant")
BODY = {"agency": "09", "service": TASK[0], "task": TASK[1], "date": "2026-12-09", "time": "09:00",
        "full_name": "Nadia Test", "phone": "0551000001"}


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ALGIERS)


def held(start, phone="0550123456", task=TASK, agency="09", address="10.0.0.1", minutes=30):
    return Request(agency=agency, service_id=task[0], task_id=task[1], start=start, full_name="Test Person",
                   phone=phone, lang="fr", hold=timedelta(minutes=minutes), address=address)


@pytest.fixture
def catalog(app, db, use_case):
    demo.load(app.extensions["catalog"])
    return app.extensions["catalog"]


@pytest.fixture
def api(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def free_at(start, now=NOW) -> int:
    rules = availability.load_rules("09")
    return next(s.remaining for s in availability.day_slots(rules, start.date(), now) if s.start == start)


def codes_to(phone):
    return list(Message.select().where((Message.kind == "code") & (Message.recipient == phone)).order_by(Message.id))


# --- holds and codes ---------------------------------------------------------------------


def test_a_hold_takes_a_seat_until_its_code_confirms_it(catalog):
    start = at("2026-12-09", "09:00")
    before = free_at(start)
    hold, _ = appointments.book(catalog, held(start), NOW)
    assert hold.status == "held" and to_utc(NOW + timedelta(minutes=30)) == hold.hold_until
    assert free_at(start) == before - 1  # held seats count against capacity
    assert [m.kind for m in Message.select()] == ["code"]  # no confirmation before the code
    confirmed = appointments.confirm(hold.reference, latest_code("0550123456"), NOW + timedelta(minutes=5))
    assert confirmed.status == "booked" and Appointment.get_by_id(hold.id).hold_until is None
    assert [m.kind for m in Message.select().order_by(Message.id)] == ["code", "confirmed"]
    code = latest_code("0550123456")
    again = appointments.confirm(hold.reference, code, NOW + timedelta(minutes=6))
    assert again.status == "booked"  # a retried confirmation (its answer lost) is not an error
    with pytest.raises(DomainError) as other:  # but another code learns nothing
        appointments.confirm(hold.reference, "999999" if code != "999999" else "111111", NOW)
    assert other.value.code == "not_held" and not other.value.details


def test_a_hold_nobody_confirms_frees_its_seat_for_the_next_person(catalog):
    start = at("2026-12-09", "09:00")
    rules = availability.load_rules("09")
    for n in range(rules.desks):  # the slot is full of holds
        appointments.book(catalog, held(start, phone=f"05580000{n:02d}"), NOW)
    assert free_at(start) == 0
    later = NOW + timedelta(minutes=31)
    assert free_at(start, later) == rules.desks  # free again though no job released them yet
    taken, _ = appointments.book(catalog, held(start, phone="0668000001"), later)
    assert taken.status == "held"
    first = Appointment.get(Appointment.phone == "0558000000")
    assert first.status == "expired" and first.seat is None
    with pytest.raises(DomainError) as late:
        appointments.confirm(first.reference, latest_code("0558000000"), later)
    assert late.value.code == "hold_expired" and late.value.status == 410
    assert Appointment.select().where(Appointment.status == "expired").count() == rules.desks
    other, _ = appointments.book(catalog, held(at("2026-12-09", "11:00"), phone="0668000002"), NOW)
    assert phones.release_expired(later) == 1 and Appointment.get_by_id(other.id).status == "expired"


def test_five_wrong_tries_kill_a_code_and_a_new_code_replaces_the_old(catalog):
    hold, _ = appointments.book(catalog, held(at("2026-12-09", "09:00")), NOW)
    right = latest_code("0550123456")
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as exc:
            appointments.confirm(hold.reference, wrong, NOW)
        assert (exc.value.code, exc.value.details["tries_left"]) == ("code_wrong", left)
    with pytest.raises(DomainError) as fifth:
        appointments.confirm(hold.reference, wrong, NOW)
    assert fifth.value.code == "code_tries"
    with pytest.raises(DomainError) as dead:
        appointments.confirm(hold.reference, right, NOW)  # even the right code: it is dead
    assert dead.value.code == "code_tries" and Appointment.get_by_id(hold.id).status == "held"
    phones.resend(hold.reference, NOW)
    fresh = latest_code("0550123456")
    if fresh != right:
        with pytest.raises(DomainError):
            appointments.confirm(hold.reference, right, NOW)  # the old code died with the new one
    assert appointments.confirm(hold.reference, fresh, NOW).status == "booked"


def test_new_codes_are_limited_per_phone(catalog):
    hold, _ = appointments.book(catalog, held(at("2026-12-09", "09:00")), NOW)
    for _ in range(3):
        phones.resend(hold.reference, NOW)
    with pytest.raises(DomainError) as exc:
        phones.resend(hold.reference, NOW)
    assert exc.value.code == "rate_limited" and 0 < exc.value.details["retry_after"] <= 3600
    assert len(codes_to("0550123456")) == 4  # the first and three more


def test_codes_are_kept_hashed_and_never_logged(catalog, caplog):
    caplog.set_level(logging.DEBUG)
    hold, _ = appointments.book(catalog, held(at("2026-12-09", "09:00")), NOW)
    code = latest_code("0550123456")
    appointments.confirm(hold.reference, code, NOW)
    row, = PhoneCode.select()
    assert code not in row.digest and len(row.digest) == 64
    assert not [r for r in caplog.records if code in r.getMessage()]


def test_a_stranger_cannot_squat_a_phone(catalog):
    """Someone books twice with another person's number: before, that person got `limit` and
    could not cancel. Now the stranger's bookings are holds, which neither count against the
    number's limit nor can be confirmed without the code sent to it."""
    victim = "0770123456"
    appointments.book(catalog, held(at("2026-12-09", "09:00"), phone=victim, address="10.6.6.6"), NOW)
    appointments.book(catalog, held(at("2026-12-10", "09:00"), phone=victim, address="10.6.6.6",
                                    task=("work-accident", "declare-work-accident")), NOW)
    own, _ = appointments.book(catalog, held(at("2026-12-14", "10:00"), phone=victim, address="10.1.1.1",
                                             task=("work-accident", "declare-work-accident")), NOW)
    assert appointments.confirm(own.reference, latest_code(victim), NOW).status == "booked"
    squatter = Appointment.get((Appointment.phone == victim) & (Appointment.status != "booked")
                               & (Appointment.task_id == "claim-death-grant"))
    assert squatter.status == "held"  # and it lapses in 30 minutes unless the owner confirms it


def test_booking_again_replaces_ones_own_unconfirmed_hold(catalog):
    first, _ = appointments.book(catalog, held(at("2026-12-09", "09:00")), NOW)
    second, _ = appointments.book(catalog, held(at("2026-12-09", "10:00")), NOW)
    assert Appointment.get_by_id(first.id).status == "expired" and Appointment.get_by_id(first.id).seat is None
    assert Appointment.get_by_id(second.id).status == "held"


def test_confirming_checks_the_phones_limits_again(catalog):
    phone = "0550999999"
    for day, task in (("2026-12-09", TASK), ("2026-12-10", ("work-accident", "declare-work-accident"))):
        hold, _ = appointments.book(catalog, held(at(day, "09:00"), phone=phone, task=task), NOW)
        appointments.confirm(hold.reference, latest_code(phone), NOW)
    with pytest.raises(DomainError) as exc:  # two confirmed visits already: no third hold
        appointments.book(catalog, held(at("2026-12-14", "09:00"), phone=phone,
                                        task=("maternity", "claim-maternity-allowances")), NOW)
    assert exc.value.code == "limit"


def test_a_request_queued_offline_is_held_longer_but_never_past_its_start(catalog):
    late = held(at("2026-12-09", "09:00"), minutes=360)
    assert appointments.book(catalog, late, NOW)[0].hold_until == to_utc(NOW + timedelta(hours=6))
    soon = held(at("2026-12-01", "13:00"), phone="0550000777", minutes=360)
    assert appointments.book(catalog, soon, NOW)[0].hold_until == to_utc(at("2026-12-01", "13:00"))


# --- limits against scripts -------------------------------------------------------------


def test_one_address_cannot_wipe_out_a_calendar(app, api):
    """The attack of the issue: one address books every seat of agency 09 on 9 December."""
    answers = []
    for n in range(64):
        body = {**BODY, "phone": f"0559{n:06d}", "time": f"{9 + n // 16:02d}:{(n % 4) * 15:02d}"}
        answers.append(api.post("/api/v1/appointments", json=body, headers={"Idempotency-Key": f"wipe-{n}"},
                                environ_base={"REMOTE_ADDR": "10.66.6.6"}))
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == app.config["HOLDS_PER_ADDRESS"] == 5, statuses
    refused = answers[-1]
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600 and refused.json["error"]["retry_after"] > 0
    assert Appointment.select().where(Appointment.phone.startswith("0559")).count() == 5  # nothing else written
    other = api.post("/api/v1/appointments", json={**BODY, "phone": "0661000001", "time": "14:00"},
                     headers={"Idempotency-Key": "family"}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201 and other.json["status"] == "held"  # a person elsewhere still books


def test_one_phone_and_one_device_are_limited_too(app, api):
    def post(n, phone, device, address):
        return api.post("/api/v1/appointments", json={**BODY, "phone": phone, "time": f"1{n}:00"},
                        headers={"Idempotency-Key": f"k-{phone}-{device}-{n}", "Device-Id": device},
                        environ_base={"REMOTE_ADDR": address})

    # one phone from four addresses: each new hold replaces the last, and the fourth is refused
    assert [post(n, "0552000000", f"d{n}", f"10.9.0.{n}").status_code for n in range(4)] == [201, 201, 201, 429]
    app.config["HOLDS_PER_ADDRESS"] = 0
    # one device, other phones, many addresses: five an hour
    statuses = [post(n, f"055300000{n}", "device-x", f"10.8.0.{n}").status_code for n in range(6)]
    assert statuses == [201] * 5 + [429]


def test_the_booking_page_answers_a_limit_with_a_translated_429(app, client):
    from test_booking_pages import book

    demo.load(app.extensions["catalog"])
    app.config["HOLDS_PER_ADDRESS"] = 1
    assert book(client)[0].status_code == 303
    refused, _ = book(client, time="11:30", person={"full_name": "Amina Test", "phone": "0550 12 34 57"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in refused.soup.select_one("#problem").get_text()


def test_holds_off_confirms_at_once_for_a_deployment_without_sms(app, api):
    app.config["HOLD_MINUTES"] = 0
    answer = api.post("/api/v1/appointments", json=BODY, headers={"Idempotency-Key": "no-sms"})
    assert answer.status_code == 201 and answer.json["status"] == "booked" and "confirm_url" not in answer.json


# --- the API and the staff --------------------------------------------------------------


def test_the_api_holds_then_confirms_with_the_code(api):
    answer = api.post("/api/v1/appointments", json={**BODY, "queued": True}, headers={"Idempotency-Key": "q"})
    assert answer.status_code == 201 and answer.json["status"] == "held"
    assert answer.json["hold_until"] == "2026-12-01T15:00:00+01:00"  # queued offline: six hours
    url = answer.json["confirm_url"]
    wrong = api.post(url, json={"code": "12"}, headers={"Accept-Language": "ar"})
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "code_wrong"
    assert wrong.json["error"]["tries_left"] == 4 and "الرمز" in wrong.json["error"]["message"]
    ok = api.post(url, json={"code": latest_code("0551000001")})
    assert ok.status_code == 200 and ok.json["status"] == "booked" and ok.json["hold_until"] is None
    assert api.post(url, json={"code": latest_code("0551000001")}).json["status"] == "booked"  # a retry
    guessed = api.post(url, json={"code": "x"})
    assert guessed.status_code == 409 and set(guessed.json["error"]) == {"code", "message", "alternatives"}
    assert api.post(url, json={}).status_code == 422
    assert api.post("/api/v1/appointments/ABCDEFGHK/confirm", json={"code": "123456"}).status_code == 404
    new_code = api.post(f"/api/v1/appointments/{answer.json['reference']}/code")
    assert new_code.status_code == 409 and new_code.json["error"]["code"] == "not_held"


def test_staff_see_holds_to_confirm_and_can_check_them_in(app, client, db):
    from test_staff import sign_in

    demo.load(app.extensions["catalog"])
    with app.app_context():
        hold, _ = appointments.book(app.extensions["catalog"], held(at("2026-12-01", "11:00"), agency="16",
                                                                    minutes=120), NOW)
        appointments.book(app.extensions["catalog"], held(at("2026-12-01", "11:15"), agency="16",
                                                           phone="0550000002"), NOW)
        phones.release_expired(NOW + timedelta(hours=1))  # the second lapsed: not a visit
    sign_in(client, "demo-agent", "Guichet-16-demo")
    response = client.get("/fr/staff/16/agenda?date=2026-12-01")
    assert response.status_code == 200, response.location
    page = response.soup
    row = page.find(string=lambda s: s and hold.reference[:4] in s).find_parent("tr")
    assert "À confirmer" in row.get_text() and row.find("button", string="Arrivé")
    assert not page.find(string=lambda s: s and "Non confirmé" in s)


def test_the_worker_frees_lapsed_holds_and_drops_their_codes(app, catalog):
    from webapp.notify import providers, worker

    hold, _ = appointments.book(catalog, held(at("2026-12-09", "09:00")), NOW)
    app.config["NOW"] = (NOW + timedelta(minutes=31)).replace(tzinfo=None)
    counts = worker.run_once(app, {"sms": providers.DemoInbox()})
    assert counts["released"] == 1 and Appointment.get_by_id(hold.id).status == "expired"
    assert counts["dropped"] == 1  # the code of a hold that lapsed before it went out is not sent
