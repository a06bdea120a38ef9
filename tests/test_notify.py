"""Messages: what each says and how long it is, written with the action that causes it,
never at night, reminders on the clock, sent once by any number of workers."""

import threading
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from webapp import demo
from webapp.booking import appointments
from webapp.booking.appointments import Request
from webapp.clock import ALGIERS, from_utc, to_utc, wall
from webapp.db import database
from webapp.models import Appointment, Message
from webapp.notify import outbox, texts, worker
from webapp.notify.providers import PermanentFailure, Provider, Sent, TemporaryFailure

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)  # a Tuesday
KINDS = ("confirmed", "reminder", "reminder_soon", "cancelled", "moved", "affected")


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ALGIERS)


def request(start, phone="0550123456", lang="fr", email=None, task=("death-grant", "claim-death-grant")):
    return Request(agency="09", service_id=task[0], task_id=task[1], start=start, full_name="Test Person",
                   phone=phone, lang=lang, email=email)


@pytest.fixture
def catalog(app, db, use_case):
    demo.load(app.extensions["catalog"])
    return app.extensions["catalog"]


def messages(**where) -> list[Message]:
    query = Message.select().order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(query)


class Recorder(Provider):
    """A provider that keeps what it was given; `fail` makes it raise instead."""

    def __init__(self, fail=None):
        self.sent, self.fail, self.lock = [], fail, threading.Lock()

    def send(self, message):
        if self.fail:
            raise self.fail
        with self.lock:
            self.sent.append(message)
        return Sent(f"id-{message.uid}", delivered=False)


# --- what each message says ---------------------------------------------------------------


def test_every_sms_fits_its_budget_with_the_longest_agency_name(app, use_case):
    """Arabic (UCS-2) in two parts at most, French and English (GSM-7) in one, for every
    bookable agency and every kind of message, at the longest day and time."""
    app.config["PUBLIC_URL"] = "https://rdv.cnas.dz"
    catalog = app.extensions["catalog"]
    worst = {}
    for agency in (a for a in catalog.agencies if a["bookable"]):
        for lang in ("ar", "fr", "en"):
            visit = SimpleNamespace(lang=lang, reference="ABCDEFGHK", starts_at=datetime(2026, 12, 31, 22, 45))
            for kind in KINDS:
                text = texts.appointment_text(kind, visit, agency)
                encoding, parts = texts.segments(text)
                assert (encoding, parts) <= (("ucs2", 2) if lang == "ar" else ("gsm7", 1)), (lang, kind, text)
                assert encoding == ("ucs2" if lang == "ar" else "gsm7"), (lang, kind, text)
                worst[lang, kind] = max(worst.get((lang, kind), 0), len(text))
            code = texts.code_text("123456", lang, datetime(2026, 12, 31, 22, 45))
            assert texts.segments(code)[1] == 1, code
    assert max(worst[("ar", k)] for k in KINDS) > 70  # the budget is used: Arabic does need two parts


def test_texts_are_translated_and_say_what_a_missed_visit_costs(app, use_case):
    agency = app.extensions["catalog"].agency("09")
    for lang, words in (("ar", "غيرك"), ("fr", "pour un autre"), ("en", "for someone else")):
        visit = SimpleNamespace(lang=lang, reference="ABCDEFGHK", starts_at=datetime(2026, 12, 2, 8, 30))
        text = texts.appointment_text("reminder", visit, agency)
        assert words in text, text
        assert "02/12" in text and "09:30" in text and "ABCDEFGHK" in text  # 08:30 UTC is 09:30 in Algiers
        assert "/m/ABCDEFGHK" in text


def test_segments_count_like_an_sms_centre():
    assert texts.segments("a" * 160) == ("gsm7", 1)
    assert texts.segments("a" * 161) == ("gsm7", 2)
    assert texts.segments("€" * 80) == ("gsm7", 1)  # extension characters count twice
    assert texts.segments("ê") == ("ucs2", 1)
    assert texts.segments("م" * 70) == ("ucs2", 1)
    assert texts.segments("م" * 71) == ("ucs2", 2)
    assert texts.segments("م" * 135) == ("ucs2", 3)
    assert texts.gsm_safe("Empêché — ça") == "Empeché - ca"


