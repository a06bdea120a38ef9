"""The JSON API under /api/v1/ (documented at /api/v1/openapi.json)."""

from datetime import datetime

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from .. import clock
from ..booking import appointments, availability, codes, idempotency, ratelimit, schemas
from ..booking.appointments import BookingError
from ..models import DisabledTask
from ..security import csrf
from .messages import BOOKING_ERRORS, field_errors
from .shared import catalog

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies authenticate the API: CSRF cannot apply

STATUS = {"slot_full": 409, "same_task": 409, "limit": 409, "not_cancellable": 409,
          "not_found": 404, "unknown_agency": 404, "rate_limited": 429}
LOOKUPS_PER_IP = 30  # per 10 minutes
LOOKUPS_PER_REFERENCE = 10


def error(code: str, status: int, message=None, fields=None, **extra):
    """The one error shape of the API, translated by Accept-Language."""
    body = {"code": code, "message": str(message or BOOKING_ERRORS.get(code, code))}
    if fields:
        body["fields"] = fields
    return jsonify({"error": {**body, **extra}}), status


def slot_json(slot):
    return {"start": slot.start.isoformat(), "time": slot.start.strftime("%H:%M"), "remaining": slot.remaining}


def appointment_json(appointment, moved=False):
    start = clock.from_utc(appointment.starts_at)
    return {
        "reference": appointment.reference, "agency": appointment.agency,
        "service": appointment.service_id, "task": appointment.task_id,
        "start": start.isoformat(), "date": start.date().isoformat(), "time": start.strftime("%H:%M"),
        "status": appointment.status, "moved_to_nearby_slot": moved,
    }



def json_body():
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.get("/agencies")
def agencies():
    """Every agency, with its address, phones and whether it takes appointments."""
    return jsonify([{k: a[k] for k in ("code", "kind", "wilaya", "bookable", "name", "address",
                                         "listening_phone", "phones", "email")}
                    for a in catalog().agencies])


@bp.get("/agencies/<code>/availability")
def agency_availability(code):
    """Free slots of one day for a task, and the next days that have any."""
    agency = catalog().agency(code)
    rules = availability.load_rules(code) if agency and agency["bookable"] else None
    if rules is None:
        return error("unknown_agency", 404)
    service_id, _sep, task_id = request.args.get("task", "").partition("/")
    _service, task = catalog().task(service_id, task_id)
    if task is None:
        return error("unknown_task", 404, _("Unknown procedure: give task=service/task."))
    if not task["bookable"]:
        return error("not_bookable", 422)
    if DisabledTask.select().where((DisabledTask.agency == code) & (DisabledTask.service_id == service_id)
                                   & (DisabledTask.task_id == task_id)).exists():
        return error("not_bookable_here", 422)
    try:
        day = schemas.Slot().fields["date"].deserialize(request.args.get("date") or clock.today().isoformat())
    except ValidationError:
        return error("validation", 422, _("The request has errors."), {"date": field_errors({"date": ["date"]})["date"]})
    now = clock.now()
    reason = availability.closed_reason(rules, day, now)
    return jsonify({
        "agency": code, "task": f"{service_id}/{task_id}", "date": day.isoformat(),
        "closed_reason": reason, "closed_message": str(BOOKING_ERRORS[reason]) if reason else None,
        "slots": [slot_json(s) for s in availability.day_slots(rules, day, now)],
        "next_days": [{"date": d.isoformat(), "free": free} for d, free in availability.open_days(rules, now)],
    })


