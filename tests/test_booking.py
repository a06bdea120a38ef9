"""Booking rules: calendar, notice, horizon, capacity, limits per phone, cancel, move, purge."""

from datetime import date, datetime, timedelta

import pytest

from webapp import demo
from webapp.__main__ import cli
from webapp.booking import appointments, availability, codes
from webapp.booking.appointments import Request
from webapp.booking.purge import purge
from webapp.clock import ALGIERS, from_utc, to_utc
from webapp.models import Appointment, HolidayOverride, IdempotencyKey, Message, RateLimit
from webapp.problems import DomainError

pytestmark = pytest.mark.usefixtures("use_case")  # these tests call use cases directly

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)  # a Tuesday


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ALGIERS)


def request(start, phone="0550123456", task=("death-grant", "claim-death-grant"), agency="09"):
    return Request(agency=agency, service_id=task[0], task_id=task[1], start=start,
                   full_name="Test Person", phone=phone, lang="fr")


@pytest.fixture
def catalog(app, db):
    """The demo data loaded; the catalog that use cases are given."""
    demo.load(app.extensions["catalog"])
    return app.extensions["catalog"]


@pytest.mark.parametrize(
    "day, reason",
    [
        ("2026-11-30", "past"),
        ("2026-12-04", "closed"),  # Friday
        ("2026-12-05", "closed"),  # Saturday
        ("2026-12-24", "closure"),  # demo closure of agency 16
        ("2026-12-31", None),  # the 30th day ahead: the last one open for booking
        ("2027-01-01", "too_far"),  # the 31st (a holiday, but too far first)
        ("2027-01-05", "too_far"),  # beyond 30 days
        ("2026-12-06", None),  # Sunday: open
    ],
)
def test_closed_reason(catalog, day, reason):
    rules = availability.load_rules("16")
    assert availability.closed_reason(rules, date.fromisoformat(day), NOW) == reason


def test_open_days_stop_at_the_horizon(catalog):
    rules = availability.load_rules("16")
    days = [day for day, _ in availability.open_days(rules, NOW, start=date(2026, 12, 29))]
    assert days == [date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)]  # then a weekend, then too far


def test_public_holidays_are_closed_unless_overridden(catalog):
    rules = availability.load_rules("16")
    rules.horizon_days = 60
    yennayer = date(2027, 1, 12)  # Amazigh New Year, a Tuesday
    assert availability.closed_reason(rules, yennayer, NOW) == "holiday"
    HolidayOverride.create(agency="16", day=yennayer)
    rules = availability.load_rules("16")
    rules.horizon_days = 60
    assert availability.closed_reason(rules, yennayer, NOW) is None


def test_islamic_holidays_move_each_year():
    from webapp.algeria import public_holidays

    fitr = [d for d, name in public_holidays(2026).items() if "Fitr" in name]
    fitr_next = [d for d, name in public_holidays(2027).items() if "Fitr" in name]
    assert fitr and fitr_next and (fitr[0].month, fitr[0].day) != (fitr_next[0].month, fitr_next[0].day)


def test_slots_respect_hours_notice_and_length(catalog):
    rules = availability.load_rules("16")
    today = availability.day_slots(rules, date(2026, 12, 1), NOW)
    assert today[0].start == at("2026-12-01", "11:00")  # 2 hours of notice
    assert today[-1].start == at("2026-12-01", "15:45")  # last 15-minute slot before 16:00
    tomorrow = availability.day_slots(rules, date(2026, 12, 2), NOW)
    assert len(tomorrow) == 32
    assert {s.start: s.remaining for s in tomorrow}[at("2026-12-02", "09:00")] == 3  # one demo booking


def test_times_are_stored_in_utc_without_daylight_saving(catalog):
    winter = appointments.book(catalog, request(at("2026-12-02", "09:00"), agency="16"), NOW)[0]
    assert Appointment.get_by_id(winter.id).starts_at == datetime(2026, 12, 2, 8, 0)
    assert from_utc(datetime(2027, 7, 1, 8, 0)).isoformat() == "2027-07-01T09:00:00+01:00"


def test_full_slot_gives_alternatives_and_capacity_holds(catalog):
    with pytest.raises(DomainError) as info:
        appointments.book(catalog, request(at("2026-12-02", "10:00")), NOW)[0]  # agency 09 is full at 10:00
    assert info.value.code == "slot_full"
    assert info.value.alternatives and all(s.remaining for s in info.value.alternatives)
    assert info.value.alternatives[0].start.date() == date(2026, 12, 2)
    assert Appointment.select().where(Appointment.agency == "09",
                                      Appointment.starts_at == datetime(2026, 12, 2, 9, 0)).count() == 2


