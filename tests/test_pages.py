"""Every public page in every language, language negotiation, htmx fragments, errors."""

import pytest
from bs4 import BeautifulSoup

LANGS = ("ar", "fr", "en")


def first_task(app):
    service = app.extensions["catalog"].services[0]
    return service, service["tasks"][0]


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_type_renders_in_every_language(app, client, lang):
    service, task = first_task(app)
    for url in (
        f"/{lang}/",
        f"/{lang}/services/{service['id']}",
        f"/{lang}/services/{service['id']}/{task['id']}",
        f"/{lang}/agencies",
        f"/{lang}/about",
        f"/{lang}/search?q=chifa",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.soup.html["lang"] == lang


def test_home_lists_every_service_by_category(app, client):
    soup = client.get("/fr/").soup
    links = {a["href"] for a in soup.select("main a")}
    for service in app.extensions["catalog"].services:
        assert f"/fr/services/{service['id']}" in links


def test_task_page_shows_checklist_in_the_readers_language(app, client):
    service, task = first_task(app)
    soup = client.get(f"/ar/services/{service['id']}/{task['id']}").soup
    assert soup.h1.get_text() == task["title"]["ar"]
    checklist = soup.find(id="checklist").get_text()
    for group in task["checklist"]:
        for doc in group["documents"]:
            assert doc["text"]["ar"] in checklist


def test_checklist_narrows_by_answer_with_and_without_htmx(app, client):
    catalog = app.extensions["catalog"]
    service, task = next(
        (s, t) for s in catalog.services for t in s["tasks"]
        if t["questions"] and any("when" in g for g in t["checklist"])
    )
    question = task["questions"][0]
    option, other = question["options"][0]["id"], question["options"][1]["id"]
    url = f"/en/services/{service['id']}/{task['id']}?{question['id']}={option}"
    only = [g for g in task["checklist"] if g.get("when") == other]
    kept = [g for g in task["checklist"] if g.get("when") == option or "when" not in g]
    page = client.get(url).soup.find(id="checklist").get_text()
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "checklist"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="checklist"')
    assert "HX-Target" in fragment.headers["Vary"]
    for text in (page, BeautifulSoup(fragment.get_data(as_text=True), "html.parser").get_text()):
        for group in kept:
            assert group["documents"][0]["text"]["en"] in text
        for group in only:
            assert all(d["text"]["en"] not in text for d in group["documents"])


def test_root_negotiates_the_language(client):
    assert client.get("/", headers={"Accept-Language": "fr-DZ,fr;q=0.9"}).location == "/fr/"
    assert client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).location == "/en/"
    assert client.get("/", headers={"Accept-Language": "de"}).location == "/ar/"
    assert client.get("/").location == "/ar/"


def test_language_switcher_keeps_the_page_not_the_query(app, client):
    """Only a few known query arguments follow (tests/test_headers.py), not x."""
    service, task = first_task(app)
    soup = client.get(f"/fr/services/{service['id']}/{task['id']}?x=1").soup
    switch = {a["hreflang"]: a["href"] for a in soup.select("nav.langs a")}
    assert switch["ar"] == f"/ar/services/{service['id']}/{task['id']}"
    assert switch["en"].startswith(f"/en/services/{service['id']}/{task['id']}")
    assert soup.select_one("nav.langs a[aria-current]")["hreflang"] == "fr"


def test_agencies_filter_by_wilaya(app, client):
    all_agencies = client.get("/fr/agencies").soup.select(".agencies > li")
    assert len(all_agencies) == len(app.extensions["catalog"].agencies)
    algiers = client.get("/fr/agencies?wilaya=16").soup.select(".agencies h2")
    names = [h.get_text() for h in algiers]
    assert len(names) >= 2 and all("Alger" in n or "CNAS" in n for n in names)
    fragment = client.get("/fr/agencies?wilaya=16", headers={"HX-Target": "agency-list"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="agency-list"')


def test_agencies_ignore_a_bad_wilaya_value(client):
    response = client.get("/fr/agencies?wilaya=abc")
    assert response.status_code == 200
    assert len(response.soup.select(".agencies > li")) > 40


@pytest.mark.parametrize("url", ["/fr/services/nope", "/fr/services/nope/nope", "/de/", "/fr/nowhere"])
def test_unknown_pages_are_translated_404s(client, url):
    response = client.get(url, headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert response.soup.h1.get_text() == "Page introuvable"


def test_404_in_arabic_reads_right_to_left(client):
    response = client.get("/ar/services/nope")
    assert response.status_code == 404
    assert response.soup.html["dir"] == "rtl"
