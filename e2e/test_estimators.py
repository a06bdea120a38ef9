"""Benefit estimators in the browser, in Arabic on a 360 px phone: the server's answer (htmx),
the browser's own answer without network (static/js/estimator.js) and the answer without
JavaScript agree with the worked examples of tests/estimator_examples.py."""

import importlib.util
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import ROOT
from webapp.catalog.estimators import parse_money

_spec = importlib.util.spec_from_file_location("worked", ROOT / "tests" / "estimator_examples.py")
worked = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worked)
BUTTON = "احسب التقدير"


def task_url(path: str) -> str:
    service, task, _ = path.split("/")
    return f"/ar/services/{service}/{task}"


def box_of(page, path: str):
    return page.locator(f"#est-{path.split('/')[2]}")


def settle(page) -> None:
    """Wait for the worker to be installed, so that going offline does not cut its download."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def answer(box, answers: dict) -> None:
    for checkbox in box.locator("input[type=checkbox]").all():
        checkbox.uncheck()
    for name, value in answers.items():
        field = box.locator(f"[name='{name}']")
        kind = field.first.get_attribute("type")
        if kind == "radio":
            box.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "checkbox":
            field.check()
        else:
            field.fill(value)


def estimate(page, path: str, answers: dict) -> str:
    """Send the form and return the estimate's text (emptied first: the text is a new answer)."""
    box = box_of(page, path)
    box.locator("[data-result]").evaluate("list => { list.textContent = ''; }")
    answer(box, answers)
    box.get_by_role("button", name=BUTTON).click()
    total = box_of(page, path).locator("[data-result] li.total")
    expect(total).to_be_visible()
    return re.sub(r"\s+", " ", box_of(page, path).locator("[data-result]").inner_text()).strip()


def amounts(text: str) -> list[str]:
    """The amounts of an estimate's text, in order ("+ " marks an increase)."""
    return [m.strip() for m in re.findall(r"(?:\+ )?[\d.,]+ دج", text)]


def test_online_and_offline_estimates_are_the_same_worked_examples(context, page):
    shown = None
    for path, answers, expected in worked.EXAMPLES:
        if path != shown:
            page.goto(task_url(path))
            settle(page)
            shown = path
        online = estimate(page, path, answers)
        assert amounts(online) == worked.expected_lines("ar", expected), (path, answers)
        context.set_offline(True)
        offline = estimate(page, path, answers)
        context.set_offline(False)
        assert offline == online, (path, answers)
    page.screenshot(path="e2e/artifacts/estimator-ar-360.png", full_page=False)


def test_a_task_page_kept_on_the_phone_estimates_without_network(context, page):
    page.goto("/ar/")
    expect(page.locator("html[data-precached=ar]")).to_have_count(1, timeout=30_000)
    page.goto(task_url(worked.DEATH))  # now under the worker: its script is kept too
    expect(box_of(page, worked.DEATH)).to_be_visible()
    context.set_offline(True)
    page.reload()
    expect(page.locator("html[data-offline-copy]")).to_have_count(1)
    text = estimate(page, worked.DEATH, {"status": "employee", "monthly": "١٥٠٠٠", "people": "٣"})
    assert amounts(text) == ["180.000 دج", "216.000 دج", "216.000 دج", "72.000 دج"]
    context.set_offline(False)


def test_offline_errors_are_shown_in_arabic_and_nothing_is_estimated(context, page):
    page.goto(task_url(worked.SICK))
    settle(page)
    context.set_offline(True)
    box = box_of(page, worked.SICK)
    answer(box, {"wage": "ألفان", "days": "0"})
    box.get_by_role("button", name=BUTTON).click()
    wage = box.locator("[name=wage]")
    expect(wage).to_have_attribute("aria-invalid", "true")
    expect(wage).to_be_focused()
    expect(box.locator("#est-daily-allowances-wage-error")).to_have_text("أدخل مبلغا بالدينار، مثلا 1500 أو 1500,50.")
    expect(box.locator("#est-daily-allowances-days-error")).to_be_visible()
    expect(box.locator("[data-result]")).to_be_hidden()
    answer(box, {"wage": "2000", "days": "20"})
    box.get_by_role("button", name=BUTTON).click()
    expect(box.locator("[data-result] li.total strong")).to_have_text("25.000 دج")
    expect(wage).not_to_have_attribute("aria-invalid", "true")
    expect(box.locator("#est-daily-allowances-wage-error")).to_be_hidden()
    context.set_offline(False)


