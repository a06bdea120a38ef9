"""The S3-compatible store (APPLICATION_STORAGE=s3://bucket/prefix) against a real S3 server on
127.0.0.1 (moto's server mode): the same guarantees as the local folder, a whole application
through it, and an app that refuses to start when the bucket cannot be used."""

import re
import socket
import threading
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from conftest import app_settings
from test_applications_flow import START, fill_in, open_status, send
from test_applications_resumable import noisy_photo, put, started
from webapp import create_app
from webapp.applications import resumable, storage
from webapp.applications.storage import LocalStorage, S3Storage, StorageError
from webapp.config import from_env
from webapp.models import Application, ApplicationDocument, ApplicationUpload

KEYS = {"AWS_ACCESS_KEY_ID": "cnas-test", "AWS_SECRET_ACCESS_KEY": "cnas-test-secret",
        "AWS_DEFAULT_REGION": "eu-west-3"}


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint):
    """Settings naming a new empty bucket (prefix docs/), and a client to look inside it."""
    bucket = f"cnas-{uuid.uuid4().hex[:12]}"
    settings = {"APPLICATION_STORAGE": f"s3://{bucket}/docs", "S3_ENDPOINT_URL": endpoint, **KEYS}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-3", aws_access_key_id=KEYS[
        "AWS_ACCESS_KEY_ID"], aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    settings["keys"] = lambda: sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))
    settings["client"], settings["bucket"] = client, bucket
    return settings


def store_of(s3) -> S3Storage:
    store = storage.store_for({"INSTANCE_DIR": "/nonexistent", **s3})
    assert isinstance(store, S3Storage)
    return store


def test_documents_are_objects_under_random_names(s3):
    store = store_of(s3)
    first, second = store.put(b"one"), store.put(b"two")
    assert first != second and re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert s3["keys"]() == sorted([f"docs/{first}", f"docs/{second}"])
    assert store.get(first) == b"one" and store.get(second) == b"two"
    grants = s3["client"].get_object_acl(Bucket=s3["bucket"], Key=f"docs/{first}")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"] and "URI" not in grants[0]["Grantee"]  # private
    store.delete(first)
    store.delete(first)  # already gone: nothing happens
    assert s3["keys"]() == [f"docs/{second}"]
    with pytest.raises(KeyError):
        store.get(first)
    with pytest.raises(KeyError):
        store.get(uuid.uuid4().hex)
    with pytest.raises(KeyError):
        store.get("../docs")  # a name is never a key of something else
    assert len({store.start() for _ in range(50)} | {store.put(b"x") for _ in range(5)}) == 55


def test_chunks_are_parts_stored_once_at_their_offset(s3):
    store = store_of(s3)
    name = store.start()
    assert re.fullmatch(r"[0-9a-f]{32}", name) and s3["keys"]() == []
    assert store.append(name, 0, b"abc") == 3
    assert store.append(name, 0, b"abc") == 3  # sent twice: stored once
    assert store.append(name, 7, b"zzz") == 3  # at the wrong offset: nothing changes
    assert store.append(name, 3, b"") == 3
    assert store.append(name, 3, b"defg") == 7
    assert s3["keys"]() == [f"docs/parts/{name}/000000000000", f"docs/parts/{name}/000000000003"]
    assert store.get(name) == b"abcdefg"
    other = store.put(b"kept")
    store.delete(name)
    assert s3["keys"]() == [f"docs/{other}"]
    with pytest.raises(KeyError):
        store.get(name)


def test_a_part_after_a_gap_is_not_part_of_the_file(s3):
    store = store_of(s3)
    name = store.start()
    s3["client"].put_object(Bucket=s3["bucket"], Key=f"docs/parts/{name}/000000000005", Body=b"stray")
    assert store.append(name, 0, b"abcd") == 4
    assert store.get(name) == b"abcd"
    store.delete(name)
    assert s3["keys"]() == []  # the stray part goes too


