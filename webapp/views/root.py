"""Language-free URLs: "/" sends the reader to their language."""

from flask import Blueprint, redirect, url_for

from .. import db, i18n

bp = Blueprint("root", __name__)


@bp.get("/")
def index():
    """Redirect to the home page in the best language for Accept-Language (Arabic otherwise)."""
    response = redirect(url_for("public.home", lang=i18n.negotiate()))
    response.vary.add("Accept-Language")
    return response


@bp.get("/m/<reference>")
def short_link(reference):
    """The short link of an SMS: the lookup form with the reference filled in (the phone
    number is still asked, so a forwarded SMS does not open the appointment)."""
    response = redirect(url_for("booking.manage", lang=i18n.negotiate(), reference=reference[:20]))
    response.vary.add("Accept-Language")
    return response


@bp.get("/o/<reference>")
def offer_link(reference):
    """The short link of a waiting-list offer: the page that takes it (the code is still asked)."""
    response = redirect(url_for("waitlist.offer", lang=i18n.negotiate(), reference=reference[:20]))
    response.vary.add("Accept-Language")
    return response


@bp.get("/healthz")
def healthz():
    """For load balancers: this process answers (the database is not asked)."""
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """For load balancers: the database answers and its schema is current (else 503)."""
    problem = db.ready()
    body = {"status": "ready"} if problem is None else {"status": "not ready", "problem": problem}
    return body, 200 if problem is None else 503, {"Cache-Control": "no-store"}
