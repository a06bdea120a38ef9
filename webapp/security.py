"""CSRF protection, cookie flags and security headers for every response."""

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


def init_app(app) -> None:
    """Turn on CSRF checks and the security headers (cookie flags come from config.py)."""
    csrf.init_app(app)
    headers = {**HEADERS, "Content-Security-Policy": CSP.format(inline_style=inline_css_hash())}

    @app.after_request
    def secure_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
