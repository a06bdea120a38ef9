"""Hostile input on every route of the URL map: no answer is ever a 5xx.

Each route (and each method it allows) gets, without a session and with a signed-in
administrator (who also carries an enrolled lobby tablet's cookie), a battery of hostile
values: in each path segment, in each query argument and form field the view reads, in JSON
bodies, in headers and cookies, and `_method`-style overrides. Every answer must be below 500;
an error must be one of the expected 4xx, a page must be HTML with the security headers, and
the API must answer its error shape {"error": {"code", "message"}}. Failures are collected and
reported together: route, method, where the value went, the value's name, the status and,
for a 5xx, the last frame of the traceback.

Runs on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set (NUL bytes and too-long values
only fail there).
"""

import json
import logging
import os
import re
import tempfile
import traceback
import uuid
from datetime import date, datetime
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from webapp import create_app, demo
from webapp.applications import queued
from webapp.applications import storage as applications
from webapp.booking import codes, waitlist
from webapp.catalog import deadlines
from webapp.clock import ALGIERS
from webapp.models import Application, ApplicationDocument, Appointment, Closure, KioskDevice, Message, Ticket

NOW = datetime(2026, 12, 2, 7, 30, tzinfo=ALGIERS)  # Wednesday, before the first demo visit (09:00)
QUEUED_KEY = "walk-queued-application"
ADMIN, ADMIN_PASSWORD = "demo-admin", "Siege-CNAS-demo"
EXPECTED_4XX = {400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429}  # 410: a code or hold ran out
BOOK_SERVICE, BOOK_TASK = "death-grant", "claim-death-grant"
INFO_SERVICE, INFO_TASK = "work-accident", "declare-work-accident"
DEMO_REF = demo.reference("DEM2AAAA")  # agency 16, phone 0550000001, 2 December 09:00
DEMO_PHONE = "0550000001"
WAIT_PHONE = "0660000099"  # on the waiting list

# ---------------------------------------------------------------------------------------------
# The hostile values. Text goes into paths, query strings, forms, cookies and JSON strings; in
# URLs and forms a lone surrogate is sent as the invalid UTF-8 a hostile client would send.

TEXT = [
    ("empty", ""),
    ("10kB", "x" * 10_240),
    ("NUL", "DEM2\x00AAAA"),
    ("control-chars", "a\x01\x08\x0b\x1b\x7fb"),
    ("CR-LF", "/x\r\nSet-Cookie: pwned=1"),
    ("RTL-override", "\u202e0550000001"),
    ("lone-surrogate", "\ud800x"),
    ("huge-number", str(10**30)),
    ("minus-one", "-1"),
    ("letters", "x1"),
    ("1e309", "1e309"),
    ("arabic-digits", "\u0669\u0669\u0669\u0669"),  # int() reads 9999
    ("html", '"><script>alert(1)</script>'),
    ("far-date", "99999-12-31"),
    ("101-chars", "k" * 101),
    ("astral", "\U0001d54f\U0001f600" * 60),
]
PATH_TEXT = [(n, v) for n, v in TEXT if n not in {"empty", "1e309", "far-date", "astral"}] + [
    ("traversal", "../../etc/passwd"), ("percent", "%00%ff%"), ("blank", "   ")]
LANG_TEXT = [(n, v) for n, v in TEXT if n in {"NUL", "10kB", "CR-LF"}] + [("unknown-language", "xx")]
INVALID_UTF8 = ("invalid-utf-8", b"\xff\xfe\xc3(")
# the second pass (without a session) probes fields with one value of each kind
SHORT_TEXT = [(n, v) for n, v in TEXT if n in {"empty", "10kB", "NUL", "CR-LF", "lone-surrogate", "huge-number",
                                              "letters", "101-chars"}]

# JSON values for a field, as raw JSON text (some are not producible with json.dumps).
NESTED = "[" * 200 + "]" * 200
JSON_STRINGS = {"empty", "10kB", "NUL", "control-chars", "CR-LF", "RTL-override", "lone-surrogate", "huge-number",
                "101-chars"}
JSON_VALUES = [(f"string:{n}", json.dumps(v)) for n, v in TEXT if n in JSON_STRINGS] + [
    ("null", "null"), ("true", "true"), ("zero", "0"), ("int:-1", "-1"), ("int:10**30", str(10**30)),
    ("1e309", "1e309"), ("-Infinity", "-Infinity"), ("NaN", "NaN"), ("float", "1.5"),
    ("list-empty", "[]"), ("list", "[1]"), ("object-empty", "{}"), ("object", '{"a": "b"}'),
    ("nested-200", NESTED),
]
SHORT_JSON = [(n, v) for n, v in JSON_VALUES if n in {
    "string:10kB", "string:NUL", "string:lone-surrogate", "null", "int:10**30", "1e309", "list", "object",
    "nested-200"}]
