"""The back-office: every staff route locked down, accounts, sessions, the day, settings, audit."""

import re
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from markupsafe import escape

from webapp import demo
from webapp.clock import ALGIERS, to_utc
from webapp.models import Appointment, AuditEntry, Staff, Ticket
from webapp.problems import DomainError
from webapp.staffing import accounts
from webapp.views.messages import STAFF_MESSAGES

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS)
PASSWORD = "Lobby-desk-2026"


@pytest.fixture
def office(app, db):
    app.config["NOW"] = NOW
    demo.load(app.extensions["catalog"])
    accounts.create("agent16", PASSWORD, "agent", "16", None, NOW)
    accounts.create("super16", PASSWORD, "supervisor", "16", None, NOW)
    accounts.create("admin", PASSWORD, "admin", None, None, NOW)
    return app


def csrf(client, url="/fr/staff/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def sign_in(client, username, password=PASSWORD):
    return client.post("/fr/staff/login", data={"csrf_token": csrf(client), "username": username, "password": password})


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf(client, "/fr/staff/login"), **data})


def staff_urls(app):
    """Every staff route, with sample values: (endpoint, method, url)."""
    values = {"agency": "09", "appointment_id": 1, "ticket_id": 1, "action": "arrive", "closure_id": 1,
              "message_id": 1, "reference": "ABCDEFGHJ", "file_id": 1}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or rule.endpoint in ("staff.login", "staff.logout"):
            continue
        url = rule.build({"lang": "fr", **{k: values[k] for k in rule.arguments if k != "lang"}})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_no_staff_route_without_signing_in(office):
    client = office.test_client()
    found = list(staff_urls(office))
    assert len(found) >= 10
    for endpoint, method, url in found:
        response = client.open(url, method=method, data={"csrf_token": csrf(client)})
        assert response.status_code == 302 and "/fr/staff/login" in response.location, (endpoint, method)


def test_an_agent_never_reaches_another_agency_or_a_higher_role(office):
    client = office.test_client()
    sign_in(client, "agent16")
    for endpoint, method, url in staff_urls(office):
        if endpoint in ("staff.logout", "staff.home", "staff.reports", "staff.reports_csv"):
            continue
        response = client.open(url, method=method, data={"csrf_token": csrf(client)})
        assert response.status_code == 403, (endpoint, method, url, response.status_code)
    assert client.get("/fr/staff/16/agenda").status_code == 200
    assert client.get("/fr/staff/16/settings").status_code == 403  # agents do not change settings


def test_supervisor_and_admin_scopes(office):
    supervisor = office.test_client()
    sign_in(supervisor, "super16")
    assert supervisor.get("/fr/staff/16/settings").status_code == 200
    assert supervisor.get("/fr/staff/09/settings").status_code == 403
    assert supervisor.get("/fr/staff/accounts").status_code == 403
    admin = office.test_client()
    sign_in(admin, "admin")
    assert admin.get("/fr/staff/09/settings").status_code == 200
    assert admin.get("/fr/staff/accounts").status_code == 200


def test_passwords_are_argon2id_with_the_minimum_cost(office):
    stored = Staff.get(Staff.username == "agent16").password_hash
    assert stored.startswith("$argon2id$") and "m=19456,t=2" in stored
    assert PASSWORD not in stored


@pytest.mark.parametrize("password, problem", [
    ("short", "short"), ("Nine-ch9!", "short"), ("azertyuiop", "common"), ("aaaaaaaaaaaa", "common"),
    ("newagent16-x", "common"), ("Password12", "common"), ("qwerty12345", "common"), ("cnas123456789", "common"),
    ("Newagent16!2026", "common")])
def test_weak_passwords_are_refused(office, password, problem):
    """At least 10 characters, and a zxcvbn score of 3 knowing the username and "cnas"."""
    with pytest.raises(DomainError, match=problem):
        accounts.create("newagent16", password, "agent", "16", None, NOW)


