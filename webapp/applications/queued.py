"""An application filled in on a phone without network and sent later by its outbox: the whole
application in one request, then its files in resumable chunks, then the SMS code.

The phone's Idempotency-Key names it (only its hash is kept): the same request sent twice, or
by the page and the service worker at once, makes one application, and the key is what lets
that phone go on with it (upload its files, ask for the code, confirm). Nothing else does:
the reference alone opens no draft.
"""

import hashlib
from datetime import datetime

import peewee as pw

from ..catalog import applications as content
from ..db import write_transaction
from ..models import Application, ApplicationUpload
from ..problems import DomainError
from . import cases, files, resumable


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def find(key: str) -> Application:
    """The application a phone's key made; not_found for any other key."""
    found = Application.get_or_none(Application.client_key == key_hash(key)) if key else None
    if found is None:
        raise DomainError("not_found")
    return found


def uploads_of(application: Application) -> list[ApplicationUpload]:
    return list(ApplicationUpload.select().where(ApplicationUpload.application == application.id)
                .order_by(ApplicationUpload.id))


def _check(catalog, task: dict, answers: dict, agency: str, documents: list[dict]) -> dict[str, str]:
    """Every answer, the agency and the files announced, checked before anything is kept:
    {field: error code} (empty when all is well)."""
    errors = {}
    for question in content.questions(task):
        given = answers.get(question["id"], "")
        if content.valid_answer(question, given) is None:
            errors[f"answers.{question['id']}"] = "answer_required" if not str(given).strip() else "answer_invalid"
    if agency not in {a["code"] for a in cases.agencies(catalog)}:
        errors["agency"] = "unknown_agency"
    wanted = {u["id"]: u for u in content.uploads(task, answers)}
    kinds = [d["kind"] for d in documents]
    for kind in dict.fromkeys(kinds):
        if kind not in wanted:
            errors[f"documents.{kind}"] = "not_found"
        elif kinds.count(kind) > wanted[kind]["max_files"]:
            errors[f"documents.{kind}"] = "too_many_files"
    for kind, upload in wanted.items():
        if upload["required"] and kind not in kinds:
            errors[f"documents.{kind}"] = "incomplete"
    if len(documents) > cases.MAX_FILES:
        errors["documents"] = "too_many_files"
    for document in documents:
        if not 0 < document["size"] <= files.MAX_BYTES:
            errors[f"documents.{document['kind']}"] = "upload_too_big" if document["size"] > 0 else "upload_empty"
    return errors


def submit(catalog, key: str, service_id: str, task_id: str, lang: str, answers: dict[str, str], agency: str,
           documents: list[dict], store, address: str | None, now: datetime) -> tuple[Application, bool]:
    """The application and its uploads (one per announced file, in order), made once per key:
    (application, made now). DomainError invalid (fields: {field: code}), unknown_task,
    rate_limited."""
    try:
        return find(key), False
    except DomainError:
        pass
    _service, task = cases.online_task(catalog, service_id, task_id)
    answers = {q["id"]: content.valid_answer(q, answers.get(q["id"], "")) for q in content.questions(task)}
    errors = _check(catalog, task, {k: v for k, v in answers.items() if v}, agency, documents)
    if errors:
        raise DomainError("invalid", fields=errors)
    try:
        with write_transaction():  # all of it or nothing: a second sender finds it whole
            application = cases.start(catalog, service_id, task_id, lang, address, now)
            Application.update(client_key=key_hash(key)).where(Application.id == application.id).execute()
            for question_id, value in answers.items():
                cases.answer(catalog, application, question_id, value, now)
            cases.choose_agency(catalog, application, agency, now)
            for document in documents:
                resumable.begin(catalog, application, document["kind"], document["size"], store, now)
    except pw.IntegrityError:  # the same request, sent at the same moment by the page and the worker
        return find(key), False
    return application, True


def upload(application: Application, token: str) -> ApplicationUpload:
    return resumable.find(application, token)


def ask_code(catalog, application: Application, phone: str, address: str | None, now: datetime) -> None:
    """Every file arrived: the SMS code that confirms the phone (again on a second call; the
    previous code stops working). incomplete while a file is missing."""
    if application.status != "draft":
        return  # confirmed already: nothing to send
    if any(u.document is None for u in uploads_of(application)):
        raise DomainError("incomplete")
    cases.send(catalog, application, phone, address, now)