# --- written with the action ----------------------------------------------------------------


def test_a_booking_queues_its_confirmation_by_sms_and_email(catalog):
    booked, _ = appointments.book(catalog, request(at("2026-12-02", "09:00"), email="a@example.dz"), NOW)
    sms, email = messages(appointment=booked.id)
    assert (sms.kind, sms.channel, sms.recipient, sms.status) == ("confirmed", "sms", "0550123456", "queued")
    assert (email.channel, email.recipient) == ("email", "a@example.dz")
    assert email.subject == "Votre rendez-vous CNAS est confirmé"
    assert booked.reference in sms.body and "02/12" in sms.body


def test_a_rolled_back_booking_queues_nothing(catalog):
    with pytest.raises(RuntimeError), database.atomic():
        appointments.book(catalog, request(at("2026-12-02", "09:00")), NOW)
        raise RuntimeError("the transaction that booked fails later")
    assert Appointment.select().where(Appointment.phone == "0550123456").count() == 0
    assert messages() == []


def test_a_refused_booking_queues_nothing(catalog):
    appointments.book(catalog, request(at("2026-12-02", "09:00")), NOW)
    with pytest.raises(Exception, match="same_task"):
        appointments.book(catalog, request(at("2026-12-03", "09:00")), NOW)
    assert len(messages()) == 1


def test_cancel_and_move_each_queue_their_message(catalog):
    booked, _ = appointments.book(catalog, request(at("2026-12-02", "09:00")), NOW)
    appointments.reschedule(booked.reference, at("2026-12-03", "10:00"), NOW)
    appointments.reschedule(booked.reference, at("2026-12-03", "11:00"), NOW)
    appointments.cancel(booked.reference, NOW)
    assert [m.kind for m in messages()] == ["confirmed", "moved", "moved", "cancelled"]
    assert "03/12" in messages(kind="moved")[1].body and "11:00" in messages(kind="moved")[1].body


def test_no_sms_at_night_but_codes_go_at_once(catalog):
    night = at("2026-12-01", "22:30")
    appointments.book(catalog, request(at("2026-12-03", "09:00"), email="a@example.dz"), night)
    outbox.code("0550123456", "481516", "ar", night, until=night + timedelta(minutes=30))
    sms, email, code = messages()
    assert from_utc(sms.due_at) == at("2026-12-02", "08:00")
    assert from_utc(email.due_at) == night  # an e-mail wakes nobody
    assert from_utc(code.due_at) == night and "481516" in code.body and "23:00" in code.body
    assert outbox.after_quiet_hours(at("2026-12-02", "07:59")) == at("2026-12-02", "08:00")
    assert outbox.after_quiet_hours(at("2026-12-02", "20:59")) == at("2026-12-02", "20:59")


# --- reminders ---------------------------------------------------------------------------------


def test_the_reminder_job_sends_one_reminder_per_live_visit_of_tomorrow(app, catalog):
    evening = at("2026-12-01", "18:00")
    kept, _ = appointments.book(catalog, request(at("2026-12-02", "09:00"), phone="0551230001"), NOW)
    gone, _ = appointments.book(catalog, request(at("2026-12-02", "09:30"), phone="0551230002"), NOW)
    later, _ = appointments.book(catalog, request(at("2026-12-03", "09:00"), phone="0551230003"), NOW)
    appointments.cancel(gone.reference, NOW)
    late, _ = appointments.book(catalog, request(at("2026-12-02", "11:00"), phone="0551230004"),
                                at("2026-12-01", "19:00"))
    assert outbox.schedule_reminders(at("2026-12-01", "17:59")) == 0
    assert outbox.schedule_reminders(evening) == 1 + demo_visits_tomorrow()
    assert outbox.schedule_reminders(at("2026-12-01", "19:30")) == 0  # the job runs again: nothing new
    reminders = messages(kind="reminder")
    assert [m.appointment for m in reminders if m.recipient.startswith("055123")] == [kept.id]
    assert len(reminders) == 1 + demo_visits_tomorrow()
    assert later.id not in [m.appointment for m in reminders] and late.id not in [m.appointment for m in reminders]


