"""The diaspora affiliation, applied for online from abroad: its questions, the agency of the
wilaya, three documents, and a mobile number abroad for the SMS code and the status; the
voluntary affiliation still takes only an Algerian mobile."""

import io

import pytest

from phone_codes import latest_code
from test_applications_files import pdf
from test_applications_flow import START as VOLUNTARY
from test_applications_flow import fill_in, jpeg, token
from test_applications_review import staff_client
from webapp.models import Application, ApplicationDocument, Message

TASK = "/fr/services/diaspora-affiliation/join-from-abroad-online"
START = "/fr/apply/diaspora-affiliation/join-from-abroad-online"
TYPED, STORED = "+33 6 12 34 56 78", "+33612345678"
ANSWERS = [("country", "France"), ("consulate", "Consulat général d'Algérie à Lyon"),
           ("work-status", "employee"), ("work", "Infirmier dans un hôpital"), ("full-name", "Karim Haddad"),
           ("email", "karim.haddad@example.fr")]


def answer_all(client):
    """Start, answer every question and choose agency 16; the first document's URL."""
    page = client.get(START)
    assert page.status_code == 200
    nxt = client.post(START, data={"csrf_token": token(page)}).location
    for question, value in ANSWERS:
        assert nxt.endswith(f"/question/{question}")
        nxt = client.post(nxt, data={"csrf_token": token(page), "answer": value}).location
    assert nxt.endswith("/agency")
    hint = client.get(nxt).soup.find(id="a-hint").get_text(" ", strip=True)
    assert hint.startswith("Choisissez l'agence de wilaya de votre wilaya en Algérie")  # the content's own hint
    return client.post(nxt, data={"csrf_token": token(page), "agency": "16"}).location


def attach_all(client, url):
    """The three documents (a photo, a PDF, a photo); the check page's response."""
    page = client.get(START)
    for kind, data in (("identity", jpeg()), ("consular-card", pdf()), ("work-proof", jpeg((0, 90, 0)))):
        assert url.endswith(f"/document/{kind}")
        added = client.post(url, data={"csrf_token": token(page), "file": (io.BytesIO(data), "f")},
                            content_type="multipart/form-data")
        assert added.status_code == 303, added.get_data(as_text=True)[:500]
        url = client.post(url, data={"csrf_token": token(page), "done": "1"}).location
    assert url.endswith("/check")
    return client.get(url)


def test_the_task_page_offers_to_apply_online(client):
    page = client.get(TASK)
    link = page.soup.find("a", string="Faire la demande en ligne")
    assert link is not None and link["href"] == START
    where = page.soup.get_text(" ", strip=True)
    assert "une agence de wilaya de la CNAS l'étudie" in where and "n'encaisse aucun paiement" in where
    assert "depuis le pays où vous vivez" in where and "Vous pouvez aussi" not in where  # nobody asks to come in


def test_from_abroad_to_the_agencys_queue_with_a_number_abroad(app, db):
    client = app.test_client()
    check = attach_all(client, answer_all(client))
    text = check.soup.get_text(" ", strip=True)
    assert "Je suis salarié d'un employeur" in text and "karim.haddad@example.fr" in text
    assert "Un numéro à l'étranger est accepté" in check.soup.find(id="c-phone-hint").get_text()
    code_page = client.post(START + "/send", data={"csrf_token": token(check), "declaration": "1", "phone": TYPED})
    assert code_page.status_code == 200 and STORED in code_page.soup.get_text()
    assert Message.get(Message.kind == "code").recipient == STORED  # the SMS goes to the number abroad
    sent = client.post(START + "/confirm", data={"csrf_token": token(code_page), "code": latest_code(STORED)})
    assert sent.status_code == 303 and "/apply/done/" in sent.location
    application = Application.get()
    assert (application.status, application.phone, application.agency) == ("received", STORED, "16")
    assert sorted(d.kind for d in ApplicationDocument.select()) == ["consular-card", "identity", "work-proof"]
    assert Message.select().where(Message.kind == "app_received", Message.recipient == STORED).count() == 1
    queue = staff_client(app).get("/fr/staff/16/applications")
    assert application.reference[:4] in queue.soup.select_one("table.data tbody").get_text()
    # its status opens with the number abroad, typed the other accepted way
    other = app.test_client()
    page = other.get("/fr/apply/status")
    asked = other.post("/fr/apply/status", data={"csrf_token": token(page), "reference": application.reference,
                                                 "phone": "0033 6 12 34 56 78"})
    assert asked.status_code == 200 and asked.soup.find(id="s-phone-error") is None
    opened = other.post("/fr/apply/status/code", data={"csrf_token": token(page), "reference": application.reference,
                                                       "phone": STORED, "code": latest_code(STORED)})
    assert opened.status_code == 303 and opened.location.endswith(application.reference)


