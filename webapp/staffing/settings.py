"""Agency settings a supervisor may change, and the appointments a change would affect."""

from dataclasses import dataclass
from datetime import date, datetime, time

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..booking import appointments, availability
from ..clock import from_utc, to_utc
from ..db import write_transaction
from ..models import (
    AgencySettings,
    Appointment,
    Closure,
    DisabledTask,
    HolidayOverride,
    OpeningHours,
)
from ..notify import outbox
from ..problems import DomainError
from . import audit

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="time")
WEEKDAYS = (6, 0, 1, 2, 3, 4, 5)  # shown Sunday first, as in Algeria


class DayHours(Schema):
    open = fields.Boolean(load_default=False)
    opens = fields.String(load_default="08:00", validate=HHMM)
    closes = fields.String(load_default="16:00", validate=HHMM)

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("open") and data["opens"] >= data["closes"]:
            raise ValidationError("order", "closes")


class AgencyForm(Schema):
    slot_minutes = fields.Integer(required=True, validate=validate.OneOf((10, 15, 20, 30, 45, 60), error="slot"))
    desks = fields.Integer(required=True, validate=validate.Range(min=1, max=50, error="desks"))
    horizon_days = fields.Integer(required=True, validate=validate.Range(min=1, max=180, error="horizon"))
    min_notice_minutes = fields.Integer(required=True, validate=validate.Range(min=0, max=2880, error="notice"))
    hours = fields.Dict(keys=fields.Integer(validate=validate.Range(min=0, max=6)), values=fields.Nested(DayHours))


class ClosureForm(Schema):
    first_day = fields.Date(required=True, error_messages={"required": "required", "invalid": "date"})
    last_day = fields.Date(required=True, error_messages={"required": "required", "invalid": "date"})
    reason = fields.String(required=True, validate=validate.Length(min=3, max=200, error="reason"))

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("first_day") and data.get("last_day") and data["first_day"] > data["last_day"]:
            raise ValidationError("order", "last_day")


class HolidayForm(Schema):
    day = fields.Date(required=True, error_messages={"required": "required", "invalid": "date"})


@dataclass
class Setup:
    """What the settings page shows of an agency."""

    rules: availability.Rules
    closures: list[Closure]
    overrides: list[HolidayOverride]
    disabled: set[tuple[str, str]]


def parse_form(form) -> dict:
    """The settings form (flat HTML fields) as AgencyForm input."""
    hours = {d: {"open": form.get(f"open-{d}") == "on", "opens": form.get(f"opens-{d}", "08:00"),
                 "closes": form.get(f"closes-{d}", "16:00")} for d in range(7)}
    return {k: form.get(k) for k in ("slot_minutes", "desks", "horizon_days", "min_notice_minutes")} | {"hours": hours}


DEFAULTS = {"slot_minutes": 15, "desks": 2, "horizon_days": 30, "min_notice_minutes": 120}


def open_agencies(catalog, now: datetime) -> list[str]:
    """Give every agency of the content that takes appointments, and has no settings yet, the
    default ones (opening hours Sunday to Thursday 08:00-16:00, 15-minute slots, two desks):
    a fresh install books everywhere at once, and an agency added to the content later at the
    next start. Settings a supervisor changed are never touched. Returns the codes opened."""
    with write_transaction():
        have = {row.code for row in AgencySettings.select(AgencySettings.code)}
        missing = [a["code"] for a in catalog.agencies if a["bookable"] and a["code"] not in have]
        if missing:
            AgencySettings.insert_many([{"code": code, **DEFAULTS, "updated_at": to_utc(now)} for code in missing]
                                       ).on_conflict_ignore().execute()
    return missing


def _rules(code: str) -> availability.Rules:
    rules = availability.load_rules(code)
    if rules is None:
        raise DomainError("unknown_agency")
    return rules


def overview(code: str) -> Setup:
    """The agency's rules, closures, holiday openings and procedures it does not book."""
    return Setup(
        rules=_rules(code),
        closures=list(Closure.select().where(Closure.agency == code).order_by(Closure.first_day)),
        overrides=list(HolidayOverride.select().where(HolidayOverride.agency == code).order_by(HolidayOverride.day)),
        disabled=_disabled(code),
    )


def _disabled(code: str) -> set[tuple[str, str]]:
    return {(d.service_id, d.task_id) for d in DisabledTask.select().where(DisabledTask.agency == code)}


def rules_from(code: str, data: dict) -> availability.Rules:
    current = _rules(code)
    current.slot_minutes, current.desks = data["slot_minutes"], data["desks"]
    current.horizon_days, current.min_notice_minutes = data["horizon_days"], data["min_notice_minutes"]
    current.hours = {d: (time.fromisoformat(h["opens"]), time.fromisoformat(h["closes"]))
                     for d, h in data["hours"].items() if h["open"]}
    return current


