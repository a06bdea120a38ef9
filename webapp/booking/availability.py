"""Which days an agency opens and which slots still have seats, in Africa/Algiers time."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import peewee as pw

from ..algeria import public_holidays
from ..clock import ALGIERS, to_utc
from ..models import AgencySettings, Appointment, Closure, DisabledTask, HolidayOverride, OpeningHours

DEFAULT_HOURS = {d: (time(8), time(16)) for d in (6, 0, 1, 2, 3)}  # Sunday to Thursday


@dataclass
class Rules:
    """Everything that decides an agency's slots."""

    code: str
    slot_minutes: int = 15
    desks: int = 2
    horizon_days: int = 30
    min_notice_minutes: int = 120
    hours: dict[int, tuple[time, time]] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    closures: list[tuple[date, date, str]] = field(default_factory=list)
    open_holidays: set[date] = field(default_factory=set)


@dataclass
class Slot:
    start: datetime  # aware, Africa/Algiers
    remaining: int


def load_rules(code: str) -> Rules | None:
    """The agency's rules from the database, or None when it takes no bookings."""
    settings = AgencySettings.get_or_none(AgencySettings.code == code)
    if settings is None:
        return None
    hours = {
        row.weekday: (time.fromisoformat(row.opens), time.fromisoformat(row.closes))
        for row in OpeningHours.select().where(OpeningHours.agency == code)
    }
    return Rules(
        code=code, slot_minutes=settings.slot_minutes, desks=settings.desks,
        horizon_days=settings.horizon_days, min_notice_minutes=settings.min_notice_minutes,
        hours=hours or dict(DEFAULT_HOURS),
        closures=[(c.first_day, c.last_day, c.reason)
                  for c in Closure.select().where(Closure.agency == code)],
        open_holidays={o.day for o in HolidayOverride.select().where(HolidayOverride.agency == code)},
    )


def agencies_not_booking(service_id: str, task_id: str) -> set[str]:
    """The agencies that take no appointments for this procedure (set by their supervisor)."""
    query = DisabledTask.select(DisabledTask.agency).where(
        (DisabledTask.service_id == service_id) & (DisabledTask.task_id == task_id))
    return {row.agency for row in query}


def closed_reason(rules: Rules, day: date, now: datetime) -> str | None:
    """Why nobody can book this day ("past", "too_far", "holiday", "closure", "closed"), or None."""
    today = now.astimezone(ALGIERS).date()
    if day < today:
        return "past"
    if day > today + timedelta(days=rules.horizon_days):
        return "too_far"
    if day in public_holidays(day.year) and day not in rules.open_holidays:
        return "holiday"
    if any(first <= day <= last for first, last, _ in rules.closures):
        return "closure"
    if day.weekday() not in rules.hours:
        return "closed"
    return None


def slot_starts(rules: Rules, day: date) -> list[datetime]:
    """Every slot start of the day (aware, Algiers), whether free or not."""
    opens, closes = rules.hours[day.weekday()]
    start = datetime.combine(day, opens, ALGIERS)
    end = datetime.combine(day, closes, ALGIERS)
    step = timedelta(minutes=rules.slot_minutes)
    starts = []
    while start + step <= end:
        starts.append(start)
        start += step
    return starts


def taken_seats(code: str, first: datetime, last: datetime, now: datetime) -> dict[datetime, int]:
    """Seats taken per slot start (stored UTC) between two moments, in one query (a hold whose
    time ran out is free, though not yet released)."""
    lapsed = (Appointment.status == "held") & (Appointment.hold_until <= to_utc(now))
    query = (
        Appointment.select(Appointment.starts_at, pw.fn.COUNT(Appointment.id).alias("n"))
        .where((Appointment.agency == code) & Appointment.seat.is_null(False) & ~lapsed
               & Appointment.starts_at.between(to_utc(first), to_utc(last)))
        .group_by(Appointment.starts_at)
    )
    return {row.starts_at: row.n for row in query}


def day_slots(rules: Rules, day: date, now: datetime) -> list[Slot]:
    """Slots of a bookable day that start after the minimum notice, with their free seats."""
    if closed_reason(rules, day, now):
        return []
    earliest = now + timedelta(minutes=rules.min_notice_minutes)
    starts = [s for s in slot_starts(rules, day) if s >= earliest]
    if not starts:
        return []
    taken = taken_seats(rules.code, starts[0], starts[-1], now)
    return [Slot(s, max(rules.desks - taken.get(to_utc(s), 0), 0)) for s in starts]


def open_days(rules: Rules, now: datetime, start: date | None = None, limit: int = 6) -> list[tuple[date, int]]:
    """The next days (from `start`) that still have a free seat, with the free seats of each."""
    today = now.astimezone(ALGIERS).date()
    day, found = max(start or today, today), []
    while len(found) < limit and day <= today + timedelta(days=rules.horizon_days):
        free = sum(slot.remaining for slot in day_slots(rules, day, now))
        if free:
            found.append((day, free))
        day += timedelta(days=1)
    return found


def is_slot(rules: Rules, start: datetime, now: datetime) -> str | None:
    """Why `start` is not a bookable slot ("past", "too_soon", "not_a_slot", ...), or None."""
    start = start.astimezone(ALGIERS)
    reason = closed_reason(rules, start.date(), now)
    if reason:
        return reason
    if start not in slot_starts(rules, start.date()):
        return "not_a_slot"
    if start < now + timedelta(minutes=rules.min_notice_minutes):
        return "too_soon"
    return None
