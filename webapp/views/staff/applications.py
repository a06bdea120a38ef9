"""The agency's online applications: the queue (longest waiting first, with counts and ages),
one application with its answers and documents, and the decisions on it (all audited),
among them "come in to finish": a visit booked for the applicant at the agency."""

from datetime import date, datetime

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ... import clock
from ...applications import cases, review
from ...catalog import applications as content
from ...clock import ALGIERS
from ...digits import ascii_digits
from ...problems import DomainError
from ..messages import APPLICATION_STATUS_LABELS, domain_message
from ..shared import catalog, record_id
from ..uploads import document_response, store
from .base import bp, staff_required

ACTIONS = ("review", "missing", "accept", "refuse")
# What staff read when a visit cannot be booked (the booking rules' codes, said of the applicant).
VISIT_ERRORS = {
    "same_task": _l("The applicant already has an appointment for this procedure: see the agenda."),
    "limit": _l("The applicant already has the maximum number of upcoming appointments."),
    "visit_booked": _l("An appointment is already booked for this application."),
    "not_bookable": _l("This procedure takes no appointments, so no visit can be booked for it."),
    "unknown_agency": _l("This agency takes no appointments, so no visit can be booked here."),
    "not_bookable_here": _l("This agency takes no appointments for this procedure (see the agency's settings)."),
    "slot_full": _l("This time was just taken: choose another one."),
    "slot": _l("Choose a time from the list."),
}


def visit_message(code: str) -> str:
    if code == "no_free_slot":
        return ngettext("No free time at this agency for this procedure in the next %(num)d day.",
                        "No free time at this agency for this procedure in the next %(num)d days.",
                        review.VISIT_DAYS)
    return str(VISIT_ERRORS[code]) if code in VISIT_ERRORS else domain_message(code)


def chosen_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(ascii_digits(value or "")[:10])
    except ValueError:
        return None


@bp.get("/<agency>/applications")
@staff_required()
def applications(agency):
    """Applications to deal with, the longest waiting first."""
    now = clock.now()
    waiting = [(a, review.age_days(a, now), catalog().task(a.service_id, a.task_id)[1]) for a in review.queue(agency)]
    return render_template("staff/applications.html", agency=agency, agency_info=catalog().agency(agency),
                           waiting=waiting, counts=review.counts(agency), labels=APPLICATION_STATUS_LABELS)


def detail(agency, application, problem=None, status=200):
    _service, task = catalog().task(application.service_id, application.task_id)
    uploads = {u["id"]: u for u in cases.uploads(catalog(), application)}
    booked = review.visit(application)
    offer = None
    if booked is None and application.status in review.VISIT_STATUSES:
        offer = review.visit_offer(catalog(), application, chosen_day(request.values.get("day")), clock.now())
    return render_template("staff/application.html", agency=agency, agency_info=catalog().agency(agency),
                           application=application, task=task, answers=cases.answers(application),
                           questions=content.questions(task), uploads=uploads,
                           documents=cases.documents(application), labels=APPLICATION_STATUS_LABELS,
                           age=review.age_days(application, clock.now()), problem=problem,
                           message=request.args.get("done"), visit=booked, offer=offer,
                           visit_message=visit_message), status


def found(agency, reference):
    try:
        return review.get(agency, reference)
    except DomainError:
        abort(404)


@bp.get("/<agency>/applications/<reference>")
@staff_required()
def application(agency, reference):
    """One application: answers, documents to open, and what can be decided."""
    return detail(agency, found(agency, reference))


@bp.get("/<agency>/applications/<reference>/file/<file_id>")
@staff_required()
def application_file(agency, reference, file_id):
    """One of its files, shown in the browser (sandboxed, never run)."""
    application = found(agency, reference)
    try:
        document = cases.document_of(application, record_id(file_id))
    except DomainError:
        abort(404)
    return document_response(document, store())


@bp.post("/<agency>/applications/<reference>/<action>")
@staff_required()
def application_action(agency, reference, action):
    """Start reviewing, ask for a document, accept or refuse (a reason the applicant reads)."""
    if action not in ACTIONS:
        abort(404)
    application = found(agency, reference)
    reason = " ".join(request.form.get("reason", "").split())
    now, who = clock.now(), g.staff.username
    try:
        if action == "review":
            review.start_review(application, who, now)
        elif action == "missing":
            kind = request.form.get("kind", "")
            if kind not in {u["id"] for u in cases.uploads(catalog(), application)} | {cases.OTHER}:
                raise DomainError("unknown_document")
            if kind == cases.OTHER and len(reason) < 3:
                raise DomainError("reason")
            review.ask_document(application, who, kind, reason[:200], now)
        elif len(reason) < 3 and action == "refuse":
            raise DomainError("reason")
        else:
            review.decide(application, who, action == "accept", reason[:200], now)
    except DomainError as exc:
        return detail(agency, application, problem=domain_message(exc.code), status=409 if exc.code == "already"
                      else 422)
    return redirect(url_for(".application", agency=agency, reference=reference, done=action), 303)


@bp.post("/<agency>/applications/<reference>/visit")
@staff_required()
def application_visit(agency, reference):
    """"Come in to finish": book a free time at this agency for the applicant (an SMS tells them)."""
    application = found(agency, reference)
    try:
        try:
            start = datetime.strptime(ascii_digits(request.form.get("slot", ""))[:16], "%Y-%m-%dT%H:%M")
        except ValueError:
            raise DomainError("slot") from None
        review.book_visit(catalog(), application, g.staff.username, start.replace(tzinfo=ALGIERS), clock.now())
    except DomainError as exc:
        problem = visit_message(exc.code)
        return detail(agency, application, problem=problem, status=409 if exc.code in (
            "already", "visit_booked", "slot_full", "same_task", "limit") else 422)
    return redirect(url_for(".application", agency=agency, reference=reference, done="visit"), 303)
