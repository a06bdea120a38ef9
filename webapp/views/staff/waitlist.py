"""The agency's waiting list: who waits for which procedure, on which days, and how many seats
were re-booked from it."""

from flask import render_template, request

from ...booking import codes, waitlist
from ..shared import catalog
from .agenda import valid_day
from .base import bp, staff_required


@bp.get("/<agency>/waitlist")
@staff_required()
def waitlist_page(agency):
    """Live entries by procedure in line order; ?date= keeps those whose days include it."""
    day = valid_day(request.args.get("date"))
    entries = waitlist.waiting(agency)
    if day:
        entries = [e for e in entries if e.first_day <= day <= e.last_day]
    groups: dict[tuple[str, str], list] = {}
    for entry in entries:
        groups.setdefault((entry.service_id, entry.task_id), []).append(entry)
    titles = {(s["id"], t["id"]): t["title"] for s in catalog().services for t in s["tasks"]}
    offers = {e.id: waitlist.live_offer(e) for e in entries if e.status == "offered"}
    return render_template("staff/waitlist.html", agency=agency, agency_info=catalog().agency(agency), day=day,
                           groups=groups, titles=titles, offers=offers, display=codes.display,
                           rebooked=waitlist.rebooked(agency), total=len(entries))
