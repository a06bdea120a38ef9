"""A booking is held until the code sent by SMS is typed back: on the booking pages, on "My
requests" for a request the phone queued offline, and when the server says "too many"."""

import json
import re
import time
import urllib.request
from types import SimpleNamespace

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import (
    count_appointments,
    free_port,
    free_slot,
    launch,
    sms_code,
    stop,
    unique_key,
    unique_phone,
)
from test_booking import choose_agency_day_time
from test_offline import precache

# A cheap Android phone, in Arabic, on Algiers time.
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ar-DZ", "timezone_id": "Africa/Algiers"}
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PRINTED = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]$")


def phone_context(browser, base_url):
    """A touch phone's browser; JavaScript errors of its pages are collected in `errors`."""
    context = browser.new_context(base_url=base_url, **PHONE)
    context.errors = []
    context.on("page", lambda page: page.on("pageerror", lambda exc: context.errors.append(str(exc))))
    return context


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_booking_in_arabic_waits_for_the_sms_code(browser, base_url, server):
    context = phone_context(browser, base_url)
    page = context.new_page()
    day, time = free_slot(base_url, "42", after="2026-12-03")
    choose_agency_day_time(page, day, time)
    phone = unique_phone()
    page.get_by_label("الاسم واللقب").fill("أمينة بن علي")
    page.get_by_label("الهاتف النقال").fill(phone)
    page.get_by_role("button", name="متابعة").tap()
    page.get_by_role("button", name="أكد الموعد").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("أكد موعدك")
    assert count_appointments(server, "phone = ? AND status = 'held'", phone) == 1
    field = page.get_by_label("الرمز المستلم في الرسالة القصيرة")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    code = sms_code(base_url, phone)

    field.fill(wrong(code))
    page.get_by_role("button", name="تأكيد موعدي").tap()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("هذا الرمز غير صحيح")
    expect(alert).to_contain_text("بقيت 4 محاولات.")
    expect(field).to_have_attribute("aria-invalid", "true")
    axe = Axe().run(page)
    assert axe.violations_count == 0, axe.generate_report()

    field.fill("".join(ARABIC_DIGITS[int(d)] for d in code))  # as an Arabic keyboard types it
    page.get_by_role("button", name="تأكيد موعدي").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("تم حجز موعدك")
    expect(page.locator(".reference strong")).to_have_text(PRINTED)
    expect(page.locator("img.qr")).to_be_visible()
    assert count_appointments(server, "phone = ? AND status = 'booked'", phone) == 1
    page.screenshot(path="e2e/artifacts/code-confirmed-ar-360.png", full_page=True)
    assert not context.errors, context.errors
    context.close()


def queue_offline_in_arabic(context, page, slot, phone, agency="16"):
    """Open the details step online, lose the network, fill and send it: kept in the outbox."""
    day, time = slot
    page.goto(f"/ar/book/work-accident/declare-work-accident?agency={agency}&date={day}&time={time}")
    context.set_offline(True)
    page.get_by_label("الاسم واللقب").fill("أمينة بن علي")
    page.get_by_label("الهاتف النقال").fill(phone)
    page.get_by_role("button", name="متابعة").tap()
    expect(page.get_by_role("heading", name="راجع وأكد")).to_be_focused()  # the same check as online
    page.get_by_role("button", name="الإرسال عند عودة الشبكة").tap()
    expect(page).to_have_url(re.compile(r"/ar/outbox\?saved="))
    expect(page.locator("#outbox li")).to_have_attribute("data-state", "queued")


