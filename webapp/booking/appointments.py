"""Booking, looking up, cancelling and moving appointments: the rules of every door, once.

Each public function here is one action a person can take. It takes plain values, checks
every rule, writes in one transaction, and returns a result or raises DomainError.
Capacity is guarded by the database (a unique seat index), never by a read-then-write.
"""

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import peewee as pw

from ..catalog import checklist
from ..clock import ALGIERS, from_utc, to_utc
from ..db import UNAVAILABLE, database, write_transaction
from ..models import Appointment, WaitlistEntry
from ..notify import outbox
from ..problems import DomainError
from . import availability, codes, idempotency, phones, ratelimit

MAX_FUTURE_PER_PHONE = 2
ACTIVE = ("booked", "arrived")  # confirmed visits: they count against the phone's limits
CHANGEABLE = ("held", *ACTIVE)  # a hold can be cancelled or moved too
FALLBACKS = ("none", "same_day", "nearest_day")
LOOKUP_WINDOW = 600  # seconds
LOOKUPS_PER_CLIENT = 30  # per window, from one address
LOOKUPS_PER_REFERENCE = 5  # per window, for one reference however it is written


@dataclass
class Request:
    """A booking as a person asked for it (already validated for shape by a schema)."""

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
    # A booking from the public site waits `hold` for its phone's code (None: confirmed at once,
    # as when staff book for someone in front of them), and counts against the hold limits of
    # its client address and device.
    hold: timedelta | None = None
    address: str | None = None
    device: str | None = None
    waitlist_entry: int | None = None  # an offer of the waiting list (see waitlist.py)
    # The task page's checklist answers ({question id: option id}); book() keeps the valid ones.
    answers: dict = field(default_factory=dict)
    # False: the caller queues its own message about the booking (applications/review.py book_visit).
    notify: bool = True


def request_from(data: dict, lang: str, address: str | None = None, device: str | None = None) -> Request:
    """The public booking request of a validated schemas.Booking (form, API or outbox alike):
    held for the phone's code; longer when the phone's outbox queued it offline."""
    return Request(
        agency=data["agency"], service_id=data["service"], task_id=data["task"],
        start=datetime.combine(data["date"], data["time"], ALGIERS), full_name=data["full_name"],
        phone=data["phone"], email=data["email"], ssn=data["ssn"], lang=lang,
        hold=phones.hold_length(bool(data.get("queued"))), address=address, device=device,
        answers=data.get("answers") or {})


@dataclass
class Offer:
    """What a person may choose at an agency: open days, and for a chosen day its slots or
    why it is closed; `start` is the chosen time if it is still a bookable slot."""

    days: list[tuple[date, int]]
    closed: str | None = None
    slots: list[availability.Slot] = field(default_factory=list)
    start: datetime | None = None


def bookable_task(catalog, service_id: str, task_id: str) -> tuple[dict, dict]:
    """The service and task of a procedure that takes appointments; otherwise DomainError
    unknown_task or not_bookable."""
    service, task = catalog.task(service_id, task_id)
    if task is None:
        raise DomainError("unknown_task")
    if not task["bookable"]:
        raise DomainError("not_bookable")
    return service, task


def bookable_rules(catalog, agency: str, service_id: str, task_id: str) -> availability.Rules:
    """The agency's rules for a procedure it books; otherwise DomainError unknown_task,
    not_bookable, unknown_agency or not_bookable_here. The one place for these rules."""
    bookable_task(catalog, service_id, task_id)
    info = catalog.agency(agency)
    rules = availability.load_rules(agency) if info and info["bookable"] else None
    if rules is None:
        raise DomainError("unknown_agency")
    if agency in availability.agencies_not_booking(service_id, task_id):
        raise DomainError("not_bookable_here")
    return rules


def agencies_for(catalog, service_id: str, task_id: str) -> list[dict]:
    """The agencies where this procedure can be booked."""
    excluded = availability.agencies_not_booking(service_id, task_id)
    return [a for a in catalog.agencies if a["bookable"] and a["code"] not in excluded]


