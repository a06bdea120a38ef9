"""Static files under content-hashed URLs (cached for a year), and the app's build hash."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import request, url_for

PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=256)
def file_hash(path: str) -> str:
    """First 10 hex digits of a static file's SHA-256."""
    return hashlib.sha256((PACKAGE / "static" / path).read_bytes()).hexdigest()[:10]


def asset(filename: str) -> str:
    """The URL of a static file, versioned by its content: /static/css/site.css?v=1a2b3c4d5e."""
    return url_for("static", filename=filename, v=file_hash(filename))


@lru_cache(maxsize=1)
def build_hash() -> str:
    """A hash of everything that shapes pages besides content: templates, translations, static."""
    digest = hashlib.sha256()
    roots = [PACKAGE / "templates", PACKAGE / "static", PACKAGE.parent / "translations"]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".po"):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def init_app(app) -> None:
    """Offer `asset()` to templates; versioned static files are immutable for a year."""
    app.add_template_global(asset)

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
