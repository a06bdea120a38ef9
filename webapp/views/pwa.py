"""The installable, offline app: service worker, manifest, offline manifest and index, outbox page."""

import gzip
import itertools
import json
from functools import lru_cache

import brotli
from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..applications import cases
from ..assets import asset, build_hash
from ..catalog import applications, offline
from ..i18n import LANGUAGES, current
from ..security import csrf
from .messages import FIELD_ERRORS
from .shared import catalog

bp = Blueprint("pwa", __name__)
SHELL = ["css/site.css", "vendor/htmx.min.js", "js/app.js", "js/outbox.js", "js/checklist.js", "js/outbox-page.js",
         "js/search.js",
         "js/estimator.js", "js/offline-book.js", "js/apply-store.js", "js/offline-apply.js", "js/outbox-apply.js",
         "icons/icon.svg", "icons/icon-192.png", "icons/icon-512.png",
         "icons/maskable-512.png"]



@bp.get("/sw.js")
def service_worker():
    """The service worker, at the root so that it controls every page."""
    shell = [asset(path) for path in SHELL]
    body = render_template("pwa/sw.js", shell=shell, outbox=asset("js/outbox.js"),
                           outbox_apply=asset("js/outbox-apply.js"), outbox_kiosk=asset("js/outbox-kiosk.js"),
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
        entry = {"url": url, "revision": offline.revision(build_hash(), shown), "kind": offline.kind(endpoint)}
        if entry["kind"] == "checklist":  # what the text says, whatever the release: "this checklist was updated"
            entry["content"] = offline.revision(shown)
        entries.append(entry)
    for endpoint in ("pwa.offline_page", "pwa.outbox", "pwa.offline_booking", "pwa.offline_apply", "public.about"):
        entries.append({"url": url_for(endpoint, lang=lang), "revision": offline.revision(build_hash()),
                        "kind": offline.kind(endpoint)})
    for other in LANGUAGES:  # so that switching language offline explains itself (small pages)
        if other != lang:
            entries.append({"url": url_for("pwa.offline_page", lang=other), "revision": offline.revision(build_hash()),
                            "kind": "fallback"})
    index = offline.index_entries(catalog(), lang)
    entries.append({"url": url_for("pwa.offline_index", lang=lang), "revision": offline.revision(index),
                    "kind": "index"})
    return entries


def _release() -> str:
    return offline.revision(build_hash(), current_app.config.get("RELEASE", ""))


@bp.get("/offline-manifest/<lang:lang>.json")
def offline_manifest():
    """Every page to keep for offline use in a language, with a revision per page (the worker
    checks it in the background at each visit of a saved page; answered 304 when nothing changed)."""
    return jsonify({"lang": current(), "release": _release(), "entries": _offline_manifest(current(), request.host),
                    "texts": {"updated": _("This checklist was updated since your last visit.")}})


def _render(url: str) -> tuple[str, str]:
    """A page as the worker would fetch it (X-Precache), rendered in-process: (body, mimetype)."""
    app = current_app._get_current_object()
    # A fresh app context too: `g` (the language, its translations) must not be this request's.
    with app.app_context(), app.test_request_context(url, headers={"X-Precache": "1"}):
        answer = app.preprocess_request()
        response = app.make_response(answer if answer is not None else app.dispatch_request())
        return response.get_data(as_text=True), response.mimetype


def _offline_bundle(lang: str, encoding: str | None) -> tuple[bytes, str]:
    """Every saved page of a language in one JSON (compressed with `encoding`), and its ETag: the
    first visit downloads the catalog in one request, and the page shell repeated in each page costs
    almost nothing compressed. Pages link by path only: made once per language, app and process
    (the app's own store, bounded by languages × encodings), whatever the Host header says."""
    store = current_app.extensions.setdefault("offline_bundles", {})
    if lang not in store:
        entries = []
        for entry in _offline_manifest(lang, ""):
            body, mimetype = _render(entry["url"])
            entries.append({**entry, "type": mimetype, "body": body})
        raw = json.dumps({"lang": lang, "release": _release(), "entries": entries},
                         ensure_ascii=False, separators=(",", ":")).encode()
        store[lang] = (raw, offline.revision([(e["url"], e["revision"]) for e in entries]))
    raw, etag = store[lang]
    if encoding and (lang, encoding) not in store:
        store[lang, encoding] = (brotli.compress(raw, quality=9, lgwin=24) if encoding == "br"
                                 else gzip.compress(raw, 9))
    return (store[lang, encoding] if encoding else raw), etag


@bp.get("/offline-bundle/<lang:lang>.json")
def offline_bundle():
    """The whole offline catalog of a language (pages and search index) for the first download."""
    accepted = request.accept_encodings
    encoding = "br" if accepted["br"] else "gzip" if accepted["gzip"] else None
    body, etag = _offline_bundle(current(), encoding)
    response = make_response(body)
    response.mimetype = "application/json"
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.set_etag(etag + (f"-{encoding}" if encoding else ""))
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


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


@bp.route("/<lang:lang>/offline-booking", methods=["GET", "POST"])
@csrf.exempt  # the page is saved on phones (no token of anyone's session); its POST only redirects
def offline_booking():
    """The booking form without network (the worker shows it for the booking pages): the request
    is checked, then kept in the outbox (filled and sent by js/offline-book.js). Sent to us, the
    network is there: the real booking page of the procedure takes over (nothing is kept)."""
    if request.method == "POST":
        found = catalog().task(request.form.get("service", ""), request.form.get("task", ""))
        if found[1] is None or not found[1]["bookable"]:
            return redirect(url_for("public.home"), 303)
        agency = request.form.get("agency", "")
        return redirect(url_for("booking.start", service_id=found[0]["id"], task_id=found[1]["id"],
                                agency=agency if catalog().agency(agency) else None), 303)
    agencies = [a for a in catalog().agencies if a["bookable"]]
    return render_template("pwa/book.html", agencies=agencies)


def _offline_form(service: dict, task: dict) -> dict:
    """One application on one page: its questions, and every document it may ask for. Documents
    that depend on the checklist's answers come with `shown`: {"answer answer ...": [ids]} for
    each combination of the narrowing questions' options (a handful), which the page follows."""
    questions = applications.questions(task)
    narrowing = [q for q in questions if q.get("narrowing")]
    combinations = list(itertools.islice(itertools.product(*[[o["id"] for o in q["options"]] for q in narrowing]), 64))
    shown, documents = {}, {}
    for combination in combinations:
        found = applications.uploads(task, dict(zip([q["id"] for q in narrowing], combination, strict=True)))
        shown[" ".join(combination)] = [u["id"] for u in found]
        documents.update({u["id"]: u for u in found if u["id"] not in documents})
    return {"service": service, "task": task, "questions": questions, "documents": list(documents.values()),
            "shown": shown if narrowing and task["application"]["checklist_uploads"] else None,
            "narrowing": [q["id"] for q in narrowing], "abroad": applications.international(task),
            "phone_error": FIELD_ERRORS["phone_abroad" if applications.international(task) else "phone"]}


@bp.get("/<lang:lang>/offline-apply")
def offline_apply():
    """An online application without network (the worker shows it for /<lang>/apply/...): every
    application's questions, agency and documents on one page, kept on the phone as the person
    goes and sent by the outbox once the network is back (js/offline-apply.js)."""
    forms = [_offline_form(service, task) for service, task in applications.online_tasks(catalog())]
    return render_template("pwa/apply.html", forms=forms, agencies=cases.agencies(catalog()))


@bp.get("/<lang:lang>/outbox")
def outbox():
    """The booking requests waiting on this phone (listed by JavaScript from IndexedDB)."""
    agencies = {a["code"]: a["name"][current()] for a in catalog().agencies}
    return render_template("pwa/outbox.html", agencies_json=json.dumps(agencies, ensure_ascii=False))
