"""A reader browses home → service → task in each language, switches language, searches."""

import re

import pytest
from playwright.sync_api import expect

TITLES = {
    "ar": ("ابحث عن خدمة", "الملف المطلوب"),
    "fr": ("Trouver un service", "Dossier à fournir"),
    "en": ("Find a service", "Documents to provide"),
}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_home_to_service_to_task(page, lang):
    page.goto(f"/{lang}/")
    home_title, documents = TITLES[lang]
    expect(page.get_by_role("heading", level=1)).to_have_text(home_title)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    page.locator("main .cards a").first.click()
    expect(page).to_have_url(re.compile(rf"/{lang}/services/[a-z-]+$"))
    service_title = page.get_by_role("heading", level=1).inner_text()
    page.locator("main .cards a").first.click()
    expect(page).to_have_url(re.compile(rf"/{lang}/services/[a-z-]+/[a-z-]+$"))
    expect(page.get_by_role("heading", name=documents)).to_be_visible()
    expect(page.get_by_role("navigation", name=re.compile(".")).filter(has_text=service_title)).to_be_visible()
    expect(page.locator("#checklist li").first).to_be_visible()


def test_language_switch_keeps_the_page(page):
    page.goto("/fr/services/work-accident/declare-work-accident")
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="العربية").click()
    expect(page).to_have_url(re.compile(r"/ar/services/work-accident/declare-work-accident$"))
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.get_by_role("navigation", name="اللغة").get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/services/work-accident/declare-work-accident$"))


def test_search_as_you_type_with_htmx(page):
    page.goto("/fr/")
    requests = []
    page.on("request", lambda r: requests.append(r))
    page.get_by_role("searchbox", name="Rechercher un service ou un document").fill("deces")
    results = page.locator("#results .results a")
    expect(results.first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver un service")  # no navigation
    assert any(r.headers.get("hx-target") == "results" for r in requests)
    results.filter(has_text="capital").or_(results.filter(has_text="décès")).first.click()
    expect(page).to_have_url(re.compile(r"/fr/services/death-grant"))


def test_search_without_javascript(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/ar/")
    page.get_by_role("searchbox").fill("الوفاة")
    page.get_by_role("button", name="بحث").click()
    expect(page).to_have_url(re.compile(r"/ar/search\?q="))
    expect(page.locator("#results .results a").first).to_be_visible()
    context.close()


def test_checklist_narrows_without_reload(page):
    page.goto("/en/services/work-accident/declare-work-accident")
    report = page.locator("#checklist li").filter(has_text=re.compile("police|gendarmerie", re.I))
    expect(report).to_have_count(1)
    page.get_by_role("group").locator("input[type=radio]").last.check()
    expect(report).to_have_count(0)
    expect(page).to_have_url(re.compile(r"\?"))


def test_agencies_filter_with_htmx(page):
    page.goto("/fr/agencies")
    page.get_by_label("Wilaya").select_option("31")
    expect(page.locator(".agencies > li")).to_have_count(1)
    expect(page.locator(".agencies h2")).to_contain_text("Oran")
    expect(page).to_have_url(re.compile(r"wilaya=31"))
