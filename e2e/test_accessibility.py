"""axe-core finds no violation on any page type, in Arabic and French."""

import pytest
from axe_playwright_python.sync_playwright import Axe

PAGES = [
    "/{lang}/",
    "/{lang}/services/death-grant",
    "/{lang}/services/work-accident/declare-work-accident",
    "/{lang}/agencies",
    "/{lang}/search?q=chifa",
    "/{lang}/about",
    "/{lang}/services/no-such-service",
]


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("path", PAGES)
def test_no_axe_violations(browser, base_url, axe, lang, path):
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    page.goto(path.format(lang=lang))
    results = axe.run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()
