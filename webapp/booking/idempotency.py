"""Idempotency-Key handling: the first answer to a POST is kept and replayed for retries."""

import hashlib
import json
from datetime import datetime, timedelta

import peewee as pw

from ..clock import to_utc
from ..db import write_transaction
from ..models import IdempotencyKey

MAX_KEY_LENGTH = 100  # the column's size
KEEP_DAYS = 7  # keys are kept at least this long (the purge command deletes older ones)
STALE_AFTER = timedelta(minutes=2)  # a "processing" key older than this was abandoned


BOOKING_FIELDS = ("agency", "service", "task", "date", "time", "full_name", "phone", "email", "ssn", "fallback")


def fingerprint(booking: dict) -> str:
    """A hash of a validated booking, to tell a retry from another request with the same key
    (the same whether it came from the form, the API or the phone's outbox)."""
    fields = {name: booking.get(name) for name in BOOKING_FIELDS}
    fields["fallback"] = fields["fallback"] or "none"
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def claim(key: str, request_hash: str, now: datetime) -> tuple[str, IdempotencyKey | None]:
    """Claim a key: ("new", None) to go ahead, ("replay", row), ("mismatch", row) or ("busy", row)."""
    try:
        with write_transaction():
            IdempotencyKey.create(key=key, request_hash=request_hash, created_at=to_utc(now))
        return "new", None
    except pw.IntegrityError:
        pass
    row = IdempotencyKey.get_or_none(IdempotencyKey.key == key)
    if row is None:
        return "busy", None  # released by a failed first attempt a moment ago: retry
    if row.request_hash != request_hash:
        return "mismatch", row
    if row.status_code is None:
        if to_utc(now) - row.created_at > STALE_AFTER:
            release(key)
            return claim(key, request_hash, now)
        return "busy", row
    return "replay", row


def store(key: str, status_code: int, body: dict) -> None:
    """Keep the answer given to the first request."""
    with write_transaction():
        (IdempotencyKey.update(status_code=status_code, body=json.dumps(body))
         .where(IdempotencyKey.key == key).execute())


def release(key: str) -> None:
    """Forget a key whose request failed unexpectedly, so that a retry can go ahead."""
    with write_transaction():
        IdempotencyKey.delete().where(IdempotencyKey.key == key).execute()


def expire(now: datetime) -> int:
    """Delete keys older than KEEP_DAYS; return how many."""
    with write_transaction():
        return (IdempotencyKey.delete()
                .where(IdempotencyKey.created_at < to_utc(now) - timedelta(days=KEEP_DAYS)).execute())
