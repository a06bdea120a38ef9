"""Reports for one agency or the whole country over a range of days (Algiers dates).

Pure functions over peewee, no Flask: four queries per report (appointments, tickets,
messages, the waiting list) that fetch only the columns needed, aggregated here so the code is
the same on SQLite and PostgreSQL. Nothing personal is read: no name, phone, e-mail, SSN nor
reference.

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
  missed-visit rate of reminded and of other visits is no_show / (shown + no_show), as above;
- an appointment still "booked" after midnight of its day is counted no_show by the worker
  (desk.mark_no_shows); by weekday: the weekday of the slot; by lead time: the Algiers days
  from the day it was booked to the day of the slot, in LEAD_BANDS;
- a re-booked seat is an appointment taken from the waiting list (Appointment.waitlist_entry
  set) and not cancelled; the waiting list is its entries now "waiting" or "offered", whatever
  the period (it is today's queue, not a count over the days of the report);
- lobby: the waiting time as above and the service time, called_at -> served_at, of each
  visitor, by agency and by hour of arrival (ticket issued, or appointment checked in): count,
  median and 90th percentile (interpolated, as PERCENTILE.INC in spreadsheets), and the share
  of visitors called within TARGET_MINUTES (Service Canada's standard: 80 % within 25 minutes;
  "served" there is the start of service, here the call to a desk). Only visitors called count.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import fmean, median, quantiles

import peewee as pw

from ..algeria import public_holidays
from ..booking import availability
from ..clock import ALGIERS, from_utc, to_utc
from ..models import Appointment, Message, Ticket, WaitlistEntry

STATUSES = ("booked", "arrived", "called", "served", "no_show", "cancelled")
SHOWN = ("arrived", "called", "served")
REBOOKED = ("booked", "arrived", "called", "served", "no_show")  # a seat taken from the waiting list
WAITLISTED = ("waiting", "offered")
TARGET_MINUTES, TARGET_SHARE = 25, 80  # Service Canada: 80 % of visitors served within 25 minutes
# (band, first day, last day): how many days ahead a visit was booked.
LEAD_BANDS = (("same_day", 0, 0), ("1_2_days", 1, 2), ("3_7_days", 3, 7), ("8_14_days", 8, 14),
              ("15_days_or_more", 15, None))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK_ORDER = (6, 0, 1, 2, 3, 4, 5)  # the Algerian week starts on Sunday
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
    rebooked: int = 0  # seats taken from the waiting list

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


@dataclass
class Spread:
    """How many values, their median and 90th percentile (rounded to 0.1), None when there are none."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls(0, None, None)
        p90 = quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
        return cls(len(values), round(median(values), 1), round(p90, 1))


@dataclass
class Lobby:
    """Waiting times (arrival or ticket -> call) and service times (call -> served), in minutes."""

    waits: list[float] = field(default_factory=list, repr=False)
    services: list[float] = field(default_factory=list, repr=False)

    def add(self, wait: float | None, service: float | None) -> None:
        if wait is not None:
            self.waits.append(wait)
        if service is not None:
            self.services.append(service)

    @property
    def wait(self) -> Spread:
        return Spread.of(self.waits)

    @property
    def service(self) -> Spread:
        return Spread.of(self.services)

    @property
    def within_target(self) -> float | None:
        """The share (%) of visitors called within TARGET_MINUTES."""
        return percent(sum(w <= TARGET_MINUTES for w in self.waits), len(self.waits))


@dataclass(kw_only=True)
class Hour(Lobby):
    hour: int  # of arrival, Algiers time


@dataclass(kw_only=True)
class Weekday(Counts):
    weekday: int  # Monday = 0


@dataclass(kw_only=True)
class Lead(Counts):
    band: str  # see LEAD_BANDS


@dataclass(kw_only=True)
class Agency(Counts):
    code: str
    lobby: Lobby = field(default_factory=Lobby)
    waitlist: int = 0  # entries waiting or offered now


@dataclass(kw_only=True)
class Day(Counts):
    day: date
    sent: int = 0  # messages sent that day
    delivered: int = 0  # messages delivered that day
    closed: str | None = None  # why the agency was closed: "closed" (weekday), "holiday", "closure"


def closed_reason(rules: availability.Rules, day: date) -> str | None:
    """Why an agency with these rules was closed on `day` ("holiday", "closure", "closed": not
    one of its opening weekdays), or None when it opened; whether the day is past or not."""
    if day in public_holidays(day.year) and day not in rules.open_holidays:
        return "holiday"
    if any(first <= day <= last for first, last, _ in rules.closures):
        return "closure"
    return None if day.weekday() in rules.hours else "closed"


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
    waitlist: int = 0  # entries waiting or offered now


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
    weekdays: list[Weekday]  # those with appointments, Sunday first
    leads: list[Lead]  # every band of LEAD_BANDS, in order
    agencies: list[Agency]  # by code; the one agency of an agency's report
    lobby: Lobby
    hours: list[Hour]  # those with visitors called or served, in order
    waitlist: int  # entries waiting or offered now

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


