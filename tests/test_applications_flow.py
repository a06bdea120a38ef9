"""The online application, page by page without JavaScript: questions, agency, documents,
check your answers, SMS code, confirmation; then its status by reference and proven phone."""

import io
import re

import pytest
from PIL import Image

from phone_codes import latest_code
from webapp import create_app
from webapp.applications import cases
from webapp.applications.storage import StorageError
from webapp.models import Application, ApplicationDocument, Message

START = "/fr/apply/voluntary-affiliation/join-voluntary-affiliation"
PHONE = "0550123456"


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, "JPEG")
    return out.getvalue()


def token(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def post(client, url, data=None, **kw):
    page = client.get(url if kw.pop("get", True) else START)
    return client.post(url, data={"csrf_token": token(page), **(data or {})}, **kw)


def fill_in(client, with_photo=True):
    """Start and answer everything; returns the check page's response."""
    page = client.get(START)
    assert page.status_code == 200
    started = client.post(START, data={"csrf_token": token(page)})
    assert started.status_code == 303 and started.location.endswith("/question/work-status")
    page = client.get(started.location)
    assert page.soup.find("h1").get_text(strip=True) == "Quelle est votre situation de travail ?"
    nxt = client.post(started.location, data={"csrf_token": token(page), "answer": "owner"})
    assert nxt.location.endswith("/question/activity")
    nxt = client.post(nxt.location, data={"csrf_token": token(page), "answer": "Couture à domicile"})
    nxt = client.post(nxt.location, data={"csrf_token": token(page), "answer": "Amina Benali"})
    assert nxt.location.endswith("/agency")
    nxt = client.post(nxt.location, data={"csrf_token": token(page), "agency": "16"})
    assert nxt.location.endswith("/document/identity")
    doc_url = nxt.location
    if with_photo:
        for colour in ((200, 0, 0), (0, 0, 200)):
            added = client.post(doc_url, data={"csrf_token": token(page), "file": (io.BytesIO(jpeg(colour)), "a.jpg")},
                                content_type="multipart/form-data")
            assert added.status_code == 303, added.get_data(as_text=True)[:500]
    done = client.post(doc_url, data={"csrf_token": token(page), "done": "1"})
    assert done.location.endswith("/check")
    return client.get(done.location)


def send(client, check_page):
    form_url = START + "/send"
    code_page = client.post(form_url, data={"csrf_token": token(check_page), "declaration": "1", "phone": PHONE})
    assert code_page.status_code == 200, code_page.get_data(as_text=True)[:800]
    return client.post(START + "/confirm", data={"csrf_token": token(code_page), "phone": PHONE,
                                                 "code": latest_code(PHONE)})


def test_an_application_from_start_to_confirmation(app, db):
    client = app.test_client()
    check_page = fill_in(client)
    text = check_page.soup.get_text(" ", strip=True)
    assert "Je possède ou je gère" in text and "Amina Benali" in text and "2 fichiers" in text
    assert len([a for a in check_page.soup.find_all("a") if a.get_text().startswith("Modifier")]) == 5
    sent = send(client, check_page)
    assert sent.status_code == 303 and "/apply/done/" in sent.location
    done = client.get(sent.location)
    application = Application.get()
    assert application.status == "received" and application.phone == PHONE and application.agency == "16"
    assert re.sub(r"\W", "", done.soup.find(class_="reference").strong.get_text()) == application.reference
    assert ApplicationDocument.select().count() == 2
    assert [m.kind for m in Message.select().order_by(Message.id)] == ["code", "app_received"]
    again = client.post(START + "/confirm", data={"csrf_token": token(check_page), "code": "000000"})
    assert again.status_code == 303 and Application.select().count() == 1  # nothing is sent twice


def test_each_question_says_what_is_wrong(app, db):
    client = app.test_client()
    page = client.get(START)
    first = client.post(START, data={"csrf_token": token(page)}).location
    empty = client.post(first, data={"csrf_token": token(page)})
    assert empty.status_code == 422
    summary = empty.soup.find(class_="error-summary")
    assert "Répondez à la question" in summary.get_text() and summary.a["href"] == "#q-answer"
    wrong = client.post(first, data={"csrf_token": token(page), "answer": "astronaut"})
    assert wrong.status_code == 422


def test_it_cannot_be_sent_before_everything_is_there(app, db):
    client = app.test_client()
    page = client.get(START)
    client.post(START, data={"csrf_token": token(page)})
    check = client.get(START + "/check")
    assert check.soup.find("form", action=re.compile("/send$")) is None
    refused = client.post(START + "/send", data={"csrf_token": token(page), "declaration": "1", "phone": PHONE})
    assert refused.status_code == 422 and Application.get().status == "draft"
    assert Message.select().count() == 0


def test_the_declaration_and_phone_are_required(app, db):
    client = app.test_client()
    check_page = fill_in(client, with_photo=False)  # the identity document is optional
    refused = client.post(START + "/send", data={"csrf_token": token(check_page), "phone": "12"})
    assert refused.status_code == 422
    links = [a["href"] for a in refused.soup.find(class_="error-summary").find_all("a")]
    assert links == ["#c-declaration", "#c-phone"]


@pytest.mark.parametrize("data, message", [
    (b"#!/bin/sh\necho pwned\n", "n'est pas une photo"),
    (jpeg() + b"PK\x03\x04" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 18, "autre chose qu'une image"),
])
def test_a_hostile_upload_is_refused_with_a_clear_message(app, db, data, message):
    client = app.test_client()
    page = client.get(START)
    client.post(START, data={"csrf_token": token(page)})
    url = START + "/document/identity"
    refused = client.post(url, data={"csrf_token": token(page), "file": (io.BytesIO(data), "photo.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    assert message in refused.soup.find(class_="error-summary").get_text()
    assert ApplicationDocument.select().count() == 0


def test_a_real_sized_photo_is_taken_although_forms_are_limited_to_64_kb(app, db):
    client = app.test_client()
    page = client.get(START)
    client.post(START, data={"csrf_token": token(page)})
    out = io.BytesIO()
    Image.effect_noise((700, 700), 80).convert("RGB").save(out, "JPEG", quality=90)  # < 500 kB: not spooled
    assert len(out.getvalue()) > 300 * 1024  # far over the app's 64 kB form limit
    added = client.post(START + "/document/identity", data={"csrf_token": token(page),
                                                            "file": (io.BytesIO(out.getvalue()), "photo.jpg")},
                        content_type="multipart/form-data")
    assert added.status_code == 303 and ApplicationDocument.select().count() == 1


def test_an_upload_over_the_limit_is_refused_not_a_500(app, db):
    client = app.test_client()
    page = client.get(START)
    client.post(START, data={"csrf_token": token(page)})
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token(page)}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
            f'Content-Type: image/jpeg\r\n\r\n').encode() + b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024) + \
        f"\r\n--{boundary}--\r\n".encode()  # built here: the test client would spool it to a file it never closes
    refused = client.post(START + "/document/identity", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert refused.status_code == 422
    assert "10 Mo" in refused.soup.find(class_="error-summary").get_text()


def open_status(client, reference, phone=PHONE):
    page = client.get("/fr/apply/status")
    code_page = client.post("/fr/apply/status", data={"csrf_token": token(page), "reference": reference,
                                                      "phone": phone})
    assert code_page.status_code == 200
    return client.post("/fr/apply/status/code", data={"csrf_token": token(page), "reference": reference,
                                                      "phone": phone, "code": latest_code(phone)})


def test_the_status_opens_with_reference_and_proven_phone_only(app, db):
    client = app.test_client()
    send(client, fill_in(client))
    application = Application.get()
    other = app.test_client()
    assert other.get(f"/fr/apply/status/{application.reference}").status_code == 303
    opened = open_status(other, application.reference)
    assert opened.status_code == 303
    status = other.get(opened.location)
    assert "Reçue" in status.soup.get_text()
    links = status.soup.select("a[href*='/file/']")
    assert len(links) == 2
    shown = other.get(links[0]["href"])
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["Content-Security-Policy"].startswith("sandbox")


def test_one_applicant_can_never_read_another_applicants_documents(app, db):
    first, second = app.test_client(), app.test_client()
    send(first, fill_in(first))
    mine = Application.get()
    global PHONE
    saved, PHONE = PHONE, "0661234567"
    try:
        send(second, fill_in(second))
    finally:
        PHONE = saved
    theirs = Application.get(Application.id != mine.id)
    their_files = [d.id for d in ApplicationDocument.select().where(ApplicationDocument.application == theirs.id)]
    open_status(first, mine.reference)
    for file_id in their_files:  # their file ids, through my proven reference
        assert first.get(f"/fr/apply/status/{mine.reference}/file/{file_id}").status_code == 404
    # their reference, without their phone: back to the form
    assert first.get(f"/fr/apply/status/{theirs.reference}/file/{their_files[0]}").status_code == 303
    # their reference with my phone: no code is sent, nothing opens
    before = Message.select().count()
    page = first.get("/fr/apply/status")
    first.post("/fr/apply/status", data={"csrf_token": token(page), "reference": theirs.reference, "phone": PHONE})
    assert Message.select().count() == before
    wrong = first.post("/fr/apply/status/code", data={"csrf_token": token(page), "reference": theirs.reference,
                                                      "phone": PHONE, "code": latest_code(PHONE)})
    assert wrong.status_code != 303
    assert first.get(f"/fr/apply/status/{theirs.reference}").status_code == 303


def test_drafts_are_limited_per_address(app, db):
    client = app.test_client()
    page = client.get(START)
    for _ in range(cases.DRAFTS_PER_ADDRESS):
        assert client.post(START, data={"csrf_token": token(page)}).status_code == 303
    refused = client.post(START, data={"csrf_token": token(page)})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert Application.select().count() == cases.DRAFTS_PER_ADDRESS


def test_the_app_refuses_to_start_with_a_storage_it_cannot_use(app, tmp_path):
    from conftest import app_settings

    with pytest.raises(StorageError, match="unknown storage"):  # an unreachable bucket: tests/test_storage_s3.py
        create_app({**app_settings(app.config["DATABASE_URL"], tmp_path), "APPLICATION_STORAGE": "ftp://bucket/docs"})
