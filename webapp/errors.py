"""Error pages in the reader's language; no stack trace ever reaches a user."""

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def init_app(app) -> None:
    """Render every HTTP error, and any unexpected exception, as a page or JSON."""

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return _render(exc), exc.code

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(exc), 400

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError()), 500


def _render(exc):
    template = "errors/404.html" if exc.code == 404 else "errors/error.html"
    if request.path.startswith("/api/"):
        return {"error": {"code": exc.code, "message": exc.name}}
    return render_template(template, code=exc.code)
