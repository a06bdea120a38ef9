"""The "I have no reference" / "I did not book this" pages: prove a phone with an SMS code,
then see and cancel every appointment to come on it.

The session keeps only the proof (the id of the used code), never the phone number. Every
answer is personal, so never stored (security.PERSONAL_BLUEPRINTS).
"""

from flask import Blueprint, abort, make_response, redirect, render_template, request, session, url_for

from .. import clock
from ..booking import appointments, codes, phones, schemas
from ..digits import ascii_digits
from ..i18n import current
from ..problems import DomainError
from .messages import FIELD_ERRORS
from .shared import catalog, retry_after

bp = Blueprint("phone", __name__, url_prefix="/<lang:lang>")
PROOF = "phone_proof"


def page(template: str, problem: DomainError | None = None, status: int = 200, **context):
    """A page of this flow; a refusal sets its status (and Retry-After for a limit)."""
    return retry_after(make_response(render_template(template, problem=problem, **context),
                                     problem.status if problem else status), problem)


def proven() -> str | None:
    """The phone this browser proved and may still act for (a stale proof is dropped)."""
    proof = session.get(PROOF)
    phone = phones.proven_phone(proof, clock.now()) if isinstance(proof, int) else None
    if phone is None:
        session.pop(PROOF, None)
    return phone


@bp.route("/manage/phone", methods=["GET", "POST"])
def ask():
    """Ask the mobile number; send it a code if it has appointments to come (same answer if not)."""
    if request.method == "GET":
        return page("booking/phone.html", typed="", error=None)
    typed = request.form.get("phone", "")
    phone = schemas.normalize_phone(typed)
    if not schemas.PHONE.match(phone):
        return page("booking/phone.html", typed=typed, error=FIELD_ERRORS["phone"], status=422)
    try:
        phones.send_phone_code(phone, current(), request.remote_addr, clock.now())
    except DomainError as exc:
        return page("booking/phone.html", typed=typed, error=None, problem=exc)
    return page("booking/phone_code.html", phone=phone)


@bp.post("/manage/phone/code")
def code():
    """Check the code: the session keeps the proof (not the phone), and the list opens."""
    phone = schemas.normalize_phone(request.form.get("phone", ""))
    if not schemas.PHONE.match(phone):
        return redirect(url_for(".ask"), 303)
    try:
        proof = phones.verify_phone(phone, ascii_digits(request.form.get("code", "")), clock.now())
    except DomainError as exc:
        return page("booking/phone_code.html", phone=phone, problem=exc)
    session[PROOF] = proof
    return redirect(url_for(".upcoming"), 303)


def listed(appointment) -> dict:
    """What the list shows of one appointment."""
    _service, task = catalog().task(appointment.service_id, appointment.task_id)
    return dict(reference=appointment.reference, display=codes.display(appointment.reference), task=task,
                agency=catalog().agency(appointment.agency), start=clock.from_utc(appointment.starts_at),
                held=appointment.status == "held")


def list_page(phone: str, problem: DomainError | None = None):
    """The list of the proven phone's appointments (with the notice of one just cancelled)."""
    cancelled = codes.normalize(request.args.get("cancelled", ""))
    found = [listed(a) for a in phones.upcoming_on(phone, clock.now())]
    return page("booking/phone_appointments.html", problem=problem, found=found,
                cancelled=codes.display(cancelled) if cancelled and not problem else None)


@bp.get("/manage/phone/appointments")
def upcoming():
    """Every appointment to come on the proven phone, each with a Cancel button."""
    phone = proven()
    if phone is None:
        return redirect(url_for(".ask"), 303)
    return list_page(phone)


@bp.post("/manage/phone/appointments/<reference>/cancel")
def cancel(reference):
    """Cancel one appointment of the proven phone (404 for any other) and free its seat."""
    phone = proven()
    if phone is None:
        return redirect(url_for(".ask"), 303)
    if reference not in {a.reference for a in phones.upcoming_on(phone, clock.now())}:
        abort(404)
    try:
        appointments.cancel(reference, clock.now())
    except DomainError as exc:  # e.g. a hold that ran out meanwhile: already gone from the list
        return list_page(phone, problem=exc)
    return redirect(url_for(".upcoming", cancelled=reference), 303)


@bp.post("/manage/phone/forget")
def forget():
    """Done: the proof stops working (on this browser and any copy of its cookie)."""
    proof = session.pop(PROOF, None)
    if isinstance(proof, int):
        phones.forget_proof(proof, clock.now())
    return redirect(url_for("booking.manage"), 303)
