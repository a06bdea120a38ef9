"""Resumable uploads: a file sent in chunks under an id; after a cut the phone asks how much
arrived and goes on from there; the last chunk makes one document, however often it is sent."""

import io
import re
from datetime import timedelta

import pytest
from PIL import Image

from test_applications_flow import START, token
from webapp.applications import resumable, review, storage
from webapp.models import ApplicationDocument, ApplicationUpload


def noisy_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1000, 1000), 80).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def started(app):
    client = app.test_client()
    page = client.get(START)
    client.post(START, data={"csrf_token": token(page)})
    return client, {"X-CSRFToken": token(page)}


def put(client, headers, upload_id, offset, data):
    return client.put(f"{START}/uploads/{upload_id}?offset={offset}", data=data, headers=headers,
                      content_type="application/octet-stream")


def test_a_cut_upload_goes_on_from_what_arrived_and_makes_one_document(app, db):
    client, headers = started(app)
    data = noisy_photo()
    assert len(data) > 2 * resumable.CHUNK
    opened = client.post(f"{START}/uploads", json={"kind": "identity", "size": len(data)}, headers=headers)
    assert opened.status_code == 201 and opened.headers["Cache-Control"] == "no-store"
    upload_id, chunk = opened.json["id"], opened.json["chunk"]
    assert re.fullmatch(r"[0-9a-f]{32}", upload_id)
    assert put(client, headers, upload_id, 0, data[:chunk]).json["received"] == chunk
    assert put(client, headers, upload_id, 0, data[:chunk]).json["received"] == chunk  # sent twice: stored once
    # the network is cut; back online, the phone asks where to go on
    assert client.get(f"{START}/uploads/{upload_id}", headers=headers).json["received"] == chunk
    skipped = put(client, headers, upload_id, 2 * chunk, data[2 * chunk:3 * chunk])
    assert skipped.status_code == 409 and skipped.json["received"] == chunk
    offset = chunk
    while offset < len(data):
        answer = put(client, headers, upload_id, offset, data[offset:offset + chunk])
        assert answer.status_code == 200
        offset += chunk
    assert answer.json["document"] == ApplicationDocument.get().id
    replay = put(client, headers, upload_id, offset - chunk, data[offset - chunk:offset])
    assert replay.json["document"] == answer.json["document"] and ApplicationDocument.select().count() == 1
    assert ApplicationDocument.get().content_type == "image/jpeg"  # checked and re-encoded like any upload


def test_a_hostile_file_sent_in_chunks_is_refused_when_complete(app, db):
    client, headers = started(app)
    data = b"#!/bin/sh\necho pwned\n" * 10
    upload_id = client.post(f"{START}/uploads", json={"kind": "identity", "size": len(data)},
                            headers=headers).json["id"]
    refused = put(client, headers, upload_id, 0, data)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "upload_type"
    assert ApplicationDocument.select().count() == 0 and ApplicationUpload.select().count() == 0


def test_uploads_are_the_drafts_own(app, db):
    client, headers = started(app)
    upload_id = client.post(f"{START}/uploads", json={"kind": "identity", "size": 100}, headers=headers).json["id"]
    other, other_headers = started(app)
    assert other.get(f"{START}/uploads/{upload_id}", headers=other_headers).status_code == 404
    assert put(other, other_headers, upload_id, 0, b"x" * 10).status_code == 404
    too_big = client.post(f"{START}/uploads", json={"kind": "identity", "size": 50 * 1024 * 1024}, headers=headers)
    assert too_big.status_code == 422
    assert client.post(f"{START}/uploads", json={"kind": "nope", "size": 10}, headers=headers).status_code == 404


def test_an_unfinished_upload_goes_with_its_draft(app, db):
    client, headers = started(app)
    upload_id = client.post(f"{START}/uploads", json={"kind": "identity", "size": 100}, headers=headers).json["id"]
    put(client, headers, upload_id, 0, b"\xff\xd8\xff" + b"x" * 40)
    name = ApplicationUpload.get().stored_name
    store = storage.store_for(app.config)
    assert len(store.get(name)) == 43
    with app.app_context():
        review.purge_due(app.config["NOW"] + timedelta(days=review.DRAFT_KEEP_DAYS + 1))
    assert ApplicationUpload.select().count() == 0
    with pytest.raises(KeyError):
        store.get(name)