def test_a_request_queued_offline_is_confirmed_on_my_requests(browser, base_url, server):
    context = phone_context(browser, base_url)
    sent = []
    context.on("request", lambda r: r.method == "POST" and r.url.endswith("/api/v1/appointments")
               and sent.append((r.headers, r.post_data_json)))
    page = context.new_page()
    precache(page, "ar")
    phone = unique_phone()
    queue_offline_in_arabic(context, page, free_slot(base_url, "16", after="2026-12-02"), phone)
    context.set_offline(False)  # the page ('online') or the worker (Background Sync) sends it

    entry = page.locator("#outbox li")
    expect(entry).to_have_attribute("data-state", "held", timeout=15_000)
    assert count_appointments(server, "phone = ? AND status = 'held'", phone) == 1
    expect(page.locator("[data-outbox-badge]").first).to_have_text("1")  # something to do
    # Typed offline, so the seat is held 6 hours from the frozen 09:00, shown in the phone's time.
    expect(entry.locator(".state")).to_contain_text("15:00")
    field = entry.get_by_label("الرمز المستلم في الرسالة القصيرة")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    headers, body = sent[0]
    assert body["queued"] is True and re.fullmatch(r"[\w-]{8,64}", headers.get("device-id", "")), headers
    device = page.evaluate("""new Promise((resolve) => { indexedDB.open("cnas-device").onsuccess = (e) => {
        const get = e.target.result.transaction("counters").objectStore("counters").get("device-id");
        get.onsuccess = () => resolve(get.result && get.result.value); }; })""")
    assert {h["device-id"] for h, _ in sent} == {device}  # one id a phone, from every sender

    code = sms_code(base_url, phone)
    field.fill(wrong(code))
    entry.get_by_role("button", name="تأكيد موعدي").tap()
    error = entry.locator("p.error")
    expect(error).to_contain_text("هذا الرمز غير صحيح")  # the server's words, in the request's language
    expect(error).to_contain_text("بقيت 4 محاولات.")
    expect(field).to_have_attribute("aria-invalid", "true")
    page.screenshot(path="e2e/artifacts/outbox-held-ar-360.png", full_page=True)
    axe = Axe().run(page)
    assert axe.violations_count == 0, axe.generate_report()

    # No SMS? A new code: only the newest one works, with tries of its own.
    entry.get_by_role("button", name="لم تصلك الرسالة؟ أرسل رمزا جديدا").tap()
    expect(entry.get_by_role("status")).to_contain_text("رمز جديد في الطريق إليك")
    expect(error).to_be_hidden()
    newer = sms_code(base_url, phone, count=2)
    field.fill(code)
    with page.expect_response("**/confirm") as answer:
        entry.get_by_role("button", name="تأكيد موعدي").tap()
    assert answer.value.status == 422
    expect(error).to_contain_text("بقيت 4 محاولات.")
    field.fill(newer)
    entry.get_by_role("button", name="تأكيد موعدي").tap()

    expect(entry).to_have_attribute("data-state", "confirmed")
    expect(entry.locator(".state")).to_contain_text("تم التأكيد")
    expect(entry.locator(".state strong")).to_have_text(PRINTED)
    expect(page.locator("[data-outbox-badge]").first).to_be_hidden()
    reference = entry.locator(".state strong").inner_text().replace("-", "")
    assert count_appointments(server, "status = 'booked' AND phone = ?", phone) == 1
    assert count_appointments(server, "status = 'held' AND phone = ?", phone) == 0
    assert count_appointments(server, "reference = ? AND status = 'booked'", reference) == 1
    stored = page.evaluate("Outbox.all()")
    assert [e["state"] for e in stored] == ["confirmed"]
    assert not {"phone", "full_name"} & set(stored[0]["request"])
    page.screenshot(path="e2e/artifacts/outbox-code-ar-360.png", full_page=True)
    assert not context.errors, context.errors
    context.close()


def test_too_many_requests_stay_queued_and_say_when_they_go(browser, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    port = free_port()
    process = launch(instance, port, HOLDS_PER_ADDRESS="1")  # one hold an hour from 127.0.0.1
    base_url = f"http://127.0.0.1:{port}"
    context = phone_context(browser, base_url)
    server = SimpleNamespace(db=instance / "webapp.db")
    try:
        page = context.new_page()
        precache(page, "ar")
        slot = free_slot(base_url, "16", after="2026-12-02")
        first = json.dumps({"agency": "16", "service": "death-grant", "task": "claim-death-grant",
                            "date": slot[0], "time": slot[1], "full_name": "Autre", "phone": unique_phone()})
        urllib.request.urlopen(urllib.request.Request(  # this address's one hold of the hour
            base_url + "/api/v1/appointments", data=first.encode(), method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": unique_key("first")}))
        phone = unique_phone()
        queue_offline_in_arabic(context, page, slot, phone)
        answers = []
        context.on("response", lambda r: r.url.endswith("/api/v1/appointments") and answers.append(r.status))
        context.set_offline(False)

        entry = page.locator("#outbox li")
        expect(entry).to_have_attribute("data-limited", re.compile(r"^\d+$"), timeout=15_000)
        expect(entry).to_have_attribute("data-state", "queued")
        assert 429 in answers
        until = int(entry.get_attribute("data-limited"))  # ms since 1970, Retry-After from now
        assert 0 < until / 1000 - time.time() <= 3600
        shown = page.evaluate("(ms) => new Date(ms).toLocaleTimeString('ar-DZ', "
                              "{hour: '2-digit', minute: '2-digit', hourCycle: 'h23'})", until)
        expect(entry.locator(".state")).to_contain_text(shown)  # "...we will try again at HH:MM"
        # Nothing is lost, and "Send now" does not hurry a request the server asked to wait.
        tries = len(answers)
        page.get_by_role("button", name="أرسل الآن").tap()
        page.reload()
        expect(entry).to_have_attribute("data-state", "queued")
        assert len(answers) == tries
        stored = page.evaluate("Outbox.all()")
        assert stored[0]["request"]["phone"] == phone and stored[0]["limited"] > 0
        assert count_appointments(server, "phone = ?", phone) == 0
        assert not context.errors, context.errors
    finally:
        context.close()
        stop(process)
