"""The waiting list (issue 15): join when the day is full, an offer when a seat frees up, taken
with the SMS code; an offer left to lapse, or given back, goes to the next person; pages,
API, staff."""

import re
from datetime import date, datetime, timedelta

import peewee as pw
import pytest

from webapp import demo
from webapp.booking import appointments, availability, codes, waitlist
from webapp.booking.waitlist import Wish
from webapp.clock import ALGIERS, from_utc, to_utc
from webapp.models import Appointment, Message, WaitlistEntry
from webapp.problems import DomainError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)
DAY = date(2026, 12, 9)  # a Wednesday
TASK = ("death-grant", "claim-death-grant")


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), ALGIERS)


def fill_day(agency: str = "09", day: date = DAY) -> list[Appointment]:
    """Every seat of the day booked (confirmed), each by its own phone."""
    rules = availability.load_rules(agency)
    made = []
    for n, start in enumerate(availability.slot_starts(rules, day)):
        for seat in range(rules.desks):
            made.append(Appointment.create(
                reference=codes.new_reference(), agency=agency, service_id=TASK[0], task_id=TASK[1],
                starts_at=to_utc(start), seat=seat, full_name="Full Day", phone=f"077{n:05d}{seat:02d}",
                lang="fr", created_at=to_utc(NOW)))
    return made


def from_start(appointment) -> tuple[str, int]:
    """(local time, seat) of an appointment."""
    return from_utc(appointment.starts_at).strftime("%H:%M"), appointment.seat


def wish(phone="0661000001", period="any", first=DAY, last=DAY, lang="fr") -> Wish:
    return Wish(agency="09", service_id=TASK[0], task_id=TASK[1], first_day=first, last_day=last, period=period,
                full_name="Waiting Person", phone=phone, lang=lang)


def offer_code(phone: str) -> str:
    message = (Message.select().where((Message.kind == "offer") & (Message.recipient == phone))
               .order_by(Message.id.desc()).first())
    assert message is not None, f"no offer was sent to {phone}"
    return re.search(r"\b\d{6}\b", message.body).group()


@pytest.fixture
def catalog(app, db, use_case):
    demo.load(app.extensions["catalog"])
    app.config["HOLDS_PER_ADDRESS"] = 0
    return app.extensions["catalog"]


def test_a_freed_seat_is_offered_to_the_first_in_line_who_takes_it(catalog):
    booked = fill_day()
    first = waitlist.join(catalog, wish(), NOW)
    second = waitlist.join(catalog, wish(phone="0661000002"), NOW)
    assert first.status == second.status == "waiting"  # the day is full: nothing to offer
    assert (waitlist.position(first), waitlist.position(second)) == (1, 2)
    assert waitlist.join(catalog, wish(), NOW).id == first.id  # joining again is the same entry

    freed = {from_start(a): a for a in booked}[("09:15", 1)]
    appointments.cancel(freed.reference, NOW)  # someone cancels
    offer = waitlist.live_offer(WaitlistEntry.get_by_id(first.id))
    assert offer is not None and offer.starts_at == freed.starts_at and offer.status == "held"
    assert WaitlistEntry.get_by_id(first.id).status == "offered" and waitlist.live_offer(second) is None
    sms = Message.get((Message.kind == "offer") & (Message.recipient == "0661000001"))
    assert "09/12 09:15" in sms.body and f"/o/{offer.reference}" in sms.body and "11:00" in sms.body  # 2 hours

    direct = appointments.Request(agency="09", service_id=TASK[0], task_id=TASK[1], start=at("09:15"),
                                  full_name="Direct", phone="0550999999", lang="fr")
    with pytest.raises(DomainError) as refused:  # the seat is the waiting person's: no one else takes it
        appointments.book(catalog, direct, NOW)
    assert refused.value.code == "slot_full"
    taken = appointments.confirm(offer.reference, offer_code("0661000001"), NOW + timedelta(minutes=20))
    assert taken.status == "booked" and WaitlistEntry.get_by_id(first.id).status == "booked"
    assert waitlist.position(WaitlistEntry.get_by_id(second.id)) == 1
    assert waitlist.rebooked("09") == 1


