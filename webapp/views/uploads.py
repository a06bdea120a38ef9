"""What the applicants' and the staff's application pages share (views never import each
other): the storage, reading an uploaded file within its limit, showing a stored file safely."""

from flask import abort, current_app, make_response, render_template, request

from ..applications import files, storage
from ..problems import DomainError
from .shared import retry_after

UPLOAD_LIMIT = files.MAX_BYTES + 256 * 1024  # the file and the form around it
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def upload_requests(app, endpoints: set[str]) -> None:
    """Let requests to `endpoints` (and to them only) carry UPLOAD_LIMIT instead of the app's
    64 kB: decided as soon as the URL is matched, since the guard and the CSRF check read the
    form before any view runs. A larger request is a 413, which each blueprint answers with its own page."""
    base = app.request_class

    class UploadRequest(base):
        @property
        def max_content_length(self):
            return UPLOAD_LIMIT if self.endpoint in endpoints else base.max_content_length.fget(self)

    app.request_class = UploadRequest


def store():
    """The documents' storage (storage.py), as the settings say."""
    return storage.store_for(current_app.config)


def page(template: str, problem: DomainError | None = None, status: int = 200, **context):
    """A page of the flow; a refusal sets its status (and Retry-After for a limit)."""
    code = problem.status if problem else status
    return retry_after(make_response(render_template(template, problem=problem, **context), code), problem)


def uploaded_file() -> bytes | None:
    """The bytes of the form's "file", or None when none was chosen (an upload route's form
    may be UPLOAD_LIMIT long: see upload_requests)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    try:
        return upload.stream.read(files.MAX_BYTES + 1)
    finally:
        upload.close()


def document_response(document, store):
    """A stored file, for the browser to show and never to run: its own type, inline,
    no sniffing, and a sandbox with nothing allowed."""
    try:
        data = store.get(document.stored_name)
    except KeyError:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = document.content_type
    extension = "pdf" if document.content_type == "application/pdf" else "jpg"
    response.headers["Content-Disposition"] = f'inline; filename="document-{document.id}.{extension}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX
    response.headers["Cache-Control"] = "no-store"
    return response