@pytest.mark.parametrize("password", ["Ten-char10", "Lobby-desk-2026", "Une-phrase-longue-2026",
                                      *(row[3] for row in demo.STAFF)])
def test_ten_characters_that_are_hard_to_guess_are_enough(office, password):
    assert accounts.create("newagent16", password, "agent", "16", None, NOW).username == "newagent16"


def test_a_weak_password_is_refused_with_a_translated_reason(office):
    client = office.test_client()
    sign_in(client, "admin")
    form = {"username": "newagent16", "password": "Password12", "role": "agent", "agency": "16"}
    for lang in ("fr", "ar", "en"):
        page = client.post(f"/{lang}/staff/accounts", data={"csrf_token": csrf(client), **form})
        with office.test_request_context(f"/{lang}/staff/accounts"):
            reason = str(escape(STAFF_MESSAGES["common"]))  # test_i18n: translated in ar and fr
        assert page.status_code == 422 and reason in page.get_data(as_text=True), lang
        assert "too easy to guess" in reason or lang != "en"
    assert not Staff.select().where(Staff.username == "newagent16").exists()


def test_an_unknown_account_costs_a_password_hash_too(office, monkeypatch):
    """So that the time of the answer does not tell which accounts exist."""
    hashed, real = [], PasswordHasher.hash
    monkeypatch.setattr(PasswordHasher, "hash", lambda self, password, **kw: hashed.append(password) or real(
        self, password, **kw))
    assert sign_in(office.test_client(), "nobody", "Any-password-1").status_code == 401
    assert hashed == ["Any-password-1"]


def test_unknown_user_and_wrong_password_read_the_same(office):
    client = office.test_client()
    unknown = sign_in(client, "nobody").get_data(as_text=True)
    wrong = sign_in(client, "agent16", "wrong-password").get_data(as_text=True)
    assert "Identifiant ou mot de passe incorrect." in unknown and "Identifiant ou mot de passe incorrect." in wrong


def test_login_renews_the_session_and_expires_it(office):
    client = office.test_client()
    with client.session_transaction() as session:
        session["mine"] = ["ABCDEFGH2"]
    sign_in(client, "agent16")
    with client.session_transaction() as session:
        assert "mine" not in session and session["staff"]["sid"]
    assert client.get("/fr/staff/16/agenda").status_code == 200
    office.config["NOW"] = NOW + timedelta(minutes=25)
    assert client.get("/fr/staff/16/agenda").status_code == 200  # activity keeps it alive
    office.config["NOW"] = NOW + timedelta(minutes=56)
    assert client.get("/fr/staff/16/agenda").status_code == 302  # 31 minutes idle
    signed_at = NOW + timedelta(minutes=56)
    sign_in(client, "agent16")
    # Active all day (a request every 25 minutes, then one at 11 h 59): never signed out...
    for minutes in [*range(25, 12 * 60, 25), 12 * 60 - 1]:
        office.config["NOW"] = signed_at + timedelta(minutes=minutes)
        assert client.get("/fr/staff/16/agenda").status_code == 200, f"signed out after {minutes} minutes"
    # ...until the 12-hour limit: 2 minutes later, well within the 30 idle minutes, it is over.
    office.config["NOW"] = signed_at + timedelta(hours=12, minutes=1)
    assert client.get("/fr/staff/16/agenda").status_code == 302


def test_staff_pages_are_never_stored(office):
    client = office.test_client()
    assert client.get("/fr/staff/login").headers["Cache-Control"] == "no-store"
    assert sign_in(client, "agent16", "wrong-password").headers["Cache-Control"] == "no-store"
    sign_in(client, "admin")
    shown = [client.get(url) for _, method, url in staff_urls(office) if method == "GET"]
    shown = [response for response in shown if response.status_code == 200]
    assert len(shown) >= 8 and {response.headers["Cache-Control"] for response in shown} == {"no-store"}


