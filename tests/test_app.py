"""Security headers, cookies, error pages, the clock and the command line."""

import base64
import hashlib
import subprocess
import sys
from datetime import datetime

import pytest

from webapp import clock, config, create_app

POLICY = {  # the Content-Security-Policy, but for style-src (checked apart, it holds a hash)
    "default-src": "'self'", "script-src": "'self'", "img-src": "'self' data:", "connect-src": "'self'",
    "font-src": "'none'", "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'",
    "frame-ancestors": "'none'", "manifest-src": "'self'", "worker-src": "'self'",
}


@pytest.mark.parametrize("url", ["/fr/", "/ar/services/death-grant", "/fr/nowhere", "/api/v1/agencies", "/sw.js",
                                 "/static/css/site.css"])
def test_security_headers_on_every_response(client, url):
    with client.get(url) as response:
        headers = response.headers
    policy = dict(directive.strip().split(" ", 1) for directive in headers["Content-Security-Policy"].split(";"))
    style = policy.pop("style-src").split()
    assert policy == POLICY
    assert style[0] == "'self'" and len(style) == 2 and style[1].startswith("'sha256-")  # no 'unsafe-inline'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == "geolocation=(), microphone=(), camera=(self)"


def test_the_policy_allows_exactly_the_inlined_stylesheet(client):
    response = client.get("/fr/")
    styles = response.soup.find_all("style")
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].string.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}';" in response.headers["Content-Security-Policy"]


def test_pages_have_no_inline_script(client):
    soup = client.get("/ar/").soup
    assert all(script.get("src") for script in soup.find_all("script"))
    assert all(script.has_attr("defer") for script in soup.find_all("script"))
    assert not any(attr.startswith("on") for tag in soup.find_all(True) for attr in tag.attrs)


def test_internal_error_shows_a_page_without_traceback(fresh_app):
    def boom():
        raise RuntimeError("secret detail")

    fresh_app.add_url_rule("/<lang:lang>/boom", "boom", boom)
    response = fresh_app.test_client().get("/fr/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body
    assert response.soup.h1.get_text() == "Un problème est survenu"


def test_post_without_csrf_token_is_refused(fresh_app):
    fresh_app.add_url_rule("/<lang:lang>/echo", "echo", lambda: "ok", methods=["POST"])
    response = fresh_app.test_client().post("/fr/echo", data={"a": "b"})
    assert response.status_code == 400


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_frozen_clock(app):
    with app.app_context():
        assert clock.now().isoformat() == "2026-12-01T09:00:00+01:00"
        assert str(clock.today()) == "2026-12-01"


def test_generated_secret_is_kept_in_instance(tmp_path):
    first = create_app({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": None})
    second = create_app({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": None})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_config_from_environment():
    settings = config.from_env({"DATABASE_URL": "postgresql://u@h/d", "WEBAPP_NOW": "2026-12-01T09:00",
                                "COOKIE_SECURE": "0"})
    assert settings["DATABASE_URL"] == "postgresql://u@h/d"
    assert settings["NOW"] == datetime(2026, 12, 1, 9, 0)
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert config.from_env({})["DATABASE_URL"].startswith("sqlite:///")


def test_command_line_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "webapp", "--help"], capture_output=True, text=True).stdout
    for command in ("serve", "check-content", "migrate", "load-demo"):
        assert command in out
