"""Staff reports: figures per agency (or national) as SVG charts, tables and two CSV files
(one row per day; one row per group of each breakdown)."""

from datetime import date

from flask import g, make_response, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l

from ... import clock, i18n
from ...staffing import charts as svg
from ...staffing import lobby
from ...staffing import reports as reporting
from ..messages import DESK_LABELS, STATUS_LABELS
from ..shared import catalog
from .base import bp, staff_required

REPORT_PROBLEMS = {
    "date": _l("Choose real dates, e.g. 2026-12-01."),
    "order": _l("The end must come after the start."),
    "too_long": _l("Choose a period of at most 366 days."),
    "agency": _l("Choose an agency from the list."),
}
LEAD_LABELS = {
    "same_day": _l("On the day itself"),
    "1_2_days": _l("1 to 2 days ahead"),
    "3_7_days": _l("3 to 7 days ahead"),
    "8_14_days": _l("8 to 14 days ahead"),
    "15_days_or_more": _l("15 days ahead or more"),
}
CLOSED_LABELS = {"closed": _l("closed"), "holiday": _l("public holiday"), "closure": _l("closure")}


def report_filters() -> tuple[str | None, date | None, date | None, str | None]:
    """(agency, first, last, problem) from the query string. Agents and supervisors always get
    their own agency, whatever they ask for; administrators any agency, or None (national)."""
    agency = g.staff.agency
    if g.staff.role == "admin":
        agency = request.args.get("agency", "").strip() or None
        if agency == "all":
            agency = None
        if agency and not (catalog().agency(agency) or {}).get("bookable"):
            return None, None, None, "agency"
    try:
        first, last = reporting.parse_range(request.args.get("from"), request.args.get("to"), clock.today())
    except reporting.RangeError as exc:
        return agency, None, None, str(exc)
    return agency, first, last, None


def task_name(task) -> str:
    """A report line's procedure, in the reader's language (its ids if no longer in the catalog);
    for the tickets of the kiosk's menu, their desk."""
    if task.service_id == lobby.DESK_SERVICE and task.task_id in DESK_LABELS:
        return gettext("Walk-ins: %(desk)s", desk=DESK_LABELS[task.task_id])
    _, found = catalog().task(task.service_id, task.task_id)
    return found["title"][i18n.current()] if found else f"{task.service_id}/{task.task_id}"


def day_name(day) -> str:
    """A report's day as its charts and tables name it: "4 Dec", and why the agency was closed."""
    name = format_date(day.day, "d MMM")
    return f"{name} ({CLOSED_LABELS[day.closed]})" if day.closed else name


def report_charts(report, rtl: bool) -> dict:
    """The report's SVG charts (each shown before a table of the same figures); the days the
    agency was closed are marked on the chart of days."""
    closed = frozenset(n for n, d in enumerate(report.days) if d.closed)
    charts = {
        "days": (gettext("Appointments per day"), [(day_name(d), d.appointments) for d in report.days]),
        "weeks": (gettext("Appointments per week"),
                  [(gettext("Week of %(date)s", date=format_date(w.monday, "d MMM")), w.appointments)
                   for w in report.weeks]),
        "tasks": (gettext("Appointments by procedure"),
                  [(task_name(t), t.appointments) for t in report.tasks]),
        "statuses": (gettext("Appointments by status"),
                     [(str(STATUS_LABELS[s]), report.total.statuses[s]) for s in reporting.STATUSES]),
    }
    return {key: svg.bar_chart(f"chart-{key}", name, items, rtl, closed if key == "days" else frozenset())
            for key, (name, items) in charts.items()}


def report_page(agency, problem, first=None, last=None):
    """The reports page: the filters, and the figures when they are valid (422 otherwise)."""
    report = reporting.build(agency, first, last) if problem is None else None
    rtl = i18n.LANGUAGES[i18n.current()]["dir"] == "rtl"
    context = dict(
        agency=agency, agency_info=catalog().agency(agency) if agency else None, report=report,
        problem=REPORT_PROBLEMS[problem] if problem else None,
        agencies=[a for a in catalog().agencies if a["bookable"]], statuses=reporting.STATUSES,
        form_from=first.isoformat() if first else request.args.get("from", ""),
        form_to=last.isoformat() if last else request.args.get("to", ""),
        charts=report_charts(report, rtl) if report else {},
        task_name=task_name, day_name=day_name, lead_labels=LEAD_LABELS,
        target=(reporting.TARGET_MINUTES, reporting.TARGET_SHARE),
        csv_url=csv_url(agency, first, last) if report else None,
        breakdowns_url=csv_url(agency, first, last, part="breakdowns") if report else None,
    )
    return render_template("staff/reports.html", **context), 422 if problem else 200


def csv_url(agency, first, last, **extra) -> str:
    """The link to the report's CSV (administrators' links name the agency they chose)."""
    return url_for(".reports_csv", agency=agency if g.staff.role == "admin" else None,
                   **{"from": first.isoformat(), "to": last.isoformat()}, **extra)


@bp.get("/reports")
@staff_required()
def reports():
    """Figures of an agency (or national, for administrators) over at most 366 days."""
    agency, first, last, problem = report_filters()
    return report_page(agency, problem, first, last)


@bp.get("/reports.csv")
@staff_required()
def reports_csv():
    """The same figures as a CSV file, one row per day, or with ?part=breakdowns one row per
    agency, procedure, weekday, lead time and hour; no names, phones or references."""
    agency, first, last, problem = report_filters()
    if problem:
        return report_page(agency, problem)
    report = reporting.build(agency, first, last)
    breakdowns = request.args.get("part") == "breakdowns"
    response = make_response(reporting.to_breakdown_csv(report) if breakdowns else reporting.to_csv(report))
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    part = "-breakdowns" if breakdowns else ""
    name = f"cnas-report{part}-{agency or 'all'}-{first.isoformat()}-{last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