def future(code: str, now: datetime) -> list[Appointment]:
    """The agency's visits still to come."""
    query = (Appointment.select()
             .where((Appointment.agency == code) & Appointment.status.in_(("booked", "arrived"))
                    & (Appointment.starts_at >= to_utc(now)))
             .order_by(Appointment.starts_at))
    return list(query)


def affected_by_rules(code: str, rules: availability.Rules, now: datetime) -> list[Appointment]:
    """Upcoming appointments the new rules would no longer hold (day closed, time gone, seat)."""
    hit = []
    for appointment in future(code, now):
        start = from_utc(appointment.starts_at)
        fits = (start.weekday() in rules.hours and start in availability.slot_starts(rules, start.date())
                and (appointment.seat or 0) < rules.desks)
        if not fits:
            hit.append(appointment)
    return hit


def affected_by_closure(code: str, first: date, last: date, now: datetime) -> list[Appointment]:
    return [a for a in future(code, now) if first <= from_utc(a.starts_at).date() <= last]


def change(catalog, code: str, data: dict, not_bookable: set[tuple[str, str]], confirmed: bool,
           staff: str, now: datetime) -> int:
    """Store new hours, slots, desks, horizon, notice and the procedures not booked here. The
    upcoming visits that no longer fit are flagged; unless `confirmed`, DomainError("confirm",
    affected=[...]) lists them first and nothing changes. Returns how many were flagged."""
    not_bookable = {pair for pair in not_bookable if (catalog.task(*pair)[1] or {}).get("bookable")}
    with write_transaction():
        affected = affected_by_rules(code, rules_from(code, data), now)
        if affected and not confirmed:
            raise DomainError("confirm", affected=affected)
        (AgencySettings.update(slot_minutes=data["slot_minutes"], desks=data["desks"],
                               horizon_days=data["horizon_days"], min_notice_minutes=data["min_notice_minutes"],
                               updated_at=to_utc(now))
         .where(AgencySettings.code == code).execute())
        OpeningHours.delete().where(OpeningHours.agency == code).execute()
        for day, hours in data["hours"].items():
            if hours["open"]:
                OpeningHours.create(agency=code, weekday=day, opens=hours["opens"], closes=hours["closes"])
        _flag(affected, "agency hours or desks changed", now)
        audit.record(staff, code, "settings", f"agency:{code}", now,
                     f"desks {data['desks']}, slot {data['slot_minutes']} min, horizon {data['horizon_days']} d, "
                     f"notice {data['min_notice_minutes']} min; {len(affected)} appointment(s) flagged")
        if not_bookable != _disabled(code):
            DisabledTask.delete().where(DisabledTask.agency == code).execute()
            for service_id, task_id in sorted(not_bookable):
                DisabledTask.create(agency=code, service_id=service_id, task_id=task_id)
            audit.record(staff, code, "bookable_tasks", f"agency:{code}", now, f"{len(not_bookable)} not bookable here")
    appointments.seat_freed(code, now)  # more desks or hours: the waiting list gets the new seats first
    return len(affected)


def close(code: str, data: dict, confirmed: bool, staff: str, now: datetime) -> int:
    """Close the agency from data["first_day"] to data["last_day"]; the visits of those days
    are flagged (unless `confirmed`, DomainError("confirm", affected=[...]) lists them first)."""
    _rules(code)
    with write_transaction():
        affected = affected_by_closure(code, data["first_day"], data["last_day"], now)
        if affected and not confirmed:
            raise DomainError("confirm", affected=affected)
        Closure.create(agency=code, **data)
        _flag(affected, f"closure: {data['reason']}", now)
        audit.record(staff, code, "closure_add", f"agency:{code}", now,
                     f"{data['first_day']}..{data['last_day']}: {data['reason']}; {len(affected)} flagged")
    return len(affected)


def reopen(code: str, closure_id: int, staff: str, now: datetime) -> None:
    """Remove one of the agency's closures."""
    with write_transaction():
        if not Closure.delete().where((Closure.id == closure_id) & (Closure.agency == code)).execute():
            raise DomainError("unknown_closure")
        audit.record(staff, code, "closure_remove", f"closure:{closure_id}", now)
    appointments.seat_freed(code, now)


def open_on_holiday(code: str, day: date, staff: str, now: datetime) -> None:
    """Let people book on a public holiday at this agency."""
    _rules(code)
    with write_transaction():
        HolidayOverride.get_or_create(agency=code, day=day)
        audit.record(staff, code, "holiday_open", f"agency:{code}", now, str(day))
    appointments.seat_freed(code, now)


def _flag(visits: list[Appointment], reason: str, now: datetime) -> None:
    """Mark the visits a change affects, and queue the message that tells each person."""
    if visits:
        Appointment.update(flag=reason[:200]).where(Appointment.id.in_([a.id for a in visits])).execute()
    for appointment in visits:
        outbox.about("affected", appointment, now, key=f"{reason[:40]}")
