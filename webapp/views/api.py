"""The JSON API under /api/v1/ (documented at /api/v1/openapi.json)."""

from datetime import datetime

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from .. import clock
from ..booking import appointments, phones, schemas, waitlist
from ..digits import ascii_digits
from ..problems import DomainError
from ..security import csrf
from . import shared
from .messages import domain_message, field_errors
from .shared import catalog

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies authenticate the API: CSRF cannot apply


def error(code: str, status: int, message=None, fields=None, **extra):
    """The one error shape of the API, translated by Accept-Language."""
    body = {"code": code, "message": str(message or domain_message(code))}
    if fields:
        body["fields"] = fields
    return jsonify({"error": {**body, **extra}}), status


def refused(exc: DomainError):
    """A domain error in the API's shape, with free slots to offer when there are some
    (and Retry-After on a limit, tries_left on a wrong code)."""
    extra = {k: exc.details[k] for k in ("retry_after", "tries_left") if k in exc.details}
    response, status = error(exc.code, exc.status, alternatives=[slot_json(s) for s in exc.alternatives], **extra)
    if "retry_after" in extra:
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response, status


def invalid(exc: ValidationError):
    return error("validation", 422, _("The request has errors."), field_errors(exc.messages))


def slot_json(slot):
    return {"start": slot.start.isoformat(), "time": slot.start.strftime("%H:%M"), "remaining": slot.remaining}


def json_body():
    """The JSON object of the request, or None (not JSON, malformed, or not an object)."""
    if not request.is_json:
        return None
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def no_json():
    status = 415 if not request.is_json else 400
    return error("json", status, _("Send a JSON object with Content-Type: application/json."))


def lang():
    return request.accept_languages.best_match(("ar", "fr", "en")) or "ar"


@bp.get("/agencies")
def agencies():
    """Every agency, with its address, phones and whether it takes appointments."""
    return jsonify([{k: a[k] for k in ("code", "kind", "wilaya", "bookable", "name", "address",
                                         "listening_phone", "phones", "email")}
                    for a in catalog().agencies])


@bp.get("/agencies/<code>/availability")
def agency_availability(code):
    """Free slots of one day for a task, and the next days that have any."""
    service_id, _sep, task_id = request.args.get("task", "").partition("/")
    try:
        day = schemas.Slot().fields["date"].deserialize(request.args.get("date") or clock.today().isoformat())
    except ValidationError:
        return error("validation", 422, _("The request has errors."), field_errors({"date": ["date"]}))
    try:
        offer = appointments.offer(catalog(), code, service_id, task_id, day, None, clock.now())
    except DomainError as exc:
        return refused(exc)
    return jsonify({
        "agency": code, "task": f"{service_id}/{task_id}", "date": day.isoformat(),
        "closed_reason": offer.closed, "closed_message": domain_message(offer.closed) if offer.closed else None,
        "slots": [slot_json(s) for s in offer.slots],
        "next_days": [{"date": d.isoformat(), "free": free} for d, free in offer.days],
    })


