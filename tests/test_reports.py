"""Staff reports: counts, rates, waiting and lead times per agency and nationally, CSV export."""

import csv
import io
import re
from datetime import date, datetime

import pytest

from webapp import demo
from webapp.clock import ALGIERS, to_utc
from webapp.models import Appointment, Ticket, WaitlistEntry
from webapp.staffing import accounts, charts, reports

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)
PASSWORD = "long-enough-Passw0rd"
RANGE = {"from": "2026-11-23", "to": "2026-12-02"}  # includes the demo bookings of 2 December
DEATH = ("death-grant", "claim-death-grant")
ACCIDENT = ("work-accident", "declare-work-accident")


def utc(text: str) -> datetime:
    """A stored time, written as UTC."""
    return datetime.fromisoformat(text)


def local(text: str) -> datetime:
    """An Algiers time, as stored (UTC)."""
    return to_utc(datetime.fromisoformat(text).replace(tzinfo=ALGIERS))


def appointment(n, agency, status, starts_at, created_at, task=DEATH, arrived=None, called=None):
    return Appointment.create(
        reference=f"TST{n:05d}X", agency=agency, service_id=task[0], task_id=task[1], starts_at=starts_at,
        seat=n, status=status, full_name="Secret Person", phone=f"05509999{n:02d}", lang="fr",
        created_at=created_at, arrived_at=arrived, called_at=called)


def ticket(number, agency, day, issued, status, called=None, task=ACCIDENT):
    return Ticket.create(agency=agency, day=day, number=number, service_id=task[0], task_id=task[1],
                         status=status, issued_at=issued, called_at=called)


@pytest.fixture
def data(app, db):
    """Agency 16 (plus its 2 demo bookings of 2 December, still "booked"), and one visit in 09.

    29 Nov (16): served (waited 15 min, booked 10 days ahead), no-show (4 days ahead), called
                 (waited 30 min, 1 day ahead), cancelled.
    30 Nov (16): arrived, not yet called (3 days ahead); no-show at 00:30 Algiers time, i.e.
                 23:30 UTC the day before (booked 2 hours ahead); 3 tickets: called after 45 min
                 and served, called after 20 min then absent, still waiting.
    29 Nov (09): served after waiting 60 min (5 days ahead).
    """
    demo.load(app.extensions["catalog"])
    appointment(1, "16", "served", local("2026-11-29T09:00"), utc("2026-11-19T08:00"),
                arrived=utc("2026-11-29T07:50"), called=utc("2026-11-29T08:05"))
    appointment(2, "16", "no_show", local("2026-11-29T09:15"), utc("2026-11-25T08:15"), task=ACCIDENT)
    appointment(3, "16", "called", local("2026-11-29T10:00"), utc("2026-11-28T09:00"),
                arrived=utc("2026-11-29T08:55"), called=utc("2026-11-29T09:25"))
    appointment(4, "16", "cancelled", local("2026-11-29T10:15"), utc("2026-11-10T10:00"))
    appointment(5, "16", "arrived", local("2026-11-30T09:00"), utc("2026-11-27T08:00"),
                arrived=utc("2026-11-30T07:58"))
    appointment(6, "16", "no_show", local("2026-11-30T00:30"), utc("2026-11-29T21:30"))
    ticket("T-001", "16", date(2026, 11, 30), utc("2026-11-30T08:00"), "served", called=utc("2026-11-30T08:45"))
    ticket("T-002", "16", date(2026, 11, 30), utc("2026-11-30T08:10"), "no_show", called=utc("2026-11-30T08:30"))
    ticket("T-003", "16", date(2026, 11, 30), utc("2026-11-30T08:20"), "waiting")
    appointment(7, "09", "served", local("2026-11-29T09:00"), utc("2026-11-24T08:00"),
                arrived=utc("2026-11-29T07:30"), called=utc("2026-11-29T08:30"))
    # Outside the range: never counted.
    appointment(8, "16", "served", local("2026-11-22T09:00"), utc("2026-11-20T08:00"))
    ticket("T-009", "16", date(2026, 12, 3), utc("2026-12-03T08:00"), "waiting")
    for username, role, agency in (("agent16", "agent", "16"), ("super09", "supervisor", "09"),
                                   ("admin", "admin", None)):
        accounts.create(username, PASSWORD, role, agency, None, NOW)
    return db