def test_an_offer_left_to_lapse_passes_to_the_next_person(catalog):
    booked = fill_day()
    first = waitlist.join(catalog, wish(), NOW)
    second = waitlist.join(catalog, wish(phone="0661000002"), NOW)
    appointments.cancel(booked[0].reference, NOW)
    lapsed = waitlist.live_offer(WaitlistEntry.get_by_id(first.id))
    later = NOW + timedelta(hours=2, minutes=1)
    assert waitlist.match(later) == 1  # what the worker does each pass
    passed = waitlist.live_offer(WaitlistEntry.get_by_id(second.id))
    assert passed is not None and passed.starts_at == lapsed.starts_at
    assert Appointment.get_by_id(lapsed.id).status == "expired"
    again = WaitlistEntry.get_by_id(first.id)
    assert again.status == "waiting" and again.lapsed_offers == 1 and waitlist.position(again) == 1
    with pytest.raises(DomainError) as late:
        appointments.confirm(lapsed.reference, offer_code("0661000001"), later)
    assert late.value.code == "hold_expired"


def test_not_this_time_gives_the_seat_to_the_next_and_keeps_ones_place(catalog):
    booked = fill_day()
    first = waitlist.join(catalog, wish(), NOW)
    second = waitlist.join(catalog, wish(phone="0661000002"), NOW)
    appointments.cancel(booked[0].reference, NOW)
    offered = waitlist.live_offer(WaitlistEntry.get_by_id(first.id))
    waitlist.decline(offered.reference, NOW)
    assert waitlist.live_offer(WaitlistEntry.get_by_id(second.id)).starts_at == offered.starts_at
    assert WaitlistEntry.get_by_id(first.id).status == "waiting"


def test_leaving_the_list_passes_an_offered_seat_on(catalog):
    booked = fill_day()
    first = waitlist.join(catalog, wish(), NOW)
    second = waitlist.join(catalog, wish(phone="0661000002"), NOW)
    appointments.cancel(booked[0].reference, NOW)
    left = waitlist.leave(first.reference, NOW)
    assert WaitlistEntry.get_by_id(first.id).status == "left" and waitlist.position(left) is None
    assert waitlist.live_offer(WaitlistEntry.get_by_id(second.id)) is not None


def test_offers_fit_the_wished_time_of_day(catalog):
    booked = {from_start(a): a for a in fill_day()}
    afternoon = waitlist.join(catalog, wish(period="afternoon"), NOW)
    morning = waitlist.join(catalog, wish(phone="0661000002", period="morning"), NOW)
    appointments.cancel(booked[("14:00", 0)].reference, NOW)
    assert waitlist.live_offer(WaitlistEntry.get_by_id(afternoon.id)) is not None
    appointments.cancel(booked[("08:30", 1)].reference, NOW)
    assert waitlist.live_offer(WaitlistEntry.get_by_id(morning.id)).starts_at == to_utc(at("08:30"))


def test_an_offer_made_at_night_goes_at_eight_and_lasts_two_hours_after(catalog):
    booked = fill_day()
    entry = waitlist.join(catalog, wish(), NOW)
    night = datetime(2026, 12, 1, 23, 0, tzinfo=ALGIERS)
    appointments.cancel(booked[0].reference, night)
    offer = waitlist.live_offer(WaitlistEntry.get_by_id(entry.id))
    assert offer.hold_until == to_utc(datetime(2026, 12, 2, 10, 0, tzinfo=ALGIERS))
    sms = Message.get(Message.kind == "offer")
    assert sms.due_at == to_utc(datetime(2026, 12, 2, 8, 0, tzinfo=ALGIERS))  # nobody is woken up


def test_entries_end_after_their_last_day_and_when_joining_checks_the_days(catalog):
    entry = waitlist.join(catalog, wish(first=date(2026, 12, 4), last=date(2026, 12, 5)), NOW)  # a weekend
    assert waitlist.settle(datetime(2026, 12, 6, 0, 5, tzinfo=ALGIERS)) == 1
    assert WaitlistEntry.get_by_id(entry.id).status == "ended"
    for days, problem in (((date(2026, 11, 20), date(2026, 11, 30)), "past"),
                          ((date(2027, 3, 1), date(2027, 3, 5)), "too_far")):
        with pytest.raises(DomainError) as exc:
            waitlist.join(catalog, wish(phone="0661000009", first=days[0], last=days[1]), NOW)
        assert exc.value.code == problem


# --- the doors ---------------------------------------------------------------------------


@pytest.fixture
def pages(app, db, client):
    demo.load(app.extensions["catalog"])
    with app.app_context():
        fill_day()
    return client


