"""The waiting list: when no time fits, a person waits for a seat to free up, and is offered it.

An offer is an ordinary hold made for the waiting person through the booking use case
(`appointments.book`): it takes its seat under the database's capacity guard, so an offer can
never overbook, and no direct booker can take a seat while it is offered. The SMS carries a
code and a link; the code confirms the hold like any other (`appointments.confirm`). An offer
left to lapse frees its seat, which goes to the next person in line.

First come, first served: entries are offered seats in the order they joined, each the
earliest free slot that fits its wishes (its days, and the morning or afternoon), never one
it was offered before. Offers are made right after a seat frees up (a cancellation, a
supervisor adding desks or opening a day) and on every pass of the worker (holds that lapsed,
seats no one took).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app

from ..clock import ALGIERS, to_utc
from ..db import write_transaction
from ..models import Appointment, WaitlistEntry
from ..notify import outbox
from ..problems import DomainError
from . import appointments, availability, codes, phones, ratelimit

PERIODS = ("any", "morning", "afternoon")
NOON = time(12, 0)
OFFER_MINUTES = 120  # how long an offer waits for its code, at most
SHORTEST_OFFER = timedelta(minutes=15)
MAX_LAPSED = 2  # offers left to lapse before the entry ends
LIVE = ("waiting", "offered")
HOUR = 3600
JOINS_PER_PHONE = 3  # new entries an hour for one phone


@dataclass
class Wish:
    """What a person asks for when joining (already validated for shape by schemas.Wish)."""

    agency: str
    service_id: str
    task_id: str
    first_day: date
    last_day: date
    period: str
    full_name: str
    phone: str
    lang: str
    email: str | None = None


def wish_from(data: dict, lang: str) -> Wish:
    return Wish(agency=data["agency"], service_id=data["service"], task_id=data["task"],
                first_day=data["first_day"], last_day=data["last_day"], period=data["period"],
                full_name=data["full_name"], phone=data["phone"], email=data.get("email"), lang=lang)


def fits(entry, start: datetime) -> bool:
    """Whether a slot start suits an entry's days and time of day."""
    local = start.astimezone(ALGIERS)
    if not entry.first_day <= local.date() <= entry.last_day:
        return False
    if entry.period == "morning":
        return local.time() < NOON
    if entry.period == "afternoon":
        return local.time() >= NOON
    return True


def _catalog():
    return current_app.extensions["catalog"]


def join(catalog, wish: Wish, now: datetime, address: str | None = None) -> WaitlistEntry:
    """Put a person on the waiting list (or return the entry they already have for this
    procedure at this agency: joining twice, or a retried request, is one entry). DomainError
    for a procedure or agency that does not book, days out of the booking horizon
    (past, too_far), same_task when the phone already has a visit for it, or rate_limited
    (retry_after) past HOLDS_PER_ADDRESS (per address) or JOINS_PER_PHONE an hour."""
    rules = appointments.bookable_rules(catalog, wish.agency, wish.service_id, wish.task_id)
    today = now.astimezone(ALGIERS).date()
    if wish.last_day < today:
        raise DomainError("past")
    if wish.first_day > today + timedelta(days=rules.horizon_days):
        raise DomainError("too_far")
    if wish.period not in PERIODS:
        raise DomainError("invalid")
    with write_transaction():
        same = _live_entry(wish.phone, wish.agency, wish.service_id, wish.task_id)
        if same:
            return same
        booked = next((a for a in appointments.future_of(wish.phone, now)
                       if (a.service_id, a.task_id) == (wish.service_id, wish.task_id)), None)
        if booked:
            raise DomainError("same_task", existing=booked)
        limits = [(f"waitlist-phone:{wish.phone}", JOINS_PER_PHONE, HOUR)]
        if address:
            limits.append((f"waitlist-address:{address}", current_app.config["HOLDS_PER_ADDRESS"], HOUR))
        wait = ratelimit.count([limit for limit in limits if limit[1]], now)
        if wait:
            raise DomainError("rate_limited", retry_after=wait)
        entry = WaitlistEntry.create(
            reference=codes.new_reference(), agency=wish.agency, service_id=wish.service_id,
            task_id=wish.task_id, first_day=max(wish.first_day, today),
            last_day=min(wish.last_day, today + timedelta(days=rules.horizon_days)), period=wish.period,
            full_name=wish.full_name, phone=wish.phone, email=wish.email, lang=wish.lang, created_at=to_utc(now))
        outbox.waitlist_joined(entry, now)
    match(now, agency=wish.agency)
    return WaitlistEntry.get_by_id(entry.id)


