"""The three doors (pages, JSON API, lobby tablet) share one rule each: they refuse alike."""

import re

import pytest

from webapp import demo
from webapp.models import Appointment, DisabledTask

NOT_BOOKABLE = ("long-term-illnesses", "list-of-26-illnesses")
BOOKABLE = ("death-grant", "claim-death-grant")
PERSON = {"agency": "16", "date": "2026-12-02", "time": "11:00", "full_name": "Amina Test", "phone": "0550123456"}


def csrf(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/fr/manage").get_data(as_text=True)).group(1)


@pytest.fixture
def doors(app, db):
    """A browser, an API client and an enrolled lobby tablet of agency 16."""
    demo.load(app.extensions["catalog"])
    tablet = app.test_client()
    tablet.post("/fr/staff/login", data={"csrf_token": csrf(tablet), "username": "demo-supervisor",
                                         "password": "Chef-agence-16-demo"})
    assert tablet.post("/fr/staff/16/kiosks", data={"csrf_token": csrf(tablet)}).status_code == 303
    return {"page": app.test_client(), "api": app.test_client(), "kiosk": tablet}


def refusals(doors, task):
    """(status, message) of a confirmed booking of `task` through each door, in French."""
    answers = {}
    for name in ("page", "kiosk"):
        client = doors[name]
        response = client.post(f"/fr/book/{task[0]}/{task[1]}/confirm",
                               data={**PERSON, "csrf_token": csrf(client), "key": f"key-{name}"})
        alert = response.soup.select_one("[role=alert]")
        answers[name] = (response.status_code, alert.get_text(" ", strip=True))
        if name == "kiosk":
            assert "kiosk" in response.soup.body["class"]
    api = doors["api"].post("/api/v1/appointments", json={**PERSON, "service": task[0], "task": task[1]},
                            headers={"Idempotency-Key": "key-api", "Accept-Language": "fr"})
    answers["api"] = (api.status_code, api.json["error"]["message"])
    return answers, api.json["error"]["code"]


def test_a_procedure_without_appointments_is_refused_alike(doors):
    answers, code = refusals(doors, NOT_BOOKABLE)
    assert code == "not_bookable"
    assert set(answers.values()) == {(422, "Cette démarche ne nécessite pas de rendez-vous.")}, answers
    assert Appointment.select().where(Appointment.full_name == PERSON["full_name"]).count() == 0


def test_an_agency_that_does_not_book_a_procedure_is_refused_alike(doors):
    DisabledTask.create(agency="16", service_id=BOOKABLE[0], task_id=BOOKABLE[1])
    answers, code = refusals(doors, BOOKABLE)
    assert code == "not_bookable_here"
    expected = "Cette agence ne prend pas de rendez-vous pour cette démarche. Choisissez une autre agence."
    assert set(answers.values()) == {(422, expected)}, answers
    assert Appointment.select().where(Appointment.full_name == PERSON["full_name"]).count() == 0
