"""The worker: `python -m webapp worker` sends what the outbox holds, queues reminders when
they fall due, and records delivery reports; `--once` does one round and exits.

Any number of workers may run, on any machines: each message is claimed by one of them
(outbox.claim). SIGTERM lets the message being sent finish, then stops.
"""

import logging
import signal
import threading

from ..booking import phones, waitlist
from ..booking.ics import appointment_ics
from ..clock import from_utc, now
from ..db import database
from ..models import Appointment
from ..staffing import desk
from . import outbox
from .providers import Outgoing, PermanentFailure, TemporaryFailure, for_channels

log = logging.getLogger("webapp.worker")
BATCH = 20


def _attachments(app, message) -> list[tuple[str, str, bytes]]:
    """The .ics of the visit, for the e-mails that confirm or move it."""
    if message.channel != "email" or message.kind not in ("confirmed", "moved") or not message.appointment:
        return []
    appointment = Appointment.get_or_none(Appointment.id == message.appointment)
    if appointment is None:
        return []
    catalog = app.extensions["catalog"]
    service, task = catalog.task(appointment.service_id, appointment.task_id)
    context = {"appointment": appointment, "agency": catalog.agency(appointment.agency), "task": task,
               "start": from_utc(appointment.starts_at), "groups": task["checklist"] if task else [],
               "display": appointment.reference}
    return [(f"cnas-{appointment.reference}.ics", "text/calendar", appointment_ics(context, lang=message.lang))]


def run_once(app, providers) -> dict:
    """Free the seats of lapsed holds, queue due reminders, send every due message, record
    delivery reports. Returns counts."""
    counts = {"released": 0, "offers": 0, "reminders": 0, "sent": 0, "failed": 0, "retry": 0, "dropped": 0,
              "receipts": 0}
    with app.app_context(), database.connection_context():
        counts["released"] = phones.release_expired(now())
        counts["no_shows"] = desk.mark_no_shows(now())
        counts["offers"] = waitlist.match(now())  # seats freed by lapsed holds, or not taken
        counts["reminders"] = outbox.schedule_reminders(now())
        while True:
            batch = outbox.claim(sorted(providers), now(), BATCH)
            for message in batch:
                counts[_send_one(app, providers[message.channel], message)] += 1
            _receipts(providers, counts)
            if len(batch) < BATCH:
                break
    return counts


def _send_one(app, provider, message) -> str:
    reason = outbox.still_true(message, now())
    if reason:
        outbox.dropped(message, reason)
        return "dropped"
    outgoing = Outgoing(uid=message.uid, kind=message.kind, channel=message.channel, recipient=message.recipient,
                        lang=message.lang, body=message.body, subject=message.subject,
                        attachments=_attachments(app, message))
    try:
        result = provider.send(outgoing)
    except PermanentFailure as exc:
        outbox.failed(message, str(exc), now(), temporary=False)
        log.warning("message %s failed: %s", message.id, exc)
        return "failed"
    except TemporaryFailure as exc:
        outbox.failed(message, str(exc), now(), temporary=True)
        log.info("message %s will be retried: %s", message.id, exc)
        return "retry"
    outbox.sent(message, result.provider_id, result.delivered, now())
    return "sent"


def _receipts(providers, counts) -> None:
    for provider in providers.values():
        for provider_id, delivered, error in provider.receipts():
            outbox.receipt(provider_id, delivered, error, now())
            counts["receipts"] += 1


def run(app, once: bool = False, interval: float = 2.0, stop: threading.Event | None = None) -> None:
    """Loop until SIGTERM/SIGINT (or `stop`), a round every `interval` seconds."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    providers = for_channels(app.config)
    if not providers:
        log.warning("no SMS_URL or MAIL_URL: messages stay queued until a provider is configured")
    try:
        while True:
            try:
                counts = run_once(app, providers)
            except Exception:
                if once:
                    raise
                log.exception("worker round failed (database or provider down?); trying again")
                counts = {}
            if any(counts.values()):
                log.info("worker round: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
            if once or stop.wait(interval):
                break
    finally:
        for provider in providers.values():
            provider.close()
