"""Error pages in the reader's language; no stack trace ever reaches a user."""

from flask import current_app, make_response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .applications.storage import StorageUnavailable
from .db import UNAVAILABLE
from .i18n import LANGUAGES, current
from .problems import DomainError
from .views.messages import domain_message

RETRY_AFTER = 30  # seconds

API_MESSAGES = {
    400: _l("The request could not be understood."),
    404: _l("Nothing here."),
    405: _l("This method is not allowed here."),
    413: _l("The request is too large."),
    415: _l("Send a JSON object with Content-Type: application/json."),
    429: _l("Too many requests. Wait a few minutes, then try again."),
    500: _l("An error on our side. Please try again in a moment."),
    503: _l("The service is briefly unavailable. Your data is safe: try again in a minute."),
}


def init_app(app) -> None:
    """Render every HTTP error, and any unexpected exception, as a page or JSON."""

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return _render(exc), exc.code

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(exc), 400

    @app.errorhandler(DomainError)
    def refused(exc):
        """A rule said no and the view had nothing more specific to show: one mapping for
        every door, a page with the reason, or the API's error shape."""
        message = domain_message(exc.code)
        if request.path.startswith("/api/"):
            return {"error": {"code": exc.code, "message": message}}, exc.status
        return _page("errors/error.html", exc.status, message=message), exc.status

    def unavailable(exc):
        """The database, or the documents' object store, is down, read-only or full: say so and
        when to retry; nothing half-saved (each use case writes in one transaction, each object
        whole). Catalog pages never get here."""
        what = "document storage" if isinstance(exc, StorageUnavailable) else "database"
        app.logger.error("%s unavailable on %s %s: %s", what, request.method, request.path, exc)
        response = make_response(_render(ServiceUnavailable()), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response

    for error in (*UNAVAILABLE, StorageUnavailable):
        app.register_error_handler(error, unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError()), 500


def _render(exc):
    template = "errors/404.html" if exc.code == 404 else "errors/error.html"
    message = getattr(exc, "user_message", None)  # set by the errors of guard.py
    if request.path.startswith("/api/"):
        code = getattr(exc, "error_code", None) or str(exc.code)
        body = {"code": code, "message": str(message or API_MESSAGES.get(exc.code, exc.name))}
        if getattr(exc, "fields", None):
            body["fields"] = exc.fields
        return {"error": body}
    return _page(template, exc.code, message=message)


def _page(template, code, **context):
    """The error page; if it cannot be rendered (the request itself may be what breaks the
    layout), a plain page in the reader's language still goes out, with the security headers,
    instead of a bare 500 from the server."""
    try:
        return render_template(template, code=code, **context)
    except Exception:  # noqa: BLE001 (an error page must not fail)
        current_app.logger.exception("error page %s failed on %s %s", template, request.method, request.path)
    lang = current()
    title, back = gettext("Something went wrong"), gettext("Back to the services")
    text = context.get("message") or gettext("Error code: %(code)s", code=code)
    return (f'<!doctype html><html lang="{lang}" dir="{LANGUAGES[lang]["dir"]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'</head><body><main><h1>{escape(title)}</h1><p>{escape(text)}</p>'
            f'<p><a href="/{lang}/">{escape(back)}</a></p></main></body></html>')
