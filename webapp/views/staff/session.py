"""Signing in and out of the back-office."""

import secrets
from datetime import timedelta
from math import ceil
from urllib.parse import unquote

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta

from ... import clock, demo
from ...problems import DomainError
from ...staffing import auth
from ..shared import catalog, no_store
from .base import bp, signed_in, staff_required


def safe_next(target: str) -> str | None:
    """A path on this site to go back to after signing in; None for anything else: another
    site (`//`, a scheme: neither starts with a single "/"), backslashes, spaces, control or
    invisible characters (which browsers strip or read as "/"), as written or percent-decoded
    once or more."""
    decoded, seen = target, set()
    while decoded not in seen:
        if (len(seen) > 5 or not decoded.startswith("/") or decoded.startswith("//")
                or any(c.isspace() or not c.isprintable() or c == "\\" for c in decoded)):
            return None
        seen.add(decoded)
        decoded = unquote(decoded)
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; a new session each time. Failures slow the address (growing waits), never lock the account."""
    if request.method == "GET":
        return no_store(render_template("staff/login.html", problem=None, username=""))
    username = request.form.get("username", "").strip()[:60]
    refused = frozenset() if current_app.config["DEMO"] else demo.USERNAMES
    try:
        staff = auth.sign_in(username, request.form.get("password", ""), request.remote_addr or "", clock.now(),
                             refused)
    except DomainError as exc:
        wait = exc.details.get("retry_after")
        page = render_template("staff/login.html", problem=exc.code, username=username,
                               wait=format_timedelta(timedelta(minutes=ceil(wait / 60)), threshold=1) if wait else None)
        response = no_store(page)
        response.status_code = 429 if wait else 401
        if wait:
            response.headers["Retry-After"] = str(wait)
        return response
    session.clear()  # a fresh session: nothing from before the login survives
    now = clock.now().isoformat()
    session["staff"] = {"id": staff.id, "v": staff.session_version, "sid": secrets.token_hex(16), "since": now,
                        "seen": now}
    return redirect(safe_next(request.args.get("next", "")) or url_for(".home"), 303)


@bp.post("/logout")
def logout():
    """Sign out: every session of this account ends, on this device and every other."""
    staff = signed_in()
    if staff is not None:
        auth.end_sessions(staff.id)
    session.clear()
    return redirect(url_for(".login"), 303)


@bp.get("/")
@staff_required()
def home():
    """Agents and supervisors go to their agency; administrators choose one."""
    if g.staff.agency:
        return redirect(url_for(".agenda", agency=g.staff.agency))
    return render_template("staff/agencies.html", agencies=catalog().agencies)
