"""Lobby tablets of an agency: enrol this device, or revoke one."""

from flask import g, redirect, render_template, request, session, url_for

from ... import clock
from ...staffing import lobby
from ..shared import record_id, set_device_cookie
from .base import bp, staff_required


@bp.route("/<agency>/kiosks", methods=["GET", "POST"])
@staff_required("supervisor")
def kiosks(agency):
    """Enrol this device as the agency's lobby tablet (which ends the staff session), or revoke one."""
    if request.method == "GET":
        return render_template("staff/kiosks.html", agency=agency, devices=lobby.devices(agency))
    if request.form.get("revoke"):
        lobby.revoke(agency, record_id(request.form["revoke"]), g.staff.username, clock.now())
        return redirect(url_for(".kiosks", agency=agency), 303)
    device = lobby.enrol(agency, request.form.get("name", ""), g.staff.username, clock.now())
    session.clear()  # the tablet must not stay signed in as staff
    response = redirect(url_for("kiosk.start"), 303)
    set_device_cookie(response, device)
    return response
