"""The outbox in the back-office: the administrators' page, resending, one appointment's
messages, and the message figures of the reports."""

import re
from datetime import date, datetime

import pytest

from webapp import demo
from webapp.booking import codes
from webapp.clock import ALGIERS, to_utc
from webapp.models import Appointment, AuditEntry, Message
from webapp.staffing import accounts, reports
from webapp.staffing import messages as staff_messages

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS)
PASSWORD = "Lobby-desk-2026"
PHONE, EMAIL = "0770123433", "amina.demo@example.dz"
MASKED = "07•• •• •• 33".replace(" ", "\u00a0")  # no-break spaces: never wrapped in the middle
DEATH = ("death-grant", "claim-death-grant")


def local(text: str) -> datetime:
    """An Algiers time, as stored (UTC)."""
    return to_utc(datetime.fromisoformat(text).replace(tzinfo=ALGIERS))


def message(status, kind="reminder", channel="sms", recipient=PHONE, appointment=None, written="2026-12-02T08:00",
            sent=None, delivered=None, error=None):
    return Message.create(
        uid=f"uid-{Message.select().count()}", kind=kind, channel=channel, recipient=recipient, lang="fr",
        body="Texte", appointment=appointment.id if appointment else None,
        appointment_start=appointment.starts_at if appointment else None, status=status, due_at=local(written),
        created_at=local(written), sent_at=local(sent) if sent else None,
        delivered_at=local(delivered) if delivered else None, error=error)


def visit(n, agency, status, start):
    return Appointment.create(reference=f"TST{n:05d}X", agency=agency, service_id=DEATH[0], task_id=DEATH[1],
                              starts_at=local(start), seat=n, status=status, full_name="Secret Person",
                              phone=f"05509999{n:02d}", lang="fr", created_at=local("2026-11-20T10:00"))


@pytest.fixture
def office(app, db):
    app.config["NOW"] = NOW
    demo.load(app.extensions["catalog"])
    accounts.create("agent16", PASSWORD, "agent", "16", None, NOW)
    accounts.create("super16", PASSWORD, "supervisor", "16", None, NOW)
    accounts.create("admin", PASSWORD, "admin", None, None, NOW)
    return app


@pytest.fixture
def outbox(office):
    """Today (2 December): 2 SMS and 1 e-mail failed, 1 SMS delivered, 1 e-mail queued;
    yesterday: 1 SMS failed (listed, but not in today's counts)."""
    amina = Appointment.get(Appointment.reference == demo.reference("DEM2AAAA"))
    return {
        "phone": message("failed", appointment=amina, written="2026-12-02T08:10",
                         error=f"number {PHONE} is not reachable"),
        "email": message("failed", kind="confirmed", channel="email", recipient=EMAIL, appointment=amina,
                         written="2026-12-02T08:20", error=f"mailbox {EMAIL} is full"),
        "code": message("failed", kind="code", recipient="0661234567", written="2026-12-02T08:30",
                        error="rejected by the operator"),
        "delivered": message("delivered", appointment=amina, written="2026-12-02T07:00", sent="2026-12-02T07:00",
                             delivered="2026-12-02T07:01"),
        "queued": message("queued", kind="moved", channel="email", recipient=EMAIL, appointment=amina),
        "yesterday": message("failed", kind="code", recipient="0551112233", written="2026-12-01T20:00",
                             error="timeout"),
    }


def csrf(client, url="/fr/staff/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def sign_in(client, username):
    response = client.post("/fr/staff/login", data={"csrf_token": csrf(client), "username": username,
                                                    "password": PASSWORD})
    assert response.status_code == 303


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf(client), **data})


def cells(soup, table, key):
    row = soup.select_one(f'#{table} tr[data-key="{key}"]')
    return {td["data-col"]: td.get_text().strip() for td in row.find_all("td")}


# The outbox page ------------------------------------------------------------------------------


def test_masks():
    assert staff_messages.mask_phone("0770123433") == MASKED
    assert staff_messages.mask_phone("+213 770 12 34 33") == "21•• •• •• •• 33".replace(" ", "\u00a0")
    assert staff_messages.mask_email("amina.demo@example.dz") == "a•••@example.dz"
    assert staff_messages.scrub("to 0770 12 34 33 or a@b.dz: refused") == f"to {MASKED} or a•••@b.dz: refused"


def test_admin_sees_todays_counts_and_the_failed_messages_masked(office, outbox):
    client = office.test_client()
    sign_in(client, "admin")
    page = client.get("/fr/staff/messages")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    soup, text = page.soup, page.get_data(as_text=True)
    assert cells(soup, "t-today", "failed") == {"sms": "2", "email": "1", "all": "3"}
    assert cells(soup, "t-today", "delivered") == {"sms": "1", "email": "0", "all": "1"}
    assert cells(soup, "t-today", "queued") == {"sms": "0", "email": "1", "all": "1"}
    assert cells(soup, "t-today", "all") == {"sms": "3", "email": "2", "all": "5"}  # not yesterday's
    failed = [int(li["data-message"]) for li in soup.select("#failed li[data-message]")]
    assert failed == [outbox[k].id for k in ("code", "email", "phone", "yesterday")]  # newest first
    phone = soup.select_one(f'#failed li[data-message="{outbox["phone"].id}"]').get_text(" ", strip=True)
    assert MASKED in phone and demo.reference("DEM2AAAA") in phone
    assert "is not reachable" in phone
    assert "a•••@example.dz" in text and "mailbox a•••@example.dz is full" in text
    for secret in (PHONE, "0661234567", "0551112233", "amina.demo", "Texte"):
        assert secret not in text
    assert len(soup.select("#failed form button")) == 4
    assert soup.select_one('.staff-nav a[href="/fr/staff/messages"]')


