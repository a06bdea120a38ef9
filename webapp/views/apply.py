"""Online applications, one thing a page (GOV.UK style), working without JavaScript: start →
each question → agency → each document → check your answers → SMS code → confirmation.

The draft is the browser's: the session holds its reference (shown only once it is sent).
Every answer is personal, so never stored (security.PERSONAL_BLUEPRINTS).
"""

from flask import Blueprint, abort, jsonify, make_response, redirect, request, session, url_for

from .. import clock
from ..applications import cases, resumable, storage
from ..booking import codes, schemas
from ..catalog import applications as content
from ..digits import ascii_digits
from ..i18n import current
from ..problems import DomainError
from .messages import APPLICATION_STATUS_LABELS, FIELD_ERRORS, domain_message
from .shared import catalog, no_store, record_id
from .uploads import page, store, upload_requests, uploaded_file

bp = Blueprint("apply", __name__, url_prefix="/<lang:lang>/apply")
DRAFTS, SENT = "apply_drafts", "apply_sent"


@bp.record_once
def check_storage(state):
    """Refuse to start with a storage setting that cannot be used (an s3:// bucket that does not answer)."""
    storage.check(state.app.config)
    upload_requests(state.app, {"apply.document", "apply_status.add", "apply.upload_chunk"})


@bp.app_context_processor
def apply_texts():
    return {"application_status": lambda code: APPLICATION_STATUS_LABELS.get(code, code),
            "answer_label": content.answer_label, "display_reference": codes.display}


def online(service_id, task_id):
    """(service, task) of the URL: 404 unless the task takes online applications."""
    try:
        return cases.online_task(catalog(), service_id, task_id)
    except DomainError:
        abort(404)


def key(service_id, task_id) -> str:
    return f"{service_id}/{task_id}"


def draft_of(service_id, task_id):
    """This browser's draft for the task, or a redirect to the start page."""
    reference = session.get(DRAFTS, {}).get(key(service_id, task_id))
    try:
        return cases.draft(reference or "")
    except DomainError:
        abort(redirect(url_for(".start", service_id=service_id, task_id=task_id), 303))


def steps(application) -> list[str]:
    """Every page of the flow, in order: questions, the agency, documents, then "check"."""
    task = cases.task_of(catalog(), application)
    return ([f"q:{q['id']}" for q in content.questions(task)] + ["agency"]
            + [f"d:{u['id']}" for u in cases.uploads(catalog(), application)] + ["check"])


def step_url(service_id, task_id, step: str) -> str:
    kind, _, name = step.partition(":")
    if kind == "q":
        return url_for(".question", service_id=service_id, task_id=task_id, question_id=name)
    if kind == "d":
        return url_for(".document", service_id=service_id, task_id=task_id, kind=name)
    return url_for(".agency" if step == "agency" else ".check", service_id=service_id, task_id=task_id)


def after(application, step: str):
    """Where to go once `step` is done: back to "check" for a change, else the next page."""
    order = steps(application)
    if request.values.get("change") or step not in order:
        nxt = "check"
    else:
        nxt = order[order.index(step) + 1]
    return redirect(step_url(application.service_id, application.task_id, nxt), 303)


@bp.route("/<service_id>/<task_id>", methods=["GET", "POST"])
def start(service_id, task_id):
    """What the application asks for; "Start" makes a draft for this browser."""
    service, task = online(service_id, task_id)
    if request.method == "GET":
        return page("apply/start.html", service=service, task=task,
                    uploads=content.uploads(task, {}), agencies=cases.agencies(catalog()))
    try:
        application = cases.start(catalog(), service_id, task_id, current(), request.remote_addr, clock.now())
    except DomainError as exc:
        return page("apply/start.html", problem=exc, service=service, task=task,
                    uploads=content.uploads(task, {}), agencies=cases.agencies(catalog()))
    session[DRAFTS] = {**session.get(DRAFTS, {}), key(service_id, task_id): application.reference}
    return redirect(step_url(service_id, task_id, steps(application)[0]), 303)


