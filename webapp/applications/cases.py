"""What an applicant can do: start a draft, answer, attach documents, send it with a phone
confirmed by SMS code, follow its status and add a document the agency asks for.

Every function takes plain values, checks its rules, runs in one transaction and returns a
result or raises one DomainError. The store (storage.py) holds the bytes; the database says
which stored names belong to which application.
"""

import json
from datetime import datetime, timedelta

from flask import current_app

from ..booking import codes, phones, ratelimit
from ..catalog import applications as content
from ..clock import to_utc
from ..db import write_transaction
from ..models import Application, ApplicationDocument, PhoneCode
from ..notify import outbox
from ..problems import DomainError
from . import files

LIVE = ("received", "under_review", "missing_document")
DECIDED = ("accepted", "refused")
MAX_FILES = 12  # a whole application
OTHER = "other"  # a document the agency asks for that the content does not list
SUBMIT_CODE_MINUTES = 30
STATUS_CODE_MINUTES = 10
PROOF_MINUTES = 15
HOUR = 3600
DRAFTS_PER_ADDRESS = 20


def task_of(catalog, application: Application) -> dict:
    """The task an application is for (it takes online applications)."""
    _service, task = catalog.task(application.service_id, application.task_id)
    return task


def online_task(catalog, service_id: str, task_id: str) -> tuple[dict, dict]:
    """The (service, task) of an application URL; DomainError unknown_task if it takes none."""
    service, task = catalog.task(service_id, task_id)
    if task is None or not content.accepts(task):
        raise DomainError("unknown_task")
    return service, task


def answers(application: Application) -> dict[str, str]:
    return json.loads(application.answers or "{}")


def start(catalog, service_id: str, task_id: str, lang: str, address: str | None, now: datetime) -> Application:
    """A new draft with its reference (shown only once it is sent). rate_limited past
    DRAFTS_PER_ADDRESS an hour: each draft may hold MAX_FILES files until the purge."""
    online_task(catalog, service_id, task_id)
    with write_transaction():
        wait = ratelimit.count([(f"drafts:{address}", DRAFTS_PER_ADDRESS, HOUR)], now)
        if wait:
            raise DomainError("rate_limited", retry_after=wait)
        return Application.create(reference=codes.new_reference(), service_id=service_id, task_id=task_id,
                                  lang=lang, created_at=to_utc(now), updated_at=to_utc(now))


def draft(reference: str) -> Application:
    """A draft by its reference; not_found once sent or purged."""
    found = Application.get_or_none((Application.reference == reference) & (Application.status == "draft"))
    if found is None:
        raise DomainError("not_found")
    return found


def answer(catalog, application: Application, question_id: str, value: str, now: datetime) -> None:
    """Keep one answer; DomainError answer_invalid (with the question) if it is not valid."""
    question = next((q for q in content.questions(task_of(catalog, application)) if q["id"] == question_id), None)
    if question is None:
        raise DomainError("not_found")
    valid = content.valid_answer(question, value)
    if valid is None:
        wrong = "email" if question["kind"] == "email" else "answer_invalid"  # views/messages.py FIELD_ERRORS
        raise DomainError("answer_required" if not str(value or "").strip() else wrong)
    kept = {**answers(application), question_id: valid}
    with write_transaction():
        Application.update(answers=json.dumps(kept, ensure_ascii=False), updated_at=to_utc(now)).where(
            (Application.id == application.id) & (Application.status == "draft")).execute()
    application.answers = json.dumps(kept, ensure_ascii=False)


def choose_agency(catalog, application: Application, code: str, now: datetime) -> None:
    """The agency that will review it: a wilaya agency of the catalog."""
    if code not in {a["code"] for a in agencies(catalog)}:
        raise DomainError("unknown_agency")
    with write_transaction():
        Application.update(agency=code, updated_at=to_utc(now)).where(
            (Application.id == application.id) & (Application.status == "draft")).execute()
    application.agency = code


def agencies(catalog) -> list[dict]:
    """The agencies an application can go to (the wilaya agencies)."""
    return [a for a in catalog.agencies if a["kind"] == "wilaya"]


def uploads(catalog, application: Application) -> list[dict]:
    """The documents to upload for this application's answers."""
    return content.uploads(task_of(catalog, application), answers(application))


def documents(application: Application) -> list[ApplicationDocument]:
    """Its uploaded files, oldest first."""
    return list(ApplicationDocument.select().where(ApplicationDocument.application == application.id)
                .order_by(ApplicationDocument.id))


def add_document(catalog, application: Application, kind: str, data: bytes, store, now: datetime):
    """Check one file (files.check) and keep it for document `kind`. While a draft, any of its
    documents; once sent, only while the agency asks for a document. DomainError upload_<code>
    for a refused file, too_many_files, not_found."""
    wanted = {u["id"]: u for u in uploads(catalog, application)} | {OTHER: {"max_files": 2}}
    kept = every = documents(application)
    if application.status == "missing_document" and kind == application.missing:
        kept = [d for d in kept if d.uploaded_at > application.updated_at]  # since it was asked for
    elif application.status != "draft" or kind not in wanted or kind == OTHER:
        raise DomainError("not_found")
    if sum(d.kind == kind for d in kept) >= wanted[kind]["max_files"] or len(every) >= MAX_FILES:
        raise DomainError("too_many_files")
    try:
        checked = files.check(data)
    except files.UploadError as exc:
        raise DomainError("upload_" + exc.code) from None
    name = store.put(checked.data)
    try:
        with write_transaction():
            return ApplicationDocument.create(application=application.id, kind=kind, stored_name=name,
                                              content_type=checked.content_type, size=len(checked.data),
                                              pages=checked.pages, uploaded_at=to_utc(now))
    except Exception:
        store.delete(name)  # no row, no file
        raise