def test_logout(office):
    client = office.test_client()
    sign_in(client, "agent16")
    post(client, "/fr/staff/logout")
    assert client.get("/fr/staff/16/agenda").status_code == 302


def test_the_day_arrive_call_serve(office):
    client = office.test_client()
    sign_in(client, "agent16")
    page = client.get("/fr/staff/16/agenda?date=2026-12-02").soup
    rows = page.select("#agenda tbody tr")
    references = [r["data-reference"] for r in rows]  # as the API returns it; printed grouped in the row
    assert references == [demo.reference("DEM2AAAA"), demo.reference("DEM2BBBB")]
    first = Appointment.get(Appointment.reference == demo.reference("DEM2AAAA"))
    assert post(client, f"/fr/staff/16/appointments/{first.id}/arrive").status_code == 303
    called = post(client, "/fr/staff/16/call-next", desk="3")
    assert demo.reference("DEM2AAAA") in called.location
    assert Appointment.get_by_id(first.id).status == "called" and Appointment.get_by_id(first.id).desk == "3"
    post(client, f"/fr/staff/16/appointments/{first.id}/serve")
    assert Appointment.get_by_id(first.id).status == "served"
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == ["arrive", "call_next", "serve"]
    audit = " ".join(f"{e.target} {e.details}" for e in AuditEntry.select())
    assert "Amina" not in audit and "0550000001" not in audit
    sign_in(client, "admin")  # the audit log says what happened in the reader's language
    shown = [r.select("td")[3].get_text().strip() for r in client.get("/ar/staff/audit").soup.select("tbody tr")]
    assert "call_next" not in " ".join(shown) and "استدعاء الشخص التالي" in shown


def test_two_agents_at_once_never_corrupt_a_visit(office):
    one, two = office.test_client(), office.test_client()
    sign_in(one, "agent16")
    sign_in(two, "super16")
    visit = Appointment.get(Appointment.reference == demo.reference("DEM2BBBB"))
    first = post(one, f"/fr/staff/16/appointments/{visit.id}/arrive")
    second = post(two, f"/fr/staff/16/appointments/{visit.id}/arrive")
    assert "message=done" in first.location and "message=already" in second.location
    post(one, f"/fr/staff/16/appointments/{visit.id}/serve")
    refused = post(two, f"/fr/staff/16/appointments/{visit.id}/no_show")
    assert "message=refused" in refused.location and Appointment.get_by_id(visit.id).status == "served"


def test_call_next_is_fair_between_tickets_and_appointments(office):
    client = office.test_client()
    sign_in(client, "agent16")
    office.config["NOW"] = datetime(2026, 12, 2, 9, 20, tzinfo=ALGIERS)
    Ticket.create(agency="16", day=NOW.date(), number="A001", service_id="death-grant", task_id="claim-death-grant",
                  issued_at=to_utc(datetime(2026, 12, 2, 9, 5, tzinfo=ALGIERS)))
    late = Appointment.get(Appointment.reference == demo.reference("DEM2BBBB"))  # 09:15 slot
    post(client, f"/fr/staff/16/appointments/{late.id}/arrive")
    assert "A001" in post(client, "/fr/staff/16/call-next", desk="1").location  # waiting since 09:05
    assert late.reference in post(client, "/fr/staff/16/call-next", desk="2").location
    assert "message=nobody" in post(client, "/fr/staff/16/call-next", desk="1").location


def test_settings_validation(office):
    client = office.test_client()
    sign_in(client, "super16")
    form = {"desks": "0", "slot_minutes": "7", "horizon_days": "30", "min_notice_minutes": "120"}
    response = post(client, "/fr/staff/16/settings", **form)
    assert response.status_code == 422
    assert "Entre 1 et 50 guichets." in response.get_data(as_text=True)


