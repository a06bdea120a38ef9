"""The outbox: messages written in the transaction of the action that causes them, then
claimed, sent and settled by workers (webapp/notify/worker.py).

Why a table of our own rather than a queue library: a message must commit or roll back
with the booking that causes it, which only a table in the same database gives; and
PostgreSQL's `FOR UPDATE SKIP LOCKED` (SQLite: the write lock of an IMMEDIATE transaction)
lets any number of workers share it without sending a message twice. A worker killed while
sending leaves its messages "sending" until their lease runs out; another worker then sends
them again with the same `uid`, which the provider deduplicates (at-least-once delivery).
"""

import secrets
from datetime import datetime, time, timedelta

import peewee as pw
from flask import current_app
from peewee import fn

from ..clock import ALGIERS, from_utc, to_utc, wall
from ..db import database, write_transaction
from ..models import Appointment, Message
from . import texts

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)  # no SMS in between, Africa/Algiers
LIVE = ("booked",)  # visits that still get reminders
STATUSES = ("queued", "sending", "sent", "delivered", "failed", "cancelled")
WAITING = ("queued", "sending")


def _config(name: str):
    return current_app.config[name]


def after_quiet_hours(moment: datetime) -> datetime:
    """`moment`, or 08:00 Algiers if it falls in the night (21:00 to 08:00)."""
    local = moment.astimezone(ALGIERS)
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, ALGIERS)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), QUIET_UNTIL, ALGIERS)
    return moment


def _queue(kind: str, channel: str, recipient: str, lang: str, body: str, now: datetime,
           appointment: Appointment | None = None, dedupe: str | None = None) -> None:
    """Write one message; a second one with the same `dedupe` is not written."""
    urgent = kind == "code" or channel == "email"
    row = {
        "uid": secrets.token_hex(16), "dedupe": dedupe, "kind": kind, "channel": channel,
        "recipient": recipient, "lang": lang, "subject": texts.subject(kind, lang) if channel == "email" else None,
        "body": body, "appointment": appointment.id if appointment else None,
        "appointment_start": appointment.starts_at if appointment else None,
        "due_at": to_utc(now if urgent else after_quiet_hours(now)), "created_at": to_utc(now),
    }
    Message.insert(row).on_conflict_ignore().execute()


def about(kind: str, appointment: Appointment, now: datetime, key: str = "") -> None:
    """Queue the SMS (and the e-mail, if the person gave one) of `kind` about `appointment`.
    Call it inside the transaction that changes the appointment. `key` tells events of one
    kind apart (a reminder per visit time); without it, one message of a kind a visit."""
    agency = current_app.extensions["catalog"].agency(appointment.agency)
    body = texts.appointment_text(kind, appointment, agency)
    for channel, recipient in (("sms", appointment.phone), ("email", appointment.email)):
        if recipient:
            dedupe = f"{kind}:{appointment.id}:{channel}:{key}" if kind != "moved" else None
            _queue(kind, channel, recipient, appointment.lang, body, now, appointment, dedupe)


def code(phone: str, value: str, lang: str, now: datetime, until: datetime,
         appointment: Appointment | None = None) -> None:
    """Queue a one-time code good until `until` (Algiers time): sent at once, night or day."""
    _queue("code", "sms", phone, lang, texts.code_text(value, lang, until.astimezone(ALGIERS)), now, appointment)


def offer(appointment: Appointment, value: str, until: datetime, now: datetime) -> None:
    """Queue the offer of a seat to a person of the waiting list: the time, the code that
    takes it and until when (after quiet hours, which the offer's length allows for)."""
    agency = current_app.extensions["catalog"].agency(appointment.agency)
    body = texts.offer_text(appointment, agency, value, until.astimezone(ALGIERS))
    _queue("offer", "sms", appointment.phone, appointment.lang, body, now, appointment)


def waitlist_joined(entry, now: datetime) -> None:
    """Queue the SMS that tells a person they are on the waiting list, with its reference."""
    agency = current_app.extensions["catalog"].agency(entry.agency)
    _queue("waitlist", "sms", entry.phone, entry.lang, texts.waitlist_text(entry, agency), now)


