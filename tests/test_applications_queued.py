"""An application filled in on a phone without network, sent later by its outbox through the
JSON door: the whole application once per key, its files in resumable chunks, the SMS code."""

import io

from PIL import Image

from phone_codes import latest_code
from webapp.models import Application, ApplicationDocument, ApplicationUpload, Message

PHONE = "0550123999"
ANSWERS = {"work-status": "owner", "activity": "Couture à domicile", "full-name": "Amina Benali"}


def photo(colour) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((700, 500), 60).convert("RGB").save(out, "JPEG", quality=95)  # over one chunk
    small = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(small, "JPEG")
    return out.getvalue() if colour is None else small.getvalue()


def body(files, **changes):
    return {"service": "voluntary-affiliation", "task": "join-voluntary-affiliation", "answers": ANSWERS,
            "agency": "16", "phone": PHONE, "declaration": True,
            "documents": [{"kind": "identity", "size": len(f)} for f in files], **changes}


def submit(client, key, files, **changes):
    return client.post("/api/v1/applications", json=body(files, **changes),
                       headers={"Idempotency-Key": key, "Accept-Language": "ar"})


def upload_all(client, key, answer, files, cut_at=None):
    """Every file in chunks from where the server says it is; `cut_at`: a chunk sent twice."""
    chunk = answer["chunk"]
    for upload, data in zip(answer["uploads"], files, strict=True):
        at = upload["received"]
        while at < len(data):
            url = f"/api/v1/applications/uploads/{upload['id']}?offset={at}"
            sent = client.put(url, data=data[at:at + chunk], headers={"Idempotency-Key": key})
            assert sent.status_code == 200, sent.json
            if cut_at is not None and at == cut_at:  # the answer was lost: the phone sends it again
                again = client.put(url, data=data[at:at + chunk], headers={"Idempotency-Key": key})
                assert again.status_code in (200, 409), again.json
            at = sent.json["received"]
        assert sent.json["document"]


def test_a_queued_application_arrives_once_with_its_files(app, db):
    client = app.test_client()
    files = [photo(None), photo((0, 0, 200))]
    assert len(files[0]) > 256 * 1024  # resumable: more than one chunk
    first = submit(client, "phone-key-1", files)
    assert first.status_code == 201, first.json
    assert [u["kind"] for u in first.json["uploads"]] == ["identity", "identity"]
    again = submit(client, "phone-key-1", files)  # the outbox sent it again (a lost answer)
    assert again.status_code == 200 and again.json["reference"] == first.json["reference"]
    assert Application.select().count() == 1 and ApplicationUpload.select().count() == 2

    early = client.post("/api/v1/applications/code", json={"phone": PHONE}, headers={"Idempotency-Key": "phone-key-1"})
    assert early.status_code == 422 and early.json["error"]["code"] == "incomplete"  # files first
    upload_all(client, "phone-key-1", first.json, files, cut_at=0)
    resumed = submit(client, "phone-key-1", files)
    assert all(u["done"] and u["received"] == u["size"] for u in resumed.json["uploads"])

    asked = client.post("/api/v1/applications/code", json={"phone": PHONE}, headers={"Idempotency-Key": "phone-key-1"})
    assert asked.status_code == 202 and asked.json["status"] == "draft"
    wrong = client.post("/api/v1/applications/confirm", json={"code": "000000"},
                        headers={"Idempotency-Key": "phone-key-1"})
    assert wrong.status_code in (409, 422) and Application.get().status == "draft"
    for _ in range(2):  # confirmed twice (the worker and the page): received once, one SMS
        done = client.post("/api/v1/applications/confirm", json={"code": latest_code(PHONE)},
                           headers={"Idempotency-Key": "phone-key-1", "Sec-Fetch-Site": "same-origin"})
        assert done.status_code == 200 and done.json["status"] == "received"
    application = Application.get()
    assert application.answers and application.agency == "16" and application.phone == PHONE
    assert application.lang == "ar"
    assert ApplicationDocument.select().where(ApplicationDocument.application == application.id).count() == 2
    assert Message.select().where((Message.kind == "app_received") & (Message.recipient == PHONE)).count() == 1
    # the browser that confirmed it sees its confirmation page
    assert client.get(f"/ar/apply/done/{application.reference}").status_code == 200


def test_only_the_phones_key_goes_on_with_it(app, db):
    client = app.test_client()
    files = [photo((200, 0, 0))]
    made = submit(client, "the-right-key", files).json
    upload = made["uploads"][0]["id"]
    for method, url, kw in (("put", f"/api/v1/applications/uploads/{upload}?offset=0", {"data": files[0]}),
                            ("get", f"/api/v1/applications/uploads/{upload}", {}),
                            ("post", "/api/v1/applications/code", {"json": {"phone": PHONE}}),
                            ("post", "/api/v1/applications/confirm", {"json": {"code": "123456"}})):
        answer = getattr(client, method)(url, headers={"Idempotency-Key": "another-key"}, **kw)
        assert answer.status_code == 404, (url, answer.json)
    assert ApplicationUpload.get().received == 0
    assert client.put(f"/api/v1/applications/uploads/{upload}?offset=0", data=files[0]).status_code == 400


def test_a_number_abroad_only_where_the_application_takes_one(app, db):
    client = app.test_client()
    refused = submit(client, "k-abroad", [photo((1, 2, 3))], phone="+33 6 12 34 56 78")
    assert refused.status_code == 422 and "+33" not in refused.json["error"]["fields"]["phone"][0]
    assert Application.select().count() == 0


def test_a_wrong_application_is_refused_whole_with_every_reason(app, db):
    client = app.test_client()
    refused = submit(client, "k-bad", [], answers={"work-status": "astronaut"}, agency="99",
                     phone="12345")
    assert refused.status_code == 422
    fields = refused.json["error"]["fields"]
    assert set(fields) == {"phone"}  # the phone is checked first (the form's own check)
    refused = submit(client, "k-bad", [], answers={"work-status": "astronaut"}, agency="99")
    fields = refused.json["error"]["fields"]
    assert {"answers.work-status", "answers.activity", "agency"} <= set(fields), fields
    assert all(isinstance(m, str) and m for ms in fields.values() for m in ms)
    too_big = [{"kind": "identity", "size": 11 * 1024 * 1024}]
    assert submit(client, "k-big", [b"x"], documents=too_big).status_code == 422
    many = submit(client, "k-many", [b"x"] * 3)
    assert many.status_code == 422 and "documents.identity" in many.json["error"]["fields"]
    assert Application.select().count() == 0  # nothing kept of a refused application
