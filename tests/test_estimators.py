"""Benefit estimators: the worked examples of estimator_examples.py (computed by hand from the
rules' text; e2e/test_estimators.py has the browser compute them offline), formats, errors,
and the content checks that keep a rule computable."""

import re

import pytest
from bs4 import BeautifulSoup

from estimator_examples import (
    ACCIDENT,
    DEATH,
    EXAMPLES,
    IDS,
    INVALIDITY,
    MATERNITY,
    SICK,
    VOLUNTARY,
    expected_lines,
    in_words,
)
from test_budgets import FIRST_ROUND_TRIP
from test_content import CONTENT, edit, problems
from webapp.catalog import load_catalog
from webapp.catalog.estimators import parse_money


def url(lang: str, path: str) -> str:
    service, task, estimator = path.split("/")
    return f"/{lang}/services/{service}/{task}/estimate/{estimator}"


def estimate_lines(soup) -> list[str]:
    return [li.strong.get_text(strip=True) for li in soup.select("[data-result] li")]


@pytest.mark.parametrize("path, answers, expected", EXAMPLES, ids=IDS)
def test_worked_examples(client, path, answers, expected):
    response = client.get(url("en", path), query_string=answers)
    assert response.status_code == 200
    assert estimate_lines(response.soup) == expected_lines("en", expected)
    total = response.soup.select_one("[data-result] li.total strong").get_text(strip=True)
    assert total == in_words("en", expected["total"])


@pytest.mark.parametrize("lang, written", [("en", "25,000 DA"), ("fr", "25\u202f000 DA"), ("ar", "25.000 دج")])
def test_amounts_are_written_in_the_readers_language_with_western_digits(client, lang, written):
    soup = client.get(url(lang, SICK), query_string={"wage": "2000", "days": "20"}).soup
    assert soup.select_one("[data-result] li.total strong").get_text(strip=True) == written
    cents = client.get(url(lang, SICK), query_string={"wage": "1234.56", "days": "3"}).soup
    assert estimate_lines(cents)[-1] == in_words(lang, "1851.84")


def test_lines_say_which_days_at_which_rate(client):
    soup = client.get(url("fr", SICK), query_string={"wage": "2000", "days": "20"}).soup
    labels = [li.span.get_text(" ", strip=True) for li in soup.select("[data-result] li")]
    assert labels == ["Jours 1 à 15 · 50 % de votre salaire journalier",
                      "Jours 16 à 20 · 100 % de votre salaire journalier",
                      "Total des indemnités journalières pour ces jours"]
    ar = client.get(url("ar", SICK), query_string={"wage": "2000", "days": "16"}).soup
    assert ar.select("[data-result] li span")[1].get_text(strip=True).startswith("اليوم 16 ·")


@pytest.mark.parametrize("path", [SICK, ACCIDENT, MATERNITY, INVALIDITY, DEATH, VOLUNTARY])
def test_each_task_page_shows_its_estimator_notice_and_rule(client, path):
    service, task, estimator = path.split("/")
    page = client.get(f"/ar/services/{service}/{task}").soup
    box = page.select_one(f"#est-{estimator}")
    assert box is not None and box.select_one("h3")
    form = box.form
    assert form["method"] == "get" and form["action"].startswith(url("ar", path))
    assert form["hx-get"] == url("ar", path) and form["hx-target"] == f"#est-{estimator}"
    assert "هذا تقدير وليس قرارا" in box.select_one(".notice").get_text()
    assert box.find(string=re.compile("القاعدة:"))
    # Online, htmx asks the server: the page does not load the offline script; app.js loads it on first
    # use without network (from the worker's copy).
    assert not page.select("script[src*='estimator.js']")
    assert "/js/estimator." in box["data-script"]


def test_pages_without_an_estimator_do_not_load_its_script(client):
    page = client.get("/ar/services/sick-leave/sick-leave-certificate").soup
    assert not page.select("[data-estimator], script[src*='estimator.js']") and "estimator.js" not in page.decode()
    assert not client.get("/ar/").soup.select("script[src*='estimator.js']")


def test_figures_are_shown_with_their_date_and_source(client):
    box = client.get("/en/services/death-grant/claim-death-grant").soup.select_one("#est-death-grant")
    figure = box.find(string=re.compile("Figure used")).parent.get_text(" ", strip=True)
    assert "SNMG (guaranteed national minimum wage) = 18,000 DA a month" in figure
    assert "November 23, 2026" in figure and "2,160 DA" in figure and "check with your agency" in figure


def test_the_snmg_is_the_same_figure_everywhere():
    used = [(e["id"], f["id"], f["value"], f["as_of"].isoformat()) for s in load_catalog(CONTENT).services
            for t in s["tasks"] for e in t["estimators"] for f in e["figures"]]
    estimators = ("contributions", "death-grant", "invalidity-pension")
    assert sorted(used) == [(e, "snmg", 18000, "2026-11-23") for e in estimators]


