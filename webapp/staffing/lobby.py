"""The lobby: enrolled tablets, check-in by reference, queue tickets that are never duplicated,
and each waiting person's place in the queue with an estimate of their wait."""

import heapq
import math
import re
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw
from marshmallow import EXCLUDE, Schema, fields, validate

from ..booking import availability, codes, ratelimit
from ..booking.schemas import PHONE, normalize_phone
from ..catalog.schema import DESKS
from ..clock import ALGIERS, from_utc, to_utc
from ..db import write_transaction
from ..models import AgencySettings, Appointment, KioskDevice, Ticket
from ..notify import outbox
from ..problems import DomainError
from . import audit, desk

CHECKINS_PER_DEVICE = 60  # per 10 minutes
TICKET_TRIES = 20
# The live page of a place in the queue is /<lang>/q/<token>: a random token, typed from paper
# at worst, so without look-alikes (0/o, 1/i/l); 14 characters of 31 are 69 bits.
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
TOKEN_LENGTH = 14
TOKEN = re.compile(f"[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}}")
# How long a visit takes at a desk (call to served): the median of the agency's last SAMPLES
# served visits of the past LOOKBACK, of the same service when it has MIN_SAMPLES of them.
SAMPLES, MIN_SAMPLES, LOOKBACK, HISTORY = 20, 3, timedelta(days=7), 200
AT_WORK = timedelta(hours=1)  # a desk that called someone within the hour is at work
# The kiosk's ticket menu asks which desk, not which of some forty procedures: a ticket taken
# from it keeps service_id DESK_SERVICE and the desk type as task_id ("desk"/"benefits"), so
# the offline outbox, the API and the agenda's filter carry it as any other ticket.
DESK_SERVICE = "desk"
OTHER = "other"  # "Other question": the reception sorts it out
DESK_TYPES = (*DESKS, OTHER)


class OfflineCheckin(Schema):
    """A check-in a tablet kept while the lobby had no internet."""

    class Meta:
        unknown = EXCLUDE

    reference = fields.String(required=True, validate=validate.Length(max=40))


class OfflineTicket(Schema):
    """A ticket a tablet numbered itself ("K1-004") while the lobby had no internet."""

    class Meta:
        unknown = EXCLUDE

    number = fields.String(required=True, validate=validate.Length(max=12))
    service = fields.String(required=True, validate=validate.Length(max=64))
    task = fields.String(required=True, validate=validate.Length(max=64))


def devices(agency: str) -> list[KioskDevice]:
    """The agency's tablets, in the order they were enrolled."""
    return list(KioskDevice.select().where(KioskDevice.agency == agency).order_by(KioskDevice.id))


def active_device(device_id: int) -> KioskDevice | None:
    """The tablet with this id, unless it was revoked."""
    return KioskDevice.get_or_none((KioskDevice.id == device_id) & (KioskDevice.revoked == False))  # noqa: E712


def enrol(agency: str, name: str, staff: str, now: datetime) -> KioskDevice:
    """Register a tablet for an agency; its prefix tells its offline tickets apart."""
    with write_transaction():
        count = KioskDevice.select().where(KioskDevice.agency == agency).count()
        name = " ".join(name.split())[:60] or f"Kiosk {count + 1}"
        device = KioskDevice.create(agency=agency, name=name, prefix=f"K{count + 1}",
                                    enrolled_by=staff, enrolled_at=to_utc(now))
        audit.record(staff, agency, "kiosk_enrol", f"kiosk:{device.id}", now, device.name)
    return device


def revoke(agency: str, device_id: int, staff: str, now: datetime) -> None:
    """Shut a tablet of this agency out for good; DomainError unknown_device otherwise."""
    with write_transaction():
        changed = (KioskDevice.update(revoked=True)
                   .where((KioskDevice.id == device_id) & (KioskDevice.agency == agency)).execute())
        if not changed:
            raise DomainError("unknown_device")
        audit.record(staff, agency, "kiosk_revoke", f"kiosk:{device_id}", now)


