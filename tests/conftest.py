"""Fixtures: an app on a throw-away database, and a client that checks every page it fetches."""

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import peewee as pw
import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from webapp import create_app
from webapp.db import database
from webapp.i18n import LANGUAGES
from webapp.migrations import migrate
from webapp.models import BaseModel

TEST_NOW = "2026-12-01T09:00"


class CheckingClient(FlaskClient):
    """A test client that parses each full HTML page and checks the basics every page needs."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        is_page = (response.mimetype == "text/html" and not 300 <= response.status_code < 400 and response.status_code != 204
                   and "Content-Encoding" not in response.headers)
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


@pytest.fixture
def app(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "test-secret",
            "NOW": __import__("datetime").datetime.fromisoformat(TEST_NOW),
        }
    )
    app.test_client_class = CheckingClient
    with app.app_context():
        database.connect(reuse_if_open=True)
        reset_schema()
        migrate(database)
        database.close()
    yield app
    with app.app_context():
        database.connect(reuse_if_open=True)
        reset_schema()
        database.close()


def reset_schema():
    """Drop every table so each test starts from an empty database (SQLite or PostgreSQL)."""
    models = BaseModel.__subclasses__()
    options = {} if isinstance(database.obj, pw.SqliteDatabase) else {"cascade": True}
    database.drop_tables(models, safe=True, **options)


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
