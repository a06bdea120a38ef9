"""The JSON door to online applications, for a phone's outbox: an application filled in without
network (pwa/apply.html) is sent whole when the network is back, then its files in resumable
chunks, then the phone is confirmed by SMS code. Every call carries the Idempotency-Key of the
request that made the application: it is what finds it (applications/queued.py)."""

from flask import jsonify, make_response, request, session, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from .. import clock
from ..applications import cases, queued, resumable
from ..booking import schemas
from ..catalog import applications as content
from ..digits import ascii_digits
from ..problems import DomainError
from . import apply
from .api import bp, error, invalid, json_body, lang, no_json, refused
from .messages import domain_message
from .shared import catalog, no_store
from .uploads import store, upload_requests


class DocumentRequest(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=64))
    size = fields.Integer(required=True, strict=True)


class ApplicationRequest(Schema):
    service = fields.String(required=True, validate=validate.Length(min=1, max=64))
    task = fields.String(required=True, validate=validate.Length(min=1, max=64))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                          values=fields.String(validate=validate.Length(max=400)), load_default=dict)
    agency = fields.String(required=True, validate=validate.Length(max=8))
    documents = fields.List(fields.Nested(DocumentRequest), load_default=list,
                            validate=validate.Length(max=cases.MAX_FILES))
    phone = fields.String(required=True, validate=validate.Length(max=40))
    declaration = fields.Boolean(required=True, validate=validate.Equal(True))


@bp.record_once
def larger_chunks(state):
    upload_requests(state.app, {"api.application_upload"})


def key() -> str:
    found = request.headers.get("Idempotency-Key", "").strip()
    if not found or len(found) > 100:
        raise DomainError("idempotency_key")
    return found


def described(application, status=200):
    """Where the application stands, and what the phone still has to send."""
    uploads = queued.uploads_of(application)
    body = {"reference": application.reference, "status": application.status,
            "service": application.service_id, "task": application.task_id,
            "uploads": [{"id": u.token, "kind": u.kind, "size": u.size, "received": u.received,
                         "done": u.document is not None} for u in uploads],
            "chunk": resumable.CHUNK}
    if application.status != "draft":
        body["status_url"] = url_for("apply_status.ask", lang=application.lang, reference=application.reference)
    return no_store(make_response(jsonify(body), status))


def phone_of(typed, service_id: str, task_id: str) -> str:
    """The applicant's mobile as stored: a number abroad too where the application takes one."""
    _service, task = catalog().task(service_id, task_id)
    abroad = bool(task and task.get("application")) and content.international(task)
    phone = schemas.applicant_phone(str(typed or ""), international=abroad)
    if phone is None:
        raise ValidationError({"phone": ["phone_abroad" if abroad else "phone"]})
    return phone


@bp.post("/applications")
def submit_application():
    """An application filled in on a phone: its answers, its agency, the files to come (kind and
    size in bytes) and its mobile number. The same Idempotency-Key: the same application."""
    body = json_body()
    if body is None:
        return no_json()
    try:
        data = ApplicationRequest().load(body)
        phone_of(data["phone"], data["service"], data["task"])
        application, made = queued.submit(
            catalog(), key(), data["service"], data["task"], lang(), data["answers"], data["agency"],
            data["documents"], store(), request.remote_addr, clock.now())
    except ValidationError as exc:
        return invalid(exc)
    except DomainError as exc:
        if exc.code == "invalid":
            return error("validation", 422, _("The request has errors."),
                         {name: [domain_message(code)] for name, code in exc.details["fields"].items()})
        return refused(exc)
    return described(application, 201 if made else 200)


@bp.route("/applications/uploads/<upload_id>", methods=["GET", "PUT"])
def application_upload(upload_id):
    """GET: how much of a file arrived. PUT ?offset=N with the bytes as the body: stored once
    even if sent again; the last chunk makes the document (checked like any upload)."""
    try:
        application = queued.find(key())
        upload = queued.upload(application, upload_id)
        if request.method == "PUT":
            offset = int(ascii_digits(request.args.get("offset", "")) or -1)
            resumable.chunk(catalog(), application, upload, offset, request.get_data(cache=False), store(),
                            clock.now())
    except (DomainError, ValueError) as exc:
        return apply.upload_refused(exc if isinstance(exc, DomainError) else DomainError("wrong_offset"))
    return apply.upload_answer(upload)


@bp.post("/applications/code")
def application_code():
    """Every file arrived: send the SMS code to the application's phone (a new one each call)."""
    body = json_body()
    if body is None:
        return no_json()
    try:
        application = queued.find(key())
        phone = phone_of(body.get("phone"), application.service_id, application.task_id)
        queued.ask_code(catalog(), application, phone, request.remote_addr, clock.now())
    except ValidationError as exc:
        return invalid(exc)
    except DomainError as exc:
        return refused(exc)
    return described(application, 202)


@bp.post("/applications/confirm")
def confirm_application():
    """The code of the SMS typed back: the application is received (once, whatever the retries)."""
    body = json_body()
    if body is None:
        return no_json()
    typed = body.get("code")
    if not isinstance(typed, str) or not typed.strip():
        return error("validation", 422, _("The request has errors."), {"code": [domain_message("required")]})
    try:
        application = cases.confirm(queued.find(key()).reference, ascii_digits(typed), clock.now())
    except DomainError as exc:
        return refused(exc)
    if request.headers.get("Sec-Fetch-Site") == "same-origin":  # "My requests": this browser sent it
        session[apply.SENT] = application.reference
        drafts = session.get(apply.DRAFTS, {})
        session[apply.DRAFTS] = {k: v for k, v in drafts.items()
                                 if k != apply.key(application.service_id, application.task_id)}
    return described(application)
