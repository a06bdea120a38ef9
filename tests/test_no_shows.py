"""No-shows: the worker counts a visit still booked after its day as "did not come", agents can
correct it, and staff see how often a phone missed its visits (nothing more)."""

import re
from datetime import datetime

import pytest

from webapp.clock import ALGIERS, to_utc
from webapp.db import database
from webapp.models import Appointment, AuditEntry
from webapp.notify import providers, worker
from webapp.staffing import accounts, desk

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS)  # Wednesday
PASSWORD = "Lobby-desk-2026"
DEATH = ("death-grant", "claim-death-grant")
KARIM, SAMIRA, NOBODY = "0660000002", "0770000003", "0550000009"


def local(text: str) -> datetime:
    """An Algiers time, as stored (UTC)."""
    return to_utc(datetime.fromisoformat(text).replace(tzinfo=ALGIERS))


def visit(n: int, status: str, start: str, phone: str = NOBODY, agency: str = "16") -> Appointment:
    return Appointment.create(reference=f"NOS{n:05d}X", agency=agency, service_id=DEATH[0], task_id=DEATH[1],
                              starts_at=local(start), seat=n, status=status, full_name="Karim Test", phone=phone,
                              lang="fr", created_at=local("2026-01-02T10:00"))


def status(appointment: Appointment) -> str:
    return Appointment.get_by_id(appointment.id).status


@pytest.fixture
def office(app, db):
    app.config["NOW"] = NOW
    accounts.create("agent16", PASSWORD, "agent", "16", None, NOW)
    return app


def csrf(client):
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/fr/staff/login").get_data(as_text=True)).group(1)


def sign_in(client):
    response = client.post("/fr/staff/login", data={"csrf_token": csrf(client), "username": "agent16",
                                                    "password": PASSWORD})
    assert response.status_code == 303


