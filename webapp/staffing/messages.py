"""The outbox seen from the back-office: today's figures, failed messages and resending them,
and the messages about one appointment.

Staff never see a message's text nor a full recipient: phone numbers show their first and
last two digits ("07•• •• •• 33"), e-mail addresses their first letter and domain, and the
same masks are applied to any number or address a provider wrote into an error.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from ..clock import from_utc
from ..db import write_transaction
from ..models import Appointment, Message
from ..notify import outbox
from . import audit
from .desk import Row, day_bounds

CHANNELS = ("sms", "email")
STATUSES = outbox.STATUSES
FAILED_SHOWN = 100
HIDDEN = "•"
NO_BREAK = "\u00a0"  # a masked number never wraps in the middle
LONG_NUMBER = re.compile(r"\+?\d[\d ]{6,}\d")
ADDRESS = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+")


def mask_phone(phone: str) -> str:
    """ "0770123433" -> "07•• •• •• 33" (no-break spaces): the operator's prefix and the last two digits."""
    digits = "".join(c for c in phone if c in "0123456789")
    if len(digits) < 6:
        return HIDDEN * max(len(digits), 4)
    hidden = digits[:2] + HIDDEN * (len(digits) - 4) + digits[-2:]
    return NO_BREAK.join([hidden[:4]] + [hidden[n:n + 2] for n in range(4, len(hidden), 2)])


def mask_email(address: str) -> str:
    """ "amina@example.dz" -> "a•••@example.dz"."""
    local, at, domain = address.rpartition("@")
    return f"{local[:1]}{HIDDEN * 3}@{domain}" if at and local else HIDDEN * 3


def mask(channel: str, recipient: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)


def scrub(error: str | None) -> str | None:
    """A provider's error with every phone number and e-mail address in it masked."""
    if not error:
        return error
    error = ADDRESS.sub(lambda m: mask_email(m.group()), error)
    return LONG_NUMBER.sub(lambda m: mask_phone(m.group()), error)


@dataclass
class Line:
    """One message as staff see it: what, how, to whom (masked), where it stands."""

    id: int
    kind: str
    channel: str
    status: str
    recipient: str  # masked
    created_at: datetime  # Algiers
    sent_at: datetime | None
    delivered_at: datetime | None
    error: str | None
    reference: str | None  # of the appointment it is about, if any


@dataclass
class Overview:
    """The outbox page: messages written today by status and channel, and the failed ones."""

    day: date
    counts: dict[str, dict[str, int]]  # status (and "all") -> channel (and "all") -> how many
    failed: list[Line]


def _lines(query) -> list[Line]:
    columns = (Message.id, Message.kind, Message.channel, Message.status, Message.recipient,
               Message.created_at, Message.sent_at, Message.delivered_at, Message.error, Appointment.reference)
    rows = (query.select(*columns)
            .join(Appointment, pw.JOIN.LEFT_OUTER, on=(Message.appointment == Appointment.id))
            .tuples())
    return [Line(id_, kind, channel, status, mask(channel, recipient), from_utc(created_at),
                 from_utc(sent_at) if sent_at else None, from_utc(delivered_at) if delivered_at else None,
                 scrub(error), reference)
            for id_, kind, channel, status, recipient, created_at, sent_at, delivered_at, error, reference in rows]


def overview(now: datetime) -> Overview:
    """Counts of the messages written today (Algiers), and the latest failed messages."""
    day = now.date()
    first, last = day_bounds(day)
    counts = {status: dict.fromkeys((*CHANNELS, "all"), 0) for status in (*STATUSES, "all")}
    written = (Message.select(Message.status, Message.channel, pw.fn.COUNT(Message.id))
               .where((Message.created_at >= first) & (Message.created_at < last))
               .group_by(Message.status, Message.channel))
    for status, channel, number in written.tuples():
        for row in (counts.setdefault(status, dict.fromkeys((*CHANNELS, "all"), 0)), counts["all"]):
            row[channel] = row.get(channel, 0) + number
            row["all"] += number
    failed = (Message.select().where(Message.status == "failed")
              .order_by(Message.created_at.desc(), Message.id.desc()).limit(FAILED_SHOWN))
    return Overview(day=day, counts=counts, failed=_lines(failed))


def resend(message_id: int, staff: str, now: datetime) -> bool:
    """Queue a failed message again, and audit it; False (nothing changed) if the message is
    not failed, e.g. another administrator resent it first, or does not exist."""
    with write_transaction():
        if not outbox.resend(message_id, now):
            return False
        kind, channel, reference, agency = (
            Message.select(Message.kind, Message.channel, Appointment.reference, Appointment.agency)
            .join(Appointment, pw.JOIN.LEFT_OUTER, on=(Message.appointment == Appointment.id))
            .where(Message.id == message_id).tuples().get())
        details = f"{kind} by {channel}" + (f" about appointment {reference}" if reference else "")
        audit.record(staff, agency, "resend_message", f"message:{message_id}", now, details)
    return True


def appointment(agency: str, appointment_id: int) -> tuple[Row, list[Line]] | None:
    """An appointment of `agency` and every message about it, oldest first; None if the
    agency has no such appointment."""
    found = Appointment.get_or_none((Appointment.id == appointment_id) & (Appointment.agency == agency))
    if found is None:
        return None
    visit = Row("appointment", found.id, found.reference, from_utc(found.starts_at), found.service_id,
                found.task_id, found.status, found.desk, found.flag)
    about = Message.select().where(Message.appointment == found.id).order_by(Message.created_at, Message.id)
    return visit, _lines(about)
