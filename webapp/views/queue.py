"""The live page of a place in the lobby queue, /<lang>/q/<token>: light, refreshing itself
without JavaScript, nothing personal. (The SMS of the tickets whose turn comes near is sent
after each staff action that moves the queue: views/staff/agenda.py.)"""

from flask import Blueprint, abort, render_template

from .. import clock
from ..staffing import lobby
from .shared import catalog, no_store

bp = Blueprint("queue", __name__)
REFRESH_SECONDS = 30


@bp.get("/<lang:lang>/q/<token>")
def place(token):
    """Ticket 007 · 3 people before you · about 20 minutes; then the desk to go to; then served."""
    now = clock.now()
    found = lobby.status(token, now)
    if found is None:
        abort(404)
    page = render_template("queue/place.html", status=found, agency=catalog().agency(found.agency), now=now,
                           refresh=REFRESH_SECONDS if found.state in ("waiting", "called") else None)
    return no_store(page)