def test_seats_fill_up_to_the_desks(catalog):
    start = at("2026-12-03", "08:00")
    appointments.book(catalog, request(start, phone="0550000101"), NOW)[0]
    appointments.book(catalog, request(start, phone="0550000102"), NOW)[0]
    with pytest.raises(DomainError, match="slot_full"):
        appointments.book(catalog, request(start, phone="0550000103"), NOW)[0]


@pytest.mark.parametrize("start, code", [
    (at("2026-12-01", "10:00"), "too_soon"),
    (at("2026-12-02", "09:07"), "not_a_slot"),
    (at("2026-12-02", "16:00"), "not_a_slot"),
    (at("2026-12-04", "09:00"), "closed"),
    (at("2026-11-30", "09:00"), "past"),
])
def test_invalid_times_are_refused(catalog, start, code):
    with pytest.raises(DomainError, match=code):
        appointments.book(catalog, request(start), NOW)[0]
    assert Appointment.select().where(Appointment.phone == "0550123456").count() == 0


def test_two_hours_of_notice_exactly(catalog):
    rules = availability.load_rules("09")
    assert availability.is_slot(rules, at("2026-12-01", "10:45"), NOW) == "too_soon"
    assert availability.is_slot(rules, at("2026-12-01", "11:00"), NOW) is None
    booked, _ = appointments.book(catalog, request(at("2026-12-01", "11:00")), NOW)
    assert from_utc(booked.starts_at) == NOW + timedelta(hours=2)


def test_one_appointment_per_task_and_two_in_all_per_phone(catalog):
    first = appointments.book(catalog, request(at("2026-12-02", "11:00")), NOW)[0]
    with pytest.raises(DomainError) as same:
        appointments.book(catalog, request(at("2026-12-03", "11:00")), NOW)[0]
    assert same.value.code == "same_task" and same.value.existing.id == first.id
    appointments.book(catalog, request(at("2026-12-03", "11:00"), task=("work-accident", "declare-work-accident")), NOW)
    with pytest.raises(DomainError, match="limit"):
        appointments.book(catalog, request(at("2026-12-06", "11:00"),
                                           task=("family-allowances", "apply-family-allowances")), NOW)


def test_cancel_frees_the_seat(catalog):
    start = at("2026-12-02", "10:00")  # full at agency 09
    held = Appointment.get(Appointment.reference == demo.reference("DEM2DDDD"))
    appointments.cancel(held.reference, NOW)
    assert Appointment.get_by_id(held.id).seat is None
    appointments.book(catalog, request(start), NOW)[0]  # the freed seat is available again
    with pytest.raises(DomainError, match="not_cancellable"):
        appointments.cancel(held.reference, NOW)


def test_reschedule_moves_or_changes_nothing(catalog):
    mine = appointments.book(catalog, request(at("2026-12-02", "11:00")), NOW)[0]
    appointments.reschedule(mine.reference, at("2026-12-03", "09:30"), NOW)
    moved = Appointment.get_by_id(mine.id)
    assert from_utc(moved.starts_at) == at("2026-12-03", "09:30")
    old_slot = availability.day_slots(availability.load_rules("09"), date(2026, 12, 2), NOW)
    assert {s.start: s.remaining for s in old_slot}[at("2026-12-02", "11:00")] == 2
    with pytest.raises(DomainError) as full:
        appointments.reschedule(moved.reference, at("2026-12-02", "10:00"), NOW)
    assert full.value.code == "slot_full" and full.value.alternatives
    assert Appointment.get_by_id(mine.id).starts_at == moved.starts_at


def test_fallback_to_a_nearby_slot(catalog):
    booked, moved = appointments.book(catalog, request(at("2026-12-02", "10:00")), NOW, "same_day")
    assert moved and from_utc(booked.starts_at).date() == date(2026, 12, 2)
    with pytest.raises(DomainError, match="slot_full"):
        appointments.book(catalog, request(at("2026-12-02", "10:00"), phone="0550999999"), NOW, "none")


