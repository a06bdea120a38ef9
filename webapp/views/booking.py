"""Booking pages: task → agency → day → time → details → review → confirm; manage."""

import io
import uuid
from datetime import datetime

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import ValidationError

from .. import clock
from ..booking import appointments, codes, phones, schemas, waitlist
from ..booking.ics import appointment_ics
from ..catalog import checklist, places
from ..clock import ALGIERS
from ..digits import ascii_digits
from ..i18n import current
from ..problems import DomainError
from . import shared
from .htmx import vary_on_htmx, wants_fragment
from .messages import domain_message, field_errors
from .shared import catalog, no_store, retry_after

bp = Blueprint("booking", __name__, url_prefix="/<lang:lang>")
AGENCY_COOKIE = "agency"
# Codes that say the whole procedure cannot be booked: answered by the common error page.
NOT_BOOKABLE = ("unknown_task", "not_bookable", "unknown_agency", "idempotency_key")
FEW_PLACES = 3  # a day with this many free places or fewer says "Few places left", not a count


def bookable_task(service_id, task_id):
    """The service and task of a booking URL (404 or 422 page when it cannot be booked)."""
    return appointments.bookable_task(catalog(), service_id, task_id)


def chosen_slot(args, agencies):
    """The agency, day and time chosen so far (each None until well-formed). The agency
    remembered by the cookie counts unless the person is looking for another one (?q=)."""
    agency = args.get("agency") or (None if args.get("q") else request.cookies.get(AGENCY_COOKIE))
    agency = agency if any(a["code"] == agency for a in agencies) else None
    try:
        day = datetime.strptime(ascii_digits(args.get("date", "")), "%Y-%m-%d").date() if agency else None
    except ValueError:
        day = None
    start = None
    if day and args.get("time"):
        try:
            start = datetime.combine(day, datetime.strptime(ascii_digits(args["time"]), "%H:%M").time(), ALGIERS)
        except ValueError:
            start = None
    return agency, day, start


def steps_context(service, task, args, errors=None, values=None, problem=None, mode="book", here=None):
    """Everything the step templates need, computed from the query so far."""
    here = here or url_for(".start", service_id=service["id"], task_id=task["id"])
    agencies = appointments.agencies_for(catalog(), service["id"], task["id"])
    agency, day, start = chosen_slot(args, agencies)
    query = args.get("q", "")[:places.MAX_QUERY].strip()
    # The checklist answers of the task page ride along as hidden fields (mode "book" only:
    # a moved appointment keeps those it was booked with).
    carry = checklist.read_answers(task, args) if mode == "book" else {}
    context = dict(service=service, task=task, agencies=agencies, agency=agency, day=day, start=None,
                   days=[], slots=[], closed=None, errors=errors or {}, values=values or {},
                   problem=problem, mode=mode, here=here, q=query, carry=carry,
                   shown=places.matching(agencies, catalog().wilayas, query))
    if agency:
        offer = appointments.offer(catalog(), agency, service["id"], task["id"], day, start, clock.now())
        context.update(days=offer.days, slots=offer.slots, closed=offer.closed, start=offer.start)
    return context


@bp.get("/book/<service_id>/<task_id>")
def start(service_id, task_id):
    """The booking steps; each answer narrows the next step (whole page, or #booking for htmx)."""
    try:
        service, task = bookable_task(service_id, task_id)
    except DomainError as exc:
        if exc.code != "not_bookable":
            raise
        service, task = catalog().task(service_id, task_id)
        return render_template("booking/not_bookable.html", service=service, task=task), 404
    context = steps_context(service, task, request.args)
    template = "booking/_steps.html" if wants_fragment("booking") else "booking/start.html"
    if wants_fragment("agency-choose"):  # the agency list, filtered as the person types
        template = "booking/_agencies.html"
    response = vary_on_htmx(make_response(render_template(template, **context)))
    if context["agency"] and request.args.get("agency"):
        response.set_cookie(AGENCY_COOKIE, context["agency"], max_age=365 * 86400,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax",
                            httponly=True)
    return response


