"""No page scrolls sideways at 320 px, nor at 200 % zoom on a 360 px phone (180 CSS px):
long e-mail addresses wrap, and a field and its button go one under the other."""

import pytest

PAGES = ["/ar/", "/fr/", "/ar/agencies", "/fr/agencies", "/ar/services/death-grant",
         "/ar/services/work-accident/declare-work-accident?date-accident=2026-11-20",
         "/ar/book/work-accident/declare-work-accident?agency=16&date=2026-12-03&time=10:00",
         "/fr/book/death-grant/claim-death-grant/waitlist?agency=09", "/ar/manage", "/ar/manage/phone",
         "/ar/outbox", "/ar/about", "/ar/search?q=%D9%85%D8%B1%D8%B6"]


@pytest.mark.parametrize("width", [320, 180])
def test_no_page_scrolls_sideways(browser, base_url, width):
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 640}, locale="ar")
    page = context.new_page()
    wide = {}
    for url in PAGES:
        page.goto(url)
        over = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if over > 0:
            wide[url] = over
    context.close()
    assert not wide, f"pages wider than {width} px: {wide}"
