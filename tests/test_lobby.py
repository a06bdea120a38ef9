"""Lobby use cases called directly: tickets, offline tickets, check-in, tablets."""

from datetime import datetime

import pytest

from webapp import demo
from webapp.booking import appointments
from webapp.clock import ALGIERS, to_utc
from webapp.models import Ticket
from webapp.problems import DomainError
from webapp.staffing import lobby

pytestmark = pytest.mark.usefixtures("use_case")  # these tests call use cases directly

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS)
TASK = ("death-grant", "claim-death-grant")


@pytest.fixture
def catalog(app, db):
    demo.load(app.extensions["catalog"])
    return app.extensions["catalog"]


def test_the_1001st_ticket_of_a_day_is_1001(catalog):
    Ticket.insert_many([
        {"agency": "16", "day": NOW.date(), "number": f"{n:03d}", "prefix": "", "seq": n,
         "service_id": TASK[0], "task_id": TASK[1], "issued_at": to_utc(NOW)} for n in range(1, 1001)
    ]).execute()
    ticket = lobby.take_ticket(catalog, "16", *TASK, NOW)
    assert (ticket.number, ticket.seq) == ("1001", 1001)
    assert lobby.take_ticket(catalog, "16", *TASK, NOW).number == "1002"


def test_offline_tickets_do_not_move_the_agency_counter(catalog):
    device = lobby.enrol("16", "Entrée", "demo-supervisor", NOW)
    assert lobby.record_offline_ticket(catalog, device, f"{device.prefix}-007", *TASK, NOW) == "done"
    assert lobby.record_offline_ticket(catalog, device, f"{device.prefix}-007", *TASK, NOW) == "already"
    assert lobby.take_ticket(catalog, "16", *TASK, NOW).number == "001"


@pytest.mark.parametrize("number", ["K9-001", "K1001", "K1-", "K1-1234567", "001", "K1-00x"])
def test_an_offline_ticket_must_carry_the_tablets_own_prefix(catalog, number):
    device = lobby.enrol("16", "Entrée", "demo-supervisor", NOW)
    with pytest.raises(DomainError, match="ticket_number"):
        lobby.record_offline_ticket(catalog, device, number, *TASK, NOW)
    assert Ticket.select().count() == 0


def test_tickets_are_for_procedures_of_the_catalog(catalog):
    with pytest.raises(DomainError, match="unknown_task"):
        lobby.take_ticket(catalog, "16", "death-grant", "no-such-task", NOW)


def test_check_in_refuses_other_agencies_other_days_and_cancelled_visits(catalog):
    tomorrow = appointments.Request(agency="16", service_id="work-accident", task_id="declare-work-accident",
                                    start=datetime(2026, 12, 3, 9, 0, tzinfo=ALGIERS), full_name="Test Person",
                                    phone="0550123456", lang="fr")
    later, _ = appointments.book(catalog, tomorrow, NOW)
    with pytest.raises(DomainError) as other_day:
        lobby.check_in("16", later.reference, 1, NOW)
    assert other_day.value.code == "not_today" and other_day.value.details["appointment"].id == later.id
    with pytest.raises(DomainError, match="not_found"):
        lobby.check_in("09", demo.reference("DEM2AAAA"), 1, NOW)
    appointments.cancel(demo.reference("DEM2AAAA"), datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS))
    with pytest.raises(DomainError, match="not_found"):
        lobby.check_in("16", demo.reference("DEM2AAAA"), 1, NOW)
    result, found = lobby.check_in("16", demo.reference("DEM2BBBB").lower(), 1, NOW)
    assert result == "done" and found.reference == demo.reference("DEM2BBBB")
    assert lobby.check_in("16", demo.reference("DEM2BBBB"), 1, NOW)[0] == "already"


def test_a_tablet_of_another_agency_cannot_be_revoked(catalog):
    device = lobby.enrol("16", "Entrée", "demo-supervisor", NOW)
    with pytest.raises(DomainError, match="unknown_device"):
        lobby.revoke("09", device.id, "someone", NOW)
    assert lobby.active_device(device.id) is not None
    lobby.revoke("16", device.id, "demo-supervisor", NOW)
    assert lobby.active_device(device.id) is None
