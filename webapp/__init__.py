"""The CNAS services web application."""

from flask import Flask
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, config, db, errors, guard, i18n, logs, render_cache, security
from .catalog import load_catalog
from .views import register_blueprints


def compress(app) -> None:
    """gzip or brotli for every text response (registered before the ETag hook, so that
    conditional requests are answered on the compressed ETag)."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/manifest+json", "image/svg+xml", "text/calendar"])
    Compress(app)


def jinja(app) -> None:
    """Templates written one element a line: drop the newline after a block tag and the
    indentation before one, so that the layout of the source does not reach the page."""
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def proxies(app) -> None:
    """Behind WEBAPP_PROXIES reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (and from nobody else's)."""
    count = app.config.get("PROXIES") or 0
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, catalog, blueprints, error pages."""
    app = Flask(__name__)
    app.config.update(config.from_env())
    app.config.update(test_config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.config["INSTANCE_DIR"])
    app.extensions["catalog"] = load_catalog(app.config["CONTENT_DIR"], app.config["INSTANCE_DIR"])
    proxies(app)
    logs.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    guard.init_app(app)  # before the blueprints: it brings the <int:> converter
    compress(app)
    assets.init_app(app)
    render_cache.init_app(app)
    jinja(app)
    register_blueprints(app)
    errors.init_app(app)
    return app
