"""Finding one's agency by typing a town or a wilaya number: a plain form without JavaScript,
the list refreshed in place with it."""

import re

import pytest
from playwright.sync_api import expect

BOOK = "/{lang}/book/work-accident/declare-work-accident"


@pytest.fixture
def no_js(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    yield context.new_page()
    context.close()


def test_booking_agency_search_without_javascript(no_js):
    page = no_js
    page.goto(BOOK.format(lang="ar"))
    page.locator("#agency-q").fill("البليدة")
    page.locator("#agency-q").press("Enter")
    expect(page).to_have_url(re.compile(r"\?q="))
    options = page.locator("#agency-choice option:not([value=''])")
    expect(options).to_have_count(1)
    expect(options).to_have_text("البليدة (09)")
    page.locator("form:has(#agency-choice) button").click()
    expect(page.locator("#step-day")).to_be_visible()
    expect(page.locator("#agency-choose .hint")).to_contain_text("البليدة")

    page.goto(BOOK.format(lang="fr"))
    page.locator("#agency-q").fill("Paris")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucune agence ne correspond à « Paris »")
    page.get_by_role("link", name="Voir toutes les agences").click()
    expect(page.locator("#agency-choice option:not([value=''])")).to_have_count(49)  # every agency that books


def test_booking_agency_search_refreshes_the_list_as_one_types(page):
    page.goto(BOOK.format(lang="fr"))
    url = page.url
    page.locator("#agency-q").press_sequentially("16")
    options = page.locator("#agency-choice option:not([value=''])")
    expect(options).to_have_count(2)  # the two Algiers agencies, told apart
    expect(options.first).to_contain_text("Alger — ")
    expect(page.locator("#agency-q")).to_be_focused()
    expect(page).to_have_url(re.compile(r"q=16"))
    page.locator("#agency-q").fill("wilaya de Tipaza")
    page.locator("#agency-q").dispatch_event("input")
    expect(options).to_have_count(1)
    expect(page.locator("#agency-choice")).to_have_value("42")  # one match: already chosen
    page.locator("form:has(#agency-choice) button").click()
    expect(page.locator("#step-day")).to_be_focused()
    assert page.url != url


def test_agencies_page_search_without_javascript(no_js):
    page = no_js
    page.goto("/ar/agencies")
    page.locator("#agency-q").fill("وهران")
    page.locator("#agency-q").press("Enter")
    expect(page.locator(".agencies > li")).to_have_count(1)
    expect(page.locator("#agency-list .count")).to_have_text("وكالة واحدة")
    page.locator("#agency-q").fill("Tlemcen Oran")
    page.locator("#agency-q").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()


def test_agencies_page_search_refreshes_in_place(page):
    page.goto("/fr/agencies")
    page.evaluate("window.__same = true")  # gone if the page reloads
    page.locator("#agency-q").press_sequentially("bejaia")
    expect(page.locator(".agencies > li")).to_have_count(1)
    expect(page.locator(".agencies h2")).to_contain_text("Béjaïa")
    assert page.evaluate("window.__same === true")
    page.screenshot(path="e2e/artifacts/agencies-search-fr-360.png", full_page=True)
