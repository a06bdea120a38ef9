"""The deadline helper: dates from structured deadlines, Algerian working days, bad input."""

from datetime import date

import pytest

from webapp.algeria import is_working_day
from webapp.catalog.deadlines import limit_date, parse_date


@pytest.mark.parametrize(
    "amount, unit, event, expected",
    [
        (48, "hours", date(2026, 3, 10), date(2026, 3, 12)),
        (24, "hours", date(2026, 3, 10), date(2026, 3, 11)),
        (15, "days", date(2026, 1, 20), date(2026, 2, 4)),
        (3, "months", date(2026, 11, 30), date(2027, 2, 28)),
        (4, "years", date(2024, 2, 29), date(2028, 2, 29)),
        (4, "years", date(2023, 3, 1), date(2027, 3, 1)),
        # Wednesday + 2 working days: Thursday, then (Friday, Saturday off) Sunday.
        (2, "working_days", date(2026, 3, 11), date(2026, 3, 15)),
    ],
)
def test_limit_date(amount, unit, event, expected):
    assert limit_date({"amount": amount, "unit": unit}, event) == expected


def test_working_days_skip_public_holidays():
    assert not is_working_day(date(2026, 11, 1))  # Revolution Day (a Sunday)
    assert not is_working_day(date(2026, 7, 5))  # Independence Day
    assert not is_working_day(date(2026, 11, 27))  # a Friday
    assert is_working_day(date(2026, 11, 29))  # a Sunday
    # Thursday 2026-10-29 + 1 working day: Fri, Sat off, Sunday 1 November is a holiday.
    assert limit_date({"amount": 1, "unit": "working_days"}, date(2026, 10, 29)) == date(2026, 11, 2)


@pytest.mark.parametrize(
    "typed, expected",
    [("2026-03-10", date(2026, 3, 10)), ("10/03/2026", date(2026, 3, 10)), (" 2026-03-10 ", date(2026, 3, 10)),
     ("2026-02-30", None), ("31/31/2026", None), ("yesterday", None), ("0001-01-01", None), ("1/2", None)],
)
def test_parse_date(typed, expected):
    assert parse_date(typed) == expected


def test_helper_on_the_task_page(client):
    url = "/fr/services/work-accident/declare-work-accident?date-accident=2026-03-10&date-employer-learned=2026-03-10"
    helper = client.get(url).soup.find(id="deadline-helper").get_text(" ")
    assert "jeudi 12 mars 2026" in helper  # the employer's 48 hours, from when it learned of the accident
    assert "mercredi 11 mars 2026" in helper  # your 24 hours


def test_helper_in_arabic_uses_algerian_months(client):
    url = "/ar/services/death-grant/claim-death-grant?date-death=2026-01-15"
    helper = client.get(url).soup.find(id="deadline-helper").get_text(" ")
    assert "جانفي 2030" in helper


def test_helper_fragment_for_htmx(client):
    response = client.get(
        "/en/services/work-accident/declare-work-accident?date-employer-learned=2026-03-10",
        headers={"HX-Request": "true", "HX-Target": "deadline-helper"},
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="deadline-helper"') and "Thursday, March 12, 2026" in body


def test_bad_date_gets_a_translated_422(client):
    response = client.get("/fr/services/work-accident/declare-work-accident?date-accident=31/02/2026")
    assert response.status_code == 422
    field = response.soup.find(id="date-accident")
    assert field["aria-invalid"] == "true"
    assert "Saisissez une date valide" in response.soup.find(id="date-accident-error").get_text()


def test_the_helper_says_when_a_deadline_has_passed(client):
    """Today is 1 December 2026 (the test clock): an accident on 20 November is past its 24-
    and 48-hour deadlines, not its 4-year one."""
    url = ("/fr/services/work-accident/declare-work-accident?date-accident=2026-11-20"
           "&date-employer-learned=2026-11-20#deadline-helper")
    rows = client.get(url).soup.select("#deadline-helper .dates li")
    passed = [row for row in rows if row.select_one(".error")]
    assert len(rows) == 3 and len(passed) == 2
    said = " ".join(row.select_one(".error").get_text(" ") for row in passed)
    assert "Ce délai est passé il y a 10 jours." in said and "il y a 9 jours" in said and "agence" in said
    recent = client.get(url.replace("2026-11-20", "2026-12-01")).soup.select("#deadline-helper .dates li .error")
    assert not recent