def test_every_document_is_required_before_sending(app, db):
    client = app.test_client()
    answer_all(client)
    check = client.get(START + "/check")
    assert check.soup.find("form", action=lambda a: a and a.endswith("/send")) is None
    assert len(check.soup.select("dd strong.error")) == 3  # the three documents are missing


@pytest.mark.parametrize("typed", ["+33 61", "+0 612345678", "0612 34", "+213 21 12 34 56",
                                   "+1 234 567 890 123 456"])
def test_a_bad_number_is_refused_with_both_forms_as_examples(app, db, typed):
    client = app.test_client()
    check = attach_all(client, answer_all(client))
    refused = client.post(START + "/send", data={"csrf_token": token(check), "declaration": "1", "phone": typed})
    assert refused.status_code == 422
    error = refused.soup.find(id="c-phone-error").get_text(" ", strip=True)
    assert "0550 12 34 56" in error and "+33 6 12 34 56 78" in error and "0033 6 12 34 56 78" in error
    assert Message.select().count() == 0 and Application.get().status == "draft"


def test_the_error_is_in_arabic_too(app, db):
    client = app.test_client()
    attach_all(client, answer_all(client))
    check = client.get(START.replace("/fr/", "/ar/") + "/check")
    refused = client.post(START.replace("/fr/", "/ar/") + "/send",
                          data={"csrf_token": token(check), "declaration": "1", "phone": "+33"})
    assert refused.status_code == 422
    assert "رقما في الخارج مع رمز بلده" in refused.soup.find(id="c-phone-error").get_text()


def test_an_algerian_mobile_is_still_stored_as_today(app, db):
    client = app.test_client()
    check = attach_all(client, answer_all(client))
    sent = client.post(START + "/send", data={"csrf_token": token(check), "declaration": "1",
                                              "phone": "+213 550 12 34 56"})
    assert sent.status_code == 200 and Application.get().phone == "0550123456"


def test_the_voluntary_affiliation_still_refuses_a_number_abroad(app, db):
    client = app.test_client()
    check = fill_in(client)
    refused = client.post(VOLUNTARY + "/send", data={"csrf_token": token(check), "declaration": "1",
                                                     "phone": TYPED})
    assert refused.status_code == 422
    error = refused.soup.find(id="c-phone-error").get_text(" ", strip=True)
    assert error.startswith("Écrivez un numéro de mobile commençant par 05, 06 ou 07")
    assert check.soup.find(id="c-phone-hint").get_text().count("étranger") == 0
    assert Message.select().count() == 0


def test_the_e_mail_question_wants_an_address(app, db):
    client = app.test_client()
    page = client.get(START)
    client.post(START, data={"csrf_token": token(page)})
    url = START + "/question/email"
    field = client.get(url).soup.find(id="q-answer")
    assert (field["type"], field["autocomplete"], field["dir"]) == ("email", "email", "ltr")
    wrong = client.post(url, data={"csrf_token": token(page), "answer": "karim.haddad"})
    assert wrong.status_code == 422
    assert "Cette adresse e-mail n’est pas valide." in wrong.soup.find(id="q-error").get_text()
    kept = client.post(url, data={"csrf_token": token(page), "answer": " karim@example.fr "})
    assert kept.status_code == 303 and '"email": "karim@example.fr"' in Application.get().answers


def test_the_status_form_refuses_a_bad_number_with_both_forms(app, db):
    client = app.test_client()
    page = client.get("/fr/apply/status")
    refused = client.post("/fr/apply/status", data={"csrf_token": token(page), "reference": "ABCD2345K",
                                                     "phone": "+33 6"})
    assert refused.status_code == 422
    assert "+33 6 12 34 56 78" in refused.soup.find(id="s-phone-error").get_text()