def _live_entry(phone, agency, service_id, task_id) -> WaitlistEntry | None:
    return WaitlistEntry.get_or_none((WaitlistEntry.phone == phone) & (WaitlistEntry.agency == agency)
                                     & (WaitlistEntry.service_id == service_id)
                                     & (WaitlistEntry.task_id == task_id) & WaitlistEntry.status.in_(LIVE))


def position(entry: WaitlistEntry) -> int | None:
    """1 for the first in line for this procedure at this agency; None once it left the line."""
    if entry.status not in LIVE:
        return None
    ahead = (WaitlistEntry.select()
             .where((WaitlistEntry.agency == entry.agency) & (WaitlistEntry.service_id == entry.service_id)
                    & (WaitlistEntry.task_id == entry.task_id) & WaitlistEntry.status.in_(LIVE)
                    & ((WaitlistEntry.created_at < entry.created_at)
                       | ((WaitlistEntry.created_at == entry.created_at) & (WaitlistEntry.id < entry.id))))
             .count())
    return ahead + 1


def live_offer(entry: WaitlistEntry) -> Appointment | None:
    """The seat held for this entry right now, if any."""
    return (Appointment.select().where((Appointment.waitlist_entry == entry.id) & (Appointment.status == "held"))
            .first())


def get(reference: str) -> WaitlistEntry:
    found = WaitlistEntry.get_or_none(WaitlistEntry.reference == (codes.normalize(reference) or ""))
    if found is None:
        raise DomainError("not_found")
    return found


def find(typed_reference: str, phone: str, client: str, now: datetime, counted: bool = False) -> WaitlistEntry:
    """The entry of this reference AND phone; tries limited like appointment lookups (and
    counted once when the same try looked for an appointment first: `counted`)."""
    if not counted:
        appointments.count_lookup(typed_reference, client, now)
    reference = codes.normalize(typed_reference)
    found = None
    if reference and phone:
        found = WaitlistEntry.get_or_none((WaitlistEntry.reference == reference) & (WaitlistEntry.phone == phone))
    if found is None:
        raise DomainError("not_found")
    return found


def leave(reference: str, now: datetime) -> WaitlistEntry:
    """Leave the list; a seat offered to this entry goes to the next person."""
    entry = get(reference)
    if entry.status not in LIVE:
        return entry
    with write_transaction():
        WaitlistEntry.update(status="left", ended_at=to_utc(now)).where(WaitlistEntry.id == entry.id).execute()
        offer = live_offer(entry)
    if offer:
        appointments.cancel(offer.reference, now)
    entry.status = "left"
    return entry


def decline(reference: str, now: datetime) -> Appointment:
    """"Not this time": give back an offered seat and stay in line for another."""
    appointment = appointments.get(reference)
    if appointment.waitlist_entry is None or appointment.status != "held":
        raise DomainError("not_held")
    with write_transaction():
        (WaitlistEntry.update(status="waiting")
         .where((WaitlistEntry.id == appointment.waitlist_entry) & (WaitlistEntry.status == "offered")).execute())
    return appointments.cancel(reference, now)


def offer_length(start: datetime, now: datetime) -> timedelta:
    """How long an offer of `start` waits: OFFER_MINUTES after its SMS goes out (08:00 for an
    offer made at night), or half the time left before the visit when it is soon (never
    under SHORTEST_OFFER)."""
    sent = outbox.after_quiet_hours(now)
    return max(min(sent - now + timedelta(minutes=OFFER_MINUTES), (start - now) / 2), SHORTEST_OFFER)


