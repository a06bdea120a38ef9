"""The waiting list as people use it (issue 15): a full day, a person joins from an Arabic
phone, someone cancels, the offer arrives in the demo inbox and is taken with its code; an
offer left to lapse (the demo clock moved past it) passes to the next person in line."""

import json
import re
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta

from playwright.sync_api import expect

from conftest import TASK, availability, sms_code, unique_key, unique_phone

AGENCIES = ("47", "46", "45", "44", "43", "42")
SERVICE, TASK_ID = TASK.split("/")


def call(base_url, method, path, body=None, key=None):
    headers = {"Content-Type": "application/json", "Accept-Language": "fr"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(base_url + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def fill_a_day(base_url):
    """Book (and confirm) every seat still free on a late open day of an agency; the agency,
    the day and the (reference, phone) of each booking made."""
    for agency in AGENCIES:
        for offset in range(30, 14, -1):
            day = (date(2026, 12, 1) + timedelta(days=offset)).isoformat()
            slots = [s for s in availability(base_url, agency, day)["slots"] if s["remaining"]]
            if not slots:
                continue
            made = []
            for slot in slots:
                for _ in range(slot["remaining"]):
                    phone = unique_phone()
                    status, booked = call(base_url, "POST", "/api/v1/appointments", {
                        "agency": agency, "service": SERVICE, "task": TASK_ID, "date": day, "time": slot["time"],
                        "full_name": "Journée Pleine", "phone": phone}, key=unique_key("fill"))
                    assert status == 201, booked
                    status, _ = call(base_url, "POST", f"/api/v1/appointments/{booked['reference']}/confirm",
                                     {"code": sms_code(base_url, phone)})
                    assert status == 200
                    made.append((booked["reference"], phone))
            return agency, day, made
    raise AssertionError("no agency has a free day left to fill")


def offer_of(base_url, phone):
    """The newest offer SMS of a phone: (code, link path)."""
    with urllib.request.urlopen(f"{base_url}/api/v1/demo/messages?to={phone}") as response:
        offers = [m for m in json.loads(response.read()) if m["kind"] == "offer"]
    assert offers, f"no offer sent to {phone}"
    body = offers[0]["body"]
    return re.search(r"\b\d{6}\b", body).group(0), re.search(r"/o/[A-Z0-9]{9}", body).group(0)


def join_by_api(base_url, agency, day, phone):
    status, entry = call(base_url, "POST", "/api/v1/waitlist", {
        "agency": agency, "service": SERVICE, "task": TASK_ID, "first_day": day, "last_day": day,
        "period": "any", "full_name": "Liste Attente", "phone": phone})
    assert status == 201, entry
    return entry


def entry_of(base_url, entry, phone):
    return call(base_url, "GET", f"/api/v1/waitlist/{entry['reference']}?phone={phone}")[1]


def test_a_full_day_a_waiting_person_gets_the_freed_seat_and_a_lapsed_offer_passes_on(browser, base_url):
    agency, day, booked = fill_a_day(base_url)
    phone_context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740},
                                        has_touch=True, is_mobile=True, locale="ar")
    page = phone_context.new_page()
    try:
        page.goto(f"/ar/book/{SERVICE}/{TASK_ID}?agency={agency}&date={day}")
        page.get_by_role("link", name=re.compile("قائمة الانتظار")).click()
        first = unique_phone()
        page.locator("#w-full_name").fill("أمينة بن علي")
        page.locator("#w-phone").fill(first)
        page.locator("form[action$='/waitlist'] button[type=submit]").click()
        expect(page.locator("h1")).to_have_text("أنت مسجل في قائمة الانتظار")
        expect(page.locator(".lead")).to_contain_text("أنت الأول في الدور")

        second, third = unique_phone(), unique_phone()
        entries = {phone: join_by_api(base_url, agency, day, phone) for phone in (second, third)}
        assert [entries[p]["position"] for p in (second, third)] == [2, 3]

        reference, phone = booked[0]  # someone cancels: the first in line is offered the seat
        assert call(base_url, "DELETE", f"/api/v1/appointments/{reference}?phone={phone}")[0] == 200
        code, link = offer_of(base_url, first)
        page.goto(link)
        expect(page.locator("h1")).to_have_text("مكان شاغر من أجلك")
        page.locator("#code").fill(code)
        page.get_by_role("button", name="احجز هذا المكان").click()
        expect(page.locator("h1")).to_have_text("تم حجز موعدك")

        reference, phone = booked[1]  # another cancels: the next in line (second) is offered it ...
        assert call(base_url, "DELETE", f"/api/v1/appointments/{reference}?phone={phone}")[0] == 200
        offered = entry_of(base_url, entries[second], second)
        assert offered["status"] == "offered" and offered["offer"]["status"] == "held"
        deadline = datetime.fromisoformat(offered["offer"]["hold_until"])
        # ... and lets it lapse: move the demo clock past the deadline; someone joining makes the
        # app look again (the worker would, every few seconds)
        later = (deadline + timedelta(minutes=1)).isoformat()
        assert call(base_url, "PUT", "/api/v1/demo/clock", {"now": later})[0] == 200
        join_by_api(base_url, agency, day, unique_phone())
        passed = entry_of(base_url, entries[third], third)
        assert passed["status"] == "offered" and passed["offer"]["start"] == offered["offer"]["start"]
        lapsed = entry_of(base_url, entries[second], second)
        assert lapsed["status"] == "waiting" and lapsed["position"] == 1  # still in line for another seat
    finally:
        call(base_url, "DELETE", "/api/v1/demo/clock")
        phone_context.close()


def test_joining_the_waiting_list_offline_is_kept_and_sent_once_online(context, page, base_url):
    from test_offline import expect_waiting, precache

    agency, day, _ = fill_a_day(base_url)
    precache(page, "fr")
    page.goto(f"/fr/book/{SERVICE}/{TASK_ID}/waitlist?agency={agency}&date={day}")
    context.set_offline(True)
    phone = unique_phone()
    page.locator("#w-last_day").fill(day)
    page.locator("#w-full_name").fill("Hors Ligne")
    page.locator("#w-phone").fill(phone)
    page.locator("form[action$='/waitlist'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/fr/outbox\?saved="))
    expect_waiting(page.locator("#outbox li"))
    context.set_offline(False)  # the page sends it as soon as the network is back
    entry = page.locator("#outbox li[data-state=confirmed]")
    expect(entry).to_contain_text(re.compile(r"Sur la liste d'attente, place \d+\. Référence"))
    reference = entry.locator(".state strong").inner_text().replace("-", "")
    status, found = call(base_url, "GET", f"/api/v1/waitlist/{reference}?phone={phone}")
    assert status == 200 and found["status"] == "waiting" and found["first_day"] == found["last_day"] == day
    expect(page.get_by_role("button", name="Envoyer maintenant")).to_be_hidden()  # nothing left to send
    with urllib.request.urlopen(f"{base_url}/api/v1/demo/messages?to={phone}") as response:
        assert [m["kind"] for m in json.loads(response.read())] == ["waitlist"]
