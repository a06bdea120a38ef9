"""Agency settings and accounts use cases, called directly."""

from datetime import date, datetime

import pytest

from webapp import demo
from webapp.booking import availability
from webapp.clock import ALGIERS
from webapp.models import Appointment, AuditEntry, Closure, DisabledTask, Staff
from webapp.problems import DomainError
from webapp.staffing import accounts, settings

pytestmark = pytest.mark.usefixtures("use_case")  # these tests call use cases directly

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)
HOURS = {d: {"open": True, "opens": "08:00", "closes": "16:00"} for d in (6, 0, 1, 2, 3)}


@pytest.fixture
def catalog(app, db):
    demo.load(app.extensions["catalog"])
    return app.extensions["catalog"]


def form(desks=4, **changes):
    return {"slot_minutes": 15, "desks": desks, "horizon_days": 30, "min_notice_minutes": 120,
            "hours": HOURS, **changes}


def test_fewer_desks_than_bookings_lists_the_visits_first_and_changes_nothing(catalog):
    with pytest.raises(DomainError) as pending:
        settings.change(catalog, "09", form(desks=1), set(), False, "chef", NOW)
    assert pending.value.code == "confirm" and pending.value.status == 409
    assert [a.reference for a in pending.value.details["affected"]] == [demo.reference("DEM2DDDD")]
    assert availability.load_rules("09").desks == 2 and AuditEntry.select().count() == 0
    assert settings.change(catalog, "09", form(desks=1), set(), True, "chef", NOW) == 1
    assert availability.load_rules("09").desks == 1
    assert Appointment.get(Appointment.reference == demo.reference("DEM2DDDD")).flag


def test_only_bookable_procedures_of_the_catalog_can_be_switched_off(catalog):
    wanted = {("death-grant", "claim-death-grant"), ("long-term-illnesses", "list-of-26-illnesses"), ("x", "y")}
    settings.change(catalog, "31", form(), wanted, False, "chef", NOW)
    assert {(d.service_id, d.task_id) for d in DisabledTask.select()} == {("death-grant", "claim-death-grant")}
    assert settings.overview("31").disabled == {("death-grant", "claim-death-grant")}


def test_closing_then_reopening(catalog):
    data = {"first_day": date(2026, 12, 2), "last_day": date(2026, 12, 2), "reason": "Travaux"}
    with pytest.raises(DomainError, match="confirm"):
        settings.close("16", data, False, "chef", NOW)
    assert settings.close("16", data, True, "chef", NOW) == 2
    closure = Closure.get(Closure.reason == "Travaux")
    with pytest.raises(DomainError, match="unknown_closure"):
        settings.reopen("09", closure.id, "chef", NOW)  # another agency's closure
    settings.reopen("16", closure.id, "chef", NOW)
    assert not Closure.select().where(Closure.reason == "Travaux").exists()


def test_settings_of_an_agency_without_appointments(catalog):
    with pytest.raises(DomainError) as unknown:
        settings.overview("00")
    assert unknown.value.code == "unknown_agency" and unknown.value.status == 404


@pytest.mark.parametrize("username, role, agency, code", [
    ("ab", "agent", "16", "username"),
    ("agent 16", "agent", "16", "username"),
    ("agent16", "boss", "16", "role"),
    ("agent16", "agent", None, "agency"),
    ("agent16", "agent", "99", "agency"),
    ("demo-agent", "agent", "16", "taken"),
])
def test_accounts_are_checked(catalog, username, role, agency, code):
    with pytest.raises(DomainError) as refused:
        accounts.create(username, "Une-phrase-longue-2026", role, agency, "admin", NOW, agencies={"16", "09"})
    assert refused.value.code == code


def test_deactivating_an_account(catalog):
    agent = Staff.get(Staff.username == "demo-agent")
    accounts.deactivate(agent.id, "demo-admin", NOW)
    assert not Staff.get_by_id(agent.id).active
    with pytest.raises(DomainError, match="unknown_account"):
        accounts.deactivate(10**6, "demo-admin", NOW)
