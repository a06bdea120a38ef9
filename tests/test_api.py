"""The JSON API: idempotency, one error shape in the reader's language, bad input, lookups."""

import json
from datetime import datetime, timedelta

import pytest

from phone_codes import latest_code
from webapp import demo
from webapp.booking.idempotency import fingerprint
from webapp.booking.schemas import Booking
from webapp.clock import ALGIERS, to_utc
from webapp.models import Appointment, IdempotencyKey

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)  # the frozen clock of the app fixture
BODY = {"agency": "16", "service": "death-grant", "task": "claim-death-grant",
        "date": "2026-12-02", "time": "11:00", "full_name": "Nadia Test", "phone": "0551 00 00 01"}


@pytest.fixture
def api(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def post(client, body=BODY, key="key-1", **headers):
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/appointments", json=body, headers=headers)


def test_agencies(api):
    agencies = api.get("/api/v1/agencies").json
    assert len(agencies) == 51 and {"code", "name", "address", "bookable"} <= set(agencies[0])


def test_availability(api):
    data = api.get("/api/v1/agencies/09/availability?task=death-grant/claim-death-grant&date=2026-12-02").json
    assert {s["time"]: s["remaining"] for s in data["slots"]}["10:00"] == 0
    assert data["slots"][0]["start"] == "2026-12-02T08:00:00+01:00"
    assert data["next_days"][0]["date"] == "2026-12-01"
    friday = api.get("/api/v1/agencies/09/availability?task=death-grant/claim-death-grant&date=2026-12-04").json
    assert friday["closed_reason"] == "closed" and friday["slots"] == []


@pytest.mark.parametrize("url, status", [
    ("/api/v1/agencies/99/availability?task=death-grant/claim-death-grant", 404),
    ("/api/v1/agencies/DG/availability?task=death-grant/claim-death-grant", 404),
    ("/api/v1/agencies/16/availability?task=nope/nope", 404),
    ("/api/v1/agencies/16/availability?task=long-term-illnesses/list-of-26-illnesses", 422),
    ("/api/v1/agencies/16/availability?task=death-grant/claim-death-grant&date=2026-13-45", 422),
])
def test_availability_bad_input(api, url, status):
    response = api.get(url)
    assert response.status_code == status and response.json["error"]["message"]


def test_same_key_same_body_replays_and_creates_nothing(api):
    first = post(api)
    again = post(api)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert Appointment.select().where(Appointment.phone == "0551000001").count() == 1


@pytest.mark.parametrize("change", [{"time": "11:15"}, {"phone": "0551000002"}, {"full_name": "Nadia Other"},
                                    {"agency": "09"}, {"fallback": "same_day"}])
def test_same_key_other_body_is_422(api, change):
    post(api)
    other = post(api, {**BODY, **change})
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_mismatch"


def test_missing_key_is_400_and_processing_key_is_409(api):
    assert post(api, key=None).status_code == 400
    request_hash = fingerprint(Booking().load(BODY))
    IdempotencyKey.create(key="busy", request_hash=request_hash, created_at=to_utc(NOW - timedelta(minutes=1)))
    busy = post(api, key="busy")
    assert busy.status_code == 409 and busy.json["error"]["code"] == "idempotency_busy"
    # A first attempt still "processing" after 2 minutes was abandoned: a retry goes ahead.
    IdempotencyKey.create(key="abandoned", request_hash=request_hash,
                          created_at=to_utc(NOW - timedelta(minutes=2, seconds=1)))
    assert post(api, key="abandoned").status_code == 201


def test_a_failed_first_attempt_can_be_retried(api, monkeypatch):
    from webapp.booking import appointments

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(appointments, "book", broken)
    assert post(api, key="retry").status_code == 500
    monkeypatch.undo()
    assert post(api, key="retry").status_code == 201


def test_slot_taken_answer_has_alternatives(api):
    taken = post(api, {**BODY, "agency": "09", "time": "10:00"}, key="k-full")
    assert taken.status_code == 409
    assert taken.json["error"]["code"] == "slot_full" and taken.json["error"]["alternatives"]
    nearby = post(api, {**BODY, "agency": "09", "time": "10:00", "fallback": "same_day"}, key="k-near")
    assert nearby.status_code == 201 and nearby.json["moved_to_nearby_slot"] is True


def test_errors_are_translated(api):
    fr = post(api, {**BODY, "phone": "12"}, key="k-fr", **{"Accept-Language": "fr"})
    ar = post(api, {**BODY, "phone": "12"}, key="k-ar", **{"Accept-Language": "ar"})
    assert fr.status_code == ar.status_code == 422
    assert "numéro de mobile" in fr.json["error"]["fields"]["phone"][0]
    assert "هاتف" in ar.json["error"]["fields"]["phone"][0]


@pytest.mark.parametrize("change, field", [
    ({"full_name": "A\u0000B"}, "full_name"),
    ({"full_name": "x" * 500}, "full_name"),
    ({"full_name": "12345"}, "full_name"),
    ({"phone": "0212345678"}, "phone"),
    ({"phone": "0812345678"}, "phone"),  # mobiles only: 05, 06 and 07
    ({"email": "not-an-email"}, "email"),
    ({"ssn": "12"}, "ssn"),
    ({"date": "yesterday"}, "date"),
    ({"time": "25:00"}, "time"),
])
def test_bad_fields(api, change, field):
    response = post(api, {**BODY, **change}, key=f"k-{field}-{len(str(change))}")
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert Appointment.select().where(Appointment.phone == "0551000001").count() == 0


@pytest.mark.parametrize("change, code, status", [
    ({"agency": "99"}, "unknown_agency", 404),
    ({"service": "long-term-illnesses", "task": "list-of-26-illnesses"}, "not_bookable", 422),
    ({"date": "2026-11-20"}, "past", 422),
    ({"date": "2026-12-04"}, "closed", 422),
    ({"date": "2026-12-24"}, "closure", 422),
])
def test_booking_refusals(api, change, code, status):
    response = post(api, {**BODY, **change}, key=f"k-{code}")
    assert response.status_code == status and response.json["error"]["code"] == code


def test_wrong_content_type_and_huge_body(api):
    text = api.post("/api/v1/appointments", data="agency=16", headers={"Idempotency-Key": "t",
                    "Content-Type": "application/x-www-form-urlencoded"})
    assert text.status_code == 415 and text.json["error"]["code"] == "json"
    huge = api.post("/api/v1/appointments", data=json.dumps({"x": "y" * 200_000}),
                    headers={"Idempotency-Key": "h", "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json["error"]["message"]
    not_object = api.post("/api/v1/appointments", json=[1, 2], headers={"Idempotency-Key": "l"})
    assert not_object.status_code == 400


def test_lookup_cancel_reschedule(api):
    ref = post(api).json["reference"]
    found = api.get(f"/api/v1/appointments/{ref}?phone=0551000001")
    assert found.status_code == 200 and found.json["status"] == "held"
    confirmed = api.post(f"/api/v1/appointments/{ref}/confirm", json={"code": latest_code("0551000001")})
    assert confirmed.status_code == 200 and confirmed.json["status"] == "booked"
    moved = api.post(f"/api/v1/appointments/{ref}/reschedule?phone=0551000001",
                     json={"date": "2026-12-03", "time": "09:00"})
    assert moved.status_code == 200 and moved.json["start"] == "2026-12-03T09:00:00+01:00"
    cancelled = api.delete(f"/api/v1/appointments/{ref}?phone=0551000001")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"


def test_lookup_answers_alike_for_unknown_reference_and_wrong_phone(api):
    ref = post(api).json["reference"]
    wrong_phone = api.get(f"/api/v1/appointments/{ref}?phone=0551000002")
    unknown = api.get("/api/v1/appointments/ABCDEFGH2?phone=0551000001")
    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.json == unknown.json


def test_lookups_are_rate_limited(api):
    statuses = [api.get(f"/api/v1/appointments/ABCDEFGH{i % 10}?phone=0551000001").status_code for i in range(35)]
    assert statuses[:30] == [404] * 30 and set(statuses[30:]) == {429}


def test_lookups_of_one_reference_are_limited_however_written_for_10_minutes(app, api):
    ref = post(api).json["reference"]
    written = [ref, ref.lower(), f"{ref[:4]}-{ref[4:8]}-{ref[8:]}", ref.lower().replace("a", "A"), ref]
    assert [api.get(f"/api/v1/appointments/{w}?phone=0551000002").status_code for w in written] == [404] * 5
    assert api.get(f"/api/v1/appointments/{ref}?phone=0551000001").status_code == 429  # even the right phone
    assert api.get("/api/v1/appointments/ABCDEFGHN?phone=0551000001").status_code == 404  # another reference
    app.config["NOW"] = NOW + timedelta(minutes=9, seconds=59)  # the window began at NOW
    assert api.get(f"/api/v1/appointments/{ref}?phone=0551000001").status_code == 429
    app.config["NOW"] = NOW + timedelta(minutes=10)
    assert api.get(f"/api/v1/appointments/{ref}?phone=0551000001").status_code == 200


def test_no_personal_data_in_stored_idempotent_answers(api):
    post(api)
    stored = IdempotencyKey.get_by_id("key-1").body
    assert "Nadia" not in stored and "0551000001" not in stored


def test_openapi_document(api):
    spec = api.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "Idempotency-Key" in json.dumps(spec["paths"]["/api/v1/appointments"])
    assert "7 days" in spec["info"]["description"]
