"""What agency staff do with applications: the queue (oldest first), review, ask for a
missing document, decide with a reason, or book a visit for the applicant to come in and
finish it at the agency. Each step is audited and tells the applicant by SMS, in the
transaction that makes it; then the purge forgets the personal part of old ones."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from ..booking import appointments, availability
from ..clock import ALGIERS, from_utc, to_utc
from ..db import write_transaction
from ..models import Application, ApplicationDocument, ApplicationUpload, Appointment
from ..notify import outbox
from ..problems import DomainError
from ..staffing import audit
from . import storage
from .cases import DECIDED, LIVE, answers

DRAFT_KEEP_DAYS = 7  # a draft nobody sent is forgotten after this
VISIT_STATUSES = ("under_review", "missing_document")  # when staff may ask the applicant to come in
VISIT_DAYS = 14  # a visit to finish an application is offered within this many days
VISIT_LIVE = ("booked", "arrived", "called")  # a booked visit that is still to happen (or happening)
NAME_QUESTION = "full-name"  # the question that asks the applicant's name, when the task has one


def queue(agency: str) -> list[Application]:
    """The applications the agency has to deal with, the longest waiting first."""
    return list(Application.select().where((Application.agency == agency) & Application.status.in_(LIVE))
                .order_by(Application.submitted_at, Application.id))


def counts(agency: str) -> dict[str, int]:
    """How many applications of the agency are in each status (drafts and purged ones included
    in the decided counts: the figures of the reports)."""
    found = {status: 0 for status in (*LIVE, *DECIDED)}
    for row in (Application.select(Application.status).where((Application.agency == agency)
                                                             & (Application.status != "draft"))):
        found[row.status] = found.get(row.status, 0) + 1
    return found


def age_days(application: Application, now: datetime) -> int:
    """Whole days since it was sent."""
    return (now - from_utc(application.submitted_at)).days


def get(agency: str, reference: str) -> Application:
    """An application sent to this agency (not_found for any other, drafts and purged ones)."""
    found = Application.get_or_none((Application.reference == reference) & (Application.agency == agency)
                                    & Application.status.in_((*LIVE, *DECIDED)) & ~Application.purged)
    if found is None:
        raise DomainError("not_found")
    return found


def _change(application: Application, staff: str, action: str, now: datetime, allowed: tuple[str, ...],
            kind: str, details: str = "", **values) -> None:
    """Move `application` on, if it is still in an `allowed` status: the row, the audit entry and
    the SMS together (already: someone else changed it first)."""
    with write_transaction():
        changed = (Application.update(updated_at=to_utc(now), **values)
                   .where((Application.id == application.id) & Application.status.in_(allowed)).execute())
        if not changed:
            raise DomainError("already")
        for name, value in values.items():
            setattr(application, name, value)
        audit.record(staff, application.agency, action, application.reference, now, details)
        outbox.application(kind, application, now)


def start_review(application: Application, staff: str, now: datetime) -> None:
    """Someone has started reviewing it."""
    _change(application, staff, "application_review", now, ("received",), "app_review", status="under_review")


def ask_document(application: Application, staff: str, kind: str, note: str, now: datetime) -> None:
    """Ask the applicant for one document (`kind`: one of its uploads, or OTHER), with a note."""
    _change(application, staff, "application_missing", now, ("received", "under_review"), "app_missing",
            details=kind, status="missing_document", missing=kind, reason=note)


def decide(application: Application, staff: str, accepted: bool, reason: str, now: datetime) -> None:
    """Accept or refuse it, with the reason the applicant will read."""
    status = "accepted" if accepted else "refused"
    _change(application, staff, f"application_{status}", now, LIVE, f"app_{status}",
            status=status, reason=reason, missing=None, decided_at=to_utc(now))


# --- "come in to finish": a visit booked for the applicant -------------------------------------


@dataclass
class VisitOffer:
    """The free times staff may book for an applicant: the open days within VISIT_DAYS, the
    free slots of `day` (the first open day unless one was chosen), or why there are none
    (`problem`: a booking error code, or "no_free_slot")."""

    days: list[date] = field(default_factory=list)
    day: date | None = None
    slots: list[availability.Slot] = field(default_factory=list)
    problem: str | None = None


def visit(application: Application) -> Appointment | None:
    """The visit booked for the application, while it is still to happen."""
    if not application.appointment:
        return None
    return Appointment.get_or_none((Appointment.id == application.appointment) & Appointment.status.in_(VISIT_LIVE))


def visit_offer(catalog, application: Application, day: date | None, now: datetime) -> VisitOffer:
    """What the booking rules (booking/appointments.offer) leave free at the application's
    agency for its procedure, within VISIT_DAYS."""
    where = (catalog, application.agency, application.service_id, application.task_id)
    try:
        found = appointments.offer(*where, None, None, now)
        last = now.astimezone(ALGIERS).date() + timedelta(days=VISIT_DAYS)
        days = [d for d, _free in found.days if d <= last]
        if not days:
            return VisitOffer(problem="no_free_slot")
        chosen = day if day in days else days[0]
        slots = [s for s in appointments.offer(*where, chosen, None, now).slots if s.remaining]
    except DomainError as exc:
        return VisitOffer(problem=exc.code)
    return VisitOffer(days=days, day=chosen, slots=slots)


def book_visit(catalog, application: Application, staff: str, start: datetime, now: datetime) -> Appointment:
    """Book the slot `start` (aware) at the application's agency for the applicant to come in
    and finish it, through the booking rules (capacity, the phone's limits, opening days...).
    Once: already (the application moved on, or someone booked meanwhile), visit_booked (a
    visit is still to come), or a booking error. The appointment, the link, the audit entry
    and the SMS (app_visit, instead of the booking's own confirmation) commit together."""
    request = appointments.Request(
        agency=application.agency, service_id=application.service_id, task_id=application.task_id, start=start,
        full_name=str(answers(application).get(NAME_QUESTION, ""))[:120], phone=application.phone,
        lang=application.lang, notify=False)
    with write_transaction():
        fresh = Application.get_or_none(Application.id == application.id)
        if fresh is None or fresh.status not in VISIT_STATUSES or fresh.purged:
            raise DomainError("already")
        if visit(fresh):
            raise DomainError("visit_booked")
        booked, _moved = appointments.book(catalog, request, now)
        same = (Application.appointment.is_null() if fresh.appointment is None
                else Application.appointment == fresh.appointment)
        claimed = (Application.update(appointment=booked.id)  # not updated_at: it dates the asked-for document
                   .where((Application.id == application.id) & Application.status.in_(VISIT_STATUSES) & same)
                   .execute())
        if not claimed:
            raise DomainError("already")  # someone booked first: this booking rolls back
        application.appointment = booked.id
        audit.record(staff, application.agency, "application_visit", application.reference, now,
                     f"{booked.reference} {start.astimezone(ALGIERS):%Y-%m-%d %H:%M}")
        outbox.application_visit(application, booked, now)
    return booked


def purge(now: datetime, keep_days: int, store) -> dict[str, int]:
    """Forget answers, phone, reason and documents of applications decided more than
    `keep_days` ago, and drafts never sent after DRAFT_KEEP_DAYS; the decided rows stay (task,
    agency, status, dates) for the counts."""
    decided = to_utc(now - timedelta(days=keep_days))
    stale = to_utc(now - timedelta(days=DRAFT_KEEP_DAYS))
    old = list(Application.select(Application.id).where(
        (Application.status.in_(DECIDED) & (Application.decided_at < decided) & ~Application.purged)
        | ((Application.status == "draft") & (Application.updated_at < stale))))
    ids = [a.id for a in old]
    names = [d.stored_name for d in ApplicationDocument.select(ApplicationDocument.stored_name)
             .where(ApplicationDocument.application.in_(ids))] if ids else []
    names += [u.stored_name for u in ApplicationUpload.select(ApplicationUpload.stored_name)
              .where(ApplicationUpload.application.in_(ids))] if ids else []  # chunks of unfinished uploads
    with write_transaction():
        if ids:
            ApplicationUpload.delete().where(ApplicationUpload.application.in_(ids)).execute()
        files = ApplicationDocument.delete().where(ApplicationDocument.application.in_(ids)).execute() if ids else 0
        drafts = Application.delete().where(Application.id.in_(ids) & (Application.status == "draft")).execute() \
            if ids else 0
        blanked = (Application.update(answers="{}", phone=None, reason=None, missing=None, purged=True)
                   .where(Application.id.in_(ids)).execute()) if ids else 0
    for name in names:  # after the commit: a file without a row is harmless, a row without a file is not
        store.delete(name)
    return {"applications anonymised": blanked, "drafts deleted": drafts, "documents deleted": files}


def purge_due(now: datetime) -> dict[str, int]:
    """The purge as the settings say (APPLICATION_KEEP_DAYS, APPLICATION_STORAGE); run by the
    `purge` command next to the appointments' purge."""
    return purge(now, current_app.config["APPLICATION_KEEP_DAYS"], storage.store_for(current_app.config))
