"""The lobby: enrolled tablets, check-in by reference, queue tickets that are never duplicated."""

from datetime import datetime

import peewee as pw

from ..booking import codes
from ..clock import ALGIERS, to_utc
from ..db import write_transaction
from ..models import Appointment, KioskDevice, Ticket
from . import audit, desk


def enrol(agency: str, name: str, staff: str, now: datetime) -> KioskDevice:
    """Register a tablet for an agency; its prefix tells its offline tickets apart."""
    with write_transaction():
        count = KioskDevice.select().where(KioskDevice.agency == agency).count()
        device = KioskDevice.create(agency=agency, name=name[:60] or f"Kiosk {count + 1}",
                                    prefix=f"K{count + 1}", enrolled_by=staff, enrolled_at=to_utc(now))
        audit.record(staff, agency, "kiosk_enrol", f"kiosk:{device.id}", now, device.name)
    return device


def revoke(agency: str, device_id: int, staff: str, now: datetime) -> None:
    with write_transaction():
        if KioskDevice.update(revoked=True).where((KioskDevice.id == device_id) & (KioskDevice.agency == agency)).execute():
            audit.record(staff, agency, "kiosk_revoke", f"kiosk:{device_id}", now)


def check_in(agency: str, typed: str, device: KioskDevice, now: datetime) -> tuple[str, Appointment | None]:
    """Mark today's appointment as arrived: ("done"|"already"|"not_found"|"not_today", appointment)."""
    reference = codes.normalize(typed)
    appointment = Appointment.get_or_none((Appointment.reference == reference) & (Appointment.agency == agency)) \
        if reference else None
    if appointment is None or appointment.status == "cancelled":
        return "not_found", None
    first, last = desk.day_bounds(now.astimezone(ALGIERS).date())
    if not first <= appointment.starts_at < last:
        return "not_today", appointment
    result = desk.act(agency, appointment.id, "arrive", f"kiosk:{device.id}", now)
    return ("done" if result == "done" else "already"), appointment


def take_ticket(agency: str, service_id: str, task_id: str, now: datetime) -> Ticket:
    """The next number of the day at this agency. Several tablets at once never get the same
    number: the unique (agency, day, number) index decides, and a loser simply takes the next."""
    day = now.astimezone(ALGIERS).date()
    for _ in range(20):
        with write_transaction():
            last = (Ticket.select(pw.fn.MAX(Ticket.number)).where(
                (Ticket.agency == agency) & (Ticket.day == day) & ~Ticket.number.contains("-")).scalar())
            number = f"{int(last or 0) + 1:03d}"
            try:
                with write_transaction():
                    return Ticket.create(agency=agency, day=day, number=number, service_id=service_id,
                                         task_id=task_id, issued_at=to_utc(now))
            except pw.IntegrityError:
                continue
    raise RuntimeError("could not issue a ticket")


def record_offline_ticket(agency: str, number: str, service_id: str, task_id: str, now: datetime) -> str:
    """Store a ticket a tablet numbered itself while offline: "done", or "already" on a resend."""
    try:
        with write_transaction():
            Ticket.create(agency=agency, day=now.astimezone(ALGIERS).date(), number=number,
                          service_id=service_id, task_id=task_id, issued_at=to_utc(now))
        return "done"
    except pw.IntegrityError:
        return "already"
