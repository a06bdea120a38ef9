"""The lobby tablet's short ticket menu (the desk types, then "Other question"), the desk a
ticket goes to, and the number of people ahead printed on the ticket."""

from datetime import datetime, timedelta

import pytest

from test_kiosk import NOW, csrf, tablet  # noqa: F401 (the fixture)
from webapp.models import Ticket
from webapp.problems import DomainError
from webapp.staffing import lobby


def take(tablet, desk_type, lang="fr"):  # noqa: F811
    return tablet.post(f"/{lang}/kiosk/ticket", data={"csrf_token": csrf(tablet, f"/{lang}/kiosk/ticket"),
                                                      "service": lobby.DESK_SERVICE, "task": desk_type})


def test_the_menu_offers_the_desk_types_and_other_question(tablet):  # noqa: F811
    soup = tablet.get("/fr/kiosk/ticket").soup
    forms = soup.select("main form[action='/fr/kiosk/ticket']")
    chosen = [(f.select_one("[name=service]")["value"], f.select_one("[name=task]")["value"]) for f in forms]
    # Every desk some bookable procedure goes to, in order, then "Other question": not a form a procedure.
    assert chosen == [("desk", d) for d in ("benefits", "affiliation", "employers", "medical", "listening", "other")]
    names = [soup.find(id=f.button["aria-labelledby"]).get_text(strip=True) for f in forms]
    assert names == ["Prestations et remboursements", "Affiliation et immatriculation", "Employeurs",
                     "Contrôle médical", "Cellule d’écoute", "Autre question"]
    hint = soup.find(id=forms[0].button["aria-describedby"]).get_text()
    assert "Arrêt de travail pour maladie" in hint  # what the desk deals with
    arabic = tablet.get("/ar/kiosk/ticket").soup
    assert arabic.find(id="desk-other").get_text(strip=True) == "سؤال آخر"


def test_a_menu_ticket_keeps_its_desk_type_for_the_queue(app, tablet):  # noqa: F811
    page = take(tablet, "medical")
    assert page.status_code == 201
    ticket = Ticket.get()
    assert (ticket.service_id, ticket.task_id) == ("desk", "medical")
    catalog = app.extensions["catalog"]
    assert lobby.desk_of(catalog, ticket.service_id, ticket.task_id) == "medical"
    assert lobby.desk_of(catalog, "death-grant", "claim-death-grant") == "benefits"  # a procedure's own desk
    assert lobby.desk_of(catalog, "gone", "gone") == "other"
    assert "Contrôle médical" in page.soup.select_one(".receipt").get_text()
    assert not page.soup.select(".receipt .short")  # no procedure, so no list of documents


def test_an_unknown_desk_type_gets_no_ticket(app, db):
    with pytest.raises(DomainError, match="unknown_task"):
        lobby.take_ticket(app.extensions["catalog"], "16", "desk", "cafeteria", NOW)
    assert Ticket.select().count() == 0


def test_a_menu_ticket_taken_offline_reaches_the_queue(tablet):  # noqa: F811
    prefix = tablet.get("/fr/kiosk/ticket").soup.select_one("input[name=prefix]")["value"]
    sent = {"number": f"{prefix}-001", "service": "desk", "task": "other"}
    assert tablet.post("/api/v1/kiosk/tickets", json=sent).json == {"result": "done"}
    assert Ticket.get(Ticket.number == f"{prefix}-001").task_id == "other"


@pytest.mark.parametrize("lang, before, expected", [
    ("fr", 3, "3 personnes avant vous"),
    ("fr", 1, "1 personne avant vous"),
    ("ar", 3, "3 أشخاص أمامك"),
    ("ar", 2, "شخصان أمامك"),
    ("ar", 11, "11 شخصًا أمامك"),
])
def test_the_ticket_says_how_many_people_are_ahead(tablet, lang, before, expected):  # noqa: F811
    for _ in range(before):
        take(tablet, "benefits")
    page = take(tablet, "employers", lang)
    assert expected in page.soup.select_one(".receipt .place").get_text()
    live = tablet.get("/" + page.soup.select_one(".receipt .code").get_text().split("/", 1)[1])
    assert expected in live.soup.select_one("[role=status]").get_text()  # and on the phone's page


def test_each_desk_type_has_its_own_service_time():
    """A menu ticket's visit lasts as long as those of its desk type, not as any menu ticket's."""
    start = datetime(2026, 12, 1, 8, 0)
    served = [Ticket(id=n, service_id="desk", task_id=desk_type, number=f"{n:03d}", issued_at=start,
                     called_at=start + timedelta(hours=n), served_at=start + timedelta(hours=n, minutes=minutes))
              for n, (desk_type, minutes) in enumerate([("medical", 30)] * 3 + [("employers", 5)] * 3)]
    times = lobby.durations([lobby._ticket(t) for t in served], 15)
    assert (times.of("desk/medical"), times.of("desk/employers")) == (30, 5)
