"""The lobby's screens and the agent's day, measured in a browser: the tablet's short ticket
menu, the wall display read from across the room, and an agenda that fits and keeps its day."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import TODAY, confirm_by_api, free_slot, open_days, sign_in, unique_key, unique_phone
from test_kiosk import enrolled_tablet

TABLET = {"width": 1280, "height": 800}
DESK = {"width": 1366, "height": 768}
DEATH_GRANT = "death-grant/claim-death-grant"


def box(locator):
    found = locator.bounding_box()
    assert found, locator
    return found


def test_the_ticket_menu_is_short_with_big_buttons(browser, base_url):
    context, page = enrolled_tablet(browser, base_url, "Menu")
    page.set_viewport_size(TABLET)
    page.goto("/ar/kiosk/ticket")
    buttons = page.locator(".desk-menu button")
    expect(buttons).to_have_count(6)
    expect(page.get_by_role("button", name="سؤال آخر")).to_be_visible()
    # One screen of the lobby tablet, not a list of every procedure (3,400 px before).
    assert page.evaluate("document.documentElement.scrollHeight") <= TABLET["height"] * 1.25
    for n in range(6):
        size = box(buttons.nth(n))
        assert size["height"] >= 48 and size["width"] >= 48, size
    page.get_by_role("button", name="سؤال آخر").click()
    expect(page.locator(".ticket-number")).to_have_text(re.compile(r"^\d{3}$"))
    expect(page.locator(".receipt")).to_contain_text("سؤال آخر")
    # How many people are ahead, in Arabic number agreement (the exact forms are unit-tested).
    expect(page.locator(".receipt .place")).to_contain_text(re.compile("أمامك|أنت التالي"))
    context.close()


def test_the_wall_display_is_readable_from_afar_and_aligned_in_rtl(browser, base_url):
    context, page = enrolled_tablet(browser, base_url, "Mur lisible")
    ticket = context.new_page()
    ticket.goto("/fr/kiosk/ticket")
    ticket.get_by_role("button", name="Employeurs").click()
    number = ticket.locator(".ticket-number").inner_text()
    agent = browser.new_context(base_url=base_url).new_page()
    sign_in(agent, "demo-agent", "Guichet-16-demo")
    agent.goto("/fr/staff/16/agenda")
    agent.get_by_label("Guichet").fill("12")
    for _ in range(15):  # call until this ticket comes up (other tests leave people waiting)
        with agent.expect_navigation():
            agent.get_by_role("button", name="Appeler le suivant").click()
        if number in agent.locator(".notice").inner_text():
            break
    display = context.new_page()
    display.set_viewport_size(TABLET)
    display.goto("/kiosk/display")
    latest = display.locator("#called tr.latest")
    expect(latest).to_contain_text(number)
    expect(display.locator("html")).to_have_attribute("dir", "rtl")
    shown = latest.locator("td[headers=h-number] .number")
    assert box(shown)["height"] / TABLET["height"] >= 0.15, box(shown)
    assert box(latest.locator("td[headers=h-desk] .number"))["height"] / TABLET["height"] >= 0.15
    # Right to left: the number's column is on the right, and each value sits under its heading.
    heads = {h: box(display.locator(f"#{h}")) for h in ("h-number", "h-desk")}
    assert heads["h-number"]["x"] > heads["h-desk"]["x"]
    for cell in display.locator("#called tbody td[headers] .number").all():
        if not cell.inner_text().strip():
            continue
        head = heads[cell.locator("xpath=..").get_attribute("headers")]
        value = box(cell)
        assert head["x"] <= value["x"] and value["x"] + value["width"] <= head["x"] + head["width"], (head, value)
    agent.context.close()
    context.close()


def test_a_called_reference_on_the_wall_display_is_as_big_as_a_number(browser, base_url):
    """An appointment is called by its reference (DEM2-AAAA-U): it wraps after a dash rather than
    shrink below 15 % of the screen's height, and stays inside its column."""
    reference = booked(base_url, TODAY)
    context, page = enrolled_tablet(browser, base_url, "Mur des références")
    agent = browser.new_context(base_url=base_url).new_page()
    sign_in(agent, "demo-agent", "Guichet-16-demo")
    agent.goto("/fr/staff/16/agenda")
    row = agent.locator(f"#agenda tr[data-reference='{reference}']")
    row.get_by_role("button", name="Arrivé", exact=True).click()
    expect(row).to_contain_text("Arrivé")
    row.get_by_role("button", name="Appeler", exact=True).click()
    expect(row).to_contain_text("Appelé")
    display = context.new_page()
    display.set_viewport_size(TABLET)
    display.goto("/kiosk/display")
    shown = display.locator("#called tr.latest td[headers=h-number] .number")
    expect(shown).to_have_text(f"{reference[:4]}-{reference[4:8]}-{reference[8:]}")
    font = float(shown.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    assert font / TABLET["height"] >= 0.15, font
    head, value = box(display.locator("#h-number")), box(shown)
    assert head["x"] <= value["x"] and value["x"] + value["width"] <= head["x"] + head["width"], (head, value)
    assert display.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    display.screenshot(path="e2e/artifacts/display-reference-ar.png")
    agent.context.close()
    context.close()


def booked(base_url, day):
    """A confirmed appointment at agency 16 on `day`, made through the API: its plain reference."""
    date, time = free_slot(base_url, "16", DEATH_GRANT, day=day)
    phone = unique_phone()
    body = json.dumps({"agency": "16", "service": "death-grant", "task": "claim-death-grant", "date": date,
                       "time": time, "full_name": "Visiteur Agenda", "phone": phone}).encode()
    request = urllib.request.Request(base_url + "/api/v1/appointments", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Idempotency-Key": unique_key("agenda")})
    with urllib.request.urlopen(request) as response:
        reference = json.loads(response.read())["reference"]
    confirm_by_api(base_url, reference, phone)
    return reference


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_agenda_stays_on_the_chosen_day_after_each_action(browser, base_url, javascript):
    day = next(d for d in open_days(base_url, "16", DEATH_GRANT) if d != TODAY)
    first, second, third = (booked(base_url, day) for _ in range(3))
    context = browser.new_context(base_url=base_url, viewport=DESK, java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, "demo-agent", "Guichet-16-demo")
    page.goto("/fr/staff/16/agenda")
    page.get_by_label("Jour").fill(day)
    page.get_by_role("button", name="Afficher").click()
    on_day = re.compile(rf"date={day}")
    expect(page).to_have_url(on_day)

    def row(reference):
        return page.locator(f"#agenda tr[data-reference='{reference}']")

    def act(reference, button, expected):
        row(reference).get_by_role("button", name=button, exact=True).click()
        expect(page).to_have_url(on_day)
        expect(row(reference)).to_contain_text(expected)

    act(first, "Arrivé", "Arrivé")  # check-in
    act(first, "Appeler", "Appelé")
    act(second, "Absent", "Absent")
    cancel = row(third).locator("details")
    cancel.locator("summary").click()
    cancel.get_by_label("Motif").fill("Demande du citoyen")
    act(third, "Annuler ce rendez-vous", "Annulé")
    with page.expect_navigation():
        page.get_by_role("button", name="Appeler le suivant").click()
    expect(page).to_have_url(on_day)
    context.close()


def test_the_agenda_fits_about_ten_rows_on_a_desk_screen(browser, base_url):
    day = next(d for d in open_days(base_url, "16", DEATH_GRANT) if d != TODAY)
    booked(base_url, day)
    context = browser.new_context(base_url=base_url, viewport=DESK)
    page = context.new_page()
    sign_in(page, "demo-agent", "Guichet-16-demo")
    page.goto(f"/ar/staff/16/agenda?date={day}")
    rows = page.locator("#agenda tbody tr")
    expect(rows.first).to_be_visible()
    tallest = max(box(r)["height"] for r in rows.all())  # a booked row has the most buttons
    first_top = box(rows.first)["y"]
    assert first_top + 10 * tallest <= DESK["height"], (first_top, tallest)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    context.close()


def test_a_cancel_reason_being_typed_survives_the_agenda_refresh(browser, base_url):
    day = next(d for d in open_days(base_url, "16", DEATH_GRANT) if d != TODAY)
    reference = booked(base_url, day)
    context = browser.new_context(base_url=base_url, viewport=DESK)
    page = context.new_page()
    sign_in(page, "demo-agent", "Guichet-16-demo")
    page.clock.install()
    page.goto(f"/fr/staff/16/agenda?date={day}")
    cancel = page.locator(f"#agenda tr[data-reference='{reference}'] details")
    cancel.locator("summary").click()
    cancel.get_by_label("Motif").fill("Demande du citoyen")
    page.evaluate("document.querySelector('#agenda').dataset.before = 'refresh'")
    with page.expect_response(lambda r: "/staff/16/agenda" in r.url and r.request.headers.get("hx-request")):
        page.clock.fast_forward(11_000)  # the agenda refreshes itself every 10 seconds
    page.clock.run_for(1_000)
    expect(page.locator("#agenda[data-before]")).to_have_count(0)  # the table was swapped
    expect(cancel).to_have_attribute("open", "")
    expect(cancel.get_by_label("Motif")).to_have_value("Demande du citoyen")
    context.close()
