"""Public pages rendered once and kept in memory, with their compressed forms and ETag.

Home, a service and a task page change only with the content, a release or the day (the
deadline helper counts days from today): each (page, language, query arguments, htmx headers)
is rendered once per content revision, build, release and day, and kept as bytes, gzip and
brotli, in a bounded LRU (RENDER_CACHE_MB per process). Nothing per person is kept: a render
that reads the session (the CSRF token, flashes, "My appointment") or sets a cookie is sent
as it is and never stored; every other header (security, cookies) is added per request as usual.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, request
from flask.globals import request_ctx
from flask_compress.flask_compress import _compress_data
from werkzeug.http import generate_etag

from . import clock
from .assets import build_hash

DEFAULT_MB = 32
ENCODINGS = ("br", "gzip")  # the order flask-compress prefers (webapp.compress)
# Headers a view sets that belong to the page itself (the rest are added per request).
KEPT_HEADERS = ("Content-Type", "Vary", "Cache-Control", "Content-Language")
# Request headers that change what a public page renders (base.html, views/htmx.py).
PAGE_HEADERS = ("HX-Request", "HX-Target", "HX-History-Restore-Request", "X-Precache")
# Cookies that change the layout: a lobby tablet's device cookie gives the kiosk layout (idle
# reset; views/kiosk.py). Its value is in the key: a made-up cookie gets pages of its own.
PAGE_COOKIES = ("kiosk_device",)


@dataclass
class Page:
    """A rendered page: its bytes, the headers it came with, its ETag and compressed forms."""

    body: bytes
    status: int
    headers: list[tuple[str, str]]
    etag: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(b) for b in self.encoded.values())


class RenderCache:
    """An LRU of pages bounded in bytes (bodies and compressed forms) and in count."""

    def __init__(self, max_bytes: int, max_pages: int = 5000):
        self.max_bytes, self.max_pages = max_bytes, max_pages
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Page | None:
        with self.lock:
            page = self.pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self.pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple, page: Page) -> None:
        with self.lock:
            old = self.pages.pop(key, None)
            self.bytes -= old.size if old else 0
            if page.size > self.max_bytes:
                return
            self.pages[key] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes or len(self.pages) > self.max_pages:
                _, dropped = self.pages.popitem(last=False)
                self.bytes -= dropped.size

    def grew(self, key: tuple, page: Page, added: int) -> None:
        """A compressed form was added to a kept page: count its bytes (and trim)."""
        with self.lock:
            if self.pages.get(key) is page:
                self.bytes += added
            while self.bytes > self.max_bytes and self.pages:
                _, dropped = self.pages.popitem(last=False)
                self.bytes -= dropped.size

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.bytes = 0


def init_app(app) -> None:
    """One cache per app (RENDER_CACHE_MB; 0 turns it off)."""
    megabytes = app.config.get("RENDER_CACHE_MB", DEFAULT_MB)
    app.extensions["render_cache"] = RenderCache(int(megabytes * 1024 * 1024)) if megabytes else None


def page_key() -> tuple:
    """Everything a public page is made from, besides the code: the route and its arguments,
    the query, the headers that pick a fragment or a layout, the content, the build, the
    release and the day."""
    catalog = current_app.extensions["catalog"]
    return (
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        getattr(request, "url_lang", None),
        request.script_root,
        tuple(sorted(request.args.items(multi=True))),
        tuple(request.headers.get(name) for name in PAGE_HEADERS),
        tuple(request.cookies.get(name) for name in PAGE_COOKIES),
        getattr(catalog, "revision", "") or id(catalog),
        build_hash(),
        current_app.config.get("RELEASE", ""),
        current_app.config.get("DEMO", False),
        clock.today(),
    )


def cached(view):
    """Serve a public GET view from the render cache (see the module's docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = current_app.extensions.get("render_cache")
        if cache is None or request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        key = page_key()
        page = cache.get(key)
        if page is None:
            response, personal = _render(view, args, kwargs)
            if personal or response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
                return response
            body = response.get_data()
            headers = [(k, v) for k, v in response.headers.items() if k in KEPT_HEADERS]
            page = Page(body, response.status_code, headers, generate_etag(body))
            cache.put(key, page)
        return _send(cache, key, page)

    return wrapper


def _render(view, args, kwargs):
    """The view's response, and whether rendering it read the session (then it is personal).
    The session object is held directly: going through `flask.session` marks it read."""
    held = getattr(request_ctx, "_session", None)
    if held is None:  # not the Flask this was written for: take every render as personal
        return current_app.make_response(view(*args, **kwargs)), True
    before, held.accessed = held.accessed, False
    response = current_app.make_response(view(*args, **kwargs))
    touched = held.accessed
    held.accessed = before or touched
    return response, touched


def _send(cache: RenderCache, key: tuple, page: Page):
    """The kept page, compressed as the client accepts, 304 when it already holds it."""
    response = current_app.response_class(status=page.status, headers=page.headers)
    body, etag = page.body, page.etag
    min_size = current_app.config.get("COMPRESS_MIN_SIZE", 500)
    chosen = request.accept_encodings.best_match(ENCODINGS) if len(body) >= min_size else None
    if chosen:
        if chosen not in page.encoded:
            page.encoded[chosen] = _compress_data(current_app, body, chosen)
            cache.grew(key, page, len(page.encoded[chosen]))
        body, etag = page.encoded[chosen], f"{etag}:{chosen}"  # as flask-compress names them
        response.headers["Content-Encoding"] = chosen
    response.vary.add("Accept-Encoding")
    response.set_data(body)
    response.set_etag(etag)
    return response.make_conditional(request)
