"""Signing in and out of the back-office."""

import secrets
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for

from ... import clock, demo
from ...booking import ratelimit
from ...staffing import auth
from ..shared import catalog, no_store
from .base import bp, staff_required

LOGINS_PER_IP = 20  # per 15 minutes


def safe_next(target: str) -> str | None:
    """A path on this site to go back to after signing in; None for anything else (another
    site, a scheme, backslashes, control characters or spaces that browsers would strip)."""
    if not target.startswith("/") or any(c.isspace() or ord(c) < 32 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and not target.startswith("//") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; a new session each time, rate-limited per account and address."""
    if request.method == "GET":
        return no_store(render_template("staff/login.html", problem=None, username=""))
    username = request.form.get("username", "").strip()[:60]
    now = clock.now()
    if not (ratelimit.allow(f"login-ip:{request.remote_addr}", LOGINS_PER_IP, 900, now)
            and ratelimit.allow(f"login-user:{username.lower()}", LOGINS_PER_IP, 900, now)):
        return no_store(render_template("staff/login.html", problem="rate_limited", username=username)), 429
    refused = frozenset() if current_app.config["DEMO"] else demo.USERNAMES
    staff, problem = auth.authenticate(username, request.form.get("password", ""), now, refused)
    if staff is None:
        return no_store(render_template("staff/login.html", problem=problem, username=username)), 401
    session.clear()  # a fresh session: nothing from before the login survives
    session["staff"] = {"id": staff.id, "sid": secrets.token_hex(16), "since": now.isoformat(), "seen": now.isoformat()}
    return redirect(safe_next(request.args.get("next", "")) or url_for(".home"), 303)


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
    return render_template("staff/agencies.html", agencies=catalog().agencies)
