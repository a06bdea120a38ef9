"""The demo inbox (demo mode only, WEBAPP_DEMO=1): every SMS and e-mail the app "sent", for
people trying the app and for Playwright suites that read codes and reminders."""

from datetime import datetime

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _

from .. import clock
from ..booking import schemas
from ..notify import outbox
from ..security import csrf
from .shared import no_store

bp = Blueprint("demo", __name__)


def _recipient() -> str | None:
    """?to= as a phone number (any common spelling) or an e-mail address."""
    typed = request.args.get("to", "").strip()[:254]
    if not typed:
        return None
    return typed if "@" in typed else (schemas.normalize_phone(typed) or typed)


@bp.get("/demo/inbox")
def inbox():
    """The demo inbox, newest first; ?to= shows one phone's or address's messages."""
    recipient = _recipient()
    return no_store(render_template("demo/inbox.html", messages=outbox.inbox(recipient), recipient=recipient))


@bp.get("/api/v1/demo/messages")
def messages():
    """The demo inbox as JSON, newest first: to, channel, kind, language, subject, body, status, created."""
    return no_store(jsonify(outbox.inbox(_recipient())))


@bp.route("/api/v1/demo/clock", methods=["GET", "PUT", "DELETE"])
@csrf.exempt  # a tester's script, like the API: no cookie authenticates it
def demo_clock():
    """The demo's clock, shared by every process of this instance: GET it; PUT {"now":
    "2026-12-01T11:05"} (Africa/Algiers unless an offset is given) to move it, e.g. past an
    offer's deadline; DELETE to go back to WEBAPP_NOW (or the real time). The worker sees it
    on its next pass."""
    if request.method == "PUT":
        body = request.get_json(silent=True)
        try:
            moment = datetime.fromisoformat(body["now"])
        except (TypeError, KeyError, ValueError):
            message = _("Send a JSON object such as %(example)s.", example='{"now": "2026-12-01T11:05"}')
            return no_store(jsonify({"error": {"code": "validation", "message": message}})), 422
        clock.set_demo_clock(moment if moment.tzinfo else moment.replace(tzinfo=clock.ALGIERS))
    elif request.method == "DELETE":
        clock.set_demo_clock(None)
    return no_store(jsonify({"now": clock.now().isoformat(), "set": clock.demo_clock() is not None}))
