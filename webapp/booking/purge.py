"""Forgetting personal data once it is no longer needed; anonymous counts stay."""

from datetime import datetime, timedelta

from ..clock import to_utc
from ..db import write_transaction
from ..models import Appointment
from . import idempotency, ratelimit


def purge(now: datetime, days: int = 90) -> dict[str, int]:
    """Blank name, phone, e-mail and number of appointments older than `days`; expire keys."""
    cutoff = to_utc(now - timedelta(days=days))
    with write_transaction():
        blanked = (Appointment.update(full_name=None, phone=None, email=None, ssn=None, purged=True)
                   .where((Appointment.starts_at < cutoff) & (Appointment.purged == False))  # noqa: E712
                   .execute())
    return {
        "appointments anonymised": blanked,
        "idempotency keys deleted": idempotency.expire(now),
        "rate-limit counters deleted": ratelimit.expire(now),
    }