@bp.post("/book/<service_id>/<task_id>/review")
def review(service_id, task_id):
    """Check the details; show them back with a Confirm button (or the form with errors)."""
    service, task = bookable_task(service_id, task_id)
    form = request.form.to_dict()
    try:
        person = schemas.Person().load(form)
    except ValidationError as exc:
        context = steps_context(service, task, form, errors=field_errors(exc.messages), values=form)
        return render_template("booking/start.html", **context), 422
    fallback = form.get("fallback") if form.get("fallback") in appointments.FALLBACKS else "none"
    context = steps_context(service, task, form, values={**person, "fallback": fallback})
    if context["start"] is None:
        return redirect(url_for(".start", service_id=service_id, task_id=task_id, agency=form.get("agency"),
                                **context["carry"]))
    return no_store(render_template("booking/review.html", **context, key=str(uuid.uuid4())))


@bp.post("/book/<service_id>/<task_id>/confirm")
def confirm(service_id, task_id):
    """Book. The form's key makes a double click, a resent form or the phone's outbox book once."""
    service, task = bookable_task(service_id, task_id)
    form = request.form.to_dict()
    try:
        data = schemas.Booking().load({**form, "service": service_id, "task": task_id,
                                       "answers": checklist.read_answers(task, form)})
    except ValidationError as exc:
        context = steps_context(service, task, form, errors=field_errors(exc.messages), values=form)
        return render_template("booking/start.html", **context), 422
    try:
        booked = appointments.place(catalog(), form.get("key") or str(uuid.uuid4()),
                                    appointments.request_from(data, current(), address=request.remote_addr),
                                    data["fallback"], clock.now())
    except DomainError as exc:
        if exc.code in NOT_BOOKABLE:
            raise
        person = {k: data[k] for k in ("full_name", "phone", "email", "ssn")}
        context = steps_context(service, task, {**form, "time": ""}, values=person, problem=exc)
        return retry_after(make_response(render_template("booking/start.html", **context), exc.status), exc)
    remember(booked["reference"])
    return redirect(url_for(".appointment", reference=booked["reference"]), 303)


def remember(reference):
    """Let this browser see an appointment it booked or looked up."""
    shared.remember(shared.MINE, reference)


def mine(reference):
    """The appointment if this browser may see it, else send the reader to the lookup form."""
    if reference not in session.get(shared.MINE, []):
        abort(redirect(url_for(".manage")))
    return appointments.get(reference)


def appointment_context(appointment):
    """What the appointment's pages show: only the documents that apply to the answers given."""
    service, task = catalog().task(appointment.service_id, appointment.task_id)
    answers = appointments.answers_of(appointment, task)
    return dict(appointment=appointment, service=service, task=task, answers=answers,
                agency=catalog().agency(appointment.agency), groups=checklist.narrow(task, answers) if task else [],
                start=clock.from_utc(appointment.starts_at), display=codes.display(appointment.reference))


@bp.get("/appointments/<reference>")
def appointment(reference):
    """The confirmation: reference, when, where, what to bring, QR code, calendar, manage."""
    return no_store(render_template("booking/appointment.html", **appointment_context(mine(reference))))


@bp.post("/appointments/<reference>/code")
def confirm_code(reference):
    """Confirm a held booking with the code sent by SMS."""
    mine(reference)
    try:
        appointments.confirm(reference, ascii_digits(request.form.get("code", "")), clock.now())
    except DomainError as exc:
        return held_page(reference, problem=exc)
    return redirect(url_for(".appointment", reference=reference), 303)


@bp.post("/appointments/<reference>/code/new")
def resend_code(reference):
    """Send a new code (the previous one stops working)."""
    mine(reference)
    try:
        phones.resend(reference, clock.now())
    except DomainError as exc:
        return held_page(reference, problem=exc)
    return held_page(reference, notice=_("A new code is on its way. Only the newest code works."))


