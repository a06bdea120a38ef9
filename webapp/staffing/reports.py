"""Reports for one agency or the whole country over a range of days (Algiers dates).

Pure functions over peewee, no Flask: three queries per report (appointments, tickets,
messages) that fetch only the columns needed, aggregated here so the code is the same on
SQLite and PostgreSQL. Nothing personal is read: no name, phone, e-mail, SSN nor reference.

Definitions:
- a day's appointments are those whose slot starts that day; "appointments" counts every
  status except cancelled;
- shown = arrived, called or served; the show rate is shown / (shown + no_show) and the
  no-show rate no_show / (shown + no_show): booked (future or never marked) and cancelled
  appointments are left out of both;
- waiting time, in minutes: arrived_at -> called_at for appointments, issued_at -> called_at
  for walk-in tickets (people served without being called have no waiting time);
- lead time, in days: created_at (when booked) -> starts_at, for appointments not cancelled;
- messages sent on a day: SMS and e-mails now "sent" or "delivered" whose sent_at is that day;
  delivered on a day: those "delivered" whose delivered_at is that day. An agency's report
  counts the messages about its appointments; one-time codes (about no appointment) are only
  in the national figures;
- a reminded visit has a day-before reminder ("reminder") that was sent or delivered; the
  missed-visit rate of reminded and of other visits is no_show / (shown + no_show), as above.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import fmean, median

import peewee as pw

from ..clock import ALGIERS, from_utc, to_utc
from ..models import Appointment, Message, Ticket

STATUSES = ("booked", "arrived", "called", "served", "no_show", "cancelled")
SHOWN = ("arrived", "called", "served")
SENT = ("sent", "delivered")  # messages that left (a delivered one was sent first)
DEFAULT_DAYS = 30
MAX_DAYS = 366


class RangeError(ValueError):
    """A bad date filter: "date" (not a date), "order" (ends before it starts), "too_long"."""


def parse_range(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The [first, last] days asked for (ISO dates); by default the 30 days up to today."""
    try:
        end = date.fromisoformat(last) if last else today
        start = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
    except (ValueError, OverflowError):
        raise RangeError("date") from None
    if start > end:
        raise RangeError("order")
    if (end - start).days + 1 > MAX_DAYS:
        raise RangeError("too_long")
    return start, end


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Stats:
    """How many values, their median and mean (rounded to 0.1), None when there are none."""

    count: int
    median: float | None
    mean: float | None

    @classmethod
    def of(cls, values: list[float]) -> "Stats":
        if not values:
            return cls(0, None, None)
        return cls(len(values), round(median(values), 1), round(fmean(values), 1))


@dataclass
class Counts:
    """Appointments by status, walk-in tickets and waiting times (minutes) of a set of visits."""

    statuses: Counter = field(default_factory=Counter)
    walk_ins: int = 0
    waits: list[float] = field(default_factory=list, repr=False)

    @property
    def appointments(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "cancelled")

    @property
    def shown(self) -> int:
        return sum(self.statuses[s] for s in SHOWN)

    @property
    def no_show(self) -> int:
        return self.statuses["no_show"]

    @property
    def show_rate(self) -> float | None:
        return percent(self.shown, self.shown + self.no_show)

    @property
    def no_show_rate(self) -> float | None:
        return percent(self.no_show, self.shown + self.no_show)

    @property
    def wait(self) -> Stats:
        return Stats.of(self.waits)


@dataclass(kw_only=True)
class Day(Counts):
    day: date
    sent: int = 0  # messages sent that day
    delivered: int = 0  # messages delivered that day


@dataclass(kw_only=True)
class Week(Counts):
    """An ISO week; `monday` may fall before the range (then only its days in range count)."""

    year: int
    week: int
    monday: date


@dataclass(kw_only=True)
class Task(Counts):
    service_id: str
    task_id: str


