"""Turning a structured deadline and the date of its event into a calendar date."""

import calendar
import math
from datetime import date, timedelta

from ..algeria import is_working_day
from ..digits import ascii_digits


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def limit_date(deadline: dict, event: date) -> date:
    """The last day (kind "max") or the first day (kind "min") the deadline allows."""
    amount, unit = deadline["amount"], deadline["unit"]
    if unit == "hours":
        return event + timedelta(days=math.ceil(amount / 24))
    if unit == "days":
        return event + timedelta(days=amount)
    if unit == "months":
        return add_months(event, amount)
    if unit == "years":
        return add_months(event, 12 * amount)
    day, left = event, amount
    while left:
        day += timedelta(days=1)
        left -= is_working_day(day)
    return day


def by_event(task: dict) -> dict[str, list[dict]]:
    """The task's deadlines grouped by the event they run from, in order of appearance."""
    groups: dict[str, list[dict]] = {}
    for deadline in task["deadlines"]:
        groups.setdefault(deadline["event"], []).append(deadline)
    return groups


def parse_date(value: str) -> date | None:
    """A date typed as 2026-03-10 (date pickers) or 10/03/2026 (by hand); None if invalid."""
    value = ascii_digits(value.strip())
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            parsed = date(year, month, day)
        else:
            parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if 1900 <= parsed.year <= 2100 else None


def evaluate(task: dict, args, today: date) -> dict[str, dict]:
    """For each event of the task: the typed value, whether it is invalid, and the dates, each
    with how many days ago a last day passed (None while it has not; for "not before" dates,
    whether that day has come)."""
    results = {}
    for event, deadlines in by_event(task).items():
        value = args.get(f"date-{event}", "")[:20]
        day = parse_date(value) if value else None
        rows = []
        for deadline in deadlines if day else ():
            limit = limit_date(deadline, day)
            rows.append((deadline, limit, (today - limit).days if limit < today else None))
        results[event] = {"value": value, "error": bool(value) and day is None, "rows": rows}
    return results
