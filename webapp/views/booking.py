"""Booking pages: task → agency → day → time → details → review → confirm; manage."""

import io
import json
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
from marshmallow import ValidationError

from .. import clock
from ..booking import appointments, availability, codes, idempotency, ratelimit, schemas
from ..booking.appointments import BookingError
from ..booking.ics import appointment_ics
from ..clock import ALGIERS
from ..i18n import current
from ..models import DisabledTask
from .api import appointment_json
from .htmx import vary_on_htmx, wants_fragment
from .messages import BOOKING_ERRORS, field_errors
from .shared import catalog

bp = Blueprint("booking", __name__, url_prefix="/<lang:lang>")
AGENCY_COOKIE = "agency"
LOOKUPS_PER_IP = 20  # per 10 minutes
LOOKUPS_PER_REFERENCE = 5



def bookable_task(service_id, task_id):
    service, task = catalog().task(service_id, task_id)
    if task is None:
        abort(404)
    return service, task


def bookable_agencies():
    return [a for a in catalog().agencies if a["bookable"]]


def chosen_slot(args):
    """The agency, day and time chosen so far (each None until valid)."""
    agency = args.get("agency") or request.cookies.get(AGENCY_COOKIE)
    agency = agency if catalog().agency(agency or "") in bookable_agencies() else None
    try:
        day = datetime.strptime(args.get("date", ""), "%Y-%m-%d").date() if agency else None
    except ValueError:
        day = None
    start = None
    if day and args.get("time"):
        try:
            start = datetime.combine(day, datetime.strptime(args["time"], "%H:%M").time(), ALGIERS)
        except ValueError:
            start = None
    return agency, day, start


def steps_context(service, task, args, errors=None, values=None, problem=None, mode="book", here=None):
    """Everything the step templates need, computed from the query so far."""
    now = clock.now()
    here = here or url_for(".start", service_id=service["id"], task_id=task["id"])
    agency, day, start = chosen_slot(args)
    disabled = {d.agency for d in DisabledTask.select(DisabledTask.agency).where(
        (DisabledTask.service_id == service["id"]) & (DisabledTask.task_id == task["id"]))}
    rules = availability.load_rules(agency) if agency and agency not in disabled else None
    context = dict(service=service, task=task, agencies=[a for a in bookable_agencies() if a["code"] not in disabled],
                   agency=agency if agency not in disabled else None,
                   day=day, start=start, days=[], slots=[], closed=None, errors=errors or {},
                   values=values or {}, problem=problem, mode=mode, here=here)
    if rules:
        context["days"] = availability.open_days(rules, now)
        if day:
            context["closed"] = availability.closed_reason(rules, day, now)
            context["slots"] = availability.day_slots(rules, day, now)
            if not context["closed"] and not any(s.remaining for s in context["slots"]):
                context["closed"] = "full_day"
        if start and availability.is_slot(rules, start, now):
            context["start"] = None
    return context


@bp.get("/book/<service_id>/<task_id>")
def start(service_id, task_id):
    """The booking steps; each answer narrows the next step (whole page, or #booking for htmx)."""
    service, task = bookable_task(service_id, task_id)
    if not task["bookable"]:
        return render_template("booking/not_bookable.html", service=service, task=task), 404
    context = steps_context(service, task, request.args)
    template = "booking/_steps.html" if wants_fragment("booking") else "booking/start.html"
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
    fallback = form.get("fallback") if form.get("fallback") in ("same_day", "nearest_day") else "none"
    context = steps_context(service, task, form, values={**person, "fallback": fallback})
    if context["start"] is None:
        return redirect(url_for(".start", service_id=service_id, task_id=task_id, agency=form.get("agency")))
    return render_template("booking/review.html", **context, key=str(uuid.uuid4()))


@bp.post("/book/<service_id>/<task_id>/confirm")
def confirm(service_id, task_id):
    """Book. The form's key makes a double click, a resent form or the phone's outbox book once."""
    service, task = bookable_task(service_id, task_id)
    form = request.form.to_dict()
    try:
        data = schemas.Booking().load({**form, "service": service_id, "task": task_id})
    except ValidationError as exc:
        context = steps_context(service, task, form, errors=field_errors(exc.messages), values=form)
        return render_template("booking/start.html", **context), 422
    key = form.get("key") or str(uuid.uuid4())
    now = clock.now()
    state, row = idempotency.claim(key, idempotency.fingerprint(data), now)
    if state == "replay" and row.status_code == 201:
        reference = json.loads(row.body)["reference"]
        remember(reference)
        return redirect(url_for(".appointment", reference=reference), 303)
    if state != "new":
        context = steps_context(service, task, form, values=data, problem=BookingError("busy"))
        return render_template("booking/start.html", **context), 409
    person = {k: data[k] for k in ("full_name", "phone", "email", "ssn")}
    start_at = datetime.combine(data["date"], data["time"], ALGIERS)
    try:
        appointment, moved = appointments.book_with_fallback(appointments.Request(
            agency=data["agency"], service_id=service_id, task_id=task_id, start=start_at,
            lang=current(), **person), data["fallback"], now)
    except BookingError as exc:
        idempotency.release(key)
        context = steps_context(service, task, {**form, "time": ""}, values=person, problem=exc)
        return render_template("booking/start.html", **context), 409
    except Exception:
        idempotency.release(key)
        raise
    idempotency.store(key, 201, appointment_json(appointment, moved))
    remember(appointment.reference)
    return redirect(url_for(".appointment", reference=appointment.reference), 303)