def check_in(agency: str, typed: str, device_id: int, now: datetime) -> tuple[str, Appointment]:
    """Mark today's appointment at this agency as arrived: ("done" or "already", appointment);
    DomainError rate_limited, not_found or not_today (with the appointment) otherwise."""
    if not ratelimit.allow(f"kiosk:{device_id}", CHECKINS_PER_DEVICE, 600, now):
        raise DomainError("rate_limited")
    reference = codes.normalize(typed)
    appointment = None
    if reference:
        appointment = Appointment.get_or_none((Appointment.reference == reference) & (Appointment.agency == agency))
    if appointment is None or appointment.status == "cancelled":
        raise DomainError("not_found")
    first, last = desk.day_bounds(now.astimezone(ALGIERS).date())
    if not first <= appointment.starts_at < last:
        raise DomainError("not_today", appointment=appointment)
    result = desk.act(agency, appointment.id, "arrive", f"kiosk:{device_id}", now)
    with write_transaction():  # the visit's live page, made at its first check-in
        (Appointment.update(queue_token=new_token())
         .where((Appointment.id == appointment.id) & Appointment.queue_token.is_null()).execute())
    return ("done" if result == "done" else "already"), Appointment.get_by_id(appointment.id)


def _known_task(catalog, service_id: str, task_id: str) -> None:
    if service_id == DESK_SERVICE:
        if task_id not in DESK_TYPES:
            raise DomainError("unknown_task")
    elif catalog.task(service_id, task_id)[1] is None:
        raise DomainError("unknown_task")


def desk_types(catalog) -> list[tuple[str, list[dict]]]:
    """The kiosk's ticket menu: each desk type that some bookable procedure goes to (in DESKS
    order) with the services it serves, then OTHER with none."""
    menu = []
    for desk_type in DESKS:
        services = [s for s in catalog.services if any(t.get("bookable") and t.get("desk") == desk_type
                                                       for t in s["tasks"])]
        if services:
            menu.append((desk_type, services))
    return [*menu, (OTHER, [])]


def desk_of(catalog, service_id: str, task_id: str) -> str:
    """The desk type a visit goes to: a menu ticket's own, else that of its procedure (OTHER
    when the procedure names none or is no longer in the catalog)."""
    if service_id == DESK_SERVICE:
        return task_id if task_id in DESK_TYPES else OTHER
    task = catalog.task(service_id, task_id)[1]
    return (task or {}).get("desk") or OTHER


