"""Booking as a person does it: Arabic on a phone, calendar file, move, cancel, keyboard only."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import confirm_with_code, free_slot, sms_code, unique_phone

BOOK = "/{lang}/book/work-accident/declare-work-accident"


def choose_agency_day_time(page, day, time, lang="ar", agency="42"):
    page.goto(BOOK.format(lang=lang))
    page.locator("#agency-choice").select_option(agency)
    page.locator("#step-agency ~ form button, form:has(#agency-choice) button").first.click()
    page.locator(f"a[href*='date={day}']").click()
    page.locator(f"input[name=time][value='{time}']").check()
    page.locator("form:has(input[name=time]) button[type=submit]").click()
    expect(page.locator("#step-details")).to_be_visible()


def move_in_arabic(page, new_day, new_time):
    """From the Arabic confirmation page, move the appointment to (new_day, new_time)."""
    page.get_by_role("link", name="غيّر التاريخ أو الساعة").click()
    page.locator(f"a[href*='date={new_day}']").click()
    page.locator(f"input[name=time][value='{new_time}']").check()
    page.locator("form:has(input[name=time]) button[type=submit]").click()
    page.locator(f"#step-move ~ form button, form:has(input[value='{new_time}']) button.primary").first.click()
    expect(page.locator(".summary")).to_contain_text(new_time)


def test_book_in_arabic_on_a_phone_then_move_and_cancel(page, base_url):
    day, time = free_slot(base_url, "42", after="2026-12-03")  # 6 December, unless earlier runs filled it
    choose_agency_day_time(page, day, time)
    page.get_by_label("الاسم واللقب").fill("أمينة بن علي")
    phone = unique_phone()
    page.get_by_label("الهاتف النقال").fill(f"{phone[:4]} {phone[4:6]} {phone[6:8]} {phone[8:]}")  # as written
    page.get_by_role("button", name="متابعة").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("راجع وأكد")
    page.get_by_role("button", name="أكد الموعد").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("أكد موعدك")  # held until the SMS code
    expect(page.locator("img.qr")).to_have_count(0)
    axe = Axe().run(page)
    assert axe.violations_count == 0, axe.generate_report()
    confirm_with_code(page, base_url, phone)
    expect(page.get_by_role("heading", level=1)).to_have_text("تم حجز موعدك")
    reference = page.locator(".reference strong").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]", reference)
    expect(page.locator("img.qr")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="أضف إلى رزنامتي").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"DTSTART;TZID=Africa/Algiers:{day.replace('-', '')}T{time.replace(':', '')}00" in ics
    page.screenshot(path="e2e/artifacts/confirmation-ar-360.png", full_page=True)
    axe = Axe().run(page)
    assert axe.violations_count == 0, axe.generate_report()

    new_day, new_time = free_slot(base_url, "42", after=day)
    move_in_arabic(page, new_day, new_time)
    page.get_by_role("link", name="ألغ هذا الموعد").click()
    page.get_by_role("button", name="نعم، ألغه").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("أُلغي الموعد")


def test_keyboard_only_booking(page, base_url):
    page.goto(BOOK.format(lang="fr"))
    page.keyboard.press("Tab")  # skip link
    page.locator("#agency-choice").focus()
    page.keyboard.press("ArrowDown")  # first agency
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#step-day")).to_be_visible()
    page.locator(".days a").nth(2).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#step-time")).to_be_visible()
    page.locator("input[name=time]:not([disabled])").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#step-details")).to_be_visible()
    page.locator("#f-full_name").focus()
    page.keyboard.type("Karim Clavier")
    page.keyboard.press("Tab")
    phone = unique_phone()
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier et confirmer")
    page.get_by_role("button", name="Confirmer le rendez-vous").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez votre rendez-vous")
    page.get_by_label("Code reçu par SMS").focus()
    page.keyboard.type(sms_code(base_url, phone))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre rendez-vous est pris")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_booking_steps_are_accessible(browser, base_url, lang):
    context = browser.new_context(base_url=base_url, bypass_csp=True, viewport={"width": 360, "height": 740})
    page = context.new_page()
    axe = Axe()
    page.goto(BOOK.format(lang=lang) + "?agency=31&date=2026-12-08&time=09:30")
    assert axe.run(page).violations_count == 0, axe.run(page).generate_report()
    page.locator("#f-full_name").fill("Test")
    page.locator("#f-phone").fill("12")
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("#f-phone-error")).to_be_visible()
    assert axe.run(page).violations_count == 0, axe.run(page).generate_report()
    page.goto(f"/{lang}/manage")
    assert axe.run(page).violations_count == 0, axe.run(page).generate_report()
    context.close()


def test_each_step_takes_the_focus_and_is_announced(page):
    """With htmx, a keyboard or screen-reader user lands on the new step, not 20 Tabs above it."""
    page.goto(BOOK.format(lang="fr"))
    page.locator("#agency-choice").select_option("42")
    page.locator("form:has(#agency-choice) button").click()
    expect(page.locator("#step-day")).to_be_focused()
    expect(page.locator("#step-live")).to_have_text(page.locator("#step-day").inner_text())
    page.locator("#step-day ~ ul.days a").first.click()
    expect(page.locator("#step-time")).to_be_focused()
    page.keyboard.press("Tab")  # the next Tab reaches the first time of the day
    expect(page.locator("input[name=time]:not([disabled])").first).to_be_focused()


def test_a_step_lost_to_the_network_says_so_and_can_be_tried_again(page):
    page.goto(BOOK.format(lang="fr"))
    page.route("**/book/work-accident/declare-work-accident?*", lambda route: route.abort("internetdisconnected"))
    page.locator("#agency-choice").select_option("42")
    page.locator("form:has(#agency-choice) button").click()
    alert = page.locator("#step-live.alert")
    expect(alert).to_contain_text("La connexion a été perdue")
    page.unroute("**/book/work-accident/declare-work-accident?*")
    alert.get_by_role("button", name="Réessayer").click()
    expect(page.locator("#step-day")).to_be_visible()
