"""The messages people get, read from the demo inbox as a tester's suite would: booking,
moving and cancelling through the pages (Arabic), the API and the offline outbox (French)."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import (
    confirm_by_api,
    confirm_in_outbox,
    confirm_with_code,
    free_slot,
    unique_key,
    unique_phone,
)
from test_booking import choose_agency_day_time, move_in_arabic
from test_offline import expect_confirmed, expect_held, fill_details_offline, precache


def inbox(page, to):
    """The demo inbox's messages for one phone, newest first."""
    response = page.request.get(f"/api/v1/demo/messages?to={to}")
    assert response.ok
    return response.json()


def test_pages_in_arabic_confirm_move_and_cancel_by_sms(page, base_url):
    day, time = free_slot(base_url, "42", after="2026-12-03")
    choose_agency_day_time(page, day, time)
    phone = unique_phone()
    page.get_by_label("الاسم واللقب").fill("أمينة بن علي")
    page.get_by_label("الهاتف النقال").fill(phone)
    page.get_by_role("button", name="متابعة").click()
    page.get_by_role("button", name="أكد الموعد").click()
    (code,) = inbox(page, phone)  # the booking is held: its code comes first, alone
    assert (code["kind"], code["language"], code["channel"]) == ("code", "ar", "sms")
    assert confirm_with_code(page, base_url, phone) in code["body"]
    reference = page.locator(".reference strong").inner_text().replace("-", "")
    confirmed, _ = inbox(page, phone)
    assert (confirmed["kind"], confirmed["language"], confirmed["channel"]) == ("confirmed", "ar", "sms")
    assert reference in confirmed["body"] and time in confirmed["body"] and "غيرك" in confirmed["body"]

    new_day, new_time = free_slot(base_url, "42", after=day)
    move_in_arabic(page, new_day, new_time)
    page.get_by_role("button", name="إيقاف التذكيرات").click()
    expect(page.locator("#reminders ~ p")).to_contain_text("أُوقفت التذكيرات")
    page.get_by_role("link", name="ألغ هذا الموعد").click()
    page.get_by_role("button", name="نعم، ألغه").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("أُلغي الموعد")

    messages = inbox(page, phone)
    assert [m["kind"] for m in messages] == ["cancelled", "moved", "confirmed", "code"]
    assert new_time in messages[1]["body"] and {m["language"] for m in messages} == {"ar"}

    page.goto(f"/demo/inbox?to={phone}")
    expect(page.locator(".inbox li")).to_have_count(4)
    expect(page.locator(".inbox li").first).to_have_attribute("dir", "rtl")
    page.screenshot(path="e2e/artifacts/demo-inbox-ar-360.png", full_page=True)
    axe = Axe().run(page)
    assert axe.violations_count == 0, axe.generate_report()


def test_the_sms_link_opens_the_lookup_and_finds_the_visit(page, base_url):
    phone = unique_phone()
    day, time = free_slot(base_url, "16", after="2026-12-02")
    booked = page.request.post("/api/v1/appointments", headers={
        "Idempotency-Key": unique_key("sms-link"), "Accept-Language": "fr"}, data={
        "agency": "16", "service": "death-grant", "task": "claim-death-grant", "date": day, "time": time,
        "full_name": "Lien Test", "phone": phone})
    assert booked.status == 201 and booked.json()["status"] == "held"
    confirm_by_api(base_url, booked.json()["reference"], phone)
    sms, _ = inbox(page, phone)
    assert sms["language"] == "fr" and "pour un autre" in sms["body"]
    link = re.search(r"\S+/m/[2-9A-Z]{9}", sms["body"]).group(0)
    page.goto(link[link.index("/m/"):])  # the same path on this test server, in the browser's language
    expect(page.get_by_label("Reference")).to_have_value(booked.json()["reference"])
    page.get_by_label("Mobile phone").fill(phone)
    page.get_by_role("button", name="Find my appointment").click()
    expect(page.locator(".summary")).to_contain_text(time)


def test_a_request_sent_from_the_offline_outbox_is_confirmed_once(browser, base_url, server):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    precache(page, "fr")
    phone = unique_phone()
    fill_details_offline(context, page, free_slot(base_url, "16", after="2026-12-02"), phone)
    context.set_offline(False)
    expect_held(page.locator("#outbox li"))
    page.reload()  # a second page load may send again: the Idempotency-Key keeps it one booking
    assert [(m["kind"], m["language"]) for m in inbox(page, phone)] == [("code", "fr")]
    expect_confirmed(confirm_in_outbox(page, base_url, phone))
    reference = page.locator("#outbox li strong").inner_text().replace("-", "")
    messages = inbox(page, phone)
    assert [(m["kind"], m["language"]) for m in messages] == [("confirmed", "fr"), ("code", "fr")]
    assert reference in messages[0]["body"]
    context.close()