def lead_band(days: int) -> str:
    """The LEAD_BANDS band of a visit booked `days` days ahead (0: booked on the day itself)."""
    return next(band for band, _, high in LEAD_BANDS if high is None or days <= high)


def build(agency: str | None, first: date, last: date) -> Report:
    """The report of an agency (None: national) for the Algiers days first..last."""
    # National figures: the days every agency closes by default (weekends, public holidays).
    rules = (availability.load_rules(agency) if agency else None) or availability.Rules(agency or "all")
    days = {day: Day(day=day, closed=closed_reason(rules, day))
            for day in (first + timedelta(days=n) for n in range((last - first).days + 1))}
    weeks: dict[tuple[int, int], Week] = {}
    for day in days:
        year, week, weekday = day.isocalendar()
        weeks.setdefault((year, week), Week(year=year, week=week, monday=day - timedelta(days=weekday - 1)))
    tasks: dict[tuple[str, str], Task] = {}
    total = Counts()
    waits: dict[str, list[float]] = {"appointments": [], "walk_ins": []}
    leads: list[float] = []
    weekdays: dict[int, Weekday] = {}
    bands = {band: Lead(band=band) for band, _, _ in LEAD_BANDS}
    agencies: dict[str, Agency] = {}
    lobby, hours = Lobby(), {}

    def task_of(service_id: str, task_id: str) -> Task:
        task = tasks.get((service_id, task_id))
        if task is None:
            task = tasks[(service_id, task_id)] = Task(service_id=service_id, task_id=task_id)
        return task

    def agency_of(code: str) -> Agency:
        return agencies.setdefault(code, Agency(code=code))

    def buckets(day: date, service_id: str, task_id: str) -> tuple[Counts, ...]:
        return total, days[day], weeks[day.isocalendar()[:2]], task_of(service_id, task_id)

    def seen(code: str, came_at: datetime | None, wait: float | None, service: float | None) -> None:
        """A visitor in the lobby: came (ticket issued or checked in) at `came_at`."""
        if came_at is None or (wait is None and service is None):
            return
        hour = from_utc(came_at).hour
        for figures in (lobby, agency_of(code).lobby, hours.setdefault(hour, Hour(hour=hour))):
            figures.add(wait, service)

    start, end = utc_bounds(first, last)
    reminders = {"reminded": Counts(), "not_reminded": Counts()}
    appointments = (Appointment.select(Appointment.agency, Appointment.starts_at, Appointment.status,
                                       Appointment.service_id, Appointment.task_id, Appointment.created_at,
                                       Appointment.arrived_at, Appointment.called_at, Appointment.served_at,
                                       Appointment.waitlist_entry, reminded())
                    .where((Appointment.starts_at >= start) & (Appointment.starts_at < end)
                           & Appointment.status.not_in(("held", "expired"))))  # confirmed visits only
    if agency:
        appointments = appointments.where(Appointment.agency == agency)
    for row in appointments.tuples().iterator():
        (code, starts_at, status, service_id, task_id, created_at, arrived_at, called_at, served_at, entry,
         was_reminded) = row
        reminders["reminded" if was_reminded else "not_reminded"].statuses[status] += 1
        wait = minutes(arrived_at, called_at)
        day = from_utc(starts_at).date()
        weekday = weekdays.setdefault(day.weekday(), Weekday(weekday=day.weekday()))
        band = bands[lead_band((day - from_utc(created_at).date()).days)]
        for bucket in (*buckets(day, service_id, task_id), weekday, band, agency_of(code)):
            bucket.statuses[status] += 1
            bucket.rebooked += entry is not None and status in REBOOKED
            if wait is not None:
                bucket.waits.append(wait)
        if wait is not None:
            waits["appointments"].append(wait)
        if status != "cancelled":
            leads.append((starts_at - created_at).total_seconds() / 86400)
        seen(code, arrived_at, wait, minutes(called_at, served_at))

    tickets = (Ticket.select(Ticket.agency, Ticket.day, Ticket.service_id, Ticket.task_id, Ticket.issued_at,
                             Ticket.called_at, Ticket.served_at)
               .where((Ticket.day >= first) & (Ticket.day <= last)))
    if agency:
        tickets = tickets.where(Ticket.agency == agency)
    for code, day, service_id, task_id, issued_at, called_at, served_at in tickets.tuples().iterator():
        wait = minutes(issued_at, called_at)
        for bucket in (*buckets(day, service_id, task_id), agency_of(code)):
            bucket.walk_ins += 1
            if wait is not None:
                bucket.waits.append(wait)
        if wait is not None:
            waits["walk_ins"].append(wait)
        seen(code, issued_at, wait, minutes(called_at, served_at))

    for sent_at, delivered_at in messages(agency, start, end).tuples().iterator():
        if sent_at is not None and start <= sent_at < end:
            days[from_utc(sent_at).date()].sent += 1
        if delivered_at is not None and start <= delivered_at < end:  # set only once delivered
            days[from_utc(delivered_at).date()].delivered += 1

    waiting_list = 0
    for code, service_id, task_id, entries in waitlist(agency).tuples().iterator():
        agency_of(code).waitlist += entries
        task_of(service_id, task_id).waitlist += entries
        waiting_list += entries
    if agency:
        agency_of(agency)  # an agency's report always has its own line

    return Report(
        agency=agency, first=first, last=last, total=total, days=list(days.values()),
        weeks=list(weeks.values()),
        tasks=sorted(tasks.values(), key=lambda t: (-t.appointments, -t.walk_ins, t.service_id, t.task_id)),
        waiting={"appointments": Stats.of(waits["appointments"]), "walk_ins": Stats.of(waits["walk_ins"]),
                 "all": Stats.of(waits["appointments"] + waits["walk_ins"])},
        lead_days=Stats.of(leads), reminders=reminders,
        weekdays=[weekdays[d] for d in WEEK_ORDER if d in weekdays], leads=list(bands.values()),
        agencies=[agencies[code] for code in sorted(agencies)], lobby=lobby,
        hours=[hours[hour] for hour in sorted(hours)], waitlist=waiting_list,
    )


