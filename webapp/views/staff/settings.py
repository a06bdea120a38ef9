"""Agency settings: hours, slots, desks, procedures booked here, closures, holiday openings."""

from flask import g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from ... import clock
from ...problems import DomainError
from ...staffing import settings
from ..messages import field_errors
from ..shared import bookable_tasks, catalog, record_id
from .base import bp, staff_required


def settings_page(agency, status=200, **changes):
    """The settings page of an agency, with what a failed or pending change needs shown."""
    setup = settings.overview(agency)
    context = dict(agency=agency, agency_info=catalog().agency(agency), rules=setup.rules,
                   weekdays=settings.WEEKDAYS, closures=setup.closures, overrides=setup.overrides,
                   tasks=bookable_tasks(), disabled=setup.disabled, errors={}, affected=[], form=None,
                   saved=request.args.get("saved"))
    return render_template("staff/settings.html", **{**context, **changes}), status


@bp.route("/<agency>/settings", methods=["GET", "POST"])
@staff_required("supervisor")
def agency_settings(agency):
    """Hours, slots, desks, horizon, notice, bookable tasks, closures, holiday openings."""
    if request.method == "GET":
        return settings_page(agency)
    form = request.form
    try:
        data = settings.AgencyForm().load(settings.parse_form(form))
    except ValidationError as exc:
        return settings_page(agency, 422, errors=field_errors(exc.messages), form=form)
    not_bookable = {tuple(v.split("/", 1)) for v in form.getlist("not_bookable") if "/" in v}
    try:
        flagged = settings.change(catalog(), agency, data, not_bookable, form.get("confirm") == "yes",
                                  g.staff.username, clock.now())
    except DomainError as exc:
        if exc.code != "confirm":
            raise
        return settings_page(agency, exc.status, affected=exc.details["affected"], form=form)
    return redirect(url_for(".agency_settings", agency=agency, saved=flagged), 303)


@bp.post("/<agency>/closures")
@staff_required("supervisor")
def add_closure(agency):
    """Close the agency for a range of days; appointments on those days are listed first."""
    form = request.form
    try:
        data = settings.ClosureForm().load({k: form.get(k) for k in ("first_day", "last_day", "reason")})
    except ValidationError as exc:
        return render_template("staff/closure.html", agency=agency, errors=field_errors(exc.messages),
                               affected=[], form=form), 422
    try:
        flagged = settings.close(agency, data, form.get("confirm") == "yes", g.staff.username, clock.now())
    except DomainError as exc:
        if exc.code != "confirm":
            raise
        return render_template("staff/closure.html", agency=agency, errors={},
                               affected=exc.details["affected"], form=form), exc.status
    return redirect(url_for(".agency_settings", agency=agency, saved=flagged), 303)


@bp.post("/<agency>/closures/<closure_id>/delete")
@staff_required("supervisor")
def remove_closure(agency, closure_id):
    """Open again on the days of a closure."""
    settings.reopen(agency, record_id(closure_id), g.staff.username, clock.now())
    return redirect(url_for(".agency_settings", agency=agency), 303)


@bp.post("/<agency>/holidays")
@staff_required("supervisor")
def open_on_holiday(agency):
    """Take appointments on a public holiday."""
    try:
        day = settings.HolidayForm().load({"day": request.form.get("day")})["day"]
    except ValidationError as exc:
        return settings_page(agency, 422, errors=field_errors(exc.messages))
    settings.open_on_holiday(agency, day, g.staff.username, clock.now())
    return redirect(url_for(".agency_settings", agency=agency), 303)
