"""Resumable uploads: a phone on a bad connection sends a file in chunks under an id, and after
a cut asks how much arrived and goes on from there (a cut at 90 % does not restart at 0).

begin → an id; chunk(offset, bytes) → bytes received so far (a chunk sent twice is stored
once; a chunk at the wrong offset changes nothing and says where to go on); the last chunk
makes the file a document, checked like any upload (files.check). Replaying the last chunk
answers the same document: the upload is idempotent.
"""

import secrets
from datetime import datetime

from ..clock import to_utc
from ..db import write_transaction
from ..models import Application, ApplicationDocument, ApplicationUpload
from ..problems import DomainError
from . import cases, files

CHUNK = 256 * 1024  # what one request may carry


def begin(catalog, application: Application, kind: str, size: int, store, now: datetime) -> ApplicationUpload:
    """Open an upload of `size` bytes for document `kind` of a draft."""
    if application.status != "draft" or kind not in {u["id"] for u in cases.uploads(catalog, application)}:
        raise DomainError("not_found")
    if not 0 < size <= files.MAX_BYTES:
        raise DomainError("upload_too_big" if size > 0 else "upload_empty")
    with write_transaction():
        return ApplicationUpload.create(token=secrets.token_hex(16), application=application.id, kind=kind, size=size,
                                        stored_name=store.start(), created_at=to_utc(now))


def find(application: Application, token: str) -> ApplicationUpload:
    """An upload of this draft by its id (not_found for any other)."""
    found = ApplicationUpload.get_or_none((ApplicationUpload.token == token)
                                          & (ApplicationUpload.application == application.id))
    if found is None:
        raise DomainError("not_found")
    return found


def chunk(catalog, application: Application, upload: ApplicationUpload, offset: int, data: bytes, store,
          now: datetime) -> ApplicationDocument | None:
    """Store one chunk; the document once the file is complete (and checked), else None.
    DomainError wrong_offset (with received) when the chunk does not go where the file ends,
    upload_<code> when the complete file is refused (the upload is then dropped)."""
    if upload.document:
        return ApplicationDocument.get_by_id(upload.document)  # a replay of the last chunk
    if len(data) > CHUNK or offset + len(data) > upload.size:
        raise DomainError("upload_too_big")
    received = store.append(upload.stored_name, offset, data)
    with write_transaction():
        ApplicationUpload.update(received=received).where(ApplicationUpload.id == upload.id).execute()
    upload.received = received
    if received != offset + len(data) and received < upload.size:
        raise DomainError("wrong_offset", received=received)
    if received < upload.size:
        return None
    whole = store.get(upload.stored_name)
    try:
        document = cases.add_document(catalog, application, upload.kind, whole, store, now)
    except DomainError:
        drop(upload, store)
        raise
    with write_transaction():
        ApplicationUpload.update(document=document.id).where(ApplicationUpload.id == upload.id).execute()
    store.delete(upload.stored_name)
    upload.document = document.id
    return document


def drop(upload: ApplicationUpload, store) -> None:
    """Forget an upload and its bytes."""
    with write_transaction():
        ApplicationUpload.delete().where(ApplicationUpload.id == upload.id).execute()
    store.delete(upload.stored_name)
