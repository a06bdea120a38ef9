"""What every staff page shares: the blueprint, signing in, roles, and the labels of codes."""

from datetime import date, datetime, timedelta
from functools import wraps

from flask import Blueprint, abort, g, redirect, request, session, url_for
from flask_babel import format_date

from ... import clock
from ...staffing import auth
from ..messages import ACTION_LABELS, AUDIT_LABELS, ROLE_LABELS, STAFF_MESSAGES, STATUS_LABELS
from ..shared import catalog, no_store

bp = Blueprint("staff", __name__, url_prefix="/<lang:lang>/staff")
IDLE = timedelta(minutes=30)
MAXIMUM = timedelta(hours=12)
RANK = {"agent": 0, "supervisor": 1, "admin": 2}
ACTIONS_FOR = {"held": ("arrive", "cancel"), "booked": ("arrive", "no_show", "cancel"),
               "arrived": ("call", "serve", "cancel"), "called": ("serve",),
               "no_show": ("arrive", "serve")}  # a visit counted as missed can still be corrected


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
        "audit_label": lambda code: AUDIT_LABELS.get(code) or ACTION_LABELS.get(code, code),
        "role_label": lambda code: ROLE_LABELS.get(code, code),
        "actions_for": lambda status: ACTIONS_FOR.get(status, ()),
        "weekday_name": lambda d: format_date(date(2026, 11, 23) + timedelta(days=d), "EEEE"),
    }


def signed_in():
    """The staff member of this session, if the session is still valid (30 min idle, 12 h, and
    not ended on the server: signed out, deactivated)."""
    data = session.get("staff")
    if not isinstance(data, dict):
        return None
    now = clock.now()
    try:
        seen, since = datetime.fromisoformat(data["seen"]), datetime.fromisoformat(data["since"])
    except (KeyError, TypeError, ValueError):
        seen = since = None
    staff = auth.session_staff(data.get("id"), data.get("v"))  # None once signed out anywhere
    if seen is None or now - seen > IDLE or now - since > MAXIMUM or staff is None:
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
            if agency and catalog().agency(agency) is None:
                abort(404)
            g.staff = staff
            return no_store(view(*args, **kwargs))
        return wrapper
    return decorate