def held_page(reference, problem: DomainError | None = None, notice=None):
    """The appointment page again, with what the code step has to say."""
    page = render_template("booking/appointment.html", **appointment_context(appointments.get(reference)),
                           problem=problem, notice=notice)
    return retry_after(no_store(make_response(page, problem.status if problem else 200)), problem)


@bp.get("/appointments/<reference>/calendar.ics")
def calendar(reference):
    """The appointment as an iCalendar file, in Africa/Algiers time."""
    context = appointment_context(mine(reference))
    response = no_store(appointment_ics(context, lang=current()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="cnas-{reference}.ics"'
    return response


@bp.get("/appointments/<reference>/qr.svg")
def qr(reference):
    """The reference as a QR code (SVG), for the kiosk's check-in camera."""
    mine(reference)
    out = io.BytesIO()
    segno.make(reference, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    response = no_store(out.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    return response


@bp.route("/appointments/<reference>/cancel", methods=["GET", "POST"])
def cancel(reference):
    """Ask "Cancel this appointment?" on a page of its own; its form cancels and frees the seat."""
    found = mine(reference)
    if request.method == "GET":
        if found.status == "cancelled":
            return redirect(url_for(".appointment", reference=reference), 303)
        return no_store(render_template("booking/cancel.html", **appointment_context(found), problem=None))
    try:
        appointments.cancel(reference, clock.now())
    except DomainError as exc:
        page = render_template("booking/cancel.html", **appointment_context(found), problem=exc)
        return no_store(page), exc.status
    return redirect(url_for(".appointment", reference=reference), 303)


@bp.post("/appointments/<reference>/reminders/stop")
def stop_reminders(reference):
    """No more reminders for this visit (changes are still announced)."""
    mine(reference)
    appointments.stop_reminders(reference, clock.now())
    return redirect(url_for(".appointment", reference=reference), 303)


@bp.route("/appointments/<reference>/reschedule", methods=["GET", "POST"])
def reschedule(reference):
    """Choose another day and time at the same agency; the old seat is kept until the new one is held."""
    context = appointment_context(mine(reference))
    args = {**request.values.to_dict(), "agency": context["appointment"].agency}
    here = url_for(".reschedule", reference=reference)
    steps = steps_context(context["service"], context["task"], args, mode="move", here=here)
    if request.method == "POST" and steps["start"]:
        try:
            appointments.reschedule(reference, steps["start"], clock.now())
            return redirect(url_for(".appointment", reference=reference), 303)
        except DomainError as exc:
            steps = steps_context(context["service"], context["task"], {**args, "time": ""},
                                  problem=exc, mode="move", here=here)
            return no_store(render_template("booking/reschedule.html", **{**context, **steps})), exc.status
    template = "booking/_reschedule_steps.html" if wants_fragment("booking") else "booking/reschedule.html"
    return no_store(vary_on_htmx(make_response(render_template(template, **{**context, **steps}))))


@bp.route("/manage", methods=["GET", "POST"])
def manage():
    """Find an appointment with its reference and the phone number used to book it."""
    if request.method == "GET":  # ?reference= comes from the link of an SMS (/m/<reference>)
        values = {"reference": codes.clean(request.args.get("reference", ""))}
        return render_template("booking/manage.html", values=values, problem=None)
    form = request.form.to_dict()
    phone = schemas.normalize_phone(form.get("phone", ""))
    try:
        found = appointments.find(form.get("reference", ""), phone, request.remote_addr, clock.now())
    except DomainError as exc:
        try:  # a waiting-list reference, looked up by the same (already counted) try
            if exc.code != "not_found":
                raise
            entry = waitlist.find(form.get("reference", ""), phone, request.remote_addr, clock.now(), counted=True)
        except DomainError:
            return no_store(render_template("booking/manage.html", values=form, problem=exc.code)), exc.status
        shared.remember(shared.WAITS, entry.reference)
        return redirect(url_for("waitlist.entry", reference=entry.reference), 303)
    remember(found.reference)
    return redirect(url_for(".appointment", reference=found.reference), 303)


@bp.app_context_processor
def booking_texts():
    return {"booking_error": domain_message, "FEW_PLACES": FEW_PLACES}
