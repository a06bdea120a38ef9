"""Forgetting personal data once it is no longer needed; anonymous counts stay."""

from datetime import datetime, timedelta

from ..clock import to_utc
from ..db import write_transaction
from ..models import Appointment, Message
from ..notify import outbox
from . import idempotency, ratelimit


def purge(now: datetime, days: int = 90) -> dict[str, int]:
    """Blank name, phone, e-mail and number of appointments older than `days`, and the
    recipient and text of messages written before then (their kind, status and dates stay for
    the reports); expire keys."""
    cutoff = to_utc(now - timedelta(days=days))
    with write_transaction():
        blanked = (Appointment.update(full_name=None, phone=None, email=None, ssn=None, purged=True)
                   .where((Appointment.starts_at < cutoff) & (Appointment.purged == False))  # noqa: E712
                   .execute())
        forgotten = (Message.update(recipient="", body="", subject=None, error=None)
                     .where((Message.created_at < cutoff) & (Message.recipient != "")
                            & Message.status.not_in(outbox.WAITING))
                     .execute())
    return {
        "appointments anonymised": blanked,
        "messages anonymised": forgotten,
        "idempotency keys deleted": idempotency.expire(now),
        "rate-limit counters deleted": ratelimit.expire(now),
    }
