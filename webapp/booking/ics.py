"""An appointment as an iCalendar (.ics) file with its Africa/Algiers time zone."""

from datetime import timedelta

import icalendar

from ..catalog import checklist
from ..clock import from_utc
from .appointments import answers_of


def appointment_ics(context: dict, lang: str, minutes: int = 15) -> bytes:
    """One VEVENT with the task, the agency's address, the documents that apply to the answers
    given when booking, and a reminder the day before."""
    appointment, agency, task = context["appointment"], context["agency"], context["task"]
    groups = checklist.narrow(task, answers_of(appointment, task)) if task else []
    start = context["start"]
    cal = icalendar.Calendar()
    cal.add("prodid", "-//CNAS//appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{appointment.reference}@appointments.cnas.dz")
    event.add("dtstamp", from_utc(appointment.created_at))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", f"CNAS: {task['title'][lang]} ({context['display']})")
    event.add("location", f"{agency['name'][lang]}, {agency['address'][lang]}")
    event.add("description", "\n".join(
        [context["display"]] + [d["text"][lang] for g in groups for d in g["documents"]]
    ))
    if appointment.status == "cancelled":
        event.add("status", "CANCELLED")
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task["title"][lang])
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