def test_the_same_chunk_on_two_machines_at_once_is_stored_once(s3):
    """Both machines list the parts before either writes (a barrier makes sure), so both see
    the file end at 0 and both write the chunk: the same key with the same bytes."""
    machines = [store_of(s3), S3Storage(boto3.client(
        "s3", endpoint_url=s3["S3_ENDPOINT_URL"], region_name="eu-west-3", aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"]), s3["bucket"], "docs")]
    name, data = machines[0].start(), b"\xff\xd8" + bytes(range(256)) * 40
    both_listed = threading.Barrier(2, timeout=10)
    answers = []

    def append(machine):
        parts = machine._parts

        def listed_then_wait(name):
            found = parts(name)
            both_listed.wait()
            return found
        machine._parts = listed_then_wait
        answers.append(machine.append(name, 0, data))
        machine._parts = parts

    threads = [threading.Thread(target=append, args=(machine,)) for machine in machines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert answers == [len(data), len(data)]
    assert s3["keys"]() == [f"docs/parts/{name}/000000000000"]
    assert machines[1].get(name) == data


def test_an_application_with_its_documents_in_the_bucket(app, db, s3):
    app.config.update({k: v for k, v in s3.items() if k.isupper()})
    client = app.test_client()
    send(client, fill_in(client))
    application = Application.get()
    names = [d.stored_name for d in ApplicationDocument.select()]
    assert len(names) == 2 and s3["keys"]() == sorted(f"docs/{n}" for n in names)
    assert not list((LocalStorage(app.config["INSTANCE_DIR"]).root / "documents").glob(f"*/{names[0]}"))
    other = app.test_client()
    open_status(other, application.reference)
    status = other.get(f"/fr/apply/status/{application.reference}")
    shown = other.get(status.soup.select("a[href*='/file/']")[0]["href"])
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.get_data() in [store_of(s3).get(n) for n in names]


def test_a_cut_upload_goes_on_through_the_bucket(app, db, s3):
    app.config.update({k: v for k, v in s3.items() if k.isupper()})
    client, headers = started(app)
    data = noisy_photo()
    opened = client.post(f"{START}/uploads", json={"kind": "identity", "size": len(data)}, headers=headers)
    upload_id, chunk = opened.json["id"], resumable.CHUNK
    assert put(client, headers, upload_id, 0, data[:chunk]).json["received"] == chunk
    assert put(client, headers, upload_id, 0, data[:chunk]).json["received"] == chunk  # sent twice: stored once
    skipped = put(client, headers, upload_id, 2 * chunk, data[2 * chunk:3 * chunk])
    assert skipped.status_code == 409 and skipped.json["received"] == chunk
    name = ApplicationUpload.get().stored_name
    assert s3["keys"]() == [f"docs/parts/{name}/{0:012d}"]
    offset = chunk
    while offset < len(data):
        answer = put(client, headers, upload_id, offset, data[offset:offset + chunk])
        assert answer.status_code == 200
        offset += chunk
    document = ApplicationDocument.get()
    assert answer.json["document"] == document.id
    assert s3["keys"]() == [f"docs/{document.stored_name}"]  # the parts are gone, the checked file stays
    assert store_of(s3).get(document.stored_name)[:2] == b"\xff\xd8"


def test_a_store_gone_while_running_is_a_503_to_retry(app, db, s3):
    app.config.update({k: v for k, v in s3.items() if k.isupper()})
    client, headers = started(app)
    data = noisy_photo()
    opened = client.post(f"{START}/uploads", json={"kind": "identity", "size": len(data)}, headers=headers)
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # the store stops answering
    answer = put(client, headers, opened.json["id"], 0, data[:resumable.CHUNK])
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert ApplicationUpload.get().received == 0  # nothing counted that was not stored


def test_the_app_starts_with_a_bucket_that_answers(app, s3, tmp_path):
    own = create_app({**app_settings(app.config["DATABASE_URL"], tmp_path),
                      **{k: v for k, v in s3.items() if k.isupper()}})
    assert isinstance(storage.store_for(own.config), S3Storage)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("change", "message"), [
    ({"S3_ENDPOINT_URL": "a closed port"}, "cannot reach bucket"),
    ({"APPLICATION_STORAGE": "s3://no-such-bucket/docs"}, "there is no bucket 'no-such-bucket'"),
    ({"AWS_SECRET_ACCESS_KEY": None}, "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    ({"APPLICATION_STORAGE": "s3:///docs"}, "needs a bucket name"),
    ({"APPLICATION_STORAGE": "ftp://bucket/docs"}, "unknown storage"),
])
def test_the_app_refuses_to_start_with_a_bucket_it_cannot_use(app, s3, tmp_path, change, message):
    settings = {**app_settings(app.config["DATABASE_URL"], tmp_path), **{k: v for k, v in s3.items() if k.isupper()}}
    if change.get("S3_ENDPOINT_URL") == "a closed port":
        change = {"S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    with pytest.raises(StorageError, match=re.escape(message)):
        create_app({**settings, **change})


def test_no_credentials_anywhere_is_said_at_start(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask the network
    with pytest.raises(StorageError, match="no credentials"):
        storage.check({"INSTANCE_DIR": str(tmp_path), "APPLICATION_STORAGE": "s3://bucket/docs",
                       "S3_ENDPOINT_URL": "http://127.0.0.1:9"})


def test_the_local_folder_is_still_the_default(tmp_path):
    config = from_env({"INSTANCE_DIR": str(tmp_path)})
    assert config["APPLICATION_STORAGE"] == "local"
    store = storage.store_for(config)
    assert isinstance(store, LocalStorage) and store.root == tmp_path / "documents"
    storage.check(config)  # nothing to reach