def application(kind: str, found, now: datetime) -> None:
    """Queue the SMS of a change of an online application (kinds app_*), once a change."""
    body = texts.application_text(kind, found.reference, found.lang)
    _queue(kind, "sms", found.phone, found.lang, body, now, dedupe=f"{kind}:{found.reference}:{_stamp(now)}")


def application_visit(found, appointment: Appointment, now: datetime) -> None:
    """Queue the SMS of the visit booked for an application ("come in to finish"), once a visit."""
    agency = current_app.extensions["catalog"].agency(appointment.agency)
    _queue("app_visit", "sms", found.phone, found.lang, texts.visit_text(appointment, agency), now, appointment,
           dedupe=f"app_visit:{appointment.id}")


def queue_position(ticket, agency: dict, ahead: int, now: datetime) -> bool:
    """Queue the SMS "you are next but `ahead`" to the phone given with a lobby ticket, once a
    ticket. Never at night: a queue is not called then, and a morning SMS would be stale (False)."""
    if after_quiet_hours(now) != now:
        return False
    lang = ticket.lang or "ar"
    body = texts.queue_text(ticket.number, ahead, ticket.token, lang, agency)
    _queue("queue_position", "sms", ticket.phone, lang, body, now, dedupe=f"queue_position:{ticket.id}")
    return True


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def schedule_reminders(now: datetime) -> int:
    """Queue the reminders due by `now`: the day before at REMINDER_TIME, and REMINDER_SOON_HOURS
    before the visit when set. Each visit time gets each reminder once, however often this runs;
    a visit booked after the day-before reminder time gets none (its confirmation is fresh)."""
    queued = 0
    moment = datetime.combine(now.date(), _config("REMINDER_TIME"), ALGIERS)
    if now >= moment:
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(0), ALGIERS)
        queued += _remind("reminder", now, to_utc(tomorrow), to_utc(tomorrow + timedelta(days=1)), to_utc(moment))
    hours = _config("REMINDER_SOON_HOURS")
    if hours and after_quiet_hours(now) == now:
        soon = now + timedelta(hours=hours)
        queued += _remind("reminder_soon", now, to_utc(now), to_utc(soon), to_utc(soon - timedelta(days=1)))
    return queued


def _remind(kind: str, now: datetime, first: datetime, last: datetime, booked_before: datetime) -> int:
    reminded = Message.select(Message.id).where((Message.appointment == Appointment.id) & (Message.kind == kind)
                                                & (Message.appointment_start == Appointment.starts_at))
    due = (Appointment.select()
           .where(Appointment.status.in_(LIVE) & Appointment.reminders
                  & (Appointment.starts_at >= first) & (Appointment.starts_at < last)
                  & (Appointment.created_at < booked_before) & ~fn.EXISTS(reminded)))  # each round: only the new
    count = 0
    for appointment in due:
        with write_transaction():
            about(kind, appointment, now, key=_stamp(appointment.starts_at))
        count += 1
    return count


def stop_reminders(appointment: Appointment, now: datetime) -> None:
    """The person wants no more reminders for this visit (codes and changes still come)."""
    with write_transaction():
        Appointment.update(reminders=False).where(Appointment.id == appointment.id).execute()
        (Message.update(status="cancelled", error="reminders stopped by the person")
         .where((Message.appointment == appointment.id) & Message.kind.in_(("reminder", "reminder_soon"))
                & (Message.status == "queued")).execute())


# --- the worker's side ------------------------------------------------------------------


