"""The demo inbox (demo mode only, WEBAPP_DEMO=1): every SMS and e-mail the app "sent", for
people trying the app and for Playwright suites that read codes and reminders."""

from flask import Blueprint, jsonify, render_template, request

from ..booking import schemas
from ..notify import outbox
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
