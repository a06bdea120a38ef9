"""Headers every answer carries: no-store on whatever is personal (a walk over the URL map),
HSTS when cookies are HTTPS-only, and language links built from the route alone."""

import re
import uuid
from datetime import datetime

import pytest
from flask.testing import FlaskClient

from webapp import demo
from webapp.clock import ALGIERS
from webapp.models import Appointment, Closure, KioskDevice, Message, Ticket

NOW = datetime(2026, 12, 2, 7, 30, tzinfo=ALGIERS)
DEMO_REF, DEMO_PHONE = demo.reference("DEM2AAAA"), "0550000001"
BOOK = ("death-grant", "claim-death-grant")
SIGN_IN = {"username": "demo-admin", "password": "Siege-CNAS-demo"}
# What is personal, read from the URL alone (independently of how the app decides): staff,
# kiosk and demo-inbox pages, anything about one appointment, waiting-list entry, offer or
# place in the lobby queue, the lookup form, the outbox page, and every answer to a method
# that changes something.
PERSONAL = re.compile(r"^/(<lang:lang>/)?(staff|kiosk|appointments|manage|outbox|m/|o/|q/|demo|waitlist|offers)"
                      r"|^/api/v1/(appointments|kiosk|demo|waitlist)")
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def walk(app, db):
    """Demo data, a closure, a ticket, a failed message, an enrolled tablet, and the cookies of
    an administrator (with that tablet) who has looked up a demo appointment."""
    app.config.update(NOW=NOW, WTF_CSRF_ENABLED=False)
    demo.load(app.extensions["catalog"])
    client = FlaskClient(app, app.response_class, use_cookies=True)
    assert client.post("/fr/staff/login", data=SIGN_IN).status_code == 303
    assert client.post("/fr/staff/16/kiosks", data={"name": "Walk"}).status_code == 303
    assert client.post("/fr/kiosk/ticket", data={"service": BOOK[0], "task": BOOK[1]}).status_code == 201
    assert client.post("/fr/staff/login", data=SIGN_IN).status_code == 303
    assert client.post("/fr/manage", data={"reference": DEMO_REF, "phone": DEMO_PHONE}).status_code == 303
    written = datetime(2026, 12, 2)
    values = {
        "lang": "fr", "reference": DEMO_REF, "agency": "16", "code": "16", "service_id": BOOK[0],
        "task_id": BOOK[1], "action": "arrive", "filename": "css/site.css",
        "kind": "identity", "question_id": "work-status", "file_id": 1, "upload_id": "0" * 32,  # online applications
        "estimator_id": "death-grant",  # the estimator of BOOK's task
        "appointment_id": Appointment.get(Appointment.reference == DEMO_REF).id,
        "ticket_id": Ticket.get().id, "token": Ticket.get().token,
        "closure_id": Closure.create(agency="16", first_day="2027-02-01", last_day="2027-02-01", reason="Walk").id,
        "message_id": Message.create(uid="walk", kind="code", channel="sms", recipient=DEMO_PHONE, lang="fr",
                                     body="1234", status="failed", error="walk", due_at=written,
                                     created_at=written).id,
    }
    cookies = "; ".join(f"{n}={client.get_cookie(n).value}" for n in ("session", "kiosk_device"))
    assert KioskDevice.select().count() == 1
    return app, values, cookies