def test_resend_queues_a_failed_message_again_and_is_audited(office, outbox):
    client = office.test_client()
    sign_in(client, "admin")
    target = outbox["phone"]
    response = post(client, f"/en/staff/messages/{target.id}/resend")
    assert response.status_code == 303 and response.location.endswith("/en/staff/messages?notice=resent")
    again = Message.get_by_id(target.id)
    assert (again.status, again.error, again.due_at) == ("queued", None, to_utc(NOW))
    entry = AuditEntry.get(AuditEntry.action == "resend_message")
    assert (entry.staff, entry.agency, entry.target) == ("admin", "16", f"message:{target.id}")
    assert PHONE not in entry.details and demo.reference("DEM2AAAA") in entry.details
    page = client.get(response.location).soup
    assert page.select_one('main [role="status"]').get_text().strip().startswith("The message is queued again")
    assert not page.select(f'#failed li[data-message="{target.id}"]')
    # Not failed any more (sent again by someone else, or delivered): a clear answer, nothing changes.
    twice = post(client, f"/en/staff/messages/{target.id}/resend")
    assert twice.status_code == 303 and twice.location.endswith("notice=not_failed")
    delivered = post(client, f"/en/staff/messages/{outbox['delivered'].id}/resend")
    assert delivered.location.endswith("notice=not_failed")
    assert Message.get_by_id(outbox["delivered"].id).status == "delivered"
    assert post(client, "/en/staff/messages/9999/resend").location.endswith("notice=not_failed")
    shown = client.get(twice.location)
    assert shown.status_code == 200
    assert "Only a failed message can be sent again" in shown.soup.select_one('main [role="status"]').get_text()
    assert AuditEntry.select().where(AuditEntry.action == "resend_message").count() == 1


def test_supervisors_and_agents_are_refused_the_outbox(office, outbox):
    for username in ("super16", "agent16"):
        client = office.test_client()
        sign_in(client, username)
        assert client.get("/fr/staff/messages").status_code == 403
        assert post(client, f"/fr/staff/messages/{outbox['phone'].id}/resend").status_code == 403
        assert not client.get("/fr/staff/16/agenda").soup.select('a[href="/fr/staff/messages"]')
    assert Message.get_by_id(outbox["phone"].id).status == "failed"
    assert not AuditEntry.select().where(AuditEntry.action == "resend_message").exists()


# One appointment ------------------------------------------------------------------------------