JSON_BODIES = [
    ("list-empty", b"[]"), ("list", b"[1]"), ("string", b'"text"'), ("number", b"1"), ("null", b"null"),
    ("true", b"true"), ("truncated", b'{"a": '), ("empty", b""), ("not-json", b"<xml/>"),
    ("invalid-utf-8", b'{"reference": "\xff\xfe"}'), ("NUL-raw", b'{"a": "\x00"}'),
    ("5000-digit-number", b'{"a": 1' + b"0" * 5000 + b"}"),
    ("nested-lists-100000", b"[" * 100_000 + b"]" * 100_000),
    ("nested-lists-30000", b"[" * 30_000 + b"]" * 30_000),
    ("nested-objects-10000", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
    ("nested-in-field-20000", b'{"reference": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"),
    ("lone-surrogate-key", b'{"\\ud800": 1}'),
    ("utf-16", '{"a": "b"}'.encode("utf-16")),
]

HEADERS = [
    ("Accept-Language", "empty", ""), ("Accept-Language", "10kB", "fr;q=0.5," * 1200),
    ("Accept-Language", "bad-q", "ar;q=1e309, fr;q=NaN, *;q=-1"), ("Accept-Language", "unknown", "xx-YY"),
    ("HX-Target", "10kB", "x" * 10_240), ("HX-Request", "true", "true"),
    ("HX-History-Restore-Request", "true", "true"),
    ("X-HTTP-Method-Override", "DELETE", "DELETE"), ("X-Forwarded-For", "garbage", "x, , 999.1.1.1"),
    ("Idempotency-Key", "empty", ""), ("Idempotency-Key", "10kB", "k" * 10_240),
    ("Idempotency-Key", "101-chars", "k" * 101), ("Idempotency-Key", "control-chars", "k\x01\x7fk"),
    ("Idempotency-Key", "NUL", "k\x00k"), ("User-Agent", "NUL", "a\x00b"),
    ("Idempotency-Key", "latin-1", "clé-é"),
]
HX_TARGETS = ["checklist", "deadline-helper", "agency-list", "results", "booking", "agenda", "called"]
CONTENT_TYPES = [
    ("json-with-form-body", "application/json", b"a=1&b=2"),
    ("multipart-without-boundary", "multipart/form-data", b"a=1"),
    ("multipart-garbage", "multipart/form-data; boundary=xyz", b"--xyz\r\ngarbage\r\n\x00\r\n--xy"),
    ("form-utf-16", "application/x-www-form-urlencoded; charset=utf-16", "a=1".encode("utf-16")),
    ("form-invalid-utf-8", "application/x-www-form-urlencoded", b"reference=\xff\xfe&phone=%ff"),
    ("text-plain", "text/plain", b"hello"),
    ("garbage", "////; ;=;", b"x"),
]
OVERRIDES = [
    ("_method=POST", [("_method", "POST")]), ("_method=DELETE", [("_method", "DELETE")]),
    ("_method=GET", [("_method", "GET")]), ("_external=1", [("_external", "1")]),
    ("_scheme=javascript", [("_scheme", "javascript")]), ("_anchor", [("_anchor", '"><b>')]),
    ("endpoint=x", [("endpoint", "x")]), ("lang=xx", [("lang", "xx")]),
]


# ---------------------------------------------------------------------------------------------
# What each view reads. `path`: valid values of its URL arguments; `args`/`form`/`json`: the
# fields it reads, with the valid value sent while another field is probed (None: not sent).

def specs(context):
    """endpoint -> spec, given the ids of the rows made for the walk."""
    booking_form = {"agency": "16", "date": "2026-12-03", "time": "10:00", "full_name": "Walk Tester",
                    "phone": "0550123456", "email": None, "ssn": None, "fallback": None}
    book = {"lang": "fr", "service_id": BOOK_SERVICE, "task_id": BOOK_TASK}
    mine = {"lang": "fr", "reference": DEMO_REF}
    agency = {"lang": "fr", "agency": "16"}
    apply_flow = {"lang": "fr", "service_id": "voluntary-affiliation", "task_id": "join-voluntary-affiliation"}
    _, info_task = context["catalog"].task(INFO_SERVICE, INFO_TASK)
    task_args = {q["id"]: None for q in info_task["questions"]}
    task_args |= {f"date-{event}": None for event in deadlines.by_event(info_task)}
    hours = {"slot_minutes": "15", "desks": "4", "horizon_days": "30", "min_notice_minutes": "120",
             "open-0": "on", "opens-0": "08:00", "closes-0": "16:00", "confirm": "yes", "not_bookable": None}
    other_days = {f"open-{day}": "on" for day in range(1, 5)}  # sent, not probed
    return {
        "static": {"path": {"filename": "css/site.css"}},
        "public.service": {"path": {"lang": "fr", "service_id": INFO_SERVICE}},
        "public.task": {"path": {"lang": "fr", "service_id": INFO_SERVICE, "task_id": INFO_TASK}, "args": task_args},
        "estimate.show": {"path": {"lang": "fr", "service_id": "death-grant", "task_id": "claim-death-grant",
                                   "estimator_id": "death-grant"},
                          "args": {"status": "employee", "monthly": "15000", "people": "3"}},
        "public.agencies": {"args": {"wilaya": "16"}},
        "public.search": {"args": {"q": "accident"}},
        "booking.start": {"path": book, "args": {"agency": "16", "date": "2026-12-03", "time": "10:00"},
                          "cookies": ["agency"]},
        "booking.review": {"path": book, "form": booking_form},
        "booking.confirm": {"path": book, "form": {**booking_form, "time": "10:15", "key": None}},
        "booking.appointment": {"path": mine}, "booking.calendar": {"path": mine}, "booking.qr": {"path": mine},
        "booking.cancel": {"path": mine}, "booking.stop_reminders": {"path": mine},
        "booking.confirm_code": {"path": mine, "form": {"code": "123456"}}, "booking.resend_code": {"path": mine},
        "root.short_link": {"path": {"reference": DEMO_REF}},
        "demo.inbox": {"args": {"to": DEMO_PHONE}}, "demo.messages": {"args": {"to": DEMO_PHONE}},
        "demo.demo_clock": {"json": {"now": "2026-12-02T07:30"}},
        "booking.reschedule": {"path": mine, "args": {"date": "2026-12-03", "time": "11:00", "agency": None},
                               "form": {"date": "2026-12-03", "time": "11:00", "agency": None}},
        "booking.manage": {"form": {"reference": DEMO_REF, "phone": DEMO_PHONE}},
        "phone.ask": {"form": {"phone": DEMO_PHONE}}, "phone.code": {"form": {"phone": DEMO_PHONE, "code": "123456"}},
        "phone.upcoming": {"args": {"cancelled": DEMO_REF}}, "phone.cancel": {"path": mine}, "phone.forget": {},
        "api.agency_availability": {"path": {"code": "16"},
                                    "args": {"task": f"{BOOK_SERVICE}/{BOOK_TASK}", "date": "2026-12-03"}},
        "api.create_appointment": {"json": {"agency": "16", "service": BOOK_SERVICE, "task": BOOK_TASK,
                                            "date": "2026-12-03", "time": "10:30", "full_name": "Api Tester",
                                            "phone": "0660123456", "email": None, "ssn": None, "fallback": None},
                                   "idempotency": True},
        "api.get_appointment": {"path": {"reference": DEMO_REF}, "args": {"phone": DEMO_PHONE}},
        "api.confirm_appointment": {"path": {"reference": DEMO_REF}, "json": {"code": "123456"}},
        "api.resend_code": {"path": {"reference": DEMO_REF}},
        "api.join_waitlist": {"json": {"agency": "16", "service": BOOK_SERVICE, "task": BOOK_TASK,
                                       "first_day": "2026-12-06", "last_day": "2026-12-07", "period": "morning",
                                       "full_name": "Api Waiting", "phone": "0660123457", "email": None}},
        "api.get_waitlist_entry": {"path": {"reference": context["wait_ref"]}, "args": {"phone": WAIT_PHONE}},
        "api.leave_waitlist": {"path": {"reference": context["wait_ref"]}, "args": {"phone": WAIT_PHONE}},
        "waitlist.join": {"path": book, "args": {"agency": "16", "date": "2026-12-03"},
                          "form": {"agency": "16", "first_day": "2026-12-06", "last_day": "2026-12-07",
                                   "period": "any", "full_name": "Walk Waiting", "phone": "0660123458",
                                   "email": None}},
        "waitlist.entry": {"path": {"lang": "fr", "reference": context["wait_ref"]}},
        "waitlist.leave": {"path": {"lang": "fr", "reference": context["wait_ref"]}},
        "waitlist.offer": {"path": {"lang": "fr", "reference": context["offer_ref"]}},
        "waitlist.take": {"path": {"lang": "fr", "reference": context["offer_ref"]}, "form": {"code": "123456"}},
        "waitlist.decline": {"path": {"lang": "fr", "reference": context["offer_ref"]}},
        "root.offer_link": {"path": {"reference": context["offer_ref"]}},
        "staff.waitlist_page": {"path": agency, "args": {"date": "2026-12-04"}},
        "api.delete_appointment": {"path": {"reference": DEMO_REF}, "args": {"phone": DEMO_PHONE},
                                   "json": {"phone": None}},
        "api.reschedule_appointment": {"path": {"reference": DEMO_REF}, "args": {"phone": DEMO_PHONE},
                                       "json": {"date": "2026-12-03", "time": "11:15", "phone": None}},
        "pwa.manifest": {"args": {"lang": "ar"}},
        "pwa.offline_bundle": {"path": {"lang": "fr"}},
        "pwa.offline_booking": {"path": {"lang": "fr"}, "form": {"service": BOOK_SERVICE, "task": BOOK_TASK,
                                                              "agency": "16"}},
        # `next` first: failed passwords slow down this address, which the valid logins use too
        "staff.login": {"args": {"next": "/fr/staff/"}, "form": {"username": "demo-admin",
                                                                "password": "Siege-CNAS-demo"}},
        "staff.agenda": {"path": agency, "args": {"date": "2026-12-02", "task": None, "status": None,
                                                  "message": None}},
        "staff.appointment_action": {"path": {**agency, "appointment_id": context["appointment_id"],
                                              "action": "arrive"},
                                     "form": {"desk": "1", "reason": None, "date": "2026-12-02"}},
        "staff.ticket_action": {"path": {**agency, "ticket_id": context["ticket_id"], "action": "serve"},
                                "form": {"date": "2026-12-02"}},
        "staff.call_next": {"path": agency, "form": {"desk": "2", "date": None}},
        "staff.agency_settings": {"path": agency, "args": {"saved": None}, "form": hours, "fixed": other_days},
        "staff.add_closure": {"path": agency, "form": {"first_day": "2027-01-10", "last_day": "2027-01-10",
                                                       "reason": "Inventory day", "confirm": "yes"}},
        "staff.remove_closure": {"path": {**agency, "closure_id": context["closure_id"]}},
        "staff.open_on_holiday": {"path": agency, "form": {"day": "2026-12-25"}},
        "staff.audit_log": {"args": {"agency": "16"}},
        "staff.accounts": {"form": {"deactivate": None, "username": "walk-created", "password": "Fresh-account-2026",
                                    "role": "agent", "agency": "16"}},
        "staff.kiosks": {"path": agency, "form": {"revoke": None, "name": "Walk tablet"}},
        "staff.reports": {"args": {"agency": "16", "from": "2026-11-01", "to": "2026-12-01"}},
        "staff.reports_csv": {"args": {"agency": "16", "from": "2026-11-01", "to": "2026-12-01"}},
        "staff.messages": {"args": {"notice": "resent"}},
        "staff.resend_message": {"path": {"lang": "fr", "message_id": context["message_id"]}},
        "staff.appointment": {"path": {**agency, "appointment_id": context["appointment_id"]}},
        "kiosk.checkin": {"form": {"reference": DEMO_REF}},
        "kiosk.ticket": {"form": {"service": BOOK_SERVICE, "task": BOOK_TASK}},
        "kiosk.ticket_sms": {"form": {"token": Ticket.get_by_id(context["ticket_id"]).token, "phone": DEMO_PHONE}},
        "queue.place": {"path": {"lang": "fr", "token": Ticket.get_by_id(context["ticket_id"]).token}},
        "api.agencies": {}, "api.openapi": {}, "pwa.service_worker": {}, "pwa.offline_manifest": {},
        "pwa.offline_index": {}, "pwa.offline_page": {}, "pwa.outbox": {}, "pwa.offline_apply": {}, "root.index": {},
        "root.healthz": {}, "root.readyz": {},
        "public.home": {}, "public.about": {}, "staff.logout": {}, "staff.home": {}, "kiosk.start": {},
        "kiosk.home": {}, "kiosk.display": {}, "kiosk.reset": {},
        "kiosk.api_checkin": {"json": {"reference": DEMO_REF}},
        # online applications (no draft in this session, no proof of a phone: redirects and 404s, probed all the same)
        "apply.start": {"path": apply_flow},
        "apply.question": {"path": {**apply_flow, "question_id": "activity"}, "form": {"answer": "Couture"}},
        "apply.agency": {"path": apply_flow, "form": {"agency": "16"}},
        "apply.document": {"path": {**apply_flow, "kind": "identity"}, "form": {"done": None}},
        "apply.remove": {"path": {**apply_flow, "kind": "identity", "file_id": "1"}},
        "apply.check": {"path": apply_flow},
        "apply.send": {"path": apply_flow, "form": {"declaration": "1", "phone": "0660123459"}},
        "apply.confirm": {"path": apply_flow, "form": {"code": "123456", "phone": "0660123459"}},
        "apply.upload_begin": {"path": apply_flow, "json": {"kind": "identity", "size": 100}},
        "apply.upload_chunk": {"path": {**apply_flow, "upload_id": "0" * 32}, "args": {"offset": "0"}},
        "apply.done": {"path": mine},
        "api.submit_application": {"json": {"service": "voluntary-affiliation", "task": "join-voluntary-affiliation",
                                            "answers": {"work-status": "owner", "activity": "Couture",
                                                        "full-name": "Amina Benali"},
                                            "agency": "16", "phone": "0660123459", "declaration": True,
                                            "documents": [{"kind": "identity", "size": 100}]},
                                   "idempotency": True},
        "api.application_upload": {"path": {"upload_id": context["queued_upload"]}, "args": {"offset": "0"},
                                   "key": QUEUED_KEY},
        "api.application_code": {"json": {"phone": "0660123459"}, "key": QUEUED_KEY},
        "api.confirm_application": {"json": {"code": "123456"}, "key": QUEUED_KEY},
        "apply_status.ask": {"args": {"reference": DEMO_REF}, "form": {"reference": DEMO_REF, "phone": DEMO_PHONE}},
        "apply_status.code": {"form": {"reference": DEMO_REF, "phone": DEMO_PHONE, "code": "123456"}},
        "apply_status.status": {"path": mine}, "apply_status.add": {"path": mine},
        "apply_status.send_missing": {"path": mine}, "apply_status.file": {"path": {**mine, "file_id": "1"}},
        "staff.applications": {"path": agency},
        "staff.application": {"path": {**agency, "reference": context["applied_ref"]}},
        "staff.application_file": {"path": {**agency, "reference": context["applied_ref"],
                                            "file_id": str(context["attached_id"])}},
        "staff.application_visit": {"path": {**agency, "reference": context["applied_ref"]},
                                    "form": {"slot": "2026-12-03T09:00"}},
        "staff.application_action": {"path": {**agency, "reference": context["applied_ref"], "action": "review"},
                                     "form": {"reason": "Walk reason", "kind": "identity"}},
        "kiosk.api_ticket": {"json": {"number": f"{context['prefix']}-901", "service": BOOK_SERVICE,
                                      "task": BOOK_TASK}},
    }


# ---------------------------------------------------------------------------------------------
# The routes, read from the URL map when the module is collected.

def _routes():
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///:memory:", "SECRET_KEY": "walk", "DEMO": True,
                      "INSTANCE_DIR": tempfile.mkdtemp(prefix="walk-")})
    return [pytest.param(rule.rule, method, rule.endpoint, id=f"{method} {rule.rule}")
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


ROUTES = _routes()


class Captured(logging.Handler):
    """Keeps what the app logs at ERROR (its 500 handler logs each exception)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def walk(app, db):
    """The app with CSRF checks off (a CSRF failure is a 400 that would hide the handler: the
    CSRF check itself is walked in test_hostile_csrf_tokens_get_a_400_page), demo data, a ticket and a
    closure to act on, and the cookies of an administrator who has looked up a demo
    appointment, on an enrolled lobby tablet."""
    app.config.update(NOW=NOW, WTF_CSRF_ENABLED=False)
    demo.load(app.extensions["catalog"])
    client = FlaskClient(app, app.response_class, use_cookies=True)  # no page checks: statuses and headers
    sign_in = {"username": ADMIN, "password": ADMIN_PASSWORD}
    assert client.post("/fr/staff/login", data=sign_in).status_code == 303
    assert client.post("/fr/staff/16/kiosks", data={"name": "Walk"}).status_code == 303  # ends the session
    assert client.post("/fr/kiosk/ticket", data={"service": BOOK_SERVICE, "task": BOOK_TASK}).status_code == 201
    assert client.post("/fr/staff/login", data=sign_in).status_code == 303
    assert client.post("/fr/manage", data={"reference": DEMO_REF, "phone": DEMO_PHONE}).status_code == 303
    assert client.get("/fr/staff/accounts").status_code == 200
    closure = Closure.create(agency="16", first_day="2027-02-01", last_day="2027-02-01", reason="Walk closure")
    written = datetime(2026, 12, 2)
    failed = Message.create(uid="walk", kind="code", channel="sms", recipient=DEMO_PHONE, lang="fr", body="1234",
                            status="failed", error="walk", due_at=written, created_at=written)
    with app.app_context():  # a waiting-list entry, and a seat offered to it
        entry = waitlist.join(app.extensions["catalog"], waitlist.Wish(
            agency="16", service_id=BOOK_SERVICE, task_id=BOOK_TASK, first_day=date(2026, 12, 4),
            last_day=date(2026, 12, 5), period="any", full_name="Walk Waiting", phone=WAIT_PHONE, lang="fr"), NOW)
    offer = Appointment.create(reference=codes.new_reference(), agency="16", service_id=BOOK_SERVICE,
                               task_id=BOOK_TASK, starts_at=datetime(2026, 12, 3, 14, 0), seat=3, status="held",
                               hold_until=datetime(2026, 12, 3, 12, 0), full_name="Walk Waiting", phone=WAIT_PHONE,
                               lang="fr", created_at=datetime(2026, 12, 1), waitlist_entry=entry.id)
    assert client.post("/fr/manage", data={"reference": entry.reference, "phone": WAIT_PHONE}).status_code == 303
    applied = Application.create(reference=codes.new_reference(), service_id="voluntary-affiliation",
                                 task_id="join-voluntary-affiliation", agency="16", lang="fr", phone=WAIT_PHONE,
                                 status="received", created_at=written, updated_at=written, submitted_at=written)
    with app.app_context():  # one of its files, stored as uploads are
        stored = applications.store_for(app.config).put(b"\xff\xd8\xff walk")
    attached = ApplicationDocument.create(application=applied.id, kind="identity", stored_name=stored,
                                          content_type="image/jpeg", size=8, uploaded_at=written)
    with app.app_context():  # an application a phone queued offline, its file still to come
        queued_app, _made = queued.submit(
            app.extensions["catalog"], QUEUED_KEY, "voluntary-affiliation", "join-voluntary-affiliation", "fr",
            {"work-status": "owner", "activity": "Couture", "full-name": "Walk Queued"}, "16",
            [{"kind": "identity", "size": 100}], applications.store_for(app.config), None, NOW)
    context = {"catalog": app.extensions["catalog"], "closure_id": closure.id, "ticket_id": Ticket.get().id,
               "applied_ref": applied.reference, "attached_id": attached.id,
               "queued_upload": queued.uploads_of(queued_app)[0].token,
               "message_id": failed.id, "wait_ref": entry.reference, "offer_ref": offer.reference,
               "appointment_id": Appointment.get(Appointment.reference == DEMO_REF).id,
               "prefix": KioskDevice.get().prefix,
               "cookies": "; ".join(f"{n}={client.get_cookie(n).value}" for n in ("session", "kiosk_device"))}
    captured = Captured()
    app.logger.addHandler(captured)
    yield app, context, captured
    app.logger.removeHandler(captured)


# ---------------------------------------------------------------------------------------------
# Building and sending the requests.

def _encode(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _query(pairs) -> str:
    return "&".join(f"{quote(_encode(k), safe='')}={quote(_encode(v), safe='')}" for k, v in pairs)


def _base(fields: dict) -> list[tuple[str, object]]:
    return [(k, v) for k, v in fields.items() if v is not None]


def _replace(fields: dict, name: str, value) -> list[tuple[str, object]]:
    return _base({k: v for k, v in fields.items() if k != name}) + [(name, value)]


def _url(rule: str, path: dict, override: tuple[str, object] | None = None) -> str:
    """The rule with each <converter:argument> replaced by its (percent-encoded) value."""
    def value(match):
        name = match.group(1)
        text = override[1] if override and override[0] == name else path[name]
        return quote(_encode(str(text)), safe="")

    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", value, rule)


def _json_text(fields: dict, name: str | None = None, raw: str | None = None) -> bytes:
    body = {k: v for k, v in fields.items() if v is not None and k != name}
    if name is None:
        return json.dumps(body).encode()
    placeholder = "__walk_placeholder__"
    text = json.dumps({**body, name: placeholder}).replace(json.dumps(placeholder), raw)
    return text.encode("utf-8", "surrogatepass")


def cases(rule, method, spec, full=True, text=TEXT, json_values=JSON_VALUES):
    """Every hostile request for one route and method: (where, name, url, request keywords,
    cookies), with `text` as the values of each query argument and form field and
    `json_values` as those of each JSON field. Not `full`:
    only what is read before the view decides (the path, overrides, headers), for a client
    the view turns away at once."""
    path = {"lang": "fr"} if "<lang:lang>" in rule else {}
    path |= spec.get("path", {})
    args, form, body = spec.get("args", {}), spec.get("form", {}), spec.get("json")
    has_body = method in ("POST", "PUT", "PATCH", "DELETE")
    sends_form = has_body and body is None

    def request(where, name, *, path_override=None, query=None, form_pairs=None, json_bytes=None,
                data=None, content_type=None, headers=None, cookies=None):
        query = _base(args) if query is None else query
        kwargs = {"query_string": _query(query), "headers": dict(headers or {})}
        if json_bytes is not None:
            kwargs["data"], kwargs["content_type"] = json_bytes, "application/json"
        elif data is not None:
            kwargs["data"], kwargs["content_type"] = data, content_type
        elif sends_form:
            pairs = (_base(form) if form_pairs is None else form_pairs) + _base(spec.get("fixed", {}))
            kwargs["data"] = _query(pairs).encode()
            kwargs["content_type"] = "application/x-www-form-urlencoded"
        elif body is not None and has_body:
            kwargs["data"], kwargs["content_type"] = _json_text(body), "application/json"
        if spec.get("idempotency") and "Idempotency-Key" not in kwargs["headers"]:
            kwargs["headers"]["Idempotency-Key"] = str(uuid.uuid4())
        if spec.get("key") and "Idempotency-Key" not in kwargs["headers"]:  # what finds a queued application
            kwargs["headers"]["Idempotency-Key"] = spec["key"]
        return where, name, _url(rule, path, path_override), kwargs, cookies

    yield request("baseline", "valid values")
    for name, pairs in OVERRIDES:
        yield request("query override", name, query=_base(args) + pairs)
    for arg in path:
        values = LANG_TEXT if arg == "lang" else PATH_TEXT
        for name, value in values:
            yield request(f"path <{arg}>", name, path_override=(arg, value))
    for header, name, value in HEADERS:
        yield request(f"header {header}", name, headers={header: value})
    if not full:
        return
    for field in args:
        for name, value in text + [INVALID_UTF8]:
            yield request(f"query {field}", name, query=_replace(args, field, value))
        yield request(f"query {field}", "repeated", query=_base(args) + [(field, "x"), (field, "y")])
    if sends_form:
        for field in form:
            for name, value in text + [INVALID_UTF8]:
                yield request(f"form {field}", name, form_pairs=_replace(form, field, value))
            yield request(f"form {field}", "repeated", form_pairs=_base(form) + [(field, "x"), (field, "y")])
        yield request("form key", "101-char name", form_pairs=_base(form) + [("k" * 101, "1")])
        yield request("form key", "NUL in name", form_pairs=_base(form) + [("a\x00b", "1")])
        yield request("form key", "10kB name", form_pairs=_base(form) + [("n" * 10_240, "1")])
        yield request("form _method", "_method=DELETE", form_pairs=_base(form) + [("_method", "DELETE")])
    if body is not None and has_body:
        for field in body:
            for name, raw in json_values:
                yield request(f"json {field}", name, json_bytes=_json_text(body, field, raw))
        for name, raw in JSON_BODIES:
            yield request("json body", name, json_bytes=raw)
    if has_body:
        for name, content_type, data in CONTENT_TYPES:
            yield request("Content-Type", name, data=data, content_type=content_type)
    for target in HX_TARGETS if method == "GET" else ():
        yield request("header HX-Target", target, headers={"HX-Target": target, "HX-Request": "true"})
    for cookie in spec.get("cookies", []) + ["session", "kiosk_device"]:
        for name, value in (("garbage", "x"), ("10kB", "x" * 4000), ("NUL", "a\x00b"), ("RTL", "\u202e")):
            yield request(f"cookie {cookie}", name, cookies={cookie: value})


def check(response, rule) -> str | None:
    """What is wrong with this answer, if anything."""
    status = response.status_code
    if status >= 500:
        return f"status {status}"
    if status >= 400 and status not in EXPECTED_4XX:
        return f"unexpected status {status}"
    if "Content-Security-Policy" not in response.headers:
        return f"status {status} without the security headers"
    if status >= 400 and rule.startswith("/api/"):
        try:
            error = json.loads(response.get_data())["error"]
            assert error["code"] and isinstance(error["message"], str) and error["message"]
        except Exception:  # noqa: BLE001 (any shape problem is the finding)
            return f"status {status} without the API error shape: {response.get_data()[:80]!r}"
    elif status >= 400 and response.mimetype != "text/html":
        return f"status {status} is not an HTML page ({response.mimetype})"
    return None


def _last_frame(exc) -> str:
    """The exception, the last frame of its traceback and, if elsewhere, the app's last frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/webapp/" in f.filename and f is not frames[-1]]
    where = " <- ".join(f"{os.path.relpath(f.filename)}:{f.lineno} in {f.name}" for f in frames[-1:] + ours[-1:])
    return f"{type(exc).__name__}: {str(exc)[:90]!r} at {where}"


def _cookie_header(signed_in: str | None, extra: dict | None) -> str | None:
    jar = dict(part.split("=", 1) for part in signed_in.split("; ")) if signed_in else {}
    jar.update(extra or {})
    if not jar:
        return None
    # sent as a client would: raw, UTF-8 bytes seen as latin-1 by the WSGI server
    return "; ".join(f"{k}={_encode(v).decode('latin-1')}" for k, v in jar.items())


@pytest.mark.parametrize("rule,method,endpoint", ROUTES)
def test_no_hostile_input_gets_a_5xx(walk, rule, method, endpoint):
    app, context, captured = walk
    all_specs = specs(context)
    assert endpoint in all_specs, f"say in specs() what {endpoint} reads"
    spec = all_specs[endpoint]
    client = FlaskClient(app, app.response_class, use_cookies=False)
    failures: dict[str, list[str]] = {}
    baseline = {}

    def send(session_name, signed_in, number, case):
        where, name, url, kwargs, extra_cookies = case
        headers = kwargs.pop("headers")
        cookie = _cookie_header(signed_in, extra_cookies)
        if cookie:
            headers["Cookie"] = cookie
        environ = {"REMOTE_ADDR": f"10.{len(session_name)}.{number // 250}.{number % 250 + 1}"}  # own rate limits
        del captured.records[:]
        try:
            response = client.open(url, method=method, headers=headers, environ_base=environ, **kwargs)
        except Exception as exc:  # noqa: BLE001 (the error page crashed too: a bare 500 in production)
            problem = f"bare 500 (the error page crashed): {_last_frame(exc)}"
        else:
            response.close()
            problem = check(response, rule)
            if not problem and any(r.getMessage().startswith("error page ") for r in captured.records):
                problem = f"status {response.status_code} from the plain fallback: the error page failed"
            logged = [r.exc_info[1] for r in captured.records if r.exc_info]
            if problem and logged:
                problem += f": {_last_frame(logged[-1])}"
            if where == "baseline":
                baseline[session_name] = response.status_code
        if problem:
            failures.setdefault(f"[{session_name}] {problem}", []).append(f"{where} = {name}")

    passes = (("signed-in", context["cookies"], TEXT, JSON_VALUES), ("anonymous", None, SHORT_TEXT, SHORT_JSON))
    for session_name, signed_in, text, json_values in passes:
        battery = cases(rule, method, spec, text=text, json_values=json_values)
        send(session_name, signed_in, 0, next(battery))
        if session_name == "anonymous" and baseline.get("anonymous") in (302, 303, 403):
            # turned away before any field is read (sign-in, own appointments, tablets only)
            battery = cases(rule, method, spec, full=False)
            next(battery)
        for number, case in enumerate(battery, start=1):
            send(session_name, signed_in, number, case)

    report = [f"{method} {rule} {problem}\n      with: {', '.join(inputs)}" for problem, inputs in failures.items()]
    assert not report, f"{sum(map(len, failures.values()))} hostile request(s) went wrong:\n" + "\n".join(report)
    # the valid values reached the handler (no CSRF failure, no missing field hiding it)
    assert baseline["signed-in"] < 400 or (endpoint, baseline["signed-in"]) in BASELINE_REFUSALS, baseline


# Valid requests that the handler itself refuses (so it was reached): a code, or a new code, for
# the demo appointment, which is confirmed already (409 not_held); a code for a phone no code was sent
# to, or for the walk's offer, which was made without one (410 code_expired); a visit for an
# application nobody has started to review (409).
BASELINE_REFUSALS: set[tuple[str, int]] = {("booking.resend_code", 409), ("api.resend_code", 409),
                                           ("booking.confirm_code", 409), ("api.confirm_appointment", 409),
                                           ("phone.code", 410), ("waitlist.take", 410),
                                           ("apply_status.code", 410),  # no code was asked for
                                           # the walk's application is received, not yet under review
                                           ("staff.application_visit", 409),
                                           # the queued application's file has not arrived, no code was asked
                                           ("api.application_code", 422), ("api.confirm_application", 404)}


# ---------------------------------------------------------------------------------------------
# What the guard answers, the CSRF check under hostile tokens, and the error page's last resort.

def test_control_characters_get_a_translated_4xx(app, client):
    app.config["WTF_CSRF_ENABLED"] = False  # the guard's answer, not the CSRF check's
    page = client.get("/fr/search?q=a%00b")
    assert page.status_code == 400 and "Content-Security-Policy" in page.headers
    assert "caractères non autorisés" in page.get_data(as_text=True)
    arabic = client.post("/ar/manage", data={"reference": "ABCD\x00EFGH"})
    assert arabic.status_code == 400 and "رموز غير مسموح بها" in arabic.get_data(as_text=True)
    assert client.get("/fr/services/a%00b").status_code == 404
    assert client.get("/fr/search", headers={"Referer": "x\x01"}).status_code == 400
    api = client.get("/api/v1/agencies/16/availability?date=%0d%0a", headers={"Accept-Language": "fr"})
    assert api.status_code == 422
    assert api.get_json()["error"] == {
        "code": "validation", "message": "La demande contient des erreurs.",
        "fields": {"date": ["La demande contient des caractères non autorisés, par exemple des caractères de "
                            "contrôle invisibles. Retirez-les et réessayez."]}}
    name = client.post("/api/v1/appointments", data=b'{"full_name": "A\\ud800"}', content_type="application/json",
                       headers={"Idempotency-Key": "lone"})
    assert name.status_code == 422 and list(name.get_json()["error"]["fields"]) == ["full_name"]
    deep = client.post("/api/v1/appointments", data=b'{"a":' * 40 + b"1" + b"}" * 40,
                       content_type="application/json", headers={"Idempotency-Key": "deep"})
    assert deep.status_code == 400 and deep.get_json()["error"]["code"] == "invalid_input"


def test_url_for_keywords_in_the_query_are_ignored(client):
    page = client.get("/ar/?_method=POST&_external=1&_scheme=javascript&_anchor=x&endpoint=y&q=1")
    assert page.status_code == 200
    switch = page.soup.select_one('a[hreflang="fr"]')["href"]
    assert switch == "/fr/?q=1"


@pytest.mark.parametrize("token", ["", "x" * 10_240, "a\x00b", "a\r\nb", "\u202e", "not.a.token"])
def test_hostile_csrf_tokens_get_a_400_page(app, token):
    client = FlaskClient(app, app.response_class, use_cookies=True)
    for url in ("/fr/staff/login", "/fr/manage", f"/fr/book/{BOOK_SERVICE}/{BOOK_TASK}/confirm",
                "/fr/kiosk/checkin", "/fr/staff/16/kiosks"):
        response = client.post(url, data={"csrf_token": token, "reference": "x", "username": "x"})
        assert response.status_code == 400, (url, response.status_code)
        assert response.mimetype == "text/html" and "Content-Security-Policy" in response.headers


def test_an_error_page_that_cannot_render_still_answers_with_the_headers(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the layout broke")

    monkeypatch.setattr("webapp.errors.render_template", broken)
    for url, status in (("/fr/nowhere", 404), ("/fr/search?q=%00", 400), ("/api/v1/nowhere", 404)):
        response = FlaskClient(app, app.response_class).get(url)
        assert response.status_code == status and "Content-Security-Policy" in response.headers, url
    page = FlaskClient(app, app.response_class).get("/ar/nowhere")
    text = page.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in text and "<h1>" in text and "the layout broke" not in text
