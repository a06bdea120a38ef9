"""The staff back-office: sign in, the day's agenda and queue, agency settings, audit, accounts."""

import secrets
from datetime import date, datetime, timedelta
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from marshmallow import ValidationError

from .. import clock
from ..booking import ratelimit
from ..models import Closure, DisabledTask, HolidayOverride, KioskDevice, Staff
from ..staffing import audit, auth, desk, lobby, settings
from .htmx import vary_on_htmx, wants_fragment
from .kiosk import set_device_cookie
from .messages import ACTION_LABELS, ROLE_LABELS, STAFF_MESSAGES, STATUS_LABELS, field_errors

bp = Blueprint("staff", __name__, url_prefix="/<lang:lang>/staff")


ACTIONS_FOR = {"booked": ("arrive", "no_show", "cancel"), "arrived": ("call", "serve", "cancel"),
               "called": ("serve",)}


@bp.app_context_processor
def staff_texts():
    def staff_message(code):
        if code and code.startswith("called:"):
            return STAFF_MESSAGES["done"] + " " + code.split(":", 1)[1]
        return STAFF_MESSAGES.get(code, "")

    return {
        "staff_message": staff_message,
        "status_label": lambda code: STATUS_LABELS.get(code, code),
        "action_label": lambda code: ACTION_LABELS.get(code, code),
        "role_label": lambda code: ROLE_LABELS.get(code, code),
        "actions_for": lambda status: ACTIONS_FOR.get(status, ()),
        "weekday_name": lambda d: format_date(date(2026, 11, 23) + timedelta(days=d), "EEEE"),
    }
IDLE = timedelta(minutes=30)
MAXIMUM = timedelta(hours=12)
RANK = {"agent": 0, "supervisor": 1, "admin": 2}
LOGINS_PER_IP = 20  # per 15 minutes


def signed_in() -> Staff | None:
    """The staff member of this session, if the session is still valid (30 min idle, 12 h)."""
    data = session.get("staff")
    if not data:
        return None
    now = clock.now()
    if (now - datetime.fromisoformat(data["seen"]) > IDLE
            or now - datetime.fromisoformat(data["since"]) > MAXIMUM):
        session.clear()
        return None
    staff = Staff.get_or_none((Staff.id == data["id"]) & (Staff.active == True))  # noqa: E712
    if staff is None:
        session.clear()
        return None
    data["seen"] = now.isoformat()
    session.modified = True
    return staff


def staff_required(role: str = "agent"):
    """Only for a signed-in staff member of at least `role`, on their own agency's pages."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff = signed_in()
            if staff is None:
                return redirect(url_for("staff.login", next=request.full_path))
            agency = kwargs.get("agency")
            if RANK[staff.role] < RANK[role] or (agency and not auth.may_see(staff, agency)):
                abort(403)
            if agency and current_app.extensions["catalog"].agency(agency) is None:
                abort(404)
            g.staff = staff
            response = make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "no-store"
            return response
        return wrapper
    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; a new session each time, rate-limited per account and address."""
    if request.method == "GET":
        return render_template("staff/login.html", problem=None, username="")
    username = request.form.get("username", "").strip()[:60]
    now = clock.now()
    if not (ratelimit.allow(f"login-ip:{request.remote_addr}", LOGINS_PER_IP, 900, now)
            and ratelimit.allow(f"login-user:{username.lower()}", LOGINS_PER_IP, 900, now)):
        return render_template("staff/login.html", problem="rate_limited", username=username), 429
    staff, problem = auth.authenticate(username, request.form.get("password", ""), now)
    if staff is None:
        return render_template("staff/login.html", problem=problem, username=username), 401
    session.clear()  # a fresh session: nothing from before the login survives
    session["staff"] = {"id": staff.id, "sid": secrets.token_hex(16), "since": now.isoformat(), "seen": now.isoformat()}
    target = request.args.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for(".home"), 303)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for(".login"), 303)