def test_without_javascript_the_answer_is_a_whole_page_with_the_form_kept(client):
    response = client.get(url("fr", DEATH), query_string={"status": "employee", "monthly": "15000", "people": "3"})
    soup = response.soup
    assert soup.h1.get_text(strip=True) == "Estimez le capital décès"
    assert soup.select_one("input[name=status][value=employee]").has_attr("checked")
    assert soup.select_one("input[name=people]")["value"] == "3"
    assert soup.select_one("nav.crumbs a[href='/fr/services/death-grant/claim-death-grant#estimate']")
    empty = client.get(url("fr", DEATH))
    assert empty.status_code == 200 and not empty.soup.select(".error:not([hidden]), [data-result] li")


def test_htmx_gets_the_estimator_alone(client):
    response = client.get(url("en", VOLUNTARY), query_string={"months": "36"},
                          headers={"HX-Request": "true", "HX-Target": "est-contributions"})
    soup = BeautifulSoup(response.data, "html.parser")
    assert not soup.find("html") and soup.select_one("div#est-contributions")
    assert estimate_lines(soup)[-1] == "77,760 DA"
    assert "HX-Target" in response.headers["Vary"]


@pytest.mark.parametrize("answers, wrong", [
    ({"wage": "abc", "days": "20"}, ["wage"]),
    ({"wage": "2000", "days": "0"}, ["days"]),
    ({"wage": "-5", "days": "1001"}, ["wage", "days"]),
    ({"wage": "1e9", "days": "2.5"}, ["wage", "days"]),
    ({"wage": "9" * 40, "days": "9" * 40}, ["wage", "days"]),
    ({"wage": "0", "days": "٢٠"}, ["wage"]),
    ({"days": "20"}, ["wage"]),
])
def test_invalid_answers_get_a_translated_error_not_a_500(client, answers, wrong):
    response = client.get(url("ar", SICK), query_string=answers)
    assert response.status_code == 422
    soup = response.soup
    shown = [p["id"].removeprefix("est-daily-allowances-").removesuffix("-error")
             for p in soup.select("p.error:not([hidden])")]
    assert shown == wrong
    for name in wrong:
        field = soup.select_one(f"#est-daily-allowances-{name}")
        assert field["aria-invalid"] == "true" and field["aria-describedby"] == f"est-daily-allowances-{name}-error"
    assert re.search("[\u0600-\u06ff]", soup.select_one("p.error:not([hidden])").get_text())
    assert not soup.select("[data-result] li")


def test_a_choice_must_be_one_of_its_answers(client):
    response = client.get(url("en", INVALIDITY), query_string={"salary": "600000", "category": "4"})
    assert response.status_code == 422
    error = response.soup.select_one("#est-invalidity-pension-category-error:not([hidden])")
    assert error.get_text() == "Choose one answer."


def test_unknown_estimator_is_a_404(client):
    assert client.get("/en/services/death-grant/claim-death-grant/estimate/nope").status_code == 404
    assert client.get("/en/services/nope/nope/estimate/death-grant").status_code == 404


@pytest.mark.parametrize("old, new, message", [
    ('when = "full-rate=yes"', 'when = "full-rate=maybe"', "rates[0].when: 'full-rate=maybe': no such input"),
    ("to = 15\nrate = 50", "to = 14\nrate = 50", "rates: no rate for unit 15 when"),
    ('base = "wage"\nunits = "days"', 'base = "days"\nunits = "days"', "base: must name a money input or a figure"),
    ('id = "days"\nkind = "count"\nunit = "day"', 'id = "days"\nkind = "count"', "units: its input needs a unit"),
    ("to = 15\nrate = 50", "to = 15\nrate = 150", "rates[1].rate: Must be greater than or equal to 0"),
])
def test_a_broken_rule_stops_the_content(content, old, new, message):
    edit(content / "services" / "sick-leave.toml", old, new)
    found = problems(content)
    assert any(message in line for line in found), found
    assert all("sick-leave.toml: tasks[0].estimators[0]." in line for line in found), found


def test_a_floor_needs_a_known_figure(content):
    edit(content / "services" / "death-grant.toml", 'figure = "snmg"\ntimes = 12', 'figure = "smig"\ntimes = 12')
    assert any("floors[0].figure: 'smig' is not in figures" in line for line in problems(content))


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_task_pages_with_an_estimator_still_paint_from_the_first_round_trip(client, lang):
    for path in (SICK, ACCIDENT, MATERNITY, INVALIDITY, DEATH, VOLUNTARY):
        service, task, _ = path.split("/")
        for encoding in ("gzip", "br"):
            response = client.get(f"/{lang}/services/{service}/{task}", headers={"Accept-Encoding": encoding})
            assert response.headers["Content-Encoding"] == encoding
            assert len(response.data) <= FIRST_ROUND_TRIP, f"{path} {encoding}: {len(response.data)} bytes"


@pytest.mark.parametrize("typed, centimes", [
    ("1500", 150000), ("1 500,50", 150050), ("1500.5", 150050), ("1.500", 150000), ("1,500", 150000),
    ("١٬٥٠٠", 150000), ("١٥٠٠٫٥٠", 150050), ("۱۲۳", 12300), ("1.234.567", 123456700),
    ("0,001", None), ("2000.", None), ("1,2,3", None), ("-3", None), ("1e3", None), ("0", None),
    ("", None), ("١٢٣٤٥٦٧٨٩٠١", None), ("100000000", 10000000000), ("100000000,01", None),
])
def test_amounts_as_people_type_them(typed, centimes):
    assert parse_money(typed) == centimes
