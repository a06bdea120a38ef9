"""The render cache keeps the lobby tablet's layout apart: a tablet never gets a catalog page
without its idle reset, and a visitor's phone never gets the tablet's (whose reset would wipe
the phone's checklist ticks and application drafts, then show "not a lobby tablet")."""

import re

import pytest

from webapp import demo

PAGES = ["/fr/", "/ar/services/work-accident", "/fr/services/work-accident/declare-work-accident"]


def csrf(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def tablet(app, db):
    """A client enrolled as agency 16's lobby tablet by its supervisor."""
    demo.load(app.extensions["catalog"])
    client = app.test_client()
    client.post("/fr/staff/login", data={"csrf_token": csrf(client, "/fr/staff/login"),
                                         "username": "demo-supervisor", "password": "Chef-agence-16-demo"})
    enrolled = client.post("/fr/staff/16/kiosks",
                           data={"csrf_token": csrf(client, "/fr/staff/16/kiosks"), "name": "Entrée"})
    assert enrolled.status_code == 303 and enrolled.location == "/kiosk"
    return client


def kiosk_layout(response) -> bool:
    assert response.status_code == 200
    return "kiosk" in (response.soup.body.get("class") or []) and response.soup.select_one("#idle") is not None


@pytest.mark.parametrize("first", ["tablet", "phone"])
def test_tablet_and_phone_each_get_their_own_layout_from_the_cache(app, tablet, first):
    assert app.extensions["render_cache"] is not None
    phone, other_phone = app.test_client(), app.test_client()
    for url in PAGES:
        if first == "tablet":
            assert kiosk_layout(tablet.get(url)), url
            assert not kiosk_layout(phone.get(url)), url
        else:
            assert not kiosk_layout(phone.get(url)), url
            assert kiosk_layout(tablet.get(url)), url
        assert kiosk_layout(tablet.get(url)) and not kiosk_layout(other_phone.get(url)), url


def test_a_made_up_device_cookie_does_not_take_the_tablets_pages(app, tablet):
    forger = app.test_client()
    forger.set_cookie("kiosk_device", "made-up")
    assert not kiosk_layout(forger.get("/fr/"))
    assert kiosk_layout(tablet.get("/fr/"))