def sign_in(client, username):
    page = client.get("/fr/staff/login")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post("/fr/staff/login", data={"csrf_token": token, "username": username,
                                                    "password": PASSWORD})
    assert response.status_code == 303


def cells(soup, table, row_attr, row_key):
    """{data-col: text} of one row of a report table."""
    row = soup.select_one(f'#{table} tr[{row_attr}="{row_key}"]')
    assert row is not None, f"no row {row_key} in {table}"
    return {td["data-col"]: td.get_text() for td in row.find_all("td") if td.get("data-col")}


def summary(soup):
    return {tr["data-key"]: tr.td.get_text() for tr in soup.select("#t-summary tr[data-key]")}


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# The module itself --------------------------------------------------------------------------


def test_report_of_an_agency(app, data):
    with app.app_context():
        report = reports.build("16", date(2026, 11, 23), date(2026, 12, 2))
    assert [d.day for d in report.days][0::9] == [date(2026, 11, 23), date(2026, 12, 2)]
    assert len(report.days) == 10
    total = report.total
    assert dict(total.statuses) == {"served": 1, "no_show": 2, "called": 1, "cancelled": 1, "arrived": 1,
                                    "booked": 2}
    assert (total.appointments, total.walk_ins, total.shown, total.no_show) == (7, 3, 3, 2)
    assert (total.show_rate, total.no_show_rate) == (60.0, 40.0)
    by_day = {d.day: d for d in report.days}
    assert (by_day[date(2026, 11, 29)].appointments, by_day[date(2026, 11, 29)].show_rate) == (3, 66.7)
    assert by_day[date(2026, 11, 29)].no_show_rate == 33.3
    assert (by_day[date(2026, 11, 30)].appointments, by_day[date(2026, 11, 30)].walk_ins) == (2, 3)
    assert by_day[date(2026, 11, 30)].show_rate == 50.0
    assert by_day[date(2026, 12, 2)].appointments == 2 and by_day[date(2026, 12, 2)].show_rate is None
    assert by_day[date(2026, 11, 28)].appointments == 0 and by_day[date(2026, 11, 28)].show_rate is None
    assert report.waiting["appointments"] == reports.Stats(2, 22.5, 22.5)
    assert report.waiting["walk_ins"] == reports.Stats(2, 32.5, 32.5)
    assert report.waiting["all"] == reports.Stats(4, 25.0, 27.5)
    # 2 hours, 1, 3, 4, 10, 31.3 and 31.3 days (the demo bookings were made on 1 November).
    assert report.lead_days.count == 7 and report.lead_days.median == 4.0
    assert [(w.monday, w.appointments, w.walk_ins) for w in report.weeks] == [
        (date(2026, 11, 23), 3, 0), (date(2026, 11, 30), 4, 3)]
    assert [(t.task_id, t.appointments, t.walk_ins, t.show_rate) for t in report.tasks] == [
        ("claim-death-grant", 5, 0, 75.0), ("declare-work-accident", 2, 3, 0.0)]


def test_national_report_and_few_queries(app, data):
    with app.app_context():
        from webapp.db import database

        executed = []
        original = database.obj.execute_sql

        def counting(sql, *args, **kwargs):
            executed.append(sql)
            return original(sql, *args, **kwargs)

        database.obj.execute_sql = counting
        try:
            report = reports.build(None, date(2026, 11, 23), date(2026, 12, 2))
        finally:
            database.obj.execute_sql = original
    assert len(executed) == 4  # appointments, tickets, messages and the waiting list, whatever the range
    assert (report.total.appointments, report.total.shown, report.total.no_show) == (10, 4, 2)
    assert (report.total.show_rate, report.total.no_show_rate) == (66.7, 33.3)
    assert report.waiting["appointments"] == reports.Stats(3, 30.0, 35.0)


@pytest.mark.parametrize("first, last, problem", [
    ("2026-13-01", None, "date"), ("yesterday", None, "date"), (None, "2026-02-30", "date"),
    ("2026-12-02", "2026-12-01", "order"), ("2025-01-01", "2026-01-02", "too_long"),
])
def test_bad_ranges(first, last, problem):
    with pytest.raises(reports.RangeError, match=problem):
        reports.parse_range(first, last, date(2026, 12, 1))


