"""Each door queues the same messages: the booking pages, the API, the staff's actions and
settings; the demo inbox shows them (in demo mode only); an SMS's link opens the lookup."""

from datetime import date, datetime

import pytest

from phone_codes import latest_code, type_code
from test_booking_pages import book
from webapp import create_app, demo
from webapp.clock import ALGIERS
from webapp.models import Appointment, Message
from webapp.staffing import desk, settings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)
API_BODY = {"agency": "16", "service": "death-grant", "task": "claim-death-grant",
            "date": "2026-12-02", "time": "11:00", "full_name": "Nadia Test", "phone": "0551 00 00 01"}


@pytest.fixture
def pages(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def inbox(client, to):
    response = client.get("/api/v1/demo/messages", query_string={"to": to})
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("no-store")
    return response.json


def test_a_booking_page_confirms_by_sms_in_the_language_of_the_page(pages):
    response, _ = book(pages, person={"full_name": "Amina Test", "phone": "0550 12 34 56",
                                      "email": "amina@example.dz"})
    reference = response.headers["Location"].rsplit("/", 1)[1]
    code, = inbox(pages, "+213 550 12 34 56")  # first the code that confirms the phone, by SMS only
    assert (code["kind"], code["language"], code["channel"]) == ("code", "fr", "sms")
    assert latest_code("0550123456") in code["body"] and "09:30" in code["body"]  # held 30 minutes
    type_code(pages, response.headers["Location"])
    sms, _code = [m for m in inbox(pages, "+213 550 12 34 56") if m["channel"] == "sms"]
    assert (sms["kind"], sms["language"], sms["status"], sms["to"]) == ("confirmed", "fr", "queued", "0550123456")
    assert reference in sms["body"] and "02/12" in sms["body"] and "pour un autre" in sms["body"]
    mail, = inbox(pages, "amina@example.dz")
    assert mail["subject"] == "Votre rendez-vous CNAS est confirmé"
    page = pages.get("/demo/inbox?to=0550123456", headers={"Accept-Language": "fr"})
    assert reference in page.get_data(as_text=True)
    assert page.soup.find("h1").text == "Boîte de réception de démonstration"


def test_the_api_confirms_moves_and_cancels_in_the_callers_language(pages):
    booked = pages.post("/api/v1/appointments", json=API_BODY,
                        headers={"Idempotency-Key": "k-1", "Accept-Language": "ar"}).json
    pages.post(f"/api/v1/appointments/{booked['reference']}/confirm", json={"code": latest_code("0551000001")})
    pages.post(f"/api/v1/appointments/{booked['reference']}/reschedule?phone=0551000001",
               json={"date": "2026-12-03", "time": "10:00"})
    pages.delete(f"/api/v1/appointments/{booked['reference']}?phone=0551000001")
    messages = inbox(pages, "0551000001")
    assert [m["kind"] for m in messages] == ["cancelled", "moved", "confirmed", "code"]  # newest first
    assert {m["language"] for m in messages} == {"ar"}
    assert "03/12" in messages[1]["body"] and "10:00" in messages[1]["body"] and "الساعة" in messages[1]["body"]


def test_a_retried_api_booking_confirms_once(pages):
    for _ in range(3):
        pages.post("/api/v1/appointments", json=API_BODY, headers={"Idempotency-Key": "same", "Accept-Language": "fr"})
    assert [m["kind"] for m in inbox(pages, "0551000001")] == ["code"]


def test_a_person_stops_reminders_from_the_appointment_page(pages):
    response, _ = book(pages)
    url = response.headers["Location"]
    type_code(pages, url)
    page = pages.get(url)
    form = page.soup.find("form", action=lambda a: a and a.endswith("/reminders/stop"))
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    assert pages.post(form["action"], data={"csrf_token": token}).status_code == 303
    appointment = Appointment.get(Appointment.phone == "0550123456")
    assert appointment.reminders is False
    assert "Les rappels sont arrêtés" in pages.get(url).get_data(as_text=True)


def test_the_link_of_an_sms_opens_the_lookup_with_the_reference(pages):
    response = pages.get("/m/ABCDEFGHK", headers={"Accept-Language": "ar"})
    assert response.status_code == 302 and response.headers["Location"] == "/ar/manage?reference=ABCDEFGHK"
    page = pages.get("/ar/manage?reference=ABCD-efgh-k")
    assert page.soup.find("input", attrs={"name": "reference"})["value"] == "ABCDEFGHK"
    assert page.soup.find("input", attrs={"name": "phone"})["value"] == ""  # the phone is still asked


def test_staff_cancellations_and_agency_changes_tell_the_people_concerned(app, db, use_case):
    demo.load(app.extensions["catalog"])
    visit = Appointment.get(Appointment.reference == demo.reference("DEM2AAAA"))
    assert desk.act("16", visit.id, "cancel", "demo-agent", NOW, reason="agency") == "done"
    assert desk.act("16", visit.id, "cancel", "demo-agent", NOW, reason="agency") == "already"
    settings.close("09", {"first_day": date(2026, 12, 2), "last_day": date(2026, 12, 2), "reason": "Travaux"},
                   True, "chef", NOW)
    kinds = {(m.recipient, m.kind) for m in Message.select()}
    assert kinds == {("0550000001", "cancelled"), ("0770000003", "affected"), ("0550000004", "affected")}


def test_the_demo_inbox_exists_only_in_demo_mode(app, tmp_path):
    production = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "NOW")},
                             "TESTING": True, "DEMO": False, "INSTANCE_DIR": str(tmp_path)})
    client = production.test_client()
    assert client.get("/api/v1/demo/messages?to=0550123456").status_code == 404
    assert client.get("/demo/inbox").status_code == 404