def new_token() -> str:
    """A fresh random token for the live page of a place in the queue."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def take_ticket(catalog, agency: str, service_id: str, task_id: str, now: datetime, lang: str = "ar") -> Ticket:
    """The next number of the day at this agency, with the token of its live page. Several
    tablets at once never get the same number: the unique (agency, day, prefix, seq) index
    decides, and a loser takes the next."""
    _known_task(catalog, service_id, task_id)
    day = now.astimezone(ALGIERS).date()
    for _ in range(TICKET_TRIES):
        with write_transaction():
            last = (Ticket.select(pw.fn.MAX(Ticket.seq))
                    .where((Ticket.agency == agency) & (Ticket.day == day) & (Ticket.prefix == "")).scalar())
            seq = (last or 0) + 1
            try:
                with write_transaction():
                    return Ticket.create(agency=agency, day=day, number=f"{seq:03d}", prefix="", seq=seq,
                                         service_id=service_id, task_id=task_id, issued_at=to_utc(now),
                                         token=new_token(), lang=lang)
            except pw.IntegrityError:
                continue
    raise DomainError("busy")


def record_offline_ticket(catalog, device: KioskDevice, number: str, service_id: str, task_id: str,
                          now: datetime) -> str:
    """Store a ticket a tablet numbered itself while offline: "done", or "already" on a resend."""
    _known_task(catalog, service_id, task_id)
    match = re.fullmatch(re.escape(device.prefix) + r"-(\d{1,6})", number)
    if not match:
        raise DomainError("ticket_number")
    try:
        with write_transaction():
            Ticket.create(agency=device.agency, day=now.astimezone(ALGIERS).date(), number=number,
                          prefix=device.prefix, seq=int(match.group(1)), service_id=service_id,
                          task_id=task_id, issued_at=to_utc(now))
        return "done"
    except pw.IntegrityError:
        return "already"


# --- each person's place in the queue -----------------------------------------------------
# The pure part (in_call_order, Durations, desks_at_work, simulate) works on plain rows, so a
# scripted lobby can be checked by hand; `lobby` feeds it from the database.


@dataclass(frozen=True)
class Visit:
    """A ticket or a checked-in appointment of the day, as the queue sees it (naive UTC)."""

    kind: str  # "appointment" | "ticket"
    id: int
    service_id: str
    since: datetime  # what call_next orders by: a ticket's issue, an appointment's slot or arrival
    called_at: datetime | None = None
    served_at: datetime | None = None
    desk: str | None = None
    label: str = ""  # what the wall display calls it by: the ticket number or the reference


@dataclass(frozen=True)
class Place:
    """A waiting visit's place: how many people are before it, and in about how many minutes
    a desk should call it."""

    visit: Visit
    ahead: int
    minutes: int


@dataclass(frozen=True)
class Durations:
    """Minutes a visit takes at a desk, per service, and for the agency as a whole."""

    usual: float
    by_service: dict

    def of(self, service_id: str) -> float:
        return self.by_service.get(service_id, self.usual)


def in_call_order(waiting: list[Visit]) -> list[Visit]:
    """The waiting visits in the order desk.call_next calls them: who has waited longest
    first (`since`), an appointment before a ticket of the same moment, then as stored."""
    return sorted(waiting, key=lambda v: (v.since, v.kind, v.id))


def durations(served: list[Visit], slot_minutes: float) -> Durations:
    """Call-to-served minutes: the median of the last SAMPLES served visits of a service when
    it has MIN_SAMPLES, else of the agency's last SAMPLES, else the slot length (at least 1)."""
    done = sorted((v for v in served if v.called_at and v.served_at and v.served_at >= v.called_at),
                  key=lambda v: v.served_at, reverse=True)

    def median(visits):
        recent = [(v.served_at - v.called_at).total_seconds() / 60 for v in visits[:SAMPLES]]
        return max(1.0, statistics.median(recent)) if len(recent) >= MIN_SAMPLES else None

    by_service = {}
    for service in {v.service_id for v in done}:
        own = median([v for v in done if v.service_id == service])
        if own is not None:
            by_service[service] = own
    usual = median(done)
    return Durations(float(slot_minutes) if usual is None else usual, by_service)


def desks_at_work(calls: list[tuple[str | None, datetime]], now: datetime, setting: int) -> int:
    """How many desks called someone within the hour; the agency's desk setting if none did."""
    since = to_utc(now) - AT_WORK
    return len({desk for desk, at in calls if desk and at and at >= since}) or max(1, setting)


def simulate(waiting: list[Visit], busy: list[Visit], times: Durations, desks: int,
             now: datetime) -> tuple[list[Place], int]:
    """Each waiting visit's place, and the wait of whoever comes next. The desks take the queue
    in call order; a desk is free once the visit it last called has had its usual time (now, if
    it is idle); each visit goes to the desk free first. Minutes are rounded up."""
    clock = to_utc(now)
    latest = {}  # a desk is busy with the last visit it called
    for visit in busy:
        if visit.called_at and (visit.desk not in latest or visit.called_at > latest[visit.desk].called_at):
            latest[visit.desk] = visit
    left = sorted(max(0.0, times.of(v.service_id) - (clock - v.called_at).total_seconds() / 60)
                  for v in latest.values())
    free = left[:desks] + [0.0] * max(0, desks - len(left))  # idle desks are free now
    heapq.heapify(free)
    places = []
    for ahead, visit in enumerate(in_call_order(waiting)):
        start = heapq.heappop(free)
        places.append(Place(visit, ahead, math.ceil(round(start, 6))))
        heapq.heappush(free, start + times.of(visit.service_id))
    return places, math.ceil(round(free[0], 6))


