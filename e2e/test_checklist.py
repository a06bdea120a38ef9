"""The checklist as a reader uses it: narrow it, tick documents, come back, print it."""

import re

import pytest
from playwright.sync_api import expect

TASKS = [
    "/{lang}/services/death-grant/claim-death-grant",
    "/{lang}/services/work-accident/declare-work-accident",
    "/{lang}/services/family-allowances/apply-family-allowances",
]


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
@pytest.mark.parametrize("path", TASKS)
def test_task_pages_show_a_checklist(page, lang, path):
    page.goto(path.format(lang=lang))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#checklist input[type=checkbox]").first).to_be_visible()


def test_narrow_tick_reload_clear(page):
    page.goto("/fr/services/work-accident/declare-work-accident")
    boxes = page.locator("#checklist input[type=checkbox]")
    expect(boxes).to_have_count(3)  # no answer yet: every case is shown
    page.get_by_role("radio", name=re.compile("^Non", re.I)).check()
    expect(boxes).to_have_count(2)  # not a commuting accident: no police report
    expect(page).to_have_url(re.compile(r"commuting=commuting-no"))
    page.get_by_role("radio", name=re.compile("^Oui", re.I)).check()
    expect(boxes).to_have_count(3)
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.reload()
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    expect(boxes.nth(2)).to_be_checked()
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cnas:ticks:'))")
    assert stored == ["cnas:ticks:work-accident/declare-work-accident"]
    # Narrowing hides the police report; its tick is kept for when it shows again.
    page.get_by_role("radio", name=re.compile("^Non", re.I)).check()
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_be_checked()
    page.get_by_role("radio", name=re.compile("^Oui", re.I)).check()
    expect(boxes.nth(2)).to_be_checked()
    page.get_by_role("button", name="Effacer mes coches").click()
    expect(page.locator("#checklist input:checked")).to_have_count(0)
    page.reload()
    expect(page.locator("#checklist input:checked")).to_have_count(0)


def test_deadline_helper_with_htmx(page):
    page.goto("/en/services/work-accident/declare-work-accident")
    page.get_by_label("Date your employer learned of the accident").fill("2026-03-10")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#deadline-helper")).to_contain_text("Thursday, March 12, 2026")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_printed_checklist_fits_one_a4_page(page, lang):
    page.goto(f"/{lang}/services/work-accident/declare-work-accident")
    pdf = page.pdf(format="A4", print_background=False)
    pages = int(re.search(rb"/Count (\d+)", pdf).group(1))
    assert pages == 1, f"{pages} pages"
