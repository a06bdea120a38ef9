"""The offline pieces served by the app: worker, manifests, index, and the precache budget."""

import copy
import gzip
import re

import pytest

from webapp.catalog import offline

PRECACHE_BUDGET = 300 * 1024  # compressed bytes of one language's whole catalog (README)


def test_service_worker_is_served_from_the_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert re.search(r'const VERSION = "[0-9a-f]{12}"', body)
    assert re.search(r"/static/vendor/htmx\.min\.js\?v=[0-9a-f]{10}", body)
    assert "appointments|manage|book|staff|kiosk" in body  # personal pages never cached


def test_versioned_static_files_are_immutable(client):
    url = re.search(r'src="(/static/js/app\.js\?v=[0-9a-f]+)"', client.get("/fr/").get_data(as_text=True)).group(1)
    with client.get(url) as response:
        assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_web_app_manifest(client, lang, direction):
    manifest = client.get(f"/manifest.webmanifest?lang={lang}").json
    assert manifest["lang"] == lang and manifest["dir"] == direction
    assert manifest["start_url"] == f"/{lang}/" and manifest["display"] == "standalone"
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200


def test_offline_manifest_lists_every_catalog_page(app, client):
    entries = client.get("/offline-manifest/fr.json").json["entries"]
    urls = {e["url"] for e in entries}
    for service in app.extensions["catalog"].services:
        assert f"/fr/services/{service['id']}" in urls
        for task in service["tasks"]:
            assert f"/fr/services/{service['id']}/{task['id']}" in urls
    assert {"/fr/", "/fr/offline", "/fr/outbox", "/fr/agencies", "/offline-index/fr.json"} <= urls
    assert {"/ar/offline", "/en/offline"} <= urls  # a language switched offline explains itself
    assert not any("/appointments" in u or "/book/" in u or "/manage" in u for u in urls)
    assert client.get("/offline-manifest/fr.json").json["entries"] == entries  # stable revisions


def test_a_content_change_changes_only_its_pages(app):
    catalog = app.extensions["catalog"]
    before = {(e, tuple(sorted(v.items()))): offline.revision(shown) for e, v, shown in offline.pages(catalog, "fr")}
    changed = copy.deepcopy(catalog)
    task = changed.services[0]["tasks"][0]
    task["who"]["fr"] = "Quelqu'un d'autre"
    after = {(e, tuple(sorted(v.items()))): offline.revision(shown) for e, v, shown in offline.pages(changed, "fr")}
    differ = [key for key in before if before[key] != after[key]]
    assert differ == [("public.task", (("service_id", changed.services[0]["id"]), ("task_id", task["id"])))]


def test_offline_index_is_compact_and_stemmed(client):
    index = client.get("/offline-index/ar.json").json
    entry = next(e for e in index["entries"] if e["u"] == "/ar/services/death-grant/claim-death-grant")
    assert set(entry) == {"u", "t", "st", "h", "p", "w"}
    assert index["vocab"]["وفاه"] in entry["h"].split()  # article removed, ta marbuta folded, stemmed
    assert index["vocab"]["امومه"] == "اموم" and index["vocab"]["مرض"] == ""  # "" when the word is its stem
    assert [["عطل", "مرض"], ["توقف", "عمل", "سبب", "مرض"]] in index["synonyms"]  # عطلة مرضية → ...


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_precache_of_one_language_fits_the_budget(client, lang):
    entries = client.get(f"/offline-manifest/{lang}.json").json["entries"]
    pages = [client.get(e["url"], headers={"X-Precache": "1"}).data for e in entries]  # as the worker asks
    total = sum(len(gzip.compress(page, 6)) for page in pages)
    print(f"precache {lang}: {len(entries)} pages, {total / 1024:.1f} KB gzip")
    assert total <= PRECACHE_BUDGET, f"{lang}: {total - PRECACHE_BUDGET} bytes over the budget"


def test_offline_and_outbox_pages(client):
    assert client.get("/fr/offline").soup.h1.get_text() == "Pas de réseau"
    outbox = client.get("/ar/outbox").soup
    assert outbox.h1.get_text() == "طلباتي"
    assert outbox.select_one("#outbox")["data-queued"].startswith("محفوظ على هذا الهاتف")
