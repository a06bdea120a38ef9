"""Static files under content-hashed URLs (cached for a year), and the app's build hash."""

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import request, url_for
from markupsafe import Markup

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


@lru_cache(maxsize=1)
def inline_css() -> str:
    """The stylesheet, inlined in every page so that first paint needs no other request."""
    css = (PACKAGE / "static" / "css" / "site.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return "\n".join(line.strip() for line in css.splitlines() if line.strip())


def inline_css_hash() -> str:
    """The CSP source that allows exactly that inline stylesheet."""
    digest = hashlib.sha256(inline_css().encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def init_app(app) -> None:
    """Offer `asset()` and the inline stylesheet to templates; pages get ETags; versioned
    static files are immutable for a year."""
    app.add_template_global(asset)
    app.add_template_global(lambda: Markup(inline_css()), "inline_css")

    @app.after_request
    def etag(response):
        if (request.method == "GET" and response.status_code == 200 and not response.is_streamed
                and response.mimetype in ("text/html", "application/json") and "ETag" not in response.headers):
            response.add_etag()
            response.make_conditional(request)
        if response.mimetype == "text/html":
            response.vary.add("X-Precache")
        return response

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
