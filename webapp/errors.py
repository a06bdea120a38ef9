"""Error pages in the reader's language; no stack trace ever reaches a user."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .problems import DomainError
from .views.messages import domain_message

API_MESSAGES = {
    400: _l("The request could not be understood."),
    404: _l("Nothing here."),
    405: _l("This method is not allowed here."),
    413: _l("The request is too large."),
    415: _l("Send a JSON object with Content-Type: application/json."),
    429: _l("Too many requests. Wait a few minutes, then try again."),
    500: _l("An error on our side. Please try again in a moment."),
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
        return render_template("errors/error.html", code=exc.status, message=message), exc.status

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError()), 500


def _render(exc):
    template = "errors/404.html" if exc.code == 404 else "errors/error.html"
    if request.path.startswith("/api/"):
        return {"error": {"code": str(exc.code), "message": str(API_MESSAGES.get(exc.code, exc.name))}}
    return render_template(template, code=exc.code)
