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
    page.goto("/fr/services/death-grant/claim-death-grant")
    everything = page.locator("#checklist li").count()
    page.get_by_role("radio", name=re.compile("pension", re.I)).check()
    expect(page.locator("#checklist li")).not_to_have_count(everything)
    expect(page).to_have_url(re.compile(r"deceased-status=pensioner"))
    boxes = page.locator("#checklist input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.reload()
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    expect(boxes.nth(2)).to_be_checked()
    stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cnas:ticks:'))")
    assert stored == ["cnas:ticks:death-grant/claim-death-grant"]
    # Answer the other way: the ticks of documents shown in both cases are kept.
    page.get_by_role("radio", name=re.compile("salari", re.I)).check()
    expect(page.locator("#checklist input[type=checkbox]").nth(0)).to_be_checked()
    page.get_by_role("button", name="Effacer mes coches").click()
    expect(page.locator("#checklist input:checked")).to_have_count(0)
    page.reload()
    expect(page.locator("#checklist input:checked")).to_have_count(0)


def test_deadline_helper_with_htmx(page):
    page.goto("/en/services/work-accident/declare-work-accident")
    page.get_by_label("Date of the accident").fill("2026-03-10")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#deadline-helper")).to_contain_text("Thursday, March 12, 2026")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_printed_checklist_fits_one_a4_page(page, lang):
    page.goto(f"/{lang}/services/work-accident/declare-work-accident")
    pdf = page.pdf(format="A4", print_background=False)
    pages = int(re.search(rb"/Count (\d+)", pdf).group(1))
    assert pages == 1, f"{pages} pages"
