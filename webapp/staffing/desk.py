"""The agency's day: the agenda, one-step state changes, calling the queue fairly."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..clock import ALGIERS, from_utc, to_utc
from ..db import write_transaction
from ..models import Appointment, Ticket
from ..notify import outbox
from ..problems import DomainError
from . import audit

# action: (states it may start from, the state it leads to, the time column it stamps)
TRANSITIONS = {
    "arrive": (("booked", "held"), "arrived", "arrived_at"),  # being there confirms a hold
    "call": (("arrived", "called"), "called", "called_at"),
    "serve": (("arrived", "called"), "served", "served_at"),
    "no_show": (("booked",), "no_show", None),
    "cancel": (("held", "booked", "arrived"), "cancelled", "cancelled_at"),
}
TICKET_TARGETS = {"serve": "served", "no_show": "no_show"}
STATUSES = ("held", "booked", "arrived", "called", "served", "no_show", "cancelled")


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


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), ALGIERS)
    return to_utc(start), to_utc(start + timedelta(days=1))


def agenda(agency: str, day: date, task: str | None = None, status: str | None = None) -> list[Row]:
    """Appointments and tickets of a day, by time; filtered by "service/task" and status."""
    first, last = day_bounds(day)
    rows = [Row("appointment", a.id, a.reference, from_utc(a.starts_at), a.service_id, a.task_id,
                a.status, a.desk, a.flag)
            for a in Appointment.select().where((Appointment.agency == agency) & (Appointment.status != "expired")
                                                & (Appointment.starts_at >= first) & (Appointment.starts_at < last))]
    rows += [Row("ticket", t.id, t.number, from_utc(t.issued_at), t.service_id, t.task_id,
                 {"waiting": "arrived"}.get(t.status, t.status), t.desk)
             for t in Ticket.select().where((Ticket.agency == agency) & (Ticket.day == day))]
    if task:
        rows = [r for r in rows if f"{r.service_id}/{r.task_id}" == task]
    if status:
        rows = [r for r in rows if r.status == status]
    return sorted(rows, key=lambda r: (r.at, r.kind, r.label))


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
    with write_transaction():
        changed = (Appointment.update(changes)
                   .where((Appointment.id == appointment_id) & (Appointment.agency == agency)
                          & Appointment.status.in_(sources)).execute())
        current = Appointment.get_or_none((Appointment.id == appointment_id) & (Appointment.agency == agency))
        if current is None:
            return "refused"
        if changed:
            audit.record(staff, agency, action, f"appointment:{current.reference}", now,
                         f"desk {desk}" if desk else (f"reason: {reason[:100]}" if reason else ""))
            if action == "cancel":
                outbox.about("cancelled", current, now)
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
