"""The agency's day: the agenda, one-step changes to a visit, calling the queue."""

from datetime import date

from flask import current_app, g, make_response, redirect, render_template, request, session, url_for

from ... import clock
from ...booking import codes
from ...staffing import desk, lobby
from ..htmx import vary_on_htmx, wants_fragment
from ..messages import DESK_LABELS
from ..shared import bookable_tasks, catalog, record_id
from .base import bp, staff_required

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 1, 1)


def valid_day(text) -> date | None:
    """A real day in range written as YYYY-MM-DD, or None."""
    try:
        day = date.fromisoformat(text or "")
    except (TypeError, ValueError):
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def chosen_day() -> date:
    """The day asked for in the query (today when none, or not a real day in range)."""
    return valid_day(request.args.get("date")) or clock.today()


def remembered_desk(agency) -> str:
    """The desk this agent last called to at this agency, in this session ("1" at first)."""
    desks = session.get("desk")
    desk = desks.get(agency) if isinstance(desks, dict) else None
    return desk if isinstance(desk, str) and desk else "1"


def desk_from_form(agency) -> str:
    """The desk posted (as today: up to 10 characters, spaces collapsed), else the remembered
    one; remembered for the next calls of this session."""
    desk = " ".join(request.form.get("desk", "").split())[:10] or remembered_desk(agency)
    desks = session.get("desk")
    session["desk"] = {**(desks if isinstance(desks, dict) else {}), agency: desk}
    return desk


@bp.get("/<agency>/agenda")
@staff_required()
def agenda(agency):
    """The day: appointments by time and walk-in tickets, filterable; refreshed by htmx."""
    day = chosen_day()
    task, status = request.args.get("task") or None, request.args.get("status") or None
    context = dict(agency=agency, agency_info=catalog().agency(agency), day=day, desk=remembered_desk(agency),
                   rows=desk.agenda(agency, day, task, status), task=task, status=status,
                   statuses=desk.STATUSES, message=request.args.get("message"), tasks=bookable_tasks(),
                   titles={(s["id"], t["id"]): t["title"] for s in catalog().services for t in s["tasks"]},
                   display=codes.display, desk_service=lobby.DESK_SERVICE, desk_types=lobby.DESK_TYPES,
                   desk_label=lambda code: DESK_LABELS.get(code, code))
    template = "staff/_agenda.html" if wants_fragment("agenda") else "staff/agenda.html"
    return vary_on_htmx(make_response(render_template(template, **context)))


def queue_moved(agency):
    """After an action that moved the lobby queue (its own transaction committed): the tickets
    now near their turn get their SMS (QUEUE_SMS_POSITION)."""
    lobby.announce(catalog(), agency, current_app.config["QUEUE_SMS_POSITION"], clock.now())


def back_to_agenda(agency, message):
    """Back to the agenda as it was shown: the same day and filters."""
    day = valid_day(request.form.get("date"))
    task, status = request.form.get("task", "")[:100], request.form.get("status", "")
    return redirect(url_for(".agenda", agency=agency, date=day.isoformat() if day else None,
                            task=task or None, status=status if status in desk.STATUSES else None,
                            message=message), 303)


@bp.post("/<agency>/appointments/<appointment_id>/<action>")
@staff_required()
def appointment_action(agency, appointment_id, action):
    """Arrived, call, served, no-show, cancel: one atomic, idempotent change."""
    result = desk.act(agency, record_id(appointment_id), action, g.staff.username, clock.now(),
                      desk=desk_from_form(agency) if action == "call" else None,
                      reason=request.form.get("reason"))
    queue_moved(agency)
    return back_to_agenda(agency, result)


@bp.post("/<agency>/tickets/<ticket_id>/<action>")
@staff_required()
def ticket_action(agency, ticket_id, action):
    """Served or did not come, for a walk-in ticket."""
    result = desk.ticket_action(agency, record_id(ticket_id), action, g.staff.username, clock.now())
    queue_moved(agency)
    return back_to_agenda(agency, result)


@bp.post("/<agency>/call-next")
@staff_required()
def call_next(agency):
    """Call the next person to a desk."""
    called = desk.call_next(agency, desk_from_form(agency), g.staff.username, clock.now())
    queue_moved(agency)
    return back_to_agenda(agency, f"called:{called.label}" if called else "nobody")
