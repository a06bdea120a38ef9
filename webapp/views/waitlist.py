"""The waiting list's pages: join when no time fits, see your place, leave; take or give back
a seat offered by SMS (the offer's link, /o/<reference>, leads to its page)."""

from datetime import timedelta

from flask import Blueprint, abort, make_response, redirect, render_template, request, session, url_for
from marshmallow import ValidationError

from .. import clock
from ..booking import appointments, codes, schemas, waitlist
from ..digits import ascii_digits
from ..i18n import current
from ..problems import DomainError
from . import shared
from .messages import field_errors
from .shared import catalog, no_store, retry_after

bp = Blueprint("waitlist", __name__, url_prefix="/<lang:lang>")
def mine(reference: str):
    """The entry if this browser may see it, else the lookup form."""
    if reference not in session.get(shared.WAITS, []):
        abort(redirect(url_for("booking.manage")))
    return waitlist.get(reference)


def join_page(service, task, values, errors=None, problem=None, status=200):
    agencies = appointments.agencies_for(catalog(), service["id"], task["id"])
    page = render_template("waitlist/join.html", service=service, task=task, agencies=agencies, values=values,
                           errors=errors or {}, problem=problem)
    return retry_after(no_store(make_response(page, status)), problem)


@bp.route("/book/<service_id>/<task_id>/waitlist", methods=["GET", "POST"])
def join(service_id, task_id):
    """Join the waiting list for this procedure: an agency, the days and the time of day that
    suit, and the phone an offer goes to."""
    service, task = appointments.bookable_task(catalog(), service_id, task_id)
    if request.method == "GET":
        first = request.args.get("date") or clock.today().isoformat()
        try:
            last = (schemas.Wish().fields["first_day"].deserialize(first) + timedelta(days=7)).isoformat()
        except ValidationError:
            first, last = clock.today().isoformat(), (clock.today() + timedelta(days=7)).isoformat()
        values = {"agency": request.args.get("agency", ""), "first_day": first, "last_day": last, "period": "any"}
        return join_page(service, task, values)
    form = request.form.to_dict()
    try:
        data = schemas.Wish().load({**form, "service": service_id, "task": task_id})
    except ValidationError as exc:
        return join_page(service, task, form, errors=field_errors(exc.messages), status=422)
    try:
        entry = waitlist.join(catalog(), waitlist.wish_from(data, current()), clock.now(), request.remote_addr)
    except DomainError as exc:
        return join_page(service, task, form, problem=exc, status=exc.status)
    shared.remember(shared.WAITS, entry.reference)
    return redirect(url_for(".entry", reference=entry.reference), 303)


def entry_context(entry):
    service, task = catalog().task(entry.service_id, entry.task_id)
    offer = waitlist.live_offer(entry)
    return dict(entry=entry, service=service, task=task, agency=catalog().agency(entry.agency),
                position=waitlist.position(entry), display=codes.display(entry.reference), offer=offer,
                offer_start=clock.from_utc(offer.starts_at) if offer else None)


@bp.get("/waitlist/<reference>")
def entry(reference):
    """Your place in line, what you asked for, and "leave the list"."""
    return no_store(render_template("waitlist/entry.html", **entry_context(mine(reference))))


@bp.post("/waitlist/<reference>/leave")
def leave(reference):
    mine(reference)
    waitlist.leave(reference, clock.now())
    return redirect(url_for(".entry", reference=reference), 303)


def offer_page(appointment, problem=None):
    if appointment.waitlist_entry is None:
        abort(404)
    service, task = catalog().task(appointment.service_id, appointment.task_id)
    page = render_template("waitlist/offer.html", appointment=appointment, service=service, task=task,
                           agency=catalog().agency(appointment.agency), start=clock.from_utc(appointment.starts_at),
                           display=codes.display(appointment.reference), problem=problem)
    return retry_after(no_store(make_response(page, problem.status if problem else 200)), problem)


@bp.get("/offers/<reference>")
def offer(reference):
    """A seat offered by SMS: when and where, the code field, "Not this time". The page shows
    no name or phone: the link alone proves nothing, the code does."""
    return offer_page(appointments.get(reference))


@bp.post("/offers/<reference>")
def take(reference):
    """Take the offered seat with the code of the SMS: it becomes your appointment."""
    try:
        appointments.confirm(reference, ascii_digits(request.form.get("code", "")), clock.now())
    except DomainError as exc:
        return offer_page(appointments.get(reference), problem=exc)
    shared.remember(shared.MINE, reference)
    return redirect(url_for("booking.appointment", reference=reference), 303)


@bp.post("/offers/<reference>/decline")
def decline(reference):
    """"Not this time": the seat goes to the next person; you stay in line."""
    try:
        waitlist.decline(reference, clock.now())
    except DomainError as exc:
        return offer_page(appointments.get(reference), problem=exc)
    return offer_page(appointments.get(reference))
