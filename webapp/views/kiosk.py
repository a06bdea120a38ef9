"""Lobby tablets: walk-up catalog, check-in, queue tickets, the lobby display — then forget."""

from flask import Blueprint, abort, current_app, g, make_response, render_template, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from .. import clock
from ..booking import ratelimit
from ..i18n import LANGUAGES
from ..models import KioskDevice
from ..security import csrf
from ..staffing import desk, lobby
from .shared import catalog

bp = Blueprint("kiosk", __name__)
DEVICE_COOKIE = "kiosk_device"
USER_COOKIES = ("agency",)  # the session cookie goes with session.clear()
CHECKINS_PER_DEVICE = 60  # per 10 minutes


def serializer():
    return URLSafeSerializer(current_app.secret_key, salt="kiosk-device")


def device_from_cookie() -> KioskDevice | None:
    """The enrolled, unrevoked tablet this request comes from, if any."""
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return None
    try:
        device_id = serializer().loads(token)
    except BadSignature:
        return None
    return KioskDevice.get_or_none((KioskDevice.id == device_id) & (KioskDevice.revoked == False))  # noqa: E712


def set_device_cookie(response, device: KioskDevice) -> None:
    response.set_cookie(DEVICE_COOKIE, serializer().dumps(device.id), max_age=3 * 365 * 86400,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Strict")


@bp.app_context_processor
def kiosk_layout():
    """Pages opened on an enrolled tablet get the kiosk layout (big targets, idle reset)."""
    if request.endpoint and request.endpoint.startswith("staff."):
        return {"kiosk": None}
    return {"kiosk": device_from_cookie() if request.cookies.get(DEVICE_COOKIE) else None}


def enrolled():
    device = device_from_cookie()
    if device is None:
        abort(make_response(render_template("kiosk/not_enrolled.html"), 403))
    g.device = device
    return device



def no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/kiosk")
def start():
    """The first screen: choose a language."""
    enrolled()
    return no_store(render_template("kiosk/start.html", languages=LANGUAGES))


@bp.get("/<lang:lang>/kiosk/")
def home():
    """What a visitor can do here."""
    device = enrolled()
    return no_store(render_template("kiosk/home.html", agency=catalog().agency(device.agency)))


@bp.route("/<lang:lang>/kiosk/checkin", methods=["GET", "POST"])
def checkin():
    """Type the reference (or show the QR code): the agency sees you have arrived."""
    device = enrolled()
    if request.method == "GET":
        return no_store(render_template("kiosk/checkin.html", result=None, appointment=None))
    now = clock.now()
    if not ratelimit.allow(f"kiosk:{device.id}", CHECKINS_PER_DEVICE, 600, now):
        return no_store(render_template("kiosk/checkin.html", result="rate_limited", appointment=None)), 429
    result, appointment = lobby.check_in(device.agency, request.form.get("reference", "")[:20], device, now)
    status = 200 if result in ("done", "already") else 404 if result == "not_found" else 422
    task = catalog().task(appointment.service_id, appointment.task_id)[1] if appointment else None
    return no_store(render_template("kiosk/checkin.html", result=result, appointment=appointment, task=task)), status


@bp.route("/<lang:lang>/kiosk/ticket", methods=["GET", "POST"])
def ticket():
    """Take a queue ticket for a procedure, without an appointment; print it."""
    device = enrolled()
    services = catalog().services
    if request.method == "GET":
        return no_store(render_template("kiosk/ticket.html", services=services, ticket=None))
    service, task = catalog().task(request.form.get("service", ""), request.form.get("task", ""))
    if task is None:
        abort(400)
    issued = lobby.take_ticket(device.agency, service["id"], task["id"], clock.now())
    return no_store(render_template("kiosk/ticket.html", services=services, ticket=issued, service=service,
                                    task=task, issued_at=clock.from_utc(issued.issued_at),
                                    agency=catalog().agency(device.agency))), 201


@bp.get("/kiosk/display")
def display():
    """The wall screen: who is called, to which desk; refreshed every 3 seconds."""
    device = enrolled()
    rows = desk.called_now(device.agency, clock.now())
    template = "kiosk/_called.html" if request.headers.get("HX-Target") == "called" else "kiosk/display.html"
    return no_store(render_template(template, rows=rows, agency=catalog().agency(device.agency)))


@bp.post("/kiosk/reset")
@csrf.exempt  # harmless to force, and the SameSite=Strict device cookie it needs never crosses sites
def reset():
    """Forget the visitor: their session and cookies go; the device's own cookie stays."""
    enrolled()
    session.clear()
    response = make_response("", 204)
    for name in USER_COOKIES:
        response.delete_cookie(name)
    response.headers["Cache-Control"] = "no-store"
    return response


def api_device():
    device = device_from_cookie()
    if device is None:
        abort(make_response({"error": {"code": "not_enrolled", "message": "This device is not a lobby tablet."}}, 403))
    return device


@bp.post("/api/v1/kiosk/checkins")
@csrf.exempt  # the device cookie is SameSite=Strict: another site cannot send it
def api_checkin():
    """A check-in made while the lobby had no internet, sent from the tablet's outbox."""
    device = api_device()
    body = request.get_json(silent=True) or {}
    result, _ = lobby.check_in(device.agency, str(body.get("reference", ""))[:20], device, clock.now())
    status = {"done": 200, "already": 200, "not_found": 404}.get(result, 422)
    return {"result": result}, status


@bp.post("/api/v1/kiosk/tickets")
@csrf.exempt
def api_ticket():
    """A ticket printed while the lobby had no internet (its number carries the tablet's prefix)."""
    device = api_device()
    body = request.get_json(silent=True) or {}
    number = str(body.get("number", ""))
    _, task = catalog().task(str(body.get("service", "")), str(body.get("task", "")))
    if task is None or not number.startswith(device.prefix + "-") or len(number) > 12:
        return {"error": {"code": "invalid", "message": "Unknown procedure or a number of another tablet."}}, 422
    return {"result": lobby.record_offline_ticket(device.agency, number, body["service"], body["task"], clock.now())}, 200