def test_closing_a_booked_day_lists_then_flags(office):
    client = office.test_client()
    sign_in(client, "super16")
    closure = {"first_day": "2026-12-02", "last_day": "2026-12-02", "reason": "Coupure d'électricité"}
    listed = post(client, "/fr/staff/16/closures", **closure)
    assert listed.status_code == 409
    assert demo.reference("DEM2AAAA") in listed.get_data(as_text=True)
    assert Appointment.get(Appointment.reference == demo.reference("DEM2AAAA")).flag is None
    confirmed = post(client, "/fr/staff/16/closures", confirm="yes", **closure)
    assert confirmed.status_code == 303
    flagged = Appointment.get(Appointment.reference == demo.reference("DEM2AAAA"))
    assert flagged.flag == "closure: Coupure d'électricité"
    agenda = client.get("/fr/staff/16/agenda?date=2026-12-02").get_data(as_text=True)
    assert "Coupure d&#39;électricité" in agenda
    assert AuditEntry.get(AuditEntry.action == "closure_add").details.endswith("2 flagged")


def test_lowering_desks_below_bookings_needs_confirmation(office):
    client = office.test_client()
    sign_in(client, "admin")
    hours = {f"open-{d}": "on" for d in (6, 0, 1, 2, 3)}
    form = {"desks": "1", "slot_minutes": "15", "horizon_days": "30", "min_notice_minutes": "120", **hours}
    listed = post(client, "/fr/staff/09/settings", **form)  # agency 09 has two people at 10:00
    assert listed.status_code == 409 and demo.reference("DEM2DDDD") in listed.get_data(as_text=True)
    assert post(client, "/fr/staff/09/settings", confirm="yes", **form).status_code == 303
    assert Appointment.get(Appointment.reference == demo.reference("DEM2DDDD")).flag
    assert Appointment.get(Appointment.reference == demo.reference("DEM2CCCC")).flag is None  # seat 0 still fits