def demo_visits_tomorrow() -> int:
    first, last = to_utc(at("2026-12-02", "00:00")), to_utc(at("2026-12-03", "00:00"))
    return (Appointment.select().where((Appointment.status == "booked") & (Appointment.starts_at >= first)
                                       & (Appointment.starts_at < last) & (Appointment.phone.is_null(False))
                                       & ~Appointment.phone.startswith("055123")).count())


def test_a_reminder_for_a_visit_since_moved_or_cancelled_is_never_sent(app, catalog):
    moved, _ = appointments.book(catalog, request(at("2026-12-02", "09:00"), phone="0551230001"), NOW)
    cancelled, _ = appointments.book(catalog, request(at("2026-12-02", "09:30"), phone="0551230002"), NOW)
    outbox.schedule_reminders(at("2026-12-01", "18:00"))
    appointments.reschedule(moved.reference, at("2026-12-03", "10:00"), at("2026-12-01", "18:01"))
    appointments.cancel(cancelled.reference, at("2026-12-01", "18:01"))
    app.config["NOW"] = at("2026-12-01", "18:02")
    provider = Recorder()
    worker.run_once(app, {"sms": provider})
    sent = {(m.recipient, m.kind) for m in provider.sent}
    assert ("0551230001", "reminder") not in sent and ("0551230002", "reminder") not in sent
    assert {("0551230001", "moved"), ("0551230002", "cancelled")} <= sent
    dropped = [m for m in messages(kind="reminder") if m.recipient.startswith("055123")]
    assert [m.status for m in dropped] == ["cancelled", "cancelled"]


def test_the_reminder_two_hours_before_when_configured(app, catalog):
    app.config["REMINDER_SOON_HOURS"] = 2
    booked, _ = appointments.book(catalog, request(at("2026-12-02", "11:00")), NOW)
    outbox.schedule_reminders(at("2026-12-02", "08:30"))  # 2 h 30 before: not yet
    assert not messages(kind="reminder_soon", appointment=booked.id)
    outbox.schedule_reminders(at("2026-12-02", "09:00"))
    outbox.schedule_reminders(at("2026-12-02", "09:10"))
    assert len(messages(kind="reminder_soon", appointment=booked.id)) == 1


def test_stopped_reminders_are_not_sent(app, catalog):
    booked, _ = appointments.book(catalog, request(at("2026-12-02", "09:00")), NOW)
    outbox.schedule_reminders(at("2026-12-01", "18:00"))
    appointments.stop_reminders(booked.reference, at("2026-12-01", "18:00"))
    assert messages(kind="reminder", appointment=booked.id)[0].status == "cancelled"
    appointments.reschedule(booked.reference, at("2026-12-02", "11:00"), at("2026-12-01", "18:05"))
    outbox.schedule_reminders(at("2026-12-01", "18:10"))
    assert [m.status for m in messages(kind="reminder", appointment=booked.id)] == ["cancelled"]
    assert messages(kind="moved", appointment=booked.id)  # a change is still announced


# --- the worker -----------------------------------------------------------------------------------


def test_the_worker_sends_due_messages_and_settles_them(app, catalog):
    booked, _ = appointments.book(catalog, request(at("2026-12-02", "09:00"), email="a@example.dz"), NOW)
    sms, email = Recorder(), Recorder()
    counts = worker.run_once(app, {"sms": sms, "email": email})
    assert counts["sent"] == 2
    assert [m.uid for m in sms.sent] == [m.uid for m in messages(channel="sms")]
    assert email.sent[0].attachments[0][0] == f"cnas-{booked.reference}.ics"
    assert b"BEGIN:VEVENT" in email.sent[0].attachments[0][2]
    assert {m.status for m in messages()} == {"sent"}
    outbox.receipt(f"id-{messages(channel='sms')[0].uid}", True, None, NOW)
    assert messages(channel="sms")[0].status == "delivered"
    assert worker.run_once(app, {"sms": sms, "email": email})["sent"] == 0