def test_default_and_longest_ranges():
    assert reports.parse_range(None, None, date(2026, 12, 1)) == (date(2026, 11, 2), date(2026, 12, 1))
    assert reports.parse_range("2025-01-01", "2026-01-01", date(2026, 12, 1))[0] == date(2025, 1, 1)  # 366 days


def test_chart_is_accessible_and_mirrored_for_rtl():
    ltr = charts.bar_chart("c", "Per day <test>", [("1 déc.", 4), ("2 déc.", 2)])
    rtl = charts.bar_chart("c", "Per day", [("1 déc.", 4), ("2 déc.", 2)], rtl=True)
    assert 'role="img"' in ltr and 'aria-labelledby="c-title"' in ltr
    assert '<title id="c-title">Per day &lt;test&gt;</title>' in ltr and "<script" not in ltr
    bars = lambda svg: re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)  # noqa: E731
    (x1, w1), (x2, w2) = bars(ltr)
    assert x1 == x2 and float(w1) == 2 * float(w2)  # bars start on the same side, scaled
    (r1, rw1), (r2, rw2) = bars(rtl)
    assert float(r1) + float(rw1) == float(r2) + float(rw2) == charts.WIDTH - float(x1)  # mirrored
    assert 'direction="rtl"' in rtl and 'direction="ltr"' in ltr


# The pages ----------------------------------------------------------------------------------


def test_reports_need_a_signed_in_staff_member(client, data):
    response = client.get("/fr/staff/reports")
    assert response.status_code == 302 and "/fr/staff/login" in response.headers["Location"]
    assert client.get("/fr/staff/reports.csv").status_code == 302


def test_agent_sees_the_figures_of_the_agency(client, data):
    sign_in(client, "agent16")
    page = client.get("/fr/staff/reports", query_string=RANGE)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    soup = page.soup
    assert summary(soup) == {"appointments": "7", "cancelled": "1", "walk_ins": "3", "shown": "3", "no_show": "2",
                             "show_rate": "60.0", "no_show_rate": "40.0", "lead_median": "4.0"}
    waiting = {key: cells(soup, "t-waiting", "data-key", key) for key in ("appointments", "walk_ins", "all")}
    assert waiting == {"appointments": {"count": "2", "median": "22.5", "mean": "22.5"},
                       "walk_ins": {"count": "2", "median": "32.5", "mean": "32.5"},
                       "all": {"count": "4", "median": "25.0", "mean": "27.5"}}
    assert len(soup.select("#t-days tbody tr")) == 10
    assert cells(soup, "t-days", "data-day", "2026-11-29") == {
        "appointments": "3", "walk_ins": "0", "booked": "0", "arrived": "0", "called": "1", "served": "1",
        "no_show": "1", "cancelled": "1", "show_rate": "66.7", "no_show_rate": "33.3", "median_wait": "22.5"}
    assert cells(soup, "t-days", "data-day", "2026-11-30") == {
        "appointments": "2", "walk_ins": "3", "booked": "0", "arrived": "1", "called": "0", "served": "0",
        "no_show": "1", "cancelled": "0", "show_rate": "50.0", "no_show_rate": "50.0", "median_wait": "32.5"}
    assert cells(soup, "t-days", "data-day", "2026-12-02")["booked"] == "2"
    assert cells(soup, "t-days", "data-day", "2026-12-02")["show_rate"] == "–"
    assert cells(soup, "t-weeks", "data-week", "2026-W48") == {
        "appointments": "3", "walk_ins": "0", "show_rate": "66.7", "no_show_rate": "33.3"}
    assert cells(soup, "t-weeks", "data-week", "2026-W49") == {
        "appointments": "4", "walk_ins": "3", "show_rate": "50.0", "no_show_rate": "50.0"}
    assert cells(soup, "t-tasks", "data-task", "death-grant/claim-death-grant") == {
        "appointments": "5", "walk_ins": "0", "show_rate": "75.0", "no_show_rate": "25.0", "median_wait": "22.5"}
    assert cells(soup, "t-tasks", "data-task", "work-accident/declare-work-accident") == {
        "appointments": "2", "walk_ins": "3", "show_rate": "0.0", "no_show_rate": "100.0", "median_wait": "32.5"}
    # Every chart has a title and is followed by a table of the same figures.
    svgs = soup.select("svg.chart")
    assert len(svgs) == 4
    for svg in svgs:
        assert svg["role"] == "img" and soup.find(id=svg["aria-labelledby"]).name == "title"
        assert svg.find_next_sibling().find("table") or svg.find_next_sibling().name == "table"
    assert len(soup.select("#chart-days g.bar")) == 10
    assert soup.select_one("#r-agency") is None  # agents cannot choose another agency
    assert soup.find("a", href=re.compile(r"/fr/staff/reports\.csv\?"))


