"""Offline search in Chromium: with the network off, a sample of the real queries finds what it finds online."""

import importlib.util
import urllib.parse

import pytest
from playwright.sync_api import expect

from conftest import ROOT
from test_offline import precache

spec = importlib.util.spec_from_file_location("search_queries", ROOT / "tests" / "test_search_queries.py")
queries = importlib.util.module_from_spec(spec)
spec.loader.exec_module(queries)
# Every third query of each language.
SAMPLE = {lang: [(q, wanted) for qlang, q, wanted in queries.QUERIES if qlang == lang][::3]
          for lang in ("ar", "fr", "en")}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_offline_search_finds_the_wanted_page_in_the_top_3(context, page, lang):
    precache(page, lang)
    context.set_offline(True)
    for query, wanted in SAMPLE[lang]:
        page.goto(f"/{lang}/search?q={urllib.parse.quote(query)}")
        links = page.locator("#results .results a")
        expect(links.first).to_be_visible()
        top = [link.get_attribute("href") for link in links.all()[:3]]
        assert f"/{lang}/services/{wanted}" in top, (query, top)
    page.goto(f"/{lang}/")
    query, wanted = SAMPLE[lang][0]
    page.locator("#q").fill(query)  # typed in the box: the htmx request fails, the page searches itself
    expect(page.locator(f'#results .results a[href="/{lang}/services/{wanted}"]')).to_be_visible()
    context.set_offline(False)