@bp.get("/")
@staff_required()
def home():
    """Agents and supervisors go to their agency; administrators choose one."""
    if g.staff.agency:
        return redirect(url_for(".agenda", agency=g.staff.agency))
    return render_template("staff/agencies.html", agencies=current_app.extensions["catalog"].agencies)


def chosen_day() -> date:
    try:
        return date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return clock.today()


@bp.get("/<agency>/agenda")
@staff_required()
def agenda(agency):
    """The day: appointments by time and walk-in tickets, filterable; refreshed by htmx."""
    day = chosen_day()
    task, status = request.args.get("task") or None, request.args.get("status") or None
    rows = desk.agenda(agency, day, task, status)
    catalog = current_app.extensions["catalog"]
    context = dict(agency=agency, agency_info=catalog.agency(agency), day=day, rows=rows, task=task,
                   status=status, statuses=desk.STATUSES, message=request.args.get("message"),
                   tasks=[(s, t) for s in catalog.services for t in s["tasks"] if t["bookable"]],
                   titles={(s["id"], t["id"]): t["title"] for s in catalog.services for t in s["tasks"]})
    template = "staff/_agenda.html" if wants_fragment("agenda") else "staff/agenda.html"
    return vary_on_htmx(make_response(render_template(template, **context)))


def back_to_agenda(agency, message):
    return redirect(url_for(".agenda", agency=agency, date=request.form.get("date") or None,
                            message=message), 303)


@bp.post("/<agency>/appointments/<int:appointment_id>/<action>")
@staff_required()
def appointment_action(agency, appointment_id, action):
    """Arrived, call, served, no-show, cancel: one atomic, idempotent change."""
    if action not in desk.TRANSITIONS:
        abort(404)
    result = desk.act(agency, appointment_id, action, g.staff.username, clock.now(),
                      desk=request.form.get("desk", "")[:10] or None, reason=request.form.get("reason"))
    return back_to_agenda(agency, result)


@bp.post("/<agency>/tickets/<int:ticket_id>/<action>")
@staff_required()
def ticket_action(agency, ticket_id, action):
    if action not in ("serve", "no_show"):
        abort(404)
    return back_to_agenda(agency, desk.ticket_action(agency, ticket_id, action, g.staff.username, clock.now()))


@bp.post("/<agency>/call-next")
@staff_required()
def call_next(agency):
    """Call the next person to a desk."""
    called = desk.call_next(agency, request.form.get("desk", "1")[:10] or "1", g.staff.username, clock.now())
    return back_to_agenda(agency, f"called:{called.label}" if called else "nobody")


@bp.route("/<agency>/settings", methods=["GET", "POST"])
@staff_required("supervisor")
def agency_settings(agency):
    """Hours, slots, desks, horizon, notice, bookable tasks, closures, holiday openings."""
    now = clock.now()
    catalog = current_app.extensions["catalog"]
    rules = settings.availability.load_rules(agency)
    if rules is None:
        abort(404)
    context = dict(agency=agency, agency_info=catalog.agency(agency), rules=rules, weekdays=settings.WEEKDAYS,
                   closures=Closure.select().where(Closure.agency == agency).order_by(Closure.first_day),
                   overrides=HolidayOverride.select().where(HolidayOverride.agency == agency),
                   tasks=[(s, t) for s in catalog.services for t in s["tasks"] if t["bookable"]],
                   disabled={(d.service_id, d.task_id) for d in DisabledTask.select().where(DisabledTask.agency == agency)},
                   errors={}, affected=[], form=None, saved=request.args.get("saved"))
    if request.method == "GET":
        return render_template("staff/settings.html", **context)
    form = request.form
    try:
        data = settings.AgencyForm().load(settings.parse_form(form))
    except ValidationError as exc:
        return render_template("staff/settings.html", **{**context, "errors": field_errors(exc.messages), "form": form}), 422
    affected = settings.affected_by_rules(agency, settings.rules_from(agency, data), now)
    if affected and form.get("confirm") != "yes":
        return render_template("staff/settings.html", **{**context, "affected": affected, "form": form}), 409
    settings.save_rules(agency, data, affected, "agency hours or desks changed", g.staff.username, now)
    disabled = {tuple(v.split("/", 1)) for v in form.getlist("not_bookable") if "/" in v}
    if disabled != context["disabled"]:
        settings.set_disabled_tasks(agency, disabled, g.staff.username, now)
    return redirect(url_for(".agency_settings", agency=agency, saved=len(affected)), 303)