def settle(now: datetime) -> int:
    """Bring entries up to date with their offers: booked when confirmed; back in line when the
    offer lapsed or was given back (ended after MAX_LAPSED lapses); ended after their last
    day. Returns how many changed."""
    changed = 0
    with write_transaction():
        offered = list(WaitlistEntry.select().where(WaitlistEntry.status == "offered"))
        for entry in offered:
            offers = list(Appointment.select(Appointment.status).where(Appointment.waitlist_entry == entry.id)
                          .order_by(Appointment.id.desc()))
            latest = offers[0].status if offers else "expired"
            if latest == "held":
                continue
            if latest in ("booked", "arrived", "called", "served", "no_show"):
                status = "booked"
            else:
                lapsed = sum(1 for a in offers if a.status == "expired")
                status = "ended" if lapsed >= MAX_LAPSED else "waiting"
            (WaitlistEntry.update(status=status, lapsed_offers=sum(1 for a in offers if a.status == "expired"),
                                  ended_at=to_utc(now) if status != "waiting" else None)
             .where(WaitlistEntry.id == entry.id).execute())
            changed += 1
        today = now.astimezone(ALGIERS).date()
        changed += (WaitlistEntry.update(status="ended", ended_at=to_utc(now))
                    .where((WaitlistEntry.status == "waiting") & (WaitlistEntry.last_day < today)).execute())
    return changed


def match(now: datetime, agency: str | None = None) -> int:
    """Offer free seats to waiting entries (of one agency, or all), first come first served,
    after freeing the seats of lapsed holds and offers. Returns how many offers were made."""
    phones.release_expired(now)
    settle(now)
    query = WaitlistEntry.select().where(WaitlistEntry.status == "waiting")
    if agency:
        query = query.where(WaitlistEntry.agency == agency)
    made = 0
    day_slots: dict[tuple[str, date], list] = {}
    rules_of: dict[str, availability.Rules | None] = {}
    # read the line first: a SELECT still being read keeps an old snapshot, which SQLite cannot
    # turn into a write once another process has written ("database is locked" at once)
    for entry in list(query.order_by(WaitlistEntry.created_at, WaitlistEntry.id)):
        if entry.agency not in rules_of:
            rules_of[entry.agency] = availability.load_rules(entry.agency)
        rules = rules_of[entry.agency]
        if rules is None:
            continue
        if _offer_to(entry, rules, now, day_slots):
            made += 1
    return made


def _offer_to(entry: WaitlistEntry, rules, now: datetime, day_slots: dict) -> bool:
    """Hold the earliest free slot that fits `entry` for it, and tell the person."""
    offered_before = {a.starts_at for a in Appointment.select(Appointment.starts_at)
                      .where(Appointment.waitlist_entry == entry.id)}
    today = now.astimezone(ALGIERS).date()
    day = max(entry.first_day, today)
    while day <= entry.last_day:
        key = (entry.agency, day)
        if key not in day_slots:
            day_slots[key] = availability.day_slots(rules, day, now)
        for slot in day_slots[key]:
            if not slot.remaining or not fits(entry, slot.start) or to_utc(slot.start) in offered_before:
                continue
            request = appointments.Request(
                agency=entry.agency, service_id=entry.service_id, task_id=entry.task_id, start=slot.start,
                full_name=entry.full_name, phone=entry.phone, email=entry.email, lang=entry.lang,
                hold=offer_length(slot.start, now), waitlist_entry=entry.id)
            try:
                with write_transaction():
                    appointments.book(_catalog(), request, now)
                    claimed = (WaitlistEntry.update(status="offered")
                               .where((WaitlistEntry.id == entry.id) & (WaitlistEntry.status == "waiting"))
                               .execute())
                    if not claimed:  # another process offered it a seat meanwhile: give this one back
                        raise DomainError("busy")
            except DomainError as exc:
                if exc.code == "slot_full":
                    slot.remaining = 0
                    continue
                if exc.code in ("same_task", "limit"):  # booked meanwhile, or no room on the phone
                    (WaitlistEntry.update(status="ended", ended_at=to_utc(now))
                     .where(WaitlistEntry.id == entry.id).execute())
                return False
            slot.remaining -= 1
            return True
        day += timedelta(days=1)
    return False


def waiting(agency: str) -> list[WaitlistEntry]:
    """The agency's live entries in line order (for staff)."""
    return list(WaitlistEntry.select()
                .where((WaitlistEntry.agency == agency) & WaitlistEntry.status.in_(LIVE))
                .order_by(WaitlistEntry.service_id, WaitlistEntry.task_id, WaitlistEntry.created_at,
                          WaitlistEntry.id))


def rebooked(agency: str | None = None) -> int:
    """Seats re-booked from the waiting list (offers that were confirmed)."""
    query = Appointment.select().where(Appointment.waitlist_entry.is_null(False)
                                       & Appointment.status.in_(("booked", "arrived", "called", "served", "no_show")))
    if agency:
        query = query.where(Appointment.agency == agency)
    return query.count()