@dataclass
class Report:
    agency: str | None  # None: every agency (national figures)
    first: date
    last: date
    total: Counts
    days: list[Day]
    weeks: list[Week]
    tasks: list[Task]  # most appointments first
    waiting: dict[str, Stats]  # "appointments", "walk_ins", "all"
    lead_days: Stats
    reminders: dict[str, Counts]  # "reminded", "not_reminded": the visits by status

    @property
    def sent(self) -> int:
        return sum(d.sent for d in self.days)

    @property
    def delivered(self) -> int:
        return sum(d.delivered for d in self.days)


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in stored time (naive UTC) of the Algiers days first..last."""
    start = datetime.combine(first, time(0), ALGIERS)
    end = datetime.combine(last + timedelta(days=1), time(0), ALGIERS)
    return to_utc(start), to_utc(end)


def minutes(begin: datetime | None, end: datetime | None) -> float | None:
    if begin is None or end is None:
        return None
    return (end - begin).total_seconds() / 60


def build(agency: str | None, first: date, last: date) -> Report:
    """The report of an agency (None: national) for the Algiers days first..last."""
    days = {day: Day(day=day) for day in (first + timedelta(days=n) for n in range((last - first).days + 1))}
    weeks: dict[tuple[int, int], Week] = {}
    for day in days:
        year, week, weekday = day.isocalendar()
        weeks.setdefault((year, week), Week(year=year, week=week, monday=day - timedelta(days=weekday - 1)))
    tasks: dict[tuple[str, str], Task] = {}
    total = Counts()
    waits: dict[str, list[float]] = {"appointments": [], "walk_ins": []}
    leads: list[float] = []

    def buckets(day: date, service_id: str, task_id: str) -> tuple[Counts, ...]:
        task = tasks.get((service_id, task_id))
        if task is None:
            task = tasks[(service_id, task_id)] = Task(service_id=service_id, task_id=task_id)
        return total, days[day], weeks[day.isocalendar()[:2]], task

    start, end = utc_bounds(first, last)
    reminders = {"reminded": Counts(), "not_reminded": Counts()}
    appointments = (Appointment.select(Appointment.starts_at, Appointment.status, Appointment.service_id,
                                       Appointment.task_id, Appointment.created_at, Appointment.arrived_at,
                                       Appointment.called_at, reminded())
                    .where((Appointment.starts_at >= start) & (Appointment.starts_at < end)
                           & Appointment.status.not_in(("held", "expired"))))  # confirmed visits only
    if agency:
        appointments = appointments.where(Appointment.agency == agency)
    for row in appointments.tuples().iterator():
        starts_at, status, service_id, task_id, created_at, arrived_at, called_at, was_reminded = row
        reminders["reminded" if was_reminded else "not_reminded"].statuses[status] += 1
        wait = minutes(arrived_at, called_at)
        for bucket in buckets(from_utc(starts_at).date(), service_id, task_id):
            bucket.statuses[status] += 1
            if wait is not None:
                bucket.waits.append(wait)
        if wait is not None:
            waits["appointments"].append(wait)
        if status != "cancelled":
            leads.append((starts_at - created_at).total_seconds() / 86400)

    tickets = (Ticket.select(Ticket.day, Ticket.service_id, Ticket.task_id, Ticket.issued_at,
                             Ticket.called_at)
               .where((Ticket.day >= first) & (Ticket.day <= last)))
    if agency:
        tickets = tickets.where(Ticket.agency == agency)
    for day, service_id, task_id, issued_at, called_at in tickets.tuples().iterator():
        wait = minutes(issued_at, called_at)
        for bucket in buckets(day, service_id, task_id):
            bucket.walk_ins += 1
            if wait is not None:
                bucket.waits.append(wait)
        if wait is not None:
            waits["walk_ins"].append(wait)

    for sent_at, delivered_at in messages(agency, start, end).tuples().iterator():
        if sent_at is not None and start <= sent_at < end:
            days[from_utc(sent_at).date()].sent += 1
        if delivered_at is not None and start <= delivered_at < end:  # set only once delivered
            days[from_utc(delivered_at).date()].delivered += 1

    return Report(
        agency=agency, first=first, last=last, total=total, days=list(days.values()),
        weeks=list(weeks.values()),
        tasks=sorted(tasks.values(), key=lambda t: (-t.appointments, -t.walk_ins, t.service_id, t.task_id)),
        waiting={"appointments": Stats.of(waits["appointments"]), "walk_ins": Stats.of(waits["walk_ins"]),
                 "all": Stats.of(waits["appointments"] + waits["walk_ins"])},
        lead_days=Stats.of(leads), reminders=reminders,
    )


def reminded():
    """Whether the appointment of the row had its day-before reminder sent (a column)."""
    reminder = Message.alias()
    return pw.fn.EXISTS(reminder.select(reminder.id).where(
        (reminder.appointment == Appointment.id) & (reminder.kind == "reminder") & reminder.status.in_(SENT)))


def messages(agency: str | None, start: datetime, end: datetime):
    """(sent_at, delivered_at) of the messages now sent or delivered, either in [start, end)."""
    query = (Message.select(Message.sent_at, Message.delivered_at)
             .where(Message.status.in_(SENT)
                    & (((Message.sent_at >= start) & (Message.sent_at < end))
                       | ((Message.delivered_at >= start) & (Message.delivered_at < end)))))
    if agency:
        query = (query.join(Appointment, on=(Message.appointment == Appointment.id))
                 .where(Appointment.agency == agency))
    return query


CSV_COLUMNS = ("day", "agency", "appointments", *STATUSES, "walk_ins", "show_rate_pct", "no_show_rate_pct",
               "median_wait_min", "messages_sent", "messages_delivered")


def to_csv(report: Report) -> str:
    """One row per day: counts per status, walk-ins, rates, messages; figures only, nothing personal."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    blank = lambda value: "" if value is None else value  # noqa: E731
    for d in report.days:
        writer.writerow([d.day.isoformat(), report.agency or "all", d.appointments,
                         *(d.statuses[s] for s in STATUSES), d.walk_ins, blank(d.show_rate),
                         blank(d.no_show_rate), blank(d.wait.median), d.sent, d.delivered])
    return out.getvalue()