def claim(channels: list[str], now: datetime, limit: int) -> list[Message]:
    """Take up to `limit` due messages for sending: "sending" with a lease, committed, so that
    no other worker takes them until the lease runs out (in real time, not the app's clock)."""
    lease_now = to_utc(wall())
    due = (Message.channel.in_(channels)
           & (((Message.status == "queued") & (Message.due_at <= to_utc(now)))
              | ((Message.status == "sending") & (Message.claimed_until < lease_now))))
    with write_transaction():
        query = Message.select().where(due).order_by(Message.due_at, Message.id).limit(limit)
        if isinstance(database.obj, pw.PostgresqlDatabase):
            query = query.for_update("FOR UPDATE SKIP LOCKED")
        taken = list(query)
        if taken:
            until = lease_now + timedelta(seconds=_config("OUTBOX_LEASE_SECONDS"))
            (Message.update(status="sending", claimed_until=until, attempts=Message.attempts + 1)
             .where(Message.id.in_([m.id for m in taken])).execute())
    return taken


def still_true(message: Message, now: datetime) -> str | None:
    """Why a claimed message should no longer go out, or None."""
    if message.appointment is None:
        return None
    appointment = Appointment.get_or_none(Appointment.id == message.appointment)
    if appointment is None or appointment.purged:
        return "the appointment no longer exists"
    if message.kind in ("code", "offer") and appointment.status != "held":
        return "the booking no longer waits for its code"
    if message.kind in ("reminder", "reminder_soon"):
        if appointment.status not in LIVE or appointment.starts_at != message.appointment_start:
            return "the appointment was cancelled or moved"
        if not appointment.reminders:
            return "reminders stopped by the person"
        if from_utc(appointment.starts_at) <= now:
            return "the appointment has begun"
    return None


def _settle(message: Message, **changes) -> None:
    with write_transaction():
        (Message.update(**changes)
         .where((Message.id == message.id) & (Message.status == "sending")).execute())


def sent(message: Message, provider_id: str, delivered: bool, now: datetime) -> None:
    _settle(message, status="delivered" if delivered else "sent", provider_id=provider_id[:80],
            sent_at=to_utc(now), delivered_at=to_utc(now) if delivered else None, error=None, claimed_until=None)


def dropped(message: Message, reason: str) -> None:
    _settle(message, status="cancelled", error=reason[:300], claimed_until=None)


def failed(message: Message, reason: str, now: datetime, temporary: bool) -> None:
    """A temporary failure is retried every OUTBOX_RETRY_SECONDS until OUTBOX_GIVE_UP_SECONDS
    after the message was written (GOV.UK Notify: 5 minutes apart for about 4 hours)."""
    give_up = from_utc(message.created_at) + timedelta(seconds=_config("OUTBOX_GIVE_UP_SECONDS"))
    retry = now + timedelta(seconds=_config("OUTBOX_RETRY_SECONDS"))
    if temporary and retry < give_up:
        when = retry if message.kind == "code" or message.channel == "email" else after_quiet_hours(retry)
        _settle(message, status="queued", due_at=to_utc(when), error=reason[:300], claimed_until=None)
    else:
        _settle(message, status="failed", error=reason[:300], claimed_until=None)


def receipt(provider_id: str, delivered: bool, error: str | None, now: datetime) -> None:
    """A delivery report from the SMS centre, for a message any worker sent."""
    changes = {"status": "delivered", "delivered_at": to_utc(now)} if delivered else \
        {"status": "failed", "error": (error or "not delivered")[:300]}
    with write_transaction():
        (Message.update(**changes)
         .where((Message.provider_id == provider_id) & Message.status.in_(("sent", "sending"))).execute())


def resend(message_id: int, now: datetime) -> bool:
    """Queue a failed message again (a back-office button); False if it is not failed."""
    with write_transaction():
        return bool(Message.update(status="queued", due_at=to_utc(now), error=None, claimed_until=None)
                    .where((Message.id == message_id) & (Message.status == "failed")).execute())


def inbox(recipient: str | None = None, limit: int = 100) -> list[dict]:
    """The newest messages (for one phone or e-mail), as the demo inbox shows them."""
    query = Message.select().order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
    if recipient:
        query = query.where(Message.recipient == recipient)
    return [{"to": m.recipient, "channel": m.channel, "kind": m.kind, "language": m.lang, "subject": m.subject,
             "body": m.body, "status": m.status, "created": from_utc(m.created_at).isoformat()} for m in query]