def offer(catalog, agency: str, service_id: str, task_id: str, day: date | None,
          start: datetime | None, now: datetime) -> Offer:
    """The open days of an agency for a procedure; the slots of `day`; `start` if bookable."""
    rules = bookable_rules(catalog, agency, service_id, task_id)
    found = Offer(days=availability.open_days(rules, now))
    if day:
        found.closed = availability.closed_reason(rules, day, now)
        found.slots = availability.day_slots(rules, day, now)
        if not found.closed and not any(s.remaining for s in found.slots):
            found.closed = "full_day"
    if start and not availability.is_slot(rules, start, now):
        found.start = start
    return found


def _lock_phone(phone: str) -> None:
    """Serialise bookings by one phone (SQLite's IMMEDIATE transaction already does)."""
    if isinstance(database.obj, pw.PostgresqlDatabase):
        database.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (phone,))


def future_of(phone: str, now: datetime) -> list[Appointment]:
    """The phone's appointments still to come."""
    return list(Appointment.select()
                .where((Appointment.phone == phone) & Appointment.status.in_(ACTIVE)
                       & (Appointment.starts_at >= to_utc(now)))
                .order_by(Appointment.starts_at))


def _take_seat(rules, start_utc, assign, now: datetime) -> bool:
    """Try each seat of the slot; `assign(seat)` writes the row. False when all are taken
    (the seats of holds whose time ran out are freed first)."""
    phones.release_expired(now, rules.code, start_utc)
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


def _book_slot(rules, request: Request, now: datetime) -> Appointment:
    """Take a seat of the chosen slot, or raise (slot taken, limits, closed day...)."""
    reason = availability.is_slot(rules, request.start, now)
    if reason:
        raise DomainError(reason)
    start_utc = to_utc(request.start)
    with write_transaction():
        _lock_phone(request.phone)
        held = future_of(request.phone, now)
        same = next((a for a in held if (a.service_id, a.task_id) == (request.service_id, request.task_id)), None)
        if same:
            raise DomainError("same_task", existing=same)
        if len(held) >= MAX_FUTURE_PER_PHONE:
            raise DomainError("limit", existing=held[0])
        if request.hold:
            _replace_holds(request, now)
        appointment = Appointment(
            reference=codes.new_reference(), agency=request.agency, service_id=request.service_id,
            task_id=request.task_id, starts_at=start_utc, full_name=request.full_name,
            phone=request.phone, email=request.email, ssn=request.ssn, lang=request.lang,
            created_at=to_utc(now), status="held" if request.hold else "booked",
            hold_until=phones.hold_end(request.start, request.hold, now) if request.hold else None,
            waitlist_entry=request.waitlist_entry,
            checklist_answers=json.dumps(request.answers, sort_keys=True) if request.answers else None,
        )

        def assign(seat):
            appointment.seat = seat
            appointment.save(force_insert=True)

        if _take_seat(rules, start_utc, assign, now):
            if request.hold and request.waitlist_entry is None:
                wait = ratelimit.count(phones.limits(request.address, request.phone, request.device), now)
                if wait:  # rolls the booking back with the transaction (and this count with it)
                    raise DomainError("rate_limited", retry_after=wait)
            if request.hold:
                phones.send_code(appointment, now)
            elif request.notify:
                outbox.about("confirmed", appointment, now)
            return appointment
    raise DomainError("slot_full", alternatives=alternatives(rules, request.start, now))


def _replace_holds(request: Request, now: datetime) -> None:
    """A new hold of a phone for a procedure replaces its earlier unconfirmed one (the person
    booked again instead of typing the code), so one person never holds two seats for it."""
    (Appointment.update(status="expired", seat=None)
     .where((Appointment.phone == request.phone) & (Appointment.status == "held")
            & (Appointment.service_id == request.service_id) & (Appointment.task_id == request.task_id))
     .execute())


def confirm(reference: str, typed: str, now: datetime) -> Appointment:
    """Confirm a held booking with the code sent to its phone. The phone's limits are checked
    again here, since they count confirmed visits only; confirming twice is not an error."""

    def booked(appointment: Appointment) -> None:
        _lock_phone(appointment.phone)
        others = [a for a in future_of(appointment.phone, now) if a.id != appointment.id]
        task = (appointment.service_id, appointment.task_id)
        same = next((a for a in others if (a.service_id, a.task_id) == task), None)
        if same:
            raise DomainError("same_task", existing=same)
        if len(others) >= MAX_FUTURE_PER_PHONE:
            raise DomainError("limit", existing=others[0])
        (Appointment.update(status="booked", hold_until=None)
         .where((Appointment.id == appointment.id) & (Appointment.status == "held")).execute())
        appointment.status, appointment.hold_until = "booked", None
        if appointment.waitlist_entry:  # an offer taken: the person leaves the waiting list
            (WaitlistEntry.update(status="booked", ended_at=to_utc(now))
             .where(WaitlistEntry.id == appointment.waitlist_entry).execute())
        outbox.about("confirmed", appointment, now)

    return phones.confirm(reference, typed, now, booked)


