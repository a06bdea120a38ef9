"""Staff accounts and the audit trail."""

from flask import g, redirect, render_template, request, url_for

from ... import clock
from ...problems import DomainError
from ...staffing import accounts as staff_accounts
from ...staffing import audit
from ..shared import catalog, record_id
from .base import bp, staff_required


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
    form = request.form
    try:
        if request.method == "POST" and form.get("deactivate"):
            staff_accounts.deactivate(record_id(form["deactivate"]), g.staff.username, clock.now())
            return redirect(url_for(".accounts"), 303)
        if request.method == "POST":
            codes = {a["code"] for a in catalog().agencies if a["bookable"]}
            staff_accounts.create(form.get("username", "").strip(), form.get("password", ""),
                                  form.get("role", ""), form.get("agency") or None, g.staff.username,
                                  clock.now(), agencies=codes)
            return redirect(url_for(".accounts"), 303)
    except DomainError as exc:
        return accounts_page(exc.code, exc.status)
    return accounts_page()


def accounts_page(problem=None, status=200):
    page = render_template("staff/accounts.html", staff=staff_accounts.all_accounts(),
                           agencies=catalog().agencies, problem=problem)
    return page, status