@bp.post("/<agency>/closures")
@staff_required("supervisor")
def add_closure(agency):
    """Close the agency for a range of days; appointments on those days are listed first."""
    now = clock.now()
    try:
        data = settings.ClosureForm().load({k: request.form.get(k) for k in ("first_day", "last_day", "reason")})
    except ValidationError as exc:
        return render_template("staff/closure.html", agency=agency, errors=field_errors(exc.messages),
                               affected=[], form=request.form), 422
    affected = settings.affected_by_closure(agency, data["first_day"], data["last_day"], now)
    if affected and request.form.get("confirm") != "yes":
        return render_template("staff/closure.html", agency=agency, errors={}, affected=affected,
                               form=request.form), 409
    settings.add_closure(agency, data, affected, g.staff.username, now)
    return redirect(url_for(".agency_settings", agency=agency, saved=len(affected)), 303)


@bp.post("/<agency>/closures/<int:closure_id>/delete")
@staff_required("supervisor")
def remove_closure(agency, closure_id):
    settings.remove_closure(agency, closure_id, g.staff.username, clock.now())
    return redirect(url_for(".agency_settings", agency=agency), 303)


@bp.post("/<agency>/holidays")
@staff_required("supervisor")
def open_on_holiday(agency):
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        abort(400)
    settings.add_holiday_override(agency, day, g.staff.username, clock.now())
    return redirect(url_for(".agency_settings", agency=agency), 303)


@bp.get("/audit")
@staff_required("supervisor")
def audit_log():
    """Who did what and when; supervisors see their agency, administrators everything."""
    agency = g.staff.agency if g.staff.role != "admin" else (request.args.get("agency") or None)
    return render_template("staff/audit.html", entries=audit.entries(agency), agency=agency)


@bp.route("/accounts", methods=["GET", "POST"])
@staff_required("admin")
def accounts():
    """Administrators create and deactivate staff accounts."""
    problem = None
    if request.method == "POST":
        form = request.form
        if form.get("deactivate"):
            Staff.update(active=False).where(Staff.id == int(form["deactivate"])).execute()
            audit.record(g.staff.username, None, "account_deactivate", f"staff:{form['deactivate']}", clock.now())
            return redirect(url_for(".accounts"), 303)
        try:
            created = auth.create(form.get("username", "").strip()[:60], form.get("password", ""),
                                  form.get("role", ""), form.get("agency") or None, clock.now())
            audit.record(g.staff.username, created.agency, "account_create", f"staff:{created.username}",
                         clock.now(), created.role)
            return redirect(url_for(".accounts"), 303)
        except ValueError as exc:
            problem = str(exc)
    response = render_template("staff/accounts.html", staff=Staff.select().order_by(Staff.username),
                               agencies=current_app.extensions["catalog"].agencies, problem=problem)
    return response, 422 if problem else 200


@bp.route("/<agency>/kiosks", methods=["GET", "POST"])
@staff_required("supervisor")
def kiosks(agency):
    """Enrol this device as the agency's lobby tablet (which ends the staff session), or revoke one."""
    if request.method == "POST":
        if request.form.get("revoke"):
            lobby.revoke(agency, int(request.form["revoke"]), g.staff.username, clock.now())
            return redirect(url_for(".kiosks", agency=agency), 303)
        device = lobby.enrol(agency, request.form.get("name", "").strip(), g.staff.username, clock.now())
        session.clear()  # the tablet must not stay signed in as staff
        response = redirect(url_for("kiosk.start"), 303)
        set_device_cookie(response, device)
        return response
    devices = KioskDevice.select().where(KioskDevice.agency == agency).order_by(KioskDevice.id)
    return render_template("staff/kiosks.html", agency=agency, devices=devices)
