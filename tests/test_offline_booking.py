"""The booking form of a phone without network (/<lang>/offline-booking, shown by the worker for the
booking pages), and the appointment a request confirmed on "My requests" opens."""

import pytest

from phone_codes import latest_code
from webapp import demo
from webapp.models import Appointment

BODY = {"agency": "16", "service": "death-grant", "task": "claim-death-grant",
        "date": "2026-12-02", "time": "11:00", "full_name": "Nadia Test", "phone": "0551 00 00 07"}


@pytest.fixture
def site(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_offline_booking_form_is_kept_on_the_phone(site, lang):
    urls = [e["url"] for e in site.get(f"/offline-manifest/{lang}.json").json["entries"]]
    assert f"/{lang}/offline-booking" in urls
    page = site.get(f"/{lang}/offline-booking").soup
    codes = [o["value"] for o in page.select("#ob-agency option") if o["value"]]
    catalog = site.application.extensions["catalog"]
    assert codes == [a["code"] for a in catalog.agencies if a["bookable"]]
    assert all(o.get("data-full") for o in page.select("#ob-agency option[value]") if o["value"])  # shown in full
    assert page.select_one("#ob-review h2").get_text() == {"ar": "راجع وأكد", "fr": "Vérifier et confirmer",
                                                           "en": "Check and confirm"}[lang]


def test_sent_to_us_the_offline_form_leads_to_the_real_booking_page_and_keeps_nothing(site):
    before = Appointment.select().count()  # the demo's
    assert not site.get("/fr/offline-booking").soup.select("input[name=csrf_token]")  # saved on phones
    form = {"service": "death-grant", "task": "claim-death-grant", "agency": "16",
            "full_name": "Sans Script", "phone": "0551000008"}
    answer = site.post("/fr/offline-booking", data=form)
    assert answer.status_code == 303 and answer.location == "/fr/book/death-grant/claim-death-grant?agency=16"
    assert Appointment.select().count() == before
    unknown = site.post("/fr/offline-booking", data={**form, "task": "nope", "agency": "<x>"})
    assert unknown.status_code == 303 and unknown.location == "/fr/"
    bad_agency = site.post("/fr/offline-booking", data={**form, "agency": "<x>"})
    assert bad_agency.location == "/fr/book/death-grant/claim-death-grant"


def test_a_code_confirmed_from_my_requests_opens_the_appointment_in_this_browser(site):
    ref = site.post("/api/v1/appointments", json=BODY, headers={"Idempotency-Key": "ob-1"}).json["reference"]
    assert site.get(f"/fr/appointments/{ref}").location == "/fr/manage"  # not this browser's yet
    code = {"code": latest_code("0551000007")}
    confirmed = site.post(f"/api/v1/appointments/{ref}/confirm", json=code, headers={"Sec-Fetch-Site": "same-origin"})
    assert confirmed.status_code == 200 and confirmed.json["status"] == "booked"
    assert site.get(f"/fr/appointments/{ref}").status_code == 200


def test_a_code_confirmed_from_elsewhere_opens_nothing(site):
    ref = site.post("/api/v1/appointments", json=BODY, headers={"Idempotency-Key": "ob-2"}).json["reference"]
    wrong = site.post(f"/api/v1/appointments/{ref}/confirm", json={"code": "000000"},
                      headers={"Sec-Fetch-Site": "same-origin"})
    assert wrong.status_code >= 400
    assert site.get(f"/fr/appointments/{ref}").location == "/fr/manage"
    other_site = site.post(f"/api/v1/appointments/{ref}/confirm", json={"code": latest_code("0551000007")},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert other_site.status_code == 200
    assert site.get(f"/fr/appointments/{ref}").location == "/fr/manage"
