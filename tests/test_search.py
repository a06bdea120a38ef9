"""Search: accent-, case- and Arabic-insensitive, as a page and as an htmx fragment."""

import pytest

from webapp.catalog.search import bare, normalize, one_edit


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("DÉCÈS", "deces"),
        ("Capital décès", "capital deces"),
        ("أإآٱا", "ااااا"),
        ("الوفاة", "الوفاه"),
        ("مُسْتَشْفَى", "مستشفي"),
        ("مسؤول", "مسوول"),
        ("بطاقـــة", "بطاقه"),
        ("٢٦ ۲۶", "26 26"),
    ],
)
def test_normalize_folds_accents_case_and_arabic_forms(raw, folded):
    assert normalize(raw) == folded


@pytest.mark.parametrize(
    "word, without",
    [("المرض", "مرض"), ("والمرض", "مرض"), ("بالبطاقه", "بطاقه"), ("للعمال", "عمال"), ("وفاه", "فاه"),
     ("ولد", "ولد"), ("الم", "الم"), ("bal", "bal")],
)
def test_arabic_article_and_clitics_are_removed_when_three_letters_remain(word, without):
    assert bare(word) == without


@pytest.mark.parametrize("typed, known", [("accidant", "accident"), ("acident", "accident"),
                                          ("accidnet", "accident"), ("accidents", "accident")])
def test_one_typo_is_one_edit(typed, known):
    assert one_edit(typed, known)


def test_two_typos_are_not_one_edit():
    assert not one_edit("acidant", "accident") and not one_edit("accident", "accident")


def test_search_ignores_accents_and_case(client):
    plain = client.get("/fr/search?q=deces").soup.select(".results li")
    accented = client.get("/fr/search?q=DÉCÈS").soup.select(".results li")
    assert plain and [li.get_text() for li in plain] == [li.get_text() for li in accented]


def test_arabic_search_ignores_hamza_ta_marbuta_and_diacritics(client):
    with_forms = client.get("/ar/search?q=الوفاة").soup.select(".results li")
    without = client.get("/ar/search?q=الوفاه").soup.select(".results li")
    vowelled = client.get("/ar/search?q=الوَفاة").soup.select(".results li")
    assert with_forms
    assert [li.get_text() for li in with_forms] == [li.get_text() for li in without]
    assert [li.get_text() for li in with_forms] == [li.get_text() for li in vowelled]


def test_search_finds_a_task_by_form_code(client):
    hits = client.get("/en/search?q=AT01").soup.select(".results a")
    assert any("accident" in a.get_text().lower() for a in hits)


def test_search_results_as_fragment_for_htmx(client):
    response = client.get("/en/search?q=chifa", headers={"HX-Request": "true", "HX-Target": "results"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "result" in body


def test_history_restore_gets_the_whole_page(client):
    response = client.get(
        "/en/search?q=chifa",
        headers={"HX-Request": "true", "HX-Target": "results", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.get_data(as_text=True)


def test_empty_and_nonsense_queries(client):
    assert client.get("/en/search?q=").soup.select(".results li") == []
    soup = client.get("/en/search?q=zzzzqqq").soup
    assert "Nothing found" in soup.find(id="results").get_text()
    assert client.get("/en/search?q=" + "x" * 5000).status_code == 200
