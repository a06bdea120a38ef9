"""Forms: only the fund's own codes are shown, never an invented one, never twice; where to get them."""

import re

import pytest

from test_catalog import CATALOG, TASKS
from test_content import edit, problems
from webapp.catalog.offline import index_entries

# The codes the fund's pages give its forms (seeds/004: AT01, AT03, AT16, AT17, ATS; "imprimé
# appelé Déclaration d'Assiette de Cotisation (DAC)"). Any other code would be ours, not the fund's.
OFFICIAL_CODES = {"AT01", "AT03", "AT16", "AT17", "ATS", "DAC"}
# The forms the fund's site offers for download ("Télécharger le document" in seeds/004).
DOWNLOADABLE = {
    ("work-accident", "AT01"), ("work-accident", "AT03"), ("occupational-disease", "AT16"),
    ("occupational-disease", "AT17"), ("family-allowances", "ATS"), ("maternity", "ATS"),
    ("death-grant", "death-grant-request"), ("family-allowances", "family-allowances-request"),
    ("thermal-cures", "thermal-cure-questionnaire"), ("employee-affiliation", "affiliation-request"),
}
FORMS = [(s, f) for s, t in TASKS for f in t["forms"]]


def test_only_official_codes_and_never_in_the_title():
    assert FORMS
    for service, form in FORMS:
        assert form["code"] in OFFICIAL_CODES | {None}, (service["id"], form["code"])
        for title in form["title"].values():
            assert not (form["code"] and form["code"] in title), (service["id"], title)


def test_the_downloadable_forms_say_so_and_nothing_claims_every_desk():
    have = {(s["id"], f["id"]) for s, f in FORMS}
    assert DOWNLOADABLE <= have
    for service, form in FORMS:
        if (service["id"], form["id"]) in DOWNLOADABLE:
            assert all("cnas.dz" in text for text in form["obtain"].values()), form["id"]
            assert "télécharg" in form["obtain"]["fr"] and "download" in form["obtain"]["en"]
        said = " ".join(form["obtain"].values())
        assert not re.search(r"guichet de toute|any CNAS agency or payment centre|شباك أي وكالة", said), said


def test_a_form_without_code_shows_its_title_only(client):
    for lang in ("ar", "fr"):
        soup = client.get(f"/{lang}/services/death-grant/claim-death-grant").soup
        (form,) = soup.select(".forms dt")
        assert not form.select(".code")
        _, task = CATALOG.task("death-grant", "claim-death-grant")
        assert form.get_text(strip=True) == task["forms"][0]["title"][lang]
        assert not soup.select("#checklist .code")
        assert "CAPITAL" not in soup.get_text()


def test_a_form_with_code_shows_it_once(client):
    soup = client.get("/fr/services/work-accident/declare-work-accident").soup
    titles = [dt.get_text(" ", strip=True) for dt in soup.select(".forms dt")]
    assert titles == ["AT01 Déclaration d'accident du travail", "AT03 Certificat médical initial d'accident du travail"]
    assert [c.get_text() for c in soup.select("#checklist .code")] == ["AT01", "AT03"]


def test_a_form_needs_a_code_or_an_id(content):
    path = content / "services" / "death-grant.toml"
    edit(path, 'id = "death-grant-request"\n', "")
    found = problems(content)
    assert found == [f"{path}: tasks[0].forms[0].id: give the form's official code, or an id when it has none"]


def test_a_document_pointing_at_no_form_is_reported(content):
    path = content / "services" / "death-grant.toml"
    edit(path, 'form = "death-grant-request"', 'form = "death-grant-form"')
    assert problems(content) == [
        f"{path}: tasks[0].checklist[0].documents[0].form: 'death-grant-form' is not the id or code of one of"
        " the task's forms"]


def test_a_title_that_repeats_the_code_is_reported(content):
    path = content / "services" / "work-accident.toml"
    title = 'title.fr = "Déclaration d\'accident du travail'
    edit(path, title + '"', title + ' (AT01)"')
    assert problems(content) == [
        f"{path}: tasks[0].forms[0].title: the code AT01 is shown next to the title: do not repeat it"]


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_search_and_offline_index_with_code_less_forms(lang):
    hits = CATALOG.search_index.search(lang, "AT01")
    assert hits and hits[0][0]["id"] == "work-accident"
    entries = index_entries(CATALOG, lang)["entries"]
    assert all(isinstance(v, str) for e in entries for v in e.values())
    assert any(e.get("k") == "claim-death-grant" for e in entries)
    assert not any("None" in e["w"].split() for e in entries)
