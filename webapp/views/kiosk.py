"""Lobby tablets: walk-up catalog, check-in, queue tickets, the lobby display — then forget."""

from flask import Blueprint, abort, g, make_response, render_template, request, session
from marshmallow import ValidationError

from .. import clock
from ..i18n import LANGUAGES
from ..problems import DomainError
from ..security import csrf
from ..staffing import desk, lobby
from .messages import domain_message
from .shared import catalog, current_device, no_store

bp = Blueprint("kiosk", __name__)
USER_COOKIES = ("agency",)  # the session cookie goes with session.clear()


@bp.app_context_processor
def kiosk_layout():
    """Pages opened on an enrolled tablet get the kiosk layout (big targets, idle reset)."""
    if request.endpoint and request.endpoint.startswith("staff."):
        return {"kiosk": None}
    return {"kiosk": g.get("device") or current_device()}


def enrolled():
    """The tablet this request comes from; a 403 page on any other device."""
    device = current_device()
    if device is None:
        abort(make_response(render_template("kiosk/not_enrolled.html"), 403))
    g.device = device
    return device


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
    try:
        result, appointment = lobby.check_in(device.agency, request.form.get("reference", ""), device.id,
                                             clock.now())
        status = 200
    except DomainError as exc:
        result, appointment, status = exc.code, exc.details.get("appointment"), exc.status
    task = catalog().task(appointment.service_id, appointment.task_id)[1] if appointment else None
    page = render_template("kiosk/checkin.html", result=result, appointment=appointment, task=task)
    return no_store(page), status


@bp.route("/<lang:lang>/kiosk/ticket", methods=["GET", "POST"])
def ticket():
    """Take a queue ticket for a procedure, without an appointment; print it."""
    device = enrolled()
    services = catalog().services
    if request.method == "GET":
        return no_store(render_template("kiosk/ticket.html", services=services, ticket=None))
    service_id, task_id = request.form.get("service", ""), request.form.get("task", "")
    issued = lobby.take_ticket(catalog(), device.agency, service_id, task_id, clock.now())
    service, task = catalog().task(service_id, task_id)
    page = render_template("kiosk/ticket.html", services=services, ticket=issued, service=service, task=task,
                           issued_at=clock.from_utc(issued.issued_at), agency=catalog().agency(device.agency))
    return no_store(page), 201


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
    response = no_store(make_response("", 204))
    for name in USER_COOKIES:
        response.delete_cookie(name)
    return response


def api_device():
    """The tablet sending an API request; the API's 403 error otherwise."""
    device = current_device()
    if device is None:
        body = {"error": {"code": "not_enrolled", "message": domain_message("not_enrolled")}}
        abort(make_response(body, 403))
    return device


def api_body(schema):
    """The JSON body loaded by `schema`, or the API's 422 error with the fields at fault."""
    try:
        return schema.load(request.get_json(silent=True))
    except ValidationError as exc:
        body = {"error": {"code": "validation", "message": domain_message("invalid"), "fields": exc.messages}}
        abort(make_response(body, 422))


@bp.post("/api/v1/kiosk/checkins")
@csrf.exempt  # the device cookie is SameSite=Strict: another site cannot send it
def api_checkin():
    """A check-in made while the lobby had no internet, sent from the tablet's outbox."""
    device = api_device()
    data = api_body(lobby.OfflineCheckin())
    result, _ = lobby.check_in(device.agency, data["reference"], device.id, clock.now())
    return {"result": result}, 200


@bp.post("/api/v1/kiosk/tickets")
@csrf.exempt
def api_ticket():
    """A ticket printed while the lobby had no internet (its number carries the tablet's prefix)."""
    device = api_device()
    data = api_body(lobby.OfflineTicket())
    result = lobby.record_offline_ticket(catalog(), device, data["number"], data["service"], data["task"],
                                         clock.now())
    return {"result": result}, 200