def remember(reference):
    """Let this browser see an appointment it booked or looked up (kept in the signed session)."""
    session["mine"] = (session.get("mine", []) + [reference])[-5:]


def mine(reference):
    """The appointment if this browser may see it, else send the reader to the lookup form."""
    if reference not in session.get("mine", []):
        abort(redirect(url_for(".manage")))
    appointment = appointments.Appointment.get_or_none(appointments.Appointment.reference == reference)
    return appointment or abort(404)


def appointment_context(appointment):
    service, task = catalog().task(appointment.service_id, appointment.task_id)
    return dict(appointment=appointment, service=service, task=task,
                agency=catalog().agency(appointment.agency), groups=task["checklist"] if task else [],
                start=clock.from_utc(appointment.starts_at), display=codes.display(appointment.reference))


@bp.get("/appointments/<reference>")
def appointment(reference):
    """The confirmation: reference, when, where, what to bring, QR code, calendar, manage."""
    found = mine(reference)
    response = make_response(render_template("booking/appointment.html", **appointment_context(found)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/appointments/<reference>/calendar.ics")
def calendar(reference):
    """The appointment as an iCalendar file, in Africa/Algiers time."""
    context = appointment_context(mine(reference))
    body = appointment_ics(context, lang=current())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="cnas-{reference}.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/appointments/<reference>/qr.svg")
def qr(reference):
    """The reference as a QR code (SVG), for the kiosk's check-in camera."""
    mine(reference)
    out = io.BytesIO()
    segno.make(reference, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/appointments/<reference>/cancel")
def cancel(reference):
    """Cancel and free the seat."""
    found = mine(reference)
    try:
        appointments.cancel(found, clock.now())
    except BookingError as exc:
        context = appointment_context(found)
        return render_template("booking/appointment.html", **context, problem=exc), 409
    return redirect(url_for(".appointment", reference=reference), 303)


@bp.route("/appointments/<reference>/reschedule", methods=["GET", "POST"])
def reschedule(reference):
    """Choose another day and time at the same agency; the old seat is kept until the new one is held."""
    found = mine(reference)
    context = appointment_context(found)
    args = {**request.values.to_dict(), "agency": found.agency}
    here = url_for(".reschedule", reference=reference)
    steps = steps_context(context["service"], context["task"], args, mode="move", here=here)
    if request.method == "POST" and steps["start"]:
        try:
            appointments.reschedule(found, steps["start"], clock.now())
            return redirect(url_for(".appointment", reference=reference), 303)
        except BookingError as exc:
            steps = steps_context(context["service"], context["task"], {**args, "time": ""},
                                  problem=exc, mode="move", here=here)
            return render_template("booking/reschedule.html", **{**context, **steps}), 409
    template = "booking/_reschedule_steps.html" if wants_fragment("booking") else "booking/reschedule.html"
    return vary_on_htmx(make_response(render_template(template, **{**context, **steps})))


@bp.route("/manage", methods=["GET", "POST"])
def manage():
    """Find an appointment with its reference and the phone number used to book it."""
    if request.method == "GET":
        return render_template("booking/manage.html", values={}, problem=None)
    form = request.form.to_dict()
    reference = codes.normalize(form.get("reference", "")) or form.get("reference", "")[:20].upper()
    now = clock.now()
    if not (ratelimit.allow(f"ip:{request.remote_addr}", LOOKUPS_PER_IP, 600, now)
            and ratelimit.allow(f"ref:{reference}", LOOKUPS_PER_REFERENCE, 600, now)):
        return render_template("booking/manage.html", values=form, problem="rate_limited"), 429
    phone = schemas.normalize_phone(form.get("phone", ""))
    found = appointments.find(reference, phone) if codes.normalize(reference) else None
    if found is None:
        return render_template("booking/manage.html", values=form, problem="not_found"), 404
    remember(found.reference)
    return redirect(url_for(".appointment", reference=found.reference), 303)


@bp.app_context_processor
def booking_texts():
    return {"booking_error": lambda code: BOOKING_ERRORS.get(code, BOOKING_ERRORS["not_cancellable"])}
