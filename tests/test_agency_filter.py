"""Finding one's agency by typing a town, a wilaya or its number, in Arabic or Latin letters:
on the booking's agency step and on the agencies page, as a plain GET form (htmx only
refreshes the list in place), with a clear message when nothing matches."""

import pytest

from webapp import demo
from webapp.catalog.places import matching

START = "/fr/book/death-grant/claim-death-grant"


@pytest.fixture
def pages(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


@pytest.mark.parametrize(("typed", "codes"), [
    ("Blida", {"09"}), ("البليدة", {"09"}), ("بليدة", {"09"}), ("blidA ", {"09"}), ("Blidda", {"09"}),
    ("09", {"09"}), ("9", {"09"}), ("٠٩", {"09"}), ("۰۹", {"09"}), ("wilaya de Blida", {"09"}),
    ("ولاية البليدة", {"09"}), ("Béjaïa", {"06"}), ("bejaia", {"06"}), ("بجاية", {"06"}),
    ("Tizi Ouzou", {"15"}), ("وهران", {"31"}), ("16", {"DG", "16", "16F"}), ("Algiers", {"DG", "16", "16F"}),
    ("الجزائر", {"DG", "16", "16F"}), ("zzz", set()), ("99", set()),
])
def test_typed_places_find_their_agencies(app, typed, codes):
    catalog = app.extensions["catalog"]
    assert {a["code"] for a in matching(catalog.agencies, catalog.wilayas, typed)} == codes


def test_nothing_typed_matches_every_agency(app):
    catalog = app.extensions["catalog"]
    assert matching(catalog.agencies, catalog.wilayas, "  ") == catalog.agencies


def options(soup):
    return [o["value"] for o in soup.select("#agency-choice option") if o["value"]]


def test_the_booking_agency_step_filters_without_javascript(pages):
    soup = pages.get(START).soup
    search = soup.select_one("#agency-q").find_parent("form")
    assert search["method"] == "get" and search["action"] == START and search.select_one("button[type=submit]")
    assert len(options(soup)) > 40
    blida = pages.get(f"{START}?q=البليدة").soup
    assert options(blida) == ["09"] and blida.select_one("#agency-choice option[selected]")["value"] == "09"
    assert blida.select_one("#agency-q")["value"] == "البليدة"
    algiers = pages.get(f"{START}?q=16").soup
    assert sorted(options(algiers)) == ["16", "16F"]  # the head office takes no appointments
    assert "2 agences correspondent à « 16 »" in " ".join(algiers.select_one("#agency-choose .count").text.split())


def test_no_agency_matches_says_so_and_offers_all(pages):
    soup = pages.get(f"{START}?q=Paris").soup
    message = soup.select_one("#agency-choose [role=alert]").get_text()
    assert "Aucune agence ne correspond à « Paris »" in message and "numéro de la wilaya" in message
    assert not soup.select("#agency-choice")
    assert soup.find("a", string="Voir toutes les agences")["href"].startswith(START)


def test_htmx_gets_only_the_agency_list(pages):
    response = pages.get(f"{START}?q=blida", headers={"HX-Request": "true", "HX-Target": "agency-choose"})
    html = response.get_data(as_text=True).lstrip()
    assert html.startswith('<div id="agency-choose"') and "<h2" not in html
    assert "Vary" in response.headers and "HX-Target" in response.headers["Vary"]


def test_looking_for_another_agency_forgets_the_remembered_one(pages):
    pages.get(f"{START}?agency=31")
    assert pages.get(START).soup.select("#step-day")
    soup = pages.get(f"{START}?q=blida").soup
    assert not soup.select("#step-day") and options(soup) == ["09"]


def test_the_search_keeps_the_checklist_answers(pages):
    soup = pages.get("/fr/book/work-accident/declare-work-accident?q=blida&commuting=commuting-yes").soup
    for field in ("#agency-q", "#agency-choice"):
        form = soup.select_one(field).find_parent("form")
        assert form.select_one("input[type=hidden][name=commuting]")["value"] == "commuting-yes"


def test_the_agencies_page_filters_by_text_and_wilaya(pages):
    everything = pages.get("/ar/agencies").soup.select(".agencies li")
    blida = pages.get("/ar/agencies?q=البليدة").soup
    assert len(blida.select(".agencies li")) == 1 < len(everything)
    assert "البليدة" in blida.select_one(".agencies h2").get_text()
    latin = pages.get("/fr/agencies?q=Alger").soup.select(".agencies h2")
    assert len(latin) == 3
    both = pages.get("/fr/agencies?q=Alger&wilaya=9").soup
    assert not both.select(".agencies li")
    assert "Aucune agence ne correspond à « Alger »" in both.select_one("#agency-list [role=alert]").get_text()
    fragment = pages.get("/fr/agencies?q=oran", headers={"HX-Request": "true", "HX-Target": "agency-list"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="agency-list"')