def remove_document(application: Application, document_id: int, store) -> None:
    """Take a file off a draft (or off a document the agency asked for, before sending it)."""
    if application.status not in ("draft", "missing_document"):
        raise DomainError("not_found")
    found = ApplicationDocument.get_or_none((ApplicationDocument.id == document_id)
                                            & (ApplicationDocument.application == application.id))
    if found is None:
        raise DomainError("not_found")
    with write_transaction():
        found.delete_instance()
    store.delete(found.stored_name)


def missing_steps(catalog, application: Application) -> list[str]:
    """What still has to be done before sending: question ids, "agency", document ids."""
    given = answers(application)
    steps = [q["id"] for q in content.questions(task_of(catalog, application)) if q["id"] not in given]
    if not application.agency:
        steps.append("agency")
    kinds = {d.kind for d in documents(application)}
    steps += [u["id"] for u in uploads(catalog, application) if u["required"] and u["id"] not in kinds]
    return steps


def _limit(phone: str, address: str | None, now: datetime) -> None:
    config = current_app.config
    wait = ratelimit.count([(f"codes:{phone}", config["CODES_PER_PHONE"], HOUR),
                            (f"app-codes:{address}", config["HOLDS_PER_ADDRESS"] or 10**6, HOUR)], now)
    if wait:
        raise DomainError("rate_limited", retry_after=wait)


def send(catalog, application: Application, phone: str, address: str | None, now: datetime) -> None:
    """Ask to send it: everything answered and attached, the declaration accepted; an SMS code
    goes to `phone`, which the person types back (confirm). incomplete, rate_limited."""
    if application.status != "draft":
        raise DomainError("not_found")
    if missing_steps(catalog, application):
        raise DomainError("incomplete")
    with write_transaction():
        _limit(phone, address, now)
        Application.update(phone=phone, updated_at=to_utc(now)).where(Application.id == application.id).execute()
        until = now + timedelta(minutes=SUBMIT_CODE_MINUTES)
        value = phones.new_code(phone, "apply", application.reference, until, now)
        outbox.code(phone, value, application.lang, now, until=until)
    application.phone = phone


def confirm(reference: str, typed: str, now: datetime) -> Application:
    """The code typed back: the application is "received" (once: a retry changes nothing)."""
    found = Application.get_or_none(Application.reference == reference)
    if found is None or found.status not in ("draft", *LIVE, *DECIDED) or not found.phone:
        raise DomainError("not_found")
    if found.status != "draft":
        return found  # sent already (a retried form whose answer was lost)

    def receive():
        Application.update(status="received", submitted_at=to_utc(now), updated_at=to_utc(now)).where(
            Application.id == found.id).execute()
        found.status = "received"
        outbox.application("app_received", found, now)

    phones.spend(PhoneCode.select().where((PhoneCode.purpose == "apply") & (PhoneCode.reference == reference)
                                           & (PhoneCode.phone == found.phone)), typed, now, receive)
    return found


# --- following an application: reference + phone, proven by a code ----------------------


def ask_status(reference: str, phone: str, lang: str, address: str | None, now: datetime) -> None:
    """Send a code to `phone` if it sent the application `reference`; the same answer either
    way (nobody learns whose number applied). rate_limited."""
    with write_transaction():
        _limit(phone, address, now)
        until = now + timedelta(minutes=STATUS_CODE_MINUTES)
        value = phones.new_code(phone, "appstat", reference, until, now)
        found = Application.get_or_none((Application.reference == reference) & (Application.phone == phone)
                                        & Application.status.in_((*LIVE, *DECIDED)))
        if found is not None:
            outbox.code(phone, value, lang, now, until=until)


def prove(reference: str, phone: str, typed: str, now: datetime) -> int:
    """Check the status code; the proof (a used code's id) to keep in the session."""
    return phones.spend(PhoneCode.select().where((PhoneCode.purpose == "appstat") & (PhoneCode.phone == phone)
                                                  & (PhoneCode.reference == reference)), typed, now).id


def proven(reference: str, proof: int, now: datetime) -> Application | None:
    """The application `proof` opens, while fresh; None for any other reference."""
    code_row = PhoneCode.get_or_none((PhoneCode.id == proof) & (PhoneCode.purpose == "appstat")
                                     & (PhoneCode.reference == reference) & PhoneCode.used_at.is_null(False))
    if code_row is None or code_row.used_at < to_utc(now) - timedelta(minutes=PROOF_MINUTES):
        return None
    return Application.get_or_none((Application.reference == reference) & (Application.phone == code_row.phone)
                                   & Application.status.in_((*LIVE, *DECIDED)))


def document_of(application: Application, document_id: int) -> ApplicationDocument:
    """One of this application's files; not_found for a file of any other application."""
    found = ApplicationDocument.get_or_none((ApplicationDocument.id == document_id)
                                            & (ApplicationDocument.application == application.id))
    if found is None:
        raise DomainError("not_found")
    return found


def send_missing(application: Application, now: datetime) -> None:
    """The asked-for document is attached: back to the agency's queue."""
    if application.status != "missing_document" or not any(d.kind == application.missing
                                                           for d in documents(application)):
        raise DomainError("incomplete")
    with write_transaction():
        Application.update(status="received", missing=None, reason=None, updated_at=to_utc(now)).where(
            (Application.id == application.id) & (Application.status == "missing_document")).execute()
    application.status = "received"


def proven_sent(reference: str) -> Application | None:
    """A sent application (for the confirmation page of the browser that sent it)."""
    return Application.get_or_none((Application.reference == reference)
                                   & Application.status.in_((*LIVE, *DECIDED)))