def test_the_appointment_page_lists_its_messages(office, outbox):
    amina = Appointment.get(Appointment.reference == demo.reference("DEM2AAAA"))
    karim = Appointment.get(Appointment.reference == demo.reference("DEM2BBBB"))
    blida = Appointment.get(Appointment.reference == demo.reference("DEM2CCCC"))
    message("sent", kind="confirmed", appointment=karim, sent="2026-12-01T10:00")
    client = office.test_client()
    sign_in(client, "agent16")
    agenda = client.get("/fr/staff/16/agenda?date=2026-12-02").soup
    link = agenda.select_one(f'#agenda a[href="/fr/staff/16/appointments/{amina.id}"]')
    assert link.get_text() == codes.display(amina.reference)  # as printed: DEM2-AAAA-U
    page = client.get(f"/en/staff/16/appointments/{amina.id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    rows = page.soup.select("#t-messages tbody tr[data-message]")
    assert [int(r["data-message"]) for r in rows] == [outbox[k].id for k in ("delivered", "queued", "phone", "email")]
    read = {int(r["data-message"]): {td["data-col"]: td.get_text(" ", strip=True) for td in r.select("td[data-col]")}
            for r in rows}
    assert read[outbox["delivered"].id] == {"kind": "Reminder (the day before)", "channel": "SMS",
                                            "status": "Delivered · 2 Dec 07:01"}
    assert read[outbox["email"].id] == {"kind": "Confirmation", "channel": "E-mail",
                                        "status": "Failed mailbox a•••@example.dz is full"}
    assert read[outbox["queued"].id]["status"] == "Waiting to be sent"
    assert PHONE not in page.get_data(as_text=True) and "amina.demo" not in page.get_data(as_text=True)
    # Only the staff of the appointment's agency (and administrators) see it.
    assert client.get(f"/fr/staff/16/appointments/{blida.id}").status_code == 404
    assert client.get(f"/fr/staff/09/appointments/{blida.id}").status_code == 403
    admin = office.test_client()
    sign_in(admin, "admin")
    other = admin.get(f"/en/staff/09/appointments/{blida.id}")
    assert other.status_code == 200
    assert other.soup.select_one("#t-messages tbody td").get_text() == "No message about this appointment."


# Reports ---------------------------------------------------------------------------------------


@pytest.fixture
def reminded(office):
    """Agency 16 on 29 and 30 November: 4 reminded visits (one did not come), 2 not reminded
    (one did not come): one had its reminder fail, one only got the few-hours-before one.
    Left out: a reminded visit then cancelled, one still booked, and one in agency 09."""
    delivered = {1: "2026-11-28T18:05", 3: "2026-11-29T07:30"}  # a phone off for the night
    for n, status in enumerate(("served", "served", "arrived", "no_show"), start=1):
        start = f"2026-11-29T{8 + n:02d}:00"
        message("delivered" if n in delivered else "sent", appointment=visit(n, "16", status, start),
                written="2026-11-28T18:00", sent="2026-11-28T18:00", delivered=delivered.get(n))
    late = visit(5, "16", "served", "2026-11-30T09:00")
    message("failed", appointment=late, written="2026-11-29T18:00")  # its reminder never left
    message("failed", kind="confirmed", appointment=late, written="2026-11-29T10:00", sent="2026-11-29T10:00",
            error="not delivered")  # left, then the operator reported it undelivered: not counted as sent
    message("delivered", kind="reminder_soon", appointment=visit(6, "16", "no_show", "2026-11-30T10:00"),
            written="2026-11-30T07:00", sent="2026-11-30T08:00", delivered="2026-11-30T08:01")
    message("sent", appointment=visit(7, "16", "cancelled", "2026-11-30T11:00"), written="2026-11-29T18:00",
            sent="2026-11-29T18:00")
    message("sent", appointment=visit(8, "16", "booked", "2026-11-30T12:00"), written="2026-11-29T18:00",
            sent="2026-11-29T18:00")
    message("delivered", appointment=visit(9, "09", "no_show", "2026-11-30T09:00"), written="2026-11-29T18:00",
            sent="2026-11-29T18:00", delivered="2026-11-29T18:01")
    # A code, about no appointment, sent at 00:30 Algiers on 30 November (23:30 UTC the day before).
    message("sent", kind="code", written="2026-11-30T00:30", sent="2026-11-30T00:30")


RANGE = {"from": "2026-11-28", "to": "2026-12-01"}


def test_reports_count_no_shows_with_and_without_a_reminder(office, reminded):
    client = office.test_client()
    sign_in(client, "super16")
    soup = client.get("/fr/staff/reports", query_string=RANGE).soup
    assert cells(soup, "t-reminders", "reminded") == {"visits": "4", "no_show": "1", "no_show_rate": "25.0"}
    assert cells(soup, "t-reminders", "not_reminded") == {"visits": "2", "no_show": "1", "no_show_rate": "50.0"}
    admin = office.test_client()
    sign_in(admin, "admin")
    national = admin.get("/fr/staff/reports", query_string=RANGE).soup  # agency 09's reminded no-show too
    assert cells(national, "t-reminders", "reminded") == {"visits": "5", "no_show": "2", "no_show_rate": "40.0"}
    with office.app_context():
        report = reports.build("16", date(2026, 11, 28), date(2026, 12, 1))
    # the cancelled and the still booked reminded appointments are counted, but have no outcome
    assert dict(report.reminders["reminded"].statuses) == {"served": 2, "arrived": 1, "no_show": 1, "cancelled": 1,
                                                           "booked": 1}


def test_reports_count_messages_sent_and_delivered_per_day(office, reminded):
    client = office.test_client()
    sign_in(client, "super16")
    soup = client.get("/fr/staff/reports", query_string=RANGE).soup

    def day(key):
        row = soup.select_one(f'#t-messages tr[data-day="{key}"]')
        return {td["data-col"]: td.get_text() for td in row.find_all("td")}

    # 28 Nov: 4 reminders sent, 1 delivered that evening; 29 Nov: 1 more of them delivered in the
    # morning, 2 sent (the failed one is not); 30 Nov: the few-hours-before reminder, sent and delivered.
    assert [day(d) for d in ("2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "total")] == [
        {"sent": "4", "delivered": "1"}, {"sent": "2", "delivered": "1"}, {"sent": "1", "delivered": "1"},
        {"sent": "0", "delivered": "0"}, {"sent": "7", "delivered": "3"}]
    admin = office.test_client()
    sign_in(admin, "admin")
    soup = admin.get("/fr/staff/reports", query_string=RANGE).soup  # plus agency 09's reminder and the code
    assert day("2026-11-29") == {"sent": "3", "delivered": "2"}
    assert day("2026-11-30") == {"sent": "2", "delivered": "1"}
    csv = admin.get("/fr/staff/reports.csv", query_string=RANGE).get_data(as_text=True).splitlines()
    assert csv[0].endswith(",messages_sent,messages_delivered") and csv[1].endswith(",4,1")
