"""Fixtures: an app on a throw-away database, and a client that checks every page it fetches.

The app is built once per session, on a database migrated once per session; each test gets
it back with its tables emptied and its settings as they were (see `app`)."""

import copy
import os
import re
import shutil
import tempfile
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import peewee as pw
import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from playhouse.db_url import connect

from webapp import create_app
from webapp.db import database, open_database
from webapp.i18n import LANGUAGES
from webapp.migrations import migrate
from webapp.models import SchemaMigration
from webapp.views import pwa

TEST_NOW = "2026-12-01T09:00"
RAM_DISK = "/dev/shm"


class CheckingClient(FlaskClient):
    """A test client that parses each full HTML page and checks the basics every page needs."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        is_page = (response.mimetype == "text/html" and not 300 <= response.status_code < 400
                   and response.status_code != 204 and "Content-Encoding" not in response.headers)
        if is_page and "HX-Target" not in (kwargs.get("headers") or {}):
            check_page(response)
        return response


def check_page(response):
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    html = soup.find("html")
    assert html is not None, "not a full HTML page"
    lang = html.get("lang")
    assert lang in LANGUAGES, f"<html lang> is {lang!r}"
    assert html.get("dir") == LANGUAGES[lang]["dir"], f"dir is wrong for {lang}"
    path_lang = re.match(r"^/(ar|fr|en)/", response.request.path)
    if path_lang:
        assert lang == path_lang.group(1), "page language differs from its URL"
    assert soup.title and soup.title.string and soup.title.string.strip(), "page has no title"
    assert len(soup.find_all("h1")) == 1, "a page has exactly one h1"
    assert soup.find("main"), "page has no <main> landmark"
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    assert not [i for i, n in ids.items() if n > 1], f"duplicate ids: {ids}"
    for form in soup.find_all("form"):
        assert form.get("action"), "a form without action does not work without JS"
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        labelled = (field.get("aria-label") or field.find_parent("label")
                    or field.get("id") and soup.find("label", attrs={"for": field["id"]}))
        assert labelled, f"control without a label: {field}"
    response.soup = soup


def app_settings(url: str, instance_dir) -> dict:
    """The settings every test app gets."""
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": "test-secret",
        "NOW": datetime.fromisoformat(TEST_NOW),
        "DEMO": True,  # the demo staff accounts sign in (tests/test_install.py checks they don't without it)
    }


class SharedDatabase:
    """The session's database: its schema is migrated once; each test then empties its tables
    (keeping schema_migration) instead of dropping and re-migrating them."""

    def __init__(self, url: str):
        self.url = url
        self.obj = open_database(url)
        self.tables: list[str] = []
        self.versions: list[int] = []

    def use(self) -> None:
        """Point the proxy shared by every app (webapp.db.database) back at this database,
        closed: a test that built its own app with create_app re-pointed it."""
        if database.obj is not None and not database.is_closed():
            database.close()
        if database.obj is not self.obj:
            database.initialize(self.obj)
        if not database.is_closed():
            database.close()

    def rebuild(self) -> None:
        """Drop every table, then migrate: the schema exactly as production gets it."""
        self.use()
        with database.connection_context():
            drop_everything()
            migrate(database)
            self.tables = sorted(t for t in database.get_tables() if t != SchemaMigration._meta.table_name)
            self.versions = self.applied()

    def applied(self) -> list[int]:
        query = SchemaMigration.select(SchemaMigration.version).order_by(SchemaMigration.version)
        return [row.version for row in query]

    def empty(self) -> None:
        """Delete every row but the migrations' (and restart ids); rebuild the schema instead
        if a test left it changed (test_db adds and drops tables and migrations)."""
        self.use()
        with database.connection_context():
            changed = (sorted(t for t in database.get_tables() if t != SchemaMigration._meta.table_name) != self.tables
                       or self.applied() != self.versions)
            if not changed:
                truncate(self.tables)
        if changed:
            self.rebuild()

    def drop(self) -> None:
        self.use()
        with database.connection_context():
            drop_everything()


def truncate(tables: list[str]) -> None:
    """Empty the tables that have rows, and restart their ids at 1 (one query when all are
    empty: most tests only read the catalog)."""
    probe = " UNION ALL ".join(f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM \"{table}\")" for table in tables)
    used = [row[0] for row in database.execute_sql(probe)]
    if isinstance(database.obj, pw.PostgresqlDatabase):
        if used:
            names = ", ".join(f'"{table}"' for table in used)
            database.execute_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    sequences = "sqlite_sequence" in database.get_tables()  # only with AUTOINCREMENT keys
    if not used and not sequences:
        return
    with database.atomic():
        database.execute_sql("PRAGMA defer_foreign_keys = ON")
        for table in used:
            database.execute_sql(f'DELETE FROM "{table}"')
        if sequences:
            database.execute_sql("DELETE FROM sqlite_sequence")


def drop_everything() -> None:
    """Drop every table of the database (SQLite or PostgreSQL), whatever created it."""
    cascade = "" if isinstance(database.obj, pw.SqliteDatabase) else " CASCADE"
    for table in database.get_tables():
        database.execute_sql(f'DROP TABLE IF EXISTS "{table}"{cascade}')


@pytest.fixture(scope="session")
def shared_database(tmp_path_factory):
    """TEST_DATABASE_URL, or an SQLite file in memory-backed /dev/shm when there is one (a
    real file, that the server of test_concurrency opens too, but with no disk syncs)."""
    url = os.environ.get("TEST_DATABASE_URL")
    ram_disk = RAM_DISK if os.access(RAM_DISK, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="webapp-tests-", dir=ram_disk) as folder:
        shared = SharedDatabase(url or f"sqlite:///{Path(folder) / 'test.db'}")
        shared.rebuild()
        yield shared
        shared.drop()


@pytest.fixture(autouse=True, scope="session")
def hash_each_password_once():
    """Argon2id is slow on purpose (tens of ms a call) and the suite hashes the same few
    passwords hundreds of times (each demo.load creates the demo accounts): hash each password
    once per hasher setting, for real, and reuse that hash; remember each check's answer too."""
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify
    hashes, checks = {}, {}

    def settings(hasher):
        return (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len, hasher.salt_len,
                hasher.type)

    def hash_once(self, password, *, salt=None):
        if salt is not None:
            return real_hash(self, password, salt=salt)
        key = (settings(self), password)
        if key not in hashes:
            hashes[key] = real_hash(self, password)
        return hashes[key]

    def verify_once(self, stored, password):
        key = (settings(self), stored, password)
        if key not in checks:
            try:
                checks[key] = real_verify(self, stored, password)
            except Exception as exc:  # noqa: BLE001 - raised again below, each time
                checks[key] = exc
        if isinstance(checks[key], Exception):
            raise checks[key].with_traceback(None)
        return checks[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PasswordHasher, "hash", hash_once)
        patch.setattr(PasswordHasher, "verify", verify_once)
        yield


