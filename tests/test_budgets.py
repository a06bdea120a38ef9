"""Byte budgets for a 2G phone: one round trip to first paint, small JS, small first visit."""

import gzip
import re

import brotli
import pytest
from bs4 import BeautifulSoup

from webapp import demo

FIRST_ROUND_TRIP = 14 * 1024  # what TCP delivers in the first round trip
JS_BUDGET = 25 * 1024
FIRST_VISIT_BUDGET = 60 * 1024
LANGS = ("ar", "fr", "en")
BOOK = "/{lang}/book/work-accident/declare-work-accident"
PAGES = {
    "home": "/{lang}/",
    "service": "/{lang}/services/work-accident",
    "task": "/{lang}/services/work-accident/declare-work-accident",
    "longest task": "/{lang}/services/long-term-illnesses/list-of-26-illnesses",
    "task with an estimator": "/{lang}/services/sick-leave/declare-sick-leave",
    "agencies": "/{lang}/agencies",
    "search results": "/{lang}/search?q=accident",
    "booking: agency": BOOK,
    "booking: day": BOOK + "?agency=16",
    "booking: time": BOOK + "?agency=16&date=2026-12-02",
    "booking: details": BOOK + "?agency=16&date=2026-12-02&time=11:00",
    "manage": "/{lang}/manage",
    "offline page": "/{lang}/offline",
    "requests (outbox)": "/{lang}/outbox",
}


@pytest.fixture
def site(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def fetch(client, url, encoding="gzip"):
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.status_code == 200, url
    assert response.headers.get("Content-Encoding") == encoding, f"{url} is not {encoding}-compressed"
    return response


def plain(response):
    decode = brotli.decompress if response.headers["Content-Encoding"] == "br" else gzip.decompress
    return decode(response.data)


def every_page(client):
    for lang in LANGS:
        for name, url in PAGES.items():
            yield f"{name} ({lang})", url.format(lang=lang)
        yield f"confirmation ({lang})", confirmation(client, lang)


def confirmation(client, lang):
    page = client.get(BOOK.format(lang=lang) + "?agency=31&date=2026-12-02&time=11:00").soup
    form = page.select("form[method=post]")[-1]
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    person = {"full_name": "Budget Test", "phone": f"05500000{LANGS.index(lang)}0"}
    review = client.post(form["action"], data={**fields, **person})
    form = review.soup.select("form[method=post]")[-1]
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    return client.post(form["action"], data=fields).location


def test_every_page_paints_from_its_first_round_trip(site):
    over = []
    for name, url in every_page(site):
        for encoding in ("gzip", "br"):
            size = len(fetch(site, url, encoding).data)
            if size > FIRST_ROUND_TRIP:
                over.append(f"{name} {encoding}: {size - FIRST_ROUND_TRIP} bytes over")
    assert not over, over


def test_nothing_blocks_first_paint(site):
    for name, url in every_page(site):
        soup = BeautifulSoup(plain(fetch(site, url)), "html.parser")
        assert not soup.select('link[rel=stylesheet]'), f"{name}: a render-blocking stylesheet"
        for script in soup.find_all("script"):
            assert script.has_attr("defer"), f"{name}: {script.get('src')} is not deferred"
        for img in soup.find_all("img"):
            assert img.get("width") and img.get("height"), f"{name}: image without explicit size"
        assert not re.search(rb"@font-face|fonts\.googleapis", plain(fetch(site, url))), f"{name}: a web font"


def test_javascript_and_first_visit_budgets(site):
    for name, url in every_page(site):
        page = fetch(site, url)
        soup = BeautifulSoup(plain(page), "html.parser")
        scripts = 0
        for script in soup.find_all("script", src=True):
            with site.get(script["src"], headers={"Accept-Encoding": "gzip"}) as response:
                compressed = response.headers.get("Content-Encoding")
                scripts += len(response.data) if compressed else len(gzip.compress(response.data))
        assert scripts <= JS_BUDGET, f"{name}: JavaScript {scripts - JS_BUDGET} bytes over"
        extras = 0
        for link in soup.select('link[rel=icon], link[rel=manifest]'):
            with site.get(link["href"], headers={"Accept-Encoding": "gzip"}) as response:
                extras += len(response.data)
        total = len(page.data) + scripts + extras
        assert total <= FIRST_VISIT_BUDGET, f"{name}: first visit {total - FIRST_VISIT_BUDGET} bytes over"


def test_pages_answer_conditional_requests(site):
    first = site.get("/fr/services/work-accident", headers={"Accept-Encoding": "gzip"})
    assert first.headers["ETag"]
    again = site.get("/fr/services/work-accident",
                     headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
