"""The installable, offline app: service worker, manifest, offline manifest and index, outbox page."""

import json
from functools import lru_cache

from flask import Blueprint, current_app, jsonify, make_response, render_template, request, url_for

from ..assets import asset, build_hash
from ..catalog import offline
from ..i18n import LANGUAGES, current
from .shared import catalog

bp = Blueprint("pwa", __name__)
SHELL = ["css/site.css", "vendor/htmx.min.js", "js/app.js", "js/outbox.js", "js/checklist.js", "js/outbox-page.js",
         "js/search.js", "icons/icon.svg", "icons/icon-192.png", "icons/icon-512.png", "icons/maskable-512.png"]



@bp.get("/sw.js")
def service_worker():
    """The service worker, at the root so that it controls every page."""
    shell = [asset(path) for path in SHELL]
    body = render_template("pwa/sw.js", shell=shell, outbox=asset("js/outbox.js"),
                           version=offline.revision(build_hash(), shell, current_app.config.get("RELEASE", "")))
    response = make_response(body)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the language asked for (?lang=)."""
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else current()
    names = {"ar": ("خدمات الصندوق الوطني للتأمينات الاجتماعية", "CNAS"),
             "fr": ("Services de la CNAS", "CNAS"), "en": ("CNAS services", "CNAS")}
    icons = [{"src": asset("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
             {"src": asset("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
             {"src": asset("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
             {"src": asset("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    response = jsonify({
        "name": names[lang][0], "short_name": names[lang][1], "lang": lang, "dir": LANGUAGES[lang]["dir"],
        "start_url": url_for("public.home", lang=lang), "scope": "/", "id": f"/?app=cnas-{lang}",
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#005a3c", "icons": icons,
    })
    response.mimetype = "application/manifest+json"
    return response


@lru_cache(maxsize=8)
def _offline_manifest(lang: str, server_name: str) -> list[dict]:
    entries = []
    for endpoint, values, shown in offline.pages(catalog(), lang):
        url = url_for(endpoint, lang=lang, **values)
        entries.append({"url": url, "revision": offline.revision(build_hash(), shown)})
    for endpoint in ("pwa.offline_page", "pwa.outbox", "public.about"):
        entries.append({"url": url_for(endpoint, lang=lang), "revision": offline.revision(build_hash())})
    for other in LANGUAGES:  # so that switching language offline explains itself (small pages)
        if other != lang:
            entries.append({"url": url_for("pwa.offline_page", lang=other), "revision": offline.revision(build_hash())})
    index = offline.index_entries(catalog(), lang)
    entries.append({"url": url_for("pwa.offline_index", lang=lang), "revision": offline.revision(index)})
    return entries


@bp.get("/offline-manifest/<lang:lang>.json")
def offline_manifest():
    """Every page to keep for offline use in a language, with a revision per page."""
    return jsonify({"lang": current(), "entries": _offline_manifest(current(), request.host)})


@bp.get("/offline-index/<lang:lang>.json")
def offline_index():
    """The compact search index used in the page when there is no network."""
    lang = current()
    index = offline.index_entries(catalog(), lang)
    entries = [{**{k: v for k, v in e.items() if k not in ("s", "k")},
                "u": url_for("public.task", lang=lang, service_id=e["s"], task_id=e["k"]) if "k" in e
                else url_for("public.service", lang=lang, service_id=e["s"])}
               for e in index["entries"]]
    return jsonify({**index, "entries": entries})


@bp.get("/<lang:lang>/offline")
def offline_page():
    """Shown when a page is not on the phone and there is no network."""
    return render_template("pwa/offline.html", categories=catalog().by_category())


@bp.get("/<lang:lang>/outbox")
def outbox():
    """The booking requests waiting on this phone (listed by JavaScript from IndexedDB)."""
    agencies = {a["code"]: a["name"][current()] for a in catalog().agencies}
    return render_template("pwa/outbox.html", agencies_json=json.dumps(agencies, ensure_ascii=False))
