"""The agency's day: the agenda, one-step state changes, calling the queue fairly."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import peewee as pw

from ..booking import appointments
from ..clock import ALGIERS, from_utc, to_utc
from ..db import write_transaction
from ..models import Appointment, Ticket
from ..notify import outbox
from ..problems import DomainError
from . import audit

# action: (states it may start from, the state it leads to, the time column it stamps)
TRANSITIONS = {
    # Being there confirms a hold; "no_show" sources correct a visit counted as missed.
    "arrive": (("booked", "held", "no_show"), "arrived", "arrived_at"),
    "call": (("arrived", "called"), "called", "called_at"),
    "serve": (("arrived", "called", "no_show"), "served", "served_at"),
    "no_show": (("booked",), "no_show", None),
    "cancel": (("held", "booked", "arrived"), "cancelled", "cancelled_at"),
}
TICKET_TARGETS = {"serve": "served", "no_show": "no_show"}
STATUSES = ("held", "booked", "arrived", "called", "served", "no_show", "cancelled")
NO_SHOW_WINDOW = timedelta(days=365)  # repeat no-shows shown to staff: those of the last 12 months


@dataclass
class Row:
    """One line of the agenda: an appointment or a walk-in ticket."""

    kind: str  # "appointment" | "ticket"
    id: int
    label: str  # reference or ticket number
    at: datetime  # slot start, or the time the ticket was issued (Algiers)
    service_id: str
    task_id: str
    status: str
    desk: str | None
    flag: str | None = None
    no_shows: int = 0  # the visits its phone missed in the 12 months before its day (see no_show_counts)
    name: str = ""  # the visitor's name, as booked (tickets have none)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), ALGIERS)
    return to_utc(start), to_utc(start + timedelta(days=1))


def agenda(agency: str, day: date, task: str | None = None, status: str | None = None) -> list[Row]:
    """Appointments and tickets of a day, by time; filtered by "service/task" and status. Each
    appointment carries how many visits its phone missed before (one query for the day)."""
    first, last = day_bounds(day)
    of_the_day = ((Appointment.agency == agency) & (Appointment.status != "expired")
                  & (Appointment.starts_at >= first) & (Appointment.starts_at < last))
    missed = no_show_counts(Appointment.select(Appointment.phone).where(of_the_day), day)
    rows = [Row("appointment", a.id, a.reference, from_utc(a.starts_at), a.service_id, a.task_id,
                a.status, a.desk, a.flag, missed.get(a.phone, 0), a.full_name or "")
            for a in Appointment.select().where(of_the_day)]
    rows += [Row("ticket", t.id, t.number, from_utc(t.issued_at), t.service_id, t.task_id,
                 {"waiting": "arrived"}.get(t.status, t.status), t.desk)
             for t in Ticket.select().where((Ticket.agency == agency) & (Ticket.day == day))]
    if task:
        rows = [r for r in rows if f"{r.service_id}/{r.task_id}" == task]
    if status:
        rows = [r for r in rows if r.status == status]
    return sorted(rows, key=lambda r: (r.at, r.kind, r.label))


def no_show_counts(phones: Iterable[str] | pw.SelectQuery, day: date) -> dict[str, int]:
    """{phone: how many of its appointments, at any agency, were counted "did not come" in the
    365 days before `day`} in one query; `phones` may be a list or a subquery. The window ends
    where the visit's day begins, so a visit never counts itself and a past day's agenda reads
    as it did that day. Staff see the count to talk with the person, nothing more: no rule
    refuses or limits a booking because of it."""
    if not isinstance(phones, pw.SelectQuery):
        phones = [p for p in phones if p]
        if not phones:
            return {}
    first, _ = day_bounds(day)
    query = (Appointment.select(Appointment.phone, pw.fn.COUNT(Appointment.id))
             .where(Appointment.phone.in_(phones) & (Appointment.status == "no_show")
                    & (Appointment.starts_at >= first - NO_SHOW_WINDOW) & (Appointment.starts_at < first))
             .group_by(Appointment.phone))
    return dict(query.tuples())


def missed_before(agency: str, appointment_id: int) -> int:
    """How many visits the phone of this appointment missed in the 12 months before its day."""
    found = (Appointment.select(Appointment.phone, Appointment.starts_at)
             .where((Appointment.id == appointment_id) & (Appointment.agency == agency)).first())
    if found is None or not found.phone:
        return 0
    return no_show_counts([found.phone], from_utc(found.starts_at).date()).get(found.phone, 0)


def mark_no_shows(now: datetime) -> int:
    """Count as "did not come" (no_show) every appointment still "booked" once its day is over;
    returns how many. Run by the worker on each pass: one UPDATE, idempotent (a second pass finds
    nothing left "booked" before today).

    A day is over at midnight in Algiers, not at the agency's closing time: people inside at
    closing are still served and agents often record the last arrivals afterwards; the hours
    of a day can change after it was booked (a supervisor's edit, a closure, a holiday opened);
    and one bound for every agency keeps this a single UPDATE, the same on SQLite and PostgreSQL.
    Nothing needs the count before the next morning. Held bookings (never confirmed by their SMS
    code) were never visits: they expire, they are never marked. Agents can correct a mark: a
    no-show may still be set arrived or served (see TRANSITIONS)."""
    midnight, _ = day_bounds(now.astimezone(ALGIERS).date())
    with write_transaction():
        return (Appointment.update(status="no_show")
                .where((Appointment.status == "booked") & (Appointment.starts_at < midnight)).execute())


def act(agency: str, appointment_id: int, action: str, staff: str, now: datetime,
        desk: str | None = None, reason: str | None = None) -> str:
    """Apply one action atomically: "done", "already" (it was already so) or "refused"."""
    if action not in TRANSITIONS:
        raise DomainError("unknown_action")
    sources, target, stamp = TRANSITIONS[action]
    changes = {Appointment.status: target}
    if stamp:
        changes[getattr(Appointment, stamp)] = to_utc(now)
    if action == "call":
        changes[Appointment.desk] = desk
    if action == "cancel":
        changes[Appointment.seat] = None
        changes[Appointment.cancel_reason] = " ".join((reason or "").split())[:200]
    this = (Appointment.id == appointment_id) & (Appointment.agency == agency)
    with write_transaction():
        before = Appointment.select(Appointment.status).where(this).scalar()
        changed = Appointment.update(changes).where(this & Appointment.status.in_(sources)).execute()
        current = Appointment.get_or_none(this)
        if current is None:
            return "refused"
        if changed:
            details = f"desk {desk}" if desk else (f"reason: {reason[:100]}" if reason else "")
            if before == "no_show":
                details = "correction: was no_show"
            audit.record(staff, agency, action, f"appointment:{current.reference}", now, details)
            if action == "cancel":
                outbox.about("cancelled", current, now)
    if changed and action == "cancel":
        appointments.seat_freed(agency, now)  # the waiting list gets the seat first
    if changed:
        return "done"
    return "already" if current.status == target else "refused"


def call_next(agency: str, desk: str, staff: str, now: datetime) -> Row | None:
    """Call whoever has waited longest for their turn: an arrived appointment (from its slot
    time, or its arrival if later) or a walk-in ticket (from its issue time). Two agents
    pressing at once never call the same person: the update is conditional."""
    first, last = day_bounds(now.astimezone(ALGIERS).date())
    for _ in range(5):
        arrived = list(Appointment.select().where(
            (Appointment.agency == agency) & (Appointment.status == "arrived")
            & (Appointment.starts_at >= first) & (Appointment.starts_at < last)))
        waiting = list(Ticket.select().where(
            (Ticket.agency == agency) & (Ticket.day == now.astimezone(ALGIERS).date()) & (Ticket.status == "waiting")))
        candidates = [(max(a.starts_at, a.arrived_at or a.starts_at), "appointment", a) for a in arrived]
        candidates += [(t.issued_at, "ticket", t) for t in waiting]
        if not candidates:
            return None
        _, kind, chosen = min(candidates, key=lambda c: (c[0], c[1]))
        model = Appointment if kind == "appointment" else Ticket
        source = "arrived" if kind == "appointment" else "waiting"
        with write_transaction():
            won = (model.update(status="called", desk=desk, called_at=to_utc(now))
                   .where((model.id == chosen.id) & (model.status == source)).execute())
            if won:
                label = chosen.reference if kind == "appointment" else chosen.number
                audit.record(staff, agency, "call_next", f"{kind}:{label}", now, f"desk {desk}")
                return Row(kind, chosen.id, label, now, chosen.service_id, chosen.task_id, "called", desk)
    return None


def ticket_action(agency: str, ticket_id: int, action: str, staff: str, now: datetime) -> str:
    """Serve or mark absent a called ticket."""
    if action not in TICKET_TARGETS:
        raise DomainError("unknown_action")
    target = TICKET_TARGETS[action]
    changes = {Ticket.status: target}
    if action == "serve":
        changes[Ticket.served_at] = to_utc(now)
    with write_transaction():
        changed = (Ticket.update(changes).where((Ticket.id == ticket_id) & (Ticket.agency == agency)
                                                & Ticket.status.in_(("waiting", "called"))).execute())
        if changed:
            number = Ticket.get_by_id(ticket_id).number
            audit.record(staff, agency, f"ticket_{action}", f"ticket:{number}", now)
            return "done"
    current = Ticket.get_or_none((Ticket.id == ticket_id) & (Ticket.agency == agency))
    return "already" if current and current.status == target else "refused"


def called_now(agency: str, now: datetime, limit: int = 8) -> list[Row]:
    """What the lobby display shows: the latest people called, and at which desk."""
    return agenda(agency, now.astimezone(ALGIERS).date(), status="called")[-limit:]
