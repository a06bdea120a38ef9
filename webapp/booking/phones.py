"""Confirmed phone numbers: one-time codes sent by SMS, and the limits that stop a script.

A booking made from the public site, the API or a phone's outbox is "held": it keeps its
seat until `hold_until`, and becomes "booked" when the 6-digit code sent to its phone is
typed back. A hold nobody confirms is released ("expired") and its seat goes back on sale;
so a stranger who books with someone else's number blocks nobody for long, and never
counts against that person's limit of upcoming appointments (only confirmed visits do).

A code is kept only as a keyed hash (HMAC with the app's secret), dies after CODE_TRIES
wrong tries, at its expiry, or once used, and is never written to a log.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app

from ..clock import from_utc, to_utc
from ..db import write_transaction
from ..models import Appointment, PhoneCode
from ..notify import outbox
from ..problems import DomainError
from . import codes, ratelimit

CODE_TRIES = 5
PHONE_CODE_MINUTES = 10  # a code that proves a phone to list its visits
PROOF_MINUTES = 15  # how long a proven phone may list and cancel its visits
HOUR = 3600


def _config(name: str):
    return current_app.config[name]


def _digest(phone: str, purpose: str, reference: str | None, code: str) -> str:
    message = f"{purpose}:{phone}:{reference or ''}:{code}".encode()
    return hmac.new(_config("SECRET_KEY").encode(), message, hashlib.sha256).hexdigest()


def new_code(phone: str, purpose: str, reference: str | None, expires: datetime, now: datetime) -> str:
    """A fresh code; earlier live codes of the same purpose (and reference) die with it."""
    code = f"{secrets.randbelow(10**6):06d}"
    same = (PhoneCode.phone == phone) & (PhoneCode.purpose == purpose) & PhoneCode.used_at.is_null()
    if reference:
        same &= PhoneCode.reference == reference
    PhoneCode.update(used_at=to_utc(now)).where(same).execute()
    PhoneCode.create(phone=phone, purpose=purpose, reference=reference, digest=_digest(phone, purpose, reference, code),
                     expires_at=to_utc(expires), created_at=to_utc(now))
    return code


def _check(code_row: PhoneCode | None, typed: str, now: datetime) -> None:
    """Spend one try of `code_row` on `typed`: DomainError code_expired (none live),
    code_tries (no try left) or code_wrong (tries_left)."""
    if code_row is None or code_row.used_at or code_row.expires_at <= to_utc(now):
        raise DomainError("code_expired")
    if code_row.tries >= CODE_TRIES:
        raise DomainError("code_tries")
    code_row.tries += 1
    code_row.save()
    typed = "".join(typed.split())
    if not hmac.compare_digest(code_row.digest, _digest(code_row.phone, code_row.purpose, code_row.reference, typed)):
        left = CODE_TRIES - code_row.tries
        raise DomainError("code_wrong" if left else "code_tries", tries_left=left)


def spend(query, typed: str, now: datetime, then=lambda: None) -> PhoneCode:
    """Try `typed` against the latest code of `query`, then run `then()` and mark the code
    used, in one transaction. A wrong try is kept (committed) before its error is raised;
    if `then()` refuses, nothing is kept and the code stays good."""
    failure = None
    with write_transaction():
        code_row = _latest(query)
        try:
            _check(code_row, typed, now)
        except DomainError as exc:
            failure = exc
        else:
            then()
            code_row.used_at = to_utc(now)
            code_row.save()
    if failure:
        raise failure
    return code_row


def _latest(query) -> PhoneCode | None:
    return query.order_by(PhoneCode.id.desc()).first()


# --- holds -----------------------------------------------------------------------------


def hold_length(queued_offline: bool) -> timedelta | None:
    """How long a new public booking waits for its code: None when holds are off
    (HOLD_MINUTES=0, a deployment without an SMS centre)."""
    minutes = _config("HOLD_MINUTES")
    if not minutes:
        return None
    return timedelta(minutes=_config("OFFLINE_HOLD_MINUTES") if queued_offline else minutes)


def limits(address: str | None, phone: str, device: str | None) -> list[tuple[str, int, int]]:
    """The (key, limit, window) counters a new hold counts against: per client address, per
    phone and per device, each an hour (a limit of 0 is off)."""
    found = [(f"hold-phone:{phone}", _config("HOLDS_PER_PHONE"))]
    if address:
        found.append((f"hold-address:{address}", _config("HOLDS_PER_ADDRESS")))
    if device:
        found.append((f"hold-device:{device}", _config("HOLDS_PER_DEVICE")))
    return [(key, limit, HOUR) for key, limit in found if limit]


def hold_end(start: datetime, length: timedelta, now: datetime) -> datetime:
    """When a hold made now ends: after `length`, and never after the visit starts (UTC)."""
    return to_utc(min(now + length, start))


def send_code(appointment: Appointment, now: datetime) -> None:
    """Send the code of a new hold (inside the booking's transaction); for a seat offered to
    the waiting list, the offer's SMS carries it."""
    until = from_utc(appointment.hold_until)
    code = new_code(appointment.phone, "confirm", appointment.reference, until, now)
    if appointment.waitlist_entry:
        outbox.offer(appointment, code, until, now)
    else:
        outbox.code(appointment.phone, code, appointment.lang, now, appointment=appointment, until=until)


def release_expired(now: datetime, agency: str | None = None, starts_at: datetime | None = None) -> int:
    """Free the seats of holds whose time ran out (all, or one slot's); return how many."""
    where = (Appointment.status == "held") & (Appointment.hold_until <= to_utc(now))
    if agency is not None:
        where &= (Appointment.agency == agency) & (Appointment.starts_at == starts_at)
    with write_transaction():
        return Appointment.update(status="expired", seat=None).where(where).execute()


def resend(reference: str, now: datetime) -> Appointment:
    """A new code for a held booking (the old one dies). DomainError not_held, hold_expired,
    or rate_limited (retry_after) past CODES_PER_PHONE an hour."""
    appointment = _held(reference, now)
    with write_transaction():
        wait = ratelimit.count([(f"codes:{appointment.phone}", _config("CODES_PER_PHONE"), HOUR)], now)
        if wait:
            raise DomainError("rate_limited", retry_after=wait)
        send_code(appointment, now)
    return appointment


def _held(reference: str, now: datetime) -> Appointment:
    appointment = Appointment.get_or_none(Appointment.reference == (codes.normalize(reference) or ""))
    if appointment is None:
        raise DomainError("not_found")
    if appointment.status == "held" and appointment.hold_until <= to_utc(now):
        release_expired(now, appointment.agency, appointment.starts_at)
        appointment.status = "expired"
    if appointment.status == "expired":
        raise DomainError("hold_expired")
    if appointment.status != "held":
        raise DomainError("not_held", existing=appointment)
    return appointment


def _confirmed_again(appointment: Appointment, typed: str) -> Appointment:
    """A retried confirmation (its answer was lost): the same code answers as the first time;
    any other code learns nothing about the appointment (not_held, without details), and
    only CODE_TRIES of them are heard."""
    used = _latest(PhoneCode.select().where((PhoneCode.purpose == "confirm")
                                            & (PhoneCode.reference == appointment.reference)
                                            & PhoneCode.used_at.is_null(False)))
    if used is not None and used.tries < CODE_TRIES:
        typed = "".join(typed.split())
        if hmac.compare_digest(used.digest, _digest(used.phone, used.purpose, used.reference, typed)):
            return appointment
        with write_transaction():
            PhoneCode.update(tries=PhoneCode.tries + 1).where(PhoneCode.id == used.id).execute()
    raise DomainError("not_held")


def confirm(reference: str, typed: str, now: datetime, confirm_booking) -> Appointment:
    """Confirm a held booking with its code. `confirm_booking(appointment)` applies the
    booking rules that hold for confirmed visits only (the phone's limits) and marks it
    booked, in this transaction. Confirming twice with the same code is not an error (a retry
    whose first answer was lost): the second call returns the booked appointment."""
    try:
        appointment = _held(reference, now)
    except DomainError as exc:
        if exc.code == "not_held" and exc.existing.status in ("booked", "arrived"):
            return _confirmed_again(exc.existing, typed)
        raise
    spend(PhoneCode.select().where((PhoneCode.purpose == "confirm") & (PhoneCode.reference == reference)),
           typed, now, lambda: confirm_booking(appointment))
    return appointment


# --- proving a phone: "I have no reference" / "I did not book this" -------------------


def send_phone_code(phone: str, lang: str, address: str | None, now: datetime) -> None:
    """Send a code to a phone that has visits to come, so its owner can list and cancel them.
    Everything answers alike whether it has any or not (nobody learns whose number books): a
    code is made either way, and only the SMS is skipped. rate_limited (retry_after) per
    phone and per address."""
    with write_transaction():
        wait = ratelimit.count([(f"codes:{phone}", _config("CODES_PER_PHONE"), HOUR),
                                (f"phone-codes:{address}", _config("HOLDS_PER_ADDRESS") or 10**6, HOUR)], now)
        if wait:
            raise DomainError("rate_limited", retry_after=wait)
        expires = now + timedelta(minutes=PHONE_CODE_MINUTES)
        code = new_code(phone, "phone", None, expires, now)
        if upcoming_on(phone, now):
            outbox.code(phone, code, lang, now, until=expires)


def verify_phone(phone: str, typed: str, now: datetime) -> int:
    """Spend a try of the phone's latest code; DomainError code_expired, code_tries or
    code_wrong. Returns the proof: the id of the used code (for the session, not the phone)."""
    return spend(PhoneCode.select().where((PhoneCode.purpose == "phone") & (PhoneCode.phone == phone)),
                  typed, now).id


def proven_phone(proof: int, now: datetime) -> str | None:
    """The phone a proof of verify_phone stands for, while it is fresh (PROOF_MINUTES)."""
    found = PhoneCode.get_or_none((PhoneCode.id == proof) & (PhoneCode.purpose == "phone")
                                  & PhoneCode.used_at.is_null(False))
    if found is None or found.used_at < to_utc(now) - timedelta(minutes=PROOF_MINUTES):
        return None
    return found.phone


def forget_proof(proof: int, now: datetime) -> None:
    """"Done": the proof stops working at once, on every browser that holds it."""
    with write_transaction():
        (PhoneCode.update(used_at=to_utc(now) - timedelta(minutes=PROOF_MINUTES, seconds=1))
         .where((PhoneCode.id == proof) & (PhoneCode.purpose == "phone") & PhoneCode.used_at.is_null(False))
         .execute())


def upcoming_on(phone: str, now: datetime) -> list[Appointment]:
    """Every visit still to come on this phone, confirmed or held (and not lapsed), soonest first."""
    live_hold = (Appointment.status == "held") & (Appointment.hold_until > to_utc(now))
    return list(Appointment.select()
                .where((Appointment.phone == phone) & (Appointment.status.in_(("booked", "arrived")) | live_hold)
                       & (Appointment.starts_at >= to_utc(now)))
                .order_by(Appointment.starts_at))