@bp.post("/appointments")
def create_appointment():
    """Book an appointment. Requires an Idempotency-Key header (kept 7 days)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return error("idempotency_key", 400)
    body = json_body()
    if body is None:
        return no_json()
    try:
        data = schemas.Booking().load(body)
    except ValidationError as exc:
        return invalid(exc)
    booking = appointments.request_from(data, lang(), address=request.remote_addr,
                                        device=request.headers.get("Device-Id", "")[:64] or None)
    try:
        booked = appointments.place(catalog(), key, booking, data["fallback"], clock.now())
    except DomainError as exc:
        return refused(exc)
    links = {"manage_url": url_for("booking.manage", lang=booking.lang)}
    if booked["status"] == "held":
        links["confirm_url"] = url_for(".confirm_appointment", reference=booked["reference"])
    return jsonify({**booked, **links}), 201


@bp.post("/appointments/<reference>/confirm")
def confirm_appointment(reference):
    """Confirm a held booking with the 6-digit code sent by SMS to its phone ({"code": "123456"})."""
    body = json_body()
    if body is None:
        return no_json()
    typed = body.get("code")
    if not isinstance(typed, str) or not typed.strip():
        return error("validation", 422, _("The request has errors."), {"code": [str(domain_message("required"))]})
    try:
        confirmed = appointments.confirm(reference, ascii_digits(typed), clock.now())
    except DomainError as exc:
        return refused(exc)
    if request.headers.get("Sec-Fetch-Site") == "same-origin":  # our "My requests" page: the right
        shared.remember(shared.MINE, confirmed.reference)  # code lets this browser open the appointment
    return jsonify(appointments.describe(confirmed))


@bp.post("/appointments/<reference>/code")
def resend_code(reference):
    """Send a new code to the phone of a held booking (the previous code stops working)."""
    try:
        return jsonify(appointments.describe(phones.resend(reference, clock.now()))), 202
    except DomainError as exc:
        return refused(exc)


def _lookup(reference):
    """The appointment of this reference and phone (query or body), or raise DomainError."""
    phone = request.args.get("phone") or (json_body() or {}).get("phone")
    phone = schemas.normalize_phone(phone if isinstance(phone, str) else "")
    return appointments.find(reference, phone, request.remote_addr, clock.now())


@bp.get("/appointments/<reference>")
def get_appointment(reference):
    """One appointment, found by its reference and the phone number (query `phone`)."""
    try:
        return jsonify(appointments.describe(_lookup(reference)))
    except DomainError as exc:
        return refused(exc)


@bp.delete("/appointments/<reference>")
def delete_appointment(reference):
    """Cancel an appointment (phone in the query) and free its seat."""
    try:
        found = _lookup(reference)
        return jsonify(appointments.describe(appointments.cancel(found.reference, clock.now())))
    except DomainError as exc:
        return refused(exc)


@bp.post("/appointments/<reference>/reschedule")
def reschedule_appointment(reference):
    """Move to another free slot of the same agency, or change nothing (409 with alternatives)."""
    body = json_body()
    if body is None:
        return no_json()
    try:
        data = schemas.Reschedule().load(
            {**body, "reference": reference, "phone": request.args.get("phone") or body.get("phone")})
    except ValidationError as exc:
        return invalid(exc)
    start = datetime.combine(data["date"], data["time"], clock.ALGIERS)
    try:
        found = _lookup(reference)
        return jsonify(appointments.describe(appointments.reschedule(found.reference, start, clock.now())))
    except DomainError as exc:
        return refused(exc)


def entry_json(entry):
    """What a person may be told of their waiting-list entry (no name or phone)."""
    offer = waitlist.live_offer(entry)
    return {"reference": entry.reference, "agency": entry.agency, "service": entry.service_id,
            "task": entry.task_id, "first_day": entry.first_day.isoformat(), "last_day": entry.last_day.isoformat(),
            "period": entry.period, "status": entry.status, "position": waitlist.position(entry),
            "offer": appointments.describe(offer) if offer else None}


@bp.post("/waitlist")
def join_waitlist():
    """Join the waiting list (joining again, or a retry, returns the same entry)."""
    body = json_body()
    if body is None:
        return no_json()
    try:
        data = schemas.Wish().load(body)
    except ValidationError as exc:
        return invalid(exc)
    try:
        entry = waitlist.join(catalog(), waitlist.wish_from(data, lang()), clock.now(), request.remote_addr)
    except DomainError as exc:
        return refused(exc)
    return jsonify(entry_json(entry)), 201


def _entry(reference):
    phone = schemas.normalize_phone(request.args.get("phone", ""))
    return waitlist.find(reference, phone, request.remote_addr, clock.now())


@bp.get("/waitlist/<reference>")
def get_waitlist_entry(reference):
    """A waiting-list entry and its place in line, found by its reference and phone (query `phone`)."""
    try:
        return jsonify(entry_json(_entry(reference)))
    except DomainError as exc:
        return refused(exc)


@bp.delete("/waitlist/<reference>")
def leave_waitlist(reference):
    """Leave the waiting list (a seat offered meanwhile goes to the next person)."""
    try:
        return jsonify(entry_json(waitlist.leave(_entry(reference).reference, clock.now())))
    except DomainError as exc:
        return refused(exc)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    from .api_spec import build_spec

    return jsonify(build_spec())
