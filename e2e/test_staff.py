"""A citizen books; agency staff receive them; a supervisor closes a booked day."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import TODAY, confirm_with_code, free_slot, open_days, sign_in, unique_phone

DEATH_GRANT = "death-grant/claim-death-grant"


def book(page, base_url, slot):
    """Book a (date, time) of agency 16 as a citizen, with a phone of its own, and confirm it
    with the SMS code; the reference."""
    date, time = slot
    phone = unique_phone()
    page.goto(f"/fr/book/{DEATH_GRANT}?agency=16&date={date}&time={time}")
    page.get_by_label("Nom et prénom").fill("Citoyen Test")
    page.get_by_label("Téléphone mobile").fill(phone)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Confirmer le rendez-vous").click()
    confirm_with_code(page, base_url, phone)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre rendez-vous est pris")
    return page.locator(".reference strong").inner_text().replace("-", "")  # as the API returns it


def row(page, reference):
    """The agenda's row of an appointment, found by the plain reference it carries."""
    return page.locator(f"#agenda tr[data-reference='{reference}']")


def test_citizen_books_agent_receives(browser, base_url):
    citizen = browser.new_context(base_url=base_url).new_page()
    # today, for the frozen clock
    reference = book(citizen, base_url, free_slot(base_url, "16", DEATH_GRANT, day=TODAY))
    agent = browser.new_context(base_url=base_url).new_page()
    sign_in(agent, "demo-agent", "Guichet-16-demo")
    expect(agent.get_by_role("heading", level=1)).to_contain_text("Agenda")
    expect(row(agent, reference)).to_contain_text("Réservé")
    printed = f"{reference[:4]}-{reference[4:8]}-{reference[8:]}"
    expect(agent.locator("#agenda tr", has_text=printed)).to_contain_text("Citoyen Test")  # as printed, and who
    row(agent, reference).get_by_role("button", name="Arrivé").click()
    expect(row(agent, reference)).to_contain_text("Arrivé")
    row(agent, reference).get_by_role("button", name="Appeler").click()
    expect(row(agent, reference)).to_contain_text("Appelé · guichet 1")
    row(agent, reference).get_by_role("button", name="Reçu").click()
    expect(row(agent, reference)).to_contain_text("Reçu")


def test_supervisor_closes_a_booked_day_and_sees_it_flagged(browser, base_url):
    # The last open day: 8 December on a fresh server, the next one after each run that closed
    # it. The other tests book at agency 16 today or on the first open day with a free slot.
    day = open_days(base_url, "16", DEATH_GRANT)[-1]
    citizen = browser.new_context(base_url=base_url).new_page()
    reference = book(citizen, base_url, free_slot(base_url, "16", DEATH_GRANT, day=day))
    supervisor = browser.new_context(base_url=base_url).new_page()
    sign_in(supervisor, "demo-supervisor", "Chef-agence-16-demo")
    supervisor.get_by_role("link", name="Réglages de l’agence").click()
    supervisor.get_by_label("Premier jour").fill(day)
    supervisor.get_by_label("Dernier jour").fill(day)
    supervisor.get_by_label("Motif (affiché au public)").fill("Travaux")
    supervisor.get_by_role("button", name="Ajouter une fermeture").click()
    expect(supervisor.get_by_role("alert")).to_contain_text(reference)
    supervisor.get_by_role("button", name="Confirmer la fermeture").click()
    expect(supervisor.locator(".notice")).to_be_visible()
    supervisor.goto(f"/fr/staff/16/agenda?date={day}")
    expect(row(supervisor, reference)).to_contain_text("À prévenir : closure: Travaux")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_staff_pages_are_accessible(browser, base_url, lang):
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    axe = Axe()
    page.goto(f"/{lang}/staff/login")
    assert axe.run(page).violations_count == 0, axe.run(page).generate_report()
    page.locator("#s-username").fill("demo-supervisor")
    page.locator("#s-password").fill("Chef-agence-16-demo")
    page.locator("form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/16/agenda"))
    for url in (f"/{lang}/staff/16/agenda?date=2026-12-02", f"/{lang}/staff/16/settings", f"/{lang}/staff/audit"):
        page.goto(url)
        results = axe.run(page)
        assert results.violations_count == 0, f"{url}\n{results.generate_report()}"
    context.close()


def test_a_report_shows_the_counts(browser, base_url):
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    sign_in(page, "demo-admin", "Siege-CNAS-demo")
    page.goto("/fr/staff/reports?agency=09&from=2026-12-02&to=2026-12-02")
    expect(page.locator("#t-summary tr[data-key=appointments] td")).to_have_text("2")  # the demo data
    expect(page.locator("svg[role=img]").first).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()