@bp.route("/<service_id>/<task_id>/question/<question_id>", methods=["GET", "POST"])
def question(service_id, task_id, question_id):
    """One question; its answer is kept at once."""
    service, task = online(service_id, task_id)
    application = draft_of(service_id, task_id)
    asked = next((q for q in content.questions(task) if q["id"] == question_id), None)
    if asked is None:
        abort(404)
    value = cases.answers(application).get(question_id, "")
    if request.method == "POST":
        value = request.form.get("answer", "")
        try:
            cases.answer(catalog(), application, question_id, value, clock.now())
        except DomainError as exc:
            return page("apply/question.html", service=service, task=task, question=asked, value=value,
                        error=domain_message(exc.code), status=422)
        return after(application, f"q:{question_id}")
    return page("apply/question.html", service=service, task=task, question=asked, value=value, error=None)


@bp.route("/<service_id>/<task_id>/agency", methods=["GET", "POST"])
def agency(service_id, task_id):
    """The agency that will review the application."""
    service, task = online(service_id, task_id)
    application = draft_of(service_id, task_id)
    chosen, error = application.agency, None
    if request.method == "POST":
        chosen = request.form.get("agency", "")
        try:
            cases.choose_agency(catalog(), application, chosen, clock.now())
        except DomainError:
            error = FIELD_ERRORS["required"] if not chosen else domain_message("unknown_agency")
        else:
            return after(application, "agency")
    return page("apply/agency.html", service=service, task=task, agencies=cases.agencies(catalog()),
                chosen=chosen, error=error, status=422 if error else 200)


def document_page(service, task, application, kind, problem=None):
    wanted = next((u for u in cases.uploads(catalog(), application) if u["id"] == kind), None)
    if wanted is None:
        abort(404)
    kept = [d for d in cases.documents(application) if d.kind == kind]
    return page("apply/document.html", service=service, task=task, wanted=wanted, kept=kept,
                problem=problem, step=f"d:{kind}", next_url=None)


@bp.errorhandler(413)
def too_large(_error):
    """A file over the limit: the document's page, saying so (nothing was read or kept)."""
    args = request.view_args or {}
    if request.endpoint != "apply.document":
        return page("errors/error.html", status=413, code=413, message=domain_message("upload_too_big"))
    service, task = online(args["service_id"], args["task_id"])
    application = draft_of(args["service_id"], args["task_id"])
    return document_page(service, task, application, args["kind"], problem=DomainError("upload_too_big"))


@bp.route("/<service_id>/<task_id>/document/<kind>", methods=["GET", "POST"])
def document(service_id, task_id, kind):
    """One document: its files so far, and a form to add a photo or a PDF (one file a post)."""
    service, task = online(service_id, task_id)
    application = draft_of(service_id, task_id)
    if request.method == "GET":
        return document_page(service, task, application, kind)
    if request.form.get("done"):
        return after(application, f"d:{kind}")
    try:
        data = uploaded_file()
        if data is None:
            raise DomainError("no_file")
        cases.add_document(catalog(), application, kind, data, store(), clock.now())
    except DomainError as exc:
        return document_page(service, task, application, kind, problem=exc)
    return redirect(url_for(".document", service_id=service_id, task_id=task_id, kind=kind,
                            change=request.values.get("change") or None), 303)


@bp.post("/<service_id>/<task_id>/document/<kind>/<file_id>/remove")
def remove(service_id, task_id, kind, file_id):
    """Take one file off the draft."""
    online(service_id, task_id)
    application = draft_of(service_id, task_id)
    try:
        cases.remove_document(application, record_id(file_id), store())
    except DomainError:
        abort(404)
    return redirect(url_for(".document", service_id=service_id, task_id=task_id, kind=kind), 303)


def check_context(service, task, application) -> dict:
    return dict(service=service, task=task, application=application, answers=cases.answers(application),
                questions=content.questions(task), uploads=cases.uploads(catalog(), application),
                documents=cases.documents(application), agency_info=catalog().agency(application.agency or ""),
                missing=cases.missing_steps(catalog(), application), step_url=step_url,
                abroad=content.international(task))


@bp.get("/<service_id>/<task_id>/check")
def check(service_id, task_id):
    """Check your answers, each with a Change link; the declaration and the phone to send it."""
    service, task = online(service_id, task_id)
    application = draft_of(service_id, task_id)
    return page("apply/check.html", **check_context(service, task, application), errors={}, typed="")


