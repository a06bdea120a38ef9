"""CSRF protection, cookie flags and security headers for every response."""

from flask import current_app, request
from flask_wtf.csrf import CSRFProtect

from .assets import inline_css_hash

csrf = CSRFProtect()

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' {inline_style}",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
        "worker-src 'self'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), microphone=(), camera=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}


HSTS = "max-age=31536000; includeSubDomains"  # one year; sent when cookies are HTTPS-only
# Answers that are personal, or show personal data, are never kept by a browser or a proxy:
# every answer of these blueprints, of a route about one appointment (`<reference>`), of a
# method that changes something, and of these pages (its error pages included: a 404 too).
PERSONAL_BLUEPRINTS = {"staff", "kiosk", "demo", "phone", "queue", "apply", "apply_status"}
PERSONAL_ENDPOINTS = {"booking.manage", "pwa.outbox"}


def personal() -> bool:
    """Whether the answer to this request is personal (see PERSONAL_BLUEPRINTS)."""
    rule = request.url_rule
    return (request.method not in ("GET", "HEAD", "OPTIONS") or request.blueprint in PERSONAL_BLUEPRINTS
            or request.endpoint in PERSONAL_ENDPOINTS or (rule is not None and "reference" in rule.arguments))


def init_app(app) -> None:
    """Turn on CSRF checks and the security headers (cookie flags come from config.py)."""
    csrf.init_app(app)
    headers = {**HEADERS, "Content-Security-Policy": CSP.format(inline_style=inline_css_hash())}

    @app.after_request
    def secure_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if personal() and not response.headers.get("Cache-Control", "").startswith("no-store"):
            response.headers["Cache-Control"] = "no-store"
        return response