def reminded():
    """Whether the appointment of the row had its day-before reminder sent (a column)."""
    reminder = Message.alias()
    return pw.fn.EXISTS(reminder.select(reminder.id).where(
        (reminder.appointment == Appointment.id) & (reminder.kind == "reminder") & reminder.status.in_(SENT)))


def waitlist(agency: str | None):
    """(agency, service_id, task_id, entries) of the waiting list as it is now."""
    query = (WaitlistEntry.select(WaitlistEntry.agency, WaitlistEntry.service_id, WaitlistEntry.task_id,
                                  pw.fn.COUNT(WaitlistEntry.id))
             .where(WaitlistEntry.status.in_(WAITLISTED))
             .group_by(WaitlistEntry.agency, WaitlistEntry.service_id, WaitlistEntry.task_id))
    return query.where(WaitlistEntry.agency == agency) if agency else query


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


BREAKDOWN_COLUMNS = ("section", "group", "agency", "appointments", "came", "no_show", "no_show_rate_pct",
                     "rebooked", "waiting_list", "called", "median_wait_min", "p90_wait_min",
                     f"called_within_{TARGET_MINUTES}_min_pct", "served", "median_service_min", "p90_service_min")


def to_breakdown_csv(report: Report) -> str:
    """The figures of the report's breakdowns, one row per group; section is total, agency,
    procedure ("service/task"), weekday, lead_time (a LEAD_BANDS band) or hour (of arrival,
    "08:00-09:00"). A row leaves blank what its section does not measure."""
    rows = [("total", "all", report.total, report.lobby, report.waitlist)]
    rows += [("agency", a.code, a, a.lobby, a.waitlist) for a in report.agencies]
    rows += [("procedure", f"{t.service_id}/{t.task_id}", t, None, t.waitlist) for t in report.tasks]
    rows += [("weekday", WEEKDAYS[w.weekday], w, None, None) for w in report.weekdays]
    rows += [("lead_time", lead.band, lead, None, None) for lead in report.leads]
    rows += [("hour", f"{h.hour:02d}:00-{h.hour + 1:02d}:00", None, h, None) for h in report.hours]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(BREAKDOWN_COLUMNS)
    blank = lambda value: "" if value is None else value  # noqa: E731
    for section, group, counts, lobby, waiting in rows:
        figures = ([counts.appointments, counts.shown, counts.no_show,
                    blank(counts.no_show_rate), counts.rebooked] if counts else [""] * 5)
        figures.append(blank(waiting))
        if lobby:
            wait, service = lobby.wait, lobby.service
            figures += [wait.count, blank(wait.median), blank(wait.p90), blank(lobby.within_target),
                        service.count, blank(service.median), blank(service.p90)]
        else:
            figures += [""] * 7
        writer.writerow([section, group, report.agency or "all", *figures])
    return out.getvalue()