@dataclass(frozen=True)
class Lobby:
    """An agency's queue right now."""

    places: list[Place]
    next_minutes: int  # the wait of a ticket taken now

    def place(self, kind: str, visit_id: int) -> Place | None:
        return next((p for p in self.places if (p.visit.kind, p.visit.id) == (kind, visit_id)), None)


def _appointment(a: Appointment) -> Visit:
    return Visit("appointment", a.id, a.service_id, max(a.starts_at, a.arrived_at or a.starts_at),
                 a.called_at, a.served_at, a.desk, a.reference)


def _ticket(t: Ticket) -> Visit:
    # A menu ticket's visits last as long as its desk type's ("desk/medical"), not as any menu ticket's.
    service = f"{DESK_SERVICE}/{t.task_id}" if t.service_id == DESK_SERVICE else t.service_id
    return Visit("ticket", t.id, service, t.issued_at, t.called_at, t.served_at, t.desk, t.number)


def lobby(agency: str, now: datetime) -> Lobby:
    """The agency's queue now: who waits, in call order, and for about how long (see simulate),
    from today's visits, the past week's service times and the desks at work."""
    day = now.astimezone(ALGIERS).date()
    first, last = desk.day_bounds(day)
    clock = to_utc(now)
    today_a = list(Appointment.select().where(
        (Appointment.agency == agency) & (Appointment.starts_at >= first) & (Appointment.starts_at < last)
        & Appointment.status.in_(("arrived", "called"))))
    today_t = list(Ticket.select().where((Ticket.agency == agency) & (Ticket.day == day)
                                         & Ticket.status.in_(("waiting", "called"))))
    waiting = [_appointment(a) for a in today_a if a.status == "arrived"]
    waiting += [_ticket(t) for t in today_t if t.status == "waiting"]
    busy = [_appointment(a) for a in today_a if a.status == "called" and a.called_at]
    busy += [_ticket(t) for t in today_t if t.status == "called" and t.called_at]
    settings = AgencySettings.get_or_none(AgencySettings.code == agency)
    settings = availability.Rules(agency) if settings is None else settings  # its defaults
    times = durations(_served(agency, clock), settings.slot_minutes)
    calls = [(a.desk, a.called_at) for a in Appointment.select(Appointment.desk, Appointment.called_at).where(
        (Appointment.agency == agency) & (Appointment.starts_at >= first) & (Appointment.called_at >= clock - AT_WORK))]
    calls += [(t.desk, t.called_at) for t in Ticket.select(Ticket.desk, Ticket.called_at).where(
        (Ticket.agency == agency) & (Ticket.day == day) & (Ticket.called_at >= clock - AT_WORK))]
    places, next_minutes = simulate(waiting, busy, times, desks_at_work(calls, now, settings.desks), now)
    return Lobby(places, next_minutes)


def _served(agency: str, clock: datetime) -> list[Visit]:
    """The agency's visits served (after a call) in the past LOOKBACK, latest first."""
    since = clock - LOOKBACK
    done_a = (Appointment.select().where(
        (Appointment.agency == agency) & (Appointment.starts_at >= since - timedelta(days=1))
        & (Appointment.status == "served") & Appointment.called_at.is_null(False)
        & (Appointment.served_at >= since) & (Appointment.served_at <= clock))
        .order_by(Appointment.served_at.desc()).limit(HISTORY))
    done_t = (Ticket.select().where(
        (Ticket.agency == agency) & (Ticket.day >= (since - timedelta(days=1)).date())
        & (Ticket.status == "served") & Ticket.called_at.is_null(False)
        & (Ticket.served_at >= since) & (Ticket.served_at <= clock))
        .order_by(Ticket.served_at.desc()).limit(HISTORY))
    return [_appointment(a) for a in done_a] + [_ticket(t) for t in done_t]