def statements(run) -> list[str]:
    """The SQL statements `run()` sends (BEGIN and COMMIT left out)."""
    executed, original = [], database.obj.execute_sql

    def counting(sql, *args, **kwargs):
        executed.append(sql)
        return original(sql, *args, **kwargs)

    database.obj.execute_sql = counting
    try:
        run()
    finally:
        database.obj.execute_sql = original
    return [sql for sql in executed if not re.match(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", sql)]


# The job --------------------------------------------------------------------------------------


def test_a_visit_still_booked_after_its_day_did_not_come(office):
    yesterday = visit(1, "booked", "2026-12-01T15:00")
    last_slot = visit(2, "booked", "2026-12-01T23:30")  # 22:30 UTC: still 1 December in Algiers
    past_night = visit(3, "booked", "2026-12-02T00:30")  # 23:30 UTC on 1 December, but today in Algiers
    this_morning = visit(4, "booked", "2026-12-02T08:00")  # its time is past, its day is not over
    last_week = visit(5, "booked", "2026-11-25T09:00")  # a worker that was stopped catches up
    with office.app_context():
        assert desk.mark_no_shows(NOW) == 3
    assert [status(v) for v in (yesterday, last_slot, last_week)] == ["no_show"] * 3
    assert status(past_night) == status(this_morning) == "booked"


def test_held_arrived_and_other_visits_are_never_marked(office):
    others = [visit(n, s, f"2026-12-01T{8 + n:02d}:00") for n, s in enumerate(
        ("held", "arrived", "called", "served", "cancelled", "expired"), 1)]
    with office.app_context():
        assert desk.mark_no_shows(NOW) == 0
    assert [status(v) for v in others] == ["held", "arrived", "called", "served", "cancelled", "expired"]


def test_the_job_is_one_update_and_runs_twice_without_change(office):
    marked = visit(1, "booked", "2026-12-01T15:00")
    with office.app_context():
        sent = statements(lambda: desk.mark_no_shows(NOW))
        assert len(sent) == 1 and sent[0].startswith("UPDATE")
        assert desk.mark_no_shows(NOW) == 0  # nothing left to mark
    row = Appointment.get_by_id(marked.id)
    assert (row.status, row.arrived_at) == ("no_show", None)
    assert AuditEntry.select().count() == 0  # no staff member did it


def test_the_worker_runs_the_job_on_each_pass(office):
    marked = visit(1, "booked", "2026-12-01T15:00")
    today = visit(2, "booked", "2026-12-02T15:00")
    counts = worker.run_once(office, {"sms": providers.DemoInbox()})
    assert counts["no_shows"] == 1 and status(marked) == "no_show" and status(today) == "booked"
    office.config["NOW"] = datetime(2026, 12, 3, 0, 1, tzinfo=ALGIERS)  # just past midnight
    assert worker.run_once(office, {"sms": providers.DemoInbox()})["no_shows"] == 1
    assert status(today) == "no_show"


# Correcting it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action, target", [("arrive", "arrived"), ("serve", "served")])
def test_an_agent_corrects_a_no_show_and_it_is_audited(office, action, target):
    missed = visit(1, "no_show", "2026-12-01T10:00")
    client = office.test_client()
    sign_in(client)
    row = client.get("/fr/staff/16/agenda?date=2026-12-01").soup.select_one("#agenda tbody tr")
    buttons = [form["action"].rsplit("/", 1)[1] for form in row.select("form")]
    assert buttons == ["arrive", "serve"]
    response = client.post(f"/fr/staff/16/appointments/{missed.id}/{action}", data={"csrf_token": csrf(client)})
    assert response.status_code == 303 and "message=done" in response.location
    assert status(missed) == target
    entry = AuditEntry.get(AuditEntry.action == action)
    assert (entry.staff, entry.agency, entry.target) == ("agent16", "16", f"appointment:{missed.reference}")
    assert entry.details == "correction: was no_show"
    again = client.post(f"/fr/staff/16/appointments/{missed.id}/{action}", data={"csrf_token": csrf(client)})
    assert "message=already" in again.location and AuditEntry.select().count() == 1


def test_a_served_visit_is_not_set_back_to_no_show(office):
    served = visit(1, "served", "2026-12-01T10:00")
    with office.app_context():
        assert desk.act("16", served.id, "no_show", "agent16", NOW) == "refused"
    assert status(served) == "served"


# Repeat no-shows, shown to staff ---------------------------------------------------------------


@pytest.fixture
def history(office):
    """Karim missed two visits in the last 12 months (one at another agency), and one long ago;
    Samira missed one. Both are booked today, with a third person who never missed one."""
    visit(1, "no_show", "2026-03-01T09:00", KARIM)
    visit(2, "no_show", "2026-11-20T09:00", KARIM, agency="09")
    visit(3, "no_show", "2025-11-19T09:00", KARIM)  # more than 365 days before today
    visit(4, "cancelled", "2026-11-25T09:00", KARIM)
    visit(5, "served", "2026-11-26T09:00", KARIM)
    visit(6, "no_show", "2026-10-01T09:00", SAMIRA)
    return {phone: visit(n, "booked", f"2026-12-02T{n:02d}:00", phone)
            for n, phone in ((10, KARIM), (11, SAMIRA), (12, NOBODY))}


def agenda_rows(client, day="2026-12-02"):
    rows = client.get(f"/en/staff/16/agenda?date={day}").soup.select("#agenda tbody tr")
    return {row["data-reference"]: row for row in rows}


def test_repeat_no_shows_show_on_the_agenda(office, history):
    client = office.test_client()
    sign_in(client)
    rows = agenda_rows(client)
    missed = {ref: row.select_one(".no-shows") for ref, row in rows.items()}
    assert missed[history[KARIM].reference].get_text().strip() == "Did not come 2 times in the last 12 months"
    assert missed[history[SAMIRA].reference].get_text().strip() == "Did not come 1 time in the last 12 months"
    assert missed[history[NOBODY].reference] is None
    assert not re.search(r"0[5-7]\d{8}", str(rows[history[KARIM].reference]))  # never the phone number


def test_the_agenda_counts_them_in_one_query(office, history):
    with office.app_context():
        sent = statements(lambda: desk.agenda("16", NOW.date()))
        assert len(sent) == 3  # the day's appointments, their phones' no-shows, the walk-in tickets
        for n in range(20, 30):
            visit(n, "booked", f"2026-12-02T{n - 8:02d}:30", f"06600000{n}")
        assert len(statements(lambda: desk.agenda("16", NOW.date()))) == 3


def test_a_visit_never_counts_itself(office, history):
    """The window ends where the visit's day begins: before 20 November, Karim had missed one visit."""
    with office.app_context():
        rows = desk.agenda("09", datetime(2026, 11, 20).date())
    assert [(row.label, row.status, row.no_shows) for row in rows] == [("NOS00002X", "no_show", 1)]


def test_the_appointment_page_shows_them(office, history):
    client = office.test_client()
    sign_in(client)
    page = client.get(f"/en/staff/16/appointments/{history[KARIM].id}").soup
    assert page.select_one(".no-shows").get_text().strip() == "Did not come 2 times in the last 12 months"
    assert KARIM not in str(page.select_one("main"))
    page = client.get(f"/en/staff/16/appointments/{history[NOBODY].id}").soup
    assert page.select_one(".no-shows") is None


def test_repeat_no_shows_never_block_anything(office, history):
    """Shown, never punished: the booked visit of a person who missed two can arrive as any other."""
    with office.app_context():
        assert desk.act("16", history[KARIM].id, "arrive", "agent16", NOW) == "done"
