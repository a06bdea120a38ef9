"""Lobby tablets: walk-up catalog, check-in, queue tickets, the lobby display — then forget."""

import base64
import hashlib

import segno
from flask import Blueprint, abort, current_app, g, make_response, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from marshmallow import ValidationError

from .. import clock
from ..assets import inline_css_hash
from ..i18n import LANGUAGES, current
from ..problems import DomainError
from ..security import CSP, csrf
from ..staffing import desk, lobby
from .messages import DESK_LABELS, domain_message
from .shared import catalog, current_device, no_store

bp = Blueprint("kiosk", __name__)
USER_COOKIES = ("agency",)  # the session cookie goes with session.clear()
DISPLAY_ROWS = 6  # the wall display: the last six called, the next six waiting (then how many more)


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
    live = {}
    if result in ("done", "already"):
        live = live_page(appointment.queue_token)
        live["place"] = lobby.lobby(device.agency, clock.now()).place("appointment", appointment.id)
    page = render_template("kiosk/checkin.html", result=result, appointment=appointment, task=task, **live)
    return no_store(page), status


def live_page(token: str) -> dict:
    """The short link to a place's live page (/<lang>/q/<token>) as printed, and its QR code."""
    url = current_app.config["PUBLIC_URL"] + url_for("queue.place", lang=current(), token=token)
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, svgclass="qr", lineclass=None,
                                                 title=_("QR code of the link to your place in the queue"))
    return {"link": url.split("://", 1)[-1], "qr": Markup(svg)}


def ticket_page(issued, status=200, sms=None):
    """The ticket just taken: its number, place and wait, the link and QR code of its live
    page, and the form that asks for a phone number to get an SMS."""
    service, task = catalog().task(issued.service_id, issued.task_id)
    place = lobby.lobby(issued.agency, clock.now()).place("ticket", issued.id)
    desk_type = lobby.desk_of(catalog(), issued.service_id, issued.task_id)
    page = render_template("kiosk/ticket.html", ticket=issued, service=service, task=task,
                           desk_label=DESK_LABELS[desk_type], issued_at=clock.from_utc(issued.issued_at),
                           place=place, sms=sms,
                           sms_position=current_app.config["QUEUE_SMS_POSITION"],
                           agency=catalog().agency(issued.agency), **live_page(issued.token))
    return no_store(page), status


@bp.route("/<lang:lang>/kiosk/ticket", methods=["GET", "POST"])
def ticket():
    """Take a queue ticket for a desk (a short menu: the desk types, then "Other question"), or
    for a procedure; print it."""
    device = enrolled()
    if request.method == "GET":
        return no_store(render_template("kiosk/ticket.html", ticket=None, menu=lobby.desk_types(catalog()),
                                        desk_service=lobby.DESK_SERVICE, labels=DESK_LABELS))
    service_id, task_id = request.form.get("service", ""), request.form.get("task", "")
    issued = lobby.take_ticket(catalog(), device.agency, service_id, task_id, clock.now(), current())
    return ticket_page(issued, 201)


@bp.post("/<lang:lang>/kiosk/ticket/sms")
def ticket_sms():
    """Optional: a phone number for one SMS when the turn is near; the page never shows it back."""
    device = enrolled()
    try:
        issued, kept = lobby.ask_for_sms(device.agency, request.form.get("token", ""),
                                         request.form.get("phone", ""), clock.now())
    except DomainError as exc:
        if exc.code != "phone":
            raise
        return ticket_page(exc.details["ticket"], 422, sms="phone")
    return ticket_page(issued, sms="done" if kept else None)


@bp.get("/kiosk/display")
def display():
    """The wall screen: who is called, to which desk (refreshed every 3 seconds), and who is
    next with about how long to wait (every 10 seconds)."""
    device = enrolled()
    target = request.headers.get("HX-Target")
    rows = desk.called_now(device.agency, clock.now(), DISPLAY_ROWS) if target != "waiting" else []
    queue = lobby.lobby(device.agency, clock.now()) if target != "called" else None
    fragment = {"called": "kiosk/_called.html", "waiting": "kiosk/_waiting.html"}.get(target)
    context = dict(rows=rows, queue=queue, shown=DISPLAY_ROWS, agency=catalog().agency(device.agency))
    if fragment:
        return no_store(render_template(fragment, **context))
    layout = render_template("kiosk/display.css")  # the screen's own layout: two columns, read from far
    response = no_store(render_template("kiosk/display.html", layout=Markup(layout), **context))
    digest = base64.b64encode(hashlib.sha256(layout.encode()).digest()).decode()
    response.headers["Content-Security-Policy"] = CSP.format(inline_style=f"{inline_css_hash()} 'sha256-{digest}'")
    return response


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
