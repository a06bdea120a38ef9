"""The agency's day: the agenda, one-step changes to a visit, calling the queue."""

from datetime import date

from flask import g, make_response, redirect, render_template, request, url_for

from ... import clock
from ...staffing import desk
from ..htmx import vary_on_htmx, wants_fragment
from ..shared import bookable_tasks, catalog, record_id
from .base import bp, staff_required

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 1, 1)


def chosen_day() -> date:
    """The day asked for in the query (today when none, or not a real day in range)."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return clock.today()
    return day if FIRST_DAY <= day <= LAST_DAY else clock.today()


@bp.get("/<agency>/agenda")
@staff_required()
def agenda(agency):
    """The day: appointments by time and walk-in tickets, filterable; refreshed by htmx."""
    day = chosen_day()
    task, status = request.args.get("task") or None, request.args.get("status") or None
    context = dict(agency=agency, agency_info=catalog().agency(agency), day=day,
                   rows=desk.agenda(agency, day, task, status), task=task, status=status,
                   statuses=desk.STATUSES, message=request.args.get("message"), tasks=bookable_tasks(),
                   titles={(s["id"], t["id"]): t["title"] for s in catalog().services for t in s["tasks"]})
    template = "staff/_agenda.html" if wants_fragment("agenda") else "staff/agenda.html"
    return vary_on_htmx(make_response(render_template(template, **context)))


def back_to_agenda(agency, message):
    return redirect(url_for(".agenda", agency=agency, date=request.form.get("date") or None,
                            message=message), 303)


@bp.post("/<agency>/appointments/<appointment_id>/<action>")
@staff_required()
def appointment_action(agency, appointment_id, action):
    """Arrived, call, served, no-show, cancel: one atomic, idempotent change."""
    result = desk.act(agency, record_id(appointment_id), action, g.staff.username, clock.now(),
                      desk=request.form.get("desk", "")[:10] or None, reason=request.form.get("reason"))
    return back_to_agenda(agency, result)


@bp.post("/<agency>/tickets/<ticket_id>/<action>")
@staff_required()
def ticket_action(agency, ticket_id, action):
    """Served or did not come, for a walk-in ticket."""
    result = desk.ticket_action(agency, record_id(ticket_id), action, g.staff.username, clock.now())
    return back_to_agenda(agency, result)


@bp.post("/<agency>/call-next")
@staff_required()
def call_next(agency):
    """Call the next person to a desk."""
    called = desk.call_next(agency, request.form.get("desk", "1")[:10] or "1", g.staff.username, clock.now())
    return back_to_agenda(agency, f"called:{called.label}" if called else "nobody")
