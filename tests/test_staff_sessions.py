"""Staff sessions that really end, sign-in throttling instead of lockout, and where a sign-in
may send the browser back to."""

import re
from datetime import datetime, timedelta

import pytest
from flask_babel import gettext
from markupsafe import escape

from webapp import demo
from webapp.clock import ALGIERS
from webapp.models import Staff
from webapp.staffing import accounts, auth

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS)  # 08:00 UTC: every window starts now
PASSWORD = "Lobby-desk-2026"
THROTTLED = "Too many failed sign-ins from here. Wait %(wait)s, then try again."


@pytest.fixture
def office(app, db):
    app.config["NOW"] = NOW
    accounts.create("agent16", PASSWORD, "agent", "16", None, NOW)
    accounts.create("admin", PASSWORD, "admin", None, None, NOW)
    return app


def csrf(client):
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/fr/staff/login").get_data(as_text=True)).group(1)


def sign_in(client, username, password=PASSWORD, address="127.0.0.1", url="/fr/staff/login"):
    return client.post(url, data={"csrf_token": csrf(client), "username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def said(app, response, message, **values) -> bool:
    """Whether the page shows `message` in its language (test_i18n checks every message has
    its Arabic and French translation)."""
    with app.test_request_context(response.request.path):
        expected = gettext(message, **values)
    return str(escape(expected)) in response.get_data(as_text=True)


def copy_session(source, target):
    """Put the session cookie of one browser into another (as a thief would)."""
    target.set_cookie("session", source.get_cookie("session").value)


# ---------------------------------------------------------------------------------------------
# Sessions


def test_a_cookie_copied_before_logout_is_dead_after_it(office):
    browser, thief = office.test_client(), office.test_client()
    assert sign_in(browser, "agent16").status_code == 303
    copy_session(browser, thief)
    assert thief.get("/fr/staff/16/agenda").status_code == 200  # the copy works while signed in
    assert browser.post("/fr/staff/logout", data={"csrf_token": csrf(browser)}).status_code == 303
    assert thief.get("/fr/staff/16/agenda").status_code == 302
    assert browser.get("/fr/staff/16/agenda").status_code == 302


def test_logging_out_on_one_device_ends_the_others(office):
    desk, phone = office.test_client(), office.test_client()
    sign_in(desk, "agent16")
    sign_in(phone, "agent16")
    phone.post("/fr/staff/logout", data={"csrf_token": csrf(phone)})
    assert desk.get("/fr/staff/16/agenda").status_code == 302
    sign_in(desk, "agent16")  # signing in again works, with a new session
    assert desk.get("/fr/staff/16/agenda").status_code == 200


def test_deactivating_an_account_ends_its_sessions_at_once(office):
    agent, admin = office.test_client(), office.test_client()
    sign_in(agent, "agent16")
    sign_in(admin, "admin")
    assert agent.get("/fr/staff/16/agenda").status_code == 200
    staff_id = Staff.get(Staff.username == "agent16").id
    response = admin.post("/fr/staff/accounts", data={"csrf_token": csrf(admin), "deactivate": staff_id})
    assert response.status_code == 303
    assert Staff.get_by_id(staff_id).session_version == 1
    assert agent.get("/fr/staff/16/agenda").status_code == 302
    assert sign_in(agent, "agent16").status_code == 401


def test_end_sessions_ends_every_session_of_one_account_only(office):
    """The mechanism a password change uses: every session of that account, no other."""
    agent, admin = office.test_client(), office.test_client()
    sign_in(agent, "agent16")
    sign_in(admin, "admin")
    auth.end_sessions(Staff.get(Staff.username == "agent16").id)
    assert agent.get("/fr/staff/16/agenda").status_code == 302
    assert admin.get("/fr/staff/16/agenda").status_code == 200


@pytest.mark.parametrize("version", [None, "0", 1, True, 0.0])
def test_a_session_without_the_right_version_is_refused(office, version):
    client = office.test_client()
    sign_in(client, "agent16")
    with client.session_transaction() as session:
        if version is None:
            del session["staff"]["v"]
        else:
            session["staff"]["v"] = version
        session.modified = True
    assert client.get("/fr/staff/16/agenda").status_code == 302


# ---------------------------------------------------------------------------------------------
# Sign-in throttling


def test_failures_slow_the_address_and_username_with_growing_waits(office):
    client = office.test_client()
    assert [sign_in(client, "agent16", "wrong-password").status_code for _ in range(5)] == [401] * 5
    slowed = sign_in(client, "agent16", PASSWORD)  # even the right password waits
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "300"
    assert said(office, slowed, THROTTLED, wait="5 minutes")
    assert slowed.headers["Cache-Control"] == "no-store"
    office.config["NOW"] = NOW + timedelta(minutes=5)
    assert [sign_in(client, "agent16", "wrong-password").status_code for _ in range(5)] == [401] * 5
    longer = sign_in(client, "agent16", PASSWORD)
    assert longer.status_code == 429 and longer.headers["Retry-After"] == str(55 * 60)  # the hour's end
    office.config["NOW"] = NOW + timedelta(hours=1)
    assert sign_in(client, "agent16", PASSWORD).status_code == 303
    # a success forgives the typos of this address and username: five more before a wait
    assert [sign_in(client, "agent16", "wrong-password").status_code for _ in range(6)] == [401] * 5 + [429]


def test_trying_again_during_a_wait_does_not_make_it_longer(office):
    client = office.test_client()
    assert [sign_in(client, "agent16", "wrong-password").status_code for _ in range(5)] == [401] * 5
    assert {sign_in(client, "agent16", PASSWORD).status_code for _ in range(25)} == {429}
    office.config["NOW"] = NOW + timedelta(minutes=5)
    assert sign_in(client, "agent16", PASSWORD).status_code == 303


def test_nobody_can_lock_an_account_from_their_address(office):
    attacker = office.test_client()
    for address in ("10.0.0.1", "10.0.0.2"):
        statuses = [sign_in(attacker, "agent16", "wrong-password", address).status_code for _ in range(8)]
        assert statuses == [401] * 5 + [429] * 3
    assert sign_in(office.test_client(), "agent16", address="10.9.9.9").status_code == 303  # the agent, at work


def test_one_address_is_slowed_across_usernames(office):
    client = office.test_client()
    statuses = [sign_in(client, f"guess{n}", "wrong-password", "10.0.0.1").status_code for n in range(31)]
    assert statuses == [401] * 30 + [429]
    assert sign_in(client, "agent16", PASSWORD, "10.0.0.1").status_code == 429
    assert sign_in(client, "agent16", PASSWORD, "10.0.0.2").status_code == 303


def test_successes_do_not_count_against_the_address(office):
    """An agency's agents may share one public address: a day of sign-ins slows nobody."""
    client = office.test_client()
    assert all(sign_in(client, "agent16", address="10.0.0.1").status_code == 303 for _ in range(35))


def test_throttling_reads_the_same_whether_the_account_exists_or_not(office):
    answers = []
    for username in ("agent16", "nobody-here"):
        client = office.test_client()
        for _ in range(5):
            sign_in(client, username, "wrong-password", address=f"10.1.0.{len(answers)}")
        page = sign_in(client, username, "wrong-password", address=f"10.1.0.{len(answers)}")
        text = re.sub(r'name="csrf_token" value="[^"]+"|value="[^"]*"', "", page.get_data(as_text=True))
        answers.append((page.status_code, page.headers["Retry-After"], text))
    assert answers[0] == answers[1] and answers[0][0] == 429
    arabic = sign_in(office.test_client(), "nobody-here", "x", address="10.1.0.1", url="/ar/staff/login")
    assert said(office, arabic, THROTTLED, wait="5 دقائق")


def test_a_demo_account_cannot_be_locked_either(office, app):
    demo.load(app.extensions["catalog"])
    for n in range(3):
        for _ in range(6):
            sign_in(office.test_client(), "demo-admin", "wrong-password", address=f"10.2.0.{n}")
    assert sign_in(office.test_client(), "demo-admin", "Siege-CNAS-demo", address="10.2.9.9").status_code == 303


# ---------------------------------------------------------------------------------------------
# Where a sign-in goes next


@pytest.mark.parametrize("target", [
    "//evil.example/", "/%09/evil.example/", "/%2509/evil.example/", "/\\evil.example", "/%5Cevil.example",
    "/%5cevil.example", "https://evil.example/", "javascript:alert(1)", "/%0d%0a/evil.example", "%2F%2Fevil.example",
    "/%2F/evil.example", "/%252F%252Fevil.example", "/ /evil.example", "/%E3%80%80/evil.example", "evil.example",
    "/%7f/evil.example", "", "\\\\evil.example",
])
def test_next_never_leaves_the_site(office, target):
    client = office.test_client()
    response = client.post("/fr/staff/login", query_string={"next": target},
                           data={"csrf_token": csrf(client), "username": "agent16", "password": PASSWORD})
    assert response.status_code == 303 and response.location == "/fr/staff/", response.location


@pytest.mark.parametrize("raw", ["/%09/evil.example/", "/%5C%5Cevil.example", "%2F%2Fevil.example", "/%2F/evil.example",
                                 "/%0A/evil.example", "http:%2F%2Fevil.example", "/%E2%80%8B/evil.example"])
def test_next_written_in_the_url_never_leaves_the_site(office, raw):
    """The attack as sent: `?next=/%09/evil.example/` once came back as `Location: //evil.example/`."""
    client = office.test_client()
    response = client.post(f"/fr/staff/login?next={raw}",
                           data={"csrf_token": csrf(client), "username": "agent16", "password": PASSWORD})
    assert response.status_code in (303, 400) and response.location in (None, "/fr/staff/"), response.location


@pytest.mark.parametrize("target", ["/fr/staff/16/agenda?date=2026-12-02", "/ar/staff/reports?agency=16",
                                    "/fr/staff/16/agenda?task=death-grant/claim-death-grant"])
def test_next_goes_back_to_a_page_of_the_site(office, target):
    client = office.test_client()
    response = client.post("/fr/staff/login", query_string={"next": target},
                           data={"csrf_token": csrf(client), "username": "agent16", "password": PASSWORD})
    assert response.status_code == 303 and response.location == target


def test_the_sign_in_page_sends_back_to_the_page_asked_for(office):
    client = office.test_client()
    asked = client.get("/fr/staff/16/agenda?date=2026-12-02")
    assert asked.status_code == 302
    login = client.get(asked.location)
    action = login.soup.select_one("form")["action"]
    response = client.post(action, data={"csrf_token": csrf(client), "username": "agent16", "password": PASSWORD})
    assert response.location == "/fr/staff/16/agenda?date=2026-12-02"
