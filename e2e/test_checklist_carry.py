"""The answers given on the task page go with the booking: the confirmation and the calendar
file list only the documents that apply. With JavaScript (htmx narrows the checklist in
place) and without (the form reloads the page)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import confirm_with_code, count_appointments, free_slot, unique_phone

TASK = "/{lang}/services/work-accident/declare-work-accident"
POLICE = re.compile("procès-verbal|police", re.I)


@pytest.fixture
def no_js(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


def book_from_the_task_page(page, base_url, agency="42"):
    """Follow the last "Book an appointment" link, choose by typing the wilaya number, and
    book the first free slot; the confirmed appointment's page."""
    day, time = free_slot(base_url, agency)
    page.locator("a[data-book]").last.click()
    page.locator("#agency-q").fill(agency)
    page.locator("#agency-q").press("Enter")
    expect(page.locator("#agency-choice")).to_have_value(agency)
    page.locator("form:has(#agency-choice) button").click()
    page.locator(f".days a[href*='date={day}']").click()
    page.locator(f"input[name=time][value='{time}']").check()
    page.locator("form:has(input[name=time]) button[type=submit]").click()
    page.locator("#f-full_name").fill("Yacine Test")
    phone = unique_phone()
    page.locator("#f-phone").fill(phone)
    page.locator("form[method=post] button[type=submit]").last.click()
    page.locator("form[action$='/confirm'] button[type=submit]").click()
    confirm_with_code(page, base_url, phone)


def test_answers_carry_into_the_booking_with_javascript(page, base_url):
    page.goto(TASK.format(lang="fr"))
    page.get_by_role("radio", name=re.compile("^Non", re.I)).check()
    expect(page.locator("#checklist li")).to_have_count(2)  # htmx swapped the checklist only
    for link in page.locator("a[data-book]").all():
        expect(link).to_have_attribute("href", re.compile(r"commuting=commuting-no"))
    book_from_the_task_page(page, base_url)
    expect(page.locator("#checklist li")).to_have_count(2)
    expect(page.locator("#checklist")).not_to_contain_text(POLICE)
    with page.expect_download() as download:
        page.locator("a[download]").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "DESCRIPTION" in ics and not POLICE.search(ics.replace("\r\n ", ""))


def test_answers_carry_into_the_booking_without_javascript(no_js, base_url):
    page = no_js
    page.goto(TASK.format(lang="ar"))
    page.locator("input[value=commuting-yes]").check()
    page.locator("form.narrow button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"commuting=commuting-yes"))
    expect(page.locator("a[data-book]").last).to_have_attribute("href", re.compile(r"commuting=commuting-yes"))
    book_from_the_task_page(page, base_url)
    expect(page.locator("#checklist li")).to_have_count(3)  # the police report of a commuting accident too
    page.screenshot(path="e2e/artifacts/confirmation-answers-ar-360.png", full_page=True)


def test_answers_carry_into_a_request_sent_from_the_outbox(context, page, base_url, server):
    """The details step sent without network keeps the task page's answers: the outbox sends them
    with the request, and the appointment keeps them."""
    page.goto("/fr/")
    expect(page.locator("html[data-precached=fr]")).to_have_count(1, timeout=30_000)
    day, time = free_slot(base_url, "16")
    page.goto(f"/fr/book/work-accident/declare-work-accident?agency=16&date={day}&time={time}"
              "&commuting=commuting-yes")
    context.set_offline(True)
    phone = unique_phone()
    page.get_by_label("Nom et prénom").fill("Hors Ligne Réponses")
    page.get_by_label("Téléphone mobile").fill(phone)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Envoyer au retour du réseau").click()
    expect(page).to_have_url(re.compile(r"/fr/outbox\?saved="))
    sent = page.evaluate("""new Promise((resolve) => { indexedDB.open("cnas-outbox").onsuccess = (e) => {
        const all = e.target.result.transaction("requests").objectStore("requests").getAll();
        all.onsuccess = () => resolve(all.result.map((r) => r.request.answers)); }; })""")
    assert {"commuting": "commuting-yes"} in sent, sent
    context.set_offline(False)
    expect(page.locator("#outbox li[data-state=held]")).to_have_count(1, timeout=15_000)
    assert count_appointments(server, "phone = ? AND checklist_answers LIKE ?", phone, "%commuting-yes%") == 1