@dataclass(frozen=True)
class Status:
    """What the live page of a place says; nothing personal (a ticket's number, or only the
    time of a checked-in appointment: never its reference or the person's name)."""

    kind: str  # "ticket" | "appointment"
    label: str  # "007", or "09:15"
    agency: str
    state: str  # waiting | called | served | gone (did not come, cancelled) | over (another day)
    desk: str | None = None
    place: Place | None = None


def status(token: str, now: datetime) -> Status | None:
    """The live state of the ticket or checked-in visit with this token; None if none has it."""
    token = str(token or "").lower()
    if not TOKEN.fullmatch(token):
        return None
    first, last = desk.day_bounds(now.astimezone(ALGIERS).date())
    ticket = Ticket.get_or_none(Ticket.token == token)
    if ticket is not None:
        kind, row, label = "ticket", ticket, ticket.number
        state, today = ticket.status, ticket.day == now.astimezone(ALGIERS).date()
    else:
        row = Appointment.get_or_none(Appointment.queue_token == token)
        if row is None:
            return None
        kind, label = "appointment", from_utc(row.starts_at).strftime("%H:%M")
        state, today = {"arrived": "waiting"}.get(row.status, row.status), first <= row.starts_at < last
    if state not in ("waiting", "called", "served"):
        state = "gone"
    elif state != "served" and not today:
        state = "over"
    place = lobby(row.agency, now).place(kind, row.id) if state == "waiting" else None
    return Status(kind, label, row.agency, state, row.desk if state == "called" else None, place)


def ask_for_sms(agency: str, token: str, typed: str, now: datetime) -> tuple[Ticket, bool]:
    """Keep a phone with today's ticket of this agency, for one SMS when its turn is near (see
    announce): (the ticket, whether it still waited and keeps the phone); DomainError
    not_found (no such ticket) or phone (not a mobile number, with the ticket)."""
    token = str(token or "").lower()
    ticket = Ticket.get_or_none((Ticket.token == token) & (Ticket.agency == agency)
                                & (Ticket.day == now.astimezone(ALGIERS).date())) if TOKEN.fullmatch(token) else None
    if ticket is None:
        raise DomainError("not_found")
    phone = normalize_phone(str(typed or ""))
    if not PHONE.fullmatch(phone):
        raise DomainError("phone", ticket=ticket)
    with write_transaction():
        kept = (Ticket.update(phone=phone)
                .where((Ticket.id == ticket.id) & (Ticket.status == "waiting") & Ticket.notified_at.is_null())
                .execute())
    return Ticket.get_by_id(ticket.id), bool(kept)


def announce(catalog, agency: str, position: int, now: datetime) -> int:
    """After the queue moved: queue the SMS of each waiting ticket given a phone that now has
    `position` people or fewer before it, once a ticket, and forget that phone; forget the
    phones of tickets that left the queue too. Returns how many SMS were queued."""
    day = now.astimezone(ALGIERS).date()
    phones = {t.id: t for t in Ticket.select().where(
        (Ticket.agency == agency) & (Ticket.day == day) & (Ticket.status == "waiting")
        & Ticket.phone.is_null(False) & Ticket.notified_at.is_null())}
    queued = 0
    for place in lobby(agency, now).places if phones else ():
        ticket = phones.get(place.visit.id) if place.visit.kind == "ticket" else None
        if ticket is None or place.ahead > position:
            continue
        with write_transaction():
            won = (Ticket.update(notified_at=to_utc(now), phone=None)
                   .where((Ticket.id == ticket.id) & Ticket.notified_at.is_null()).execute())
            if won and outbox.queue_position(ticket, catalog.agency(agency), place.ahead, now):
                queued += 1
    left = (Ticket.agency == agency) & Ticket.phone.is_null(False) & ((Ticket.status != "waiting") | (Ticket.day < day))
    if Ticket.select().where(left).exists():
        with write_transaction():
            Ticket.update(phone=None).where(left).execute()
    return queued
