"""Security headers, cookies, error pages, the clock and the command line."""

import subprocess
import sys
from datetime import datetime

from webapp import clock, create_app, config


def test_security_headers_on_every_page(client):
    response = client.get("/fr/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in csp


def test_pages_have_no_inline_script(client):
    soup = client.get("/ar/").soup
    assert all(script.get("src") for script in soup.find_all("script"))
    assert all(script.has_attr("defer") for script in soup.find_all("script"))
    assert not any(attr.startswith("on") for tag in soup.find_all(True) for attr in tag.attrs)


def test_internal_error_shows_a_page_without_traceback(app, client):
    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule("/<lang:lang>/boom", "boom", boom)
    response = client.get("/fr/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body
    assert response.soup.h1.get_text() == "Un problème est survenu"


def test_post_without_csrf_token_is_refused(app, client):
    app.add_url_rule("/<lang:lang>/echo", "echo", lambda: "ok", methods=["POST"])
    response = client.post("/fr/echo", data={"a": "b"})
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
    settings = config.from_env({"DATABASE_URL": "postgresql://u@h/d", "WEBAPP_NOW": "2026-12-01T09:00", "COOKIE_SECURE": "0"})
    assert settings["DATABASE_URL"] == "postgresql://u@h/d"
    assert settings["NOW"] == datetime(2026, 12, 1, 9, 0)
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert config.from_env({})["DATABASE_URL"].startswith("sqlite:///")


def test_command_line_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "webapp", "--help"], capture_output=True, text=True).stdout
    for command in ("serve", "check-content", "migrate", "load-demo"):
        assert command in out