def requests(app, values):
    """(rule, method, url, keywords) for every route of the URL map; signing out comes last."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "staff.logout", r.rule))
    for rule in rules:
        url = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            keywords = {}
            if rule.rule.startswith("/api/") and method != "GET":
                keywords = {"json": {"phone": DEMO_PHONE, "reference": DEMO_REF},
                            "headers": {"Idempotency-Key": str(uuid.uuid4())}}
            elif method != "GET":
                keywords = {"data": {"phone": DEMO_PHONE, "reference": DEMO_REF}}
            yield rule.rule, method, url + ("?phone=" + DEMO_PHONE if rule.rule.startswith("/api/") else ""), keywords


def test_every_personal_answer_is_no_store(walk):
    app, values, cookies = walk
    client = FlaskClient(app, app.response_class, use_cookies=False)
    wrong, seen, personal_pages = [], set(), 0
    for rule, method, url, keywords in requests(app, values):
        for who, cookie in (("anonymous", None), ("signed-in", cookies)):
            headers = {**keywords.get("headers", {}), **({"Cookie": cookie} if cookie else {})}
            response = client.open(url, method=method, headers=headers,
                                   **{k: v for k, v in keywords.items() if k != "headers"})
            response.close()
            seen.add(rule)
            stored = response.headers.get("Cache-Control", "")
            if PERSONAL.match(rule) or method != "GET":
                personal_pages += response.status_code == 200
                if not stored.startswith("no-store"):
                    wrong.append(f"{who} {method} {rule} {response.status_code}: {stored!r}")
            elif rule.startswith("/<lang:lang>/services") or rule in ("/<lang:lang>/", "/<lang:lang>/agencies"):
                assert "no-store" not in stored, rule  # catalog pages stay cacheable (offline copies)
    assert not wrong, "personal answers a browser or proxy may keep:\n" + "\n".join(wrong)
    assert len(seen) >= 50 and personal_pages >= 20  # the walk reached the pages, not only redirects


@pytest.mark.parametrize("url, method, data", [
    ("/fr/manage", "POST", {"reference": "ABCDEFGH2", "phone": "0550000009"}),  # 404: no such appointment
    (f"/fr/appointments/{DEMO_REF}", "GET", None),  # not this browser's: sent to the lookup form
    ("/fr/manage?reference=ABCD-EFGH-2", "GET", None),
    ("/api/v1/appointments/ABCDEFGH2?phone=0550000009", "GET", None),  # 404
    (f"/api/v1/appointments/{DEMO_REF}?phone={DEMO_PHONE}", "GET", None),
    ("/fr/outbox", "GET", None),
    ("/fr/staff/login", "GET", None),
    ("/fr/kiosk/", "GET", None),
    ("/api/v1/kiosk/tickets", "POST", None),
])
def test_personal_answers_and_their_errors_are_no_store(app, db, client, url, method, data):
    app.config.update(NOW=NOW, WTF_CSRF_ENABLED=False)
    demo.load(app.extensions["catalog"])
    response = client.open(url, method=method, data=data)
    assert response.headers["Cache-Control"] == "no-store", response.status_code


def test_a_review_page_with_personal_details_is_no_store(app, db, client):
    app.config.update(NOW=NOW, WTF_CSRF_ENABLED=False)
    demo.load(app.extensions["catalog"])
    form = {"agency": "16", "date": "2026-12-03", "time": "10:00", "full_name": "Nadia Test", "phone": "0551000001",
            "ssn": "123456789012"}
    page = client.post(f"/fr/book/{BOOK[0]}/{BOOK[1]}/review", data=form)
    assert page.status_code == 200 and "123456789012" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("secure", [True, False])
def test_hsts_when_cookies_are_https_only(app, client, secure):
    app.config["SESSION_COOKIE_SECURE"] = secure
    for url in ("/fr/", "/api/v1/agencies", "/fr/nowhere", "/sw.js", "/fr/staff/login"):
        response = client.get(url)
        assert response.headers.get("Strict-Transport-Security") == (HSTS if secure else None), url


def language_links(client, url, **kwargs):
    soup = client.get(url, **kwargs).soup
    return {a["hreflang"]: a["href"] for a in soup.select("nav.langs a")}


def test_language_links_come_from_the_route_not_the_host_or_the_query(app, client):
    links = language_links(client, "/fr/search?q=accident&next=//evil.example&utm_source=x&_external=1",
                           headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert links == {"ar": "/ar/search?q=accident", "fr": "/fr/search?q=accident", "en": "/en/search?q=accident"}
    service = app.extensions["catalog"].services[0]["id"]
    links = language_links(client, f"/fr/services/{service}?service_id=other&lang=xx&evil=1")
    assert links["ar"] == f"/ar/services/{service}"


def test_language_links_keep_the_booking_choices(app, client):
    app.config["NOW"] = NOW
    links = language_links(client, f"/fr/book/{BOOK[0]}/{BOOK[1]}?agency=16&date=2026-12-03&time=10:00&x=1")
    assert links["ar"] == f"/ar/book/{BOOK[0]}/{BOOK[1]}?agency=16&date=2026-12-03&time=10:00"
    assert language_links(client, "/fr/agencies?wilaya=16&x=2")["en"] == "/en/agencies?wilaya=16"