def hidden(soup, action_end):
    form = soup.find("form", action=lambda a: a and a.endswith(action_end))
    return form["action"], {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def test_a_full_day_offers_the_waiting_list_and_the_pages_work_without_js(app, pages):
    steps = pages.get("/fr/book/death-grant/claim-death-grant?agency=09&date=2026-12-09").soup
    link = steps.find("a", href=lambda h: h and "/waitlist" in h)
    assert link is not None and "date=2026-12-09" in link["href"]
    form = pages.get(link["href"]).soup
    assert form.select_one("#w-agency option[selected]")["value"] == "09"
    assert form.select_one("#w-first_day")["value"] == "2026-12-09"
    action, fields = hidden(form, "/waitlist")
    person = {"full_name": "Nadia Attente", "phone": "0661 00 00 01"}
    bad = pages.post(action, data={**fields, "agency": "09", "first_day": "2026-12-09", "last_day": "2026-12-09",
                                   "full_name": "Nadia", "phone": "12"})
    assert bad.status_code == 422 and bad.soup.select("#w-phone-error")
    backwards = pages.post(action, data={**fields, **person, "agency": "09", "first_day": "2026-12-10",
                                         "last_day": "2026-12-09"})
    assert backwards.status_code == 422 and backwards.soup.select("#w-last_day-error")
    joined = pages.post(action, data={**fields, "agency": "09", "first_day": "2026-12-09", "last_day": "2026-12-09",
                                      "period": "morning", **person})
    assert joined.status_code == 303
    page = pages.get(joined.location)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.soup.h1.get_text() == "Vous êtes sur la liste d'attente"
    assert "premier" in page.soup.select_one(".lead").get_text()
    sms = Message.get((Message.kind == "waitlist") & (Message.recipient == "0661000001"))
    reference = joined.location.rsplit("/", 1)[1]
    assert reference in sms.body and "09/12" in sms.body

    with app.app_context():  # someone cancels at 10:00
        appointments.cancel(Appointment.get((Appointment.starts_at == to_utc(at("10:00")))
                                            & (Appointment.seat == 0)).reference, NOW)
    assert pages.get(joined.location).soup.h1.get_text() == "Une place vous attend"
    offer = Appointment.get(Appointment.waitlist_entry.is_null(False))
    link = pages.get(f"/o/{offer.reference}", headers={"Accept-Language": "fr"}).location
    page = pages.get(link).soup
    assert "0661000001" not in str(page) and "Nadia" not in str(page)  # the link alone shows nothing personal
    action, fields = hidden(page, f"/offers/{offer.reference}")
    wrong = pages.post(action, data={**fields, "code": "000000" if offer_code("0661000001") != "000000" else "1"})
    assert wrong.status_code == 422 and wrong.soup.select_one("#problem")
    taken = pages.post(action, data={**fields, "code": offer_code("0661000001")})
    assert taken.status_code == 303 and taken.location.endswith(f"/appointments/{offer.reference}")
    assert pages.get(taken.location).soup.h1.get_text() == "Votre rendez-vous est pris"


def test_the_manage_form_finds_a_waiting_list_entry(app, pages):
    with app.app_context():
        entry = waitlist.join(app.extensions["catalog"], wish(), NOW)
    other = app.test_client()
    _, fields = hidden(other.get("/fr/manage").soup, "/manage")
    found = other.post("/fr/manage", data={**fields, "reference": codes.display(entry.reference),
                                           "phone": "0661000001"})
    assert found.status_code == 303 and found.location.endswith(f"/waitlist/{entry.reference}")
    action, fields = hidden(other.get(found.location).soup, "/leave")
    other.post(action, data=fields)
    assert WaitlistEntry.get_by_id(entry.id).status == "left"


def test_the_api_joins_shows_the_place_and_leaves(app, pages):
    body = {"agency": "09", "service": TASK[0], "task": TASK[1], "first_day": "2026-12-09",
            "last_day": "2026-12-09", "period": "afternoon", "full_name": "Api Waiting", "phone": "0661000003"}
    joined = pages.post("/api/v1/waitlist", json=body)
    assert joined.status_code == 201 and joined.json["position"] == 1 and joined.json["offer"] is None
    assert pages.post("/api/v1/waitlist", json=body).json["reference"] == joined.json["reference"]  # idempotent
    ref = joined.json["reference"]
    assert pages.get(f"/api/v1/waitlist/{ref}?phone=0661000003").json["status"] == "waiting"
    assert pages.get(f"/api/v1/waitlist/{ref}?phone=0661000004").status_code == 404
    left = pages.delete(f"/api/v1/waitlist/{ref}?phone=0661000003")
    assert left.status_code == 200 and left.json["status"] == "left" and left.json["position"] is None
    assert pages.post("/api/v1/waitlist", json={**body, "period": "evening"}).status_code == 422


def test_offer_and_waiting_list_sms_fit_their_budget(app, use_case):
    """Arabic in two UCS-2 parts at most, French and English in one GSM-7 part, for every
    bookable agency at the longest values."""
    from types import SimpleNamespace

    from webapp.notify import texts

    app.config["PUBLIC_URL"] = "https://rdv.cnas.dz"
    until = datetime(2026, 12, 31, 22, 45, tzinfo=ALGIERS)
    for agency in (a for a in app.extensions["catalog"].agencies if a["bookable"]):
        for lang in ("ar", "fr", "en"):
            visit = SimpleNamespace(lang=lang, reference="ABCDEFGHK", starts_at=datetime(2026, 12, 31, 22, 45))
            entry = SimpleNamespace(lang=lang, reference="ABCDEFGHK", first_day=date(2026, 12, 30),
                                    last_day=date(2026, 12, 31))
            for text in (texts.offer_text(visit, agency, "123456", until), texts.waitlist_text(entry, agency)):
                budget = ("ucs2", 2) if lang == "ar" else ("gsm7", 1)
                assert texts.segments(text) <= budget and texts.segments(text)[0] == budget[0], (lang, text)


def test_staff_see_the_waiting_list_per_procedure_and_day(app, pages):
    from test_staff import sign_in

    with app.app_context():
        waitlist.join(app.extensions["catalog"], wish(), NOW)
        waitlist.join(app.extensions["catalog"], wish(phone="0661000002", first=date(2026, 12, 10),
                                                       last=date(2026, 12, 11)), NOW)
    sign_in(pages, "demo-admin", "Siege-CNAS-demo")  # the demo agent and supervisor are agency 16's
    page = pages.get("/fr/staff/09/waitlist").soup
    assert page.h1.get_text().startswith("Liste d'attente")
    rows = page.select("tbody tr")
    assert len(rows) == 2 and "0661000001" not in str(page)  # no phone numbers
    assert "2 personnes en attente" in page.select_one(".lead").get_text()
    one_day = pages.get("/fr/staff/09/waitlist?date=2026-12-10").soup
    assert len(one_day.select("tbody tr")) == 1


def test_a_supervisor_adding_a_desk_offers_its_seats_to_the_waiting_list_first(catalog):
    from webapp.staffing import settings

    fill_day()
    entry = waitlist.join(catalog, wish(period="afternoon"), NOW)
    rules = availability.load_rules("09")
    hours = {day: {"open": day in rules.hours, "opens": "08:00", "closes": "16:00"} for day in range(7)}
    data = {"slot_minutes": rules.slot_minutes, "desks": rules.desks + 1, "horizon_days": rules.horizon_days,
            "min_notice_minutes": rules.min_notice_minutes, "hours": hours}
    settings.change(catalog, "09", data, set(), True, "demo-supervisor", NOW)
    offer = waitlist.live_offer(WaitlistEntry.get_by_id(entry.id))
    assert offer is not None and from_start(offer)[0] == "12:00"  # the new desk's first afternoon seat


def test_an_agency_cancelling_a_visit_offers_its_seat_to_the_waiting_list(catalog):
    from webapp.staffing import desk

    booked = fill_day()
    entry = waitlist.join(catalog, wish(), NOW)
    assert desk.act("09", booked[3].id, "cancel", "demo-agent", NOW, reason="Agent ill") == "done"
    assert waitlist.live_offer(WaitlistEntry.get_by_id(entry.id)).starts_at == booked[3].starts_at


def test_a_phone_with_a_visit_for_the_procedure_cannot_wait_for_another(catalog):
    booked = fill_day()
    with pytest.raises(DomainError) as exc:
        waitlist.join(catalog, wish(phone=booked[0].phone), NOW)
    assert exc.value.code == "same_task" and exc.value.existing.id == booked[0].id


def test_a_cancel_is_saved_and_answered_even_when_the_offer_must_wait(catalog, monkeypatch):
    """On PostgreSQL two offers made at once can lock each other out (one is cancelled as a
    deadlock): the cancel that freed the seat is saved and answered all the same, and the
    worker's next round makes the offer."""
    booked = fill_day()
    entry = waitlist.join(catalog, wish(), NOW)
    freed = {from_start(a): a for a in booked}[("09:15", 1)]
    real_match = waitlist.match

    def deadlocked(now, agency=None):
        raise pw.OperationalError("deadlock detected")

    monkeypatch.setattr(waitlist, "match", deadlocked)
    cancelled = appointments.cancel(freed.reference, NOW)
    assert cancelled.status == "cancelled" and Appointment.get_by_id(freed.id).status == "cancelled"
    assert WaitlistEntry.get_by_id(entry.id).status == "waiting"
    monkeypatch.setattr(waitlist, "match", real_match)
    assert waitlist.match(NOW) == 1  # the worker's round
    assert WaitlistEntry.get_by_id(entry.id).status == "offered"
