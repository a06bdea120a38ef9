"""Your place in the lobby queue: a scripted lobby replayed with the clock (tickets, check-ins,
calls and services at known times) gives, on each live page, the place and estimate computed
by hand; the SMS when the turn is near; pages that say nothing personal and weigh little."""

import base64
import gzip
import hashlib
import re
from datetime import datetime, timedelta

import brotli
import pytest

from webapp import demo
from webapp.clock import ALGIERS, from_utc, to_utc
from webapp.models import AgencySettings, Appointment, Message, Ticket
from webapp.notify import texts
from webapp.staffing import accounts, lobby
from webapp.staffing.lobby import Durations, Visit

DAY = datetime(2026, 12, 2, tzinfo=ALGIERS)  # a Wednesday: demo visits at agency 16 at 09:00 and 09:15
PASSWORD = "Lobby-desk-2026"
GRANT = ("death-grant", "claim-death-grant")
ACCIDENT = ("work-accident", "declare-work-accident")
PAGE_BUDGET = 6 * 1024  # the live page, compressed: one small packet on a 2G link


def at(hhmm: str, day: datetime = DAY) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return day.replace(hour=hour, minute=minute)


def csrf(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


class Lobby:
    """Agency 16 on 2 December: a lobby tablet, an agent, and the clock in the test's hands."""

    def __init__(self, app):
        self.app = app
        self.tablet, self.agent = app.test_client(), app.test_client()
        self.now("09:00")
        self.tablet.post("/fr/staff/login", data={"csrf_token": csrf(self.tablet, "/fr/staff/login"),
                                                  "username": "demo-supervisor", "password": "Chef-agence-16-demo"})
        enrolled = self.tablet.post("/fr/staff/16/kiosks",
                                    data={"csrf_token": csrf(self.tablet, "/fr/staff/16/kiosks"), "name": "Entrée"})
        assert enrolled.status_code == 303
        self.agent.post("/fr/staff/login", data={"csrf_token": csrf(self.agent, "/fr/staff/login"),
                                                 "username": "agent16", "password": PASSWORD})
        self.token = csrf(self.agent, "/fr/staff/login")

    def now(self, hhmm):
        self.app.config["NOW"] = at(hhmm)

    def take(self, hhmm, task=GRANT, lang="en"):
        """A ticket taken at the tablet; (its number, the token of its live page)."""
        self.now(hhmm)
        page = self.tablet.post(f"/{lang}/kiosk/ticket", data={"csrf_token": csrf(self.tablet, f"/{lang}/kiosk/ticket"),
                                                                "service": task[0], "task": task[1]})
        assert page.status_code == 201
        token = page.soup.select_one("input[name=token]")["value"]
        return page.soup.select_one(".ticket-number").get_text(), token

    def sms(self, token, phone, lang="en"):
        return self.tablet.post(f"/{lang}/kiosk/ticket/sms", data={
            "csrf_token": csrf(self.tablet, f"/{lang}/kiosk/ticket"), "token": token, "phone": phone})

    def call(self, hhmm, desk):
        self.now(hhmm)
        answer = self.agent.post("/fr/staff/16/call-next", data={"csrf_token": self.token, "desk": desk})
        assert answer.status_code == 303
        return re.search(r"called(?::|%3A)([^&]+)", answer.location).group(1)

    def serve(self, hhmm, number):
        self.now(hhmm)
        ticket = Ticket.get((Ticket.number == number) & (Ticket.day == DAY.date()))
        answer = self.agent.post(f"/fr/staff/16/tickets/{ticket.id}/serve", data={"csrf_token": self.token})
        assert answer.status_code == 303 and "message=done" in answer.location

    def page(self, hhmm, token, lang="en"):
        self.now(hhmm)
        return self.tablet.get(f"/{lang}/q/{token}")

    def says(self, hhmm, token, lang="en"):
        """What the live page says first in its status box, on one line."""
        return " ".join(self.page(hhmm, token, lang).soup.select_one("[role=status] p").get_text().split())


@pytest.fixture
def scripted(app, db):
    """Agency 16 (4 desks, 15-minute slots) whose last served visits took, yesterday: the death
    grant 6, 8 and 10 minutes (median 8); a work accident 20 and 30 minutes (2 visits: too few
    of its own, so it takes the agency's median of all five: 10)."""
    demo.load(app.extensions["catalog"])
    accounts.create("agent16", PASSWORD, "agent", "16", None, at("08:00"))
    AgencySettings.update(desks=4, slot_minutes=15).where(AgencySettings.code == "16").execute()
    yesterday = DAY - timedelta(days=1)
    for n, (task, minutes) in enumerate([(GRANT, 6), (GRANT, 8), (GRANT, 10), (ACCIDENT, 20), (ACCIDENT, 30)], 1):
        called = at("10:00", yesterday) + timedelta(hours=n)
        Ticket.create(agency="16", day=yesterday.date(), number=f"{n:03d}", prefix="", seq=n, service_id=task[0],
                      task_id=task[1], status="served", desk="1", issued_at=to_utc(called - timedelta(minutes=5)),
                      called_at=to_utc(called), served_at=to_utc(called + timedelta(minutes=minutes)))
    return Lobby(app)


def test_a_scripted_lobby_shows_the_place_and_wait_computed_by_hand(scripted):
    lobby_ = scripted
    tickets = {number: token for number, token in (lobby_.take(f"09:0{m}", task) for m, task in
                                                   enumerate([GRANT, GRANT, ACCIDENT, GRANT, GRANT, GRANT]))}
    t5 = tickets["005"]
    lobby_.now("09:06")
    visit = Appointment.get(Appointment.reference == demo.reference("DEM2BBBB"))  # work accident at 09:15
    checked = lobby_.tablet.post("/en/kiosk/checkin", data={"csrf_token": csrf(lobby_.tablet, "/en/kiosk/checkin"),
                                                            "reference": visit.reference})
    appointment = re.search(r"/en/q/(\w+)", checked.soup.select_one(".code").get_text()).group(1)

    # 09:07, nobody called within the hour: the 4 desks of the settings, all free. 001, 002,
    # 003 and 004 go at once; 005 to the first free desk, after 8 minutes (a death grant).
    assert lobby_.says("09:07", t5) == "4 people before you · about 8 minutes"
    assert lobby_.says("09:07", tickets["001"]) == "You are next · any moment now"
    # the appointment is queued from its slot time (09:15), after every ticket of the morning
    assert lobby_.says("09:07", appointment) == "6 people before you · about 8 minutes"

    assert lobby_.call("09:10", "1") == "001"
    assert lobby_.call("09:12", "2") == "002"
    # 09:15: two desks at work (they called within the hour). Desk 1 is free in 8-5 = 3
    # minutes, desk 2 in 8-3 = 5. 003 (10 min) goes at 3, 004 (8 min) at 5, 005 at 3+10 = 13,
    # 006 at 5+8 = 13, the appointment (10 min) at 13+8 = 21.
    assert lobby_.says("09:15", t5) == "2 people before you · about 13 minutes"
    assert lobby_.says("09:15", tickets["003"]) == "You are next · about 3 minutes"
    assert lobby_.says("09:15", appointment) == "4 people before you · about 21 minutes"

    # 09:16: 001 served in 6 minutes. The death grant's median of [6, 6, 8, 10] is now 7; the
    # agency's of [6, 6, 8, 10, 20, 30] is 9 (still used for work accidents). Desk 1 takes 003.
    lobby_.serve("09:16", "001")
    assert lobby_.call("09:16", "1") == "003"
    # 09:18: desk 2 is free in 7-6 = 1 minute (002), desk 1 in 9-2 = 7 (003). 004 goes at 1,
    # 005 at 7, 006 at 1+7 = 8, the appointment at 7+7 = 14.
    assert lobby_.says("09:18", t5) == "1 person before you · about 7 minutes"
    assert lobby_.says("09:18", appointment) == "3 people before you · about 14 minutes"
    text = lobby_.tablet.get("/kiosk/display", headers={"HX-Request": "true", "HX-Target": "waiting"}).get_data(
        as_text=True)
    assert "<html" not in text and 'id="waiting"' in text  # the wall display's fragment
    assert re.findall(r'<td dir="ltr">([^<]+)</td>\s*<td dir="ltr">([^<]+)</td>', text) == [
        ("004", "≈ 1"), ("005", "≈ 7"), ("006", "≈ 8"), (visit.reference, "≈ 14")]

    lobby_.serve("09:20", "002")
    assert lobby_.call("09:20", "2") == "004"
    assert lobby_.says("09:21", t5).startswith("You are next")
    lobby_.serve("09:22", "003")
    assert lobby_.call("09:22", "1") == "005"
    assert lobby_.says("09:23", t5) == "Your turn: go to desk 1"
    lobby_.serve("09:30", "005")
    assert lobby_.says("09:31", t5) == "Served"


def test_the_sms_goes_once_when_three_people_are_before_and_never_without_a_phone(scripted):
    lobby_ = scripted
    tokens = [lobby_.take(f"09:0{m}")[1] for m in range(6)]  # 001 ... 006
    given = lobby_.sms(tokens[4], "0550 12 34 56")  # 005: 4 people before it
    assert given.status_code == 200 and "0550" not in given.get_data(as_text=True)
    assert given.soup.select_one("#sms-title + [role=status]")
    assert Ticket.get(Ticket.token == tokens[4]).phone == "0550123456"
    lobby_.call("09:10", "1")
    assert Message.select().count() == 1  # 005 now has 3 people before it
    sms = Message.get()
    assert (sms.kind, sms.channel, sms.recipient, sms.lang) == ("queue_position", "sms", "0550123456", "en")
    assert "ticket 005, 3 people before you" in sms.body and f"/en/q/{tokens[4]}" in sms.body
    assert from_utc(sms.due_at) == at("09:10")  # at once
    assert Ticket.get(Ticket.token == tokens[4]).phone is None  # the phone is forgotten once used
    lobby_.call("09:11", "2")  # 005: 2 before it (already told); 006: 3 before it, but no phone
    lobby_.call("09:12", "3")
    assert Message.select().count() == 1


def test_no_sms_while_more_than_the_position_are_before(scripted):
    lobby_ = scripted
    tokens = [lobby_.take(f"09:0{m}")[1] for m in range(6)]
    lobby_.sms(tokens[5], "0661234567")  # 006: 5 before it
    lobby_.call("09:10", "1")
    assert Message.select().count() == 0  # 4 before it
    lobby_.app.config["QUEUE_SMS_POSITION"] = 4
    lobby_.call("09:11", "1")
    assert [m.recipient for m in Message.select()] == ["0661234567"]  # 3 before it, and the setting is 4


def test_a_phone_that_is_not_a_mobile_is_refused_and_not_shown_back(scripted):
    _, token = scripted.take("09:00")
    refused = scripted.sms(token, "0212345678")  # a landline
    assert refused.status_code == 422 and refused.soup.select_one("[role=alert]")
    assert "0212345678" not in refused.get_data(as_text=True)
    assert Ticket.get(Ticket.token == token).phone is None
    field = refused.soup.select_one("#k-phone")
    assert field.has_attr("data-forget") and field["autocomplete"] == "off"  # kiosk.js empties it after printing
    assert scripted.sms("x" * 14, "0550123456").status_code == 404


def test_the_live_page_of_an_unknown_token_is_a_404(scripted):
    number, token = scripted.take("09:00")
    ticket = Ticket.get(Ticket.token == token)
    assert re.fullmatch(r"[23456789abcdefghjkmnpqrstuvwxyz]{14}", token)
    for guess in (lobby.new_token(), number, str(ticket.id), token[:-1], token + "2", "", "%00"):
        assert scripted.tablet.get(f"/en/q/{guess}").status_code == 404, guess
    assert scripted.tablet.get(f"/en/q/{token.upper()}").status_code == 200  # typed in capitals
    assert len({scripted.take(f"09:0{m}")[1] for m in range(1, 9)}) == 8


def test_the_live_page_shows_nothing_personal_and_is_never_stored(scripted):
    _, token = scripted.take("09:00")
    scripted.sms(token, "0550123456")
    visit = Appointment.get(Appointment.reference == demo.reference("DEM2BBBB"))
    checked = scripted.tablet.post("/en/kiosk/checkin", data={
        "csrf_token": csrf(scripted.tablet, "/en/kiosk/checkin"), "reference": visit.reference})
    appointment = Appointment.get_by_id(visit.id).queue_token
    assert appointment and appointment in checked.get_data(as_text=True)
    for lang in ("ar", "fr", "en"):
        for live in (token, appointment):
            page = scripted.page("09:05", live, lang)
            text = page.get_data(as_text=True)
            assert page.headers["Cache-Control"] == "no-store"
            for personal in ("0550123456", "0660000002", "Karim", visit.reference, "Amina"):
                assert personal not in text, (lang, personal)
            assert not page.soup.select("img, script, link[rel=stylesheet], form")
    assert scripted.page("09:05", appointment).soup.h1.get_text() == "Appointment at 09:15"


def test_the_live_page_refreshes_itself_until_served(scripted):
    number, token = scripted.take("09:00")
    refresh = scripted.page("09:01", token).soup.select_one('meta[http-equiv="refresh"]')
    assert refresh["content"] == "30"
    assert scripted.page("09:01", token).soup.h1.get_text() == f"Ticket {number}"
    scripted.call("09:02", "4")
    assert scripted.says("09:03", token) == "Your turn: go to desk 4"
    scripted.serve("09:10", number)
    assert not scripted.page("09:11", token).soup.select('meta[http-equiv="refresh"]')
    scripted.app.config["NOW"] = at("09:00") + timedelta(days=1)
    _, waiting = scripted.take("09:01")
    scripted.app.config["NOW"] = at("08:30") + timedelta(days=2)
    assert scripted.tablet.get(f"/en/q/{waiting}").soup.select_one("[role=status]").get_text().strip().startswith(
        "This ticket was for another day")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_the_live_page_weighs_little(scripted, encoding):
    _, token = scripted.take("09:00")
    scripted.now("09:01")
    for lang in ("ar", "fr", "en"):
        page = scripted.tablet.get(f"/{lang}/q/{token}", headers={"Accept-Encoding": encoding})
        assert page.headers["Content-Encoding"] == encoding
        assert len(page.data) < PAGE_BUDGET, (lang, len(page.data))
        plain = (brotli.decompress if encoding == "br" else gzip.decompress)(page.data)
        assert b"<script" not in plain and b"<img" not in plain


def test_the_queue_order_is_the_order_call_next_calls(scripted):
    """Tickets and checked-in visits at every kind of tie: the places, then the calls, agree."""
    lobby_ = scripted
    for hhmm in ("09:00", "09:00", "09:05", "09:15", "09:15", "09:20"):
        lobby_.take(hhmm)
    lobby_.now("09:10")
    for body in ("DEM2AAAA", "DEM2BBBB"):  # 09:00 arrived at 09:10 (queued 09:10); 09:15 early (queued 09:15)
        lobby_.tablet.post("/en/kiosk/checkin", data={"csrf_token": csrf(lobby_.tablet, "/en/kiosk/checkin"),
                                                      "reference": demo.reference(body)})
    lobby_.now("09:30")
    with lobby_.app.app_context():
        expected = [p.visit.label for p in lobby.lobby("16", at("09:30")).places]
    assert expected == ["001", "002", "003", demo.reference("DEM2AAAA"), demo.reference("DEM2BBBB"), "004", "005",
                        "006"]
    called = [lobby_.call("09:30", "1") for _ in expected]
    assert called == expected


def test_the_wall_display_shows_who_is_next_and_allows_its_own_layout(scripted):
    for m in range(8):
        scripted.take(f"09:0{m}")
    scripted.call("09:09", "2")
    page = scripted.tablet.get("/kiosk/display")
    waiting = [[td.get_text() for td in tr.select("td")] for tr in page.soup.select("#waiting tbody tr")]
    assert [row[0] for row in waiting] == ["002", "003", "004", "005", "006", "007"]  # the next six
    assert "Aussi en attente : 1" in page.soup.select_one("#waiting").get_text()
    policy = page.headers["Content-Security-Policy"]
    for style in page.soup.select("style"):
        digest = base64.b64encode(hashlib.sha256(style.string.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy  # or the browser drops the layout


# --- the pure part, by hand ----------------------------------------------------------------

T0 = to_utc(at("10:00"))


def visit(kind, n, service="a", since=0, called=None, served=None, desk=None):
    def minute(m):
        return None if m is None else T0 + timedelta(minutes=m)
    return Visit(kind, n, service, minute(since), minute(called), minute(served), desk, f"{n:03d}")


def test_service_times_are_medians_per_service_then_the_agency_then_the_slot():
    assert lobby.durations([], 15) == Durations(15.0, {})
    two = [visit("ticket", 1, "a", called=0, served=4), visit("ticket", 2, "b", called=0, served=9)]
    assert lobby.durations(two, 15) == Durations(15.0, {})  # too few to trust
    many = two + [visit("ticket", 3, "a", called=10, served=16), visit("appointment", 4, "a", called=20, served=30)]
    assert lobby.durations(many, 15) == Durations(7.5, {"a": 6.0})  # a: [4, 6, 10]; all: [4, 6, 9, 10]
    recent = [visit("ticket", 100 + n, "c", called=n, served=n + 2) for n in range(12)]
    old = [visit("ticket", 200 + n, "c", called=-100 - n, served=-40 - n) for n in range(lobby.SAMPLES)]
    assert lobby.durations(recent + old, 15).of("c") == 2.0  # the last 20 served: 12 of 2 min, 8 of 60
    assert lobby.durations([visit("ticket", n, called=0, served=0) for n in range(3)], 15).usual == 1.0  # >= 1
    assert lobby.durations([visit("ticket", 1, called=5, served=4)] * 3, 15).usual == 15.0  # nonsense ignored


def test_the_desks_at_work_are_those_that_called_within_the_hour():
    now = at("10:00")
    calls = [("1", T0 - timedelta(minutes=5)), ("2", T0 - timedelta(minutes=59)), ("1", T0),
             ("3", T0 - timedelta(minutes=61)), (None, T0)]
    assert lobby.desks_at_work(calls, now, 6) == 2
    assert lobby.desks_at_work([], now, 6) == 6
    assert lobby.desks_at_work([("3", T0 - timedelta(minutes=61))], now, 0) == 1


def test_the_simulation_by_hand():
    """Two desks: desk 1 busy with a 10-minute visit since 4 minutes (free in 6), desk 2 idle.
    Waiting: three 10-minute visits, one 5-minute one (service b)."""
    times = Durations(10.0, {"b": 5.0})
    busy = [visit("ticket", 1, called=-4, desk="1"), visit("ticket", 9, called=-30, desk="1")]  # only the last counts
    waiting = [visit("ticket", 5, since=-1), visit("appointment", 4, "b", since=-1), visit("ticket", 3, since=-3),
               visit("ticket", 6, since=2)]
    places, next_minutes = lobby.simulate(waiting, busy, times, 2, at("10:00"))
    # order: 003 (since -3), then at -1 the appointment before the ticket, then 006
    assert [(p.visit.id, p.ahead, p.minutes) for p in places] == [(3, 0, 0), (4, 1, 6), (5, 2, 10), (6, 3, 11)]
    assert next_minutes == 20  # desks free at 20 and 21
    assert lobby.simulate([], [], times, 3, at("10:00")) == ([], 0)


def test_the_sms_fits_its_budget_with_the_longest_agency_name(app, use_case):
    """Arabic in two UCS-2 parts at most, French and English in one GSM-7 part, for every
    bookable agency, with a 4-digit ticket number and the link to the live page."""
    app.config["PUBLIC_URL"] = "https://rdv.cnas.dz"
    for agency in (a for a in app.extensions["catalog"].agencies if a["bookable"]):
        for lang in ("ar", "fr", "en"):
            for ahead in (0, 1, 2, 3, 10, 99):
                text = texts.queue_text("1234", ahead, "k" * lobby.TOKEN_LENGTH, lang, agency)
                encoding, parts = texts.segments(text)
                assert parts <= (2 if lang == "ar" else 1), (lang, ahead, len(text), text)
                assert encoding == ("ucs2" if lang == "ar" else "gsm7"), (lang, text)  # Arabic: translated
                assert f"rdv.cnas.dz/{lang}/q/kkkk" in text and "1234" in text


def test_the_sms_says_how_many_are_before(app, use_case):
    agency = app.extensions["catalog"].agency("16")
    assert texts.queue_text("007", 3, "abc", "en", agency).startswith(
        "Algiers - general scheme: ticket 007, 3 people before you.")
    assert "007, 1 person before you" in texts.queue_text("007", 1, "abc", "en", agency)
    assert "007, you are next" in texts.queue_text("007", 0, "abc", "en", agency)