@pytest.mark.parametrize("path, answers, total", [
    (worked.SICK, {"wage": "٢٠٠٠", "days": "20"}, "25.000 دج"),
    (worked.INVALIDITY, {"salary": "100000", "category": "1"}, "162.000 دج"),
])
def test_without_javascript(browser, base_url, path, answers, total):
    context = browser.new_context(base_url=base_url, java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(task_url(path))
    box = box_of(page, path)
    answer(box, answers)
    box.get_by_role("button", name=BUTTON).click()
    expect(page).to_have_url(re.compile(r"/estimate/"))
    expect(page.locator("[data-result] li.total strong")).to_have_text(total)
    expect(page.locator(".notice")).to_contain_text("هذا تقدير وليس قرارا")
    answer(box_of(page, path), {next(iter(answers)): "abc"})
    box_of(page, path).get_by_role("button", name=BUTTON).click()
    expect(page.locator("p.error:not([hidden])")).to_have_text("أدخل مبلغا بالدينار، مثلا 1500 أو 1500,50.")
    expect(page.locator("[data-result]")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("path", [worked.DEATH, worked.SICK])
def test_no_axe_violations_with_an_estimate_and_errors(browser, base_url, path):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(base_url=base_url, bypass_csp=True, viewport={"width": 360, "height": 740})
    page = context.new_page()
    answers = next(a for p, a, _ in worked.EXAMPLES if p == path)
    page.goto(task_url(path))
    estimate(page, path, answers)
    assert Axe().run(page).violations_count == 0
    page.goto(task_url(path) + f"/estimate/{path.split('/')[2]}?x=1")  # answers missing: errors
    expect(page.locator("p.error:not([hidden])").first).to_be_visible()
    results = Axe().run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()


def test_a_task_page_never_opened_online_estimates_without_network(context, page):
    """The worker keeps estimator.js with the app shell, so a page only precached works too."""
    page.goto("/ar/")
    expect(page.locator("html[data-precached=ar]")).to_have_count(1, timeout=30_000)
    if "js/estimator.js" not in page.evaluate("fetch('/sw.js').then(r => r.text())"):
        pytest.skip("the worker's shell (SHELL in webapp/views/pwa.py) does not list js/estimator.js yet")
    context.set_offline(True)
    page.goto(task_url(worked.VOLUNTARY))
    expect(page.locator("html[data-offline-copy]")).to_have_count(1)
    text = estimate(page, worked.VOLUNTARY, {"months": "36"})
    assert amounts(text) == ["77.760 دج", "77.760 دج"]
    context.set_offline(False)


TYPED = ["1 500,50", "1.500", "1,500", "1.5", "١٬٥٠٠", "1.234.567", "١٫٢٣٤٫٥٦٧", "2000.", "1,2,3", " 2000 ", "0,001",
         "1500٫5", "-3", "1e3", "۱۲۳"]


def test_the_browser_reads_typed_amounts_as_the_server_does(context, page):
    page.goto(task_url(worked.MATERNITY))
    settle(page)
    context.set_offline(True)
    box = box_of(page, worked.MATERNITY)
    for typed in TYPED:
        centimes = parse_money(typed)
        box.locator("[data-result]").evaluate("list => { list.textContent = ''; }")
        answer(box, {"wage": typed})
        box.get_by_role("button", name=BUTTON).click()
        if centimes is None:
            expect(box.locator("#est-maternity-allowances-wage-error"), typed).to_be_visible()
        else:
            total = worked.in_words("ar", str(Decimal(centimes * 98) / 100))
            expect(box.locator("[data-result] li.total strong"), typed).to_have_text(total)
    context.set_offline(False)