def test_agent_asking_for_another_agency_gets_their_own(client, data):
    sign_in(client, "agent16")
    soup = client.get("/fr/staff/reports", query_string={**RANGE, "agency": "09"}).soup
    assert summary(soup)["appointments"] == "7"
    rows = read_csv(client.get("/fr/staff/reports.csv", query_string={**RANGE, "agency": "09"}))
    assert {row["agency"] for row in rows} == {"16"}
    assert sum(int(row["appointments"]) for row in rows) == 7


def test_supervisor_sees_their_agency(client, data):
    sign_in(client, "super09")
    soup = client.get("/fr/staff/reports", query_string=RANGE).soup
    assert (summary(soup)["appointments"], summary(soup)["show_rate"]) == ("3", "100.0")


def test_admin_sees_national_or_one_agency(client, data):
    sign_in(client, "admin")
    soup = client.get("/fr/staff/reports", query_string=RANGE).soup
    assert summary(soup) == {"appointments": "10", "cancelled": "1", "walk_ins": "3", "shown": "4",
                             "no_show": "2", "show_rate": "66.7", "no_show_rate": "33.3", "lead_median": "7.5"}
    assert cells(soup, "t-waiting", "data-key", "appointments") == {"count": "3", "median": "30.0", "mean": "35.0"}
    assert soup.select_one("#r-agency option[selected]") is None
    soup = client.get("/fr/staff/reports", query_string={**RANGE, "agency": "09"}).soup
    assert summary(soup)["appointments"] == "3"
    assert soup.select_one("#r-agency option[selected]")["value"] == "09"
    assert client.get("/fr/staff/reports", query_string={**RANGE, "agency": "99"}).status_code == 422


def test_default_range_is_the_last_30_days(client, data):
    sign_in(client, "agent16")
    soup = client.get("/fr/staff/reports").soup
    assert (soup.select_one("#r-from")["value"], soup.select_one("#r-to")["value"]) == ("2026-11-02", "2026-12-01")
    assert len(soup.select("#t-days tbody tr")) == 30
    assert summary(soup)["appointments"] == "6"  # 22 November is in, the bookings of 2 December are out


@pytest.mark.parametrize("query", [
    {"from": "2026-13-01"}, {"from": "not a date", "to": "2026-12-01"}, {"to": "2026-02-30"},
    {"from": "2026-12-02", "to": "2026-12-01"}, {"from": "2025-01-01", "to": "2026-12-01"},
])
def test_bad_dates_are_refused(client, data, query):
    sign_in(client, "agent16")
    page = client.get("/fr/staff/reports", query_string=query)
    assert page.status_code == 422
    assert page.soup.select_one('[role="alert"]').get_text().strip()
    assert page.soup.select_one("#t-summary") is None
    assert client.get("/fr/staff/reports.csv", query_string=query).status_code == 422


def test_arabic_page_mirrors_the_charts(client, data):
    sign_in(client, "agent16")
    soup = client.get("/ar/staff/reports", query_string=RANGE).soup
    assert {svg["direction"] for svg in soup.select("svg.chart")} == {"rtl"}