@pytest.fixture(scope="session")
def shared_app(shared_database, tmp_path_factory):
    """One app for the whole session (building one per test took most of the suite's time)."""
    app = create_app(app_settings(shared_database.url, tmp_path_factory.mktemp("instance")))
    app.test_client_class = CheckingClient
    shared_database.use()
    return app


@pytest.fixture
def app(shared_app, shared_database):
    """The session's app on an empty database, with its settings restored after the test
    (tests move the clock, NOW, and change other settings)."""
    shared_database.empty()
    manifests = getattr(pwa, "_offline_manifest", None)  # an lru_cache, filled by the app that asked first
    if manifests is not None:
        manifests.cache_clear()
    config = {key: copy.copy(value) for key, value in shared_app.config.items()}
    extensions = dict(shared_app.extensions)
    yield shared_app
    (Path(shared_app.config["INSTANCE_DIR"]) / "demo_clock").unlink(missing_ok=True)  # a test moved it
    shared_app.config.clear()
    shared_app.config.update(config)
    shared_app.extensions.clear()
    shared_app.extensions.update(extensions)
    shared_database.use()


@pytest.fixture
def fresh_app(app, tmp_path):
    """An app of its own (on the same empty database), for a test that adds routes: Flask
    refuses new routes once an app has served a request."""
    own = create_app(app_settings(app.config["DATABASE_URL"], tmp_path))
    own.test_client_class = CheckingClient
    yield own
    if not database.is_closed():
        database.close()


@pytest.fixture
def content(tmp_path):
    """A copy of the real content folder that a test can break."""
    target = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parent.parent / "content", target)
    return target


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The database, outside any app context: requests made meanwhile get their own context
    (as in production), and connections reopen on demand after a request closes them."""
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def use_case(app):
    """An app context, as a command or the worker has, for tests that call use cases directly
    (they read the catalog and settings from it). Not for tests that make requests: Flask-Babel
    would keep the first request's language for the whole context."""
    with app.app_context():
        yield app


@pytest.fixture
def empty_url(tmp_path):
    """The URL of a database with nothing in it: a new SQLite file, or a new PostgreSQL
    database next to the test one when TEST_DATABASE_URL names a PostgreSQL server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"upgrade_{uuid.uuid4().hex[:12]}"
    admin = connect(url)
    admin.connect()
    admin.connection().autocommit = True
    admin.execute_sql(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()