def test_references_are_random_checked_and_typo_proof():
    refs = {codes.new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in list(refs)[:50]:
        assert len(ref) == 9 and set(ref) <= set(codes.ALPHABET)
        assert codes.normalize(codes.display(ref).lower()) == ref
        for i in range(9):
            for char in codes.ALPHABET:
                if char != ref[i]:
                    assert codes.normalize(ref[:i] + char + ref[i + 1:]) is None
    assert codes.normalize("O0I1ABCDE") is None


def test_reference_check_character_is_luhn_mod_32():
    """References handed out stay valid from one release to the next: the check character is
    Luhn mod N over the alphabet, which also catches swapped neighbours but for "2" and "Z"."""
    known = {"DEM2AAAA": "U", "23456789": "N", "ZZZZZZZZ": "A", "ABCDEFGH": "N", "K7QX9M2R": "R"}
    assert {body: codes.check_character(body) for body in known} == known
    for ref in [codes.new_reference() for _ in range(300)]:
        for i in range(8):
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
            if ref[i] != ref[i + 1] and {ref[i], ref[i + 1]} != {"2", "Z"}:
                assert codes.normalize(swapped) is None, (ref, swapped)


def test_purge_keeps_counts_and_forgets_people(catalog):
    appointments.book(catalog, request(at("2026-12-02", "09:00")), NOW)  # its confirmation SMS is sent
    appointments.book(catalog, request(at("2026-12-02", "09:30"), phone="0550123457"), NOW)  # ... not this one
    Message.update(status="delivered").where(Message.recipient == "0550123456").execute()
    later = NOW + timedelta(days=120)
    counts = purge(later, days=90)
    assert counts["appointments anonymised"] == 6 and counts["messages anonymised"] == 1
    rows = list(Appointment.select())
    assert len(rows) == 6 and all(r.phone is None and r.full_name is None and r.purged for r in rows)
    sent, waiting = Message.select().order_by(Message.id)
    assert (sent.recipient, sent.body, sent.kind, sent.status) == ("", "", "confirmed", "delivered")
    assert waiting.recipient == "0550123457"  # a message still to send keeps its address
    assert purge(later, days=90) == {**counts, "appointments anonymised": 0, "messages anonymised": 0}


def test_purge_after_90_days_keys_after_7_and_counters_after_1(catalog):
    """The default delays of purge (and so of `python -m webapp purge`), each at its boundary."""
    IdempotencyKey.insert_many([
        {"key": "6 days", "request_hash": "x", "created_at": to_utc(NOW - timedelta(days=6, hours=23))},
        {"key": "7 days", "request_hash": "x", "created_at": to_utc(NOW - timedelta(days=7, minutes=1))},
    ]).execute()
    seconds = int(NOW.timestamp())
    RateLimit.insert_many([{"key": "today", "window": seconds - 23 * 3600, "hits": 1},
                           {"key": "yesterday", "window": seconds - 25 * 3600, "hits": 1}]).execute()
    counts = purge(NOW)
    assert counts == {"appointments anonymised": 0, "messages anonymised": 0, "idempotency keys deleted": 1,
                      "rate-limit counters deleted": 1}
    assert [k.key for k in IdempotencyKey.select()] == ["6 days"]
    assert [r.key for r in RateLimit.select()] == ["today"]
    # The demo visits of 2 December at 09:00 and 09:15: 90 days later, the first only.
    assert purge(at("2027-03-02", "09:00"))["appointments anonymised"] == 0
    assert purge(at("2027-03-02", "09:01"))["appointments anonymised"] == 1
    assert Appointment.get(Appointment.reference == demo.reference("DEM2AAAA")).phone is None
    assert Appointment.get(Appointment.reference == demo.reference("DEM2BBBB")).phone == "0660000002"


def test_the_purge_command_keeps_90_days_too():
    days = next(option for option in cli.commands["purge"].params if option.name == "days")
    assert days.default == 90


def test_lookups_count_against_the_reference_however_it_is_written(catalog):
    """Case, dashes and spaces (a no-break space too) are folded before the count: five wrong
    phones for one reference, each written another way and from another address, and the
    right phone is refused too, for a while."""
    reference = demo.reference("DEM2AAAA")  # phone 0550000001
    written = [reference.lower(), codes.display(reference), f" {reference[:4]} {reference[4:]} ",
               codes.display(reference).lower().replace("-", "\u00a0"), f"{reference[:2]}-{reference[2:].lower()}"]
    for n, typed in enumerate(written):
        with pytest.raises(DomainError, match="not_found"):
            appointments.find(typed, "0660000009", f"10.0.0.{n}", NOW)
    with pytest.raises(DomainError, match="rate_limited"):
        appointments.find(reference, "0550000001", "10.0.1.1", NOW)
    assert appointments.find(demo.reference("DEM2BBBB"), "0660000002", "10.0.1.1", NOW)  # another reference
