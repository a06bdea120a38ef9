"""What several view modules need, in one place (views never import each other)."""

from flask import abort, current_app, make_response, request, session
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import ValidationError, fields, validate

from ..staffing import lobby

DEVICE_COOKIE = "kiosk_device"
RECORD_ID = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1))


def catalog():
    """The validated catalog (services, tasks, agencies)."""
    return current_app.extensions["catalog"]


def bookable_tasks() -> list[tuple[dict, dict]]:
    """(service, task) of every procedure that takes appointments somewhere."""
    return [(s, t) for s in catalog().services for t in s["tasks"] if t["bookable"]]


def no_store(response):
    """The response, never kept by a browser or a proxy (it may show personal data)."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


MINE, WAITS = "mine", "waits"  # session keys: the appointments, the waiting-list entries


def remember(key: str, reference: str) -> None:
    """Let this browser see what it booked, joined or looked up: the last 5 references of a
    kind (MINE or WAITS), in the signed session."""
    session[key] = (session.get(key, []) + [reference])[-5:]


def retry_after(response, problem):
    """Say when to try again (the 429 of a limit: its DomainError's retry_after)."""
    if problem is not None and problem.details.get("retry_after"):
        response.headers["Retry-After"] = str(problem.details["retry_after"])
    return response


def record_id(value) -> int:
    """A database id sent in a form or a URL; anything else is a 422 page."""
    try:
        return RECORD_ID.deserialize(value)
    except ValidationError:
        abort(422)


def _device_serializer():
    return URLSafeSerializer(current_app.secret_key, salt="kiosk-device")


def current_device():
    """The enrolled, unrevoked lobby tablet this request comes from, if any."""
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return None
    try:
        device_id = _device_serializer().loads(token)
    except BadSignature:
        return None
    return lobby.active_device(device_id) if isinstance(device_id, int) else None


def set_device_cookie(response, device) -> None:
    """Make this browser the tablet `device` (for three years, or until revoked)."""
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(device.id), max_age=3 * 365 * 86400,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Strict")