def test_csv_export(client, data):
    sign_in(client, "agent16")
    response = client.get("/fr/staff/reports.csv", query_string=RANGE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cnas-report-16-2026-11-23-2026-12-02.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert list(rows[0]) == list(reports.CSV_COLUMNS)
    assert [row["day"] for row in rows] == [f"2026-11-{d}" for d in range(23, 31)] + ["2026-12-01", "2026-12-02"]
    by_day = {row["day"]: row for row in rows}
    assert by_day["2026-11-29"] == {
        "day": "2026-11-29", "agency": "16", "appointments": "3", "booked": "0", "arrived": "0", "called": "1",
        "served": "1", "no_show": "1", "cancelled": "1", "walk_ins": "0", "show_rate_pct": "66.7",
        "no_show_rate_pct": "33.3", "median_wait_min": "22.5", "messages_sent": "0", "messages_delivered": "0"}
    assert (by_day["2026-11-30"]["walk_ins"], by_day["2026-11-30"]["show_rate_pct"]) == ("3", "50.0")
    assert (by_day["2026-12-02"]["booked"], by_day["2026-12-02"]["show_rate_pct"]) == ("2", "")
    assert sum(int(row["appointments"]) for row in rows) == 7


def test_csv_has_nothing_personal(client, data):
    sign_in(client, "admin")
    text = client.get("/fr/staff/reports.csv", query_string=RANGE).get_data(as_text=True)
    assert {row["agency"] for row in csv.DictReader(io.StringIO(text))} == {"all"}
    assert not re.search(r"0[5-7]\d{8}", text)
    for appointment_row in Appointment.select():
        assert appointment_row.reference not in text
        assert appointment_row.full_name not in text
    assert "Demo" not in text and "Secret" not in text


# No-shows by weekday and lead time, the waiting list, the lobby (issue 15) ------------------

WEEK = {"from": "2026-11-15", "to": "2026-11-21"}  # Sunday to Saturday


def visit(n, agency, status, start, created, task=DEATH, arrived=None, called=None, served=None, entry=None):
    """An appointment with its times written in Algiers time."""
    at = lambda text: local(text) if text else None  # noqa: E731
    return Appointment.create(
        reference=f"WEK{n:05d}X", agency=agency, service_id=task[0], task_id=task[1], starts_at=at(start), seat=n,
        status=status, phone=f"05508888{n:02d}", lang="fr", created_at=at(created), arrived_at=at(arrived),
        called_at=at(called), served_at=at(served), waitlist_entry=entry)


def walk_in(number, agency, issued, status, called=None, served=None):
    at = lambda text: local(text) if text else None  # noqa: E731
    return Ticket.create(agency=agency, day=date.fromisoformat(issued[:10]), number=number, service_id=ACCIDENT[0],
                         task_id=ACCIDENT[1], status=status, issued_at=at(issued), called_at=at(called),
                         served_at=at(served))


def wish(n, agency, status, task=DEATH):
    return WaitlistEntry.create(reference=f"WLT{n:05d}X", agency=agency, service_id=task[0], task_id=task[1],
                                first_day=date(2026, 12, 6), last_day=date(2026, 12, 10), lang="fr",
                                status=status, created_at=utc("2026-11-20T08:00"))


@pytest.fixture
def week(app, db):
    """A scripted week at agency 16 (and a little of 09), all times in Algiers time.

    Sun 15: served (booked the same day, at 00:30: still 14 Nov in UTC; waited 10 min, served in 12),
            no-show (booked the evening before), no-show (booked 3 calendar days ahead, under 72 hours);
            tickets waited 20 then served in 20, waited 30 then served in 5.
    Mon 16: no-show re-booked from the waiting list (6 days ahead), served re-booked from it (15 days
            ahead; waited 40, served in 10); a ticket waited 10 then left, one never called.
    Tue 17: cancelled (from the waiting list), held (from the waiting list: not a visit), arrived and
            never called (10 days ahead).
    Wed 18: still booked (2 days ahead: the no-show job has not run).
    09, Sun 15: a no-show booked the same day; a ticket waited 60 and was served in 30.
    The waiting list now: 16 has 2 for the death grant (waiting, offered) and 1 for a work accident;
    09 has 1; entries booked, left or ended are not on it.
    """
    visit(1, "16", "served", "2026-11-15T09:00", "2026-11-15T00:30", arrived="2026-11-15T08:50",
          called="2026-11-15T09:00", served="2026-11-15T09:12")
    visit(2, "16", "no_show", "2026-11-15T09:15", "2026-11-14T20:00")
    visit(3, "16", "no_show", "2026-11-15T10:00", "2026-11-12T11:00")
    walk_in("001", "16", "2026-11-15T09:05", "served", "2026-11-15T09:25", "2026-11-15T09:45")
    walk_in("002", "16", "2026-11-15T09:10", "served", "2026-11-15T09:40", "2026-11-15T09:45")
    visit(4, "16", "no_show", "2026-11-16T10:00", "2026-11-10T10:00", task=ACCIDENT, entry=1)
    visit(5, "16", "served", "2026-11-16T10:15", "2026-11-01T10:00", task=ACCIDENT, entry=2,
          arrived="2026-11-16T10:00", called="2026-11-16T10:40", served="2026-11-16T10:50")
    walk_in("001", "16", "2026-11-16T14:00", "no_show", "2026-11-16T14:10")
    walk_in("002", "16", "2026-11-16T14:30", "waiting")
    visit(6, "16", "cancelled", "2026-11-17T09:00", "2026-11-05T10:00", entry=3)
    visit(7, "16", "held", "2026-11-17T09:15", "2026-11-16T10:00", entry=4)
    visit(8, "16", "arrived", "2026-11-17T11:00", "2026-11-07T10:00", arrived="2026-11-17T10:55")
    visit(9, "16", "booked", "2026-11-18T09:00", "2026-11-16T10:00")
    visit(10, "09", "no_show", "2026-11-15T09:00", "2026-11-15T08:00")
    walk_in("001", "09", "2026-11-15T09:00", "served", "2026-11-15T10:00", "2026-11-15T10:30")
    wishes = (("16", "waiting", DEATH), ("16", "offered", DEATH), ("16", "waiting", ACCIDENT),
              ("16", "booked", DEATH), ("16", "left", DEATH), ("16", "ended", ACCIDENT), ("09", "waiting", DEATH))
    for n, (agency, status, task) in enumerate(wishes, 1):
        wish(n, agency, status, task)
    for username, role, agency in (("agent16", "agent", "16"), ("admin", "admin", None)):
        accounts.create(username, PASSWORD, role, agency, None, NOW)
    return db


def outcomes(counts):
    return counts.shown + counts.no_show, counts.no_show, counts.no_show_rate


def test_no_show_rate_by_weekday(app, week):
    with app.app_context():
        report = reports.build("16", date(2026, 11, 15), date(2026, 11, 21))
    assert [(w.weekday, *outcomes(w)) for w in report.weekdays] == [
        (6, 3, 2, 66.7), (0, 2, 1, 50.0), (1, 1, 0, 0.0), (2, 0, 0, None)]  # Sunday first; Wednesday unknown


def test_no_show_rate_by_lead_time_in_calendar_days(app, week):
    with app.app_context():
        report = reports.build("16", date(2026, 11, 15), date(2026, 11, 21))
    assert [(lead.band, *outcomes(lead)) for lead in report.leads] == [
        ("same_day", 1, 0, 0.0), ("1_2_days", 1, 1, 100.0), ("3_7_days", 2, 2, 100.0),
        ("8_14_days", 1, 0, 0.0), ("15_days_or_more", 1, 0, 0.0)]
    assert [reports.lead_band(days) for days in (-1, 0, 1, 2, 3, 7, 8, 14, 15, 90)] == [
        "same_day", "same_day", "1_2_days", "1_2_days", "3_7_days", "3_7_days", "8_14_days", "8_14_days",
        "15_days_or_more", "15_days_or_more"]


def test_no_show_rate_per_agency_and_procedure(app, week):
    with app.app_context():
        national = reports.build(None, date(2026, 11, 15), date(2026, 11, 21))
        agency = reports.build("16", date(2026, 11, 15), date(2026, 11, 21))
    assert [(a.code, *outcomes(a)) for a in national.agencies] == [("09", 1, 1, 100.0), ("16", 6, 3, 50.0)]
    assert [(a.code, *outcomes(a)) for a in agency.agencies] == [("16", 6, 3, 50.0)]
    assert {t.task_id: outcomes(t) for t in agency.tasks} == {
        "claim-death-grant": (4, 2, 50.0), "declare-work-accident": (2, 1, 50.0)}


def test_seats_rebooked_from_the_waiting_list(app, week):
    """Taken from the list and not cancelled: the no-show and the served visit of Monday; not
    the cancelled one, nor the hold that was never confirmed."""
    with app.app_context():
        agency = reports.build("16", date(2026, 11, 15), date(2026, 11, 21))
        national = reports.build(None, date(2026, 11, 15), date(2026, 11, 21))
        before = reports.build("16", date(2026, 11, 15), date(2026, 11, 15))
    assert agency.total.rebooked == national.total.rebooked == 2 and before.total.rebooked == 0
    assert {t.task_id: t.rebooked for t in agency.tasks} == {"claim-death-grant": 0, "declare-work-accident": 2}
    assert [(lead.band, lead.rebooked) for lead in agency.leads if lead.rebooked] == [
        ("3_7_days", 1), ("15_days_or_more", 1)]


def test_waiting_list_length(app, week):
    """Entries waiting or offered now, whatever the period; per agency when the report is for one."""
    with app.app_context():
        agency = reports.build("16", date(2026, 11, 15), date(2026, 11, 21))
        national = reports.build(None, date(2026, 11, 15), date(2026, 11, 21))
        long_ago = reports.build("16", date(2025, 1, 1), date(2025, 1, 7))
    assert (agency.waitlist, national.waitlist, long_ago.waitlist) == (3, 4, 3)
    assert {t.task_id: t.waitlist for t in agency.tasks} == {"claim-death-grant": 2, "declare-work-accident": 1}
    assert [(a.code, a.waitlist) for a in national.agencies] == [("09", 1), ("16", 3)]


def test_lobby_waiting_and_service_times(app, week):
    """Waits 10, 40 (appointments), 20, 30, 10 (tickets); service 12, 10, 20, 5. The 90th
    percentile is interpolated (PERCENTILE.INC); within 25 minutes: 3 of 5."""
    with app.app_context():
        report = reports.build("16", date(2026, 11, 15), date(2026, 11, 21))
        national = reports.build(None, date(2026, 11, 15), date(2026, 11, 21))
    assert report.lobby.wait == reports.Spread(5, 20.0, 36.0)
    assert report.lobby.service == reports.Spread(4, 11.0, 17.6)
    assert report.lobby.within_target == 60.0
    assert reports.Lobby(waits=[25, 25.5]).within_target == 50.0  # 25 minutes is within 25 minutes
    assert [(h.hour, h.wait, h.service, h.within_target) for h in report.hours] == [
        (8, reports.Spread(1, 10.0, 10.0), reports.Spread(1, 12.0, 12.0), 100.0),
        (9, reports.Spread(2, 25.0, 29.0), reports.Spread(2, 12.5, 18.5), 50.0),
        (10, reports.Spread(1, 40.0, 40.0), reports.Spread(1, 10.0, 10.0), 0.0),
        (14, reports.Spread(1, 10.0, 10.0), reports.Spread(0, None, None), 100.0)]
    lobby = {a.code: a.lobby for a in national.agencies}
    assert (lobby["09"].wait, lobby["09"].service, lobby["09"].within_target) == (
        reports.Spread(1, 60.0, 60.0), reports.Spread(1, 30.0, 30.0), 0.0)
    assert lobby["16"].wait == report.lobby.wait and national.lobby.within_target == 50.0
    assert [h.wait.count for h in national.hours] == [1, 3, 1, 1]


def test_the_page_shows_the_new_figures(client, week):
    sign_in(client, "agent16")
    soup = client.get("/en/staff/reports", query_string=WEEK).soup
    assert cells(soup, "t-weekdays", "data-weekday", "6") == {"visits": "3", "no_show": "2", "no_show_rate": "66.7"}
    assert soup.select_one('#t-weekdays tr[data-weekday="6"] th').get_text() == "Sunday"
    assert [tr["data-weekday"] for tr in soup.select("#t-weekdays tbody tr")] == ["6", "0", "1", "2"]
    assert cells(soup, "t-leads", "data-band", "3_7_days") == {"visits": "2", "no_show": "2", "no_show_rate": "100.0"}
    assert soup.select_one("#t-agencies") is None  # an agency's report is its own line
    assert {tr["data-key"]: tr.td.get_text() for tr in soup.select("#t-waitlist tr")} == {
        "rebooked": "2", "waitlist": "3"}
    assert cells(soup, "t-waitlist-tasks", "data-task", "work-accident/declare-work-accident") == {
        "rebooked": "2", "waitlist": "1"}
    assert cells(soup, "t-lobby-waits", "data-key", "all") == {
        "called": "5", "median_wait": "20.0", "p90_wait": "36.0", "within_target": "60.0"}
    assert cells(soup, "t-lobby-services", "data-key", "all") == {
        "served": "4", "median_service": "11.0", "p90_service": "17.6"}
    assert [tr.th.get_text() for tr in soup.select("#t-lobby-waits tbody tr")] == ["08:00", "09:00", "10:00", "14:00"]
    assert cells(soup, "t-lobby-waits", "data-hour", "9") == {
        "called": "2", "median_wait": "25.0", "p90_wait": "29.0", "within_target": "50.0"}
    marked = [tr["data-hour"] for tr in soup.select("#t-lobby-waits tr[data-hour]") if tr.select_one(".below-target")]
    assert marked == ["9", "10"]  # below Service Canada's 80 %
    assert soup.select_one('#t-lobby-waits tr[data-key="all"] .below-target')
    assert cells(soup, "t-lobby-services", "data-hour", "14") == {"served": "0", "median_service": "–",
                                                                  "p90_service": "–"}
    assert soup.select_one("#t-lobby-agencies") is None
    sign_in(client, "admin")
    soup = client.get("/en/staff/reports", query_string=WEEK).soup
    assert cells(soup, "t-agencies", "data-agency", "09") == {
        "visits": "1", "no_show": "1", "no_show_rate": "100.0", "rebooked": "0", "waitlist": "1"}
    assert cells(soup, "t-lobby-agencies", "data-agency", "09") == {
        "called": "1", "median_wait": "60.0", "p90_wait": "60.0", "within_target": "0.0", "median_service": "30.0",
        "p90_service": "30.0"}


def test_the_breakdowns_are_in_csv(client, week):
    sign_in(client, "agent16")
    page = client.get("/fr/staff/reports", query_string=WEEK).soup
    link = page.find("a", href=re.compile(r"part=breakdowns"))["href"]
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cnas-report-breakdowns-16-2026-11-15-2026-11-21.csv"')
    rows = read_csv(response)
    assert list(rows[0]) == list(reports.BREAKDOWN_COLUMNS)
    by = {(row["section"], row["group"]): row for row in rows}
    assert [key for key in by if key[0] != "procedure"] == [
        ("total", "all"), ("agency", "16"), ("weekday", "sunday"), ("weekday", "monday"), ("weekday", "tuesday"),
        ("weekday", "wednesday"), ("lead_time", "same_day"), ("lead_time", "1_2_days"), ("lead_time", "3_7_days"),
        ("lead_time", "8_14_days"), ("lead_time", "15_days_or_more"), ("hour", "08:00-09:00"),
        ("hour", "09:00-10:00"), ("hour", "10:00-11:00"), ("hour", "14:00-15:00")]
    assert by[("total", "all")] == {
        "section": "total", "group": "all", "agency": "16", "appointments": "7", "came": "3", "no_show": "3",
        "no_show_rate_pct": "50.0", "rebooked": "2", "waiting_list": "3", "called": "5", "median_wait_min": "20.0",
        "p90_wait_min": "36.0", "called_within_25_min_pct": "60.0", "served": "4", "median_service_min": "11.0",
        "p90_service_min": "17.6"}
    assert (by[("weekday", "sunday")]["no_show_rate_pct"], by[("weekday", "sunday")]["called"]) == ("66.7", "")
    assert by[("lead_time", "1_2_days")]["no_show_rate_pct"] == "100.0"
    procedure = by[("procedure", "work-accident/declare-work-accident")]
    assert (procedure["rebooked"], procedure["waiting_list"], procedure["no_show_rate_pct"]) == ("2", "1", "50.0")
    assert by[("hour", "09:00-10:00")]["called_within_25_min_pct"] == "50.0"
    assert by[("hour", "09:00-10:00")]["appointments"] == ""
    days = read_csv(client.get("/fr/staff/reports.csv", query_string=WEEK))  # the daily file is as it was
    assert list(days[0]) == list(reports.CSV_COLUMNS) and len(days) == 7


def test_the_breakdowns_csv_has_nothing_personal(client, week):
    sign_in(client, "admin")
    text = client.get("/fr/staff/reports.csv", query_string={**WEEK, "part": "breakdowns"}).get_data(as_text=True)
    assert not re.search(r"0[5-7]\d{8}", text) and "WEK" not in text and "WLT" not in text
    assert {row["agency"] for row in csv.DictReader(io.StringIO(text))} == {"all"}