def test_a_night_message_waits_for_the_morning(app, catalog):
    appointments.book(catalog, request(at("2026-12-03", "09:00")), at("2026-12-01", "22:00"))
    app.config["NOW"] = at("2026-12-01", "23:00")
    provider = Recorder()
    worker.run_once(app, {"sms": provider})
    assert provider.sent == []
    app.config["NOW"] = at("2026-12-02", "08:00")
    worker.run_once(app, {"sms": provider})
    assert [m.kind for m in provider.sent if m.recipient == "0550123456"] == ["confirmed"]


def test_temporary_failures_are_retried_five_minutes_apart_then_given_up(app, catalog):
    appointments.book(catalog, request(at("2026-12-03", "09:00")), NOW)
    app.config["NOW"] = NOW
    worker.run_once(app, {"sms": Recorder(fail=TemporaryFailure("SMPP 0x58"))})
    (message,) = messages()
    assert (message.status, message.error, message.attempts) == ("queued", "SMPP 0x58", 1)
    assert from_utc(message.due_at) == NOW + timedelta(minutes=5)
    app.config["NOW"] = NOW + timedelta(hours=3, minutes=56)
    outbox.Message.update(due_at=to_utc(app.config["NOW"])).execute()
    worker.run_once(app, {"sms": Recorder(fail=TemporaryFailure("SMPP 0x58"))})
    assert messages()[0].status == "failed"  # the next try would come after four hours


def test_a_permanent_failure_is_marked_at_once_and_can_be_resent(app, catalog):
    appointments.book(catalog, request(at("2026-12-03", "09:00")), NOW)
    worker.run_once(app, {"sms": Recorder(fail=PermanentFailure("SMPP 0x0b"))})
    (message,) = messages()
    assert (message.status, message.error) == ("failed", "SMPP 0x0b")
    assert outbox.resend(message.id, NOW) and messages()[0].status == "queued"
    assert not outbox.resend(message.id, NOW)  # only a failed message is resent


def test_a_channel_without_provider_keeps_its_messages(app, catalog):
    appointments.book(catalog, request(at("2026-12-03", "09:00"), email="a@example.dz"), NOW)
    worker.run_once(app, {"sms": Recorder()})
    assert [m.status for m in messages()] == ["sent", "queued"]


def test_a_dead_workers_messages_are_taken_back_after_its_lease(app, catalog):
    appointments.book(catalog, request(at("2026-12-03", "09:00")), NOW)
    app.config["OUTBOX_LEASE_SECONDS"] = 60
    (claimed,) = outbox.claim(["sms"], NOW, 10)  # ... and the worker dies here
    assert outbox.claim(["sms"], NOW, 10) == []  # nobody else takes it while the lease runs
    Message.update(claimed_until=to_utc(wall()) - timedelta(seconds=1)).execute()  # the lease runs out (real time)
    (again,) = outbox.claim(["sms"], NOW, 10)
    assert again.uid == claimed.uid and again.id == claimed.id  # same uid: the provider deduplicates


def test_two_workers_on_one_queue_send_each_message_once(app, catalog):
    for n in range(40):
        outbox.code(f"06600{n:05d}", "123456", "fr", NOW, until=NOW)
    provider = Recorder()
    errors = []

    def work():
        try:
            worker.run_once(app, {"sms": provider})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            if not database.is_closed():
                database.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    uids = [m.uid for m in provider.sent]
    assert len(uids) == len(set(uids)) == 40
    assert {m.status for m in messages()} == {"sent"}