@bp.post("/<service_id>/<task_id>/send")
def send(service_id, task_id):
    """The declaration ticked and a mobile number: send the code that confirms it."""
    service, task = online(service_id, task_id)
    application = draft_of(service_id, task_id)
    typed = request.form.get("phone", "")
    abroad = content.international(task)
    phone = schemas.applicant_phone(typed, international=abroad)
    errors = {}
    if not request.form.get("declaration"):
        errors["declaration"] = [domain_message("declaration")]
    if phone is None:
        errors["phone"] = [str(FIELD_ERRORS["phone_abroad" if abroad else "phone"])]
    try:
        if errors:
            raise DomainError("incomplete")
        cases.send(catalog(), application, phone, request.remote_addr, clock.now())
    except DomainError as exc:
        return page("apply/check.html", **check_context(service, task, application), errors=errors,
                    typed=typed, problem=None if errors else exc, status=422 if errors else 200)
    return page("apply/code.html", service=service, task=task, phone=phone)


@bp.post("/<service_id>/<task_id>/confirm")
def confirm(service_id, task_id):
    """The SMS code typed back: the application is sent (received)."""
    service, task = online(service_id, task_id)
    reference = session.get(DRAFTS, {}).get(key(service_id, task_id), "")
    try:
        application = cases.confirm(reference, ascii_digits(request.form.get("code", "")), clock.now())
    except DomainError as exc:
        if exc.code == "not_found":
            return redirect(url_for(".start", service_id=service_id, task_id=task_id), 303)
        return page("apply/code.html", service=service, task=task, phone=request.form.get("phone", ""),
                    problem=exc)
    session[DRAFTS] = {k: v for k, v in session.get(DRAFTS, {}).items() if v != application.reference}
    session[SENT] = application.reference
    return redirect(url_for(".done", reference=application.reference), 303)


@bp.get("/done/<reference>")
def done(reference):
    """The confirmation, with the reference to keep (for the browser that sent it)."""
    if session.get(SENT) != reference:
        return redirect(url_for("apply_status.ask", reference=reference), 303)
    application = cases.proven_sent(reference)
    if application is None:
        abort(404)
    _service, task = catalog().task(application.service_id, application.task_id)
    return page("apply/done.html", application=application, task=task)



# --- resumable uploads (JSON, for the phone's script; the forms above need none) ----------


def upload_answer(upload, document=None, status=200):
    """What the phone needs to go on: the id, how much arrived, the document once complete."""
    body = {"id": upload.token, "size": upload.size, "received": upload.received, "chunk": resumable.CHUNK,
            "document": document.id if document else upload.document}
    return no_store(make_response(jsonify(body), status))


def upload_refused(exc: DomainError):
    body = {"error": {"code": exc.code, "message": domain_message(exc.code)}}
    if "received" in exc.details:
        body["received"] = exc.details["received"]
    return no_store(make_response(jsonify(body), 409 if exc.code == "wrong_offset" else exc.status))


@bp.post("/<service_id>/<task_id>/uploads")
def upload_begin(service_id, task_id):
    """Open a resumable upload: form or JSON {kind, size} → 201 {id, received: 0, chunk}."""
    online(service_id, task_id)
    application = draft_of(service_id, task_id)
    asked = request.get_json(silent=True) or request.form
    try:
        size = int(ascii_digits(str(asked.get("size", ""))) or 0)
        upload = resumable.begin(catalog(), application, str(asked.get("kind", "")), size, store(), clock.now())
    except DomainError as exc:
        return upload_refused(exc)
    return upload_answer(upload, status=201)


@bp.route("/<service_id>/<task_id>/uploads/<upload_id>", methods=["GET", "PUT"])
def upload_chunk(service_id, task_id, upload_id):
    """GET: how much arrived (to resume after a cut). PUT ?offset=N with the chunk's bytes as
    the body: stored once even if sent again; the last one makes the document."""
    online(service_id, task_id)
    application = draft_of(service_id, task_id)
    try:
        upload = resumable.find(application, upload_id)
        if request.method == "GET":
            return upload_answer(upload)
        offset = int(ascii_digits(request.args.get("offset", "")) or -1)
        document = resumable.chunk(catalog(), application, upload, offset, request.get_data(cache=False),
                                   store(), clock.now())
    except (DomainError, ValueError) as exc:
        return upload_refused(exc if isinstance(exc, DomainError) else DomainError("wrong_offset"))
    return upload_answer(upload, document)
