"""Lobby tablets: enrolment, check-in, tickets never duplicated, the display, forgetting."""

import re
import threading
from datetime import datetime, timedelta

import peewee as pw
import pytest

from webapp import demo
from webapp.clock import ALGIERS
from webapp.models import Appointment, KioskDevice, Ticket
from webapp.problems import DomainError
from webapp.staffing import lobby

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS)


def csrf(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def tablet(app, db):
    """A client enrolled as agency 16's lobby tablet by its supervisor."""
    app.config["NOW"] = NOW
    demo.load(app.extensions["catalog"])
    client = app.test_client()
    client.post("/fr/staff/login", data={"csrf_token": csrf(client, "/fr/staff/login"),
                                         "username": "demo-supervisor", "password": "Chef-agence-16-demo"})
    enrolled = client.post("/fr/staff/16/kiosks",
                           data={"csrf_token": csrf(client, "/fr/staff/16/kiosks"), "name": "Entrée"})
    assert enrolled.status_code == 303 and enrolled.location == "/kiosk"
    client.enrolment = enrolled
    return client


def test_an_unenrolled_device_cannot_open_kiosk_pages(app, db, client):
    for url in ("/kiosk", "/fr/kiosk/", "/fr/kiosk/checkin", "/fr/kiosk/ticket", "/kiosk/display"):
        response = client.get(url)
        assert response.status_code == 403, url


def test_the_device_cookie_is_strict_secure_and_hidden_from_scripts(tablet):
    cookie = next(c for c in tablet.enrolment.headers.getlist("Set-Cookie") if c.startswith("kiosk_device="))
    flags = {flag.strip().split("=")[0].lower(): flag.strip() for flag in cookie.split(";")[1:]}
    assert {"httponly", "secure", "max-age"} <= set(flags) and flags["samesite"] == "SameSite=Strict"
    assert int(flags["max-age"].split("=")[1]) == 3 * 365 * 86400


def test_enrolment_ends_the_staff_session(tablet):
    assert tablet.get("/fr/staff/16/agenda").status_code == 302
    assert tablet.get("/kiosk").status_code == 200
    assert KioskDevice.get().prefix == "K1"


def test_a_revoked_tablet_is_shut_out(app, tablet):
    staff = app.test_client()
    staff.post("/fr/staff/login", data={"csrf_token": csrf(staff, "/fr/staff/login"),
                                        "username": "demo-supervisor", "password": "Chef-agence-16-demo"})
    device = KioskDevice.get()
    staff.post("/fr/staff/16/kiosks", data={"csrf_token": csrf(staff, "/fr/staff/16/kiosks"), "revoke": device.id})
    assert tablet.get("/fr/kiosk/").status_code == 403


def test_kiosk_pages_are_never_stored(tablet):
    token = csrf(tablet, "/fr/kiosk/checkin")
    checked = tablet.post("/fr/kiosk/checkin", data={"csrf_token": token, "reference": demo.reference("DEM2AAAA")})
    ticket = tablet.post("/fr/kiosk/ticket", data={"csrf_token": token, "service": "death-grant",
                                                   "task": "claim-death-grant"})
    urls = ("/kiosk", "/fr/kiosk/", "/fr/kiosk/checkin", "/fr/kiosk/ticket", "/kiosk/display")
    pages = [tablet.get(url) for url in urls]
    assert {r.headers.get("Cache-Control") for r in [checked, ticket, *pages]} == {"no-store"}


def test_kiosk_layout_on_catalog_pages(tablet):
    soup = tablet.get("/ar/services/work-accident").soup
    assert "kiosk" in soup.body["class"] and soup.select_one("#idle")
    assert soup.body["data-idle-seconds"] == "60"  # KIOSK_IDLE_SECONDS by default


def test_check_in_by_reference(tablet):
    token = csrf(tablet, "/fr/kiosk/checkin")
    done = tablet.post("/fr/kiosk/checkin", data={"csrf_token": token, "reference": demo.reference("DEM2AAAA").lower()})
    assert done.status_code == 200 and "Vous êtes enregistré" in done.get_data(as_text=True)
    assert Appointment.get(Appointment.reference == demo.reference("DEM2AAAA")).status == "arrived"
    unknown = tablet.post("/fr/kiosk/checkin", data={"csrf_token": token, "reference": "ABCD-EFGH-2"})
    assert unknown.status_code == 404
    other_agency = tablet.post("/fr/kiosk/checkin", data={"csrf_token": token, "reference": demo.reference("DEM2CCCC")})
    assert other_agency.status_code == 404


def test_tickets_are_numbered_per_agency_and_day(tablet):
    token = csrf(tablet, "/fr/kiosk/ticket")
    numbers = []
    for _ in range(3):
        page = tablet.post("/fr/kiosk/ticket",
                           data={"csrf_token": token, "service": "death-grant", "task": "claim-death-grant"})
        assert page.status_code == 201
        numbers.append(page.soup.select_one(".ticket-number").get_text())
    assert numbers == ["001", "002", "003"]


def test_concurrent_tickets_never_share_a_number(app, db):
    demo.load(app.extensions["catalog"])
    issued, errors = [], []

    def take():
        try:
            with app.app_context():
                ticket = lobby.take_ticket(app.extensions["catalog"], "16", "death-grant", "claim-death-grant", NOW)
                issued.append(ticket.number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and sorted(issued) == [f"{n:03d}" for n in range(1, 13)]
    assert Ticket.select().count() == 12


def test_the_display_shows_who_is_called(app, tablet):
    ticket = lobby.take_ticket(app.extensions["catalog"], "16", "death-grant", "claim-death-grant", NOW)
    Ticket.update(status="called", desk="4").where(Ticket.id == ticket.id).execute()
    fragment = tablet.get("/kiosk/display", headers={"HX-Request": "true", "HX-Target": "called"})
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "001" in text and ">4<" in text


def test_reset_forgets_the_visitor_but_not_the_device(tablet):
    tablet.get("/fr/book/death-grant/claim-death-grant?agency=31")  # sets the agency cookie
    response = tablet.post("/kiosk/reset")
    assert response.status_code == 204
    cleared = " ".join(response.headers.getlist("Set-Cookie"))
    assert "agency=;" in cleared and "kiosk_device" not in cleared
    assert tablet.get("/kiosk").status_code == 200


def test_offline_check_ins_and_tickets_arrive_once(tablet):
    prefix = KioskDevice.get().prefix
    ticket = {"number": f"{prefix}-001", "service": "death-grant", "task": "claim-death-grant"}
    assert tablet.post("/api/v1/kiosk/tickets", json=ticket).json == {"result": "done"}
    assert tablet.post("/api/v1/kiosk/tickets", json=ticket).json == {"result": "already"}  # a resend
    assert Ticket.select().where(Ticket.number == f"{prefix}-001").count() == 1
    stolen = tablet.post("/api/v1/kiosk/tickets", json={**ticket, "number": "K9-001"})
    assert stolen.status_code == 422
    checked = tablet.post("/api/v1/kiosk/checkins", json={"reference": demo.reference("DEM2BBBB")})
    assert checked.status_code == 200 and checked.json == {"result": "done"}
    assert Appointment.get(Appointment.reference == demo.reference("DEM2BBBB")).status == "arrived"


def test_kiosk_api_needs_an_enrolled_device(app, db, client):
    response = client.post("/api/v1/kiosk/tickets", json={"number": "K1-001"})
    assert response.status_code == 403 and response.json["error"]["code"] == "not_enrolled"


def test_a_tablet_checks_in_at_most_60_visitors_in_10_minutes(app, db):
    demo.load(app.extensions["catalog"])
    for _ in range(60):
        with pytest.raises(DomainError, match="not_found"):
            lobby.check_in("16", "ABCD-EFGH-2", 1, NOW)
    with pytest.raises(DomainError, match="rate_limited"):
        lobby.check_in("16", demo.reference("DEM2AAAA"), 1, NOW)
    lobby.check_in("16", demo.reference("DEM2AAAA"), 2, NOW)  # another tablet
    assert lobby.check_in("16", demo.reference("DEM2BBBB"), 1, NOW + timedelta(minutes=10))[0] == "done"


def test_a_tablet_that_loses_a_number_takes_the_next_try(app, db, monkeypatch):
    """Two tablets read the same last number: the unique index refuses one, which tries again."""
    demo.load(app.extensions["catalog"])
    real, lost = Ticket.create, []

    def create(**fields):
        if len(lost) < 3:
            lost.append(fields["number"])
            raise pw.IntegrityError("UNIQUE constraint failed: ticket.agency, ticket.day, ticket.prefix, ticket.seq")
        return real(**fields)

    monkeypatch.setattr(Ticket, "create", create)
    assert lobby.take_ticket(app.extensions["catalog"], "16", "death-grant", "claim-death-grant", NOW).number == "001"
    assert lost == ["001", "001", "001"]
    lost.clear()

    def always_taken(**fields):
        lost.append(fields["number"])
        raise pw.IntegrityError("always taken")

    monkeypatch.setattr(Ticket, "create", always_taken)
    with pytest.raises(DomainError, match="busy"):  # gives up, rather than loop for ever
        lobby.take_ticket(app.extensions["catalog"], "16", "death-grant", "claim-death-grant", NOW)
    assert len(lost) == lobby.TICKET_TRIES > 1

# The render cache keeps the lobby tablet's layout apart: a tablet never gets a catalog page
# without its idle reset, and a visitor's phone never gets the tablet's (whose reset would wipe
# the phone's checklist ticks and application drafts, then show "not a lobby tablet").
CACHED_PAGES = ["/fr/", "/ar/services/work-accident", "/fr/services/work-accident/declare-work-accident"]


def kiosk_layout(response) -> bool:
    assert response.status_code == 200
    return "kiosk" in (response.soup.body.get("class") or []) and response.soup.select_one("#idle") is not None


@pytest.mark.parametrize("first", ["tablet", "phone"])
def test_tablet_and_phone_each_get_their_own_layout_from_the_cache(app, tablet, first):
    assert app.extensions["render_cache"] is not None
    phone, other_phone = app.test_client(), app.test_client()
    for url in CACHED_PAGES:
        if first == "tablet":
            assert kiosk_layout(tablet.get(url)), url
            assert not kiosk_layout(phone.get(url)), url
        else:
            assert not kiosk_layout(phone.get(url)), url
            assert kiosk_layout(tablet.get(url)), url
        assert kiosk_layout(tablet.get(url)) and not kiosk_layout(other_phone.get(url)), url


def test_a_made_up_device_cookie_does_not_take_the_tablets_pages(app, tablet):
    forger = app.test_client()
    forger.set_cookie("kiosk_device", "made-up")
    assert not kiosk_layout(forger.get("/fr/"))
    assert kiosk_layout(tablet.get("/fr/"))
