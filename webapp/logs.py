"""One log line a request, with a request id (JSON when LOG_FORMAT=json); never a name, a
phone number or a query string: paths only, and the ids people cannot be found by."""

import json
import logging
import re
import sys
import time
import uuid

from flask import g, request
from flask.logging import default_handler

ACCESS = logging.getLogger("webapp.access")
INCOMING_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")  # nginx's $request_id, or a client's own


class RequestIdFilter(logging.Filter):
    """Add the current request's id to every record logged while it is handled."""

    def filter(self, record):
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request
            record.request_id = "-"
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record):
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                "logger": record.name, "request_id": getattr(record, "request_id", "-"),
                "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


HANDLER_NAME = "webapp-log"


def init_app(app) -> None:
    """Log every request once, and the app's errors, to stderr in the configured format."""
    configure(app)
    app.before_request(_start)
    app.after_request(_finish)


def configure(app) -> None:
    """Send the access and error logs to stderr in the app's LOG_FORMAT."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestIdFilter())
    for logger in (ACCESS, app.logger):  # both are process-wide: the last app built sets them
        for old in [h for h in logger.handlers if h.get_name() == HANDLER_NAME or h is default_handler]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    ACCESS.propagate = False
    # peewee logs each query with its parameters at DEBUG: names, phone numbers, SMS codes.
    # They must never reach a log, whatever level an operator turns on.
    logging.getLogger("peewee").setLevel(logging.INFO)


def _start() -> None:
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    fields = {"method": request.method, "path": request.path, "status": response.status_code,
              "bytes": response.calculate_content_length() or 0,
              "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
              "client": request.remote_addr}
    ACCESS.info("%s %s %s %sB %sms %s", *fields.values(), extra={"fields": fields})
    return response
