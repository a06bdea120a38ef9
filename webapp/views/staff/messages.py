"""The outbox page for administrators, resending a failed message, and one appointment's
messages for the staff of its agency."""

from flask import abort, g, redirect, render_template, request, url_for

from ... import clock
from ...staffing import desk
from ...staffing import messages as staff_messages
from ..messages import CHANNEL_LABELS, MESSAGE_KIND_LABELS, MESSAGE_STATUS_LABELS
from ..shared import catalog, record_id
from .base import bp, staff_required

LABELS = {"kind": MESSAGE_KIND_LABELS, "status": MESSAGE_STATUS_LABELS, "channel": CHANNEL_LABELS}
NOTICES = ("resent", "not_failed")


def label(group: str, code: str) -> str:
    """The translated name of a message's kind, status or channel (the code if unknown)."""
    return str(LABELS[group].get(code, code))


@bp.get("/messages")
@staff_required("admin")
def messages():
    """Today's messages by status and channel, and the failed ones, each with a Resend button."""
    notice = request.args.get("notice")
    return render_template("staff/messages.html", overview=staff_messages.overview(clock.now()),
                           statuses=staff_messages.STATUSES, channels=staff_messages.CHANNELS, label=label,
                           notice=notice if notice in NOTICES else None)


@bp.post("/messages/<message_id>/resend")
@staff_required("admin")
def resend_message(message_id):
    """Queue a failed message again; any other message is left as it is, and the page says so."""
    resent = staff_messages.resend(record_id(message_id), g.staff.username, clock.now())
    return redirect(url_for(".messages", notice="resent" if resent else "not_failed"), 303)


@bp.get("/<agency>/appointments/<appointment_id>")
@staff_required()
def appointment(agency, appointment_id):
    """One appointment of the agency, how often its phone missed a visit, and the messages sent
    to the person about it."""
    found = staff_messages.appointment(agency, record_id(appointment_id))
    if found is None:
        abort(404)
    visit, lines = found
    _, task = catalog().task(visit.service_id, visit.task_id)
    return render_template("staff/appointment.html", agency=agency, agency_info=catalog().agency(agency),
                           visit=visit, task=task, lines=lines, label=label,
                           no_shows=desk.missed_before(agency, visit.id))