def book(catalog, request: Request, now: datetime, fallback: str = "none") -> tuple[Appointment, bool]:
    """Book the chosen slot, or when it is taken and the person allowed it, the nearest free
    one (same day, or nearest day at about the same time). Returns (appointment, moved)."""
    rules = bookable_rules(catalog, request.agency, request.service_id, request.task_id)
    _, task = catalog.task(request.service_id, request.task_id)
    request = replace(request, answers=checklist.read_answers(task, request.answers))  # unknown ones dropped
    try:
        return _book_slot(rules, request, now), False
    except DomainError as exc:
        if exc.code != "slot_full" or fallback not in ("same_day", "nearest_day"):
            raise
        choices = exc.alternatives
    if fallback == "same_day":
        choices = [s for s in choices if s.start.date() == request.start.date()]
    else:
        wanted = request.start.hour * 60 + request.start.minute
        choices.sort(key=lambda s: (abs((s.start.date() - request.start.date()).days),
                                    abs(s.start.hour * 60 + s.start.minute - wanted)))
    for slot in choices:
        try:
            return _book_slot(rules, replace(request, start=slot.start), now), True
        except DomainError as again:
            if again.code != "slot_full":
                raise
    raise DomainError("slot_full", alternatives=choices)


def describe(appointment: Appointment, moved: bool = False) -> dict:
    """What a person may be told of an appointment (no name, phone or number)."""
    start = from_utc(appointment.starts_at)
    return {
        "reference": appointment.reference, "agency": appointment.agency,
        "service": appointment.service_id, "task": appointment.task_id,
        "start": start.isoformat(), "date": start.date().isoformat(), "time": start.strftime("%H:%M"),
        "status": appointment.status, "moved_to_nearby_slot": moved,
        "hold_until": from_utc(appointment.hold_until).isoformat() if appointment.status == "held" else None,
        "answers": answers_of(appointment),
    }


def answers_of(appointment: Appointment, task: dict | None = None) -> dict[str, str]:
    """The checklist answers stored with an appointment ({} if none); with `task`, only those
    that still fit its questions (the content may have changed since)."""
    try:
        answers = json.loads(appointment.checklist_answers or "{}")
    except ValueError:
        return {}
    if not isinstance(answers, dict):
        return {}
    return checklist.read_answers(task, answers) if task else answers


def _fingerprint(request: Request, fallback: str) -> str:
    return idempotency.fingerprint({
        "agency": request.agency, "service": request.service_id, "task": request.task_id,
        "date": request.start.date(), "time": request.start.time().replace(tzinfo=None),
        "full_name": request.full_name, "phone": request.phone, "email": request.email,
        "ssn": request.ssn, "fallback": fallback,
    })


def place(catalog, key: str, request: Request, fallback: str, now: datetime) -> dict:
    """Book once per Idempotency-Key: the first request books, every retry with the same key
    gets the same answer and creates nothing. Returns describe() of the appointment.

    The key, the booking and the answer are written in ONE transaction: if the process dies
    half-way, all three roll back and a retry books afresh; a retry that comes while the
    first is still running waits on the key's unique index, then replays its answer."""
    if not key or len(key) > idempotency.MAX_KEY_LENGTH:
        raise DomainError("idempotency_key")
    with write_transaction():
        state, row = idempotency.claim(key, _fingerprint(request, fallback), now)
        if state == "replay":
            return json.loads(row.body)
        if state == "mismatch":
            raise DomainError("idempotency_mismatch")
        if state == "busy":
            raise DomainError("idempotency_busy")
        appointment, moved = book(catalog, request, now, fallback)
        answer = describe(appointment, moved)
        idempotency.store(key, 201, answer)
    return answer


