"""The agenda: who comes (name, reference as printed), walk-ins by desk, and the day kept
after every action."""

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from test_staff import NOW, office, post, sign_in  # noqa: F401 (the fixture)
from webapp import demo
from webapp.models import Appointment, Ticket
from webapp.staffing import lobby

DAY = "2026-12-02"


def test_rows_show_the_name_and_the_reference_as_printed(office):  # noqa: F811
    client = office.test_client()
    sign_in(client, "agent16")
    rows = client.get(f"/fr/staff/16/agenda?date={DAY}").soup.select("#agenda tbody tr")
    first = rows[0]
    assert first["data-reference"] == demo.reference("DEM2AAAA")  # as the API returns it
    assert first.select("td")[1].get_text(strip=True) == "DEM2-AAAA-" + demo.reference("DEM2AAAA")[-1]
    assert first.select_one("td.name").get_text(strip=True) == "Amina Demo"
    heads = [th.get_text(strip=True) for th in
             client.get(f"/fr/staff/16/agenda?date={DAY}").soup.select("#agenda thead th")]
    assert heads[:3] == ["Heure", "Référence ou ticket", "Nom"]


def test_walk_ins_of_the_menu_show_their_desk_and_can_be_filtered(office):  # noqa: F811
    catalog = office.extensions["catalog"]
    lobby.take_ticket(catalog, "16", lobby.DESK_SERVICE, "employers", NOW)
    lobby.take_ticket(catalog, "16", "death-grant", "claim-death-grant", NOW)
    client = office.test_client()
    sign_in(client, "agent16")
    soup = client.get(f"/fr/staff/16/agenda?date={DAY}&task=desk/employers").soup
    rows = soup.select("#agenda tbody tr")
    assert [r["data-ticket"] for r in rows] == ["001"]
    assert rows[0].select_one("td.procedure").get_text(strip=True) == "Employeurs"
    assert soup.select_one("#a-task option[value='desk/employers']")["selected"] is not None


def actions(app):
    """(url, form) of each action an agent takes on the agenda, on the demo day."""
    first, second = (Appointment.get(Appointment.reference == demo.reference(r)) for r in ("DEM2AAAA", "DEM2BBBB"))
    ticket = lobby.take_ticket(app.extensions["catalog"], "16", lobby.DESK_SERVICE, "other", NOW)
    return [
        (f"/fr/staff/16/appointments/{first.id}/arrive", {}),  # check-in
        ("/fr/staff/16/call-next", {"desk": "4"}),
        (f"/fr/staff/16/appointments/{second.id}/no_show", {}),
        (f"/fr/staff/16/appointments/{second.id}/arrive", {}),
        (f"/fr/staff/16/appointments/{second.id}/call", {"desk": "4"}),
        (f"/fr/staff/16/appointments/{first.id}/cancel", {"reason": "Demande du citoyen"}),
        (f"/fr/staff/16/tickets/{ticket.id}/serve", {}),
    ]


@pytest.mark.parametrize("other_day", ["2026-12-03", "2026-11-30"])
def test_every_action_comes_back_to_the_day_shown(office, other_day):  # noqa: F811
    """Without JavaScript: each form posts the day shown and its answer redirects to it (with
    the filters), whatever day "today" is."""
    client = office.test_client()
    sign_in(client, "agent16")
    for url, form in actions(office):
        answer = post(client, url, date=other_day, status="booked", **form)
        assert answer.status_code == 303, url
        query = parse_qs(urlsplit(answer.location).query)
        assert query["date"] == [other_day] and query["status"] == ["booked"], (url, answer.location)
    assert Ticket.get().status == "served"


def test_the_forms_and_the_refresh_carry_the_day_shown(office):  # noqa: F811
    client = office.test_client()
    sign_in(client, "agent16")
    post(client, f"/fr/staff/16/appointments/{demo_id('DEM2AAAA')}/arrive", date=DAY)
    page = client.get(f"/fr/staff/16/agenda?date={DAY}")
    forms = page.soup.select("form[method=post]:not([action$='/logout'])")
    assert forms and all(f.select_one("input[name=date]")["value"] == DAY for f in forms)
    refresh = page.soup.select_one("#agenda")["hx-get"]
    assert f"date={DAY}" in refresh
    fragment = client.get(refresh, headers={"HX-Request": "true", "HX-Target": "agenda"})
    swapped = BeautifulSoup(fragment.get_data(as_text=True), "html.parser")
    assert all(i["value"] == DAY for i in swapped.select("input[name=date]"))


def demo_id(reference):
    return Appointment.get(Appointment.reference == demo.reference(reference)).id