@bp.post("/appointments")
def create_appointment():
    """Book an appointment. Requires an Idempotency-Key header (kept 7 days)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return error("idempotency_key", 400, _("Send an Idempotency-Key header (1 to 100 characters)."))
    body = json_body()
    if body is None:
        return error("json", 415 if not request.is_json else 400, _("Send a JSON object with Content-Type: application/json."))
    try:
        data = schemas.Booking().load(body)
    except ValidationError as exc:
        return error("validation", 422, _("The request has errors."), field_errors(exc.messages))
    return idempotent(key, data, lambda: _book(data, clock.now()))


def idempotent(key, data, work):
    """Answer the first request with this key by doing `work`, and every retry alike."""
    state, row = idempotency.claim(key, idempotency.fingerprint(data), clock.now())
    if state == "replay":
        return current_app.response_class(row.body, status=row.status_code, mimetype="application/json")
    if state == "mismatch":
        return error("idempotency_mismatch", 422, _("This Idempotency-Key was used for a different request."))
    if state == "busy":
        return error("idempotency_busy", 409, _("The first request with this Idempotency-Key is still being processed."))
    try:
        response, status = work()
    except Exception:
        idempotency.release(key)
        raise
    idempotency.store(key, status, response.get_json())
    return response, status


def _book(data, now):
    _service, task = catalog().task(data["service"], data["task"])
    if task is None:
        return error("unknown_task", 404, _("Unknown procedure: give task=service/task."))
    if not task["bookable"]:
        return error("not_bookable", 422)
    start = datetime.combine(data["date"], data["time"], clock.ALGIERS)
    request_ = appointments.Request(
        agency=data["agency"], service_id=data["service"], task_id=data["task"], start=start,
        full_name=data["full_name"], phone=data["phone"], email=data["email"], ssn=data["ssn"],
        lang=request.accept_languages.best_match(("ar", "fr", "en")) or "ar",
    )
    try:
        appointment, moved = appointments.book_with_fallback(request_, data["fallback"], now)
    except BookingError as exc:
        return error(exc.code, STATUS.get(exc.code, 422),
                     alternatives=[slot_json(s) for s in exc.alternatives])
    body = appointment_json(appointment, moved)
    body["manage_url"] = url_for("booking.manage", lang=request_.lang)
    return jsonify(body), 201


def _lookup(reference):
    phone = schemas.normalize_phone(request.args.get("phone") or (json_body() or {}).get("phone") or "")
    now = clock.now()
    if not (ratelimit.allow(f"api-ip:{request.remote_addr}", LOOKUPS_PER_IP, 600, now)
            and ratelimit.allow(f"api-ref:{reference[:20]}", LOOKUPS_PER_REFERENCE, 600, now)):
        return None, error("rate_limited", 429)
    normalized = codes.normalize(reference)
    found = appointments.find(normalized, phone) if normalized and phone else None
    return (found, None) if found else (None, error("not_found", 404))


@bp.get("/appointments/<reference>")
def get_appointment(reference):
    """One appointment, found by its reference and the phone number (query `phone`)."""
    found, problem = _lookup(reference)
    return problem or jsonify(appointment_json(found))


@bp.delete("/appointments/<reference>")
def delete_appointment(reference):
    """Cancel an appointment (phone in the query) and free its seat."""
    found, problem = _lookup(reference)
    if problem:
        return problem
    try:
        appointments.cancel(found, clock.now())
    except BookingError as exc:
        return error(exc.code, STATUS.get(exc.code, 422))
    return jsonify(appointment_json(found))


@bp.post("/appointments/<reference>/reschedule")
def reschedule_appointment(reference):
    """Move to another free slot of the same agency, or change nothing (409 with alternatives)."""
    body = json_body()
    if body is None:
        return error("json", 415 if not request.is_json else 400, _("Send a JSON object with Content-Type: application/json."))
    try:
        data = schemas.Reschedule().load(
            {**body, "reference": reference, "phone": request.args.get("phone") or body.get("phone")})
    except ValidationError as exc:
        return error("validation", 422, _("The request has errors."), field_errors(exc.messages))
    found, problem = _lookup(reference)
    if problem:
        return problem
    start = datetime.combine(data["date"], data["time"], clock.ALGIERS)
    try:
        appointments.reschedule(found, start, clock.now())
    except BookingError as exc:
        return error(exc.code, STATUS.get(exc.code, 422), alternatives=[slot_json(s) for s in exc.alternatives])
    return jsonify(appointment_json(found))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    from .api_spec import build_spec

    return jsonify(build_spec())
