"""The first download of the offline catalog (one bundle per language) and what the worker
shows from the phone first (catalog pages) or never keeps (personal pages)."""

import gzip
import json
import re

import pytest

FIRST_DOWNLOAD_BUDGET = 120 * 1024  # issue 17: manifest + bundle, compressed, per language
PERSONAL = ["/fr/manage", "/ar/appointments/ABCD2345", "/fr/book/work-accident/declare-work-accident",
            "/en/book/work-accident/declare-work-accident/review", "/fr/staff/", "/fr/staff/agenda", "/kiosk",
            "/fr/kiosk/checkin", "/api/v1/appointments", "/ar/apply/voluntary-affiliation/join-voluntary-affiliation",
            "/fr/apply/status"]
CATALOG = ["/fr/", "/ar/services/work-accident", "/en/services/work-accident/declare-work-accident",
           "/fr/agencies", "/fr/search", "/fr/about"]


def bundle(client, lang):
    response = client.get(f"/offline-bundle/{lang}.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    return response, json.loads(gzip.decompress(response.data))


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_bundle_holds_every_saved_page_as_served(client, lang):
    manifest = client.get(f"/offline-manifest/{lang}.json").json["entries"]
    _, data = bundle(client, lang)
    assert [(e["url"], e["revision"], e["kind"]) for e in data["entries"]] == \
        [(e["url"], e["revision"], e["kind"]) for e in manifest]
    for entry in data["entries"]:  # the phone's copy is the page itself: links, forms, language switch
        page = client.get(entry["url"], headers={"X-Precache": "1"})
        assert entry["body"] == page.get_data(as_text=True), entry["url"]
        assert "csrf_token" not in entry["body"], entry["url"]  # no session's token is saved on phones
        assert entry["type"] == page.mimetype


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_first_download_fits_its_budget_in_two_requests(client, lang):
    manifest = client.get(f"/offline-manifest/{lang}.json", headers={"Accept-Encoding": "gzip"})
    response, _ = bundle(client, lang)
    total = len(manifest.data) + len(response.data)
    print(f"first download {lang}: {total / 1024:.1f} KB gzip in 2 requests")
    assert total <= FIRST_DOWNLOAD_BUDGET, f"{lang}: {total - FIRST_DOWNLOAD_BUDGET} bytes over"
    again = client.get(f"/offline-bundle/{lang}.json",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    br = client.get(f"/offline-bundle/{lang}.json", headers={"Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br" and br.headers["ETag"] != response.headers["ETag"]


def test_the_manifest_says_how_the_phone_uses_each_page(client):
    manifest = client.get("/offline-manifest/fr.json").json
    kinds = {e["url"]: e["kind"] for e in manifest["entries"]}
    assert kinds["/fr/services/work-accident/declare-work-accident"] == "checklist"
    assert kinds["/fr/"] == kinds["/fr/services/work-accident"] == kinds["/fr/agencies"] == "page"
    assert kinds["/fr/offline"] == kinds["/fr/outbox"] == "fallback"
    assert kinds["/offline-index/fr.json"] == "index"
    assert all(e["content"] for e in manifest["entries"] if e["kind"] == "checklist")
    assert manifest["texts"]["updated"] == "Cette liste de documents a été mise à jour depuis votre dernière visite."
    assert re.fullmatch(r"[0-9a-f]{12}", manifest["release"])


def test_personal_pages_never_go_through_the_phone_copy(client):
    body = client.get("/sw.js").get_data(as_text=True)
    network_only = re.compile(re.search(r"const NETWORK_ONLY = /(.+)/;", body).group(1))
    for path in PERSONAL:
        assert network_only.match(path), f"{path} would be cached or shown from the phone"
    for path in CATALOG:
        assert not network_only.match(path), path
    # ...and the phone's copy is only for saved pages of the catalog kinds.
    assert 'const SAVED = new Set(["page", "checklist"])' in body
    kinds = {e["kind"] for e in client.get("/offline-manifest/fr.json").json["entries"]
             if network_only.match(e["url"])}
    assert not kinds