def test_create_staff_command(tmp_path):
    env = {"INSTANCE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "webapp", "create-staff", "--username", "chef",
                           "--role", "admin", "--password", "Une-phrase-longue-2026"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "created admin chef" in done.stdout
    weak = subprocess.run([sys.executable, "-m", "webapp", "create-staff", "--username", "xavier", "--password", "123"],
                          capture_output=True, text=True, env=env)
    assert weak.returncode != 0 and "short" in weak.stderr


def test_a_procedure_an_agency_does_not_book(office, client):
    supervisor = office.test_client()
    sign_in(supervisor, "super16")
    hours = {f"open-{d}": "on" for d in (6, 0, 1, 2, 3)}
    form = {"desks": "4", "slot_minutes": "15", "horizon_days": "30", "min_notice_minutes": "120", **hours,
            "not_bookable": "family-allowances/apply-family-allowances"}
    assert post(supervisor, "/fr/staff/16/settings", **form).status_code == 303
    api = client.get("/api/v1/agencies/16/availability?task=family-allowances/apply-family-allowances")
    assert api.status_code == 422 and api.json["error"]["code"] == "not_bookable_here"
    options = client.get("/fr/book/family-allowances/apply-family-allowances").soup.select("#agency-choice option")
    assert "16" not in [o["value"] for o in options] and "09" in [o["value"] for o in options]
    other = client.get("/fr/book/death-grant/claim-death-grant").soup.select("#agency-choice option")
    assert "16" in [o["value"] for o in other]


def test_a_long_password_is_judged_on_its_start(office):
    """zxcvbn refuses passwords over 72 characters: a long passphrase is fine, a long
    repetition is not."""
    long = "Une phrase de passe assez longue pour un guichet de la CNAS a Alger " * 3
    assert accounts.create("longpass", long, "agent", "16", None, NOW).username == "longpass"
    with pytest.raises(DomainError, match="common"):
        accounts.create("longpass2", "a" * 10_000, "agent", "16", None, NOW)


def desk_fields(page) -> list[str]:
    """The value of every desk field of an agenda page or fragment."""
    return [field["value"] for field in page.select("input[name=desk]")]


def test_the_desk_chosen_is_remembered_for_every_call(office):
    client = office.test_client()
    sign_in(client, "agent16")
    first, second = (Appointment.get(Appointment.reference == demo.reference(r)) for r in ("DEM2AAAA", "DEM2BBBB"))
    for visit in (first, second):
        post(client, f"/fr/staff/16/appointments/{visit.id}/arrive", date="2026-12-02")
    assert desk_fields(client.get("/fr/staff/16/agenda?date=2026-12-02").soup) == ["1", "1", "1"]
    called = post(client, "/fr/staff/16/call-next", desk="3", date="2026-12-02")
    assert Appointment.get_by_id(first.id).desk == "3"
    page = client.get(called.location).soup
    assert desk_fields(page) == ["3", "3"]  # call next, and the row still to call
    refreshed = client.get("/fr/staff/16/agenda?date=2026-12-02", headers={"HX-Request": "true", "HX-Target": "agenda"})
    fragment = BeautifulSoup(refreshed.get_data(as_text=True), "html.parser")  # what htmx swaps in every 10 s
    assert fragment.select_one("#agenda") and desk_fields(fragment) == ["3"]
    post(client, "/fr/staff/16/call-next", date="2026-12-02")  # no desk field at all: the remembered one
    assert Appointment.get_by_id(second.id).desk == "3"
    post(client, f"/fr/staff/16/appointments/{second.id}/call", desk=" 5 ", date="2026-12-02")  # a per-row call
    assert Appointment.get_by_id(second.id).desk == "5"
    assert desk_fields(client.get("/fr/staff/16/agenda?date=2026-12-02").soup) == ["5"]
    assert desk_fields(client.get("/fr/staff/16/agenda?date=2026-12-03").soup)[0] == "5"  # any day
    other = office.test_client()  # another agent's session starts at desk 1
    sign_in(other, "super16")
    assert desk_fields(other.get("/fr/staff/16/agenda?date=2026-12-02").soup) == ["1"]


def test_an_action_returns_to_the_day_and_filters_shown(office):
    client = office.test_client()
    sign_in(client, "agent16")
    visit = Appointment.get(Appointment.reference == demo.reference("DEM2BBBB"))
    page = client.get("/fr/staff/16/agenda?date=2026-12-02&status=booked").soup
    form = page.select_one(f"form[action$='/appointments/{visit.id}/arrive']")
    fields = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    assert fields["date"] == "2026-12-02" and fields["status"] == "booked"
    arrived = post(client, f"/fr/staff/16/appointments/{visit.id}/arrive", **{k: v for k, v in fields.items()
                                                                              if k != "csrf_token"})
    assert "date=2026-12-02" in arrived.location and "status=booked" in arrived.location
    office.config["NOW"] = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)  # the agent looks at tomorrow's agenda
    for url in (f"/fr/staff/16/appointments/{visit.id}/serve", "/fr/staff/16/call-next"):
        assert "date=2026-12-02" in post(client, url, date="2026-12-02", desk="2").location, url
    call_next = client.get("/fr/staff/16/agenda?date=2026-12-02").soup.select_one("form.call-next")
    assert call_next.select_one("input[name=date]")["value"] == "2026-12-02"
    assert "date=" not in post(client, "/fr/staff/16/call-next", date="2026-13-45").location  # not a day


def test_staff_pages_have_their_own_navigation_without_the_citizens_menu(office, client):
    sign_in(client, "agent16")
    staff_page = client.get("/fr/staff/16/agenda").soup
    assert staff_page.find("nav", attrs={"aria-label": "Back-office"}) or staff_page.select_one("nav.staff-nav")
    assert not staff_page.find("nav", attrs={"aria-label": "Menu principal"})
    assert client.get("/fr/").soup.find("nav", attrs={"aria-label": "Menu principal"})
