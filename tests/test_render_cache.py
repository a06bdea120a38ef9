"""Home, service and task pages come from the render cache: the same bytes for everyone, nothing
personal in them, 304 on a matching ETag, and a new render when the day or the content changes."""

import gzip
from datetime import datetime

import brotli
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf

from webapp.catalog import load_catalog
from webapp.render_cache import Page, RenderCache, cached

TASK = "/fr/services/work-accident/declare-work-accident"
PAGES = ["/ar/", TASK, "/en/services/work-accident"]


def cache(app) -> RenderCache:
    return app.extensions["render_cache"]


def raw(app) -> FlaskClient:
    """A client without the page checks (it reads compressed bodies and 304s)."""
    return FlaskClient(app, app.response_class)


def test_two_sessions_get_the_same_cached_bytes_with_nothing_of_theirs(app, client):
    someone = raw(app)
    with someone.session_transaction() as session:
        session["mine"] = ["K7Q2MX9P"]
        session["csrf_token"] = "a-token-of-someone-else-0123456789"
    for url in PAGES:
        first = client.get(url)
        hits = cache(app).hits
        second = someone.get(url)
        assert cache(app).hits == hits + 1, f"{url} was not served from the cache"
        assert first.status_code == second.status_code == 200
        assert first.data == second.data, url
        assert b"K7Q2MX9P" not in second.data and b"a-token-of-someone-else" not in second.data
        assert "Set-Cookie" not in second.headers and "Cookie" not in second.headers.get("Vary", "")
        assert "Content-Security-Policy" in second.headers  # per-request headers are still added


def test_a_render_that_reads_the_session_is_never_kept(fresh_app):
    @fresh_app.get("/<lang:lang>/with-a-token")
    @cached
    def with_a_token():
        return f"<p>{generate_csrf()}</p>"

    one, two = raw(fresh_app), raw(fresh_app)
    first, second = one.get("/fr/with-a-token"), two.get("/fr/with-a-token")
    assert first.status_code == second.status_code == 200
    assert first.data != second.data  # each browser its own CSRF token
    assert not cache(fresh_app).pages


def test_an_etag_match_is_answered_304_in_every_encoding(app):
    browser = raw(app)
    plain = browser.get(TASK, headers={"Accept-Encoding": "identity"})
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        sent = browser.get(TASK, headers={"Accept-Encoding": encoding})
        assert sent.headers["Content-Encoding"] == encoding
        assert decode(sent.data) == plain.data
        assert sent.headers["ETag"] == plain.headers["ETag"][:-1] + f':{encoding}"'
        again = browser.get(TASK, headers={"Accept-Encoding": encoding, "If-None-Match": sent.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        assert "Accept-Encoding" in again.headers["Vary"]
    again = browser.get(TASK, headers={"Accept-Encoding": "identity", "If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_a_fragment_and_a_whole_page_are_kept_apart(app, client):
    page = client.get(TASK)
    fragment = client.get(TASK, headers={"HX-Request": "true", "HX-Target": "checklist"})
    precached = client.get(TASK, headers={"X-Precache": "1"})
    assert b"<html" in page.data and b"<html" not in fragment.data and b'id="checklist"' in fragment.data
    assert b"<style>" in page.data and b"<style>" not in precached.data
    assert client.get(TASK).data == page.data


def test_the_deadline_helper_follows_the_clock(app, client):
    """The helper counts days from today: the cached page of yesterday is not today's."""
    url = TASK + "?date-accident=2026-11-30&date-employer-learned=2026-11-30"
    app.config["NOW"] = datetime(2026, 11, 30, 9, 0)
    assert not client.get(url).soup.select("#deadline-helper .error")
    app.config["NOW"] = datetime(2026, 12, 3, 9, 0)
    said = " ".join(e.get_text(" ") for e in client.get(url).soup.select("#deadline-helper .error"))
    assert "il y a 2 jours" in said


def test_a_content_change_is_rendered_anew(app, client, content):
    assert "Nouveau titre" not in client.get(TASK).get_data(as_text=True)
    path = content / "services" / "work-accident.toml"
    text = path.read_text(encoding="utf-8")
    old = app.extensions["catalog"].task("work-accident", "declare-work-accident")[1]["title"]["fr"]
    assert f'title.fr = "{old}"' in text
    path.write_text(text.replace(f'title.fr = "{old}"', 'title.fr = "Nouveau titre"', 1), encoding="utf-8")
    app.extensions["catalog"] = load_catalog(content)
    assert "Nouveau titre" in client.get(TASK).soup.find("h1").get_text()


def test_the_cache_stays_within_its_bytes():
    kept = RenderCache(max_bytes=1000)
    for n in range(10):
        kept.put(("page", n), Page(b"x" * 300, 200, [], f'"{n}"'))
        assert kept.bytes <= 1000
    assert list(kept.pages) == [("page", 7), ("page", 8), ("page", 9)]
    assert kept.get(("page", 7)) is not None  # now the most recent: 8 goes first
    kept.put(("page", 10), Page(b"y" * 300, 200, [], '"10"'))
    assert list(kept.pages) == [("page", 9), ("page", 7), ("page", 10)]
    kept.put(("page", 11), Page(b"z" * 2000, 200, [], '"11"'))  # bigger than the whole cache
    assert ("page", 11) not in kept.pages and kept.bytes == 900


def test_compressed_forms_count_in_the_bound(app):
    browser = raw(app)
    cache(app).clear()
    browser.get(TASK, headers={"Accept-Encoding": "identity"})
    bare = cache(app).bytes
    browser.get(TASK, headers={"Accept-Encoding": "br"})
    assert cache(app).bytes > bare
    assert cache(app).bytes == sum(p.size for p in cache(app).pages.values())


def test_off_when_set_to_zero(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "render_cache", None)
    hits = cache_hits = raw(app).get(TASK)
    assert hits.status_code == 200 and cache_hits.data
    init_app_with_zero = {"RENDER_CACHE_MB": 0}
    from flask import Flask

    from webapp import render_cache
    bare = Flask("bare")
    bare.config.update(init_app_with_zero)
    render_cache.init_app(bare)
    assert bare.extensions["render_cache"] is None
