"""Following an online application: its reference and the phone that sent it, proven by an
SMS code, open its status (received, under review, a document missing, accepted, refused);
a missing document is added here. Nobody sees another application's status or files.

The session keeps, per reference, only the proof (a used code's id), never the phone.
"""

from flask import Blueprint, abort, redirect, request, session, url_for

from .. import clock
from ..applications import cases, review
from ..booking import codes, schemas
from ..digits import ascii_digits
from ..i18n import current
from ..problems import DomainError
from .messages import FIELD_ERRORS, MISSING
from .shared import catalog, record_id
from .uploads import document_response, page, store, uploaded_file

bp = Blueprint("apply_status", __name__, url_prefix="/<lang:lang>/apply/status")
PROOFS = "apply_proofs"


def opened(reference: str):
    """The application this browser proved it may see, or a redirect to the form."""
    proof = session.get(PROOFS, {}).get(reference)
    found = cases.proven(reference, proof, clock.now()) if isinstance(proof, int) else None
    if found is None:
        abort(redirect(url_for(".ask", reference=reference), 303))
    return found


@bp.route("", methods=["GET", "POST"])
def ask():
    """Reference and mobile number; a code goes to the number if it sent that application."""
    typed = {"reference": request.values.get("reference", ""), "phone": request.form.get("phone", "")}
    if request.method == "GET":
        return page("apply/status_ask.html", typed=typed, errors={})
    reference = codes.normalize(typed["reference"])
    phone = schemas.applicant_phone(typed["phone"], international=True)  # as any application takes it
    errors = {}
    if not reference:
        errors["reference"] = [str(MISSING["reference"])]
    if phone is None:
        errors["phone"] = [str(FIELD_ERRORS["phone_abroad"])]
    if errors:
        return page("apply/status_ask.html", typed=typed, errors=errors, status=422)
    try:
        cases.ask_status(reference, phone, current(), request.remote_addr, clock.now())
    except DomainError as exc:
        return page("apply/status_ask.html", typed=typed, errors={}, problem=exc)
    return page("apply/status_code.html", reference=reference, phone=phone)


@bp.post("/code")
def code():
    """The code typed back: this browser may see the application for a while."""
    reference = codes.normalize(request.form.get("reference", "")) or ""
    phone = schemas.applicant_phone(request.form.get("phone", ""), international=True) or ""
    try:
        proof = cases.prove(reference, phone, ascii_digits(request.form.get("code", "")), clock.now())
    except DomainError as exc:
        return page("apply/status_code.html", reference=reference, phone=phone, problem=exc)
    session[PROOFS] = {**session.get(PROOFS, {}), reference: proof}
    return redirect(url_for(".status", reference=reference), 303)


def status_page(application, problem=None):
    _service, task = catalog().task(application.service_id, application.task_id)
    uploads = {u["id"]: u for u in cases.uploads(catalog(), application)}
    return page("apply/status.html", application=application, task=task, uploads=uploads,
                documents=cases.documents(application), agency_info=catalog().agency(application.agency),
                problem=problem, visit=review.visit(application))


@bp.get("/<reference>")
def status(reference):
    """Where the application stands; what to add when a document is missing."""
    return status_page(opened(reference))


@bp.errorhandler(413)
def too_large(_error):
    """A file over the limit: the status page, saying so (nothing was read or kept)."""
    return status_page(opened((request.view_args or {}).get("reference", "")), problem=DomainError("upload_too_big"))


@bp.post("/<reference>/add")
def add(reference):
    """Add a file to the document the agency asked for."""
    application = opened(reference)
    try:
        data = uploaded_file()
        if data is None:
            raise DomainError("no_file")
        cases.add_document(catalog(), application, application.missing or "", data, store(), clock.now())
    except DomainError as exc:
        return status_page(application, problem=exc)
    return redirect(url_for(".status", reference=reference), 303)


@bp.post("/<reference>/send")
def send_missing(reference):
    """The asked-for document is complete: send it to the agency."""
    application = opened(reference)
    try:
        cases.send_missing(application, clock.now())
    except DomainError as exc:
        return status_page(application, problem=exc)
    return redirect(url_for(".status", reference=reference), 303)


@bp.get("/<reference>/file/<file_id>")
def file(reference, file_id):
    """One of its own files, shown in the browser (never another application's: 404)."""
    application = opened(reference)
    try:
        found = cases.document_of(application, record_id(file_id))
    except DomainError:
        abort(404)
    return document_response(found, store())
