"""Booking, cancelling and moving appointments; capacity is guarded by the database."""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import peewee as pw

from ..clock import from_utc, to_utc
from ..db import database, write_transaction
from ..models import Appointment, DisabledTask
from . import availability, codes

MAX_FUTURE_PER_PHONE = 2
ACTIVE = ("booked", "arrived")


class BookingError(Exception):
    """A booking that cannot be made; `code` says why, for a translated message."""

    def __init__(self, code: str, alternatives=(), existing=None):
        super().__init__(code)
        self.code = code
        self.alternatives = list(alternatives)
        self.existing = existing


@dataclass
class Request:
    agency: str
    service_id: str
    task_id: str
    start: datetime  # aware
    full_name: str
    phone: str
    lang: str
    email: str | None = None
    ssn: str | None = None
    extra: dict = field(default_factory=dict)


def _rules(code: str) -> availability.Rules:
    rules = availability.load_rules(code)
    if rules is None:
        raise BookingError("unknown_agency")
    return rules


def _lock_phone(phone: str) -> None:
    """Serialise bookings by one phone (SQLite's IMMEDIATE transaction already does)."""
    if isinstance(database.obj, pw.PostgresqlDatabase):
        database.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (phone,))


def future_of(phone: str, now: datetime):
    """The phone's appointments still to come."""
    return (Appointment.select()
            .where((Appointment.phone == phone) & Appointment.status.in_(ACTIVE)
                   & (Appointment.starts_at >= to_utc(now)))
            .order_by(Appointment.starts_at))


def _take_seat(rules, start_utc, assign) -> bool:
    """Try each seat of the slot; `assign(seat)` writes the row. False when all are held."""
    for seat in range(rules.desks):
        try:
            with database.atomic():
                assign(seat)
            return True
        except pw.IntegrityError:
            continue
    return False


def alternatives(rules, start: datetime, now: datetime, count: int = 3) -> list[availability.Slot]:
    """The free slots nearest to `start`: same day first, then the next open days."""
    same_day = [s for s in availability.day_slots(rules, start.date(), now) if s.remaining]
    same_day.sort(key=lambda s: abs(s.start - start))
    found = same_day[:count]
    for day, _ in availability.open_days(rules, now, start.date() + timedelta(days=1), limit=count):
        if len(found) >= count:
            break
        found += [s for s in availability.day_slots(rules, day, now) if s.remaining][: count - len(found)]
    return sorted(found, key=lambda s: s.start)


def book(request: Request, now: datetime) -> Appointment:
    """Book a seat, or raise BookingError (slot taken, limits, closed day...). Nothing half-saved."""
    rules = _rules(request.agency)
    reason = availability.is_slot(rules, request.start, now)
    if reason:
        raise BookingError(reason)
    if DisabledTask.select().where((DisabledTask.agency == request.agency) & (DisabledTask.service_id == request.service_id)
                                   & (DisabledTask.task_id == request.task_id)).exists():
        raise BookingError("not_bookable_here")
    start_utc = to_utc(request.start)
    with write_transaction():
        _lock_phone(request.phone)
        held = list(future_of(request.phone, now))
        same = next((a for a in held if (a.service_id, a.task_id) == (request.service_id, request.task_id)), None)
        if same:
            raise BookingError("same_task", existing=same)
        if len(held) >= MAX_FUTURE_PER_PHONE:
            raise BookingError("limit", existing=held[0])
        appointment = Appointment(
            reference=codes.new_reference(), agency=request.agency, service_id=request.service_id,
            task_id=request.task_id, starts_at=start_utc, full_name=request.full_name,
            phone=request.phone, email=request.email, ssn=request.ssn, lang=request.lang,
            created_at=to_utc(now),
        )

        def assign(seat):
            appointment.seat = seat
            appointment.save(force_insert=True)

        if _take_seat(rules, start_utc, assign):
            return appointment
    raise BookingError("slot_full", alternatives=alternatives(rules, request.start, now))


def book_with_fallback(request: Request, fallback: str, now: datetime) -> tuple[Appointment, bool]:
    """Book the chosen slot, or when it is taken and the person allowed it, the nearest free
    one (same day, or nearest day at about the same time). Returns (appointment, moved)."""
    try:
        return book(request, now), False
    except BookingError as exc:
        if exc.code != "slot_full" or fallback not in ("same_day", "nearest_day"):
            raise
        choices = exc.alternatives
    if fallback == "same_day":
        choices = [s for s in choices if s.start.date() == request.start.date()]
    else:
        choices.sort(key=lambda s: (abs((s.start.date() - request.start.date()).days),
                                    abs(s.start.hour * 60 + s.start.minute
                                        - request.start.hour * 60 - request.start.minute)))
    for slot in choices:
        try:
            return book(replace(request, start=slot.start), now), True
        except BookingError as again:
            if again.code != "slot_full":
                raise
    raise BookingError("slot_full", alternatives=choices)


def find(reference: str, phone: str) -> Appointment | None:
    """The appointment with this reference AND phone, or None (no hint which one was wrong)."""
    return Appointment.get_or_none((Appointment.reference == reference) & (Appointment.phone == phone))


def cancel(appointment: Appointment, now: datetime) -> None:
    """Cancel a future appointment and free its seat."""
    if appointment.status not in ACTIVE or from_utc(appointment.starts_at) < now:
        raise BookingError("not_cancellable")
    with write_transaction():
        (Appointment.update(status="cancelled", seat=None, cancelled_at=to_utc(now))
         .where(Appointment.id == appointment.id).execute())
    appointment.status, appointment.seat = "cancelled", None


def reschedule(appointment: Appointment, start: datetime, now: datetime) -> Appointment:
    """Move to another slot in one transaction: the new seat is taken and the old one freed,
    or nothing changes and BookingError("slot_full") says the new slot is gone."""
    if appointment.status not in ACTIVE or from_utc(appointment.starts_at) < now:
        raise BookingError("not_cancellable")
    rules = _rules(appointment.agency)
    reason = availability.is_slot(rules, start, now)
    if reason:
        raise BookingError(reason)
    start_utc = to_utc(start)

    def assign(seat):
        (Appointment.update(starts_at=start_utc, seat=seat)
         .where(Appointment.id == appointment.id).execute())

    with write_transaction():
        if _take_seat(rules, start_utc, assign):
            appointment.starts_at = start_utc
            return appointment
    raise BookingError("slot_full", alternatives=alternatives(rules, start, now))
