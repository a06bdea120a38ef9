"""Section 1: page weight — HTML, plus the CSS and JS each page references, raw and compressed."""

import gzip
import urllib.parse
from html.parser import HTMLParser

from .common import LANGS, log, request, serve, server_env, table, webapp_cli

try:  # optional: only when the package happens to be installed
    import brotli
except ImportError:
    brotli = None

GZIP_LEVEL = 6  # what nginx, Caddy and most CDNs use for dynamic responses
BROTLI_QUALITY = 5  # likewise for on-the-fly brotli
SEARCH_WORD = {"ar": "حادث", "fr": "accident", "en": "accident"}
BOOK = "/{lang}/book/work-accident/declare-work-accident"
PAGES = [
    ("home", "/{lang}/"),
    ("service", "/{lang}/services/work-accident"),
    ("task/checklist", "/{lang}/services/work-accident/declare-work-accident"),
    ("agencies", "/{lang}/agencies"),
    ("search results", "/{lang}/search?q={q}"),
    ("book: agency", BOOK),
    ("book: day", BOOK + "?agency=16"),
    ("book: time", BOOK + "?agency=16&date=2026-12-02"),
    ("book: details", BOOK + "?agency=16&date=2026-12-02&time=09:00"),
    ("manage", "/{lang}/manage"),
    ("about", "/{lang}/about"),
]


class Assets(HTMLParser):
    """Collect <link rel=stylesheet href> and <script src> of a page."""

    def __init__(self):
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []
        self.inline_css = 0  # bytes inside <style> elements
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css += len(data.encode())

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self._in_style = True
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            self.css.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.js.append(attrs["src"])


def sizes(body: bytes) -> dict:
    out = {"raw": len(body), "gzip": len(gzip.compress(body, GZIP_LEVEL, mtime=0))}
    if brotli is not None:
        out["br"] = len(brotli.compress(body, quality=BROTLI_QUALITY))
    return out


def add(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)
            if isinstance(a.get(k, 0), int) and isinstance(b.get(k, 0), int)}


def run(ctx) -> dict:
    instance = ctx.tmp / "weight"
    instance.mkdir()
    env = server_env(instance)
    webapp_cli(["load-demo"], env)
    with serve(env, workers=2, log_path=instance / "server.log") as server:
        return measure(server.url)


def measure(base: str) -> dict:
    asset_cache: dict[str, dict] = {}
    encodings = set()

    def asset(url: str) -> dict:
        path = urllib.parse.urlsplit(url)
        path = path.path + (f"?{path.query}" if path.query else "")
        if path not in asset_cache:
            resp = request(base, path)
            if resp.status != 200:
                raise RuntimeError(f"GET {path}: {resp.status}")
            probe = request(base, path, headers={"Accept-Encoding": "br, gzip"})
            encodings.add(f"static: {probe.headers.get('content-encoding', 'identity')}")
            asset_cache[path] = {**sizes(resp.body), "sent": len(probe.body),
                                 "cache_control": resp.headers.get("cache-control")}
        return asset_cache[path]

    rows, results = [], []
    for name, pattern in PAGES:
        for lang in LANGS:
            path = pattern.format(lang=lang, q=urllib.parse.quote(SEARCH_WORD[lang]))
            resp = request(base, path, headers={"Accept-Language": lang})
            if resp.status != 200:
                raise RuntimeError(f"GET {path}: {resp.status}")
            probe = request(base, path, headers={"Accept-Encoding": "br, gzip", "Accept-Language": lang})
            encodings.add(f"html: {probe.headers.get('content-encoding', 'identity')}")
            parser = Assets()
            parser.feed(resp.body.decode("utf-8", "replace"))
            html = {**sizes(resp.body), "sent": len(probe.body)}
            css = js = {k: 0 for k in html}
            for href in dict.fromkeys(parser.css):
                css = add(css, asset(href))
            for src in dict.fromkeys(parser.js):
                js = add(js, asset(src))
            total = add(add(html, css), js)
            entry = {"page": name, "lang": lang, "path": path, "html": html, "inline_css": parser.inline_css,
                     "css": {k: css[k] for k in html}, "js": {k: js[k] for k in html},
                     "total": {k: total[k] for k in html}, "css_files": len(set(parser.css)),
                     "js_files": len(set(parser.js)), "html_cache_control": resp.headers.get("cache-control")}
            results.append(entry)
            row = [f"{name} [{lang}]", html["raw"], html["gzip"]]
            if brotli is not None:
                row.append(html["br"])
            row += [html["sent"], parser.inline_css, f"{css['raw']:,} ({entry['css_files']})", css["gzip"],
                    f"{js['raw']:,} ({entry['js_files']})", js["gzip"], total["raw"], total["gzip"], total["sent"]]
            rows.append(row)
    headers = ["page [lang]", "HTML B", "HTML gz"] + (["HTML br"] if brotli is not None else [])
    headers += ["HTML sent", "<style> B", "CSS B (files)", "CSS gz", "JS B (files)", "JS gz", "total B", "total gz",
                "total sent"]
    note = (f"gzip level {GZIP_LEVEL}" + (f", brotli quality {BROTLI_QUALITY}" if brotli is not None
                                           else "; brotli not importable: gzip only")
            + ".\nsent = bytes the server itself sends for Accept-Encoding 'br, gzip' "
            + f"({', '.join(sorted(encodings))}); <style> B = inline CSS, counted in HTML.")
    table("1. Page weight (bytes; CSS/JS = every stylesheet and script the page references)", headers, rows, note)
    assets_rows = [[path, a["raw"], a["gzip"], a["sent"], a.get("cache_control")]
                   for path, a in sorted(asset_cache.items())]
    table("   Referenced static files", ["file", "bytes", "gzip", "sent", "Cache-Control"], assets_rows)
    log(f"{len(results)} pages, {len(asset_cache)} static files")
    return {"gzip_level": GZIP_LEVEL, "brotli": brotli is not None, "server_encodings": sorted(encodings),
            "pages": results, "assets": asset_cache}
