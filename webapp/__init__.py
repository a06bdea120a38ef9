"""The CNAS services web application."""

from flask import Flask

from . import assets, config, db, errors, i18n, security
from .catalog import load_catalog
from .views import register_blueprints


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, catalog, blueprints, error pages."""
    app = Flask(__name__)
    app.config.update(config.from_env())
    app.config.update(test_config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.config["INSTANCE_DIR"])
    app.extensions["catalog"] = load_catalog(app.config["CONTENT_DIR"])
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    register_blueprints(app)
    errors.init_app(app)
    return app
