"""The lobby: enrolled tablets, check-in by reference, queue tickets that are never duplicated."""

import re
from datetime import datetime

import peewee as pw
from marshmallow import EXCLUDE, Schema, fields, validate

from ..booking import codes, ratelimit
from ..clock import ALGIERS, to_utc
from ..db import write_transaction
from ..models import Appointment, KioskDevice, Ticket
from ..problems import DomainError
from . import audit, desk

CHECKINS_PER_DEVICE = 60  # per 10 minutes
TICKET_TRIES = 20


class OfflineCheckin(Schema):
    """A check-in a tablet kept while the lobby had no internet."""

    class Meta:
        unknown = EXCLUDE

    reference = fields.String(required=True, validate=validate.Length(max=40))


class OfflineTicket(Schema):
    """A ticket a tablet numbered itself ("K1-004") while the lobby had no internet."""

    class Meta:
        unknown = EXCLUDE

    number = fields.String(required=True, validate=validate.Length(max=12))
    service = fields.String(required=True, validate=validate.Length(max=64))
    task = fields.String(required=True, validate=validate.Length(max=64))


def devices(agency: str) -> list[KioskDevice]:
    """The agency's tablets, in the order they were enrolled."""
    return list(KioskDevice.select().where(KioskDevice.agency == agency).order_by(KioskDevice.id))


def active_device(device_id: int) -> KioskDevice | None:
    """The tablet with this id, unless it was revoked."""
    return KioskDevice.get_or_none((KioskDevice.id == device_id) & (KioskDevice.revoked == False))  # noqa: E712


def enrol(agency: str, name: str, staff: str, now: datetime) -> KioskDevice:
    """Register a tablet for an agency; its prefix tells its offline tickets apart."""
    with write_transaction():
        count = KioskDevice.select().where(KioskDevice.agency == agency).count()
        name = " ".join(name.split())[:60] or f"Kiosk {count + 1}"
        device = KioskDevice.create(agency=agency, name=name, prefix=f"K{count + 1}",
                                    enrolled_by=staff, enrolled_at=to_utc(now))
        audit.record(staff, agency, "kiosk_enrol", f"kiosk:{device.id}", now, device.name)
    return device


def revoke(agency: str, device_id: int, staff: str, now: datetime) -> None:
    """Shut a tablet of this agency out for good; DomainError unknown_device otherwise."""
    with write_transaction():
        changed = (KioskDevice.update(revoked=True)
                   .where((KioskDevice.id == device_id) & (KioskDevice.agency == agency)).execute())
        if not changed:
            raise DomainError("unknown_device")
        audit.record(staff, agency, "kiosk_revoke", f"kiosk:{device_id}", now)


def check_in(agency: str, typed: str, device_id: int, now: datetime) -> tuple[str, Appointment]:
    """Mark today's appointment at this agency as arrived: ("done" or "already", appointment);
    DomainError rate_limited, not_found or not_today (with the appointment) otherwise."""
    if not ratelimit.allow(f"kiosk:{device_id}", CHECKINS_PER_DEVICE, 600, now):
        raise DomainError("rate_limited")
    reference = codes.normalize(typed)
    appointment = None
    if reference:
        appointment = Appointment.get_or_none((Appointment.reference == reference) & (Appointment.agency == agency))
    if appointment is None or appointment.status == "cancelled":
        raise DomainError("not_found")
    first, last = desk.day_bounds(now.astimezone(ALGIERS).date())
    if not first <= appointment.starts_at < last:
        raise DomainError("not_today", appointment=appointment)
    result = desk.act(agency, appointment.id, "arrive", f"kiosk:{device_id}", now)
    return ("done" if result == "done" else "already"), appointment


def _known_task(catalog, service_id: str, task_id: str) -> None:
    if catalog.task(service_id, task_id)[1] is None:
        raise DomainError("unknown_task")


def take_ticket(catalog, agency: str, service_id: str, task_id: str, now: datetime) -> Ticket:
    """The next number of the day at this agency. Several tablets at once never get the same
    number: the unique (agency, day, prefix, seq) index decides, and a loser takes the next."""
    _known_task(catalog, service_id, task_id)
    day = now.astimezone(ALGIERS).date()
    for _ in range(TICKET_TRIES):
        with write_transaction():
            last = (Ticket.select(pw.fn.MAX(Ticket.seq))
                    .where((Ticket.agency == agency) & (Ticket.day == day) & (Ticket.prefix == "")).scalar())
            seq = (last or 0) + 1
            try:
                with write_transaction():
                    return Ticket.create(agency=agency, day=day, number=f"{seq:03d}", prefix="", seq=seq,
                                         service_id=service_id, task_id=task_id, issued_at=to_utc(now))
            except pw.IntegrityError:
                continue
    raise DomainError("busy")


def record_offline_ticket(catalog, device: KioskDevice, number: str, service_id: str, task_id: str,
                          now: datetime) -> str:
    """Store a ticket a tablet numbered itself while offline: "done", or "already" on a resend."""
    _known_task(catalog, service_id, task_id)
    match = re.fullmatch(re.escape(device.prefix) + r"-(\d{1,6})", number)
    if not match:
        raise DomainError("ticket_number")
    try:
        with write_transaction():
            Ticket.create(agency=device.agency, day=now.astimezone(ALGIERS).date(), number=number,
                          prefix=device.prefix, seq=int(match.group(1)), service_id=service_id,
                          task_id=task_id, issued_at=to_utc(now))
        return "done"
    except pw.IntegrityError:
        return "already"