def get(reference: str) -> Appointment:
    """An appointment by its exact reference (for a browser that booked or found it)."""
    found = Appointment.get_or_none(Appointment.reference == reference) if codes.normalize(reference) else None
    if found is None:
        raise DomainError("not_found")
    return found


def count_lookup(typed_reference: str, client: str, now: datetime) -> None:
    """Count a lookup by reference: DomainError rate_limited past the limits per address and
    per reference, however it is written."""
    written = codes.clean(typed_reference)
    if not (ratelimit.allow(f"lookup-client:{client}", LOOKUPS_PER_CLIENT, LOOKUP_WINDOW, now)
            and ratelimit.allow(f"lookup-ref:{written}", LOOKUPS_PER_REFERENCE, LOOKUP_WINDOW, now)):
        raise DomainError("rate_limited")


def find(typed_reference: str, phone: str, client: str, now: datetime) -> Appointment:
    """The appointment with this reference AND phone. Unknown reference and wrong phone get
    the same answer; tries are limited per address and per reference, however written."""
    count_lookup(typed_reference, client, now)
    reference = codes.normalize(typed_reference)
    found = None
    if reference and phone:
        found = Appointment.get_or_none((Appointment.reference == reference) & (Appointment.phone == phone))
    if found is None:
        raise DomainError("not_found")
    return found


def _changeable(reference: str, now: datetime) -> Appointment:
    appointment = get(reference)
    if appointment.status == "held" and appointment.hold_until <= to_utc(now):
        phones.release_expired(now, appointment.agency, appointment.starts_at)
        raise DomainError("hold_expired")
    if appointment.status not in CHANGEABLE or from_utc(appointment.starts_at) < now:
        raise DomainError("not_cancellable")
    return appointment


def cancel(reference: str, now: datetime) -> Appointment:
    """Cancel a future appointment and free its seat."""
    appointment = _changeable(reference, now)
    with write_transaction():
        changed = (Appointment.update(status="cancelled", seat=None, cancelled_at=to_utc(now))
                   .where((Appointment.id == appointment.id) & Appointment.status.in_(CHANGEABLE)).execute())
        if not changed:
            raise DomainError("not_cancellable")
        was_held = appointment.status == "held"
        appointment.status, appointment.seat = "cancelled", None
        if not was_held:  # nobody was told of a hold but its code
            outbox.about("cancelled", appointment, now)
    seat_freed(appointment.agency, now)
    return appointment


def seat_freed(agency: str, now: datetime) -> None:
    """A seat of `agency` is free again: offer it to the waiting list at once. What freed it is
    saved already: when the offer cannot be made now (on PostgreSQL, two offers can lock each
    other out: one is cancelled as a deadlock; or the database is busy), the worker's next round
    makes it (notify/worker.py), and the person who freed the seat is not told of an error."""
    from . import waitlist  # the waiting list books through this module

    try:
        waitlist.match(now, agency=agency)
    except UNAVAILABLE as exc:
        logging.getLogger(__name__).warning("the waiting list of %s waits for the worker: %s", agency, exc)


def stop_reminders(reference: str, now: datetime) -> Appointment:
    """No more reminders for this visit (confirmations of changes and codes still come)."""
    appointment = get(reference)
    outbox.stop_reminders(appointment, now)
    appointment.reminders = False
    return appointment


def reschedule(reference: str, start: datetime, now: datetime) -> Appointment:
    """Move to another slot in one transaction: the new seat is taken and the old one freed,
    or nothing changes and DomainError("slot_full") offers the nearest free slots."""
    appointment = _changeable(reference, now)
    rules = availability.load_rules(appointment.agency)
    if rules is None:
        raise DomainError("unknown_agency")
    reason = availability.is_slot(rules, start, now)
    if reason:
        raise DomainError(reason)
    start_utc = to_utc(start)

    def assign(seat):
        (Appointment.update(starts_at=start_utc, seat=seat)
         .where(Appointment.id == appointment.id).execute())

    with write_transaction():
        if _take_seat(rules, start_utc, assign, now):
            appointment.starts_at = start_utc
            if appointment.status != "held":  # a hold's code SMS already says what to do
                outbox.about("moved", appointment, now)
            return appointment
    raise DomainError("slot_full", alternatives=alternatives(rules, start, now))
